// Unicode helpers for matching: folding, transliteration and ASCII keys.
//
// Every string Doppel compares is folded once into an ASCII key: NFKC, case
// folded, ё->е, Cyrillic transliterated, Latin diacritics stripped, and a few
// spelling variants of transliterated Russian unified ("Юрий", "Yuriy",
// "Iurii" and "Jurij" all become "iuri"). The original stays for display.
// All functions are pure and thread-safe; input must be valid UTF-8 (the
// readers reject rows that are not).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace doppel::core {

// The general cases of the inline functions below.
char32_t NextCodePointSlow(std::string_view s, size_t& i);
void AppendUtf8Slow(std::string& out, char32_t cp);
bool IsLetterSlow(char32_t cp);

// Decodes the code point at s[i] and advances i. Invalid or truncated bytes
// decode as U+FFFD and advance by one byte. Inline for ASCII and two-byte
// sequences (Cyrillic, Latin-1): names and addresses are read a code point at
// a time.
inline char32_t NextCodePoint(std::string_view s, size_t& i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    ++i;
    return c;
  }
  if (c >= 0xC2 && c <= 0xDF && i + 1 < s.size()) {
    const auto c1 = static_cast<unsigned char>(s[i + 1]);
    if ((c1 & 0xC0) == 0x80) {
      i += 2;
      return (static_cast<char32_t>(c & 0x1F) << 6) | (c1 & 0x3F);
    }
  }
  return NextCodePointSlow(s, i);
}

inline void AppendUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    const char b[2] = {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
    out.append(b, 2);
  } else {
    AppendUtf8Slow(out, cp);
  }
}
// True when s is well-formed UTF-8 (no overlongs, no surrogates).
bool IsValidUtf8(std::string_view s);
// Length of the longest prefix of s that is well-formed UTF-8 and does not end
// inside a sequence.
size_t ValidUtf8Prefix(std::string_view s);

enum class Script : uint8_t { kNone, kLatin, kCyrillic, kMixed, kOther };
// The script of the letters in s (digits and punctuation do not count).
Script DetectScript(std::string_view s);
// DetectScript's count, for a caller that meets the letters one at a time.
struct ScriptTally {
  bool latin = false, cyrillic = false, other = false;
  void Add(char32_t letter);
  Script Result() const;
};

// A letter: ASCII and the Cyrillic letters U+0400-U+0481 (modern and
// historic, all of Unicode's L* categories) inline, Unicode's L* categories.
inline bool IsLetter(char32_t cp) {
  if (cp < 0x80) return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
  if (cp >= 0x0400 && cp <= 0x0481) return true;
  return IsLetterSlow(cp);
}
inline bool IsCyrillic(char32_t cp) { return cp >= 0x0400 && cp <= 0x052F; }
inline bool IsAsciiDigit(char32_t cp) { return cp >= '0' && cp <= '9'; }
inline void ScriptTally::Add(char32_t letter) {
  if (IsCyrillic(letter)) cyrillic = true;
  else if (letter < 0x250) latin = true;  // Basic Latin through Latin Extended-B
  else other = true;
}

// NFKC + full case folding + removal of default-ignorable code points
// (soft hyphens, zero-width spaces), then ё->е. "ЁЛКИН" -> "елкин".
std::string Fold(std::string_view s);

// Upper-cases the first letter of every word of a folded string, for display:
// "иванов-петров" -> "Иванов-Петров".
std::string TitleCase(std::string_view folded);

// Transliterates one folded code point to ASCII (Cyrillic by a GOST-like
// table, Latin with diacritics stripped). Returns false when cp has no ASCII
// form; apostrophes and soft/hard signs give an empty string and true.
bool TransliterateCodePoint(char32_t cp, std::string& out);

// The ASCII matching key of a name or address fragment: folded,
// transliterated, words separated by one space, and each word passed through
// FoldKeyWord. Characters with no ASCII form are kept as UTF-8.
std::string AsciiKey(std::string_view s);
// AsciiKey of a string that is already Fold()ed (skips the second fold).
std::string AsciiKeyOfFolded(std::string_view folded);
// The same without the per-thread cache of recent words' keys (for tests).
std::string AsciiKeyOfFoldedUncached(std::string_view folded);

// Unifies transliteration variants inside one lower-case ASCII word:
// x->ks, tch->ch, ph->f, ck->k, c (not in ch)->k, shch->sch, kh->h, tz->ts, w->v, j and y->i, runs of i
// collapsed, initial ie->e, final off/eff->ov/ev. Idempotent.
void FoldKeyWord(std::string& word);

// Splits on ASCII spaces, dropping empty parts.
std::vector<std::string_view> SplitWords(std::string_view s);
// The same words, one call each, with nothing allocated.
template <typename Fn>
void ForEachWord(std::string_view s, Fn&& fn) {
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ') ++j;
    if (j > i) fn(s.substr(i, j - i));
    i = j;
  }
}

// Trims ASCII whitespace and NBSP (U+00A0) from both ends.
std::string_view Trim(std::string_view s);

}  // namespace doppel::core
