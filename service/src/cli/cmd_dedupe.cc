// doppel dedupe INPUT --out DIR: fuzzy matching (blocking, Fellegi-Sunter,
// clustering, golden records), or with --exact the records that share a
// normalized key. Outputs are written atomically into DIR.
#include <chrono>
#include <cstdio>
#include <unordered_set>

#include "cli/common.h"
#include "cli/match_input.h"
#include "doppel/core/parallel.h"
#include "doppel/core/exact_dedupe.h"
#include "doppel/core/golden.h"
#include "doppel/core/matcher.h"
#include "doppel/core/unicode.h"
#include "doppel/core/writers.h"
#include "doppel/storage/file.h"
#include "doppel/storage/temp_files.h"

namespace doppel::cli {

namespace {

struct DedupeFlags {
  std::string input, out_dir, keys;
  bool exact = false;
  std::string model_path, truth_path, truth_columns;
  double threshold = -1;
  double pairs_min_probability = 0.5;
  MemoryFlags memory;
  std::string survivorship;
  std::vector<std::string> source_priority;
  InputFlags in;
};

int RunExact(const DedupeFlags& f) {
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

// ---- fuzzy --------------------------------------------------------------------

namespace {

double Seconds(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}


int RunFuzzy(const DedupeFlags& f) {
  auto config = f.in.Resolve();
  if (!config.ok()) return Fail(config.status());
  if (!f.keys.empty()) return Fail("--keys applies to --exact only");
  if (Status s = storage::MakeDirs(f.out_dir); !s.ok()) return Fail(s);
  const kernels::KernelTable& kernels = ChooseKernels(*config);
  core::MatcherOptions mo = config->match;
  mo.threads = config->normalize.threads;
  core::SurvivorshipOptions survivorship = config->survivorship;
  if (!f.survivorship.empty()) {
    auto s = core::ParseSurvivorship(f.survivorship);
    if (!s.ok()) return Fail(s.status());
    survivorship.rule = *s;
  }
  if (!f.source_priority.empty()) {
    survivorship.source_priority.clear();
    for (const auto& src : f.source_priority) survivorship.source_priority.push_back(core::Fold(core::Trim(src)));
  }
  if (survivorship.rule == core::Survivorship::kSourcePriority && survivorship.source_priority.empty()) {
    return Fail("--survivorship source_priority needs --source-priority (or [match] source_priority), the sources "
                "most trusted first");
  }
  if (f.threshold >= 0) {
    if (f.threshold <= 0 || f.threshold >= 1) return Fail("--threshold is a probability strictly between 0 and 1");
    mo.cluster.threshold = f.threshold;
  }
  if (Status s = f.memory.Apply(&mo); !s.ok()) return Fail(s);
  if (!(f.pairs_min_probability >= 0 && f.pairs_min_probability <= 1)) {
    return Fail("--pairs-min-probability is a probability between 0 and 1");
  }
  mo.keep_min_probability = f.pairs_min_probability;
  // Candidate pairs and the records' columns over their budgets go to
  // unlinked files here.
  auto spill_scope = SpillScope::Open(&mo, f.out_dir);
  if (!spill_scope.ok()) return Fail(spill_scope.status());
  storage::TempFileSpace& spill = (*spill_scope)->space();
  std::optional<core::FsModel> given_model;
  if (!f.model_path.empty()) {
    auto text = storage::ReadFile(f.model_path);
    if (!text.ok()) return Fail(text.status());
    auto m = core::FsModel::FromJson(*text);
    if (!m.ok()) return Fail(f.model_path + ": " + m.status().message());
    given_model = std::move(*m);
  }

  auto rejects_file = storage::AtomicFile::Create(f.out_dir + "/rejects.csv");
  if (!rejects_file.ok()) return Fail(rejects_file.status());
  (*rejects_file)->Write("line,reason,raw\n");
  auto t_read = std::chrono::steady_clock::now();
  Progress progress("dedupe", f.in.quiet);
  auto loaded = LoadTable(f.input, *config, progress, rejects_file->get(), &spill);
  if (!loaded.ok()) return Fail(loaded.status());
  const core::MatchTable& table = loaded->table;
  const auto& snapshots = loaded->snapshots;
  const PipelineResult* result = &loaded->pipeline;
  double read_seconds = Seconds(t_read);

  std::unordered_map<std::string, std::string> truth;
  std::function<bool(uint32_t, uint32_t)> same_entity;
  if (!f.truth_path.empty()) {
    auto t = ReadTruthFile(f.truth_path, f.truth_columns);
    if (!t.ok()) return Fail(t.status());
    truth = std::move(*t);
    same_entity = [&](uint32_t a, uint32_t b) {
      auto x = truth.find(std::string(table.ids.Get(a))), y = truth.find(std::string(table.ids.Get(b)));
      return x != truth.end() && y != truth.end() && x->second == y->second;
    };
  }
  auto t_match = std::chrono::steady_clock::now();
  if (!f.in.quiet) std::fprintf(stderr, "dedupe: matching %zu records\n", table.size());
  auto matched = core::MatchAll(table, mo, kernels, given_model ? &*given_model : nullptr,
                                same_entity ? &same_entity : nullptr);
  if (!matched.ok()) return Fail(matched.status());
  const core::MatchResult& m = *matched;
  double match_seconds = Seconds(t_match);
  // A device that failed leaves its work to the CPU (the same results):
  // said even with -q, since the run was slower than asked for.
  if (!m.device_note.empty()) std::fprintf(stderr, "dedupe: note: %s\n", m.device_note.c_str());

  // clusters.csv, in input order.
  auto clusters = storage::AtomicFile::Create(f.out_dir + "/clusters.csv");
  if (!clusters.ok()) return Fail(clusters.status());
  std::string buf = "record_id,entity_id\n";
  for (size_t i = 0; i < table.size(); ++i) {
    core::AppendCsvField(buf, table.ids.Get(i));
    buf.push_back(',');
    core::AppendCsvField(buf, table.ids.Get(m.entity_of[i]));
    buf.push_back('\n');
    if (buf.size() > (1u << 20)) (*clusters)->Write(buf), buf.clear();
  }
  (*clusters)->Write(buf);

  // pairs.csv: the scored candidate pairs worth looking at.
  auto pairs_file = storage::AtomicFile::Create(f.out_dir + "/pairs.csv");
  if (!pairs_file.ok()) return Fail(pairs_file.status());
  buf = "id_l,id_r,weight,probability";
  for (size_t c = 0; c < core::kComparisonCount; ++c) {
    if (m.model.comparisons[c].used()) buf += "," + std::string(core::InfoOf(static_cast<core::Comparison>(c)).name);
  }
  buf += "\n";
  uint64_t pairs_written = 0;
  const core::ProbabilityAtLeast written(f.pairs_min_probability);
  for (size_t i = 0; i < m.pairs.size(); ++i) {
    if (!written(m.weights[i])) continue;
    auto [a, b] = m.pairs[i];
    char num[64];
    core::AppendCsvField(buf, table.ids.Get(a));
    buf.push_back(',');
    core::AppendCsvField(buf, table.ids.Get(b));
    std::snprintf(num, sizeof num, ",%.4f,%.6f", m.weights[i], core::ProbabilityOf(m.weights[i]));
    buf += num;
    for (size_t c = 0; c < core::kComparisonCount; ++c) {
      if (!m.model.comparisons[c].used()) continue;
      buf.push_back(',');
      buf += core::LevelName(static_cast<core::Comparison>(c), m.levels.levels[c][i]);
    }
    buf.push_back('\n');
    ++pairs_written;
    if (buf.size() > (1u << 20)) (*pairs_file)->Write(buf), buf.clear();
  }
  (*pairs_file)->Write(buf);

  // golden.csv: one line per entity, each value with the record it came from.
  auto golden_file = storage::AtomicFile::Create(f.out_dir + "/golden.csv");
  if (!golden_file.ok()) return Fail(golden_file.status());
  // Members of each entity in record order, as one array (start[e] ..
  // start[e + 1]): a million small vectors cost more than the rows.
  const size_t n = table.size();
  core::HugeVector<uint32_t> start(n + 1, 0), members(n);
  for (uint32_t i = 0; i < n; ++i) ++start[m.entity_of[i] + 1];
  for (size_t e = 0; e < n; ++e) start[e + 1] += start[e];
  {
    std::vector<uint32_t> fill(start.begin(), start.end() - 1);
    for (uint32_t i = 0; i < n; ++i) members[fill[m.entity_of[i]]++] = i;
  }
  std::vector<uint32_t> entities;
  entities.reserve(m.clusters);
  for (uint32_t e = 0; e < n; ++e) {
    if (start[e + 1] > start[e]) entities.push_back(e);
  }
  buf = "entity_id,members,last_name,first_name,middle_name,gender,birth_date,phones,emails,address,doc_id,"
        "name_from,birth_date_from,address_from,doc_id_from,phones_from,emails_from\n";
  (*golden_file)->Write(buf);
  buf.clear();
  // Golden records are independent: built on every thread a slice at a
  // time, each thread's rows in its own buffer, written in entity order.
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
    return s;
  };
  const size_t workers = core::ResolveThreads(mo.threads);
  constexpr size_t kPerWorker = 8192;
  std::vector<std::string> parts(workers);
  for (size_t from = 0; from < entities.size(); from += workers * kPerWorker) {
    const size_t to = std::min(entities.size(), from + workers * kPerWorker);
    core::ParallelFor(workers, workers, 1, [&](size_t wb, size_t we) {
      for (size_t w = wb; w < we; ++w) {
        // Built in a local string, handed over at the end: the parts'
        // string objects share cache lines, and appending to them in place
        // made the threads fight over those lines.
        std::string out;
        out.reserve(parts[w].capacity());
        const size_t lo = from + (to - from) * w / workers, hi = from + (to - from) * (w + 1) / workers;
        std::vector<core::MemberSnapshot> snaps;
        for (size_t k = lo; k < hi; ++k) {
          const uint32_t e = entities[k];
          snaps.clear();
          std::string member_ids;
          for (uint32_t x = start[e]; x < start[e + 1]; ++x) {
            snaps.push_back(snapshots.Get(members[x]));
            if (!member_ids.empty()) member_ids.push_back(' ');
            member_ids += table.ids.Get(members[x]);
          }
          core::GoldenRecord g = core::BuildGolden(snaps, survivorship);
          std::string dob = g.birth_date ? std::to_string(g.birth_date) : "";
          core::AppendCsvRow(out, {table.ids.Get(e), member_ids, g.last, g.first, g.middle, g.gender, dob,
                                   join(g.phones), join(g.emails), g.address, g.doc_id, g.name_from,
                                   g.birth_date_from, g.address_from, g.doc_id_from, join(g.phones_from),
                                   join(g.emails_from)});
        }
        parts[w] = std::move(out);
      }
    });
    for (const std::string& part : parts) (*golden_file)->Write(part);
    // The members' snapshots are read in about record order: those of this
    // slice need not stay resident (they would add the whole snapshot file
    // to the peak by the end).
    snapshots.ReleaseMapped();
  }
  (*golden_file)->Write(buf);

  auto model_file = storage::AtomicFile::Create(f.out_dir + "/model.json");
  if (!model_file.ok()) return Fail(model_file.status());
  (*model_file)->Write(m.model.ToJson());

  // Where pairs and big buffers went, golden records included.
  const core::BigBufferFiles::Stats columns = (*spill_scope)->Report("dedupe", m.spilled_bytes, f.in.quiet);
  double seconds = progress.Seconds();
  uint64_t rejected = loaded->rejected;
  core::JsonWriter j;
  j.BeginObject();
  j.Field("input", f.input).Field("mode", std::string("fuzzy"));
  j.Field("columns", result->map.Describe(result->reader->column_names()));
  j.Field("records", static_cast<uint64_t>(table.size())).Field("entities", m.clusters);
  j.Field("duplicates", static_cast<uint64_t>(table.size()) - m.clusters);
  j.Field("rejects", rejected);
  j.Field("candidate_pairs", m.candidate_pairs);
  j.Field("spilled_bytes", m.spilled_bytes);
  j.Field("column_file_bytes", columns.peak_file_bytes).Field("column_ram_bytes", columns.peak_ram_bytes);
  j.Field("pairs_written", pairs_written);
  j.Field("threshold", mo.cluster.threshold).Field("joins_refused", m.joins_refused);
  j.Field("pairs_scored_on_demand", m.pairs_scored_on_demand);
  j.Field("model", m.model.trained_by).Field("lambda", m.model.lambda).Field("em_iterations", m.model.iterations);
  j.Key("blocking").BeginArray();
  for (const auto& rs : m.by_rule) {
    j.BeginObject().Field("rule", core::BlockingRuleName(rs.rule)).Field("pairs", rs.pairs);
    j.Field("new_pairs", rs.new_pairs).Field("skipped_blocks", rs.skipped_blocks).EndObject();
  }
  j.EndArray();
  j.Field("backend", std::string(kernels.name));
  if (kernels.backend == kernels::Backend::kCuda) {
    // What the GPU itself computed (the rest ran on the CPU: small batches, or a device error).
    j.Key("device").BeginObject();
    j.Field("pairs_levelled", m.pairs_levelled_on_device).Field("pairs_weighted", m.pairs_weighted_on_device);
    j.Field("note", m.device_note);
    // Bulk kernel batches the device could not take or failed on, which the CPU served.
    const kernels::GpuFallbacks fallbacks = kernels::GetGpuFallbacks();
    j.Field("fallback_batches", fallbacks.batches).Field("fallback_reason", fallbacks.first_reason);
    // Blocking rules larger than the device budget, blocked there a key range at a time.
    j.Field("split_batches", kernels::GpuBlockingSplits()).EndObject();
  }
  j.Field("seconds", seconds).Field("read_normalize_seconds", read_seconds).Field("match_seconds", match_seconds);
  j.Field("records_per_second", seconds > 0 ? table.size() / seconds : 0.0);
  j.Field("pairs_per_second", match_seconds > 0 ? m.candidate_pairs / match_seconds : 0.0);
  j.Key("stage_seconds").BeginObject();
  j.Field("blocking", m.seconds.blocking).Field("comparisons", m.seconds.comparisons);
  j.Field("training", m.seconds.training).Field("scoring", m.seconds.scoring).Field("clustering", m.seconds.clustering);
  j.EndObject();
  j.EndObject();
  auto summary = storage::AtomicFile::Create(f.out_dir + "/summary.json");
  if (!summary.ok()) return Fail(summary.status());
  (*summary)->Write(j.str());

  std::vector<storage::AtomicFile*> files = {clusters->get(), pairs_file->get(), golden_file->get(),
                                             model_file->get(), rejects_file->get(), summary->get()};
  for (auto* file : files) {
    if (Status s = file->Sync(); !s.ok()) return Fail(s);
  }
  for (auto* file : files) {
    if (Status s = file->Publish(); !s.ok()) return Fail(s);
  }
  progress.Done(table.size() + rejected);
  for (const auto& rs : m.by_rule) {
    if (rs.skipped_blocks == 0 || rs.skipped_examples.empty()) continue;
    std::fprintf(stderr, "dedupe: note: %s skipped %llu blocks too common to use (e.g. %s)\n",
                 std::string(core::BlockingRuleName(rs.rule)).c_str(),
                 static_cast<unsigned long long>(rs.skipped_blocks), rs.skipped_examples.front().c_str());
  }
  if (m.model.trained_by == "em" && (m.model.iterations == 0 || m.model.lambda <= 0)) {
    std::fprintf(stderr,
                 "dedupe: warning: %s candidate pairs are too few to train a model, so nothing was joined; train "
                 "on a larger base (or doppel gen) and pass its model.json with --model\n",
                 core::WithThousands(m.candidate_pairs).c_str());
  }
  std::printf("Fuzzy dedupe of %s\n", f.input.c_str());
  std::printf("  records   %s (%s rejected, see %s/rejects.csv)\n", core::WithThousands(table.size()).c_str(),
              core::WithThousands(rejected).c_str(), f.out_dir.c_str());
  std::printf("  entities  %s (%s duplicate records)\n", core::WithThousands(m.clusters).c_str(),
              core::WithThousands(table.size() - m.clusters).c_str());
  std::printf("  pairs     %s candidates from %zu blocking rules, threshold %.2f, %s joins refused as chains\n",
              core::WithThousands(m.candidate_pairs).c_str(), m.by_rule.size(),
              mo.cluster.threshold, core::WithThousands(m.joins_refused).c_str());
  std::printf("  model     %s (prior %.4f%s)\n", m.model.trained_by.c_str(), m.model.lambda,
              m.model.trained_by == "em" ? (", " + std::to_string(m.model.iterations) + " EM iterations").c_str() : "");
  std::printf("  output    %s/{clusters,golden,pairs}.csv, model.json, summary.json\n", f.out_dir.c_str());
  std::printf("  time      %.2f s (read and normalize %.2f s, match %.2f s), %s records/s, backend %s\n", seconds,
              read_seconds, match_seconds,
              core::WithThousands(static_cast<uint64_t>(seconds > 0 ? table.size() / seconds : 0)).c_str(),
              kernels.name);
  return kExitOk;
}

int RunDedupe(const DedupeFlags& f) { return f.exact ? RunExact(f) : RunFuzzy(f); }

}  // namespace

Command RegisterDedupe(CLI::App& app) {
  auto f = std::make_shared<DedupeFlags>();
  CLI::App* sub = app.add_subcommand("dedupe", "Group duplicate records into entities (fuzzy by default, --exact for keys only)");
  sub->add_option("input", f->input, "CSV or NDJSON file ('-' for stdin)")->required();
  sub->add_option("--out", f->out_dir, "Output directory for clusters.csv, summary.json, rejects.csv")->required();
  sub->add_flag("--exact", f->exact, "Exact keys only: personal phone, canonical email, name + birth date, document id");
  sub->add_option("--keys", f->keys, "With --exact: comma-separated keys: phone, email, name_dob, doc_id, landline (default: the first four)");
  sub->add_option("--model", f->model_path, "Use this model.json instead of training one");
  sub->add_option("--threshold", f->threshold, "Match probability that links two records (default: 0.95)");
  sub->add_option("--truth", f->truth_path, "Train m-probabilities from labels: CSV of record id and true entity id");
  sub->add_option("--truth-columns", f->truth_columns, "Truth columns as id_column,entity_column");
  sub->add_option("--pairs-min-probability", f->pairs_min_probability, "Write pairs at least this likely to pairs.csv (default: 0.5)");
  f->memory.Register(sub, "the --out directory");
  sub->add_option("--survivorship", f->survivorship,
                  "Golden values: most_frequent, most_recently_verified, most_complete, most_recent or "
                  "source_priority (default: most_frequent)");
  sub->add_option("--source-priority", f->source_priority,
                  "Sources (the column with role 'source'), most trusted first, comma-separated: crm,call_centre,web")
      ->delimiter(',');
  f->in.Register(sub);
  return [f] { return RunDedupe(*f); };
}

}  // namespace doppel::cli
