// Jaro-Winkler as integers, so every backend agrees bit for bit.
//
// A kernel returns, for two byte strings, the number of matching characters
// m, the number of transpositions t (matched characters out of order, not yet
// halved) and the common prefix length p (at most 4). The similarity is
// computed from those integers once, in JaroWinkler() below, by every caller
// whatever the backend. Strings longer than kJaroMaxLen are compared on their
// first kJaroMaxLen bytes (names and keys are far shorter), which lets a SIMD
// or CUDA kernel keep one 64-bit match mask per string.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "doppel/kernels/hd.h"

namespace doppel::kernels {

inline constexpr size_t kJaroMaxLen = 64;

struct JaroCounts {
  uint8_t matches = 0;
  uint8_t transpositions = 0;  // out-of-order matched characters (2t in the textbook)
  uint8_t prefix = 0;          // common prefix, at most 4
  uint8_t len_a = 0, len_b = 0;
};

// The scalar definition, on raw bytes (host and device): the reference's
// greedy match (each character of a, in order, takes the first free equal
// character of b inside the window), then transpositions in match order.
DOPPEL_HD inline JaroCounts JaroCountsBytes(const unsigned char* a, size_t la, const unsigned char* b, size_t lb) {
  JaroCounts c;
  la = la < kJaroMaxLen ? la : kJaroMaxLen;
  lb = lb < kJaroMaxLen ? lb : kJaroMaxLen;
  c.len_a = static_cast<uint8_t>(la);
  c.len_b = static_cast<uint8_t>(lb);
  if (la == 0 || lb == 0) return c;
  const size_t longer = la > lb ? la : lb;
  const size_t window = longer / 2 > 0 ? longer / 2 - 1 : 0;
  uint64_t used_b = 0, matched_a = 0;  // bit j: b[j] matched; bit i: a[i] matched
  unsigned matches = 0;
  for (size_t i = 0; i < la; ++i) {
    const size_t from = i > window ? i - window : 0;
    const size_t to = lb < i + window + 1 ? lb : i + window + 1;
    for (size_t j = from; j < to; ++j) {
      if (!((used_b >> j) & 1) && a[i] == b[j]) {
        used_b |= uint64_t{1} << j;
        matched_a |= uint64_t{1} << i;
        ++matches;
        break;
      }
    }
  }
  unsigned transpositions = 0;
  for (size_t i = 0, j = 0; i < la; ++i) {
    if (!((matched_a >> i) & 1)) continue;
    while (!((used_b >> j) & 1)) ++j;
    if (a[i] != b[j]) ++transpositions;
    ++j;
  }
  unsigned prefix = 0;
  while (prefix < 4 && prefix < la && prefix < lb && a[prefix] == b[prefix]) ++prefix;
  c.matches = static_cast<uint8_t>(matches);
  c.transpositions = static_cast<uint8_t>(transpositions);
  c.prefix = static_cast<uint8_t>(prefix);
  return c;
}

inline JaroCounts JaroCountsOf(std::string_view a, std::string_view b) {
  return JaroCountsBytes(reinterpret_cast<const unsigned char*>(a.data()), a.size(),
                         reinterpret_cast<const unsigned char*>(b.data()), b.size());
}

// Jaro-Winkler similarity in [0, 1] from the counts (Winkler's prefix
// boost 0.1 per character, applied when Jaro > 0.7).
DOPPEL_HD inline double JaroWinkler(const JaroCounts& c) {
  if (c.len_a == 0 && c.len_b == 0) return 1.0;
  if (c.matches == 0) return 0.0;
  double m = c.matches;
  // Half the out-of-order characters, rounded down, as Winkler's strcmp95
  // (and rapidfuzz, and DuckDB under Splink) count transpositions.
  double jaro = (m / c.len_a + m / c.len_b + (m - c.transpositions / 2) / m) / 3.0;
  if (jaro <= 0.7) return jaro;
  return jaro + c.prefix * 0.1 * (1.0 - jaro);
}

inline double JaroWinkler(std::string_view a, std::string_view b) { return JaroWinkler(JaroCountsOf(a, b)); }

}  // namespace doppel::kernels
