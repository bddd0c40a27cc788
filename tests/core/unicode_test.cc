#include "doppel/core/unicode.h"

#include <gtest/gtest.h>

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

TEST(Trim, StripsSpacesAndNbsp) {
  EXPECT_EQ(Trim("\xC2\xA0 abc \t"), "abc");
  EXPECT_EQ(Trim("   "), "");
}

}  // namespace
}  // namespace doppel::core
