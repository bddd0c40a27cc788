// BlockPairs (blocking.h) on the CPU's vector units: the reference's
// algorithm (the shared block walk, block_walk.h) with both sorts done by
// Highway's VQSort (vectorized quicksort,
// dispatched at run time inside libhwy_contrib). Sorted unique values are
// unique, so the pairs and counts are the reference's exactly.
#include <algorithm>
#include <cassert>
#include <cstddef>

#include "doppel/kernels/blocking.h"
#include "hwy/base.h"
#include "hwy/targets.h"
#include "hwy/contrib/sort/vqsort.h"
#include "block_walk.h"
#include "kernels_internal.h"

namespace doppel::kernels::simd {

namespace {

// VQSort where it is fast: AVX2 and AVX-512. On older targets Highway 1.0.3
// has no 128-bit sort (scalar) or a slow one (SSSE3), and std::sort serves.
bool UseVqsort() {
#if HWY_ARCH_X86
  const int64_t targets = hwy::SupportedTargets();
  return (targets & -targets) <= HWY_AVX2;  // the best target; better ones have lower bits
#else
  return false;
#endif
}

// A Sorter holds scratch space: one per thread (blocking rules run on
// several threads at once).
const hwy::Sorter& ThreadSorter() {
  thread_local const hwy::Sorter sorter;
  return sorter;
}

}  // namespace

namespace {

// The entries sorted (as 128-bit values: by key, then row) in place and
// made unique; consumes them.
static_assert(sizeof(BlockEntry) == sizeof(hwy::uint128_t) && offsetof(BlockEntry, row) == offsetof(hwy::uint128_t, lo) &&
                  offsetof(BlockEntry, key) == offsetof(hwy::uint128_t, hi) &&
                  alignof(BlockEntry) >= alignof(hwy::uint128_t),
              "a BlockEntry is sorted as a hwy::uint128_t");
std::vector<BlockEntry> SortedEntries(BlockEntries* entries) {
  std::vector<BlockEntry> keyed = std::move(entries->items);
  entries->Release();
  const size_t n = keyed.size();
  if (UseVqsort() && n > 1) {
    ThreadSorter()(reinterpret_cast<hwy::uint128_t*>(keyed.data()), n, hwy::SortAscending());
  } else {
    std::sort(keyed.begin(), keyed.end());
  }
  keyed.erase(std::unique(keyed.begin(), keyed.end()), keyed.end());
  return keyed;
}

}  // namespace

void BlockGroups(BlockEntries* entries, uint64_t cap, kernels::BlockGroups* groups, BlockStats* stats) {
  const auto keyed = SortedEntries(entries);
  GroupSortedBlocks(
      keyed.size(), [&](size_t i) { return keyed[i].key; },
      [&](size_t i) { return static_cast<uint32_t>(keyed[i].row); }, cap, groups, stats);
}

void BlockPairs(BlockEntries* entries, uint64_t cap, std::vector<uint64_t>* pairs, BlockStats* stats) {
  auto keyed = SortedEntries(entries);
  PairSortedBlocks(
      keyed.size(), [&](size_t i) { return keyed[i].key; },
      [&](size_t i) { return static_cast<uint32_t>(keyed[i].row); }, cap, pairs, stats);
  std::vector<BlockEntry>().swap(keyed);
  if (UseVqsort() && pairs->size() > 1) ThreadSorter()(pairs->data(), pairs->size(), hwy::SortAscending());
  else std::sort(pairs->begin(), pairs->end());
  pairs->erase(std::unique(pairs->begin(), pairs->end()), pairs->end());
}

}  // namespace doppel::kernels::simd
