// The Thrust pipeline (thrust_pipeline.h) on the GPU: blocking's sort, its
// blocks and pair generation, Jaro-Winkler over pairs, MinHash signatures. Each entry
// copies its inputs to the device once, runs there, and copies back only the
// result. Failures of the CUDA runtime surface as thrust::system_error.
#include <thrust/copy.h>
#include <thrust/device_vector.h>
#include <thrust/system/cuda/execution_policy.h>

#include <algorithm>

#include "cuda/thrust_pipeline.h"
#include "kernels_internal.h"

namespace doppel::kernels::cuda {

namespace {

// A rule's entries on the device as keys and rows (freed on the host).
void Upload(BlockEntries* entries, thrust::device_vector<uint64_t>* d_keys, thrust::device_vector<uint32_t>* d_rows) {
  std::vector<uint64_t> keys(entries->size());
  std::vector<uint32_t> rows(entries->size());
  for (size_t i = 0; i < entries->size(); ++i) {
    keys[i] = entries->items[i].key;
    rows[i] = static_cast<uint32_t>(entries->items[i].row);
  }
  entries->Release();
  *d_keys = keys;
  *d_rows = rows;
}

}  // namespace

void BlockPairs(BlockEntries* entries, uint64_t cap, std::vector<uint64_t>* pairs, BlockStats* stats) {
  thrust::device_vector<uint64_t> d_keys, d_pairs;
  thrust::device_vector<uint32_t> d_rows;
  Upload(entries, &d_keys, &d_rows);
  thrust_pipeline::BlockPairs(thrust::cuda::par, d_keys, d_rows, cap, d_pairs, stats);
  pairs->resize(d_pairs.size());
  thrust::copy(d_pairs.begin(), d_pairs.end(), pairs->begin());
}

void BlockGroups(BlockEntries* entries, uint64_t cap, kernels::BlockGroups* groups, BlockStats* stats) {
  thrust::device_vector<uint64_t> d_keys, d_offsets;
  thrust::device_vector<uint32_t> d_rows, d_grouped;
  Upload(entries, &d_keys, &d_rows);
  thrust_pipeline::BlockGroups(thrust::cuda::par, d_keys, d_rows, cap, d_grouped, d_offsets, stats);
  groups->rows.resize(d_grouped.size());
  thrust::copy(d_grouped.begin(), d_grouped.end(), groups->rows.begin());
  groups->offsets.resize(d_offsets.size());
  thrust::copy(d_offsets.begin(), d_offsets.end(), groups->offsets.begin());
}

void JaroPairs(const char* bytes, const uint64_t* offsets, const uint32_t* left, const uint32_t* right, size_t n,
               JaroCounts* out) {
  if (n == 0) return;
  // The column's extent: every string a pair names.
  uint32_t strings = 0;
  for (size_t k = 0; k < n; ++k) strings = std::max({strings, left[k] + 1, right[k] + 1});
  const auto* b = reinterpret_cast<const unsigned char*>(bytes);
  thrust::device_vector<unsigned char> d_bytes(b, b + offsets[strings]);
  thrust::device_vector<uint64_t> d_offsets(offsets, offsets + strings + 1);
  thrust::device_vector<uint32_t> d_left(left, left + n), d_right(right, right + n);
  thrust::device_vector<JaroCounts> d_out;
  thrust_pipeline::JaroPairs(thrust::cuda::par, d_bytes, d_offsets, d_left, d_right, d_out);
  thrust::copy(d_out.begin(), d_out.end(), out);
}

void MinHash(const uint64_t* tokens, const uint32_t* offsets, size_t n, uint32_t k, uint32_t* out) {
  if (n == 0) return;
  thrust::device_vector<uint64_t> d_tokens(tokens, tokens + offsets[n]);
  thrust::device_vector<uint32_t> d_offsets(offsets, offsets + n + 1), d_out;
  thrust_pipeline::MinHash(thrust::cuda::par, d_tokens, d_offsets, k, d_out);
  thrust::copy(d_out.begin(), d_out.end(), out);
}

}  // namespace doppel::kernels::cuda
