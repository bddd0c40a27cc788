// doppel info: version, build, kernel backends, CPU target and GPU.
#include <dlfcn.h>

#include <cstdio>

#include "cli/common.h"

namespace doppel::cli {

namespace {

// The malloc serving this process: jemalloc answers mallctl (whether linked,
// DOPPEL_ALLOCATOR, or preloaded), anything else is the C library's.
std::string AllocatorInUse() {
  using Mallctl = int (*)(const char*, void*, size_t*, void*, size_t);
  if (auto mallctl = reinterpret_cast<Mallctl>(dlsym(RTLD_DEFAULT, "mallctl"))) {
    const char* version = nullptr;
    size_t size = sizeof(version);
    if (mallctl("version", &version, &size, nullptr, 0) == 0 && version != nullptr) {
      const std::string v = version;  // "5.3.0-0-g<commit>"
      return "jemalloc " + v.substr(0, v.find('-'));
    }
    return "jemalloc";
  }
  return "system";
}

}  // namespace

Command RegisterInfo(CLI::App& app) {
  auto json = std::make_shared<bool>(false);
  CLI::App* sub = app.add_subcommand("info", "Show the version, build and the kernel backends available here");
  sub->add_flag("--json", *json, "Print JSON");
  return [json] {
    const kernels::GpuInfo& gpu = kernels::QueryGpu();
    kernels::BackendChoice choice = kernels::ChooseBackend();
    std::string gpu_text = !gpu.compiled ? "not built (CUDA off)"
                           : gpu.device_count == 0
                               ? "built, no device (" + gpu.error + ")"
                               : gpu.name + " (sm_" + std::to_string(gpu.compute_major) +
                                     std::to_string(gpu.compute_minor) + ", " +
                                     std::to_string(gpu.memory_bytes >> 30) + " GiB)";
    const std::string allocator = AllocatorInUse();
    if (*json) {
      std::printf("{\"version\": \"%s\", \"build\": \"%s\", \"cpu_target\": \"%s\", \"cpu_targets_compiled\": \"%s\", "
                  "\"cuda_built\": %s, \"gpu_devices\": %d, \"gpu\": \"%s\", \"backend\": \"%s\", "
                  "\"allocator\": \"%s\", \"allocator_built\": \"%s\"}\n",
                  DOPPEL_VERSION, DOPPEL_BUILD_TYPE, kernels::CpuTargetName().c_str(),
                  kernels::CompiledCpuTargets().c_str(), gpu.compiled ? "true" : "false", gpu.device_count,
                  gpu.name.c_str(), std::string(kernels::BackendName(choice.backend)).c_str(), allocator.c_str(),
                  DOPPEL_ALLOCATOR_NAME);
      return kExitOk;
    }
    std::printf("doppel %s (%s build)\n", DOPPEL_VERSION, DOPPEL_BUILD_TYPE);
    std::printf("cpu       best SIMD target %s (compiled: %s)\n", kernels::CpuTargetName().c_str(),
                kernels::CompiledCpuTargets().c_str());
    std::printf("gpu       %s\n", gpu_text.c_str());
    std::printf("backends  reference: yes; simd: %s; cuda: %s\n",
                kernels::BackendAvailable(kernels::Backend::kSimd) ? "yes" : "not built yet",
                kernels::BackendAvailable(kernels::Backend::kCuda) ? "yes" : "no");
    std::printf("malloc    %s (built with: %s)\n", allocator.c_str(), DOPPEL_ALLOCATOR_NAME);
    std::printf("selected  %s%s%s\n", std::string(kernels::BackendName(choice.backend)).c_str(),
                choice.note.empty() ? "" : " -- ", choice.note.c_str());
    return kExitOk;
  };
}

}  // namespace doppel::cli
