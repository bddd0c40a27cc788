// MinHash signatures with Highway: the hash functions in the lanes.
//
// MinHashMix (minhash.h) is 32-bit arithmetic, so a vector holds one
// function per 32-bit lane: 8 on AVX2, 16 on AVX-512. Each token is folded
// and broadcast once, then mixed with four vectors of salts at a time, whose
// running minima (four independent chains) stay in registers across the
// record's tokens. Bit for bit the reference.

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "cpu/minhash_simd.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <hwy/aligned_allocator.h>

#include "doppel/kernels/minhash.h"
#include "kernels_internal.h"

HWY_BEFORE_NAMESPACE();
namespace doppel::kernels::simd {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Fmix32 lane by lane.
template <class D, class V>
HWY_INLINE V Fmix32V(D d, V h) {
  h = hn::Xor(h, hn::ShiftRight<16>(h));
  h = hn::Mul(h, hn::Set(d, 0x85EBCA6Bu));
  h = hn::Xor(h, hn::ShiftRight<13>(h));
  h = hn::Mul(h, hn::Set(d, 0xC2B2AE35u));
  return hn::Xor(h, hn::ShiftRight<16>(h));
}

void MinHashImpl(const uint64_t* tokens, const uint32_t* offsets, size_t n, uint32_t k, uint32_t* out) {
  const hn::ScalableTag<uint32_t> d;
  const size_t lanes = hn::Lanes(d);
  const size_t padded = (k + 4 * lanes - 1) / (4 * lanes) * (4 * lanes);
  auto salts = hwy::AllocateAligned<uint32_t>(padded);
  auto mins = hwy::AllocateAligned<uint32_t>(padded);
  for (size_t j = 0; j < padded; ++j) salts[j] = MinHashSalt(static_cast<uint32_t>(j));
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < padded; j += 4 * lanes) {
      const auto s0 = hn::Load(d, salts.get() + j), s1 = hn::Load(d, salts.get() + j + lanes);
      const auto s2 = hn::Load(d, salts.get() + j + 2 * lanes), s3 = hn::Load(d, salts.get() + j + 3 * lanes);
      auto m0 = hn::Set(d, UINT32_MAX), m1 = m0, m2 = m0, m3 = m0;
      for (uint32_t t = offsets[i]; t < offsets[i + 1]; ++t) {
        const auto token = hn::Set(d, MinHashFold(tokens[t]));
        m0 = hn::Min(m0, Fmix32V(d, hn::Xor(token, s0)));
        m1 = hn::Min(m1, Fmix32V(d, hn::Xor(token, s1)));
        m2 = hn::Min(m2, Fmix32V(d, hn::Xor(token, s2)));
        m3 = hn::Min(m3, Fmix32V(d, hn::Xor(token, s3)));
      }
      hn::Store(m0, d, mins.get() + j);
      hn::Store(m1, d, mins.get() + j + lanes);
      hn::Store(m2, d, mins.get() + j + 2 * lanes);
      hn::Store(m3, d, mins.get() + j + 3 * lanes);
    }
    uint32_t* sig = out + i * k;
    for (uint32_t j = 0; j < k; ++j) sig[j] = mins[j];
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace doppel::kernels::simd
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace doppel::kernels::simd {

HWY_EXPORT(MinHashImpl);

void MinHash(const uint64_t* tokens, const uint32_t* offsets, size_t n, uint32_t k, uint32_t* out) {
  HWY_DYNAMIC_DISPATCH(MinHashImpl)(tokens, offsets, n, k, out);
}

}  // namespace doppel::kernels::simd
#endif
