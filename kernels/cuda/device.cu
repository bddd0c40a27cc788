// Device discovery and the CUDA hash kernel.
#include <cuda_runtime.h>

#include <cstdio>
#include <cstdlib>

#include "doppel/kernels/hash.h"
#include "kernels_internal.h"

namespace doppel::kernels::cuda {
namespace {

// One thread hashes one string with the arithmetic of HashBytes.
__global__ void HashKernel(const unsigned char* bytes, const uint64_t* offsets, size_t n, uint64_t seed,
                           uint64_t* out) {
  size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  uint64_t begin = offsets[i], len = offsets[i + 1] - begin;
  uint64_t h = seed ^ (len * kHashLenMul);
  for (uint64_t k = 0; k < len; k += 8) {
    uint64_t w = 0;
    uint64_t m = len - k < 8 ? len - k : 8;
    for (uint64_t b = 0; b < m; ++b) w |= static_cast<uint64_t>(bytes[begin + k + b]) << (8 * b);
    h = HashStep(h, w);
  }
  out[i] = HashFinalize(h);
}

void Check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) {
    std::fprintf(stderr, "doppel: CUDA %s failed: %s\n", what, cudaGetErrorString(e));
    std::abort();
  }
}

}  // namespace

void QueryDevice(GpuInfo* info) {
  info->compiled = true;
  int count = 0;
  cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) {
    info->device_count = 0;
    info->error = cudaGetErrorString(e);
    return;
  }
  info->device_count = count;
  if (count == 0) {
    info->error = "no CUDA device";
    return;
  }
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, 0) == cudaSuccess) {
    info->name = prop.name;
    info->compute_major = prop.major;
    info->compute_minor = prop.minor;
    info->memory_bytes = prop.totalGlobalMem;
  }
}

void HashStrings(const char* bytes, const uint64_t* offsets, size_t n, uint64_t seed, uint64_t* out) {
  if (n == 0) return;
  size_t nbytes = offsets[n];
  unsigned char* d_bytes = nullptr;
  uint64_t *d_offsets = nullptr, *d_out = nullptr;
  Check(cudaMalloc(&d_bytes, nbytes > 0 ? nbytes : 1), "cudaMalloc");
  Check(cudaMalloc(&d_offsets, (n + 1) * sizeof(uint64_t)), "cudaMalloc");
  Check(cudaMalloc(&d_out, n * sizeof(uint64_t)), "cudaMalloc");
  Check(cudaMemcpy(d_bytes, bytes, nbytes, cudaMemcpyHostToDevice), "cudaMemcpy");
  Check(cudaMemcpy(d_offsets, offsets, (n + 1) * sizeof(uint64_t), cudaMemcpyHostToDevice), "cudaMemcpy");
  constexpr int kThreads = 256;
  HashKernel<<<static_cast<unsigned>((n + kThreads - 1) / kThreads), kThreads>>>(d_bytes, d_offsets, n, seed, d_out);
  Check(cudaGetLastError(), "HashKernel launch");
  Check(cudaMemcpy(out, d_out, n * sizeof(uint64_t), cudaMemcpyDeviceToHost), "cudaMemcpy");
  cudaFree(d_bytes);
  cudaFree(d_offsets);
  cudaFree(d_out);
}

}  // namespace doppel::kernels::cuda
