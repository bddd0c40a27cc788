// MinHash signatures with Highway: the hash functions in the lanes.
//
// For each token the k mixes MinHashMix(token, j) = fmix64(token ^ C(j+1))
// >> 32 are computed a vector of functions at a time and folded into the
// running minimum, so one token costs k / lanes vector mixes instead of k
// scalar ones. The result is the reference's bit for bit; the algebra that
// makes the mix cheaper than fmix64 taken literally:
// - the first xor-shift is linear, so (t ^ s) ^ ((t ^ s) >> 33) is
//   t' ^ s' with t' = t ^ t >> 33 once per token and s' = s ^ s >> 33 once
//   per function;
// - the last xor-shift cannot change the top 32 bits, the only ones kept.
// 64-bit multiplies are native on AVX-512. Elsewhere a product by a constant
// c is lo(a) * lo(c) (one widening multiply) plus the cross terms
// lo(a) * hi(c) + hi(a) * lo(c) in the high half, both from one 32-bit
// multiply by c with its halves swapped; the second product needs only its
// high half, and the minimum is then a 32-bit one over the odd lanes.

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "cpu/minhash_simd.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <hwy/aligned_allocator.h>

#include "cpu/mix-inl.h"
#include "doppel/kernels/minhash.h"
#include "kernels_internal.h"

HWY_BEFORE_NAMESPACE();
namespace doppel::kernels::simd {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Record by record, four vectors of functions at a time: each token is
// broadcast once for the four, whose running minima (four independent
// chains) stay in registers across the record's tokens. `top(t', salt')`
// gives a vector whose minimum, stored as `dm` lanes, `Extract` reads.
template <class DM, class Top, class Extract>
HWY_INLINE void Signatures(DM dm, const uint64_t* tokens, const uint32_t* offsets, size_t n, uint32_t k,
                           uint32_t* out, Top top, Extract extract) {
  const hn::ScalableTag<uint64_t> d;
  const size_t lanes = hn::Lanes(d);
  const size_t padded = (k + 4 * lanes - 1) / (4 * lanes) * (4 * lanes);
  auto salts = hwy::AllocateAligned<uint64_t>(padded);
  auto mins = hwy::AllocateAligned<hn::TFromD<DM>>(padded * sizeof(uint64_t) / sizeof(hn::TFromD<DM>));
  for (size_t j = 0; j < padded; ++j) {
    const uint64_t salt = 0x9E3779B97F4A7C15ULL * (j + 1);
    salts[j] = salt ^ (salt >> 33);
  }
  const size_t per_vector = hn::Lanes(dm) / lanes;  // min lanes per function
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < padded; j += 4 * lanes) {
      const auto s0 = hn::Load(d, salts.get() + j), s1 = hn::Load(d, salts.get() + j + lanes);
      const auto s2 = hn::Load(d, salts.get() + j + 2 * lanes), s3 = hn::Load(d, salts.get() + j + 3 * lanes);
      auto m0 = hn::Set(dm, hwy::LimitsMax<hn::TFromD<DM>>()), m1 = m0, m2 = m0, m3 = m0;
      for (uint32_t t = offsets[i]; t < offsets[i + 1]; ++t) {
        const auto token = hn::Set(d, tokens[t] ^ (tokens[t] >> 33));
        m0 = hn::Min(m0, top(token, s0));
        m1 = hn::Min(m1, top(token, s1));
        m2 = hn::Min(m2, top(token, s2));
        m3 = hn::Min(m3, top(token, s3));
      }
      auto* at = mins.get() + j * per_vector;
      const size_t step = hn::Lanes(dm);
      hn::Store(m0, dm, at);
      hn::Store(m1, dm, at + step);
      hn::Store(m2, dm, at + 2 * step);
      hn::Store(m3, dm, at + 3 * step);
    }
    uint32_t* sig = out + i * k;
    for (uint32_t j = 0; j < k; ++j) sig[j] = extract(mins.get(), j);
  }
}

#if HWY_TARGET <= HWY_AVX3 || HWY_TARGET == HWY_SCALAR

// Native 64-bit multiplies. The minimum of the whole products has the
// minimum top half, so the top is taken once per function at the end.
void MinHashImpl(const uint64_t* tokens, const uint32_t* offsets, size_t n, uint32_t k, uint32_t* out) {
  const hn::ScalableTag<uint64_t> d;
  const auto c1 = hn::Set(d, 0xFF51AFD7ED558CCDULL), c2 = hn::Set(d, 0xC4CEB9FE1A85EC53ULL);
  auto top = [&](decltype(c1) token, decltype(c1) salt) {
    auto h = Mul64(d, hn::Xor(token, salt), c1);
    return Mul64(d, hn::Xor(h, hn::ShiftRight<33>(h)), c2);
  };
  Signatures(d, tokens, offsets, n, k, out, top,
             [](const uint64_t* mins, uint32_t j) { return static_cast<uint32_t>(mins[j] >> 32); });
}

#else  // 64-bit multiplies composed from 32-bit ones

void MinHashImpl(const uint64_t* tokens, const uint32_t* offsets, size_t n, uint32_t k, uint32_t* out) {
  const hn::ScalableTag<uint64_t> d;
  const hn::Repartition<uint32_t, decltype(d)> d32;
  using V = hn::Vec<decltype(d)>;
  using V32 = hn::Vec<decltype(d32)>;
  constexpr uint64_t kC1 = 0xFF51AFD7ED558CCDULL, kC2 = 0xC4CEB9FE1A85EC53ULL;
  const V32 c1 = hn::BitCast(d32, hn::Set(d, kC1)), c2 = hn::BitCast(d32, hn::Set(d, kC2));
  // The constants with their 32-bit halves swapped, for the cross terms.
  const V32 c1x = hn::BitCast(d32, hn::Set(d, (kC1 << 32) | (kC1 >> 32)));
  const V32 c2x = hn::BitCast(d32, hn::Set(d, (kC2 << 32) | (kC2 >> 32)));
  const V high_half = hn::Set(d, 0xFFFFFFFF00000000ULL);
  // The sum of each lane's two 32-bit cross terms, in its high half.
  auto cross = [&](V32 a, V32 cx) {
    const V32 y = hn::Mul(a, cx);
    return hn::Add(y, hn::BitCast(d32, hn::ShiftLeft<32>(hn::BitCast(d, y))));
  };
  // fmix64's top 32 bits, in the odd 32-bit lanes (the even ones are junk).
  auto top = [&](V token, V salt) {
    const V32 a = hn::BitCast(d32, hn::Xor(token, salt));
    // h = a * c1, all 64 bits: the cross sum joins lo * lo in the high half.
    V h = hn::Add(hn::MulEven(a, c1), hn::And(hn::BitCast(d, cross(a, c1x)), high_half));
    h = hn::Xor(h, hn::ShiftRight<33>(h));
    // The high half of h * c2: 32-bit adds, so the low half cannot carry in.
    const V32 b = hn::BitCast(d32, h);
    return hn::Add(hn::BitCast(d32, hn::MulEven(b, c2)), cross(b, c2x));
  };
  Signatures(d32, tokens, offsets, n, k, out, top, [](const uint32_t* mins, uint32_t j) { return mins[2 * j + 1]; });
}

#endif

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
