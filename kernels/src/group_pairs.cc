// GroupPairs (blocking.h): an index from each record to the blocks it opens
// pairs in.
#include <algorithm>
#include <limits>

#include "doppel/kernels/blocking.h"

namespace doppel::kernels {

GroupPairs::GroupPairs(BlockGroups groups, uint32_t records) : records_(records) {
  if (groups.rows.size() >= std::numeric_limits<uint32_t>::max()) {
    ok_ = false;
    start_.assign(size_t{records} + 1, 0);
    return;
  }
  rows_ = std::move(groups.rows);
  // Every position but the last of its block has partners: the rows after
  // it. Counted per record, then placed (a counting sort by record, so each
  // record's spans keep block order; ForEach merges them anyway).
  start_.assign(size_t{records} + 1, 0);
  if (std::any_of(rows_.begin(), rows_.end(), [&](uint32_t r) { return r >= records; })) {
    ok_ = false;  // not rows of this table: index nothing
    rows_.clear();
    return;
  }
  for (size_t b = 0; b < groups.blocks(); ++b) {
    for (uint64_t x = groups.offsets[b]; x + 1 < groups.offsets[b + 1]; ++x) ++start_[rows_[x] + 1];
  }
  for (size_t a = 0; a < records; ++a) start_[a + 1] += start_[a];
  spans_.resize(start_[records]);
  HugeVector<uint32_t> at(start_.begin(), start_.end() - 1);
  for (size_t b = 0; b < groups.blocks(); ++b) {
    const auto end = static_cast<uint32_t>(groups.offsets[b + 1]);
    for (uint64_t x = groups.offsets[b]; x + 1 < groups.offsets[b + 1]; ++x) {
      spans_[at[rows_[x]]++] = {static_cast<uint32_t>(x + 1), end};
      raw_pairs_ += end - (x + 1);
    }
  }
}

}  // namespace doppel::kernels
