// The CUDA backend against the scalar references, bit for bit (label gpu;
// every test skips where no device is usable). The same inputs as the SIMD
// and Thrust-on-CPU tests: length sweeps and random cases from a printed seed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "doppel/kernels/backend.h"
#include "doppel/kernels/blocking.h"
#include "doppel/kernels/jaro.h"

namespace doppel::kernels {
namespace {

class Gpu : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!BackendAvailable(Backend::kCuda)) GTEST_SKIP() << "no CUDA device: " << QueryGpu().error;
    SetGpuMinBatch(0);  // every call on the GPU, however small
  }
  const KernelTable& gpu() { return GetKernels(Backend::kCuda); }
  const KernelTable& ref() { return GetKernels(Backend::kReference); }
  uint64_t Seed() {
    const uint64_t seed = std::random_device{}();
    std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
    return seed;
  }
};

// Unsets DOPPEL_GPU_MEMORY however a test that set it ends: later tests
// must run on the whole GPU.
struct UnsetGpuMemory {
  ~UnsetGpuMemory() { unsetenv("DOPPEL_GPU_MEMORY"); }
};

TEST_F(Gpu, JaroPairsMatchReference) {
  const uint64_t seed = Seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::string bytes;
  std::vector<uint64_t> offsets{0};
  for (int i = 0; i < 2000; ++i) {
    const size_t len = i <= 70 ? i : rng() % 24;
    for (size_t c = 0; c < len; ++c) bytes.push_back(static_cast<char>('a' + rng() % (i % 2 ? 4 : 26)));
    offsets.push_back(bytes.size());
  }
  std::vector<uint32_t> left, right;
  for (uint32_t a = 0; a <= 70; ++a)
    for (uint32_t b = 0; b <= 70; ++b) left.push_back(a), right.push_back(b);
  for (int k = 0; k < 200000; ++k) {
    left.push_back(static_cast<uint32_t>(rng() % 2000));
    right.push_back(static_cast<uint32_t>(rng() % 2000));
  }
  std::vector<JaroCounts> got(left.size()), want(left.size());
  gpu().jaro_pairs(bytes.data(), offsets.data(), left.data(), right.data(), left.size(), got.data());
  ref().jaro_pairs(bytes.data(), offsets.data(), left.data(), right.data(), left.size(), want.data());
  for (size_t k = 0; k < want.size(); ++k) {
    ASSERT_TRUE(got[k].matches == want[k].matches && got[k].transpositions == want[k].transpositions &&
                got[k].prefix == want[k].prefix && got[k].len_a == want[k].len_a && got[k].len_b == want[k].len_b)
        << "pair " << k;
  }
}

TEST_F(Gpu, MinHashMatchesReference) {
  const uint64_t seed = Seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> tokens;
  std::vector<uint32_t> offsets{0};
  for (int r = 0; r < 5000; ++r) {
    const int count = r < 60 ? r : static_cast<int>(rng() % 40);
    for (int t = 0; t < count; ++t) tokens.push_back(rng());
    offsets.push_back(static_cast<uint32_t>(tokens.size()));
  }
  const size_t n = offsets.size() - 1;
  for (uint32_t k : {1u, 32u, 33u, 128u}) {
    std::vector<uint32_t> got(n * k), want(n * k);
    gpu().minhash(tokens.data(), offsets.data(), n, k, got.data());
    ref().minhash(tokens.data(), offsets.data(), n, k, want.data());
    ASSERT_EQ(got, want) << "k=" << k;
  }
}

TEST_F(Gpu, BlockPairsMatchReference) {
  const uint64_t seed = Seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (size_t n : {0u, 1u, 1000u, 300000u}) {
    std::vector<uint64_t> keys(n);
    std::vector<uint32_t> rows(n);
    for (size_t i = 0; i < n; ++i) {
      keys[i] = (rng() % (n / 4 + 1)) * 0x9E3779B97F4A7C15ULL;
      rows[i] = static_cast<uint32_t>(rng() % (n / 2 + 1));
    }
    for (uint64_t cap : {2u, 33u, 100u}) {
      std::vector<uint64_t> got, want;
      BlockStats got_stats, want_stats;
      BlockEntries for_gpu{keys, rows}, for_ref{keys, rows};
      gpu().block_pairs(&for_gpu, cap, &got, &got_stats);
      ref().block_pairs(&for_ref, cap, &want, &want_stats);
      ASSERT_EQ(got, want) << "n=" << n << " cap=" << cap;
      EXPECT_EQ(got_stats.blocks, want_stats.blocks);
      EXPECT_EQ(got_stats.skipped_blocks, want_stats.skipped_blocks);
      EXPECT_EQ(got_stats.skipped_examples, want_stats.skipped_examples);
      BlockGroups got_groups, want_groups;
      BlockEntries groups_gpu{keys, rows}, groups_ref{keys, rows};
      gpu().block_groups(&groups_gpu, cap, &got_groups, &got_stats);
      ref().block_groups(&groups_ref, cap, &want_groups, &want_stats);
      ASSERT_EQ(got_groups.rows, want_groups.rows) << "n=" << n << " cap=" << cap;
      ASSERT_EQ(got_groups.offsets, want_groups.offsets) << "n=" << n << " cap=" << cap;
      EXPECT_EQ(got_stats.blocks, want_stats.blocks);
      EXPECT_EQ(got_stats.skipped_examples, want_stats.skipped_examples);
    }
  }
}

