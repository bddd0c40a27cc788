#include "doppel/kernels/hash.h"
#include "kernels_internal.h"

namespace doppel::kernels::reference {

void HashStrings(const char* bytes, const uint64_t* offsets, size_t n, uint64_t seed, uint64_t* out) {
  for (size_t i = 0; i < n; ++i) {
    out[i] = HashBytes(bytes + offsets[i], offsets[i + 1] - offsets[i], seed);
  }
}

}  // namespace doppel::kernels::reference
