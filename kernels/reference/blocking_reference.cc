// The reference of BlockPairs and BlockGroups (blocking.h): std::sort for
// the entries and the pairs, then the shared block walk (block_walk.h).
#include <algorithm>

#include "doppel/kernels/blocking.h"
#include "block_walk.h"
#include "kernels_internal.h"

namespace doppel::kernels::reference {

namespace {
const auto kSort = [](auto* first, auto* last) { std::sort(first, last); };
}  // namespace

void BlockGroups(BlockEntries* entries, uint64_t cap, kernels::BlockGroups* groups, BlockStats* stats) {
  GroupEntries(entries, cap, groups, stats, kSort);
}

void BlockPairs(BlockEntries* entries, uint64_t cap, std::vector<uint64_t>* pairs, BlockStats* stats) {
  PairEntries(entries, cap, pairs, stats, kSort, kSort);
}

void SortEntries(BlockEntry* entries, size_t n) { std::sort(entries, entries + n); }

}  // namespace doppel::kernels::reference
