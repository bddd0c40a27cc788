// The device's comparison levels and match weights (kernels/levels.h
// PairLevelsOf and PairWeight, one pair per thread in
// cuda/thrust_pipeline.h) on Thrust's CPU device system, against the host's
// batched ComputeLevels and its Scorer, and the core's routing of both to a
// backend that keeps its own copy of the records and model
// (KernelTable::upload_levels, upload_weights), here served by the same
// Thrust code on the CPU. No GPU needed: the CUDA build runs this very code
// on the device.
#include <gtest/gtest.h>
#include <thrust/system/cpp/execution_policy.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/test_tables.h"
#include "cuda/thrust_pipeline.h"
#include "doppel/core/compare_index.h"
#include "doppel/core/comparison.h"
#include "doppel/core/fs_model.h"
#include "doppel/core/matcher.h"
#include "doppel/storage/temp_files.h"

namespace doppel::core {
namespace {

using Pairs = std::vector<std::pair<uint32_t, uint32_t>>;

const kernels::KernelTable& Reference() { return kernels::GetKernels(kernels::Backend::kReference); }

// Rows of a dense index, as an array (what the device copy holds).
std::vector<CompareRow> RowsOf(const CompareIndex& x) {
  std::vector<CompareRow> rows(x.size());
  for (uint32_t i = 0; i < x.size(); ++i) rows[i] = x.Row(i);
  return rows;
}

void ExpectThrustLevelsMatchHost(const MatchTable& t, const Pairs& pairs) {
  const CompareIndex x = CompareIndex::Build(t, Reference(), 1);
  PairLevels host;
  ComputeLevels(x, pairs, Reference(), &host);
  std::vector<uint32_t> left, right;
  for (auto [a, b] : pairs) left.push_back(a), right.push_back(b);
  const std::vector<CompareRow> rows = RowsOf(x);
  std::vector<int8_t> device;
  kernels::thrust_pipeline::PairLevels(thrust::cpp::par, x.inputs(), rows.data(), left, right, device);
  const size_t n = pairs.size();
  ASSERT_EQ(device.size(), n * kComparisonCount);
  for (size_t c = 0; c < kComparisonCount; ++c) {
    for (size_t k = 0; k < n; ++k) {
      ASSERT_EQ(device[c * n + k], host.levels[c][k])
          << InfoOf(static_cast<Comparison>(c)).name << " of pair " << pairs[k].first << "-" << pairs[k].second;
    }
  }
}

// Pairs worth comparing: neighbours in surname order (so similar and equal
// names meet, as blocking would bring them) and random ones.
Pairs CandidatePairs(const MatchTable& t, uint64_t seed) {
  std::vector<uint32_t> order(t.size());
  for (uint32_t i = 0; i < t.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return t.last.Get(a) != t.last.Get(b) ? t.last.Get(a) < t.last.Get(b) : a < b;
  });
  Pairs pairs;
  for (size_t i = 0; i < order.size(); ++i) {
    for (size_t j = i + 1; j < std::min(order.size(), i + 6); ++j) pairs.emplace_back(order[i], order[j]);
  }
  std::mt19937_64 rng(seed);
  for (size_t i = 0; i < t.size(); ++i) {
    pairs.emplace_back(static_cast<uint32_t>(rng() % t.size()), static_cast<uint32_t>(rng() % t.size()));
  }
  return pairs;
}

TEST(ThrustLevels, RandomTablesMatchHost) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    const MatchTable t = RandomTable(1500, seed);
    std::mt19937_64 rng(seed * 7);
    Pairs pairs;
    for (int i = 0; i < 20000; ++i) {
      pairs.emplace_back(static_cast<uint32_t>(rng() % t.size()), static_cast<uint32_t>(rng() % t.size()));
    }
    ExpectThrustLevelsMatchHost(t, pairs);
  }
}

