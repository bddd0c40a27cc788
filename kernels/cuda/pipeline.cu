// The Thrust pipeline (thrust_pipeline.h) on the GPU: blocking's sort, its
// blocks and pair generation, Jaro-Winkler over pairs, MinHash signatures,
// comparison levels and their patterns, connected components. Each entry copies its inputs to the device once, runs
// there, and copies back only the result; the levels' records are copied
// once per table (UploadLevels) and stay there for every batch of pairs.
// Failures of the CUDA runtime surface as thrust::system_error.
#include <thrust/copy.h>
#include <thrust/device_vector.h>
#include <thrust/system/cuda/execution_policy.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "cuda/thrust_pipeline.h"
#include "kernels_internal.h"

namespace doppel::kernels::cuda {

namespace {

// A rule's entries on the device as keys and rows. The host's entries are
// kept until the device's answer is back: if the device fails on the way,
// the CPU blocks the rule from them instead (routing.h).
void Upload(const BlockEntries& entries, thrust::device_vector<uint64_t>* d_keys,
            thrust::device_vector<uint32_t>* d_rows) {
  std::vector<uint64_t> keys(entries.size());
  std::vector<uint32_t> rows(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    keys[i] = entries.items[i].key;
    rows[i] = static_cast<uint32_t>(entries.items[i].row);
  }
  *d_keys = keys;
  *d_rows = rows;
}

// A string column on the device: its first `records` strings.
struct DeviceStrings {
  thrust::device_vector<char> bytes;
  thrust::device_vector<uint64_t> offsets;
  void Upload(const StringsRef& s, size_t records) {
    offsets.assign(s.offsets, s.offsets + records + 1);
    bytes.assign(s.bytes, s.bytes + s.offsets[records]);
  }
  StringsRef Ref() const { return {thrust::raw_pointer_cast(bytes.data()), thrust::raw_pointer_cast(offsets.data())}; }
};

// A list column on the device: its first `records` lists.
template <class T>
struct DeviceList {
  thrust::device_vector<T> values;
  thrust::device_vector<uint32_t> offsets;
  void Upload(const ListRef<T>& l, size_t records) {
    offsets.assign(l.offsets, l.offsets + records + 1);
    values.assign(l.values, l.values + l.offsets[records]);
  }
  ListRef<T> Ref() const { return {thrust::raw_pointer_cast(values.data()), thrust::raw_pointer_cast(offsets.data())}; }
};

// Calls fn(from, m, d_left, d_right) for pairs [from, from + m) of the n
// pairs (left[k], right[k]), their indices copied to the device, 16 M pairs
// at a time: a call's device memory stays bounded (levels take 17 bytes a
// pair there, weights 25) whatever n is.
template <class Fn>
void ForEachChunk(const uint32_t* left, const uint32_t* right, size_t n, Fn fn) {
  constexpr size_t kChunk = size_t{1} << 24;
  thrust::device_vector<uint32_t> d_left, d_right;
  for (size_t from = 0; from < n; from += kChunk) {
    const size_t m = std::min(kChunk, n - from);
    d_left.assign(left + from, left + from + m);
    d_right.assign(right + from, right + from + m);
    fn(from, m, d_left, d_right);
  }
}

// The records' rows and columns on the device, for every batch of pairs.
class DeviceLevelTable final : public DeviceLevels {
 public:
  DeviceLevelTable(const LevelInputs& in, const CompareRow* rows, size_t records) : rows_(rows, rows + records) {
    first_.Upload(in.first, records);
    last_.Upload(in.last, records);
    middle_.Upload(in.middle, records);
    doc_.Upload(in.doc, records);
    city_.Upload(in.city, records);
    emails_.Upload(in.emails, records);
    tokens_.Upload(in.tokens, records);
    phones_.Upload(in.phones, records);
    landlines_.Upload(in.landlines, records);
    nicknames_.Upload(in.nicknames, in.nickname_entries);
    in_.first = first_.Ref(), in_.last = last_.Ref(), in_.middle = middle_.Ref(), in_.doc = doc_.Ref();
    in_.city = city_.Ref(), in_.emails = emails_.Ref();
    in_.tokens = tokens_.Ref(), in_.phones = phones_.Ref(), in_.landlines = landlines_.Ref();
    in_.nicknames = nicknames_.Ref();
    in_.nickname_entries = in.nickname_entries;
  }

