// DH64 over a batch of strings with Highway: one string per 64-bit lane on
// AVX-512; the scalar loop below it (see HashStringsImpl).
//
// Each lane walks its own string a word at a time (a gather of unaligned
// 8-byte words), masking the tail word's bytes past the end and freezing
// once its words are done; then fmix64. Same arithmetic as HashBytes, so the
// same hashes. A word may read up to 7 bytes past its string, so the last
// strings of the buffer, whose words would read past its end, are hashed by
// the scalar definition. A lane never reads further than its string's first
// word past its start, or 7 bytes past its end.

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "cpu/hash_simd.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include "cpu/mix-inl.h"
#include "doppel/kernels/hash.h"
#include "kernels_internal.h"

HWY_BEFORE_NAMESPACE();
namespace doppel::kernels::simd {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

void HashStringsImpl(const char* bytes, const uint64_t* offsets, size_t n, uint64_t seed, uint64_t* out) {
#if HWY_TARGET > HWY_AVX3
  // Without 64-bit vector multiplies (AVX2 and below) the lanes' emulated
  // multiplies and gathers lose to the scalar loop (0.7-0.9x of it on an
  // AVX2 EPYC), so those targets hash one string at a time.
  for (size_t i = 0; i < n; ++i) out[i] = HashBytes(bytes + offsets[i], offsets[i + 1] - offsets[i], seed);
#else
  const hn::ScalableTag<uint64_t> d;
  const hn::RebindToSigned<decltype(d)> di;
  const size_t lanes = hn::Lanes(d);
  const uint64_t end = n > 0 ? offsets[n] : 0;
  const auto* base = reinterpret_cast<const uint64_t*>(bytes);
  const auto zero = hn::Zero(d);
  const auto one = hn::Set(d, 1);
  const auto all = hn::Set(d, ~uint64_t{0});
  size_t i = 0;
  // Whole vectors of strings whose last word stays inside the buffer.
  for (; i + lanes <= n && offsets[i + lanes] + 8 <= end; i += lanes) {
    const auto start = hn::LoadU(d, offsets + i);
    const auto len = hn::Sub(hn::LoadU(d, offsets + i + 1), start);
    const auto words = hn::ShiftRight<3>(hn::Add(len, hn::Set(d, 7)));
    const auto rem_bits = hn::ShiftLeft<3>(hn::And(len, hn::Set(d, 7)));
    // The tail word keeps its first len % 8 bytes (all 8 when len % 8 == 0).
    const auto tail_mask =
        hn::IfThenElse(hn::Eq(rem_bits, zero), all, hn::Sub(one << rem_bits, one));
    const auto last = hn::Sub(words, one);
    auto h = hn::Xor(hn::Set(d, seed), Mul64(d, len, hn::Set(d, kHashLenMul)));
    const uint64_t max_words = hn::GetLane(hn::MaxOfLanes(d, words));
    auto offset = hn::BitCast(di, start);
    for (uint64_t w = 0; w < max_words; ++w) {
      auto word = hn::GatherOffset(d, base, offset);
      const auto wv = hn::Set(d, w);
      word = hn::IfThenElse(hn::Eq(wv, last), hn::And(word, tail_mask), word);
      h = hn::IfThenElse(hn::Lt(wv, words), HashStepV(d, h, word), h);
      // A lane past its last word stays on it, so no read leaves its string
      // by more than 7 bytes (an empty string reads 8 from its start).
      const auto more = hn::RebindMask(di, hn::Lt(hn::Add(wv, one), words));
      offset = hn::IfThenElse(more, hn::Add(offset, hn::Set(di, 8)), offset);
    }
    hn::StoreU(Fmix64(d, h), d, out + i);
  }
  for (; i < n; ++i) out[i] = HashBytes(bytes + offsets[i], offsets[i + 1] - offsets[i], seed);
#endif
}

}  // namespace HWY_NAMESPACE
}  // namespace doppel::kernels::simd
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace doppel::kernels::simd {

HWY_EXPORT(HashStringsImpl);

void HashStrings(const char* bytes, const uint64_t* offsets, size_t n, uint64_t seed, uint64_t* out) {
  HWY_DYNAMIC_DISPATCH(HashStringsImpl)(bytes, offsets, n, seed, out);
}

}  // namespace doppel::kernels::simd
#endif
