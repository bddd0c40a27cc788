// Case folding of ASCII and basic Cyrillic text in bulk, the common case of
// names and addresses (core/unicode.h Fold uses it before utf8proc).
//
// Defined per string, byte for byte, by FoldBasicString below:
//   - ASCII: A-Z become a-z, every other byte is kept;
//   - two-byte UTF-8 for U+0400..U+045F: capitals become small letters
//     (А-Я -> а-я, Ѐ-Џ -> ѐ-џ) and ё, Ё become е;
//   - anything else (other scripts, U+0460 and up, invalid UTF-8, a sequence
//     cut at the end of the string) makes the string "other": the kernel
//     says so and the caller folds it with full Unicode rules.
// Every mapping keeps each character's byte length, so the output has the
// input's offsets, and a SIMD lane can fold a byte from itself and its two
// neighbours.
#pragma once

#include <cstddef>
#include <cstdint>

namespace doppel::kernels {

// The scalar definition for one string of n bytes: writes n bytes to out and
// returns true, or returns false (out then unspecified) when the string
// holds anything the basic fold does not cover.
inline bool FoldBasicString(const unsigned char* s, size_t n, unsigned char* out) {
  for (size_t i = 0; i < n;) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      out[i++] = static_cast<unsigned char>(static_cast<unsigned>(c - 'A') < 26u ? c + 32 : c);
      continue;
    }
    if ((c & 0xFE) != 0xD0 || i + 1 >= n || (s[i + 1] & 0xC0) != 0x80) return false;
    unsigned cp = ((c & 1u) << 6) | (s[i + 1] & 0x3Fu);  // the code point - U+0400
    if (cp >= 0x60) return false;                          // U+0460 and up
    if (cp < 0x10) cp += 0x50;                             // Ѐ-Џ -> ѐ-џ
    else if (cp < 0x30) cp += 0x20;                        // А-Я -> а-я
    if (cp == 0x51) cp = 0x35;                             // ё -> е
    out[i] = static_cast<unsigned char>(0xD0 | (cp >> 6));
    out[i + 1] = static_cast<unsigned char>(0x80 | (cp & 0x3F));
    i += 2;
  }
  return true;
}

}  // namespace doppel::kernels
