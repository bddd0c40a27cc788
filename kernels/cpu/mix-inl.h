// 64-bit mixing on Highway vectors, shared by the SIMD kernels: the low half
// of a 64 x 64-bit product, MurmurHash3's fmix64 (HashFinalize) and one DH64
// word step (HashStep), lane by lane, bit for bit as hash.h.
//
// Per-target include guard, as Highway's own -inl.h headers: this file is
// included once for every target foreach_target.h compiles.
#if defined(DOPPEL_KERNELS_CPU_MIX_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef DOPPEL_KERNELS_CPU_MIX_INL_H_
#undef DOPPEL_KERNELS_CPU_MIX_INL_H_
#else
#define DOPPEL_KERNELS_CPU_MIX_INL_H_
#endif

#include <hwy/highway.h>

#include "doppel/kernels/hash.h"

HWY_BEFORE_NAMESPACE();
namespace doppel::kernels::simd {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// The low 64 bits of a * b per lane: native on AVX-512, else from 32-bit
// multiplies (lo*lo + ((hi*lo + lo*hi) << 32)).
template <class D, class V>
HWY_INLINE V Mul64(D d, V a, V b) {
#if HWY_TARGET <= HWY_AVX3
  (void)d;
  return hn::Mul(a, b);
#elif HWY_TARGET == HWY_SCALAR
  return hn::Set(d, hn::GetLane(a) * hn::GetLane(b));
#else
  const hn::Repartition<uint32_t, D> d32;
  const V lo = hn::MulEven(hn::BitCast(d32, a), hn::BitCast(d32, b));
  const V cross = hn::Add(hn::MulEven(hn::BitCast(d32, hn::ShiftRight<32>(a)), hn::BitCast(d32, b)),
                          hn::MulEven(hn::BitCast(d32, a), hn::BitCast(d32, hn::ShiftRight<32>(b))));
  return hn::Add(lo, hn::ShiftLeft<32>(cross));
#endif
}

template <class D, class V>
HWY_INLINE V Fmix64(D d, V h) {
  h = hn::Xor(h, hn::ShiftRight<33>(h));
  h = Mul64(d, h, hn::Set(d, 0xFF51AFD7ED558CCDULL));
  h = hn::Xor(h, hn::ShiftRight<33>(h));
  h = Mul64(d, h, hn::Set(d, 0xC4CEB9FE1A85EC53ULL));
  return hn::Xor(h, hn::ShiftRight<33>(h));
}

template <class D, class V>
HWY_INLINE V HashStepV(D d, V h, V word) {
  h = Mul64(d, hn::Xor(h, word), hn::Set(d, kHashWordMul));
  return hn::Xor(h, hn::ShiftRight<31>(h));
}

}  // namespace HWY_NAMESPACE
}  // namespace doppel::kernels::simd
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
