// Device discovery and the CUDA hash kernel.
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

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

// A failed CUDA call as an exception (routing.h runs the batch on the CPU
// instead); never an abort.
void Check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string("CUDA ") + what + ": " + cudaGetErrorString(e));
}

// Device memory freed however the call ends.
struct DeviceBuffer {
  void* p = nullptr;
  explicit DeviceBuffer(size_t bytes) { Check(cudaMalloc(&p, bytes > 0 ? bytes : 1), "cudaMalloc"); }
  ~DeviceBuffer() { cudaFree(p); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  template <class T>
  T* as() const { return static_cast<T*>(p); }
};

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

uint64_t FreeMemory() {
  size_t free_bytes = 0, total = 0;
  return cudaMemGetInfo(&free_bytes, &total) == cudaSuccess ? free_bytes : 0;
}

void HashStrings(const char* bytes, const uint64_t* offsets, size_t n, uint64_t seed, uint64_t* out) {
  if (n == 0) return;
  const size_t nbytes = offsets[n];
  DeviceBuffer d_bytes(nbytes), d_offsets((n + 1) * sizeof(uint64_t)), d_out(n * sizeof(uint64_t));
  Check(cudaMemcpy(d_bytes.p, bytes, nbytes, cudaMemcpyHostToDevice), "cudaMemcpy");
  Check(cudaMemcpy(d_offsets.p, offsets, (n + 1) * sizeof(uint64_t), cudaMemcpyHostToDevice), "cudaMemcpy");
  constexpr int kThreads = 256;
  HashKernel<<<static_cast<unsigned>((n + kThreads - 1) / kThreads), kThreads>>>(
      d_bytes.as<unsigned char>(), d_offsets.as<uint64_t>(), n, seed, d_out.as<uint64_t>());
  Check(cudaGetLastError(), "HashKernel launch");
  Check(cudaMemcpy(out, d_out.p, n * sizeof(uint64_t), cudaMemcpyDeviceToHost), "cudaMemcpy");
}

}  // namespace doppel::kernels::cuda