  void Levels(const uint32_t* left, const uint32_t* right, size_t n, int8_t* out) const override {
    thrust::device_vector<int8_t> d_out;
    std::vector<int8_t> chunk_out;
    ForEachChunk(left, right, n, [&](size_t from, size_t m, auto& d_left, auto& d_right) {
      thrust_pipeline::PairLevels(thrust::cuda::par, in_, thrust::raw_pointer_cast(rows_.data()), d_left, d_right,
                                  d_out);
      chunk_out.resize(d_out.size());
      thrust::copy(d_out.begin(), d_out.end(), chunk_out.begin());
      for (size_t c = 0; c < kComparisonCount; ++c) {
        std::copy(chunk_out.begin() + c * m, chunk_out.begin() + (c + 1) * m, out + c * n + from);
      }
    });
  }

  void Patterns(const uint32_t* left, const uint32_t* right, size_t n, std::vector<PatternCount>* out) const override {
    // A chunk's few thousand distinct patterns come back, not its levels.
    thrust::device_vector<uint64_t> d_patterns, d_counts;
    std::vector<uint64_t> patterns, counts;
    std::vector<PatternCount> part, total;
    ForEachChunk(left, right, n, [&](size_t, size_t, auto& d_left, auto& d_right) {
      thrust_pipeline::PairPatterns(thrust::cuda::par, in_, thrust::raw_pointer_cast(rows_.data()), d_left, d_right,
                                    d_patterns, d_counts);
      patterns.resize(d_patterns.size());
      counts.resize(d_counts.size());
      thrust::copy(d_patterns.begin(), d_patterns.end(), patterns.begin());
      thrust::copy(d_counts.begin(), d_counts.end(), counts.begin());
      part.resize(patterns.size());
      for (size_t i = 0; i < part.size(); ++i) part[i] = {patterns[i], counts[i]};
      MergePatternCounts(part, &total);
    });
    out->swap(total);
  }

 private:
  thrust::device_vector<CompareRow> rows_;
  DeviceStrings first_, last_, middle_, doc_, city_, emails_;
  DeviceList<uint64_t> tokens_, phones_, landlines_;
  DeviceList<uint16_t> nicknames_;
  LevelInputs in_;
};

// A model's weight table and its per-record term-frequency arrays on the
// device, for every batch of pairs.
class DeviceWeightTable final : public DeviceWeights {
 public:
  DeviceWeightTable(const WeightTable& t, size_t records) : table_(t) {
    for (size_t c = 0; c < kComparisonCount; ++c) {
      table_.tf_share[c] = table_.tf_weight[c] = nullptr;
      if (t.tf_share[c] == nullptr) continue;
      share_[c].assign(t.tf_share[c], t.tf_share[c] + records);
      weight_[c].assign(t.tf_weight[c], t.tf_weight[c] + records);
      table_.tf_share[c] = thrust::raw_pointer_cast(share_[c].data());
      table_.tf_weight[c] = thrust::raw_pointer_cast(weight_[c].data());
    }
  }

  void Weights(const uint32_t* left, const uint32_t* right, const int8_t* levels, size_t n,
               double* out) const override {
    thrust::device_vector<int8_t> d_levels;
    thrust::device_vector<double> d_out;
    std::vector<int8_t> chunk_levels;
    ForEachChunk(left, right, n, [&](size_t from, size_t m, auto& d_left, auto& d_right) {
      chunk_levels.resize(m * kComparisonCount);
      for (size_t c = 0; c < kComparisonCount; ++c) {
        std::copy(levels + c * n + from, levels + c * n + from + m, chunk_levels.begin() + c * m);
      }
      d_levels.assign(chunk_levels.begin(), chunk_levels.end());
      thrust_pipeline::PairWeights(thrust::cuda::par, table_, d_left, d_right, d_levels, d_out);
      thrust::copy(d_out.begin(), d_out.end(), out + from);
    });
  }

