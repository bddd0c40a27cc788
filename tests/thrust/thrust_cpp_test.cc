// The GPU pipeline's Thrust code (kernels/cuda/thrust_pipeline.h) on
// Thrust's CPU device system, against the scalar references: the same
// sorts, scans, searches and functors the CUDA build runs, checked in every
// CI run without a GPU. Built with THRUST_DEVICE_SYSTEM=CPP (tests/CMakeLists).
#include <gtest/gtest.h>
#include <thrust/system/cpp/execution_policy.h>

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

}  // namespace
}  // namespace doppel::kernels
