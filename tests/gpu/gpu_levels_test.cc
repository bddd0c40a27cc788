// Comparison levels and match weights on the GPU (label gpu; skipped where
// no device is usable): the cuda backend's copy of the records and model
// against the host, bit for bit, on the random tables of the core tests and
// through a whole MatchAll.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "core/test_tables.h"
#include "doppel/core/compare_index.h"
#include "doppel/core/comparison.h"
#include "doppel/core/matcher.h"
#include "doppel/kernels/backend.h"

namespace doppel::core {
namespace {

class GpuLevels : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!kernels::BackendAvailable(kernels::Backend::kCuda)) {
      GTEST_SKIP() << "no CUDA device: " << kernels::QueryGpu().error;
    }
    kernels::SetGpuMinBatch(0);  // every call on the GPU, however small
  }
  const kernels::KernelTable& gpu() { return kernels::GetKernels(kernels::Backend::kCuda); }
  const kernels::KernelTable& ref() { return kernels::GetKernels(kernels::Backend::kReference); }
};

TEST_F(GpuLevels, LevelsMatchTheHost) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    const MatchTable t = RandomTable(3000, seed);
    std::mt19937_64 rng(seed);
    std::vector<std::pair<uint32_t, uint32_t>> pairs;
    for (int i = 0; i < 300000; ++i) {
      pairs.emplace_back(static_cast<uint32_t>(rng() % t.size()), static_cast<uint32_t>(rng() % t.size()));
    }
    PairLevels host, device;
    ComputeLevels(CompareIndex::Build(t, ref(), 1), pairs, ref(), &host);
    const CompareIndex x = CompareIndex::Build(t, gpu(), 1);
    ASSERT_NE(x.device(), nullptr);
    ComputeLevelsParallel(x, pairs, gpu(), 1, &device);
    for (size_t c = 0; c < kComparisonCount; ++c) ASSERT_EQ(device.levels[c], host.levels[c]) << "comparison " << c;
    // Training's counts, made on the device: the host's counts of its levels.
    std::vector<PatternCount> patterns;
    EXPECT_TRUE(PatternsOf(x, pairs, gpu(), 1, &patterns));
    EXPECT_EQ(patterns, CountPatterns(host, 1));
  }
}

TEST_F(GpuLevels, MatchAllMatchesTheHost) {
  const MatchTable t = GeneratedTable(20000, 9);
  MatcherOptions options;
  options.threads = 2;
  auto device = MatchAll(t, options, gpu());
  auto host = MatchAll(t, options, ref());
  ASSERT_TRUE(device.ok() && host.ok());
  EXPECT_EQ(device->model.ToJson(), host->model.ToJson());
  EXPECT_EQ(device->entity_of, host->entity_of);
  EXPECT_EQ(device->pairs, host->pairs);
  EXPECT_EQ(device->weights, host->weights);
  for (size_t c = 0; c < kComparisonCount; ++c) EXPECT_EQ(device->levels.levels[c], host->levels.levels[c]);
}

}  // namespace
}  // namespace doppel::core
