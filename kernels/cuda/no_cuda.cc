// The CUDA entry points of a binary built without CUDA.
#include <cstdlib>

#include "kernels_internal.h"

namespace doppel::kernels::cuda {

void QueryDevice(GpuInfo* info) {
  info->compiled = false;
  info->device_count = 0;
  info->error = "built without CUDA";
}

uint64_t FreeMemory() { return 0; }

// Unreachable: BackendAvailable(kCuda) is false, so no table holds these.
void HashStrings(const char*, const uint64_t*, size_t, uint64_t, uint64_t*) { std::abort(); }
void JaroPairs(const char*, const uint64_t*, const uint32_t*, const uint32_t*, size_t, JaroCounts*) { std::abort(); }
void MinHash(const uint64_t*, const uint32_t*, size_t, uint32_t, uint32_t*) { std::abort(); }
void BlockPairs(BlockEntries*, uint64_t, std::vector<uint64_t>*, BlockStats*, uint64_t) { std::abort(); }
void BlockGroups(BlockEntries*, uint64_t, kernels::BlockGroups*, BlockStats*, uint64_t) { std::abort(); }
std::unique_ptr<DeviceLevels> UploadLevels(const LevelInputs&, const CompareRow*, size_t) { std::abort(); }
std::unique_ptr<DeviceWeights> UploadWeights(const WeightTable&, size_t) { std::abort(); }
void Components(const uint32_t*, const uint32_t*, size_t, uint32_t, uint32_t*) { std::abort(); }

}  // namespace doppel::kernels::cuda
