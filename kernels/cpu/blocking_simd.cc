// BlockPairs (blocking.h) on the CPU's vector units: the reference's
// algorithm (the shared block walk, block_walk.h) with both sorts done by
// Highway's VQSort (vectorized quicksort,
// dispatched at run time inside libhwy_contrib). Sorted unique values are
// unique, so the pairs and counts are the reference's exactly.
#include <algorithm>
#include <cassert>

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

// (key, row) as one 128-bit value, sorted (ascending: by key, then row) and
// unique; consumes the entries.
std::vector<hwy::uint128_t> SortedEntries(BlockEntries* entries) {
  const size_t n = entries->size();
  assert(entries->rows.size() == n);
  std::vector<hwy::uint128_t> keyed(n);
  for (size_t i = 0; i < n; ++i) {
    keyed[i].hi = entries->keys[i];
    keyed[i].lo = entries->rows[i];
  }
  entries->Release();
  if (UseVqsort() && n > 1) {
    ThreadSorter()(keyed.data(), n, hwy::SortAscending());
  } else {
    std::sort(keyed.begin(), keyed.end(), [](const hwy::uint128_t& x, const hwy::uint128_t& y) {
      return x.hi != y.hi ? x.hi < y.hi : x.lo < y.lo;
    });
  }
  keyed.erase(std::unique(keyed.begin(), keyed.end(),
                          [](const hwy::uint128_t& x, const hwy::uint128_t& y) { return x.hi == y.hi && x.lo == y.lo; }),
              keyed.end());
  return keyed;
}

}  // namespace

void BlockGroups(BlockEntries* entries, uint64_t cap, kernels::BlockGroups* groups, BlockStats* stats) {
  const auto keyed = SortedEntries(entries);
  GroupSortedBlocks(
      keyed.size(), [&](size_t i) { return keyed[i].hi; },
      [&](size_t i) { return static_cast<uint32_t>(keyed[i].lo); }, cap, groups, stats);
}

void BlockPairs(BlockEntries* entries, uint64_t cap, std::vector<uint64_t>* pairs, BlockStats* stats) {
  auto keyed = SortedEntries(entries);
  PairSortedBlocks(
      keyed.size(), [&](size_t i) { return keyed[i].hi; },
      [&](size_t i) { return static_cast<uint32_t>(keyed[i].lo); }, cap, pairs, stats);
  std::vector<hwy::uint128_t>().swap(keyed);
  if (UseVqsort() && pairs->size() > 1) ThreadSorter()(pairs->data(), pairs->size(), hwy::SortAscending());
  else std::sort(pairs->begin(), pairs->end());
  pairs->erase(std::unique(pairs->begin(), pairs->end()), pairs->end());
}

}  // namespace doppel::kernels::simd
