// The reference of BlockPairs (blocking.h): sort the entries, walk the
// blocks, emit every pair of each block small enough, sort the pairs.
#include <algorithm>
#include <utility>

#include "doppel/kernels/blocking.h"
#include "kernels_internal.h"

namespace doppel::kernels::reference {

void BlockPairs(const uint64_t* keys, const uint32_t* rows, size_t n, uint64_t cap, std::vector<uint64_t>* pairs,
                BlockStats* stats) {
  std::vector<std::pair<uint64_t, uint32_t>> keyed(n);
  for (size_t i = 0; i < n; ++i) keyed[i] = {keys[i], rows[i]};
  std::sort(keyed.begin(), keyed.end());
  keyed.erase(std::unique(keyed.begin(), keyed.end()), keyed.end());
  *stats = BlockStats();
  pairs->clear();
  for (size_t b = 0; b < keyed.size();) {
    size_t e = b;
    while (e < keyed.size() && keyed[e].first == keyed[b].first) ++e;
    const size_t size = e - b;
    if (size >= 2 && size > cap) {
      ++stats->skipped_blocks;
      if (stats->skipped_examples.size() < kSkippedExamples) {
        stats->skipped_examples.push_back({keyed[b].first, keyed[b].second, size});
      }
    } else if (size >= 2) {
      ++stats->blocks;
      for (size_t x = b; x < e; ++x) {
        for (size_t y = x + 1; y < e; ++y) pairs->push_back(PackPair(keyed[x].second, keyed[y].second));
      }
    }
    b = e;
  }
  std::sort(pairs->begin(), pairs->end());
  pairs->erase(std::unique(pairs->begin(), pairs->end()), pairs->end());
}

}  // namespace doppel::kernels::reference
