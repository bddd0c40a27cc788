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

// Decodes the code point at s[i] and advances i. Invalid or truncated bytes
// decode as U+FFFD and advance by one byte.
char32_t NextCodePoint(std::string_view s, size_t& i);
void AppendUtf8(std::string& out, char32_t cp);
// True when s is well-formed UTF-8 (no overlongs, no surrogates).
bool IsValidUtf8(std::string_view s);
// Length of the longest prefix of s that is well-formed UTF-8 and does not end
// inside a sequence.
size_t ValidUtf8Prefix(std::string_view s);

enum class Script : uint8_t { kNone, kLatin, kCyrillic, kMixed, kOther };
// The script of the letters in s (digits and punctuation do not count).
Script DetectScript(std::string_view s);

bool IsLetter(char32_t cp);
bool IsCyrillic(char32_t cp);
inline bool IsAsciiDigit(char32_t cp) { return cp >= '0' && cp <= '9'; }

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

// Unifies transliteration variants inside one lower-case ASCII word:
// x->ks, tch->ch, ph->f, ck->k, c (not in ch)->k, shch->sch, kh->h, tz->ts, w->v, j and y->i, runs of i
// collapsed, initial ie->e, final off/eff->ov/ev. Idempotent.
void FoldKeyWord(std::string& word);

// Splits on ASCII spaces, dropping empty parts.
std::vector<std::string_view> SplitWords(std::string_view s);

// Trims ASCII whitespace and NBSP (U+00A0) from both ends.
std::string_view Trim(std::string_view s);

}  // namespace doppel::core
