#include "doppel/core/name.h"

#include <gtest/gtest.h>

namespace doppel::core {
namespace {

struct Case {
  const char* full;
  const char* last;
  const char* first;
  const char* middle;
  Gender gender;
};

TEST(Name, SplitsRussianOrdersAndLatin) {
  const Case cases[] = {
      {"Иванов Иван Иванович", "Иванов", "Иван", "Иванович", Gender::kMale},
      {"ИВАНОВА МАРИЯ ПЕТРОВНА", "Иванова", "Мария", "Петровна", Gender::kFemale},
      {"Иван Иванович Иванов", "Иванов", "Иван", "Иванович", Gender::kMale},
      {"Мария Петровна Иванова", "Иванова", "Мария", "Петровна", Gender::kFemale},
      {"Иван Иванов", "Иванов", "Иван", "", Gender::kMale},
      {"Иванов Иван", "Иванов", "Иван", "", Gender::kMale},
      {"Иванов И.И.", "Иванов", "И", "И", Gender::kMale},
      {"И. И. Иванов", "Иванов", "И", "И", Gender::kMale},
      {"Иванов Иван И.", "Иванов", "Иван", "И", Gender::kMale},
      {"Пётр Ильич Чайковский", "Чайковский", "Петр", "Ильич", Gender::kMale},
      {"Петрович Иван Сергеевич", "Петрович", "Иван", "Сергеевич", Gender::kMale},
      {"Мамедов Эльдар Гасан оглы", "Мамедов", "Эльдар", "Гасан Оглы", Gender::kMale},
      {"Алиева Лейла Гасан кызы", "Алиева", "Лейла", "Гасан Кызы", Gender::kFemale},
      {"Петров-Водкин Кузьма Сергеевич", "Петров-Водкин", "Кузьма", "Сергеевич", Gender::kMale},
      {"  иванов   иван  ", "Иванов", "Иван", "", Gender::kMale},
      {"Ivanov Ivan Ivanovich", "Ivanov", "Ivan", "Ivanovich", Gender::kMale},
      {"John Smith", "Smith", "John", "", Gender::kMale},
      {"Smith, John", "Smith", "John", "", Gender::kMale},
      {"Mary Ann Smith", "Smith", "Mary", "Ann", Gender::kFemale},
      {"Анна", "", "Анна", "", Gender::kFemale},
      {"Сидоров", "Сидоров", "", "", Gender::kMale},
      {"Ольга Сергеевна", "", "Ольга", "Сергеевна", Gender::kFemale},
      {"Ивaнов Иван", "Иванов", "Иван", "", Gender::kMale},  // Latin 'a' repaired
  };
  for (const auto& c : cases) {
    NameResult r = NormalizeName({c.full});
    EXPECT_TRUE(r.verdict.usable()) << c.full;
    EXPECT_EQ(r.last, c.last) << c.full;
    EXPECT_EQ(r.first, c.first) << c.full;
    EXPECT_EQ(r.middle, c.middle) << c.full;
    EXPECT_EQ(GenderCode(r.gender), GenderCode(c.gender)) << c.full;
  }
}

TEST(Name, KeysMatchAcrossScriptsAndCase) {
  NameResult cyr = NormalizeName({"Иванов Юрий Петрович"});
  NameResult lat = NormalizeName({"Ivanov Yuriy Petrovich"});
  NameResult parts = NormalizeName({"", "IVANOV", "Iurii", "Petrovich"});
  EXPECT_EQ(cyr.last_key, "ivanov");
  EXPECT_EQ(cyr.last_key, lat.last_key);
  EXPECT_EQ(cyr.first_key, lat.first_key);
  EXPECT_EQ(cyr.middle_key, lat.middle_key);
  EXPECT_EQ(parts.first_key, cyr.first_key);
  EXPECT_EQ(NormalizeName({"Ёлкина Алёна"}).last_key, NormalizeName({"Елкина Алена"}).last_key);
}

TEST(Name, InitialsAreFlagged) {
  NameResult r = NormalizeName({"Иванов И.И."});
  EXPECT_TRUE(r.first_is_initial);
  EXPECT_TRUE(r.middle_is_initial);
  EXPECT_FALSE(NormalizeName({"Иванов Иван"}).first_is_initial);
}

TEST(Name, PartsFromColumnsWinOverTheFullName) {
  NameResult r = NormalizeName({"Иванов Иван", "Петров", "", ""});
  EXPECT_EQ(r.last, "Петров");
  EXPECT_EQ(r.first, "Иван");
}

TEST(Name, InvalidAndWarnings) {
  EXPECT_EQ(NormalizeName({""}).verdict.validity, Validity::kEmpty);
  EXPECT_EQ(NormalizeName({"  "}).verdict.validity, Validity::kEmpty);
  EXPECT_EQ(NormalizeName({"нет"}).verdict.reason, Reason::kPlaceholder);
  EXPECT_EQ(NormalizeName({"-"}).verdict.reason, Reason::kPlaceholder);
  EXPECT_EQ(NormalizeName({"12345"}).verdict.reason, Reason::kNameNoLetters);
  NameResult digits = NormalizeName({"Иванов2 Иван"});
  EXPECT_EQ(digits.verdict.validity, Validity::kWarning);
  EXPECT_EQ(digits.verdict.reason, Reason::kNameHasDigits);
  EXPECT_EQ(digits.last, "Иванов");
  EXPECT_EQ(NormalizeName({"Ивaнов Иван"}).verdict.reason, Reason::kNameMixedScript);
}

TEST(Name, Patronymics) {
  EXPECT_TRUE(LooksLikePatronymic("иванович"));
  EXPECT_TRUE(LooksLikePatronymic("ильинична"));
  EXPECT_TRUE(LooksLikePatronymic("ivanovna"));
  EXPECT_FALSE(LooksLikePatronymic("иванов"));
  EXPECT_EQ(PatronymicGender("сергеевна"), Gender::kFemale);
  EXPECT_EQ(PatronymicGender("ильич"), Gender::kMale);
  EXPECT_EQ(PatronymicGender("гасан оглы"), Gender::kMale);
}

}  // namespace
}  // namespace doppel::core

namespace doppel::core {
namespace {

// Found by the name fuzz target: junk around a placeholder letter made it a
// valid first name, while the same letter alone is a placeholder.
TEST(NameFuzzFindings, WhatIsLeftIsJudgedAgain) {
  NameInput junk;
  junk.full = std::string_view("x\0" "0", 3);
  EXPECT_FALSE(NormalizeName(junk).verdict.usable());
  NameInput alone;
  alone.first = "X";
  EXPECT_FALSE(NormalizeName(alone).verdict.usable());
  // Invalid UTF-8 is repaired before folding, so the parts fold to themselves.
  NameInput broken;
  broken.full = "Иванов ИвИван \xd0";
  NameResult r = NormalizeName(broken);
  NameInput parts;
  parts.last = r.last;
  parts.first = r.first;
  NameResult again = NormalizeName(parts);
  EXPECT_EQ(again.first, r.first);
  EXPECT_EQ(r.first, "Ививан");
  // Turkish dotless ı title-cases to I: both key as "i".
  NameInput dotless;
  dotless.full = "Đı";
  NameResult d = NormalizeName(dotless);
  NameInput d_parts;
  d_parts.last = d.last;
  d_parts.first = d.first;
  d_parts.middle = d.middle;
  NameResult d_again = NormalizeName(d_parts);
  EXPECT_EQ(d_again.last_key, d.last_key);
  EXPECT_EQ(d_again.first_key, d.first_key);
}

}  // namespace
}  // namespace doppel::core
