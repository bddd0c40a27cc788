#include <algorithm>
#include <cstring>

#include "doppel/kernels/jaro.h"
#include "kernels_internal.h"

namespace doppel::kernels {

JaroCounts JaroCountsOf(std::string_view a, std::string_view b) {
  JaroCounts c;
  const size_t la = std::min(a.size(), kJaroMaxLen), lb = std::min(b.size(), kJaroMaxLen);
  c.len_a = static_cast<uint8_t>(la);
  c.len_b = static_cast<uint8_t>(lb);
  if (la == 0 || lb == 0) return c;
  const size_t window = std::max(la, lb) / 2 > 0 ? std::max(la, lb) / 2 - 1 : 0;
  bool used_b[kJaroMaxLen] = {};
  bool matched_a[kJaroMaxLen] = {};
  size_t matches = 0;
  for (size_t i = 0; i < la; ++i) {
    size_t from = i > window ? i - window : 0;
    size_t to = std::min(lb, i + window + 1);
    for (size_t j = from; j < to; ++j) {
      if (!used_b[j] && a[i] == b[j]) {
        used_b[j] = matched_a[i] = true;
        ++matches;
        break;
      }
    }
  }
  size_t transpositions = 0;
  for (size_t i = 0, j = 0; i < la; ++i) {
    if (!matched_a[i]) continue;
    while (!used_b[j]) ++j;
    if (a[i] != b[j]) ++transpositions;
    ++j;
  }
  size_t prefix = 0;
  while (prefix < 4 && prefix < la && prefix < lb && a[prefix] == b[prefix]) ++prefix;
  c.matches = static_cast<uint8_t>(matches);
  c.transpositions = static_cast<uint8_t>(transpositions);
  c.prefix = static_cast<uint8_t>(prefix);
  return c;
}

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
