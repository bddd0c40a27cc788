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
// Defined in cuda/*.cu when built with CUDA, else in cuda/no_cuda.cc.
void QueryDevice(GpuInfo* info);
// Device 0's free memory in bytes (0 when it cannot be asked).
uint64_t FreeMemory();
void HashStrings(const char* bytes, const uint64_t* offsets, size_t n, uint64_t seed, uint64_t* out);
// Defined in cuda/pipeline.cu (Thrust), else in cuda/no_cuda.cc.
void JaroPairs(const char* bytes, const uint64_t* offsets, const uint32_t* left, const uint32_t* right, size_t n,
               JaroCounts* out);
void MinHash(const uint64_t* tokens, const uint32_t* offsets, size_t n, uint32_t k, uint32_t* out);
void BlockPairs(BlockEntries* entries, uint64_t cap, std::vector<uint64_t>* pairs, BlockStats* stats);
void BlockGroups(BlockEntries* entries, uint64_t cap, kernels::BlockGroups* groups, BlockStats* stats);
std::unique_ptr<DeviceLevels> UploadLevels(const LevelInputs& in, const CompareRow* rows, size_t records);
std::unique_ptr<DeviceWeights> UploadWeights(const WeightTable& t, size_t records);
}  // namespace cuda
}  // namespace doppel::kernels
