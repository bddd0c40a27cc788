// The basic fold (fold.h) over a whole batch with Highway: one byte per lane.
//
// The mappings keep byte lengths, so the batch's bytes are folded as one
// buffer, whatever the string boundaries: a lane computes its output byte
// from its own byte and its two neighbours (loaded one byte before and one
// after). A lead byte D0/D1 takes the high bit of the folded code point, a
// continuation byte the low six; both compute the same code point from the
// pair. Bytes no rule covers are marked in a bitmap, one bit per byte, and a
// string is "other" when it holds a marked byte or when a two-byte sequence
// crosses one of its ends (its first byte a continuation, its last a lead):
// exactly the strings FoldBasicString rejects.

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "cpu/fold_simd.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <cstddef>
#include <cstring>
#include <vector>

#include "doppel/kernels/fold.h"
#include "kernels_internal.h"

HWY_BEFORE_NAMESPACE();
namespace doppel::kernels::simd {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Folds the L bytes at p (p[-1] and p[L] readable) into out; returns the
// mask of bytes no rule covers.
template <class D>
HWY_INLINE auto FoldVector(D d, const uint8_t* p, uint8_t* out) {
  const auto v = hn::LoadU(d, p);
  const auto prev = hn::LoadU(d, p - 1);
  const auto next = hn::LoadU(d, p + 1);
  const auto k3f = hn::Set(d, 0x3F);
  const auto kc0 = hn::Set(d, 0xC0);
  const auto k80 = hn::Set(d, 0x80);
  const auto kd0 = hn::Set(d, 0xD0);
  const auto kfe = hn::Set(d, 0xFE);
  const auto one = hn::Set(d, 1);

  const auto ascii = hn::Lt(v, k80);
  const auto upper = hn::Lt(hn::Sub(v, hn::Set(d, 'A')), hn::Set(d, 26));
  const auto ascii_out = hn::IfThenElse(upper, hn::Add(v, hn::Set(d, 32)), v);

  const auto is_lead = hn::Eq(hn::And(v, kfe), kd0);
  const auto is_cont = hn::Eq(hn::And(v, kc0), k80);
  // The pair's code point - U+0400, seen from the lead (with next) or from
  // the continuation (with prev).
  const auto lead_byte = hn::IfThenElse(is_lead, v, prev);
  const auto cont_byte = hn::IfThenElse(is_lead, next, v);
  const auto paired = hn::Or(hn::And(is_lead, hn::Eq(hn::And(next, kc0), k80)),
                             hn::And(is_cont, hn::Eq(hn::And(prev, kfe), kd0)));
  auto cp = hn::Or(hn::ShiftLeft<6>(hn::And(lead_byte, one)), hn::And(cont_byte, k3f));
  const auto in_block = hn::Lt(cp, hn::Set(d, 0x60));
  cp = hn::IfThenElse(hn::Lt(cp, hn::Set(d, 0x10)), hn::Add(cp, hn::Set(d, 0x50)),
                      hn::IfThenElse(hn::Lt(cp, hn::Set(d, 0x30)), hn::Add(cp, hn::Set(d, 0x20)), cp));
  cp = hn::IfThenElse(hn::Eq(cp, hn::Set(d, 0x51)), hn::Set(d, 0x35), cp);
  const auto pair_out = hn::IfThenElse(is_lead, hn::Or(kd0, hn::ShiftRight<6>(cp)), hn::Or(k80, hn::And(cp, k3f)));

  hn::StoreU(hn::IfThenElse(ascii, ascii_out, pair_out), d, out);
  const auto covered = hn::Or(ascii, hn::And(paired, in_block));
  return hn::Not(covered);
}

void FoldBasicImpl(const char* bytes, const uint64_t* offsets, size_t n, char* out, uint8_t* folded) {
  const hn::ScalableTag<uint8_t> d;
  const size_t L = hn::Lanes(d);
  if (n == 0) return;
  if (L < 16) {  // the scalar target: one byte per "vector" gains nothing
    for (size_t i = 0; i < n; ++i) {
      folded[i] = FoldBasicString(reinterpret_cast<const unsigned char*>(bytes) + offsets[i],
                                  offsets[i + 1] - offsets[i], reinterpret_cast<unsigned char*>(out) + offsets[i]);
    }
    return;
  }
  const uint64_t start = offsets[0], end = offsets[n];
  const auto* in = reinterpret_cast<const uint8_t*>(bytes);
  auto* dst = reinterpret_cast<uint8_t*>(out);
  // One bit per byte of [start, end), a byte per vector of 8 lanes, and a
  // spare word so a string's last bit can be read a word at a time.
  const size_t chunks = (end - start + L - 1) / L;
  // A row's few strings (core's Fold calls with one) fit on the stack.
  const size_t words = (chunks * L) / 64 + 2;
  uint64_t small[16];
  std::vector<uint64_t> large;
  uint64_t* marked = small;
  if (words <= 16) {
    std::memset(small, 0, words * sizeof(uint64_t));
  } else {
    large.assign(words, 0);
    marked = large.data();
  }
  auto* bits = reinterpret_cast<uint8_t*>(marked);
  HWY_ALIGN uint8_t pad[3 * HWY_MAX_BYTES];
  HWY_ALIGN uint8_t tmp[HWY_MAX_BYTES];
  // Whether any byte is non-ASCII, or marked: most batches are all ASCII
  // (every string folded) or have nothing marked (only the ends to check).
  auto high = hn::Zero(d);
  auto any_marked = hn::Zero(d);
  const auto k80 = hn::Set(d, 0x80);
  for (uint64_t p = start; p < end; p += L) {
    const size_t chunk = (p - start) / L;
    if (p > start && p + L + 1 <= end) {
      const auto marked_here = FoldVector(d, in + p, dst + p);
      hn::StoreMaskBits(d, marked_here, bits + chunk * L / 8);
      high = hn::Or(high, hn::And(hn::LoadU(d, in + p), k80));
      any_marked = hn::Or(any_marked, hn::VecFromMask(d, marked_here));
      continue;
    }
    // The first vector (no byte before the batch) and the last (fewer than
    // L + 1 bytes left) go through a zero-padded copy.
    std::memset(pad, 0, sizeof(pad));
    const uint64_t lo = p > start ? p - 1 : start;
    const uint64_t hi = p + L + 1 < end ? p + L + 1 : end;
    std::memcpy(pad + HWY_MAX_BYTES - static_cast<ptrdiff_t>(p - lo), in + lo, hi - lo);
    const auto marked_here = FoldVector(d, pad + HWY_MAX_BYTES, tmp);
    hn::StoreMaskBits(d, marked_here, bits + chunk * L / 8);
    high = hn::Or(high, hn::And(hn::LoadU(d, pad + HWY_MAX_BYTES), k80));
    any_marked = hn::Or(any_marked, hn::VecFromMask(d, marked_here));
    std::memcpy(dst + p, tmp, (p + L < end ? p + L : end) - p);
  }
  if (hn::AllTrue(d, hn::Eq(high, hn::Zero(d)))) {  // all ASCII
    std::memset(folded, 1, n);
    return;
  }
  const bool none_marked = hn::AllTrue(d, hn::Eq(any_marked, hn::Zero(d)));
  for (size_t i = 0; i < n; ++i) {
    const uint64_t b = offsets[i] - start, e = offsets[i + 1] - start;
    bool ok = true;
    if (b < e) {
      const uint8_t first = in[offsets[i]], last = in[offsets[i + 1] - 1];
      ok = (first & 0xC0) != 0x80 && (last & 0xFE) != 0xD0;
      // Any marked bit in [b, e), a word at a time.
      for (uint64_t w = b / 64; ok && !none_marked && w <= (e - 1) / 64; ++w) {
        uint64_t word = marked[w];
        if (w == b / 64) word &= ~uint64_t{0} << (b % 64);
        if (w == (e - 1) / 64 && (e % 64) != 0) word &= (uint64_t{1} << (e % 64)) - 1;
        ok = word == 0;
      }
    }
    folded[i] = ok;
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace doppel::kernels::simd
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace doppel::kernels::simd {

HWY_EXPORT(FoldBasicImpl);

void FoldBasic(const char* bytes, const uint64_t* offsets, size_t n, char* out, uint8_t* folded) {
  HWY_DYNAMIC_DISPATCH(FoldBasicImpl)(bytes, offsets, n, out, folded);
}

}  // namespace doppel::kernels::simd
#endif
