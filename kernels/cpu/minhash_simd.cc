// MinHash signatures with Highway: the hash functions in the lanes.
//
// For each token the k mixes MinHashMix(token, j) = fmix64(token ^ C(j+1))
// >> 32 are computed a vector of functions at a time and folded into the
// running minimum, so one token costs k / lanes vector mixes instead of k
// scalar ones. 64-bit multiplies are native on AVX-512 and composed from
// 32-bit ones elsewhere; the result is the reference's bit for bit.

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

void MinHashImpl(const uint64_t* tokens, const uint32_t* offsets, size_t n, uint32_t k, uint32_t* out) {
  const hn::ScalableTag<uint64_t> d;
  const size_t lanes = hn::Lanes(d);
  const size_t padded = (k + lanes - 1) / lanes * lanes;
  auto salts = hwy::AllocateAligned<uint64_t>(padded);
  auto mins = hwy::AllocateAligned<uint64_t>(padded);
  for (size_t j = 0; j < padded; ++j) salts[j] = 0x9E3779B97F4A7C15ULL * (j + 1);
  for (size_t i = 0; i < n; ++i) {
    // A vector of functions at a time, its running minimum in a register
    // across the record's tokens.
    for (size_t j = 0; j < padded; j += lanes) {
      const auto salt = hn::Load(d, salts.get() + j);
      auto m0 = hn::Set(d, uint64_t{UINT32_MAX}), m1 = m0;
      uint32_t t = offsets[i];
      for (; t + 2 <= offsets[i + 1]; t += 2) {  // two independent chains
        m0 = hn::Min(m0, hn::ShiftRight<32>(Fmix64(d, hn::Xor(hn::Set(d, tokens[t]), salt))));
        m1 = hn::Min(m1, hn::ShiftRight<32>(Fmix64(d, hn::Xor(hn::Set(d, tokens[t + 1]), salt))));
      }
      if (t < offsets[i + 1]) m0 = hn::Min(m0, hn::ShiftRight<32>(Fmix64(d, hn::Xor(hn::Set(d, tokens[t]), salt))));
      hn::Store(hn::Min(m0, m1), d, mins.get() + j);
    }
    uint32_t* sig = out + i * k;
    for (uint32_t j = 0; j < k; ++j) sig[j] = static_cast<uint32_t>(mins[j]);
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
