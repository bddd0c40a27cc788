// The GPU pipeline's logic in Thrust, written once for any execution policy.
//
// pipeline.cu instantiates it with thrust::cuda::par on device vectors; the
// test tests/thrust/thrust_cpp_test.cc instantiates it with thrust::cpp::par
// on host vectors (Thrust's CPU device system), so every CI run checks the
// same sorts, scans and functors against the scalar references without a
// GPU. Functors are DOPPEL_HD structs (no extended lambdas) and take raw
// pointers into vectors of the policy's memory.
#pragma once

#include <thrust/binary_search.h>
#include <thrust/copy.h>
#include <thrust/count.h>
#include <thrust/execution_policy.h>
#include <thrust/find.h>
#include <thrust/for_each.h>
#include <thrust/functional.h>
#include <thrust/iterator/constant_iterator.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/zip_iterator.h>
#include <thrust/reduce.h>
#include <thrust/scan.h>
#include <thrust/sequence.h>
#include <thrust/sort.h>
#include <thrust/transform.h>
#include <thrust/tuple.h>
#include <thrust/unique.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <vector>

#include "doppel/kernels/blocking.h"
#include "doppel/kernels/components.h"
#include "doppel/kernels/jaro.h"
#include "doppel/kernels/levels.h"
#include "doppel/kernels/minhash.h"
#include "kernels_internal.h"

