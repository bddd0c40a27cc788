// doppel dedupe --exact INPUT --out DIR: clusters of records that share a
// normalized key, written atomically as DIR/clusters.csv, DIR/summary.json
// and DIR/rejects.csv.
#include <cstdio>

#include "cli/common.h"
#include "doppel/core/exact_dedupe.h"
#include "doppel/core/writers.h"
#include "doppel/storage/file.h"

namespace doppel::cli {

namespace {

struct DedupeFlags {
  std::string input, out_dir, keys;
  bool exact = false;
  InputFlags in;
};

int RunDedupe(const DedupeFlags& f) {
  if (!f.exact) {
    return Fail("only exact deduplication (--exact) is available in this version; fuzzy matching is not built yet");
  }
  auto config = f.in.Resolve();
  if (!config.ok()) return Fail(config.status());
  if (!f.keys.empty()) {
    auto keys = core::ParseExactKeys(f.keys);
    if (!keys.ok()) return Fail(keys.status());
    config->exact.keys = *keys;
  }
  if (Status s = storage::MakeDirs(f.out_dir); !s.ok()) return Fail(s);
  const kernels::KernelTable& kernels = ChooseKernels(*config);

  auto rejects_file = storage::AtomicFile::Create(f.out_dir + "/rejects.csv");
  if (!rejects_file.ok()) return Fail(rejects_file.status());
  (*rejects_file)->Write("line,reason,raw\n");

  core::ExactDeduper deduper(config->exact, kernels);
  Progress progress("dedupe", f.in.quiet);
  auto result = RunPipeline(
      f.input, *config, progress,
      [](const core::FieldMap&, const std::vector<std::string>&) { return Status::Ok(); },
      [&](const BatchView& v) { deduper.Add(v.records); },
      [&](const std::vector<core::Reject>& rejects) {
        std::string out;
        AppendRejectRows(out, rejects);
        (*rejects_file)->Write(out);
      });
  if (!result.ok()) return Fail(result.status());
  core::ExactDedupeResult res = deduper.Finish();

  // Repeated record ids are rejects too: the later rows are left out.
  {
    std::string out;
    for (const auto& d : res.duplicate_ids) {
      core::AppendCsvRow(out, {std::to_string(d.line),
                               "repeated record id (first seen at line " + std::to_string(d.first_line) + ")", d.id});
    }
    (*rejects_file)->Write(out);
  }

  auto clusters = storage::AtomicFile::Create(f.out_dir + "/clusters.csv");
  if (!clusters.ok()) return Fail(clusters.status());
  std::string buf = "record_id,entity_id\n";
  for (size_t i = 0; i < deduper.size(); ++i) {
    std::string_view entity = deduper.entity_id(i);
    if (entity.empty()) continue;  // a repeated id, reported above
    core::AppendCsvField(buf, deduper.record_id(i));
    buf.push_back(',');
    core::AppendCsvField(buf, entity);
    buf.push_back('\n');
    if (buf.size() > (1u << 20)) {
      (*clusters)->Write(buf);
      buf.clear();
    }
  }
  (*clusters)->Write(buf);

  double seconds = progress.Seconds();
  uint64_t rejected = result->rejected + res.duplicate_ids.size();
  core::JsonWriter j;
  j.BeginObject();
  j.Field("input", f.input).Field("mode", std::string("exact"));
  j.Field("columns", result->map.Describe(result->reader->column_names()));
  j.Field("records", res.records).Field("entities", res.entities);
  j.Field("duplicates", res.records - res.entities).Field("records_in_groups", res.records_in_multi);
  j.Field("largest_entity", res.largest_entity);
  j.Field("rejects", rejected).Field("rejected_rows", result->rejected);
  j.Field("repeated_record_ids", static_cast<uint64_t>(res.duplicate_ids.size()));
  j.Key("keys").BeginArray();
  for (auto k : config->exact.keys) j.String(core::ExactKeyName(k));
  j.EndArray();
  j.Key("groups_by_key").BeginObject();
  for (auto k : config->exact.keys) {
    const core::KeyStats& s = res.by_key[static_cast<size_t>(k)];
    j.Key(core::ExactKeyName(k)).BeginObject();
    j.Field("groups", s.groups).Field("records_in_groups", s.records_in_groups).Field("records_with_key", s.records_with_key);
    j.EndObject();
  }
  j.EndObject();
  j.Field("backend", std::string(kernels.name));
  j.Field("seconds", seconds);
  j.Field("records_per_second", seconds > 0 ? (res.records + rejected) / seconds : 0.0);
  j.EndObject();
  auto summary = storage::AtomicFile::Create(f.out_dir + "/summary.json");
  if (!summary.ok()) return Fail(summary.status());
  (*summary)->Write(j.str());

  // Sync all three before renaming any: a full disk or a crash before the
  // renames leaves the previous outputs as they were.
  for (auto* file : {clusters->get(), rejects_file->get(), summary->get()}) {
    if (Status s = file->Sync(); !s.ok()) return Fail(s);
  }
  for (auto* file : {clusters->get(), rejects_file->get(), summary->get()}) {
    if (Status s = file->Publish(); !s.ok()) return Fail(s);
  }
  progress.Done(res.records + rejected);

  std::printf("Exact dedupe of %s\n", f.input.c_str());
  std::printf("  records   %s (%s rejected, see %s/rejects.csv)\n", core::WithThousands(res.records).c_str(),
              core::WithThousands(rejected).c_str(), f.out_dir.c_str());
  std::printf("  entities  %s (%s duplicate records in %s groups of 2+; largest %s)\n",
              core::WithThousands(res.entities).c_str(), core::WithThousands(res.records - res.entities).c_str(),
              core::WithThousands(res.records_in_multi - (res.records - res.entities)).c_str(),
              core::WithThousands(res.largest_entity).c_str());
  for (auto k : config->exact.keys) {
    const core::KeyStats& s = res.by_key[static_cast<size_t>(k)];
    std::printf("  by %-9s %s groups, %s records\n", std::string(core::ExactKeyName(k)).c_str(),
                core::WithThousands(s.groups).c_str(), core::WithThousands(s.records_in_groups).c_str());
  }
  std::printf("  output    %s/clusters.csv, %s/summary.json\n", f.out_dir.c_str(), f.out_dir.c_str());
  std::printf("  time      %.2f s, %s records/s, backend %s\n", seconds,
              core::WithThousands(static_cast<uint64_t>(seconds > 0 ? (res.records + rejected) / seconds : 0)).c_str(),
              kernels.name);
  return kExitOk;
}

}  // namespace

Command RegisterDedupe(CLI::App& app) {
  auto f = std::make_shared<DedupeFlags>();
  CLI::App* sub = app.add_subcommand("dedupe", "Group duplicate records into entities");
  sub->add_option("input", f->input, "CSV or NDJSON file ('-' for stdin)")->required();
  sub->add_option("--out", f->out_dir, "Output directory for clusters.csv, summary.json, rejects.csv")->required();
  sub->add_flag("--exact", f->exact, "Exact keys only: personal phone, canonical email, name + birth date, document id");
  sub->add_option("--keys", f->keys, "Comma-separated keys: phone, email, name_dob, doc_id, landline (default: the first four)");
  f->in.Register(sub);
  return [f] { return RunDedupe(*f); };
}

}  // namespace doppel::cli
