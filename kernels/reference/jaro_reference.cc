#include <algorithm>
#include <cstring>

#include "doppel/kernels/jaro.h"
#include "kernels_internal.h"

namespace doppel::kernels {

namespace reference {

void JaroPairs(const char* bytes, const uint64_t* offsets, const uint32_t* left, const uint32_t* right, size_t n,
               JaroCounts* out) {
  for (size_t k = 0; k < n; ++k) {
    std::string_view a(bytes + offsets[left[k]], offsets[left[k] + 1] - offsets[left[k]]);
    std::string_view b(bytes + offsets[right[k]], offsets[right[k] + 1] - offsets[right[k]]);
    out[k] = JaroCountsOf(a, b);
  }
}

}  // namespace reference
}  // namespace doppel::kernels
