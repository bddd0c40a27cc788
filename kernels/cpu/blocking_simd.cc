// BlockPairs and BlockGroups (blocking.h) on the CPU's vector units: the
// reference's algorithm (the shared block walk, block_walk.h) with the sorts
// done by Highway's VQSort (vectorized quicksort, dispatched at run time
// inside libhwy_contrib): the entries as 128-bit values, the pairs as 64-bit
// ones. The same order and the same repeats dropped, so the pairs, blocks
// and counts are the reference's exactly.
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

static_assert(sizeof(BlockEntry) == sizeof(hwy::uint128_t) && offsetof(BlockEntry, row) == offsetof(hwy::uint128_t, lo) &&
                  offsetof(BlockEntry, key) == offsetof(hwy::uint128_t, hi) &&
                  alignof(BlockEntry) >= alignof(hwy::uint128_t),
              "a BlockEntry is sorted as a hwy::uint128_t");

// The entries in place, as 128-bit values (key high: by key, then row).
void SortRange(BlockEntry* first, BlockEntry* last) {
  if (UseVqsort() && last - first > 1) {
    ThreadSorter()(reinterpret_cast<hwy::uint128_t*>(first), static_cast<size_t>(last - first), hwy::SortAscending());
  } else {
    std::sort(first, last);
  }
}

void SortPairs(uint64_t* first, uint64_t* last) {
  if (UseVqsort() && last - first > 1) ThreadSorter()(first, static_cast<size_t>(last - first), hwy::SortAscending());
  else std::sort(first, last);
}

}  // namespace

void BlockGroups(BlockEntries* entries, uint64_t cap, kernels::BlockGroups* groups, BlockStats* stats) {
  GroupEntries(entries, cap, groups, stats, SortRange);
}

void SortEntries(BlockEntry* entries, size_t n) { SortRange(entries, entries + n); }

void BlockPairs(BlockEntries* entries, uint64_t cap, std::vector<uint64_t>* pairs, BlockStats* stats) {
  PairEntries(entries, cap, pairs, stats, SortRange, SortPairs);
}

}  // namespace doppel::kernels::simd
