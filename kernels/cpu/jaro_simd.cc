// Jaro-Winkler counts over candidate pairs with Highway, one pair per lane.
//
// Pairs are bucketed by their longer string: up to 8 bytes in uint8_t
// lanes, 16 in uint16_t, 32 in uint32_t, 64 in uint64_t. A lane's bits stand
// for character positions, so a block of pairs (as many as the vector has
// lanes: 64 pairs of short names, 32 of longer ones per AVX-512 vector) runs the scalar algorithm of
// jaro_reference.cc in lockstep, without branches:
//
//   for each position i of a (uniform across lanes):
//     R  = bits j where b[j] == a[i]                (equality row, kept;
//          8 byte compares whatever the lane width: below)
//     H, L slide the window [i - w, i + w] one step (shift and or)
//     M  = R & window & ~used_b;  low = M & -M      (first free match in b)
//     used_b |= low; matched_a |= (low != 0) << i
//   transpositions: for each matched i in order, the lowest still-unpaired
//     matched j of b; a mismatch when bit j of the row R_i is clear.
//
// This is exactly the reference's greedy (a in order, first free b in the
// window), so the counts agree bit for bit; the tests check every target.
// Characters sit transposed in small arrays (row i holds a[i] of every lane).

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "cpu/jaro_simd.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <hwy/aligned_allocator.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstring>
#include <vector>

#include "doppel/kernels/jaro.h"
#include "kernels_internal.h"

