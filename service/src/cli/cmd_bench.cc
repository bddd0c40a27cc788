// doppel bench: fuzzy deduplication end to end on generated bases, stage by
// stage, on one or several kernel backends, scored against the generator's
// truth. Bases are generated once into --work and reused.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <sstream>

#include "cli/common.h"
#include "cli/match_input.h"
#include "doppel/core/eval.h"
#include "doppel/core/matcher.h"
#include "doppel/core/parallel.h"
#include "doppel/core/writers.h"
#include "doppel/storage/file.h"
#include "doppel/storage/temp_files.h"

namespace doppel::cli {

namespace {

struct BenchFlags {
  std::vector<uint64_t> rows = {100000};
  uint64_t seed = 7;
  std::string locale = "ru";
  std::vector<std::string> backends = {"auto"};
  std::string work = "var/bench";
  std::string json_path;
  std::string data_dir;
  int threads = 0;
  MemoryFlags memory;
  bool quiet = false;
};

struct Run {
  uint64_t rows = 0;
  std::string backend;
  double read_normalize = 0, total = 0;
  core::MatchResult::Stages stages;
  uint64_t candidates = 0, clusters = 0, spilled_bytes = 0, column_file_bytes = 0;
  core::EvalResult eval;
  double peak_rss_mib = 0;
};

double PeakRssMib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024.0;
}

Result<Run> BenchOne(const BenchFlags& f, uint64_t rows, const std::string& backend) {
  Run run;
  run.rows = rows;
  const std::string dir = f.work + "/" + f.locale + "-" + std::to_string(rows) + "-seed" + std::to_string(f.seed);
  Progress progress("bench", f.quiet);
  if (!storage::PathExists(dir + "/base.csv") || !storage::PathExists(dir + "/truth.csv")) {
    core::GeneratorOptions o;
    o.rows = rows;
    o.seed = f.seed;
    DOPPEL_ASSIGN_OR_RETURN(o.locale, core::ParseLocale(f.locale));
    DOPPEL_RETURN_IF_ERROR(o.Validate());
    progress.Note("generating " + std::to_string(rows) + " rows into " + dir);
    core::GeneratorStats stats;
    Progress gen("gen", f.quiet);
    DOPPEL_RETURN_IF_ERROR(GenerateBase(o, f.data_dir, dir, gen, &stats));
    gen.Done(stats.rows);
  }

  core::JobConfig config;
  config.normalize.threads = f.threads;
  config.backend = backend;
  const kernels::KernelTable& kernels = ChooseKernels(config);
  run.backend = kernels.name;
  core::MatcherOptions mo = config.match;
  mo.threads = f.threads;
  DOPPEL_RETURN_IF_ERROR(f.memory.Apply(&mo));
  // As dedupe: snapshots, pairs and columns over their budgets go to files
  // in the base's folder.
  DOPPEL_ASSIGN_OR_RETURN(std::unique_ptr<SpillScope> spill_scope, SpillScope::Open(&mo, dir));
  storage::TempFileSpace& spill = spill_scope->space();

  const auto t0 = std::chrono::steady_clock::now();
  Progress reading("bench: read and normalize", f.quiet);
  DOPPEL_ASSIGN_OR_RETURN(LoadedTable loaded, LoadTable(dir + "/base.csv", config, reading, nullptr, &spill));
  const auto t1 = std::chrono::steady_clock::now();
  progress.Note("matching " + std::to_string(loaded.table.size()) + " records on " + run.backend);
  DOPPEL_ASSIGN_OR_RETURN(core::MatchResult m, core::MatchAll(loaded.table, mo, kernels));
  const auto t2 = std::chrono::steady_clock::now();
  run.read_normalize = std::chrono::duration<double>(t1 - t0).count();
  run.total = std::chrono::duration<double>(t2 - t0).count();
  run.stages = m.seconds;
  run.candidates = m.candidate_pairs;
  run.spilled_bytes = m.spilled_bytes;
  run.column_file_bytes = core::BigBufferFiles::Get().peak_file_bytes;
  run.clusters = m.clusters;
  run.peak_rss_mib = PeakRssMib();

  core::Evaluator ev;
  DOPPEL_ASSIGN_OR_RETURN(auto truth, ReadTruthFile(dir + "/truth.csv", ""));
  for (const auto& [record, entity] : truth) DOPPEL_RETURN_IF_ERROR(ev.AddTruth(record, entity));
  for (size_t i = 0; i < loaded.table.size(); ++i) {
    DOPPEL_RETURN_IF_ERROR(ev.AddPrediction(loaded.table.ids.Get(i), loaded.table.ids.Get(m.entity_of[i])));
  }
  run.eval = ev.Compute();
  return run;
}

int RunBench(const BenchFlags& f) {
  std::vector<Run> runs;
  for (uint64_t rows : f.rows) {
    for (const std::string& backend : f.backends) {
      auto r = BenchOne(f, rows, backend);
      if (!r.ok()) return Fail(r.status());
      runs.push_back(std::move(*r));
    }
  }
  std::printf("Fuzzy dedupe, %s generated bases (seed %llu), %s\n\n", f.locale.c_str(),
              static_cast<unsigned long long>(f.seed),
              f.threads > 0 ? (std::to_string(f.threads) + " threads").c_str() : "all cores");
  std::printf("%10s  %-12s  %8s  %10s  %8s  %8s  %8s  %8s  %8s  %12s  %10s  %7s  %8s\n", "records", "backend", "total s",
              "records/s", "read s", "block s", "compare", "train s", "score s", "cluster s", "pairs", "F1",
              "RSS MiB");
  for (const Run& r : runs) {
    std::printf("%10s  %-12s  %8.2f  %10s  %8.2f  %8.2f  %8.2f  %8.2f  %8.2f  %12.2f  %10s  %7.4f  %8.0f\n",
                core::WithThousands(r.rows).c_str(), r.backend.c_str(), r.total,
                core::WithThousands(static_cast<uint64_t>(r.rows / r.total)).c_str(), r.read_normalize,
                r.stages.blocking, r.stages.comparisons, r.stages.training, r.stages.scoring, r.stages.clustering,
                core::WithThousands(r.candidates).c_str(), r.eval.pair_f1, r.peak_rss_mib);
  }
  std::printf("\ncompare: levels of every candidate pair (%s pairs/s on the last run); RSS is the process peak so far\n",
              runs.empty() || runs.back().stages.comparisons <= 0
                  ? "-"
                  : core::WithThousands(static_cast<uint64_t>(runs.back().candidates / runs.back().stages.comparisons))
                        .c_str());
  if (!f.json_path.empty()) {
    core::JsonWriter j;
    j.BeginObject().Field("cpu_target", kernels::CpuTargetName()).Field("seed", f.seed).Field("locale", f.locale);
    j.Key("runs").BeginArray();
    for (const Run& r : runs) {
      j.BeginObject().Field("records", r.rows).Field("backend", r.backend).Field("seconds", r.total);
      j.Field("records_per_second", r.rows / r.total).Field("read_normalize_seconds", r.read_normalize);
      j.Key("stage_seconds").BeginObject();
      j.Field("blocking", r.stages.blocking).Field("comparisons", r.stages.comparisons);
      j.Field("training", r.stages.training).Field("scoring", r.stages.scoring).Field("clustering", r.stages.clustering);
      j.EndObject();
      j.Field("candidate_pairs", r.candidates).Field("entities", r.clusters);
      j.Field("pairwise_precision", r.eval.pair_precision).Field("pairwise_recall", r.eval.pair_recall);
      j.Field("pairwise_f1", r.eval.pair_f1).Field("peak_rss_mib", r.peak_rss_mib);
      j.Field("spilled_bytes", r.spilled_bytes).Field("column_file_bytes", r.column_file_bytes).EndObject();
    }
    j.EndArray().EndObject();
    auto file = storage::AtomicFile::Create(f.json_path);
    if (!file.ok()) return Fail(file.status());
    (*file)->Write(j.str());
    if (Status s = (*file)->Commit(); !s.ok()) return Fail(s);
  }
  return kExitOk;
}

}  // namespace

