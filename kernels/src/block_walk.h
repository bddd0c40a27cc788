// The block walk both CPU versions of BlockPairs (blocking.h) share: over
// (key, row) entries already sorted by key, then row, and unique, every pair
// of each block of 2..cap rows goes to *pairs (in block order, not yet
// sorted); larger blocks are counted in *stats, the first few kept as
// examples. The versions differ only in how they sort.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "doppel/kernels/blocking.h"

namespace doppel::kernels {

// key(i) and row(i) read entry i of n.
template <typename KeyOf, typename RowOf>
void PairSortedBlocks(size_t n, KeyOf key, RowOf row, uint64_t cap, std::vector<uint64_t>* pairs,
                      BlockStats* stats) {
  auto each_block = [&](auto&& fn) {
    for (size_t b = 0; b < n;) {
      size_t e = b;
      while (e < n && key(e) == key(b)) ++e;
      fn(b, e);
      b = e;
    }
  };
  *stats = BlockStats();
  pairs->clear();
  // Sizes first, so the pair list is allocated once.
  uint64_t total = 0;
  each_block([&](size_t b, size_t e) {
    const uint64_t size = e - b;
    if (size >= 2 && size <= cap) total += size * (size - 1) / 2;
  });
  pairs->reserve(total);
  each_block([&](size_t b, size_t e) {
    const size_t size = e - b;
    if (size >= 2 && size > cap) {
      ++stats->skipped_blocks;
      if (stats->skipped_examples.size() < kSkippedExamples) {
        stats->skipped_examples.push_back({key(b), row(b), size});
      }
    } else if (size >= 2) {
      ++stats->blocks;
      for (size_t x = b; x < e; ++x) {
        for (size_t y = x + 1; y < e; ++y) pairs->push_back(PackPair(row(x), row(y)));
      }
    }
  });
}

}  // namespace doppel::kernels
