// What the comparisons read of each record, packed into one cache line.
//
// Comparing the 22 M candidate pairs of a 1M base reads two records per pair,
// the second at random. Read from MatchTable's columns that is some twenty
// cache misses per record (each string column's offsets and bytes, each list
// column), and the comparison stage waited on memory most of its time. The
// index packs what most comparisons need into one 64-byte row per record:
// strings as interned ids (equal ids exactly when equal strings, so an
// equality test never reads the bytes), the first letters for initials, the
// birth date, gender, the first two phone numbers, the first name's nickname
// entry and a few flags. The strings themselves are read only for
// Jaro-Winkler, for emails of nearly equal length and for address tokens.
//
// Interned ids carry no meaning beyond equality; they are assigned in a fixed
// order (by string hash), so an index is the same on any thread count.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "doppel/core/huge_pages.h"
#include "doppel/core/match_table.h"
#include "doppel/kernels/backend.h"
#include "doppel/kernels/levels.h"

namespace doppel::core {

// The row and its flags are the kernels' (kernels/levels.h): the level
// logic every backend runs reads them.
using kernels::CompareRow;
using enum kernels::CompareFlag;

class CompareIndex {
 public:
  // Every record of `t`, on `threads` threads (0 = every core). String
  // hashes for interning go through the kernel table.
  static CompareIndex Build(const MatchTable& t, const kernels::KernelTable& k, int threads = 0);
  // Only the records the pairs name: for a few pairs of a large table.
  static CompareIndex ForPairs(const MatchTable& t, std::span<const std::pair<uint32_t, uint32_t>> pairs,
                               const kernels::KernelTable& k);
  // Build for a table about as small as the pairs, ForPairs otherwise.
  static CompareIndex For(const MatchTable& t, std::span<const std::pair<uint32_t, uint32_t>> pairs,
                          const kernels::KernelTable& k);

  const MatchTable& table() const { return *table_; }
  // The table's columns and the nickname dictionary as the level logic
  // (kernels/levels.h) reads them; the rows come from Row().
  const kernels::LevelInputs& inputs() const { return inputs_; }
  // The backend's own copy of the rows and columns (the GPU's), when the
  // kernel table keeps one and the table is big enough to be worth it;
  // null when the levels are computed here.
  const kernels::DeviceLevels* device() const { return device_.get(); }
  // Why the backend's copy could not be made ("" when it was, or was not asked for).
  const std::string& device_error() const { return device_error_; }
  // The row of record `i` of the table (one the index was built for).
  const CompareRow& Row(uint32_t i) const { return records_.empty() ? rows_[i] : rows_[SparseSlot(i)]; }
  void Prefetch(uint32_t i) const {
    if (records_.empty()) __builtin_prefetch(&rows_[i]);
  }
  size_t size() const { return rows_.size(); }

 private:
  explicit CompareIndex(const MatchTable& t);
  size_t SparseSlot(uint32_t i) const;
  void Fill(const kernels::KernelTable& k, size_t threads);

  const MatchTable* table_;
  kernels::LevelInputs inputs_;
  std::unique_ptr<kernels::DeviceLevels> device_;
  std::string device_error_;
  HugeVector<CompareRow> rows_;  // read at random, a pair's second record: on huge pages
  HugeVector<uint32_t> records_;  // sparse index: the table records of rows_, ascending; empty when dense
};

}  // namespace doppel::core
