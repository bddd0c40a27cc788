// The kernel backends and the table of function pointers that selects one.
//
// Kernels take spans of bytes and integers and return integers; they know no
// records, files or sockets. Every backend is held to the scalar reference
// (kernels/reference) bit for bit. Callers never #ifdef on a backend: they ask
// GetKernels() for a table. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace doppel::kernels {

enum class Backend : uint8_t { kReference = 0, kSimd, kCuda };
std::string_view BackendName(Backend b);  // "reference", "simd", "cuda"
std::optional<Backend> ParseBackend(std::string_view name);

// Hashes n strings given Arrow-style: string i is bytes[offsets[i], offsets[i+1]).
using HashStringsFn = void (*)(const char* bytes, const uint64_t* offsets, size_t n, uint64_t seed,
                               uint64_t* out);

struct JaroCounts;
// Jaro-Winkler counts (jaro.h) for n pairs of strings of one column:
// pair k compares string left[k] with string right[k].
using JaroPairsFn = void (*)(const char* bytes, const uint64_t* offsets, const uint32_t* left,
                             const uint32_t* right, size_t n, JaroCounts* out);

// MinHash signatures (minhash.h): out[i * k + j] for record i, function j.
using MinHashFn = void (*)(const uint64_t* tokens, const uint32_t* offsets, size_t n, uint32_t k, uint32_t* out);

// The basic case fold (fold.h) of n strings: out has the layout of bytes
// (string i at out[offsets[i], offsets[i+1])); folded[i] is 1 when string i
// was folded there, 0 when it needs full Unicode folding.
using FoldBasicFn = void (*)(const char* bytes, const uint64_t* offsets, size_t n, char* out, uint8_t* folded);

// The pairs of one blocking rule's (key, row) entries (blocking.h).
// The entries are consumed (left empty).
struct BlockStats;
struct BlockEntries;
using BlockPairsFn = void (*)(BlockEntries* entries, uint64_t cap, std::vector<uint64_t>* pairs, BlockStats* stats);
// The same rule's blocks, without their pairs (blocking.h: BlockGroups).
struct BlockGroups;
using BlockGroupsFn = void (*)(BlockEntries* entries, uint64_t cap, BlockGroups* groups, BlockStats* stats);

// Sorts n (key, row) entries (blocking.h BlockEntry) ascending, by key then
// row: blocking's sort, for other bulk sorts of hashed strings (the
// comparison index's interning).
struct BlockEntry;
using SortEntriesFn = void (*)(BlockEntry* entries, size_t n);

// Comparison levels (levels.h) on a backend that keeps its own copy of the
// records (the GPU): made once per table by upload_levels, then asked for
// batch after batch of pairs. Levels are identical to the host's.
struct LevelInputs;
struct CompareRow;
struct PatternCount;
class DeviceLevels {
 public:
  virtual ~DeviceLevels() = default;
  // out[c * n + k]: the level of comparison c for pair (left[k], right[k]).
  virtual void Levels(const uint32_t* left, const uint32_t* right, size_t n, int8_t* out) const = 0;
  // The distinct level patterns (levels.h PackLevels) of the n pairs, in
  // ascending order, with how many pairs have each: what training counts,
  // without the levels leaving the device.
  virtual void Patterns(const uint32_t* left, const uint32_t* right, size_t n, std::vector<PatternCount>* out) const = 0;
};
// Copies `records` rows and the columns `in` points into (their first
// `records` records, the whole nickname dictionary).
using UploadLevelsFn = std::unique_ptr<DeviceLevels> (*)(const LevelInputs& in, const CompareRow* rows,
                                                         size_t records);
// Match weights (levels.h PairWeight) likewise: the model's table and the
// records' term-frequency arrays copied once, then batch after batch.
struct WeightTable;
class DeviceWeights {
 public:
  virtual ~DeviceWeights() = default;
  // out[k]: the weight of pair (left[k], right[k]) whose level for
  // comparison c is levels[c * n + k].
  virtual void Weights(const uint32_t* left, const uint32_t* right, const int8_t* levels, size_t n,
                       double* out) const = 0;
  // out[k]: the weight of pair (left[k], right[k]) with the levels that
  // `records` (the same backend's copy of the records) computes for it on
  // the way: the levels never leave the device.
  virtual void WeightsOfPairs(const DeviceLevels& records, const uint32_t* left, const uint32_t* right, size_t n,
                              double* out) const = 0;
};
// Copies the table and its per-record arrays (`records` each; tf_weight
// must be set wherever tf_share is).
using UploadWeightsFn = std::unique_ptr<DeviceWeights> (*)(const WeightTable& t, size_t records);