 private:
  WeightTable table_;  // its arrays point into the vectors below
  thrust::device_vector<double> share_[kComparisonCount], weight_[kComparisonCount];
};

}  // namespace

std::unique_ptr<DeviceWeights> UploadWeights(const WeightTable& t, size_t records) {
  return std::make_unique<DeviceWeightTable>(t, records);
}

std::unique_ptr<DeviceLevels> UploadLevels(const LevelInputs& in, const CompareRow* rows, size_t records) {
  return std::make_unique<DeviceLevelTable>(in, rows, records);
}

// The most entries blocking may put on the device at once within
// `budget` bytes (0: no limit of its own).
size_t MaxPart(uint64_t budget) {
  if (budget == 0) return SIZE_MAX;
  return static_cast<size_t>(std::max<uint64_t>(1, budget / kBlockingBytesPerEntry));
}

// Outputs are written only once the device is done, so a failure leaves
// the caller's entries and outputs as they were.
void BlockPairs(BlockEntries* entries, uint64_t cap, std::vector<uint64_t>* pairs, BlockStats* stats,
                uint64_t budget) {
  using DU64 = thrust::device_vector<uint64_t>;
  using DU32 = thrust::device_vector<uint32_t>;
  BlockStats s;
  std::vector<uint64_t> out;
  if (entries->size() > MaxPart(budget)) {
    thrust_pipeline::BlockPairsInParts<DU64, DU32>(thrust::cuda::par, entries->items.data(), entries->size(), cap,
                                                  MaxPart(budget), &out, &s);
  } else {
    DU64 d_keys, d_pairs;
    DU32 d_rows;
    Upload(*entries, &d_keys, &d_rows);
    thrust_pipeline::BlockPairs(thrust::cuda::par, d_keys, d_rows, cap, d_pairs, &s);
    out.resize(d_pairs.size());
    thrust::copy(d_pairs.begin(), d_pairs.end(), out.begin());
  }
  entries->Release();
  pairs->swap(out);
  *stats = std::move(s);
}

void BlockGroups(BlockEntries* entries, uint64_t cap, kernels::BlockGroups* groups, BlockStats* stats,
                 uint64_t budget) {
  using DU64 = thrust::device_vector<uint64_t>;
  using DU32 = thrust::device_vector<uint32_t>;
  BlockStats s;
  kernels::BlockGroups out;
  if (entries->size() > MaxPart(budget)) {
    thrust_pipeline::BlockGroupsInParts<DU64, DU32>(thrust::cuda::par, entries->items.data(), entries->size(), cap,
                                                   MaxPart(budget), &out.rows, &out.offsets, &s);
  } else {
    DU64 d_keys, d_offsets;
    DU32 d_rows, d_grouped;
    Upload(*entries, &d_keys, &d_rows);
    thrust_pipeline::BlockGroups(thrust::cuda::par, d_keys, d_rows, cap, d_grouped, d_offsets, &s);
    out.rows.resize(d_grouped.size());
    thrust::copy(d_grouped.begin(), d_grouped.end(), out.rows.data());
    out.offsets.resize(d_offsets.size());
    thrust::copy(d_offsets.begin(), d_offsets.end(), out.offsets.data());
  }
  entries->Release();
  *groups = std::move(out);
  *stats = std::move(s);
}

void JaroPairs(const char* bytes, const uint64_t* offsets, const uint32_t* left, const uint32_t* right, size_t n,
               JaroCounts* out) {
  if (n == 0) return;
  // The column's extent: every string a pair names.
  uint32_t strings = 0;
  for (size_t k = 0; k < n; ++k) strings = std::max({strings, left[k] + 1, right[k] + 1});
  const auto* b = reinterpret_cast<const unsigned char*>(bytes);
  thrust::device_vector<unsigned char> d_bytes(b, b + offsets[strings]);
  thrust::device_vector<uint64_t> d_offsets(offsets, offsets + strings + 1);
  thrust::device_vector<uint32_t> d_left(left, left + n), d_right(right, right + n);
  thrust::device_vector<JaroCounts> d_out;
  thrust_pipeline::JaroPairs(thrust::cuda::par, d_bytes, d_offsets, d_left, d_right, d_out);
  thrust::copy(d_out.begin(), d_out.end(), out);
}

void MinHash(const uint64_t* tokens, const uint32_t* offsets, size_t n, uint32_t k, uint32_t* out) {
  if (n == 0) return;
  thrust::device_vector<uint64_t> d_tokens(tokens, tokens + offsets[n]);
  thrust::device_vector<uint32_t> d_offsets(offsets, offsets + n + 1), d_out;
  thrust_pipeline::MinHash(thrust::cuda::par, d_tokens, d_offsets, k, d_out);
  thrust::copy(d_out.begin(), d_out.end(), out);
}

void Components(const uint32_t* a, const uint32_t* b, size_t m, uint32_t n, uint32_t* label) {
  thrust::device_vector<uint32_t> d_a(a, a + m), d_b(b, b + m), d_label;
  thrust_pipeline::Components(thrust::cuda::par, d_a, d_b, n, d_label);
  thrust::copy(d_label.begin(), d_label.end(), label);
}

}  // namespace doppel::kernels::cuda
