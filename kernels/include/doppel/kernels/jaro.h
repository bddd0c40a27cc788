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

namespace doppel::kernels {

inline constexpr size_t kJaroMaxLen = 64;

struct JaroCounts {
  uint8_t matches = 0;
  uint8_t transpositions = 0;  // out-of-order matched characters (2t in the textbook)
  uint8_t prefix = 0;          // common prefix, at most 4
  uint8_t len_a = 0, len_b = 0;
};

// The scalar definition.
JaroCounts JaroCountsOf(std::string_view a, std::string_view b);

// Jaro-Winkler similarity in [0, 1] from the counts (Winkler's prefix
// boost 0.1 per character, applied when Jaro > 0.7).
inline double JaroWinkler(const JaroCounts& c) {
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
