// What both CPU versions of BlockPairs and BlockGroups (blocking.h) share:
// the entries sorted by key, then row, and made unique; then a walk over
// them in which each block of 2..cap rows yields its pairs or its rows,
// while larger blocks are counted in *stats, the first few kept as examples.
// The versions differ only in the sorts they pass in.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "doppel/kernels/blocking.h"

namespace doppel::kernels {

// Takes the entries (left empty), sorts them in place with
// sort(first, last) (BlockEntry's order: key, then row) and drops repeats.
template <typename Sort>
HugeVector<BlockEntry> SortedUniqueEntries(BlockEntries* entries, Sort sort) {
  HugeVector<BlockEntry> sorted = std::move(entries->items);
  entries->Release();
  sort(sorted.data(), sorted.data() + sorted.size());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  return sorted;
}

// Calls fn(b, e) for each block [b, e) of 2..cap sorted, unique entries.
template <typename Fn>
void WalkSortedBlocks(const HugeVector<BlockEntry>& e, uint64_t cap, BlockStats* stats, Fn fn) {
  *stats = BlockStats();
  const size_t n = e.size();
  for (size_t b = 0; b < n;) {
    size_t end = b;
    while (end < n && e[end].key == e[b].key) ++end;
    const size_t size = end - b;
    if (size >= 2 && size > cap) {
      ++stats->skipped_blocks;
      if (stats->skipped_examples.size() < kSkippedExamples) {
        stats->skipped_examples.push_back({e[b].key, static_cast<uint32_t>(e[b].row), size});
      }
    } else if (size >= 2) {
      ++stats->blocks;
      fn(b, end);
    }
    b = end;
  }
}

// BlockGroups, the entries sorted by sort_entries.
template <typename SortEntries>
void GroupEntries(BlockEntries* entries, uint64_t cap, BlockGroups* groups, BlockStats* stats,
                  SortEntries sort_entries) {
  const HugeVector<BlockEntry> sorted = SortedUniqueEntries(entries, sort_entries);
  groups->rows.clear();
  groups->offsets.clear();
  size_t rows = 0, blocks = 0;
  WalkSortedBlocks(sorted, cap, stats, [&](size_t b, size_t e) { rows += e - b, ++blocks; });
  if (blocks == 0) return;
  groups->rows.reserve(rows);
  groups->offsets.reserve(blocks + 1);
  groups->offsets.push_back(0);
  WalkSortedBlocks(sorted, cap, stats, [&](size_t b, size_t e) {
    for (size_t x = b; x < e; ++x) groups->rows.push_back(static_cast<uint32_t>(sorted[x].row));
    groups->offsets.push_back(groups->rows.size());
  });
}

// BlockPairs, the entries sorted by sort_entries and the pairs by
// sort_pairs (both as sort(first, last)).
template <typename SortEntries, typename SortPairs>
void PairEntries(BlockEntries* entries, uint64_t cap, std::vector<uint64_t>* pairs, BlockStats* stats,
                 SortEntries sort_entries, SortPairs sort_pairs) {
  HugeVector<BlockEntry> sorted = SortedUniqueEntries(entries, sort_entries);
  pairs->clear();
  // Sizes first, so the pair list is allocated once.
  uint64_t total = 0;
  WalkSortedBlocks(sorted, cap, stats, [&](size_t b, size_t e) { total += uint64_t{e - b} * (e - b - 1) / 2; });
  pairs->reserve(total);
  WalkSortedBlocks(sorted, cap, stats, [&](size_t b, size_t e) {
    for (size_t x = b; x < e; ++x) {
      for (size_t y = x + 1; y < e; ++y) {
        pairs->push_back(PackPair(static_cast<uint32_t>(sorted[x].row), static_cast<uint32_t>(sorted[y].row)));
      }
    }
  });
  HugeVector<BlockEntry>().swap(sorted);
  sort_pairs(pairs->data(), pairs->data() + pairs->size());
  pairs->erase(std::unique(pairs->begin(), pairs->end()), pairs->end());
}

}  // namespace doppel::kernels
