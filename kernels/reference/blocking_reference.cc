// The reference of BlockPairs (blocking.h): sort the entries, walk the
// blocks, emit every pair of each block small enough, sort the pairs.
#include <algorithm>
#include <cassert>
#include <utility>

#include "doppel/kernels/blocking.h"
#include "block_walk.h"
#include "kernels_internal.h"

namespace doppel::kernels::reference {

namespace {

// The entries sorted by key, then row, and unique; consumes them.
std::vector<BlockEntry> SortedEntries(BlockEntries* entries) {
  std::vector<BlockEntry> keyed = std::move(entries->items);
  entries->Release();
  std::sort(keyed.begin(), keyed.end());
  keyed.erase(std::unique(keyed.begin(), keyed.end()), keyed.end());
  return keyed;
}

}  // namespace

void BlockGroups(BlockEntries* entries, uint64_t cap, kernels::BlockGroups* groups, BlockStats* stats) {
  const auto keyed = SortedEntries(entries);
  GroupSortedBlocks(
      keyed.size(), [&](size_t i) { return keyed[i].key; }, [&](size_t i) { return static_cast<uint32_t>(keyed[i].row); }, cap, groups,
      stats);
}

void BlockPairs(BlockEntries* entries, uint64_t cap, std::vector<uint64_t>* pairs, BlockStats* stats) {
  auto keyed = SortedEntries(entries);
  PairSortedBlocks(
      keyed.size(), [&](size_t i) { return keyed[i].key; }, [&](size_t i) { return static_cast<uint32_t>(keyed[i].row); }, cap, pairs,
      stats);
  std::sort(pairs->begin(), pairs->end());
  pairs->erase(std::unique(pairs->begin(), pairs->end()), pairs->end());
}

}  // namespace doppel::kernels::reference
