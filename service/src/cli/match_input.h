// Reading a file into the match table (for dedupe, explain, blocking, link).
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "cli/common.h"
#include "doppel/core/golden.h"
#include "doppel/core/match_table.h"
#include "doppel/storage/file.h"

namespace doppel::cli {

struct LoadedTable {
  core::MatchTable table;
  core::PackedSnapshots snapshots;  // per table record, for golden records
  std::unordered_map<std::string, uint32_t> index;  // record id -> table row
  uint64_t rejected = 0;  // unreadable rows and repeated ids
  PipelineResult pipeline;
};

// Reads `path`; bad rows and repeated record ids go to `rejects` (may be null)
// with their line and reason.
Result<LoadedTable> LoadTable(const std::string& path, const core::JobConfig& config, Progress& progress,
                              storage::AtomicFile* rejects);

// Reads "record_id,entity_id" (or the named "id_column,entity_column").
Result<std::unordered_map<std::string, std::string>> ReadTruthFile(const std::string& path,
                                                                   const std::string& columns);

}  // namespace doppel::cli
