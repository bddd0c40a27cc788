#include "doppel/kernels/minhash.h"
#include "kernels_internal.h"

namespace doppel::kernels::reference {

void MinHash(const uint64_t* tokens, const uint32_t* offsets, size_t n, uint32_t k, uint32_t* out) {
  for (size_t i = 0; i < n; ++i) {
    uint32_t* sig = out + i * k;
    for (uint32_t j = 0; j < k; ++j) sig[j] = UINT32_MAX;
    for (uint32_t t = offsets[i]; t < offsets[i + 1]; ++t) {
      for (uint32_t j = 0; j < k; ++j) {
        uint32_t h = MinHashMix(tokens[t], j);
        if (h < sig[j]) sig[j] = h;
      }
    }
  }
}

}  // namespace doppel::kernels::reference