TEST(ThrustLevels, GeneratedBaseMatchesHost) {
  const MatchTable t = GeneratedTable(4000, 11);
  ASSERT_GT(t.size(), 3000u);
  ExpectThrustLevelsMatchHost(t, CandidatePairs(t, 5));
}

// A DeviceLevels served by the Thrust code on the CPU: the GPU's copy and
// its batches, without a GPU.
class CppDeviceLevels final : public kernels::DeviceLevels {
 public:
  CppDeviceLevels(const kernels::LevelInputs& in, const CompareRow* rows, size_t records)
      : in_(in), rows_(rows, rows + records) {}
  void Levels(const uint32_t* left, const uint32_t* right, size_t n, int8_t* out) const override {
    ++calls;
    std::vector<uint32_t> l(left, left + n), r(right, right + n);
    std::vector<int8_t> levels;
    kernels::thrust_pipeline::PairLevels(thrust::cpp::par, in_, rows_.data(), l, r, levels);
    std::copy(levels.begin(), levels.end(), out);
  }
  void Patterns(const uint32_t* left, const uint32_t* right, size_t n,
                std::vector<kernels::PatternCount>* out) const override {
    ++pattern_calls;
    std::vector<uint32_t> l(left, left + n), r(right, right + n);
    std::vector<uint64_t> patterns, counts;
    kernels::thrust_pipeline::PairPatterns(thrust::cpp::par, in_, rows_.data(), l, r, patterns, counts);
    out->clear();
    for (size_t i = 0; i < patterns.size(); ++i) out->push_back({patterns[i], counts[i]});
  }
  static inline int calls = 0, pattern_calls = 0;
  const kernels::LevelInputs& inputs() const { return in_; }
  const CompareRow* rows() const { return rows_.data(); }

 private:
  kernels::LevelInputs in_;  // the host's columns, which outlive the index
  std::vector<CompareRow> rows_;
};

std::unique_ptr<kernels::DeviceLevels> UploadToCpp(const kernels::LevelInputs& in, const CompareRow* rows,
                                                   size_t records) {
  return std::make_unique<CppDeviceLevels>(in, rows, records);
}

// A DeviceWeights served by the Thrust code on the CPU, on its own copy of
// the term-frequency arrays.
class CppDeviceWeights final : public kernels::DeviceWeights {
 public:
  CppDeviceWeights(const kernels::WeightTable& t, size_t records) : table_(t) {
    for (size_t c = 0; c < kComparisonCount; ++c) {
      if (t.tf_share[c] == nullptr) continue;
      share_[c].assign(t.tf_share[c], t.tf_share[c] + records);
      weight_[c].assign(t.tf_weight[c], t.tf_weight[c] + records);
      table_.tf_share[c] = share_[c].data();
      table_.tf_weight[c] = weight_[c].data();
    }
  }
  void Weights(const uint32_t* left, const uint32_t* right, const int8_t* levels, size_t n,
               double* out) const override {
    ++calls;
    std::vector<uint32_t> l(left, left + n), r(right, right + n);
    std::vector<int8_t> lv(levels, levels + n * kComparisonCount);
    std::vector<double> weights;
    kernels::thrust_pipeline::PairWeights(thrust::cpp::par, table_, l, r, lv, weights);
    std::copy(weights.begin(), weights.end(), out);
  }
  void WeightsOfPairs(const kernels::DeviceLevels& records, const uint32_t* left, const uint32_t* right, size_t n,
                      double* out) const override {
    ++fused_calls;
    const auto& cpp = dynamic_cast<const CppDeviceLevels&>(records);
    std::vector<uint32_t> l(left, left + n), r(right, right + n);
    std::vector<double> weights;
    kernels::thrust_pipeline::PairLevelWeights(thrust::cpp::par, cpp.inputs(), cpp.rows(), table_, l, r, weights);
    std::copy(weights.begin(), weights.end(), out);
  }
  static inline int calls = 0, fused_calls = 0;

 private:
  kernels::WeightTable table_;
  std::vector<double> share_[kComparisonCount], weight_[kComparisonCount];
};

