// Entry points of each backend, gathered into tables by backend.cc.
#pragma once

#include <cstddef>
#include <cstdint>

#include <vector>

#include "doppel/kernels/backend.h"
#include "doppel/kernels/blocking.h"
#include "doppel/kernels/jaro.h"

namespace doppel::kernels {
namespace reference {
void HashStrings(const char* bytes, const uint64_t* offsets, size_t n, uint64_t seed, uint64_t* out);
void JaroPairs(const char* bytes, const uint64_t* offsets, const uint32_t* left, const uint32_t* right, size_t n,
               JaroCounts* out);
void MinHash(const uint64_t* tokens, const uint32_t* offsets, size_t n, uint32_t k, uint32_t* out);
void FoldBasic(const char* bytes, const uint64_t* offsets, size_t n, char* out, uint8_t* folded);
void BlockPairs(BlockEntries* entries, uint64_t cap, std::vector<uint64_t>* pairs, BlockStats* stats);
void BlockGroups(BlockEntries* entries, uint64_t cap, kernels::BlockGroups* groups, BlockStats* stats);
void SortEntries(BlockEntry* entries, size_t n);  // std::sort
// Union-find; also the SIMD backend's (it has nothing to vectorize).
void Components(const uint32_t* a, const uint32_t* b, size_t m, uint32_t n, uint32_t* label);
}  // namespace reference

namespace simd {
// Highway kernels (kernels/cpu), dispatched at run time to the best target
// this CPU supports.
void HashStrings(const char* bytes, const uint64_t* offsets, size_t n, uint64_t seed, uint64_t* out);
void JaroPairs(const char* bytes, const uint64_t* offsets, const uint32_t* left, const uint32_t* right, size_t n,
               JaroCounts* out);
void MinHash(const uint64_t* tokens, const uint32_t* offsets, size_t n, uint32_t k, uint32_t* out);
void FoldBasic(const char* bytes, const uint64_t* offsets, size_t n, char* out, uint8_t* folded);
// The reference's algorithm with Highway's vectorized sort (VQSort).
void BlockPairs(BlockEntries* entries, uint64_t cap, std::vector<uint64_t>* pairs, BlockStats* stats);
void BlockGroups(BlockEntries* entries, uint64_t cap, kernels::BlockGroups* groups, BlockStats* stats);
void SortEntries(BlockEntry* entries, size_t n);  // VQSort on AVX2 and up, else std::sort
}  // namespace simd

namespace cuda {
// Device memory blocking takes per entry, at most: keys and rows, the
// sort's buffers, and per block (a block per entry at worst) its size,
// first entry and, for BlockGroups, its kept size, rows and offsets.
inline constexpr uint64_t kBlockingBytesPerEntry = 64;
// Below this budget a rule is not split into key ranges but blocked on the
// CPU: ranges that small would cost more round trips than the device saves.
inline constexpr uint64_t kMinBlockingBudget = uint64_t{64} << 20;

// Defined in cuda/*.cu when built with CUDA, else in cuda/no_cuda.cc.
void QueryDevice(GpuInfo* info);
// Device 0's free memory in bytes (0 when it cannot be asked).
uint64_t FreeMemory();
void HashStrings(const char* bytes, const uint64_t* offsets, size_t n, uint64_t seed, uint64_t* out);
// Defined in cuda/pipeline.cu (Thrust), else in cuda/no_cuda.cc.
void JaroPairs(const char* bytes, const uint64_t* offsets, const uint32_t* left, const uint32_t* right, size_t n,
               JaroCounts* out);
void MinHash(const uint64_t* tokens, const uint32_t* offsets, size_t n, uint32_t k, uint32_t* out);
// Blocking with at most `budget` bytes of device memory (0: no limit of its
// own): a rule's entries beyond it are blocked a key range at a time
// (thrust_pipeline.h BlockGroupsInParts), to the same result.
void BlockPairs(BlockEntries* entries, uint64_t cap, std::vector<uint64_t>* pairs, BlockStats* stats,
                uint64_t budget);
void BlockGroups(BlockEntries* entries, uint64_t cap, kernels::BlockGroups* groups, BlockStats* stats,
                 uint64_t budget);
std::unique_ptr<DeviceLevels> UploadLevels(const LevelInputs& in, const CompareRow* rows, size_t records);
std::unique_ptr<DeviceWeights> UploadWeights(const WeightTable& t, size_t records);
void Components(const uint32_t* a, const uint32_t* b, size_t m, uint32_t n, uint32_t* label);
}  // namespace cuda
}  // namespace doppel::kernels