HWY_BEFORE_NAMESPACE();
namespace doppel::kernels::simd {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <typename T>
struct Block {
  static constexpr size_t kBits = sizeof(T) * 8;
  // The most lanes a vector of this target holds (AVX-512, uint16_t: 32).
  static constexpr size_t kMaxLanes = HWY_MAX_BYTES / sizeof(T);
  HWY_ALIGN T a[kBits][kMaxLanes];  // a[i][lane]: character i of string a
  HWY_ALIGN T b[kBits][kMaxLanes];
  HWY_ALIGN T rows[kBits][kMaxLanes];
  HWY_ALIGN T bit[kBits][kMaxLanes];  // bit[j][lane] = 1 << j
  // Characters of b packed a byte per position group: byte q of
  // bpack[k][lane] is b[k + 8q], so one byte compare against a[i] repeated
  // in every byte tests positions k, k + 8, k + 16, ... at once, and bit k of
  // byte q is bit k + 8q of the row. kbit[k][lane] has bit k of every byte.
  HWY_ALIGN T bpack[8][kMaxLanes];
  HWY_ALIGN T kbit[8][kMaxLanes];
  // Characters as bytes, transposed 16 strings at a time: ca[i][lane].
  // A transpose writes 16 rows, even for byte lanes (8 positions).
  static constexpr size_t kStage = (kMaxLanes + 15) / 16 * 16;
  static constexpr size_t kStageRows = kBits < 16 ? 16 : kBits;
  HWY_ALIGN uint8_t ca[kStageRows][kStage];
  HWY_ALIGN uint8_t cb[kStageRows][kStage];
  HWY_ALIGN T len_a[kMaxLanes], window[kMaxLanes], high_init[kMaxLanes], mask_b[kMaxLanes];
  HWY_ALIGN T matches[kMaxLanes], transpositions[kMaxLanes], prefix[kMaxLanes];
};

#if HWY_TARGET != HWY_SCALAR
// Transposes 16 rows of 16 bytes: out[c * stride + r] = rows[r][c]. Four
// rounds of interleaves, each doubling the unit (byte, 2, 4, 8 bytes).
HWY_INLINE void Transpose16x16(const hn::Vec128<uint8_t> (&rows)[16], uint8_t* out, size_t stride) {
  const hn::Full128<uint8_t> d8;
  const hn::Full128<uint16_t> d16;
  const hn::Full128<uint32_t> d32;
  const hn::Full128<uint64_t> d64;
  // After round 1, s1[2k + h] holds columns 8h..8h+7 of rows 2k, 2k+1 (2-byte units).
  hn::Vec128<uint16_t> s1[16];
  for (size_t k = 0; k < 8; ++k) {
    s1[2 * k] = hn::BitCast(d16, hn::InterleaveLower(rows[2 * k], rows[2 * k + 1]));
    s1[2 * k + 1] = hn::BitCast(d16, hn::InterleaveUpper(d8, rows[2 * k], rows[2 * k + 1]));
  }
  // s2[4m + q]: columns 4q..4q+3 of rows 4m..4m+3 (4-byte units).
  hn::Vec128<uint32_t> s2[16];
  for (size_t m = 0; m < 4; ++m) {
    for (size_t h = 0; h < 2; ++h) {
      const auto a = s1[4 * m + h], b = s1[4 * m + 2 + h];
      s2[4 * m + 2 * h] = hn::BitCast(d32, hn::InterleaveLower(a, b));
      s2[4 * m + 2 * h + 1] = hn::BitCast(d32, hn::InterleaveUpper(d16, a, b));
    }
  }
  // s3[8n + o]: columns 2o, 2o+1 of rows 8n..8n+7 (8-byte units).
  hn::Vec128<uint64_t> s3[16];
  for (size_t n = 0; n < 2; ++n) {
    for (size_t q = 0; q < 4; ++q) {
      const auto a = s2[8 * n + q], b = s2[8 * n + 4 + q];
      s3[8 * n + 2 * q] = hn::BitCast(d64, hn::InterleaveLower(a, b));
      s3[8 * n + 2 * q + 1] = hn::BitCast(d64, hn::InterleaveUpper(d32, a, b));
    }
  }
  for (size_t o = 0; o < 8; ++o) {
    hn::Store(hn::BitCast(d8, hn::InterleaveLower(s3[o], s3[8 + o])), d8, out + (2 * o) * stride);
    hn::Store(hn::BitCast(d8, hn::InterleaveUpper(d64, s3[o], s3[8 + o])), d8, out + (2 * o + 1) * stride);
  }
}

// Bytes [16c, 16c + 16) of a string of `len` bytes at `at`; bytes past its
// end are whatever follows it in the column (the kernel masks them out),
// or zero where the column ends.
HWY_INLINE hn::Vec128<uint8_t> Chunk(const char* bytes, uint64_t at, size_t len, size_t c, uint64_t limit) {
  const hn::Full128<uint8_t> d8;
  const uint64_t from = at + 16 * c;
  if (from + 16 <= limit) return hn::LoadU(d8, reinterpret_cast<const uint8_t*>(bytes + from));
  HWY_ALIGN uint8_t tmp[16] = {};
  for (size_t i = 16 * c; i < len && i < 16 * c + 16; ++i) tmp[i - 16 * c] = static_cast<uint8_t>(bytes[at + i]);
  return hn::Load(d8, tmp);
}
#endif

// One pair, read once from the column: where its strings start, their
// lengths (clamped to the bucket's width), and its index in the output.
struct PairRef {
  uint64_t a, b;
  uint32_t k;
  uint8_t len_a, len_b;
};

#if HWY_TARGET != HWY_SCALAR
// Bits j < max_b where b[j] == a[i], lane by lane. `ai` holds a[i] in every
// byte of the lane; a byte compare with bpack[k] finds the positions k + 8q
// that agree, and kbit[k] turns each agreeing byte into its row bit. So a
// row costs min(8, max_b) compares for any lane width: 16-bit lanes need
// half the compares of one per position, 32-bit lanes a quarter.
template <class D, class V, typename T>
HWY_INLINE V EqualityRow(D d, V ai, const Block<T>& blk, size_t max_b) {
  const hn::Repartition<uint8_t, D> d8;
  const auto a8 = hn::BitCast(d8, ai);
  const size_t groups = std::min<size_t>(8, max_b);
#if HWY_TARGET <= HWY_AVX3
  // Mask registers: a byte-masked add of kbit[k] (the bits are distinct, so
  // adding is or-ing) costs one instruction after the compare.
  using V8 = hn::Vec<decltype(d8)>;
  auto add = [&](V8 r, size_t k) HWY_ATTR {
    const auto eq = hn::Eq(a8, hn::BitCast(d8, hn::Load(d, blk.bpack[k])));
    return hn::IfThenElse(eq, hn::Add(r, hn::BitCast(d8, hn::Load(d, blk.kbit[k]))), r);
  };
  V8 r0 = hn::Zero(d8), r1 = r0;
  size_t k = 0;
  for (; k + 2 <= groups; k += 2) {
    r0 = add(r0, k);
    r1 = add(r1, k + 1);
  }
  if (k < groups) r0 = add(r0, k);
  return hn::BitCast(d, hn::Or(r0, r1));
#else
  auto bits = [&](size_t k) {
    const auto eq = hn::VecFromMask(d8, hn::Eq(a8, hn::BitCast(d8, hn::Load(d, blk.bpack[k]))));
    return hn::And(hn::BitCast(d, eq), hn::Load(d, blk.kbit[k]));
  };
  V r0 = hn::Zero(d), r1 = r0;
  size_t k = 0;
  for (; k + 2 <= groups; k += 2) {
    r0 = hn::Or(r0, bits(k));
    r1 = hn::Or(r1, bits(k + 1));
  }
  if (k < groups) r0 = hn::Or(r0, bits(k));
  return hn::Or(r0, r1);
#endif
}

// b's characters packed for EqualityRow, and a's repeated in every byte.
template <class D, typename T>
HWY_INLINE void PackCharacters(D d, Block<T>& blk, size_t max_a, size_t max_b) {
  for (size_t k = 0; k < std::min<size_t>(8, max_b); ++k) {
    auto v = hn::Load(d, blk.b[k]);
    for (size_t q = 1; q < sizeof(T) && k + 8 * q < max_b; ++q) {
      v = hn::Or(v, hn::ShiftLeftSame(hn::Load(d, blk.b[k + 8 * q]), static_cast<int>(8 * q)));
    }
    hn::Store(v, d, blk.bpack[k]);
  }
  if constexpr (sizeof(T) > 1) {
    for (size_t i = 0; i < max_a; ++i) {
      auto v = hn::Load(d, blk.a[i]);
      v = hn::Or(v, hn::ShiftLeft<8>(v));
      if constexpr (sizeof(T) > 2) v = hn::Or(v, hn::ShiftLeft<16>(v));
      if constexpr (sizeof(T) > 4) v = hn::Or(v, hn::ShiftLeft<32>(v));
      hn::Store(v, d, blk.a[i]);
    }
  }
}
#else
// One lane: one compare and one masked or per position.
template <class D, class V, typename T>
HWY_INLINE V EqualityRow(D d, V ai, const Block<T>& blk, size_t max_b) {
  V r0 = hn::Zero(d), r1 = r0, r2 = r0, r3 = r0;
  size_t j = 0;
  for (; j + 4 <= max_b; j += 4) {
    r0 = hn::IfThenElse(hn::Eq(ai, hn::Load(d, blk.b[j])), hn::Or(r0, hn::Load(d, blk.bit[j])), r0);
    r1 = hn::IfThenElse(hn::Eq(ai, hn::Load(d, blk.b[j + 1])), hn::Or(r1, hn::Load(d, blk.bit[j + 1])), r1);
    r2 = hn::IfThenElse(hn::Eq(ai, hn::Load(d, blk.b[j + 2])), hn::Or(r2, hn::Load(d, blk.bit[j + 2])), r2);
    r3 = hn::IfThenElse(hn::Eq(ai, hn::Load(d, blk.b[j + 3])), hn::Or(r3, hn::Load(d, blk.bit[j + 3])), r3);
  }
  for (; j < max_b; ++j) {
    r0 = hn::IfThenElse(hn::Eq(ai, hn::Load(d, blk.b[j])), hn::Or(r0, hn::Load(d, blk.bit[j])), r0);
  }
  return hn::Or(hn::Or(r0, r1), hn::Or(r2, r3));
}

template <class D, typename T>
HWY_INLINE void PackCharacters(D, Block<T>&, size_t, size_t) {}
#endif

template <typename T>
void RunBlock(const char* bytes, uint64_t limit, const PairRef* refs, size_t count, Block<T>& blk,
              JaroCounts* out) {
  const hn::ScalableTag<T> d;
  const size_t lanes = hn::Lanes(d);
  HWY_DASSERT(lanes <= Block<T>::kMaxLanes);
  // low_bits[l] = the l lowest bits set (all of them for l = kBits); at
  // least 16 entries, so byte lanes can load it as a table.
  static constexpr auto low_bits = [] {
    std::array<T, std::max<size_t>(Block<T>::kBits + 1, 16)> m{};
    for (size_t l = 1; l <= Block<T>::kBits; ++l) m[l] = static_cast<T>((m[l - 1] << 1) | 1);
    return m;
  }();
  // Lengths, the match window (half the longer string, less one) and the
  // bit masks that follow from them, lane by lane.
  HWY_ALIGN uint8_t la8[Block<T>::kMaxLanes] = {}, lb8[Block<T>::kMaxLanes] = {};
  size_t max_a = 0, max_b = 0;
  for (size_t p = 0; p < lanes; ++p) {
    const uint8_t la = p < count ? refs[p].len_a : 0, lb = p < count ? refs[p].len_b : 0;
    la8[p] = la;
    lb8[p] = lb;
    max_a = std::max<size_t>(max_a, la);
    max_b = std::max<size_t>(max_b, lb);
  }
  const auto one = hn::Set(d, T{1});
  // (Highway 1.0.3's 16-bit variable shift needs SSE4, so SSSE3 takes the
  // loop for every lane width; only old CPUs run that target.)
#if HWY_TARGET != HWY_SCALAR && HWY_TARGET != HWY_SSSE3
  if constexpr (sizeof(T) <= 4) {
    hn::Vec<decltype(d)> la, lb;
    if constexpr (sizeof(T) == 1) {
      la = hn::Load(d, la8);
      lb = hn::Load(d, lb8);
    } else {
      const hn::Rebind<uint8_t, decltype(d)> d8;
      la = hn::PromoteTo(d, hn::Load(d8, la8));
      lb = hn::PromoteTo(d, hn::Load(d8, lb8));
    }
    const auto half = hn::ShiftRight<1>(hn::Max(la, lb));
    const auto w = hn::Sub(hn::Max(half, one), one);
    hn::Vec<decltype(d)> high, mask;
    if constexpr (sizeof(T) == 1) {
      // No byte shifts: low_bits (entries 0..8 used) as a byte table.
      const auto table = hn::LoadDup128(d, low_bits.data());
      high = hn::TableLookupBytes(table, w);
      mask = hn::TableLookupBytes(table, lb);
    } else {
      high = hn::Sub(hn::Shl(one, w), one);
      const auto bits = hn::Set(d, static_cast<T>(Block<T>::kBits));
      mask = hn::IfThenElse(hn::Lt(lb, bits), hn::Sub(hn::Shl(one, hn::Min(lb, hn::Sub(bits, one))), one),
                            hn::Not(hn::Zero(d)));
    }
    hn::Store(la, d, blk.len_a);
    hn::Store(w, d, blk.window);
    hn::Store(high, d, blk.high_init);
    hn::Store(mask, d, blk.mask_b);
  } else
#endif
  {
    for (size_t p = 0; p < lanes; ++p) {
      const size_t half = std::max(la8[p], lb8[p]) / 2;
      const size_t w = half > 0 ? half - 1 : 0;
      blk.len_a[p] = static_cast<T>(la8[p]);
      blk.window[p] = static_cast<T>(w);
      blk.high_init[p] = low_bits[w];
      blk.mask_b[p] = low_bits[lb8[p]];
    }
  }
  // Characters into a[i][lane], b[j][lane]. Only positions below a lane's
  // lengths are ever used (rows are masked by both lengths), so what lies
  // past a string's end does not matter.
#if HWY_TARGET != HWY_SCALAR
  if constexpr (sizeof(T) <= 4) {
    // 16 strings at a time: 16-byte loads, a byte transpose, then widened
    // (byte lanes use the transposed bytes as they are).
    const hn::Rebind<uint8_t, decltype(d)> d8;
    const size_t groups = (count + 15) / 16;
    for (int side = 0; side < 2; ++side) {
      const size_t max_len = side == 0 ? max_a : max_b;
      uint8_t(*stage)[Block<T>::kStage] = side == 0 ? blk.ca : blk.cb;
      for (size_t c = 0; c * 16 < max_len; ++c) {
        for (size_t g = 0; g < groups; ++g) {
          hn::Vec128<uint8_t> rows[16];
          for (size_t r = 0; r < 16; ++r) {
            const size_t p = 16 * g + r;
            if (p >= count) {
              rows[r] = hn::Zero(hn::Full128<uint8_t>());
            } else if (side == 0) {
              rows[r] = Chunk(bytes, refs[p].a, la8[p], c, limit);
            } else {
              rows[r] = Chunk(bytes, refs[p].b, lb8[p], c, limit);
            }
          }
          Transpose16x16(rows, &stage[16 * c][16 * g], Block<T>::kStage);
        }
      }
      T(*wide)[Block<T>::kMaxLanes] = side == 0 ? blk.a : blk.b;
      if constexpr (sizeof(T) == 1) {
        for (size_t i = 0; i < max_len; ++i) hn::Store(hn::LoadU(d, stage[i]), d, wide[i]);
      } else {
        for (size_t i = 0; i < max_len; ++i) hn::Store(hn::PromoteTo(d, hn::LoadU(d8, stage[i])), d, wide[i]);
      }
    }
  } else
#endif
  {
    for (size_t p = 0; p < count; ++p) {
      const auto* sa = reinterpret_cast<const unsigned char*>(bytes + refs[p].a);
      const auto* sb = reinterpret_cast<const unsigned char*>(bytes + refs[p].b);
      for (size_t i = 0, la = refs[p].len_a; i < la; ++i) blk.a[i][p] = sa[i];
      for (size_t j = 0, lb = refs[p].len_b; j < lb; ++j) blk.b[j][p] = sb[j];
    }
  }

  PackCharacters(d, blk, max_a, max_b);

  const auto zero = hn::Zero(d);
  const auto len_a = hn::Load(d, blk.len_a);
  const auto window = hn::Load(d, blk.window);
  const auto mask_b = hn::Load(d, blk.mask_b);
  auto high = hn::Load(d, blk.high_init);  // bits [0, w): [0, i + w] once shifted below
  auto low_edge = zero;                     // bits [0, i - w - 1]
  auto used_b = zero, matched_a = zero, matches = zero;
  for (size_t i = 0; i < max_a; ++i) {
    const auto ai = hn::Load(d, blk.a[i]);
    auto row = EqualityRow(d, ai, blk, max_b);
    const auto in_a = hn::Lt(hn::Set(d, static_cast<T>(i)), len_a);
    row = hn::IfThenElseZero(in_a, hn::And(row, mask_b));
    hn::Store(row, d, blk.rows[i]);
    high = hn::Or(hn::ShiftLeft<1>(high), one);
    low_edge = hn::Or(hn::ShiftLeft<1>(low_edge), hn::IfThenElseZero(hn::Gt(hn::Set(d, static_cast<T>(i)), window), one));
    const auto free = hn::AndNot(used_b, hn::AndNot(low_edge, hn::And(row, high)));
    const auto first = hn::And(free, hn::Sub(zero, free));
    used_b = hn::Or(used_b, first);
    const auto hit = hn::Ne(first, zero);
    matched_a = hn::Or(matched_a, hn::IfThenElseZero(hit, hn::Load(d, blk.bit[i])));
    matches = hn::Sub(matches, hn::VecFromMask(d, hit));
  }

  // Transpositions: pair the i-th matched a with the lowest unpaired matched b.
  auto unpaired_b = used_b, transpositions = zero;
  for (size_t i = 0; i < max_a; ++i) {
    const auto matched = hn::TestBit(matched_a, hn::Load(d, blk.bit[i]));
    const auto next_b = hn::And(unpaired_b, hn::Sub(zero, unpaired_b));
    const auto same = hn::Ne(hn::And(hn::Load(d, blk.rows[i]), next_b), zero);
    transpositions = hn::Sub(transpositions, hn::VecFromMask(d, hn::AndNot(same, matched)));
    unpaired_b = hn::IfThenElse(matched, hn::Xor(unpaired_b, next_b), unpaired_b);
  }

  // Common prefix, at most 4: position i agrees when bit i of row i is set.
  auto prefix = zero;
  auto run = hn::Eq(zero, zero);
  for (size_t i = 0; i < std::min<size_t>(4, max_a); ++i) {
    run = hn::And(run, hn::TestBit(hn::Load(d, blk.rows[i]), hn::Load(d, blk.bit[i])));
    prefix = hn::Sub(prefix, hn::VecFromMask(d, run));
  }

  hn::Store(matches, d, blk.matches);
  hn::Store(transpositions, d, blk.transpositions);
  hn::Store(prefix, d, blk.prefix);
#if HWY_TARGET != HWY_SCALAR
  if constexpr (sizeof(T) <= 4 && std::endian::native == std::endian::little) {
    // The first four bytes of each JaroCounts packed in 32-bit lanes, so a
    // pair costs one 4-byte and one 1-byte store.
    static_assert(sizeof(JaroCounts) == 5 && offsetof(JaroCounts, matches) == 0 &&
                  offsetof(JaroCounts, transpositions) == 1 && offsetof(JaroCounts, prefix) == 2 &&
                  offsetof(JaroCounts, len_a) == 3 && offsetof(JaroCounts, len_b) == 4);
    const hn::ScalableTag<uint32_t> d32;
    const hn::Rebind<T, decltype(d32)> dt;
    auto wide = [&](const T* from) HWY_ATTR {
      if constexpr (sizeof(T) == 4) return hn::Load(d32, from);
      else return hn::PromoteTo(d32, hn::Load(dt, from));
    };
    HWY_ALIGN uint32_t packed[Block<T>::kMaxLanes];
    for (size_t p = 0; p < lanes; p += hn::Lanes(d32)) {
      const auto v = hn::Or(hn::Or(wide(blk.matches + p), hn::ShiftLeft<8>(wide(blk.transpositions + p))),
                            hn::Or(hn::ShiftLeft<16>(wide(blk.prefix + p)), hn::ShiftLeft<24>(wide(blk.len_a + p))));
      hn::Store(v, d32, packed + p);
    }
    for (size_t p = 0; p < count; ++p) {
      auto* to = reinterpret_cast<unsigned char*>(out + refs[p].k);
      std::memcpy(to, &packed[p], 4);
      to[4] = lb8[p];
    }
    return;
  }
#endif
  for (size_t p = 0; p < count; ++p) {
    JaroCounts c;
    c.len_a = la8[p];
    c.len_b = lb8[p];
    c.matches = static_cast<uint8_t>(blk.matches[p]);
    c.transpositions = static_cast<uint8_t>(blk.transpositions[p]);
    c.prefix = static_cast<uint8_t>(blk.prefix[p]);
    out[refs[p].k] = c;
  }
}

// One lane width's block and the pairs bucketed for it.
template <typename T>
struct Lanes {
  hwy::AlignedFreeUniquePtr<Block<T>[]> block = hwy::AllocateAligned<Block<T>>(1);
  size_t lanes = hn::Lanes(hn::ScalableTag<T>());
  Lanes() {
    for (size_t j = 0; j < Block<T>::kBits; ++j) std::fill_n(block[0].bit[j], lanes, static_cast<T>(T{1} << j));
    for (size_t k = 0; k < 8; ++k) {
      std::fill_n(block[0].kbit[k], lanes, static_cast<T>(uint64_t{0x0101010101010101} << k));
    }
  }
  // Runs the whole blocks of refs[0, count); returns how many are left.
  size_t Run(const char* bytes, uint64_t limit, const PairRef* refs, size_t count, JaroCounts* out) {
    size_t done = 0;
    for (; done + lanes <= count; done += lanes) RunBlock<T>(bytes, limit, refs + done, lanes, block[0], out);
    return count - done;
  }
  void Finish(const char* bytes, uint64_t limit, const PairRef* refs, size_t count, JaroCounts* out) {
    if (count > 0) RunBlock<T>(bytes, limit, refs, count, block[0], out);
  }
};

void JaroPairsImpl(const char* bytes, const uint64_t* offsets, const uint32_t* left, const uint32_t* right,
                   size_t n, JaroCounts* out) {
  // Pairs go to lanes of 8, 16, 32 or 64 bits by their longer string
  // (clamped to kJaroMaxLen, as the reference). A block's loops run to its
  // longest string, so 16-bit lanes are split at 12 characters: names of
  // 9-12 letters do not wait on those of 16. The pairs are bucketed a chunk
  // at a time, without branches (a branch per pair on random lengths
  // mispredicts half the time and cost more than the matching), and each
  // bucket's whole blocks run while the chunk's strings are in cache; the
  // rest waits for the next chunk.
  constexpr size_t kBuckets = 5;  // <= 8, 12, 16, 32, 64 characters
  constexpr size_t kChunk = 2048;
  static_assert(kChunk + 64 < 4096, "a chunk and a carried block fit a bucket's 12-bit count");
  constexpr size_t kAhead = 64;
  // Blocks and buckets are kept per thread: a call on a few thousand pairs
  // would otherwise spend a tenth of its time allocating them.
  struct Scratch {
    Lanes<uint8_t> l8;
    Lanes<uint16_t> l16;
    Lanes<uint32_t> l32;
    Lanes<uint64_t> l64;
    size_t carry = std::max({l8.lanes, l16.lanes, l32.lanes, l64.lanes});
    std::vector<PairRef> buckets = std::vector<PairRef>(kBuckets * (kChunk + carry));
  };
  static thread_local Scratch scratch;
  auto& l8 = scratch.l8;
  auto& l16 = scratch.l16;
  auto& l32 = scratch.l32;
  auto& l64 = scratch.l64;
  const size_t carry = scratch.carry;
  std::vector<PairRef>& buckets = scratch.buckets;
  size_t count[kBuckets] = {};
  auto bucket = [&](size_t b) { return buckets.data() + b * (kChunk + carry); };
  // Bucket of a pair by its longer (clamped) length, as 12 times its index:
  // the shift of its count in `packed`.
  static constexpr auto kShiftOf = [] {
    std::array<uint8_t, kJaroMaxLen + 1> s{};
    for (size_t l = 0; l <= kJaroMaxLen; ++l) s[l] = static_cast<uint8_t>(12 * ((l > 8) + (l > 12) + (l > 16) + (l > 32)));
    return s;
  }();
  // bases[shift / 4]: where that bucket's refs start (only multiples of 3 used).
  PairRef* bases[3 * kBuckets] = {};
  for (size_t w = 0; w < kBuckets; ++w) bases[3 * w] = bucket(w);
  // The column reaches at least this far: the furthest end of a string
  // bucketed so far (a block reads whole 16-byte chunks below it).
  uint64_t limit = 0;
  for (size_t begin = 0; begin < n; begin += kChunk) {
    const size_t end = std::min(n, begin + kChunk);
    uint64_t packed = 0;
    for (size_t w = 0; w < kBuckets; ++w) packed |= uint64_t{count[w]} << (12 * w);
    // In a real column a pair's strings are anywhere (the second record of a
    // candidate pair is random): their offsets are fetched kAhead pairs
    // early, and their bytes now, to be in cache when the chunk's blocks run
    // (a chunk's strings fit in L2).
    const size_t ahead_end = n > kAhead ? std::min(end, n - kAhead) : begin;
    auto add = [&](size_t k) HWY_ATTR {
      const uint64_t a = offsets[left[k]], end_a = offsets[left[k] + 1];
      const uint64_t b = offsets[right[k]], end_b = offsets[right[k] + 1];
      __builtin_prefetch(bytes + a);
      __builtin_prefetch(bytes + b);
      const uint64_t la = std::min<uint64_t>(end_a - a, kJaroMaxLen), lb = std::min<uint64_t>(end_b - b, kJaroMaxLen);
      limit = std::max(limit, std::max(end_a, end_b));
      // The buckets' counts live in one register, 12 bits each: a count
      // array in memory made every pair wait on the previous pair's store.
      const unsigned shift = kShiftOf[std::max(la, lb)];
      const size_t at = (packed >> shift) & 0xFFF;
      packed += uint64_t{1} << shift;
      bases[shift >> 2][at] = PairRef{a, b, static_cast<uint32_t>(k), static_cast<uint8_t>(la), static_cast<uint8_t>(lb)};
    };
    size_t k = begin;
    for (; k < ahead_end; ++k) {
      __builtin_prefetch(offsets + left[k + kAhead]);
      __builtin_prefetch(offsets + right[k + kAhead]);
      add(k);
    }
    for (; k < end; ++k) add(k);
    for (size_t w = 0; w < kBuckets; ++w) count[w] = (packed >> (12 * w)) & 0xFFF;
    const bool last = end == n;
    for (size_t w = 0; w < kBuckets; ++w) {
      PairRef* refs = bucket(w);
      size_t left_over = 0;
      switch (w) {
        case 0: left_over = l8.Run(bytes, limit, refs, count[w], out); break;
        case 1: case 2: left_over = l16.Run(bytes, limit, refs, count[w], out); break;
        case 3: left_over = l32.Run(bytes, limit, refs, count[w], out); break;
        default: left_over = l64.Run(bytes, limit, refs, count[w], out); break;
      }
      PairRef* rest = refs + (count[w] - left_over);
      if (last) {
        switch (w) {
          case 0: l8.Finish(bytes, limit, rest, left_over, out); break;
          case 1: case 2: l16.Finish(bytes, limit, rest, left_over, out); break;
          case 3: l32.Finish(bytes, limit, rest, left_over, out); break;
          default: l64.Finish(bytes, limit, rest, left_over, out); break;
        }
        left_over = 0;
      }
      std::copy(rest, rest + left_over, refs);
      count[w] = left_over;
    }
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace doppel::kernels::simd
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace doppel::kernels::simd {

HWY_EXPORT(JaroPairsImpl);

void JaroPairs(const char* bytes, const uint64_t* offsets, const uint32_t* left, const uint32_t* right, size_t n,
               JaroCounts* out) {
  HWY_DYNAMIC_DISPATCH(JaroPairsImpl)(bytes, offsets, left, right, n, out);
}

}  // namespace doppel::kernels::simd
#endif