std::unique_ptr<kernels::DeviceWeights> UploadWeightsToCpp(const kernels::WeightTable& t, size_t records) {
  return std::make_unique<CppDeviceWeights>(t, records);
}

// A model with every comparison used and term frequencies on the names,
// its m and u drawn at random.
FsModel RandomModel(uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> p(0.001, 0.999);
  FsModel m;
  m.lambda = 0.001;
  for (size_t c = 0; c < kComparisonCount; ++c) {
    ComparisonModel& cm = m.comparisons[c];
    const size_t levels = InfoOf(static_cast<Comparison>(c)).levels.size();
    for (size_t l = 0; l < levels; ++l) cm.m.push_back(p(rng)), cm.u.push_back(p(rng));
    cm.term_frequency = InfoOf(static_cast<Comparison>(c)).exact_level >= 0;
  }
  return m;
}

TEST(ThrustLevels, DeviceWeightsEqualTheScorersBitForBit) {
  const MatchTable t = GeneratedTable(3000, 29);
  const TermFrequencies tf(t, 2);
  const CompareIndex x = CompareIndex::Build(t, Reference(), 1);
  const Pairs pairs = CandidatePairs(t, 31);
  PairLevels levels;
  ComputeLevels(x, pairs, Reference(), &levels);
  const size_t n = pairs.size();
  for (uint64_t seed : {1u, 2u}) {
    const FsModel model = RandomModel(seed);
    Scorer one_by_one(model, &tf);  // the logarithms per pair
    Scorer bulk(model, &tf);
    bulk.PrepareBulk(2);            // per record, once
    std::vector<uint32_t> left, right;
    for (auto [a, b] : pairs) left.push_back(a), right.push_back(b);
    std::vector<int8_t> packed(n * kComparisonCount);
    for (size_t c = 0; c < kComparisonCount; ++c) {
      std::copy(levels.levels[c].begin(), levels.levels[c].end(), packed.begin() + c * n);
    }
    std::vector<double> device;
    kernels::thrust_pipeline::PairWeights(thrust::cpp::par, bulk.table(), left, right, packed, device);
    // The definition, written out: the prior, then log2(m/u) of each
    // comparison's level, the exact level's u replaced by the larger of the
    // pair's two term frequencies when either is known.
    auto spec = [&](size_t k) {
      const auto [a, b] = pairs[k];
      double w = std::log2(model.lambda / (1 - model.lambda));
      for (size_t c = 0; c < kComparisonCount; ++c) {
        const int8_t l = levels.levels[c][k];
        if (l == kNull) continue;
        const ComparisonModel& cm = model.comparisons[c];
        const auto comparison = static_cast<Comparison>(c);
        const double f = std::max(tf.Of(comparison, a), tf.Of(comparison, b));
        if (l == InfoOf(comparison).exact_level && f > 0) w += std::log2(cm.m[l] / std::max(f, 1e-7));
        else if (comparison == Comparison::kPhone && l == 1) w += std::min(std::log2(cm.m[l] / cm.u[l]), kLandlineMaxWeight);
        else w += std::log2(cm.m[l] / cm.u[l]);
      }
      return w;
    };
    size_t adjusted = 0;
    for (size_t k = 0; k < n; ++k) {
      std::vector<Contribution> explain;
      const double want = one_by_one.Weight(levels, k, pairs[k].first, pairs[k].second, &explain);
      for (const Contribution& c : explain) adjusted += c.tf_adjusted;
      ASSERT_EQ(want, spec(k)) << "pair " << k;
      ASSERT_EQ(bulk.Weight(levels, k, pairs[k].first, pairs[k].second), want) << "pair " << k;
      ASSERT_EQ(device[k], want) << "pair " << k;
    }
    EXPECT_GT(adjusted, n / 10);  // the term frequencies were exercised
  }
}

