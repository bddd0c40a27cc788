// The Thrust pipeline (thrust_pipeline.h) on the GPU: blocking's sort, its
// blocks and pair generation, Jaro-Winkler over pairs, MinHash signatures,
// comparison levels and their patterns, match weights, connected
// components. Each entry copies its inputs to the device once, runs there,
// and copies back only the result; the levels' records and the weights'
// model are copied once (UploadLevels, UploadWeights) and stay there for
// every batch of pairs, whose chunks stream through pinned buffers on two
// CUDA streams (StagedPipeline). Failures of the CUDA runtime surface as
// exceptions (thrust::system_error, std::runtime_error).
#include <thrust/copy.h>
#include <thrust/device_vector.h>
#include <thrust/system/cuda/execution_policy.h>

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
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
// pairs (left[k], right[k]), their indices copied to the device, 4 M pairs
// at a time: a call's device memory stays bounded (the patterns take about
// 40 bytes a pair there: indices, patterns, the sort's buffer, the counts;
// 160 MiB a chunk) whatever n is.
template <class Fn>
void ForEachChunk(const uint32_t* left, const uint32_t* right, size_t n, Fn fn) {
  constexpr size_t kChunk = size_t{1} << 22;
  thrust::device_vector<uint32_t> d_left, d_right;
  for (size_t from = 0; from < n; from += kChunk) {
    const size_t m = std::min(kChunk, n - from);
    d_left.assign(left + from, left + from + m);
    d_right.assign(right + from, right + from + m);
    fn(from, m, d_left, d_right);
  }
}

void Check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string("CUDA ") + what + ": " + cudaGetErrorString(e));
}

// Batches of pairs through the device a chunk at a time, on two streams:
// while one chunk runs, the host stages the next one's inputs in pinned
// memory and queues its copy up, kernel and copy down on the other stream,
// then takes the results of the chunk before it. A chunk's inputs are
// in_bytes a pair, laid out by fill; its results out_bytes a pair. The
// pinned and device buffers are made on first use and kept for every later
// batch (a batch at a time: calls are serialized).
class StagedPipeline {
 public:
  static constexpr size_t kChunkPairs = size_t{1} << 21;

  StagedPipeline(size_t in_bytes, size_t out_bytes) : in_bytes_(in_bytes), out_bytes_(out_bytes) {}
  ~StagedPipeline() {
    for (Slot& s : slots_) {
      if (s.stream != nullptr) cudaStreamSynchronize(s.stream), cudaStreamDestroy(s.stream);
      if (s.pinned_in != nullptr) cudaFreeHost(s.pinned_in);
      if (s.pinned_out != nullptr) cudaFreeHost(s.pinned_out);
      if (s.d_in != nullptr) cudaFree(s.d_in);
      if (s.d_out != nullptr) cudaFree(s.d_out);
    }
  }
  StagedPipeline(const StagedPipeline&) = delete;
  StagedPipeline& operator=(const StagedPipeline&) = delete;

  // fill(from, m, pinned_in) writes pairs [from, from + m)'s inputs;
  // launch(m, d_in, d_out, stream) queues the kernel on the stream;
  // drain(from, m, pinned_out) takes the results. Throws on a CUDA error,
  // with nothing left in flight.
  template <class Fill, class Launch, class Drain>
  void Run(size_t n, Fill fill, Launch launch, Drain drain) {
    std::lock_guard<std::mutex> lock(mu_);
    Allocate();
    struct Settle {  // however Run ends, no copy is left in flight
      Slot* slots;
      ~Settle() {
        for (int i = 0; i < 2; ++i) {
          if (slots[i].busy) cudaStreamSynchronize(slots[i].stream), slots[i].busy = false;
        }
      }
    } settle{slots_};
    size_t i = 0;
    for (size_t from = 0; from < n; ++i) {
      Slot& s = slots_[i % 2];
      if (s.busy) Finish(s, drain);
      const size_t m = std::min(kChunkPairs, n - from);
      fill(from, m, s.pinned_in);
      s.from = from, s.m = m, s.busy = true;  // from here on, something may be in flight
      Check(cudaMemcpyAsync(s.d_in, s.pinned_in, m * in_bytes_, cudaMemcpyHostToDevice, s.stream), "cudaMemcpyAsync");
      launch(m, s.d_in, s.d_out, s.stream);
      Check(cudaGetLastError(), "kernel launch");
      Check(cudaMemcpyAsync(s.pinned_out, s.d_out, m * out_bytes_, cudaMemcpyDeviceToHost, s.stream),
            "cudaMemcpyAsync");
      from += m;
    }
    for (size_t k = 0; k < 2; ++k) {  // the older chunk first
      Slot& s = slots_[(i + k) % 2];
      if (s.busy) Finish(s, drain);
    }
  }

