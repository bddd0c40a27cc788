// Candidate pairs from block keys: the sort-and-group step of blocking.
//
// Input: the (key, row) entries one blocking rule produced, in any order,
// repeats allowed. Rows sharing a key form a block; every block of 2..cap
// rows yields all its pairs (i, j), i < j; a larger block is skipped and
// counted. Output: the pairs sorted and unique, each packed as
// (uint64_t{i} << 32) | j, so sorting the packed values sorts the pairs.
// Every backend returns exactly these pairs and counts: the reference with
// std::sort, the GPU with Thrust's sort_by_key / reduce_by_key and a
// pair-generation kernel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "doppel/kernels/hd.h"

namespace doppel::kernels {

struct SkippedBlock {
  uint64_t key = 0;
  uint32_t first_row = 0;  // the smallest row in it
  uint64_t size = 0;
  bool operator==(const SkippedBlock& o) const { return key == o.key && first_row == o.first_row && size == o.size; }
};

struct BlockStats {
  uint64_t blocks = 0;          // blocks of 2..cap rows
  uint64_t skipped_blocks = 0;  // blocks of more than cap rows
  std::vector<SkippedBlock> skipped_examples;  // the first 3 skipped, in key order
};

inline constexpr size_t kSkippedExamples = 3;

// One rule's (key, row) entries, handed to BlockPairs, which consumes them:
// it frees them as soon as it has its own copy (sorted, or on the device),
// so the entries and that copy do not both stay through pair generation.
struct BlockEntries {
  std::vector<uint64_t> keys;
  std::vector<uint32_t> rows;  // parallel to keys
  size_t size() const { return keys.size(); }
  void Release() {
    std::vector<uint64_t>().swap(keys);
    std::vector<uint32_t>().swap(rows);
  }
};

DOPPEL_HD inline uint64_t PackPair(uint32_t i, uint32_t j) { return (static_cast<uint64_t>(i) << 32) | j; }

// Pair t (0 <= t < s(s-1)/2) of a block of s rows, as positions x < y in
// it: t enumerates (x, y) by y, then x (t = y(y-1)/2 + x). Integer only, so
// host and device agree.
DOPPEL_HD inline void TrianglePair(uint64_t t, uint32_t* x, uint32_t* y) {
  // y is the largest with y(y-1)/2 <= t; start from the float root and fix.
  uint64_t r = 1;
  while (r * r <= 8 * t + 1) r <<= 1;  // r > sqrt(8t + 1)
  uint64_t lo = 0, hi = r;             // integer sqrt of 8t + 1 by bisection
  while (hi - lo > 1) {
    const uint64_t mid = (lo + hi) / 2;
    if (mid * mid <= 8 * t + 1) lo = mid;
    else hi = mid;
  }
  uint64_t yy = (1 + lo) / 2;
  while (yy * (yy - 1) / 2 > t) --yy;
  while ((yy + 1) * yy / 2 <= t) ++yy;
  *y = static_cast<uint32_t>(yy);
  *x = static_cast<uint32_t>(t - yy * (yy - 1) / 2);
}

}  // namespace doppel::kernels