// Training's counts on the device: the pairs' level patterns, made, sorted
// and counted there, are what the host counts from the levels.
TEST(ThrustLevels, DevicePatternsAreTheHostsCounts) {
  const MatchTable t = GeneratedTable(4000, 13);
  const CompareIndex x = CompareIndex::Build(t, Reference(), 1);
  const Pairs pairs = CandidatePairs(t, 37);
  PairLevels levels;
  ComputeLevels(x, pairs, Reference(), &levels);
  const std::vector<PatternCount> want = CountPatterns(levels, 2);
  ASSERT_GT(want.size(), 20u);
  std::vector<uint32_t> left, right;
  for (auto [a, b] : pairs) left.push_back(a), right.push_back(b);
  const std::vector<CompareRow> rows = RowsOf(x);
  std::vector<uint64_t> patterns, counts;
  kernels::thrust_pipeline::PairPatterns(thrust::cpp::par, x.inputs(), rows.data(), left, right, patterns, counts);
  std::vector<PatternCount> got;
  for (size_t i = 0; i < patterns.size(); ++i) got.push_back({patterns[i], counts[i]});
  EXPECT_EQ(got, want);
  // In two halves, merged: the same.
  std::vector<PatternCount> merged;
  for (size_t half = 0; half < 2; ++half) {
    const size_t from = half * pairs.size() / 2, to = (half + 1) * pairs.size() / 2;
    std::vector<uint32_t> l(left.begin() + from, left.begin() + to), r(right.begin() + from, right.begin() + to);
    kernels::thrust_pipeline::PairPatterns(thrust::cpp::par, x.inputs(), rows.data(), l, r, patterns, counts);
    std::vector<PatternCount> part;
    for (size_t i = 0; i < patterns.size(); ++i) part.push_back({patterns[i], counts[i]});
    kernels::MergePatternCounts(part, &merged);
  }
  EXPECT_EQ(merged, want);
}

// Connected components by the Thrust code on the CPU, counted.
int cpp_components_calls = 0;
void CppComponents(const uint32_t* a, const uint32_t* b, size_t m, uint32_t n, uint32_t* label) {
  ++cpp_components_calls;
  std::vector<uint32_t> ea(a, a + m), eb(b, b + m), out;
  kernels::thrust_pipeline::Components(thrust::cpp::par, ea, eb, n, out);
  std::copy(out.begin(), out.end(), label);
}

TEST(ThrustLevels, MatchingWithDeviceLevelsGivesTheHostsResult) {
  const MatchTable t = GeneratedTable(3000, 23);
  kernels::KernelTable routed = Reference();
  routed.upload_levels = &UploadToCpp;
  routed.upload_weights = &UploadWeightsToCpp;
  routed.components = &CppComponents;
  cpp_components_calls = 0;
  const size_t min_batch = kernels::GpuMinBatch();
  kernels::SetGpuMinBatch(0);  // every batch to the "device"
  MatcherOptions options;
  options.threads = 2;
  CppDeviceLevels::calls = 0;
  CppDeviceLevels::pattern_calls = 0;
  CppDeviceWeights::calls = 0;
  CppDeviceWeights::fused_calls = 0;
  auto device = MatchAll(t, options, routed);
  auto trained = TrainOn(t, options, routed);  // every piece counted on the "device"
  kernels::SetGpuMinBatch(min_batch);
  ASSERT_TRUE(device.ok()) << device.status().message();
  EXPECT_GT(CppDeviceLevels::calls, 0);        // the kept pairs' levels, the random pairs'
  EXPECT_GT(CppDeviceWeights::fused_calls, 0);  // levels and weights together: none kept
  EXPECT_EQ(CppDeviceWeights::calls, 0);
  EXPECT_EQ(cpp_components_calls, 1);
  EXPECT_GT(CppDeviceLevels::pattern_calls, 0);  // the EM sessions' patterns
  EXPECT_EQ(device->pairs_levelled_on_device, device->candidate_pairs);
  EXPECT_EQ(device->pairs_weighted_on_device, device->candidate_pairs);
  EXPECT_EQ(device->device_note, "");
  auto host = MatchAll(t, options, Reference());
  ASSERT_TRUE(host.ok());
  EXPECT_EQ(host->pairs_levelled_on_device, 0u);
  EXPECT_EQ(host->pairs_weighted_on_device, 0u);
  EXPECT_EQ(device->model.ToJson(), host->model.ToJson());
  ASSERT_TRUE(trained.ok());
  EXPECT_EQ(trained->ToJson(), host->model.ToJson());
  EXPECT_EQ(device->entity_of, host->entity_of);
  EXPECT_EQ(device->pairs, host->pairs);
  EXPECT_EQ(device->weights, host->weights);
  for (size_t c = 0; c < kComparisonCount; ++c) EXPECT_EQ(device->levels.levels[c], host->levels.levels[c]);
  EXPECT_GT(host->pairs.size(), 100u);
}

