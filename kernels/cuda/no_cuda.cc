// The CUDA entry points of a binary built without CUDA.
#include <cstdlib>

#include "kernels_internal.h"

namespace doppel::kernels::cuda {

void QueryDevice(GpuInfo* info) {
  info->compiled = false;
  info->device_count = 0;
  info->error = "built without CUDA";
}

void HashStrings(const char*, const uint64_t*, size_t, uint64_t, uint64_t*) {
  std::abort();  // unreachable: BackendAvailable(kCuda) is false
}

}  // namespace doppel::kernels::cuda
