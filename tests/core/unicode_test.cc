#include "doppel/core/unicode.h"

#include <gtest/gtest.h>
#include <utf8proc.h>

#include <cstring>
#include <memory>
#include <random>
#include <sstream>

#include "doppel/core/generator.h"

namespace doppel::core {
namespace {

TEST(Fold, CaseYoAndCompatibilityForms) {
  EXPECT_EQ(Fold("ЁЛКИН Пётр"), "елкин петр");
  EXPECT_EQ(Fold("IVANOV"), "ivanov");
  EXPECT_EQ(Fold("Ｉｖａｎ"), "ivan");                  // fullwidth -> NFKC
  EXPECT_EQ(Fold("Straße"), "strasse");                // full case folding
  EXPECT_EQ(Fold("Ива\xC2\xADнов"), "иванов");         // soft hyphen is ignorable
  EXPECT_EQ(Fold("ЇЖАК"), "їжак");
}

TEST(AsciiKey, TransliterationVariantsShareAKey) {
  struct Case { const char* a; const char* b; };
  const Case cases[] = {
      {"Иванов", "Ivanov"},      {"Юрий", "Yuriy"},        {"Юрий", "Iurii"},      {"Юрий", "Jurij"},
      {"Алексей", "Alexey"},     {"Алексей", "Aleksei"},   {"Михаил", "Mikhail"},  {"Михаил", "Mihail"},
      {"Щукин", "Shchukin"},     {"Елена", "Yelena"},      {"Елена", "Elena"},     {"Наталья", "Natalia"},
      {"Наталья", "Natalya"},    {"Мария", "Maria"},       {"Мария", "Mariya"},    {"Дмитрий", "Dmitry"},
      {"Татьяна", "Tatiana"},    {"Ксения", "Xenia"},      {"Виктория", "Victoria"}, {"София", "Sophia"},
      {"Чайковский", "Tchaikovsky"}, {"Смирнов", "Smirnoff"}, {"Иванов", "Iwanow"}, {"Пётр", "Petr"},
      {"Ольга", "Ol'ga"},        {"Сергей", "Sergej"},
  };
  for (const auto& c : cases) EXPECT_EQ(AsciiKey(c.a), AsciiKey(c.b)) << c.a << " vs " << c.b;
  EXPECT_EQ(AsciiKey("Иванов"), "ivanov");
  EXPECT_NE(AsciiKey("Иванов"), AsciiKey("Иванова"));
  EXPECT_EQ(AsciiKey("  Петров-Водкин  "), "petrov vodkin");
  EXPECT_EQ(AsciiKey("O'Brien"), "obrien");
  EXPECT_EQ(AsciiKey("José Müller"), "iose muller");
}

// The per-thread cache of word keys changes no key: every line of a
// generated base (names, streets, cities, emails), keyed twice so the second
// pass hits the cache, plus random words that overflow and evict its slots.
TEST(AsciiKey, CachedKeysEqualUncachedOnes) {
  GeneratorOptions options;
  options.rows = 3000;
  options.seed = 11;
  std::ostringstream base, truth;
  ASSERT_TRUE(Generate(options, BuiltinGeneratorLists(Locale::kRu), base, truth).ok());
  std::vector<std::string> lines;
  std::istringstream in(base.str());
  for (std::string line; std::getline(in, line);) lines.push_back(Fold(line));
  const std::vector<std::string> pieces = {"ив", "а", "no", "'", "\u2019", "\u0301", "\u0663", "щ", "x", "ß",
                                           "-", " ", ".", "7", "é", "ck", "ё", "ΑΒ", "𝔘", "  "};
  std::mt19937_64 rng(2026);
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    for (int k = static_cast<int>(rng() % 24); k > 0; --k) s += pieces[rng() % pieces.size()];
    lines.push_back(Fold(s));
  }
  for (int pass = 0; pass < 2; ++pass) {
    for (const std::string& l : lines) ASSERT_EQ(AsciiKeyOfFolded(l), AsciiKeyOfFoldedUncached(l)) << l;
  }
}

TEST(FoldKeyWord, IsIdempotent) {
  for (const char* w : {"shchukin", "alexey", "yelena", "iwanoff", "tchaikovsky", "mariya", "kh", "x", "ie", "jj"}) {
    std::string once = w;
    FoldKeyWord(once);
    std::string twice = once;
    FoldKeyWord(twice);
    EXPECT_EQ(once, twice) << w;
  }
}

TEST(Utf8, ValidationRejectsMalformedSequences) {
  EXPECT_TRUE(IsValidUtf8("привет, world"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("abc\xD0"));           // truncated
  EXPECT_EQ(ValidUtf8Prefix("abc\xD0"), 3u);
  std::string s;
  AppendUtf8(s, 0x1F600);
  size_t i = 0;
  EXPECT_EQ(NextCodePoint(s, i), 0x1F600u);
  EXPECT_EQ(i, 4u);
}

// The length of the well-formed prefix by the Unicode standard's table of
// well-formed byte sequences (3-7), one sequence at a time.
size_t WellFormedPrefix(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = p[i];
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;  // the second byte's range
    if (c <= 0x7F) len = 1;
    else if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c >= 0xE0 && c <= 0xEF) len = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4) len = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    else return i;
    if (i + len > s.size()) return i;
    for (size_t k = 1; k < len; ++k) {
      const unsigned char b = p[i + k];
      if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return i;
    }
    i += len;
  }
  return i;
}

