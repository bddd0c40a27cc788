// The reference of Components (components.h): union-find whose root is
// always the smaller of two roots, so a component's root is its smallest
// vertex.
#include <numeric>

#include "doppel/kernels/components.h"
#include "kernels_internal.h"

namespace doppel::kernels::reference {

void Components(const uint32_t* a, const uint32_t* b, size_t m, uint32_t n, uint32_t* label) {
  std::iota(label, label + n, 0u);  // label[] is the parent array until the end
  auto find = [&](uint32_t x) {
    while (label[x] != x) x = label[x] = label[label[x]];
    return x;
  };
  for (size_t i = 0; i < m; ++i) {
    const uint32_t ra = find(a[i]), rb = find(b[i]);
    if (ra < rb) label[rb] = ra;
    else if (rb < ra) label[ra] = rb;
  }
  // Parents are smaller than their children: a pass in order resolves each.
  for (uint32_t v = 0; v < n; ++v) label[v] = label[label[v]];
}

}  // namespace doppel::kernels::reference
