// Comparison levels and match weights on the GPU (label gpu; skipped where
// no device is usable): the cuda backend's copy of the records and model
// against the host, bit for bit, on the random tables of the core tests and
// through a whole MatchAll.
#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <vector>

#include "core/test_tables.h"
#include "doppel/core/compare_index.h"
#include "doppel/core/comparison.h"
#include "doppel/core/fs_model.h"
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

// Batches of more than two of the staged pipeline's chunks (2 M pairs on
// two streams, so each buffer is reused and the last two are drained at the
// end): levels, weights from levels, and weights with the levels made on
// the way, all the host's.
TEST_F(GpuLevels, StagedBatchesMatchTheHost) {
  const MatchTable t = RandomTable(3000, 4);
  std::mt19937_64 rng(4);
  const size_t n = 2 * (size_t{1} << 21) + 123;
  std::vector<std::pair<uint32_t, uint32_t>> pairs(n);
  std::vector<uint32_t> left(n), right(n);
  for (size_t i = 0; i < n; ++i) {
    pairs[i] = {static_cast<uint32_t>(rng() % t.size()), static_cast<uint32_t>(rng() % t.size())};
    left[i] = pairs[i].first, right[i] = pairs[i].second;
  }
  PairLevels host, device;
  ComputeLevelsParallel(CompareIndex::Build(t, ref(), 0), pairs, ref(), 0, &host);
  const CompareIndex x = CompareIndex::Build(t, gpu(), 1);
  ASSERT_NE(x.device(), nullptr);
  ASSERT_TRUE(ComputeLevelsParallel(x, pairs, gpu(), 0, &device));
  for (size_t c = 0; c < kComparisonCount; ++c) ASSERT_EQ(device.levels[c], host.levels[c]) << "comparison " << c;

  auto trained = MatchAll(t, MatcherOptions{}, ref());
  ASSERT_TRUE(trained.ok());
  const TermFrequencies tf(t, 0);
  Scorer scorer(trained->model, &tf);
  scorer.PrepareBulk(0);
  std::vector<double> want(n);
  for (size_t i = 0; i < n; ++i) want[i] = scorer.Weight(host, i, left[i], right[i]);
  const auto weights = gpu().upload_weights(scorer.table(), scorer.records());
  std::vector<int8_t> packed(n * kComparisonCount);
  for (size_t c = 0; c < kComparisonCount; ++c) std::copy(host.levels[c].begin(), host.levels[c].end(), packed.begin() + c * n);
  std::vector<double> got(n), fused(n);
  weights->Weights(left.data(), right.data(), packed.data(), n, got.data());
  weights->WeightsOfPairs(*x.device(), left.data(), right.data(), n, fused.data());
  EXPECT_EQ(got, want);
  EXPECT_EQ(fused, want);
}

// With labels, training counts levels pair by pair: the levels come back
// and the weights are made from them on the device (DeviceWeights::Weights).
TEST_F(GpuLevels, LabelledMatchAllMatchesTheHost) {
  const MatchTable t = GeneratedTable(20000, 5);
  const std::function<bool(uint32_t, uint32_t)> same = [&](uint32_t a, uint32_t b) {
    return t.ids.Get(a).substr(0, 3) == t.ids.Get(b).substr(0, 3);
  };
  auto device = MatchAll(t, MatcherOptions{}, gpu(), nullptr, &same);
  auto host = MatchAll(t, MatcherOptions{}, ref(), nullptr, &same);
  ASSERT_TRUE(device.ok() && host.ok());
  EXPECT_EQ(device->model.ToJson(), host->model.ToJson());
  EXPECT_EQ(device->entity_of, host->entity_of);
  EXPECT_EQ(device->weights, host->weights);
  EXPECT_EQ(device->pairs_weighted_on_device, device->candidate_pairs);
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