TEST_F(Gpu, ComponentsMatchReference) {
  const uint64_t seed = Seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  auto expect_same = [&](const std::vector<uint32_t>& a, const std::vector<uint32_t>& b, uint32_t n) {
    std::vector<uint32_t> want(n), got(n);
    ref().components(a.data(), b.data(), a.size(), n, want.data());
    gpu().components(a.data(), b.data(), a.size(), n, got.data());
    ASSERT_EQ(got, want) << "n " << n << " m " << a.size();
  };
  // A chain numbered against the edges' order, and random graphs.
  const uint32_t chain = 1000000;
  std::vector<uint32_t> perm(chain), a, b;
  for (uint32_t i = 0; i < chain; ++i) perm[i] = i;
  std::shuffle(perm.begin(), perm.end(), rng);
  for (uint32_t i = chain - 1; i > 0; --i) a.push_back(perm[i]), b.push_back(perm[i - 1]);
  expect_same(a, b, chain);
  for (uint32_t n : {1000u, 3000000u}) {
    for (double per_vertex : {0.3, 1.5}) {
      const size_t m = static_cast<size_t>(n * per_vertex);
      a.resize(m), b.resize(m);
      for (size_t i = 0; i < m; ++i) a[i] = rng() % n, b[i] = rng() % n;
      expect_same(a, b, n);
    }
  }
}

// A batch larger than the device memory Doppel may use (DOPPEL_GPU_MEMORY,
// here one byte) runs on the CPU: the reference's answer, and counted.
TEST_F(Gpu, BatchesOverTheMemoryBudgetRunOnTheCpu) {
  ASSERT_EQ(setenv("DOPPEL_GPU_MEMORY", "1", 1), 0);
  UnsetGpuMemory unset;
  const uint64_t before = GetGpuFallbacks().batches;
  std::mt19937_64 rng(3);
  const size_t n = 50000;
  std::vector<uint64_t> keys(n);
  std::vector<uint32_t> rows(n);
  for (size_t i = 0; i < n; ++i) {
    keys[i] = rng() % (n / 4);
    rows[i] = static_cast<uint32_t>(i);
  }
  BlockGroups got, want;
  BlockStats got_stats, want_stats;
  BlockEntries for_gpu{keys, rows}, for_ref{keys, rows};
  gpu().block_groups(&for_gpu, 100, &got, &got_stats);
  ref().block_groups(&for_ref, 100, &want, &want_stats);
  EXPECT_EQ(got.rows, want.rows);
  EXPECT_EQ(got.offsets, want.offsets);
  std::vector<uint32_t> offsets{0};
  for (size_t r = 0; r < 1000; ++r) offsets.push_back(static_cast<uint32_t>(r * 5 % n));
  std::sort(offsets.begin(), offsets.end());
  std::vector<uint32_t> sig(1000 * 32), sig_ref(1000 * 32);
  gpu().minhash(keys.data(), offsets.data(), 1000, 32, sig.data());
  ref().minhash(keys.data(), offsets.data(), 1000, 32, sig_ref.data());
  EXPECT_EQ(sig, sig_ref);
  const GpuFallbacks f = GetGpuFallbacks();
  EXPECT_EQ(f.batches, before + 2);
  EXPECT_NE(f.first_reason.find("of device memory"), std::string::npos) << f.first_reason;
  unsetenv("DOPPEL_GPU_MEMORY");
  // And with the budget back, the GPU serves again.
  BlockEntries again{keys, rows};
  gpu().block_groups(&again, 100, &got, &got_stats);
  EXPECT_EQ(got.rows, want.rows);
  EXPECT_EQ(GetGpuFallbacks().batches, before + 2);
}

// A rule's entries beyond the budget (64 MiB: a million entries at a time)
// are blocked on the device a key range at a time: the reference's blocks
// and pairs, and counted as split, not as fallen back.
TEST_F(Gpu, BlockingBeyondTheBudgetRunsInKeyRanges) {
  ASSERT_EQ(setenv("DOPPEL_GPU_MEMORY", "64M", 1), 0);
  UnsetGpuMemory unset;
  const uint64_t fallbacks = GetGpuFallbacks().batches, splits = GpuBlockingSplits();
  std::mt19937_64 rng(5);
  const size_t n = 3000000;
  std::vector<uint64_t> keys(n);
  std::vector<uint32_t> rows(n);
  for (size_t i = 0; i < n; ++i) {
    keys[i] = (rng() % (n / 3)) * 0x9E3779B97F4A7C15ULL;  // spread over the key ranges
    rows[i] = static_cast<uint32_t>(rng() % n);
  }
  BlockGroups got, want;
  BlockStats got_stats, want_stats;
  BlockEntries for_gpu{keys, rows}, for_ref{keys, rows};
  gpu().block_groups(&for_gpu, 20, &got, &got_stats);
  ref().block_groups(&for_ref, 20, &want, &want_stats);
  EXPECT_EQ(got.rows, want.rows);
  EXPECT_EQ(got.offsets, want.offsets);
  EXPECT_EQ(got_stats.blocks, want_stats.blocks);
  EXPECT_EQ(got_stats.skipped_examples, want_stats.skipped_examples);
  std::vector<uint64_t> got_pairs, want_pairs;
  BlockEntries pairs_gpu{keys, rows}, pairs_ref{keys, rows};
  gpu().block_pairs(&pairs_gpu, 20, &got_pairs, &got_stats);
  ref().block_pairs(&pairs_ref, 20, &want_pairs, &want_stats);
  EXPECT_EQ(got_pairs, want_pairs);
  EXPECT_EQ(GetGpuFallbacks().batches, fallbacks);
  EXPECT_EQ(GpuBlockingSplits(), splits + 2);
}

}  // namespace
}  // namespace doppel::kernels