namespace doppel::kernels::thrust_pipeline {

template <class Vec>
auto Ptr(Vec& v) {
  return thrust::raw_pointer_cast(v.data());
}

// Pairs in a block of `size` rows, when it is kept.
struct PairCount {
  uint64_t cap;
  DOPPEL_HD uint64_t operator()(uint64_t size) const { return size >= 2 && size <= cap ? size * (size - 1) / 2 : 0; }
};

// Pair p of all blocks: its block by binary search over the blocks' first
// pair, then its two rows.
struct EmitPair {
  const uint64_t* pair_start;  // per block, its first pair's index
  const uint64_t* row_start;   // per block, its first entry
  const uint32_t* rows;        // entries' rows, sorted within each block
  size_t blocks;
  DOPPEL_HD uint64_t operator()(uint64_t p) const {
    // The last block whose first pair is <= p (kept blocks have pairs).
    size_t lo = 0, hi = blocks;
    while (hi - lo > 1) {
      const size_t mid = (lo + hi) / 2;
      if (pair_start[mid] <= p) lo = mid;
      else hi = mid;
    }
    // Blocks without pairs share their pair_start with the next one; the
    // search lands on the last of a run, the kept one.
    uint32_t x, y;
    TrianglePair(p - pair_start[lo], &x, &y);
    const uint64_t base = row_start[lo];
    return PackPair(rows[base + x], rows[base + y]);
  }
};

struct Oversized {
  uint64_t cap;
  DOPPEL_HD bool operator()(uint64_t size) const { return size >= 2 && size > cap; }
};
struct Kept {
  uint64_t cap;
  DOPPEL_HD bool operator()(uint64_t size) const { return size >= 2 && size <= cap; }
};

// A rule's entries sorted and made unique, and its blocks: what both
// BlockPairs and BlockGroups start from.
template <class U64>
struct SortedBlocks {
  size_t entries = 0;  // unique entries, at the front of keys and rows
  size_t blocks = 0;
  U64 size, row_start;  // per block: its entries, and its first entry
};

// Sorts the (key, row) entries, drops repeats, finds the blocks and fills
// *stats (kept and skipped blocks, the first few skipped as examples).
template <class Policy, class U64, class U32>
SortedBlocks<U64> SortIntoBlocks(const Policy& policy, U64& keys, U32& rows, uint64_t cap, BlockStats* stats) {
  *stats = BlockStats();
  SortedBlocks<U64> b;
  const size_t n = keys.size();
  if (n == 0) return b;
  auto first = thrust::make_zip_iterator(thrust::make_tuple(keys.begin(), rows.begin()));
  thrust::sort(policy, first, first + n);
  b.entries = thrust::unique(policy, first, first + n) - first;
  // Blocks: their keys and sizes (reduce_by_key over equal keys).
  U64 block_key(b.entries);
  b.size.resize(b.entries);
  const auto ends = thrust::reduce_by_key(policy, keys.begin(), keys.begin() + b.entries,
                                          thrust::make_constant_iterator<uint64_t>(1), block_key.begin(), b.size.begin());
  b.blocks = ends.first - block_key.begin();
  b.row_start.resize(b.blocks);
  thrust::exclusive_scan(policy, b.size.begin(), b.size.begin() + b.blocks, b.row_start.begin());
  stats->blocks = thrust::count_if(policy, b.size.begin(), b.size.begin() + b.blocks, Kept{cap});
  stats->skipped_blocks = thrust::count_if(policy, b.size.begin(), b.size.begin() + b.blocks, Oversized{cap});
  // The first few oversized blocks, in key order, to name in the warning.
  for (size_t from = 0; stats->skipped_examples.size() < kSkippedExamples && from < b.blocks;) {
    const auto it = thrust::find_if(policy, b.size.begin() + from, b.size.begin() + b.blocks, Oversized{cap});
    const size_t g = it - b.size.begin();
    if (g >= b.blocks) break;
    stats->skipped_examples.push_back({uint64_t(block_key[g]), uint32_t(rows[uint64_t(b.row_start[g])]), uint64_t(b.size[g])});
    from = g + 1;
  }
  return b;
}

// BlockPairs (blocking.h). keys and rows are consumed (sorted in place).
// U64 / U32 are vectors in the policy's memory; pairs_out gets the result.
template <class Policy, class U64, class U32>
void BlockPairs(const Policy& policy, U64& keys, U32& rows, uint64_t cap, U64& pairs_out, BlockStats* stats) {
  SortedBlocks<U64> b = SortIntoBlocks(policy, keys, rows, cap, stats);
  if (b.blocks == 0) {
    pairs_out.resize(0);
    return;
  }
  U64 pair_count(b.blocks), pair_start(b.blocks);
  thrust::transform(policy, b.size.begin(), b.size.begin() + b.blocks, pair_count.begin(), PairCount{cap});
  thrust::exclusive_scan(policy, pair_count.begin(), pair_count.end(), pair_start.begin());
  const uint64_t total = uint64_t(pair_start[b.blocks - 1]) + uint64_t(pair_count[b.blocks - 1]);
  // Generate every pair, then sort and unique them.
  pairs_out.resize(total);
  thrust::transform(policy, thrust::make_counting_iterator<uint64_t>(0), thrust::make_counting_iterator<uint64_t>(total),
                    pairs_out.begin(), EmitPair{Ptr(pair_start), Ptr(b.row_start), Ptr(rows), b.blocks});
  thrust::sort(policy, pairs_out.begin(), pairs_out.end());
  pairs_out.resize(thrust::unique(policy, pairs_out.begin(), pairs_out.end()) - pairs_out.begin());
}

// A block's size when it is kept, else 0.
struct KeptSize {
  uint64_t cap;
  DOPPEL_HD uint64_t operator()(uint64_t size) const { return size >= 2 && size <= cap ? size : 0; }
};
struct NonZero {
  DOPPEL_HD bool operator()(uint64_t v) const { return v != 0; }
};
// Whether entry i is in a kept block (its block by binary search).
struct EntryKept {
  const uint64_t* row_start;
  const uint64_t* kept_size;
  size_t blocks;
  DOPPEL_HD bool operator()(uint64_t i) const {
    size_t lo = 0, hi = blocks;  // the last block whose first entry is <= i
    while (hi - lo > 1) {
      const size_t mid = (lo + hi) / 2;
      if (row_start[mid] <= i) lo = mid;
      else hi = mid;
    }
    return kept_size[lo] != 0;
  }
};

// BlockGroups (blocking.h): the kept blocks' rows and offsets, without
// their pairs. keys and rows are consumed (sorted in place).
template <class Policy, class U64, class U32>
void BlockGroups(const Policy& policy, U64& keys, U32& rows, uint64_t cap, U32& rows_out, U64& offsets_out,
                 BlockStats* stats) {
  SortedBlocks<U64> b = SortIntoBlocks(policy, keys, rows, cap, stats);
  rows_out.resize(0);
  offsets_out.resize(0);
  if (b.blocks == 0) return;
  U64 kept_size(b.blocks);
  thrust::transform(policy, b.size.begin(), b.size.begin() + b.blocks, kept_size.begin(), KeptSize{cap});
  const uint64_t kept_rows = thrust::reduce(policy, kept_size.begin(), kept_size.end(), uint64_t{0});
  if (kept_rows == 0) return;
  rows_out.resize(kept_rows);
  thrust::copy_if(policy, rows.begin(), rows.begin() + b.entries, thrust::make_counting_iterator<uint64_t>(0),
                  rows_out.begin(), EntryKept{Ptr(b.row_start), Ptr(kept_size), b.blocks});
  U64 sizes(b.blocks);
  const size_t kept = thrust::copy_if(policy, kept_size.begin(), kept_size.end(), sizes.begin(), NonZero{}) - sizes.begin();
  offsets_out.resize(kept + 1);
  offsets_out[0] = 0;
  thrust::inclusive_scan(policy, sizes.begin(), sizes.begin() + kept, offsets_out.begin() + 1);
}

// Blocking a rule whose entries the device cannot hold at once: a key
// range at a time. A block's entries share a key, so every block lies in
// one range; ranges taken in key order yield the blocks in key order, so
// BlockGroups' output is the ranges' outputs one after the other, and
// BlockPairs' is their pairs merged (a pair may come from blocks of two
// ranges). Ranges are made of buckets of the keys' top kPartBits bits,
// consecutive buckets joined while they hold at most max_part entries.

// (kBlockingBytesPerEntry, kMinBlockingBudget: kernels_internal.h.)
inline constexpr int kPartBits = 16;

// Entries [begin, end) of the buckets [first, last) of the keys' top
// kPartBits bits.
struct KeyPart {
  uint32_t first = 0, last = 0;
  size_t begin = 0, end = 0;
  size_t entries() const { return end - begin; }
};

// Orders the n entries by their keys' top kPartBits bits, in place (a
// counting sort; the order within a bucket is left as it comes: blocking
// sorts them anyway), and returns the ranges, each of at most max_part
// entries unless one bucket alone holds more (it is then a range of its
// own: one key may have that many entries, and the device's own error
// decides).
inline std::vector<KeyPart> PartitionByKey(BlockEntry* items, size_t n, size_t max_part) {
  constexpr size_t kBuckets = size_t{1} << kPartBits;
  constexpr int kShift = 64 - kPartBits;
  std::vector<size_t> start(kBuckets + 1, 0);
  for (size_t i = 0; i < n; ++i) ++start[(items[i].key >> kShift) + 1];
  for (size_t b = 0; b < kBuckets; ++b) start[b + 1] += start[b];
  // Each bucket's next unfilled slot; an entry found in another bucket's
  // slots is swapped to where it belongs.
  std::vector<size_t> next(start.begin(), start.end() - 1);
  for (size_t b = 0; b < kBuckets; ++b) {
    while (next[b] < start[b + 1]) {
      const size_t t = items[next[b]].key >> kShift;
      if (t == b) {
        ++next[b];
      } else {
        std::swap(items[next[b]], items[next[t]++]);
      }
    }
  }
  std::vector<KeyPart> parts;
  KeyPart part;
  for (uint32_t b = 0; b < kBuckets; ++b) {
    const size_t count = start[b + 1] - start[b];
    if (count > 0 && part.entries() > 0 && part.entries() + count > max_part) {
      part.last = b;
      parts.push_back(part);
      part = KeyPart{b, b, start[b], start[b]};
    }
    part.end += count;
  }
  part.last = static_cast<uint32_t>(kBuckets);
  if (part.entries() > 0) parts.push_back(part);
  return parts;
}

// A range's entries as the policy's keys and rows.
template <class U64, class U32>
void UploadPart(const BlockEntry* items, const KeyPart& part, U64* keys, U32* rows) {
  std::vector<uint64_t> k(part.entries());
  std::vector<uint32_t> r(part.entries());
  for (size_t i = part.begin; i < part.end; ++i) {
    k[i - part.begin] = items[i].key;
    r[i - part.begin] = static_cast<uint32_t>(items[i].row);
  }
  keys->assign(k.begin(), k.end());
  rows->assign(r.begin(), r.end());
}

// A later range's stats added to the earlier ranges' (examples stay the
// first few in key order).
inline void AddStats(const BlockStats& part, BlockStats* total) {
  total->blocks += part.blocks;
  total->skipped_blocks += part.skipped_blocks;
  for (const SkippedBlock& s : part.skipped_examples) {
    if (total->skipped_examples.size() < kSkippedExamples) total->skipped_examples.push_back(s);
  }
}

// BlockGroups over the n entries, max_part at a time, into host vectors
// (rows_out, offsets_out: HugeVector or std::vector). U64 / U32 are the
// policy's vectors. The entries are reordered (PartitionByKey), not
// consumed: the same multiset for the CPU should the device fail.
template <class U64, class U32, class Policy, class RowsOut, class OffsetsOut>
void BlockGroupsInParts(const Policy& policy, BlockEntry* items, size_t n, uint64_t cap, size_t max_part,
                        RowsOut* rows_out, OffsetsOut* offsets_out, BlockStats* stats) {
  *stats = BlockStats();
  rows_out->clear();
  offsets_out->clear();
  std::vector<uint32_t> part_rows;
  std::vector<uint64_t> part_offsets;
  for (const KeyPart& part : PartitionByKey(items, n, max_part)) {
    U64 d_keys, d_offsets;
    U32 d_rows, d_grouped;
    UploadPart(items, part, &d_keys, &d_rows);
    BlockStats s;
    BlockGroups(policy, d_keys, d_rows, cap, d_grouped, d_offsets, &s);
    AddStats(s, stats);
    if (d_offsets.size() < 2) continue;
    part_rows.resize(d_grouped.size());
    thrust::copy(d_grouped.begin(), d_grouped.end(), part_rows.begin());
    part_offsets.resize(d_offsets.size());
    thrust::copy(d_offsets.begin(), d_offsets.end(), part_offsets.begin());
    const uint64_t base = rows_out->size();
    if (offsets_out->empty()) offsets_out->push_back(0);
    for (size_t b = 1; b < part_offsets.size(); ++b) offsets_out->push_back(base + part_offsets[b]);
    rows_out->insert(rows_out->end(), part_rows.begin(), part_rows.end());
  }
}

// BlockPairs over the n entries, max_part at a time: each range's sorted,
// unique pairs merged into *pairs_out (a host vector). The entries are
// reordered as above. Only the entries are split: one range's pairs must
// fit (the pipeline blocks by BlockGroups, which makes no pairs).
template <class U64, class U32, class Policy>
void BlockPairsInParts(const Policy& policy, BlockEntry* items, size_t n, uint64_t cap, size_t max_part,
                       std::vector<uint64_t>* pairs_out, BlockStats* stats) {
  *stats = BlockStats();
  pairs_out->clear();
  std::vector<uint64_t> part_pairs, merged;
  for (const KeyPart& part : PartitionByKey(items, n, max_part)) {
    U64 d_keys, d_pairs;
    U32 d_rows;
    UploadPart(items, part, &d_keys, &d_rows);
    BlockStats s;
    BlockPairs(policy, d_keys, d_rows, cap, d_pairs, &s);
    AddStats(s, stats);
    part_pairs.resize(d_pairs.size());
    thrust::copy(d_pairs.begin(), d_pairs.end(), part_pairs.begin());
    merged.clear();
    merged.reserve(pairs_out->size() + part_pairs.size());
    std::set_union(pairs_out->begin(), pairs_out->end(), part_pairs.begin(), part_pairs.end(),
                   std::back_inserter(merged));
    pairs_out->swap(merged);
  }
}

// Jaro-Winkler counts of pair k: the scalar definition, one pair per thread.
struct JaroPair {
  const unsigned char* bytes;
  const uint64_t* offsets;
  const uint32_t* left;
  const uint32_t* right;
  DOPPEL_HD JaroCounts operator()(uint64_t k) const {
    const uint64_t a = offsets[left[k]], b = offsets[right[k]];
    return JaroCountsBytes(bytes + a, offsets[left[k] + 1] - a, bytes + b, offsets[right[k] + 1] - b);
  }
};

// JaroPairs (backend.h): out[k] for the n pairs (left[k], right[k]).
template <class Policy, class U8, class U64, class U32, class Counts>
void JaroPairs(const Policy& policy, U8& bytes, U64& offsets, U32& left, U32& right, Counts& out) {
  const size_t n = left.size();
  out.resize(n);
  thrust::transform(policy, thrust::make_counting_iterator<uint64_t>(0), thrust::make_counting_iterator<uint64_t>(n),
                    out.begin(), JaroPair{Ptr(bytes), Ptr(offsets), Ptr(left), Ptr(right)});
}

// Signature entry idx = i * k + j: the minimum of hash function j over
// record i's tokens (all-ones without tokens).
struct MinHashEntry {
  const uint64_t* tokens;
  const uint32_t* offsets;
  uint32_t k;
  DOPPEL_HD uint32_t operator()(uint64_t idx) const {
    const uint64_t i = idx / k;
    const uint32_t j = static_cast<uint32_t>(idx % k);
    uint32_t best = 0xFFFFFFFFu;
    for (uint32_t t = offsets[i]; t < offsets[i + 1]; ++t) {
      const uint32_t h = MinHashMix(tokens[t], j);
      best = h < best ? h : best;
    }
    return best;
  }
};

// MinHash (minhash.h) of the n records; out gets n * k entries.
template <class Policy, class U64, class U32>
void MinHash(const Policy& policy, U64& tokens, U32& offsets, uint32_t k, U32& out) {
  const size_t n = offsets.size() > 0 ? offsets.size() - 1 : 0;
  out.resize(n * k);
  thrust::transform(policy, thrust::make_counting_iterator<uint64_t>(0),
                    thrust::make_counting_iterator<uint64_t>(uint64_t{n} * k), out.begin(),
                    MinHashEntry{Ptr(tokens), Ptr(offsets), k});
}

// The levels of pair k (levels.h PairLevelsOf, Jaro-Winkler included), one
// pair per thread, written column by column: out[c * n + k].
struct PairLevelsEntry {
  LevelInputs in;
  const CompareRow* rows;
  const uint32_t* left;
  const uint32_t* right;
  int8_t* out;
  uint64_t n;
  DOPPEL_HD void operator()(uint64_t k) const {
    int8_t lv[kComparisonCount];
    const uint32_t a = left[k], b = right[k];
    PairLevelsOf(in, a, b, rows[a], rows[b], lv);
    for (size_t c = 0; c < kComparisonCount; ++c) out[c * n + k] = lv[c];
  }
};

// Comparison levels of the pairs (left[k], right[k]): out gets
// kComparisonCount * n levels, column by column. `in` and `rows` point into
// the policy's memory.
template <class Policy, class U32, class I8>
void PairLevels(const Policy& policy, const LevelInputs& in, const CompareRow* rows, U32& left, U32& right, I8& out) {
  const size_t n = left.size();
  out.resize(n * kComparisonCount);
  thrust::for_each(policy, thrust::make_counting_iterator<uint64_t>(0), thrust::make_counting_iterator<uint64_t>(n),
                   PairLevelsEntry{in, rows, Ptr(left), Ptr(right), Ptr(out), n});
}

// The level pattern (levels.h PackLevels) of pair k.
struct PairPattern {
  LevelInputs in;
  const CompareRow* rows;
  const uint32_t* left;
  const uint32_t* right;
  DOPPEL_HD uint64_t operator()(uint64_t k) const {
    int8_t lv[kComparisonCount];
    const uint32_t a = left[k], b = right[k];
    PairLevelsOf(in, a, b, rows[a], rows[b], lv);
    return PackLevels(lv);
  }
};

// The distinct level patterns of the pairs (left[k], right[k]), ascending,
// into patterns_out, and how many pairs have each into counts_out: the
// levels are made, packed, sorted and counted where they are.
template <class Policy, class U32, class U64>
void PairPatterns(const Policy& policy, const LevelInputs& in, const CompareRow* rows, U32& left, U32& right,
                  U64& patterns_out, U64& counts_out) {
  const size_t n = left.size();
  U64 patterns(n);
  thrust::transform(policy, thrust::make_counting_iterator<uint64_t>(0), thrust::make_counting_iterator<uint64_t>(n),
                    patterns.begin(), PairPattern{in, rows, Ptr(left), Ptr(right)});
  thrust::sort(policy, patterns.begin(), patterns.end());
  patterns_out.resize(n);
  counts_out.resize(n);
  const auto ends = thrust::reduce_by_key(policy, patterns.begin(), patterns.end(),
                                          thrust::make_constant_iterator<uint64_t>(1), patterns_out.begin(),
                                          counts_out.begin());
  patterns_out.resize(ends.first - patterns_out.begin());
  counts_out.resize(patterns_out.size());
}

// The match weight of pair k (levels.h PairWeight) from its levels,
// stored column by column: levels[c * n + k].
struct PairWeightEntry {
  WeightTable table;
  const uint32_t* left;
  const uint32_t* right;
  const int8_t* levels;
  double* out;
  uint64_t n;
  DOPPEL_HD void operator()(uint64_t k) const {
    int8_t lv[kComparisonCount];
    for (size_t c = 0; c < kComparisonCount; ++c) lv[c] = levels[c * n + k];
    out[k] = PairWeight(table, lv, left[k], right[k]);
  }
};

// The match weight of pair k with the levels computed on the way (levels.h
// PairLevelsOf, then PairWeight): for a backend that keeps no levels.
struct PairLevelWeightEntry {
  LevelInputs in;
  const CompareRow* rows;
  WeightTable table;
  const uint32_t* left;
  const uint32_t* right;
  double* out;
  DOPPEL_HD void operator()(uint64_t k) const {
    int8_t lv[kComparisonCount];
    const uint32_t a = left[k], b = right[k];
    PairLevelsOf(in, a, b, rows[a], rows[b], lv);
    out[k] = PairWeight(table, lv, a, b);
  }
};

// Match weights of the pairs (left[k], right[k]), their levels computed on
// the way from `in` and `rows` (the policy's memory, as PairLevels') with
// `table` (as PairWeights').
template <class Policy, class U32, class F64>
void PairLevelWeights(const Policy& policy, const LevelInputs& in, const CompareRow* rows, const WeightTable& table,
                      U32& left, U32& right, F64& out) {
  const size_t n = left.size();
  out.resize(n);
  thrust::for_each(policy, thrust::make_counting_iterator<uint64_t>(0), thrust::make_counting_iterator<uint64_t>(n),
                   PairLevelWeightEntry{in, rows, table, Ptr(left), Ptr(right), Ptr(out)});
}

// Match weights of the pairs (left[k], right[k]) with their levels
// (kComparisonCount * n, column by column). The table's per-record arrays
// point into the policy's memory and tf_weight is set wherever tf_share is.
template <class Policy, class U32, class I8, class F64>
void PairWeights(const Policy& policy, const WeightTable& table, U32& left, U32& right, I8& levels, F64& out) {
  const size_t n = left.size();
  out.resize(n);
  thrust::for_each(policy, thrust::make_counting_iterator<uint64_t>(0), thrust::make_counting_iterator<uint64_t>(n),
                   PairWeightEntry{table, Ptr(left), Ptr(right), Ptr(levels), Ptr(out), n});
}

// Components (components.h): every edge hooks the larger of its ends'
// roots under the smaller (an atomic minimum, so the smallest offer wins
// and a parent only ever decreases), then pointer jumping makes every
// parent a root again; rounds go on until no edge joins two roots. A
// parent is always a vertex of the same component and never larger than
// its child, so the one root left in a component is its smallest vertex.
struct HookEdge {
  uint32_t* parent;
  const uint32_t* a;
  const uint32_t* b;
  uint32_t* hooked;  // set to 1 when an edge joined two roots
  DOPPEL_HD void operator()(uint64_t i) const {
    const uint32_t ra = LoadU32(&parent[a[i]]), rb = LoadU32(&parent[b[i]]);
    if (ra == rb) return;
    AtomicMinU32(&parent[ra < rb ? rb : ra], ra < rb ? ra : rb);
    StoreU32(hooked, 1);
  }
};
struct JumpParent {
  uint32_t* parent;
  uint32_t* moved;  // set to 1 when a parent changed
  DOPPEL_HD void operator()(uint64_t v) const {
    const uint32_t p = LoadU32(&parent[v]), gp = LoadU32(&parent[p]);
    if (gp != p) {
      // A parent only ever decreases: an atomic minimum keeps a smaller
      // value another thread's hook or jump wrote meanwhile.
      AtomicMinU32(&parent[v], gp);
      StoreU32(moved, 1);
    }
  }
};

// label gets n labels; a and b hold the m edges (the policy's vectors).
template <class Policy, class U32>
void Components(const Policy& policy, U32& a, U32& b, uint32_t n, U32& label) {
  label.resize(n);
  thrust::sequence(policy, label.begin(), label.end(), 0u);
  const size_t m = a.size();
  if (m == 0) return;
  U32 flag(1);
  for (;;) {
    flag[0] = 0;
    thrust::for_each(policy, thrust::make_counting_iterator<uint64_t>(0), thrust::make_counting_iterator<uint64_t>(m),
                     HookEdge{Ptr(label), Ptr(a), Ptr(b), Ptr(flag)});
    if (uint32_t(flag[0]) == 0) break;
    do {
      flag[0] = 0;
      thrust::for_each(policy, thrust::make_counting_iterator<uint64_t>(0),
                       thrust::make_counting_iterator<uint64_t>(n), JumpParent{Ptr(label), Ptr(flag)});
    } while (uint32_t(flag[0]) != 0);
  }
}

}  // namespace doppel::kernels::thrust_pipeline
