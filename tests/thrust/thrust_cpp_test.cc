// The GPU pipeline's Thrust code (kernels/cuda/thrust_pipeline.h) on
// Thrust's CPU device system, against the scalar references: the same
// sorts, scans, searches and functors the CUDA build runs, checked in every
// CI run without a GPU. Built with THRUST_DEVICE_SYSTEM=CPP (tests/CMakeLists).
#include <gtest/gtest.h>
#include <thrust/system/cpp/execution_policy.h>

#include <algorithm>
#include <functional>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "cuda/thrust_pipeline.h"
#include "kernels_internal.h"

namespace doppel::kernels {
namespace {

uint64_t Seed() {
  const uint64_t seed = std::random_device{}();
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  return seed;
}

void ExpectSameBlocks(const std::vector<uint64_t>& keys, const std::vector<uint32_t>& rows, uint64_t cap) {
  std::vector<uint64_t> want;
  BlockStats want_stats;
  BlockEntries entries{keys, rows};
  reference::BlockPairs(&entries, cap, &want, &want_stats);
  std::vector<uint64_t> k = keys, got;
  std::vector<uint32_t> r = rows;
  BlockStats got_stats;
  thrust_pipeline::BlockPairs(thrust::cpp::par, k, r, cap, got, &got_stats);
  ASSERT_EQ(got, want) << "entries " << keys.size() << " cap " << cap;
  EXPECT_EQ(got_stats.blocks, want_stats.blocks);
  EXPECT_EQ(got_stats.skipped_blocks, want_stats.skipped_blocks);
  EXPECT_EQ(got_stats.skipped_examples, want_stats.skipped_examples);
  // The blocks alone (BlockGroups): the reference's rows and offsets.
  BlockGroups want_groups;
  BlockStats want_group_stats;
  BlockEntries again{keys, rows};
  reference::BlockGroups(&again, cap, &want_groups, &want_group_stats);
  std::vector<uint64_t> gk = keys, offsets;
  std::vector<uint32_t> gr = rows, grouped;
  BlockStats group_stats;
  thrust_pipeline::BlockGroups(thrust::cpp::par, gk, gr, cap, grouped, offsets, &group_stats);
  ASSERT_EQ(grouped, std::vector<uint32_t>(want_groups.rows.begin(), want_groups.rows.end()))
      << "entries " << keys.size() << " cap " << cap;
  ASSERT_EQ(offsets, std::vector<uint64_t>(want_groups.offsets.begin(), want_groups.offsets.end()))
      << "entries " << keys.size() << " cap " << cap;
  EXPECT_EQ(group_stats.blocks, want_stats.blocks);
  EXPECT_EQ(group_stats.skipped_blocks, want_stats.skipped_blocks);
  EXPECT_EQ(group_stats.skipped_examples, want_stats.skipped_examples);
}

TEST(ThrustCpp, TrianglePairEnumeratesEveryPairOnce) {
  for (uint32_t s : {2u, 3u, 7u, 100u, 3000u}) {
    std::vector<uint64_t> seen;
    for (uint64_t t = 0; t < uint64_t{s} * (s - 1) / 2; ++t) {
      uint32_t x, y;
      TrianglePair(t, &x, &y);
      ASSERT_LT(x, y);
      ASSERT_LT(y, s);
      seen.push_back(PackPair(x, y));
    }
    std::sort(seen.begin(), seen.end());
    EXPECT_EQ(std::unique(seen.begin(), seen.end()), seen.end());
  }
}

TEST(ThrustCpp, BlockPairsMatchReference) {
  const uint64_t seed = Seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  ExpectSameBlocks({}, {}, 100);
  ExpectSameBlocks({7}, {0}, 100);
  ExpectSameBlocks({7, 7, 7}, {3, 3, 1}, 100);  // a repeated entry counts once
  ExpectSameBlocks({1, 1, 1, 2, 2}, {0, 1, 2, 3, 4}, 2);  // one block oversized
  for (size_t n : {10u, 1000u, 20000u}) {
    for (uint64_t key_range : {3u, 50u, 5000u}) {
      std::vector<uint64_t> keys(n);
      std::vector<uint32_t> rows(n);
      for (size_t i = 0; i < n; ++i) {
        keys[i] = (rng() % key_range) * 0x9E3779B97F4A7C15ULL;  // spread over 64 bits
        rows[i] = static_cast<uint32_t>(rng() % (n / 2 + 1));
      }
      for (uint64_t cap : {1u, 2u, 33u, 100u, 100000u}) ExpectSameBlocks(keys, rows, cap);
    }
  }
}

// Blocking a key range at a time (BlockGroupsInParts, BlockPairsInParts):
// whatever the ranges, the reference's blocks, pairs and stats.
void ExpectSameBlocksInParts(const std::vector<uint64_t>& keys, const std::vector<uint32_t>& rows, uint64_t cap,
                             size_t max_part) {
  SCOPED_TRACE("entries " + std::to_string(keys.size()) + " cap " + std::to_string(cap) + " max_part " +
               std::to_string(max_part));
  const BlockEntries entries{keys, rows};
  BlockEntries copy = entries, parted = entries;
  BlockGroups want;
  BlockStats want_stats;
  reference::BlockGroups(&copy, cap, &want, &want_stats);
  HugeVector<uint32_t> got_rows;
  HugeVector<uint64_t> got_offsets;
  BlockStats got_stats;
  thrust_pipeline::BlockGroupsInParts<std::vector<uint64_t>, std::vector<uint32_t>>(
      thrust::cpp::par, parted.items.data(), parted.size(), cap, max_part, &got_rows, &got_offsets, &got_stats);
  ASSERT_EQ(got_rows, want.rows);
  ASSERT_EQ(got_offsets, want.offsets);
  EXPECT_EQ(got_stats.blocks, want_stats.blocks);
  EXPECT_EQ(got_stats.skipped_blocks, want_stats.skipped_blocks);
  EXPECT_EQ(got_stats.skipped_examples, want_stats.skipped_examples);

  copy = entries;
  std::vector<uint64_t> want_pairs, got_pairs;
  reference::BlockPairs(&copy, cap, &want_pairs, &want_stats);
  thrust_pipeline::BlockPairsInParts<std::vector<uint64_t>, std::vector<uint32_t>>(
      thrust::cpp::par, parted.items.data(), parted.size(), cap, max_part, &got_pairs, &got_stats);
  ASSERT_EQ(got_pairs, want_pairs);
  EXPECT_EQ(got_stats.blocks, want_stats.blocks);
  EXPECT_EQ(got_stats.skipped_blocks, want_stats.skipped_blocks);
  EXPECT_EQ(got_stats.skipped_examples, want_stats.skipped_examples);
}

TEST(ThrustCpp, KeyRangesHoldAtMostTheirShareUnlessOneBucketIsLarger) {
  std::vector<BlockEntry> items;
  for (uint64_t i = 0; i < 1000; ++i) items.push_back({i, (i % 300) * 0x9E3779B97F4A7C15ULL});
  std::vector<BlockEntry> sorted_before = items;
  std::sort(sorted_before.begin(), sorted_before.end());
  for (size_t max_part : {1u, 10u, 333u, 1000u, 5000u}) {
    const auto parts = thrust_pipeline::PartitionByKey(items.data(), items.size(), max_part);
    std::vector<BlockEntry> sorted_after = items;  // the same entries, reordered
    std::sort(sorted_after.begin(), sorted_after.end());
    EXPECT_EQ(sorted_after, sorted_before);
    uint32_t next_bucket = 0;
    size_t next_entry = 0;
    for (const auto& p : parts) {
      EXPECT_EQ(p.first, next_bucket);  // consecutive, covering every bucket and entry
      EXPECT_EQ(p.begin, next_entry);
      EXPECT_LT(p.first, p.last);
      EXPECT_LE(p.entries(), std::max<size_t>(max_part, 4));  // 4: the most entries a key has here
      for (size_t i = p.begin; i < p.end; ++i) {
        const uint64_t bucket = items[i].key >> (64 - thrust_pipeline::kPartBits);
        EXPECT_TRUE(bucket >= p.first && bucket < p.last) << i;
      }
      next_bucket = p.last;
      next_entry = p.end;
    }
    EXPECT_EQ(next_bucket, 1u << thrust_pipeline::kPartBits);
    EXPECT_EQ(next_entry, items.size());
    if (max_part >= items.size()) {
      EXPECT_EQ(parts.size(), 1u);
    }
  }
  // One key: one bucket, one range, whatever the limit.
  std::vector<BlockEntry> same(50, BlockEntry{1, 42});
  const auto parts = thrust_pipeline::PartitionByKey(same.data(), same.size(), 4);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].entries(), 50u);
}