// The store without levels spilled to a file, and a run with labels (whose
// training counts levels pair by pair, so they come back to the host and go
// to the device for the weights): the host's results either way.
TEST(ThrustLevels, DeviceMatchingSpilledOrLabelledGivesTheHostsResult) {
  const MatchTable t = GeneratedTable(3000, 41);
  kernels::KernelTable routed = Reference();
  routed.upload_levels = &UploadToCpp;
  routed.upload_weights = &UploadWeightsToCpp;
  std::string dir = (std::filesystem::temp_directory_path() / "doppel-thrust-spill-XXXXXX").string();
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  struct Remove {
    std::string path;
    ~Remove() { std::filesystem::remove_all(path); }
  } remove{dir};
  storage::TempFileSpace space(dir);
  MatcherOptions spilled;
  spilled.threads = 2;
  spilled.spill = &space;
  spilled.pair_memory = 1;  // nothing fits
  spilled.chunk_pairs = 700;
  const std::function<bool(uint32_t, uint32_t)> same = [&](uint32_t a, uint32_t b) {
    return t.ids.Get(a).substr(0, 3) == t.ids.Get(b).substr(0, 3);  // any labels will do
  };
  const size_t min_batch = kernels::GpuMinBatch();
  kernels::SetGpuMinBatch(0);
  CppDeviceWeights::calls = 0;
  CppDeviceWeights::fused_calls = 0;
  auto device_spilled = MatchAll(t, spilled, routed);
  const int fused = CppDeviceWeights::fused_calls;
  auto device_labelled = MatchAll(t, MatcherOptions{}, routed, nullptr, &same);
  const int with_levels = CppDeviceWeights::calls;
  kernels::SetGpuMinBatch(min_batch);
  auto host_spilled = MatchAll(t, spilled, Reference());
  auto host_labelled = MatchAll(t, MatcherOptions{}, Reference(), nullptr, &same);
  ASSERT_TRUE(device_spilled.ok() && device_labelled.ok() && host_spilled.ok() && host_labelled.ok());
  EXPECT_GT(fused, 1);
  EXPECT_GT(with_levels, 0);
  EXPECT_GT(device_spilled->spilled_bytes, 0u);
  EXPECT_LT(device_spilled->spilled_bytes, host_spilled->spilled_bytes);  // pairs alone
  EXPECT_EQ(device_labelled->model.trained_by, "labels");
  for (auto [d, h] : {std::pair{&*device_spilled, &*host_spilled}, std::pair{&*device_labelled, &*host_labelled}}) {
    EXPECT_EQ(d->model.ToJson(), h->model.ToJson());
    EXPECT_EQ(d->entity_of, h->entity_of);
    EXPECT_EQ(d->pairs, h->pairs);
    EXPECT_EQ(d->weights, h->weights);
    for (size_t c = 0; c < kComparisonCount; ++c) EXPECT_EQ(d->levels.levels[c], h->levels.levels[c]);
    EXPECT_EQ(d->device_note, "");
  }
}

}  // namespace
}  // namespace doppel::core