// Random mixes of ASCII runs, Cyrillic, three- and four-byte characters and
// broken sequences, at every alignment the fast paths (eight ASCII bytes at
// a time, two-byte runs) can meet them.
TEST(Utf8, ValidPrefixMatchesTheStandardsTable) {
  const std::vector<std::string> pieces = {"a",        "abcdefgh",  "Иван",     "ё",         "€",     "𝔘",
                                           "\xC0\xAF", "\xD0",      "\xD0\x41", "\xE0\x9F\x80", "\xED\xA0\x80",
                                           "\xF4\x90\x80\x80", "\x80", "\xFF", "\xE2\x82", "\xC2\xA0", " "};
  std::mt19937_64 rng(7);
  for (int i = 0; i < 50000; ++i) {
    std::string s;
    for (int k = static_cast<int>(rng() % 12); k > 0; --k) {
      // Mostly well-formed pieces, so the broken one can sit deep inside.
      const size_t pick = rng() % 4 == 0 ? rng() % pieces.size() : rng() % 6;
      s += pieces[pick];
    }
    // In a buffer of exactly its size, so a sanitized build sees any read
    // past the end (a std::string has its terminator there).
    const std::unique_ptr<char[]> exact(new char[s.size()]);
    std::memcpy(exact.get(), s.data(), s.size());
    const std::string_view view(exact.get(), s.size());
    ASSERT_EQ(ValidUtf8Prefix(view), WellFormedPrefix(s)) << ::testing::PrintToString(s);
    ASSERT_EQ(IsValidUtf8(view), WellFormedPrefix(s) == s.size());
  }
}

// The inline ranges of IsLetter agree with Unicode's categories.
TEST(IsLetter, InlineRangesAgreeWithUnicode) {
  for (char32_t cp = 0; cp < 0x3000; ++cp) ASSERT_EQ(IsLetter(cp), IsLetterSlow(cp)) << std::hex << static_cast<uint32_t>(cp);
}

TEST(Script, DetectsMixedScriptWords) {
  EXPECT_EQ(DetectScript("Иванов"), Script::kCyrillic);
  EXPECT_EQ(DetectScript("Ivanov"), Script::kLatin);
  EXPECT_EQ(DetectScript("Ивaнов"), Script::kMixed);  // Latin 'a'
  EXPECT_EQ(DetectScript("123-45"), Script::kNone);
}

TEST(TitleCase, CapitalisesEachWord) {
  EXPECT_EQ(TitleCase("иванов-петров"), "Иванов-Петров");
  EXPECT_EQ(TitleCase("o'brien"), "O'brien");
  EXPECT_EQ(TitleCase("анна мария"), "Анна Мария");
}

// TitleCase raises letters in place; it writes what decoding each code
// point and encoding it again, capitalised at a word's start, would.
TEST(TitleCase, EqualsRecodingEachCodePoint) {
  auto recoded = [](std::string_view s) {
    std::string out;
    bool start = true;
    for (size_t i = 0; i < s.size();) {
      char32_t cp = NextCodePoint(s, i);
      if (IsLetter(cp)) {
        if (start) cp = static_cast<char32_t>(utf8proc_toupper(static_cast<utf8proc_int32_t>(cp)));
        start = false;
      } else {
        start = !(cp == '\'' || cp == 0x2019);
      }
      AppendUtf8(out, cp);
    }
    return out;
  };
  const std::vector<std::string> pieces = {"ив", "а", "no", "'", "\u2019", "ё", "ß", "ǆ", "ﬁ", "ΐ", "-", " ",
                                           "é", "\xD0", "\xFF", "\xE2\x82", "7", "ѳ", "ά", "\u0149"};
  std::mt19937_64 rng(5);
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    for (int k = static_cast<int>(rng() % 10); k > 0; --k) s += pieces[rng() % pieces.size()];
    ASSERT_EQ(TitleCase(s), recoded(s)) << ::testing::PrintToString(s);
  }
}

TEST(Trim, StripsSpacesAndNbsp) {
  EXPECT_EQ(Trim("\xC2\xA0 abc \t"), "abc");
  EXPECT_EQ(Trim("   "), "");
}

}  // namespace
}  // namespace doppel::core