TEST(ThrustCpp, BlockingInKeyRangesMatchesReference) {
  const uint64_t seed = Seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  ExpectSameBlocksInParts({}, {}, 100, 1);
  ExpectSameBlocksInParts({7, 7, 7}, {3, 3, 1}, 100, 1);
  for (size_t n : {10u, 1000u, 20000u}) {
    for (uint64_t key_range : {3u, 50u, 5000u}) {
      std::vector<uint64_t> keys(n);
      std::vector<uint32_t> rows(n);
      for (size_t i = 0; i < n; ++i) {
        // Spread over 64 bits, or (every third set) within one bucket.
        const uint64_t k = rng() % key_range;
        keys[i] = key_range == 50 ? k : k * 0x9E3779B97F4A7C15ULL;
        rows[i] = static_cast<uint32_t>(rng() % (n / 2 + 1));
      }
      for (uint64_t cap : {2u, 33u, 1000u}) {
        for (size_t max_part : {size_t{1}, n / 7 + 1, n / 2, n}) {
          ExpectSameBlocksInParts(keys, rows, cap, max_part);
        }
      }
    }
  }
}

TEST(ThrustCpp, JaroPairsMatchReference) {
  const uint64_t seed = Seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::vector<unsigned char> bytes;
  std::vector<uint64_t> offsets{0};
  for (int i = 0; i < 600; ++i) {
    const size_t len = i < 80 ? i : rng() % 24;
    for (size_t c = 0; c < len; ++c) bytes.push_back(static_cast<unsigned char>('a' + rng() % (i % 2 ? 4 : 26)));
    offsets.push_back(bytes.size());
  }
  std::vector<uint32_t> left, right;
  for (int k = 0; k < 20000; ++k) {
    left.push_back(static_cast<uint32_t>(rng() % 600));
    right.push_back(static_cast<uint32_t>(rng() % 600));
  }
  std::vector<JaroCounts> want(left.size()), got;
  reference::JaroPairs(reinterpret_cast<const char*>(bytes.data()), offsets.data(), left.data(), right.data(),
                       left.size(), want.data());
  thrust_pipeline::JaroPairs(thrust::cpp::par, bytes, offsets, left, right, got);
  ASSERT_EQ(got.size(), want.size());
  for (size_t k = 0; k < want.size(); ++k) {
    ASSERT_TRUE(got[k].matches == want[k].matches && got[k].transpositions == want[k].transpositions &&
                got[k].prefix == want[k].prefix && got[k].len_a == want[k].len_a && got[k].len_b == want[k].len_b)
        << "pair " << k;
  }
}

