// The scalar reference of the basic fold: FoldBasicString on each string.
#include "doppel/kernels/fold.h"
#include "kernels_internal.h"

namespace doppel::kernels::reference {

void FoldBasic(const char* bytes, const uint64_t* offsets, size_t n, char* out, uint8_t* folded) {
  for (size_t i = 0; i < n; ++i) {
    folded[i] = FoldBasicString(reinterpret_cast<const unsigned char*>(bytes) + offsets[i], offsets[i + 1] - offsets[i],
                                reinterpret_cast<unsigned char*>(out) + offsets[i]);
  }
}

}  // namespace doppel::kernels::reference