// Connected components (components.h): label[v] for the n vertices, the
// smallest vertex of v's component under the m edges (a[i], b[i]).
using ComponentsFn = void (*)(const uint32_t* a, const uint32_t* b, size_t m, uint32_t n, uint32_t* label);

struct KernelTable {
  Backend backend;
  const char* name;  // the backend and, for simd, the CPU target: "simd/AVX3"
  HashStringsFn hash_strings;
  JaroPairsFn jaro_pairs;
  MinHashFn minhash;
  FoldBasicFn fold_basic;
  BlockPairsFn block_pairs;
  BlockGroupsFn block_groups;
  SortEntriesFn sort_entries;
  // Null where the levels are computed on the host (reference, simd).
  UploadLevelsFn upload_levels = nullptr;
  UploadWeightsFn upload_weights = nullptr;
  ComponentsFn components = nullptr;
};

// True when the backend is built into this binary and can run here (for
// cuda: a device is present).
bool BackendAvailable(Backend b);
// The table of an available backend (asserts availability).
const KernelTable& GetKernels(Backend b);

// The cuda backend routes each call by its size: batches of at least
// GpuMinBatch() items (pairs, entries, strings, records x functions) go to
// the GPU, smaller ones to the SIMD kernels, since the copies would cost
// more than the work. Default 65,536; DOPPEL_GPU_MIN_BATCH sets it (0: every
// call on the GPU, as the GPU tests want).
size_t GpuMinBatch();
void SetGpuMinBatch(size_t n);

// What the cuda backend meant for the GPU and ran on the SIMD kernels
// instead, to the same results: a batch larger than the device memory it
// may use (GpuMemoryBudget), or a device error (out of memory, a lost
// device). Process-wide, thread-safe; commands report it on stderr.
struct GpuFallbacks {
  uint64_t batches = 0;
  std::string first_reason;  // of the first fallback
};
GpuFallbacks GetGpuFallbacks();
// Blocking batches (one rule's entries) larger than GpuMemoryBudget that
// the device blocked a key range at a time instead (same results).
// Process-wide.
uint64_t GpuBlockingSplits();

// Device memory one call of the cuda backend may take: DOPPEL_GPU_MEMORY
// (bytes, or with K, M, G: for a GPU shared with other work) when set and
// smaller than what the device has free, else nine tenths of what it has
// free. Asked before each bulk batch.
uint64_t GpuMemoryBudget();

struct BackendChoice {
  Backend backend = Backend::kReference;
  std::string note;  // why the request was not honoured, or ""
};
// Resolves a request ("auto", "reference", "simd", "cuda"; empty means the
// DOPPEL_BACKEND environment variable, else auto) to an available backend.
// Auto picks the SIMD backend, also where a GPU is present: the cuda backend
// (which routes bulk batches to the GPU) is taken only when asked for by name
// until its results and speed have been checked on a GPU (bench/gpu_check.sh).
// An unavailable cuda request falls back to the SIMD kernels, anything else
// unavailable to the reference, with a note saying why.
BackendChoice ChooseBackend(std::string_view request = {});

// The table of the process's chosen backend, for code that has no table
// passed to it (core's text normalizers): ChooseBackend() on first use, or
// what SetActiveBackend set (the CLI's --backend). Thread-safe.
const KernelTable& ActiveKernels();
void SetActiveBackend(Backend b);

struct GpuInfo {
  bool compiled = false;  // built with CUDA
  int device_count = 0;
  std::string name;       // of device 0
  int compute_major = 0, compute_minor = 0;
  uint64_t memory_bytes = 0;
  std::string error;      // why no device is usable ("no CUDA driver", ...)
};
// Asks the CUDA runtime once (cached) whether a device is present.
const GpuInfo& QueryGpu();

// Highway's best target on this CPU ("AVX3", "AVX2", "SSE4", ...) and every
// target compiled into the binary, for bench labels and `doppel info`.
std::string CpuTargetName();
std::string CompiledCpuTargets();

}  // namespace doppel::kernels
