// Test helper: a MatchTable read and normalized from CSV text, as the
// commands build one (default reader and normalizer options).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "doppel/core/match_table.h"
#include "doppel/core/reader.h"

namespace doppel::testing {

// The table of `csv`; the rows the reader refused go to *rejects.
inline core::MatchTable ReadMatchTable(const std::string& csv, std::vector<core::Reject>* rejects) {
  auto reader = core::OpenReader(std::make_unique<core::MemorySource>(csv), {});
  EXPECT_TRUE(reader.ok());
  core::MatchTable t;
  core::RecordBatch batch;
  while (*(*reader)->Next(&batch, rejects)) {
    auto map = core::FieldMap::Build(batch.column_names, {});
    std::vector<core::NormalizedRecord> recs;
    core::NormalizeBatch(batch, *map, {}, &recs);
    t.Append(recs);
  }
  return t;
}

}  // namespace doppel::testing