Command RegisterBench(CLI::App& app) {
  auto f = std::make_shared<BenchFlags>();
  CLI::App* sub = app.add_subcommand(
      "bench", "Time fuzzy dedupe stage by stage on generated bases, per kernel backend, scored against the truth");
  sub->add_option("--rows", f->rows, "Base sizes, comma-separated (default: 100000), e.g. 100000,1000000")
      ->delimiter(',');
  sub->add_option("--backend", f->backends,
                  "Kernel backends, comma-separated: auto, reference, simd, cuda (default: auto)")
      ->delimiter(',');
  sub->add_option("--seed", f->seed, "Generator seed (default: 7)");
  sub->add_option("--locale", f->locale, "ru or en (default: ru)");
  sub->add_option("--work", f->work, "Where generated bases are kept and reused (default: var/bench)");
  sub->add_option("--data-dir", f->data_dir, "Generator reference lists (as doppel gen)");
  sub->add_option("--threads", f->threads, "Worker threads (default: every core)");
  f->memory.Register(sub, "beside the base");
  sub->add_option("--json", f->json_path, "Also write the figures as JSON here");
  sub->add_flag("-q,--quiet", f->quiet, "No progress on stderr");
  return [f] { return RunBench(*f); };
}

}  // namespace doppel::cli
