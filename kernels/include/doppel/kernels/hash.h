// DH64: the 64-bit hash of normalized keys, identical on every backend.
//
// Defined for batches of short strings: each string is read as 8-byte
// little-endian words (the last zero-padded), so a SIMD lane or a CUDA thread
// can hash one string with the same arithmetic as this scalar reference:
//
//   h = seed ^ (len * 0x9E3779B97F4A7C15)
//   for each word w:  h = (h ^ w) * 0xBF58476D1CE4E5B9;  h ^= h >> 31
//   return fmix64(h)            (MurmurHash3's finalizer)
//
// Each step is a bijection of the word for a fixed state, so two different
// strings of the same length up to 8 bytes never collide. The definition is
// part of the storage format: do not change it without a migration.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "doppel/kernels/hd.h"

namespace doppel::kernels {

inline constexpr uint64_t kHashLenMul = 0x9E3779B97F4A7C15ULL;
inline constexpr uint64_t kHashWordMul = 0xBF58476D1CE4E5B9ULL;


DOPPEL_HD inline uint64_t HashFinalize(uint64_t h) {
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDULL;
  h ^= h >> 33;
  h *= 0xC4CEB9FE1A85EC53ULL;
  h ^= h >> 33;
  return h;
}

DOPPEL_HD inline uint64_t HashStep(uint64_t h, uint64_t word) {
  h = (h ^ word) * kHashWordMul;
  return h ^ (h >> 31);
}

// The last 1..7 bytes as a zero-padded little-endian word, without a
// variable-length memcpy (a library call; 6x slower on 12-byte keys): two
// overlapping 4-byte loads, or three single bytes. Overlapping bytes land on
// the same bit positions, so OR-ing them is exact.
inline uint64_t LoadTail(const char* p, size_t rem) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  if (rem >= 4) {
    uint32_t lo, hi;
    std::memcpy(&lo, b, 4);
    std::memcpy(&hi, b + rem - 4, 4);
    return uint64_t{lo} | (uint64_t{hi} << (8 * (rem - 4)));
  }
  return uint64_t{b[0]} | (uint64_t{b[rem / 2]} << (8 * (rem / 2))) | (uint64_t{b[rem - 1]} << (8 * (rem - 1)));
}

// The scalar definition of DH64 for one string.
inline uint64_t HashBytes(const char* p, size_t len, uint64_t seed) {
  uint64_t h = seed ^ (static_cast<uint64_t>(len) * kHashLenMul);
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);  // little-endian hosts only (x86-64, aarch64)
    h = HashStep(h, w);
  }
  if (i < len) h = HashStep(h, LoadTail(p + i, len - i));
  return HashFinalize(h);
}

inline uint64_t HashString(std::string_view s, uint64_t seed = 0) { return HashBytes(s.data(), s.size(), seed); }

}  // namespace doppel::kernels
