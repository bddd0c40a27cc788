// Connected components of a graph given as edges: clustering's first step.
//
// Input: n vertices 0..n-1 and m edges (a[i], b[i]). Output: label[v], the
// smallest vertex of v's component (v itself when no edge touches it).
// The label does not depend on how it was found, so every backend returns
// exactly the reference's labels: the reference by union-find, the GPU by
// hooking roots to smaller roots with atomic minimums and pointer jumping
// until no edge joins two roots (thrust_pipeline.h Components).
#pragma once

#include <cstddef>
#include <cstdint>

#include "doppel/kernels/hd.h"

namespace doppel::kernels {

// *p = min(*p, v), atomically: on the device atomicMin, on the host a
// compare-and-swap loop (Thrust's CPU systems may run functors in threads).
DOPPEL_HD inline void AtomicMinU32(uint32_t* p, uint32_t v) {
#if defined(__CUDA_ARCH__)
  atomicMin(reinterpret_cast<unsigned int*>(p), v);
#else
  uint32_t old = __atomic_load_n(p, __ATOMIC_RELAXED);
  while (v < old && !__atomic_compare_exchange_n(p, &old, v, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
  }
#endif
}

// Plain loads and stores of a word other threads may write: relaxed atomics
// on the host (where Thrust's OpenMP or TBB systems run functors in
// threads), ordinary accesses on the device.
DOPPEL_HD inline uint32_t LoadU32(const uint32_t* p) {
#if defined(__CUDA_ARCH__)
  return *static_cast<const volatile uint32_t*>(p);
#else
  return __atomic_load_n(p, __ATOMIC_RELAXED);
#endif
}
DOPPEL_HD inline void StoreU32(uint32_t* p, uint32_t v) {
#if defined(__CUDA_ARCH__)
  *static_cast<volatile uint32_t*>(p) = v;
#else
  __atomic_store_n(p, v, __ATOMIC_RELAXED);
#endif
}

}  // namespace doppel::kernels