 private:
  struct Slot {
    cudaStream_t stream = nullptr;
    unsigned char* pinned_in = nullptr;
    unsigned char* pinned_out = nullptr;
    void* d_in = nullptr;
    void* d_out = nullptr;
    size_t from = 0, m = 0;
    bool busy = false;
  };
  void Allocate() {
    for (Slot& s : slots_) {
      if (s.stream == nullptr) Check(cudaStreamCreateWithFlags(&s.stream, cudaStreamNonBlocking), "cudaStreamCreate");
      if (s.pinned_in == nullptr) {
        Check(cudaHostAlloc(reinterpret_cast<void**>(&s.pinned_in), kChunkPairs * in_bytes_, cudaHostAllocDefault),
              "cudaHostAlloc");
      }
      if (s.pinned_out == nullptr) {
        Check(cudaHostAlloc(reinterpret_cast<void**>(&s.pinned_out), kChunkPairs * out_bytes_, cudaHostAllocDefault),
              "cudaHostAlloc");
      }
      if (s.d_in == nullptr) Check(cudaMalloc(&s.d_in, kChunkPairs * in_bytes_), "cudaMalloc");
      if (s.d_out == nullptr) Check(cudaMalloc(&s.d_out, kChunkPairs * out_bytes_), "cudaMalloc");
    }
  }
  template <class Drain>
  void Finish(Slot& s, Drain& drain) {
    Check(cudaStreamSynchronize(s.stream), "cudaStreamSynchronize");
    s.busy = false;
    drain(s.from, s.m, s.pinned_out);
  }

  const size_t in_bytes_, out_bytes_;
  Slot slots_[2];
  std::mutex mu_;
};

// A chunk's inputs as the staged layout has them: left, then right, then
// the rest (4 m, 4 m, ...).
struct StagedPairs {
  uint32_t* left;
  uint32_t* right;
  unsigned char* rest;
  StagedPairs(void* base, size_t m)
      : left(static_cast<uint32_t*>(base)), right(left + m), rest(reinterpret_cast<unsigned char*>(right + m)) {}
  // Stages pairs [from, from + m) of (left[k], right[k]).
  static StagedPairs Fill(unsigned char* pinned, size_t m, const uint32_t* left, const uint32_t* right, size_t from) {
    StagedPairs p(pinned, m);
    std::memcpy(p.left, left + from, m * sizeof(uint32_t));
    std::memcpy(p.right, right + from, m * sizeof(uint32_t));
    return p;
  }
};

// fn(k) for k in [0, m), queued on the stream without waiting for it.
template <class Fn>
void ForEachOn(cudaStream_t stream, size_t m, Fn fn) {
  thrust::for_each(thrust::cuda::par_nosync.on(stream), thrust::make_counting_iterator<uint64_t>(0),
                   thrust::make_counting_iterator<uint64_t>(m), fn);
}

// A staged chunk's weights, drained into out.
auto WeightsInto(double* out) {
  return [out](size_t from, size_t m, const unsigned char* pinned) {
    std::memcpy(out + from, pinned, m * sizeof(double));
  };
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
    const CompareRow* rows = thrust::raw_pointer_cast(rows_.data());
    staged_.Run(
        n,
        [&](size_t from, size_t m, unsigned char* pinned) { StagedPairs::Fill(pinned, m, left, right, from); },
        [&](size_t m, void* d_in, void* d_out, cudaStream_t stream) {
          StagedPairs p(d_in, m);
          ForEachOn(stream, m,
                    thrust_pipeline::PairLevelsEntry{in_, rows, p.left, p.right, static_cast<int8_t*>(d_out), m});
        },
        [&](size_t from, size_t m, const unsigned char* pinned) {  // column by column: out[c * n + k]
          for (size_t c = 0; c < kComparisonCount; ++c) std::memcpy(out + c * n + from, pinned + c * m, m);
        });
  }

  // The columns and rows the device's functors read (device memory).
  const LevelInputs& inputs() const { return in_; }
  const CompareRow* rows() const { return thrust::raw_pointer_cast(rows_.data()); }

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
  mutable StagedPipeline staged_{2 * sizeof(uint32_t), kComparisonCount};  // pairs in, levels out
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
    staged_.Run(
        n,
        [&](size_t from, size_t m, unsigned char* pinned) {  // pairs, then levels column by column
          const StagedPairs p = StagedPairs::Fill(pinned, m, left, right, from);
          for (size_t c = 0; c < kComparisonCount; ++c) std::memcpy(p.rest + c * m, levels + c * n + from, m);
        },
        [&](size_t m, void* d_in, void* d_out, cudaStream_t stream) {
          StagedPairs p(d_in, m);
          ForEachOn(stream, m,
                    thrust_pipeline::PairWeightEntry{table_, p.left, p.right, reinterpret_cast<const int8_t*>(p.rest),
                                                     static_cast<double*>(d_out), m});
        },
        WeightsInto(out));
  }

  void WeightsOfPairs(const DeviceLevels& records, const uint32_t* left, const uint32_t* right, size_t n,
                      double* out) const override {
    const auto* table = dynamic_cast<const DeviceLevelTable*>(&records);
    if (table == nullptr) throw std::invalid_argument("WeightsOfPairs: the records are not on this device");
    const LevelInputs in = table->inputs();
    const CompareRow* rows = table->rows();
    pairs_only_.Run(
        n,
        [&](size_t from, size_t m, unsigned char* pinned) { StagedPairs::Fill(pinned, m, left, right, from); },
        [&](size_t m, void* d_in, void* d_out, cudaStream_t stream) {
          StagedPairs p(d_in, m);
          ForEachOn(stream, m,
                    thrust_pipeline::PairLevelWeightEntry{in, rows, table_, p.left, p.right, static_cast<double*>(d_out)});
        },
        WeightsInto(out));
  }

 private:
  // Pairs alone in, weights out.
  mutable StagedPipeline pairs_only_{2 * sizeof(uint32_t), sizeof(double)};
  // Pairs and their levels in, weights out.
  mutable StagedPipeline staged_{2 * sizeof(uint32_t) + kComparisonCount, sizeof(double)};
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
