// Private to the generator: what the reference lists (generator_lists.cc) and
// the engine (generator.cc) share. Not part of the public API.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "doppel/core/generator.h"
#include "doppel/core/unicode.h"

namespace doppel::core::generator_internal {

// Appends v in decimal, zero-padded on the left to at least `width` digits.
inline void AppendInt(std::string& out, uint64_t v, int width = 0) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v > 0);
  while (n < width) tmp[n++] = '0';
  while (n > 0) out.push_back(tmp[--n]);
}

// Names are edited letter by letter (typos, endings), so they are held as
// code points while they change.
inline std::u32string Decode(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) out.push_back(NextCodePoint(s, i));
  return out;
}

inline std::string Encode(std::u32string_view s) {
  std::string out;
  out.reserve(s.size() * 2);
  for (char32_t c : s) AppendUtf8(out, c);
  return out;
}

// Case of the letters on the two keyboards the generator types on, Latin and
// Russian; anything else is left as it is. unicode.h has no upper-casing, and
// its Fold() also turns ё into е, which the generator must keep.
inline char32_t ToUpperCp(char32_t c) {
  if (c >= 'a' && c <= 'z') return c - 32;
  if (c >= 0x430 && c <= 0x44F) return c - 0x20;
  if (c == 0x451) return 0x401;
  return c;
}

inline char32_t ToLowerCp(char32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c >= 0x410 && c <= 0x42F) return c + 0x20;
  if (c == 0x401) return 0x451;
  return c;
}

inline bool IsUpperCp(char32_t c) { return (c >= 'A' && c <= 'Z') || (c >= 0x410 && c <= 0x42F) || c == 0x401; }

// Patronymics by the regular rules, for the built-in lists and for fathers the
// patronymic list does not know.
GeneratorLists::Patronymic DerivePatronymic(std::string_view father);

// How common a mailbox provider is among Russian and US consumers, as a
// relative weight.
double DomainWeight(std::string_view domain);

}  // namespace doppel::core::generator_internal
