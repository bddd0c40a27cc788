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

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <utility>
#include <vector>

#include "doppel/kernels/big_buffers.h"
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

// One (key, row) entry, 16 bytes laid out as a little-endian 128-bit
// integer whose high half is the key: ascending order of those integers is
// the order by key, then row, so a 128-bit sort (VQSort) can sort entries
// in place.
struct alignas(16) BlockEntry {
  uint64_t row;
  uint64_t key;
  bool operator==(const BlockEntry& o) const { return key == o.key && row == o.row; }
  bool operator<(const BlockEntry& o) const { return key != o.key ? key < o.key : row < o.row; }
};

// One rule's (key, row) entries, handed to BlockPairs or BlockGroups, which
// consume them: sorted in place on the CPU (no second copy of a rule's
// entries), copied to the device and freed on the GPU.
struct BlockEntries {
  HugeVector<BlockEntry> items;  // 16 bytes an entry, 128 a record for MinHash: a big buffer
  BlockEntries() = default;
  // From parallel arrays (tests, benches).
  BlockEntries(const std::vector<uint64_t>& keys, const std::vector<uint32_t>& rows) {
    items.reserve(keys.size());
    for (size_t i = 0; i < keys.size() && i < rows.size(); ++i) items.push_back({rows[i], keys[i]});
  }
  size_t size() const { return items.size(); }
  void Add(uint64_t key, uint32_t row) { items.push_back({row, key}); }
  void Release() { HugeVector<BlockEntry>().swap(items); }
};

// One rule's blocks of 2..cap rows, in key order, for building its pairs a
// range of first records at a time (GroupPairs below) instead of all at
// once: block b is rows[offsets[b], offsets[b + 1]), its rows ascending and
// unique. BlockGroups (backend.h) makes them with the same sort, the same
// blocks and the same stats as BlockPairs.
struct BlockGroups {
  HugeVector<uint32_t> rows;
  HugeVector<uint64_t> offsets;  // blocks + 1 (empty when there are none)
  size_t blocks() const { return offsets.empty() ? 0 : offsets.size() - 1; }
};

// A rule's pairs from its blocks, first record by first record: record a's
// partners are the rows after it in each of its blocks, merged and made
// unique. Visiting the records in order yields exactly the sorted, unique
// list BlockPairs returns, a range at a time: the pairs of a rule need never
// exist all at once. About 12 bytes a block entry (the rows, and for each
// entry that has partners, where they are) and 4 a record.
class GroupPairs {
 public:
  // Takes the groups. ok() is false (and ForEach yields nothing) when the
  // groups hold 2^32 or more rows (positions here are 32-bit) or a row that
  // is not < records.
  GroupPairs(BlockGroups groups, uint32_t records);
  bool ok() const { return ok_; }
  uint32_t records() const { return records_; }
  // The pairs before duplicates are merged (two records sharing two keys
  // of the rule pair twice): an upper bound on what ForEach yields.
  uint64_t raw_pairs() const { return raw_pairs_; }

  // Calls fn(a, partners, count) for each record a in [from, to) that has
  // partners, in order of a; partners ascending, unique, all > a. `scratch`
  // is the caller's (one per thread).
  template <typename Fn>
  void ForEach(uint32_t from, uint32_t to, std::vector<uint32_t>& scratch, Fn&& fn) const {
    for (uint32_t a = from; a < to; ++a) {
      const uint32_t b = start_[a], e = start_[a + 1];
      if (b == e) continue;
      if (e - b == 1) {  // one block: its later rows are sorted and unique already
        fn(a, rows_.data() + spans_[b].first, static_cast<size_t>(spans_[b].second - spans_[b].first));
        continue;
      }
      scratch.clear();
      if (e - b == 2) {  // two blocks (the usual case of several): merge their sorted rows
        const uint32_t* r = rows_.data();
        std::set_union(r + spans_[b].first, r + spans_[b].second, r + spans_[b + 1].first, r + spans_[b + 1].second,
                       std::back_inserter(scratch));
      } else {
        for (uint32_t s = b; s < e; ++s) {
          scratch.insert(scratch.end(), rows_.begin() + spans_[s].first, rows_.begin() + spans_[s].second);
        }
        std::sort(scratch.begin(), scratch.end());
        scratch.erase(std::unique(scratch.begin(), scratch.end()), scratch.end());
      }
      fn(a, scratch.data(), scratch.size());
    }
  }

 private:
  HugeVector<uint32_t> rows_;
  HugeVector<uint32_t> start_;                        // records + 1: record a's spans are [start_[a], start_[a + 1])
  HugeVector<std::pair<uint32_t, uint32_t>> spans_;  // [first, end) in rows_ of one block's later rows
  uint32_t records_ = 0;
  uint64_t raw_pairs_ = 0;
  bool ok_ = true;
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
