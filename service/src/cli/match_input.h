// Reading a file into the match table (for dedupe, explain, blocking, link).
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "cli/common.h"
#include "doppel/core/golden.h"
#include "doppel/core/huge_pages.h"
#include "doppel/core/match_table.h"
#include "doppel/core/matcher.h"
#include "doppel/core/spill.h"
#include "doppel/storage/file.h"
#include "doppel/storage/temp_files.h"

namespace doppel::cli {

// Record id -> table row: an open-addressing table of rows keyed by the id's
// hash, the ids themselves compared in the table's id column. 8 bytes a
// slot, where a hash map of strings cost a node and a string per record.
class RecordIdIndex {
 public:
  // The row that already has `id`, or -1 after recording `row` for it.
  int64_t FindOrAdd(const core::StringColumn& ids, std::string_view id, uint32_t row);
  // The row with `id`, or -1.
  int64_t Find(const core::StringColumn& ids, std::string_view id) const;

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  // Slot: the id hash's top 32 bits, then the row; the probe starts at those
  // bits (so growing needs no ids). Tables up to 2^32 slots.
  size_t Probe(const core::StringColumn& ids, std::string_view id, uint64_t h) const;
  core::HugeVector<uint64_t> slots_ = core::HugeVector<uint64_t>(1024, kEmpty);
  size_t used_ = 0;
};

struct LoadedTable {
  core::MatchTable table;
  core::PackedSnapshots snapshots;  // per table record, for golden records
  RecordIdIndex index;              // record id -> table row
  uint64_t rejected = 0;  // unreadable rows and repeated ids
  PipelineResult pipeline;
};

// --pair-memory, --record-memory and --spill-dir: what of a fuzzy job's
// per-pair and per-record data may stay in RAM, and where the rest goes
// (dedupe, link, bench).
struct MemoryFlags {
  std::string pair_memory, record_memory, spill_dir;
  // `where` ends the --spill-dir help: the default directory.
  void Register(CLI::App* app, const std::string& where);
  // The flags over the config's [match] settings; errors name the flag.
  Status Apply(core::MatcherOptions* mo) const;
};

// A fuzzy job's spill space (mo->spill_dir, else `default_dir`), set as
// mo->spill, and the records' column files there over mo->record_memory,
// for as long as this lives: open it before loading the table.
class SpillScope {
 public:
  static Result<std::unique_ptr<SpillScope>> Open(core::MatcherOptions* mo, const std::string& default_dir);
  storage::TempFileSpace& space() { return space_; }
  // On stderr: how much went to files (unless quiet), and a note (always)
  // when columns stayed in RAM over their budget. `command` starts the
  // lines. Returns the big buffers' figures it reported from.
  core::BigBufferFiles::Stats Report(const char* command, uint64_t spilled_pair_bytes, bool quiet) const;

 private:
  SpillScope(const std::string& dir, uint64_t record_memory) : space_(dir), columns_(&space_, record_memory) {}
  storage::TempFileSpace space_;
  core::ColumnFiles columns_;
};

// Reads `path`; bad rows and repeated record ids go to `rejects` (may be null)
// with their line and reason. With `spill`, the snapshots go to a file there
// instead of RAM.
Result<LoadedTable> LoadTable(const std::string& path, const core::JobConfig& config, Progress& progress,
                              storage::AtomicFile* rejects, core::SpillSpace* spill = nullptr);

// Reads "record_id,entity_id" (or the named "id_column,entity_column").
Result<std::unordered_map<std::string, std::string>> ReadTruthFile(const std::string& path,
                                                                   const std::string& columns);

}  // namespace doppel::cli
