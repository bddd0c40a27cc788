// The block walk both CPU versions of BlockPairs and BlockGroups (blocking.h)
// share: over (key, row) entries already sorted by key, then row, and
// unique, each block of 2..cap rows yields its pairs (in block order, not yet
// sorted) or its rows; larger blocks are counted in *stats, the first few
// kept as examples. The versions differ only in how they sort.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "doppel/kernels/blocking.h"

namespace doppel::kernels {

// Calls fn(b, e) for each block [b, e) of 2..cap entries; key(i) and row(i)
// read entry i of n.
template <typename KeyOf, typename RowOf, typename Fn>
void WalkSortedBlocks(size_t n, KeyOf key, RowOf row, uint64_t cap, BlockStats* stats, Fn fn) {
  *stats = BlockStats();
  for (size_t b = 0; b < n;) {
    size_t e = b;
    while (e < n && key(e) == key(b)) ++e;
    const size_t size = e - b;
    if (size >= 2 && size > cap) {
      ++stats->skipped_blocks;
      if (stats->skipped_examples.size() < kSkippedExamples) stats->skipped_examples.push_back({key(b), row(b), size});
    } else if (size >= 2) {
      ++stats->blocks;
      fn(b, e);
    }
    b = e;
  }
}

template <typename KeyOf, typename RowOf>
void PairSortedBlocks(size_t n, KeyOf key, RowOf row, uint64_t cap, std::vector<uint64_t>* pairs,
                      BlockStats* stats) {
  pairs->clear();
  // Sizes first, so the pair list is allocated once.
  uint64_t total = 0;
  WalkSortedBlocks(n, key, row, cap, stats, [&](size_t b, size_t e) { total += uint64_t{e - b} * (e - b - 1) / 2; });
  pairs->reserve(total);
  WalkSortedBlocks(n, key, row, cap, stats, [&](size_t b, size_t e) {
    for (size_t x = b; x < e; ++x) {
      for (size_t y = x + 1; y < e; ++y) pairs->push_back(PackPair(row(x), row(y)));
    }
  });
}

template <typename KeyOf, typename RowOf>
void GroupSortedBlocks(size_t n, KeyOf key, RowOf row, uint64_t cap, BlockGroups* groups, BlockStats* stats) {
  groups->rows.clear();
  groups->offsets.clear();
  size_t rows = 0, blocks = 0;
  WalkSortedBlocks(n, key, row, cap, stats, [&](size_t b, size_t e) { rows += e - b, ++blocks; });
  groups->rows.reserve(rows);
  groups->offsets.reserve(blocks + 1);
  WalkSortedBlocks(n, key, row, cap, stats, [&](size_t b, size_t e) {
    if (groups->offsets.empty()) groups->offsets.push_back(0);
    for (size_t x = b; x < e; ++x) groups->rows.push_back(row(x));
    groups->offsets.push_back(groups->rows.size());
  });
}

}  // namespace doppel::kernels
