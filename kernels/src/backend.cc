#include <hwy/targets.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cassert>
#include <cstdlib>

#include "doppel/kernels/backend.h"
#include "kernels_internal.h"
#include "routing.h"

namespace doppel::kernels {

namespace {

// DOPPEL_SIMD_TARGET=AVX2 (or SSE4, SSSE3, ...): dispatch to no better a
// target than that one, so a lesser CPU's kernels can be timed on this one.
// Applied when the program starts, before any kernel is dispatched.
const bool kTargetLimited = [] {
  const char* env = std::getenv("DOPPEL_SIMD_TARGET");
  if (env == nullptr || *env == '\0') return false;
  const std::string want(env);
  for (int64_t t : hwy::SupportedAndGeneratedTargets()) {
    const std::string name = hwy::TargetName(t);
    if (name.size() == want.size() &&
        std::equal(name.begin(), name.end(), want.begin(), [](char a, char b) { return std::toupper(a) == std::toupper(b); })) {
      hwy::DisableTargets(t - 1);  // better targets have the lower bits
      return true;
    }
  }
  std::fprintf(stderr, "doppel: DOPPEL_SIMD_TARGET=%s is not a target this CPU and binary have (%s); ignored\n", env,
               CompiledCpuTargets().c_str());
  return false;
}();

}  // namespace

std::string_view BackendName(Backend b) {
  switch (b) {
    case Backend::kReference: return "reference";
    case Backend::kSimd: return "simd";
    case Backend::kCuda: return "cuda";
  }
  return "?";
}

std::optional<Backend> ParseBackend(std::string_view name) {
  if (name == "reference" || name == "scalar") return Backend::kReference;
  if (name == "simd" || name == "cpu") return Backend::kSimd;
  if (name == "cuda" || name == "gpu") return Backend::kCuda;
  return std::nullopt;
}

const GpuInfo& QueryGpu() {
  static const GpuInfo info = [] {
    GpuInfo g;
    cuda::QueryDevice(&g);
    return g;
  }();
  return info;
}

bool BackendAvailable(Backend b) {
  switch (b) {
    case Backend::kReference: return true;
    case Backend::kSimd: return true;  // Highway, with a scalar target at worst
    case Backend::kCuda: return QueryGpu().device_count > 0;
  }
  return false;
}

namespace {

// The smallest batch worth a trip to the GPU (items: pairs, records,
// entries, strings). Below it the copies cost more than the work saves.
std::atomic<size_t> g_gpu_min_batch{[] {
  if (const char* env = std::getenv("DOPPEL_GPU_MIN_BATCH"); env != nullptr && *env != '\0') {
    return static_cast<size_t>(std::strtoull(env, nullptr, 10));
  }
  return size_t{1} << 16;
}()};

bool ToGpu(size_t n) { return n >= g_gpu_min_batch.load(std::memory_order_relaxed); }

}  // namespace

size_t GpuMinBatch() { return g_gpu_min_batch.load(std::memory_order_relaxed); }
void SetGpuMinBatch(size_t n) { g_gpu_min_batch.store(n, std::memory_order_relaxed); }

namespace {
// Never destroyed: commands read it from an atexit handler, which may run
// after static objects made later than its registration are gone.
routing::FallbackLog& Fallbacks() {
  static auto* log = new routing::FallbackLog;
  return *log;
}
}  // namespace

GpuFallbacks GetGpuFallbacks() { return Fallbacks().Get(); }

namespace {
std::atomic<uint64_t> g_blocking_splits{0};
}  // namespace

uint64_t GpuBlockingSplits() { return g_blocking_splits.load(std::memory_order_relaxed); }

uint64_t GpuMemoryBudget() {
  const uint64_t cap = routing::ParseMemory(std::getenv("DOPPEL_GPU_MEMORY"));
  const uint64_t usable = cuda::FreeMemory() / 10 * 9;
  return cap > 0 ? std::min(cap, usable) : usable;
}

// The cuda backend's entries: bulk batches to the GPU, small ones to the
// SIMD kernels, and any the device cannot take or fails on to the SIMD
// kernels too (routing.h); identical results every way. The device memory
// a call needs is estimated where its size is known before it starts;
// other overruns surface as the device's own out-of-memory error.
// Blocking never needs more than the budget: a rule's entries beyond it
// are blocked a key range at a time on the device (kBlockingBytesPerEntry
// each; blocking.h), to the same blocks.
namespace routed {
void HashStrings(const char* bytes, const uint64_t* offsets, size_t n, uint64_t seed, uint64_t* out) {
  routing::Route(
      ToGpu(n), offsets[n] + (2 * n + 1) * sizeof(uint64_t), GpuMemoryBudget, Fallbacks(),
      [&] { cuda::HashStrings(bytes, offsets, n, seed, out); }, [&] { simd::HashStrings(bytes, offsets, n, seed, out); });
}
void JaroPairs(const char* bytes, const uint64_t* offsets, const uint32_t* left, const uint32_t* right, size_t n,
               JaroCounts* out) {
  routing::Route(
      ToGpu(n), 0, GpuMemoryBudget, Fallbacks(), [&] { cuda::JaroPairs(bytes, offsets, left, right, n, out); },
      [&] { simd::JaroPairs(bytes, offsets, left, right, n, out); });
}
void MinHash(const uint64_t* tokens, const uint32_t* offsets, size_t n, uint32_t k, uint32_t* out) {
  const uint64_t need = uint64_t{offsets[n]} * sizeof(uint64_t) + (n + 1) * sizeof(uint32_t) + uint64_t{n} * k * 4;
  routing::Route(
      ToGpu(size_t{n} * k), need, GpuMemoryBudget, Fallbacks(), [&] { cuda::MinHash(tokens, offsets, n, k, out); },
      [&] { simd::MinHash(tokens, offsets, n, k, out); });
}
// A rule's entries go to the device in key ranges of the budget's size,
// down to kMinBlockingBudget; a smaller budget sends the rule to the CPU.
uint64_t BlockingNeed(size_t entries) {
  return std::min(uint64_t{entries} * cuda::kBlockingBytesPerEntry, cuda::kMinBlockingBudget);
}
// Runs a rule's blocking on the device within the budget, counting it as
// split when its entries took more (once the device is done: a rule that
// then falls back to the CPU is counted as that alone).
template <class Block>
void BlockOnDevice(size_t entries, Block block) {
  const uint64_t budget = GpuMemoryBudget();
  block(budget);
  if (budget > 0 && uint64_t{entries} * cuda::kBlockingBytesPerEntry > budget) {
    g_blocking_splits.fetch_add(1, std::memory_order_relaxed);
  }
}
void BlockPairs(BlockEntries* entries, uint64_t cap, std::vector<uint64_t>* pairs, BlockStats* stats) {
  routing::Route(
      ToGpu(entries->size()), BlockingNeed(entries->size()), GpuMemoryBudget, Fallbacks(),
      [&] {
        BlockOnDevice(entries->size(), [&](uint64_t budget) { cuda::BlockPairs(entries, cap, pairs, stats, budget); });
      },
      [&] { simd::BlockPairs(entries, cap, pairs, stats); });
}
void BlockGroups(BlockEntries* entries, uint64_t cap, kernels::BlockGroups* groups, BlockStats* stats) {
  routing::Route(
      ToGpu(entries->size()), BlockingNeed(entries->size()), GpuMemoryBudget, Fallbacks(),
      [&] {
        BlockOnDevice(entries->size(), [&](uint64_t budget) { cuda::BlockGroups(entries, cap, groups, stats, budget); });
      },
      [&] { simd::BlockGroups(entries, cap, groups, stats); });
}
void Components(const uint32_t* a, const uint32_t* b, size_t m, uint32_t n, uint32_t* label) {
  // The edges, the labels and the round's flag.
  const uint64_t need = (uint64_t{m} * 2 + n + 1) * sizeof(uint32_t);
  routing::Route(
      ToGpu(m), need, GpuMemoryBudget, Fallbacks(), [&] { cuda::Components(a, b, m, n, label); },
      [&] { reference::Components(a, b, m, n, label); });
}
}  // namespace routed

const KernelTable& GetKernels(Backend b) {
  static const KernelTable kReferenceTable{Backend::kReference,    "reference",          &reference::HashStrings,
                                           &reference::JaroPairs,   &reference::MinHash,   &reference::FoldBasic,
                                           &reference::BlockPairs,  &reference::BlockGroups, &reference::SortEntries,
                                           nullptr,                 nullptr,               &reference::Components};
  static const std::string simd_name = "simd/" + CpuTargetName();
  // Blocking's sorts by VQSort where the CPU has AVX2 or better.
  static const KernelTable kSimdTable{Backend::kSimd,    simd_name.c_str(), &simd::HashStrings,
                                      &simd::JaroPairs,   &simd::MinHash,    &simd::FoldBasic,
                                      &simd::BlockPairs,  &simd::BlockGroups, &simd::SortEntries,
                                      nullptr,            nullptr,           &reference::Components};
  // Bulk batches on the GPU, small ones (and folding, a row's few strings)
  // on the SIMD kernels: see GpuMinBatch.
  static const std::string cuda_name = "cuda+simd/" + CpuTargetName();
  static const KernelTable kCudaTable{Backend::kCuda,     cuda_name.c_str(), &routed::HashStrings, &routed::JaroPairs,
                                      &routed::MinHash,   &simd::FoldBasic,  &routed::BlockPairs,
                                      &routed::BlockGroups, &simd::SortEntries, &cuda::UploadLevels,
                                      &cuda::UploadWeights, &routed::Components};
  assert(BackendAvailable(b));
  switch (b) {
    case Backend::kSimd: return kSimdTable;
    case Backend::kCuda: return kCudaTable;
    case Backend::kReference: break;
  }
  return kReferenceTable;
}

BackendChoice ChooseBackend(std::string_view request) {
  std::string from_env;
  if (request.empty()) {
    if (const char* env = std::getenv("DOPPEL_BACKEND"); env != nullptr && *env != '\0') from_env = env;
    request = from_env.empty() ? std::string_view("auto") : std::string_view(from_env);
  }
  BackendChoice choice;
  if (request == "auto") {
    choice.backend = BackendAvailable(Backend::kSimd) ? Backend::kSimd : Backend::kReference;
    return choice;
  }
  auto parsed = ParseBackend(request);
  if (!parsed) {
    choice.note = "unknown backend '" + std::string(request) + "' (use auto, reference, simd or cuda); using reference";
    return choice;
  }
  if (BackendAvailable(*parsed)) {
    choice.backend = *parsed;
    return choice;
  }
  if (*parsed == Backend::kCuda) {
    // The CPU serves, on its fastest kernels (same results).
    const GpuInfo& gpu = QueryGpu();
    choice.backend = BackendAvailable(Backend::kSimd) ? Backend::kSimd : Backend::kReference;
    const std::string cpu(BackendName(choice.backend));
    choice.note = gpu.compiled ? "cuda requested but no usable device (" + gpu.error + "); using " + cpu
                               : "cuda requested but this binary was built without CUDA; using " + cpu;
  } else {
    choice.note = std::string(BackendName(*parsed)) + " backend is not built yet; using reference";
  }
  return choice;
}

namespace {
std::atomic<const KernelTable*> g_active{nullptr};
}  // namespace

const KernelTable& ActiveKernels() {
  const KernelTable* t = g_active.load(std::memory_order_acquire);
  if (t == nullptr) {
    t = &GetKernels(ChooseBackend().backend);
    g_active.store(t, std::memory_order_release);
  }
  return *t;
}

void SetActiveBackend(Backend b) { g_active.store(&GetKernels(b), std::memory_order_release); }

std::string CpuTargetName() {
  // What dispatch picks: the best target this CPU supports among those
  // compiled in (a CPU may support a better one, e.g. AVX3_DL, not built).
  int64_t targets = hwy::SupportedTargets() & HWY_TARGETS;
  // The best target is the lowest set bit (Highway orders targets best-first).
  int64_t best = targets & -targets;
  return hwy::TargetName(best);
}

std::string CompiledCpuTargets() {
  std::string out;
  for (int64_t t : hwy::SupportedAndGeneratedTargets()) {
    if (!out.empty()) out += ",";
    out += hwy::TargetName(t);
  }
  return out;
}

}  // namespace doppel::kernels
