// MinHash signatures with Highway: the hash functions in the lanes.
//
// MinHashMix (minhash.h) is 32-bit arithmetic, so a vector holds one
// function per 32-bit lane: 8 on AVX2, 16 on AVX-512. Each token is folded
// and broadcast once, then mixed with up to four vectors of salts at a
// time, whose running minima (independent chains) stay in registers across
// the record's tokens. Bit for bit the reference.

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

// The running minima of kV vectors of functions (salts at `salts`) over
// the tokens of one record, into `mins`.
template <size_t kV, class D>
HWY_INLINE void MinimaOf(D d, const uint64_t* tokens, uint32_t from, uint32_t to, const uint32_t* salts,
                         uint32_t* mins) {
  const size_t lanes = hn::Lanes(d);
  hn::Vec<D> s[kV], m[kV];
  for (size_t v = 0; v < kV; ++v) {
    s[v] = hn::Load(d, salts + v * lanes);
    m[v] = hn::Set(d, UINT32_MAX);
  }
  for (uint32_t t = from; t < to; ++t) {
    const auto token = hn::Set(d, MinHashFold(tokens[t]));
    for (size_t v = 0; v < kV; ++v) m[v] = hn::Min(m[v], Fmix32V(d, hn::Xor(token, s[v])));
  }
  for (size_t v = 0; v < kV; ++v) hn::Store(m[v], d, mins + v * lanes);
}

void MinHashImpl(const uint64_t* tokens, const uint32_t* offsets, size_t n, uint32_t k, uint32_t* out) {
  const hn::ScalableTag<uint32_t> d;
  const size_t lanes = hn::Lanes(d);
  // Four vectors of functions per pass over a record's tokens, then two,
  // then one for what is left: 32 functions are two AVX-512 vectors, which
  // a pass of four would double.
  const size_t padded = (k + lanes - 1) / lanes * lanes;
  auto salts = hwy::AllocateAligned<uint32_t>(padded);
  auto mins = hwy::AllocateAligned<uint32_t>(padded);
  for (size_t j = 0; j < padded; ++j) salts[j] = MinHashSalt(static_cast<uint32_t>(j));
  for (size_t i = 0; i < n; ++i) {
    size_t j = 0;
    for (; j + 4 * lanes <= padded; j += 4 * lanes) MinimaOf<4>(d, tokens, offsets[i], offsets[i + 1], salts.get() + j, mins.get() + j);
    if (j + 2 * lanes <= padded) {
      MinimaOf<2>(d, tokens, offsets[i], offsets[i + 1], salts.get() + j, mins.get() + j);
      j += 2 * lanes;
    }
    if (j < padded) MinimaOf<1>(d, tokens, offsets[i], offsets[i + 1], salts.get() + j, mins.get() + j);
    uint32_t* sig = out + i * k;
    for (uint32_t f = 0; f < k; ++f) sig[f] = mins[f];
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
