#include <hwy/targets.h>

#include <atomic>
#include <cassert>
#include <cstdlib>

#include "doppel/kernels/backend.h"
#include "kernels_internal.h"

namespace doppel::kernels {

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

const KernelTable& GetKernels(Backend b) {
  static const KernelTable kReferenceTable{Backend::kReference, "reference",     &reference::HashStrings,
                                           &reference::JaroPairs,  &reference::MinHash, &reference::FoldBasic,
                                           &reference::BlockPairs};
  static const std::string simd_name = "simd/" + CpuTargetName();
  // Blocking's sort is the reference's on the CPU (std::sort, memory-bound).
  static const KernelTable kSimdTable{Backend::kSimd,  simd_name.c_str(), &simd::HashStrings,
                                      &simd::JaroPairs, &simd::MinHash,    &simd::FoldBasic,
                                      &reference::BlockPairs};
  // Folding a row's few strings is not worth a transfer: the SIMD kernel
  // serves it on the GPU backend too.
  static const KernelTable kCudaTable{Backend::kCuda,   "cuda",        &cuda::HashStrings, &cuda::JaroPairs,
                                      &cuda::MinHash,   &simd::FoldBasic, &cuda::BlockPairs};
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
    const GpuInfo& gpu = QueryGpu();
    choice.note = gpu.compiled ? "cuda requested but no usable device (" + gpu.error + "); using reference"
                               : "cuda requested but this binary was built without CUDA; using reference";
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
