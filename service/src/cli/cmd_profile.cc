// doppel profile INPUT: fill rates, validity, problems with examples,
// reachability, staleness and exact-duplicate counts.
#include <cstdio>
#include <memory>
#include <unordered_set>

#include "cli/common.h"
#include "doppel/core/profile.h"
#include "doppel/core/writers.h"
#include "doppel/storage/file.h"
#include "doppel/storage/store.h"

namespace doppel::cli {

namespace {

struct ProfileFlags {
  std::string input;
  bool json = false;
  std::string rejects_path;
  std::string suppression_db;
  InputFlags in;
};

int RunProfile(const ProfileFlags& f) {
  auto config = f.in.Resolve();
  if (!config.ok()) return Fail(config.status());
  const kernels::KernelTable& kernels = ChooseKernels(*config);

  std::unique_ptr<core::Profiler> profiler;
  std::unique_ptr<storage::AtomicFile> rejects_file;
  if (!f.rejects_path.empty()) {
    auto rf = storage::AtomicFile::Create(f.rejects_path);
    if (!rf.ok()) return Fail(rf.status());
    rejects_file = std::move(*rf);
    rejects_file->Write("line,reason,raw\n");
  }
  // The suppression list of a database, held in memory while profiling.
  auto suppressed = std::make_shared<std::unordered_set<std::string>>();
  if (!f.suppression_db.empty()) {
    storage::StoreOptions o;
    o.create_if_missing = false;
    auto store = storage::Store::Open(f.suppression_db, o);
    if (!store.ok()) return Fail(store.status());
    Status s = (*store)->ListSuppressions([&](const core::Suppression& e) {
      suppressed->insert(std::string(1, static_cast<char>(e.kind)) + e.value);
      return true;
    });
    if (!s.ok()) return Fail(s);
    config->profile.suppressed = [suppressed](char kind, std::string_view value) {
      std::string key(1, kind);
      key.append(value);
      return suppressed->count(key) > 0;
    };
  }
  Progress progress("profile", f.in.quiet);
  auto result = RunPipeline(
      f.input, *config, progress,
      [&](const core::FieldMap& map, const std::vector<std::string>& names) {
        if (!profiler) profiler = std::make_unique<core::Profiler>(config->profile, map, names, kernels);
        else profiler->SetFieldMap(map, names);
        return Status::Ok();
      },
      [&](const BatchView& v) { profiler->Add(v.batch, v.records); },
      [&](const std::vector<core::Reject>& rejects) {
        profiler->AddRejects(rejects);
        if (rejects_file) {
          std::string out;
          AppendRejectRows(out, rejects);
          rejects_file->Write(out);
        }
      });
  if (!result.ok()) return Fail(result.status());
  if (rejects_file) {
    if (Status s = rejects_file->Commit(); !s.ok()) return Fail(s);
  }
  core::Profile p = profiler->Finish(*result->reader, f.input);
  p.columns = result->map.Describe(result->reader->column_names());
  p.seconds = progress.Seconds();
  p.backend = kernels.name;
  progress.Done(result->records + result->rejected);
  std::string text = f.json ? core::FormatProfileJson(p) : core::FormatProfileText(p);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return kExitOk;
}

}  // namespace

Command RegisterProfile(CLI::App& app) {
  auto f = std::make_shared<ProfileFlags>();
  CLI::App* sub = app.add_subcommand("profile", "Profile a client base: fill and validity rates, problems, duplicates");
  sub->add_option("input", f->input, "CSV or NDJSON file ('-' for stdin)")->required();
  sub->add_flag("--json", f->json, "Print JSON instead of a table");
  sub->add_option("--rejects", f->rejects_path, "Write rejected rows (line, reason, raw) to this CSV file");
  sub->add_option("--suppression-db", f->suppression_db,
                  "Count phones and emails on this database's suppression list (doppeld must not hold it)");
  f->in.Register(sub);
  return [f] { return RunProfile(*f); };
}

}  // namespace doppel::cli
