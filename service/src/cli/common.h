// What the `doppel` subcommands share: input options, config loading, the
// read -> normalize pipeline, progress on stderr, and error exits.
#pragma once

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "doppel/core/config.h"
#include "doppel/core/generator.h"
#include "doppel/core/normalize.h"
#include "doppel/core/reader.h"
#include "doppel/kernels/backend.h"
#include "doppel/storage/store.h"

namespace doppel::cli {

// Exit codes: 0 ok, 1 the job failed (I/O, bad data that stops it), 2 usage.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// A subcommand: registers its options on `app` and returns the code to run.
using Command = std::function<int()>;

// Flags every command that reads a client base accepts.
struct InputFlags {
  std::string config_path;
  std::string format, encoding, delimiter;
  bool no_header = false;
  std::vector<std::string> maps;
  bool no_infer = false;
  std::string region, date_order, today;
  int threads = 0;
  std::string backend;
  bool quiet = false;

  void Register(CLI::App* app);
  // Defaults < config file < flags.
  Result<core::JobConfig> Resolve() const;
};

// Now, in ms since the epoch (UTC).
int64_t NowMs();

// Appends the command line's event to a database's audit trail: client
// "cli:$USER", role admin (it runs as the database's owner), the entities
// (up to 100) and a JSON detail of counts.
Status AuditCli(storage::Store& store, std::string op, std::vector<uint64_t> entities, std::string detail,
                int64_t time_ms = 0);

// Prints "doppel: <message>" to stderr and returns kExitFailure.
int Fail(const Status& status);
int Fail(const std::string& message);

// Throttled progress lines on stderr ("\r"-refreshed on a terminal).
class Progress {
 public:
  Progress(std::string what, bool quiet);
  // Reports rows done, and bytes done of a total when known.
  void Update(uint64_t rows, uint64_t bytes = 0, uint64_t total_bytes = 0);
  void Done(uint64_t rows);
  // A line "<what>: <message>" on stderr, unless quiet.
  void Note(const std::string& message) const;
  // A line "doppel: note: <message>" on stderr even when quiet, on a line of
  // its own after a progress line on a terminal.
  void Warn(const std::string& message) const;
  double Seconds() const;

 private:
  std::string what_;
  bool quiet_, tty_;
  std::chrono::steady_clock::time_point start_, last_;
  bool printed_ = false;
};

struct BatchView {
  const core::RecordBatch& batch;
  const core::FieldMap& map;
  const std::vector<std::string>& columns;
  const std::vector<core::NormalizedRecord>& records;
};

struct PipelineResult {
  std::unique_ptr<core::BatchReader> reader;
  core::FieldMap map;
  uint64_t records = 0, rejected = 0;
};

// Reads `path` batch by batch, maps columns, normalizes, and hands each batch
// and its rejects to the callbacks. The first call of on_batch comes after
// on_schema; on_schema runs again when NDJSON adds columns.
Result<PipelineResult> RunPipeline(const std::string& path, const core::JobConfig& config, Progress& progress,
                                   const std::function<Status(const core::FieldMap&, const std::vector<std::string>&)>& on_schema,
                                   const std::function<void(const BatchView&)>& on_batch,
                                   const std::function<void(const std::vector<core::Reject>&)>& on_rejects);

// The kernel backend for this job, with a note on stderr (even with -q) when
// the request could not be honoured.
const kernels::KernelTable& ChooseKernels(const core::JobConfig& config);

// Appends rejects as rows of a "line,reason,raw" CSV file.
void AppendRejectRows(std::string& out, const std::vector<core::Reject>& rejects);

// "Today" as yyyymmdd from the system clock (UTC).
int32_t TodayFromClock();

// Registration of each subcommand (one file each).
// Generates a synthetic base into out_dir/base.csv and truth.csv (atomic
// writes), reading reference lists from data_dir ("" = ../shared/data when
// present, "builtin" = the small built-in lists). Shared by gen and bench.
Status GenerateBase(const core::GeneratorOptions& options, const std::string& data_dir, const std::string& out_dir,
                    Progress& progress, core::GeneratorStats* stats);

Command RegisterBench(CLI::App& app);
Command RegisterProfile(CLI::App& app);
Command RegisterDedupe(CLI::App& app);
Command RegisterGen(CLI::App& app);
Command RegisterEval(CLI::App& app);
Command RegisterInfo(CLI::App& app);
Command RegisterIngest(CLI::App& app);
Command RegisterGet(CLI::App& app);
Command RegisterHealth(CLI::App& app);
Command RegisterStats(CLI::App& app);
Command RegisterBackup(CLI::App& app);
Command RegisterRestore(CLI::App& app);
Command RegisterCheck(CLI::App& app);
Command RegisterExplain(CLI::App& app);
Command RegisterBlocking(CLI::App& app);
Command RegisterLink(CLI::App& app);
Command RegisterResolve(CLI::App& app);
Command RegisterMerge(CLI::App& app);
Command RegisterUnmerge(CLI::App& app);
// numbering, suppress, calllist, outcomes, report (cmd_loop.cc); nested
// subcommands each bring their own command.
void RegisterLoop(CLI::App& app, std::vector<std::pair<CLI::App*, Command>>& out);
// keys generate|add|remove|list (cmd_keys.cc).
void RegisterKeys(CLI::App& app, std::vector<std::pair<CLI::App*, Command>>& out);
// audit verify|query (cmd_audit.cc).
void RegisterAudit(CLI::App& app, std::vector<std::pair<CLI::App*, Command>>& out);
void RegisterErase(CLI::App& app, std::vector<std::pair<CLI::App*, Command>>& out);
void RegisterRetention(CLI::App& app, std::vector<std::pair<CLI::App*, Command>>& out);

}  // namespace doppel::cli