TEST(ThrustCpp, MinHashMatchesReference) {
  const uint64_t seed = Seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> tokens;
  std::vector<uint32_t> offsets{0};
  for (int r = 0; r < 500; ++r) {
    const int count = r < 40 ? r : static_cast<int>(rng() % 30);
    for (int t = 0; t < count; ++t) tokens.push_back(rng());
    offsets.push_back(static_cast<uint32_t>(tokens.size()));
  }
  const size_t n = offsets.size() - 1;
  for (uint32_t k : {1u, 32u, 128u}) {
    std::vector<uint32_t> want(n * k), got;
    reference::MinHash(tokens.data(), offsets.data(), n, k, want.data());
    thrust_pipeline::MinHash(thrust::cpp::par, tokens, offsets, k, got);
    ASSERT_EQ(got, want) << "k=" << k;
  }
}

TEST(ThrustCpp, ComponentsMatchReference) {
  const uint64_t seed = Seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  auto expect_same = [](std::vector<uint32_t> a, std::vector<uint32_t> b, uint32_t n) {
    std::vector<uint32_t> want(n), got;
    reference::Components(a.data(), b.data(), a.size(), n, want.data());
    thrust_pipeline::Components(thrust::cpp::par, a, b, n, got);
    ASSERT_EQ(got, want) << "n " << n << " m " << a.size();
  };
  expect_same({}, {}, 0);
  expect_same({}, {}, 7);
  expect_same({2, 2, 5}, {2, 0, 0}, 6);
  // Chains numbered against the edges' order: many rounds of hooking.
  for (uint32_t n : {2u, 100u, 20000u}) {
    std::vector<uint32_t> perm(n), a, b;
    std::iota(perm.begin(), perm.end(), 0u);
    std::shuffle(perm.begin(), perm.end(), rng);
    for (uint32_t i = n - 1; i > 0; --i) a.push_back(perm[i]), b.push_back(perm[i - 1]);
    expect_same(a, b, n);
    std::sort(perm.begin(), perm.end(), std::greater<>());  // n-1, n-2, ..., 0
    a.clear(), b.clear();
    for (uint32_t i = 0; i + 1 < n; ++i) a.push_back(perm[i]), b.push_back(perm[i + 1]);
    expect_same(a, b, n);
  }
  for (uint32_t n : {1u, 50u, 3000u, 100000u}) {
    for (double per_vertex : {0.2, 0.7, 2.0}) {
      const size_t m = static_cast<size_t>(n * per_vertex);
      std::vector<uint32_t> a(m), b(m);
      for (size_t i = 0; i < m; ++i) a[i] = rng() % n, b[i] = rng() % n;
      expect_same(a, b, n);
    }
  }
}

}  // namespace
}  // namespace doppel::kernels
