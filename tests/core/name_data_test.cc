#include "doppel/core/name_data.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace doppel::core {
namespace {

bool Contains(const std::vector<std::string_view>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST(NameData, ListsHaveTheAdvertisedSize) {
  int ru_m = 0, ru_f = 0, en_m = 0, en_f = 0;
  for (const FirstName& n : RussianFirstNames()) {
    ru_m += n.gender == Gender::kMale;
    ru_f += n.gender == Gender::kFemale;
  }
  for (const FirstName& n : EnglishFirstNames()) {
    en_m += n.gender == Gender::kMale;
    en_f += n.gender == Gender::kFemale;
  }
  EXPECT_GE(ru_m, 140);
  EXPECT_GE(ru_f, 140);
  EXPECT_GE(en_m, 100);
  EXPECT_GE(en_f, 100);
  int ru_pairs = 0, en_pairs = 0;
  for (const Diminutive& d : Diminutives()) {
    (static_cast<unsigned char>(d.full[0]) < 0x80 ? en_pairs : ru_pairs)++;
  }
  EXPECT_GE(ru_pairs, 60);
  EXPECT_GE(en_pairs, 60);
}

TEST(NameData, Genders) {
  EXPECT_EQ(FirstNameGender("александр"), Gender::kMale);
  EXPECT_EQ(FirstNameGender("александра"), Gender::kFemale);
  EXPECT_EQ(FirstNameGender("татьяна"), Gender::kFemale);
  EXPECT_EQ(FirstNameGender("robert"), Gender::kMale);
  EXPECT_EQ(FirstNameGender("margaret"), Gender::kFemale);
  // Diminutives take the gender of their full forms when those agree.
  EXPECT_EQ(FirstNameGender("вова"), Gender::kMale);
  EXPECT_EQ(FirstNameGender("наташа"), Gender::kFemale);
  EXPECT_EQ(FirstNameGender("bob"), Gender::kMale);
  EXPECT_EQ(FirstNameGender("peggy"), Gender::kFemale);
  // ...and say nothing when they do not.
  EXPECT_EQ(FirstNameGender("саша"), Gender::kUnknown);
  EXPECT_EQ(FirstNameGender("женя"), Gender::kUnknown);
  EXPECT_EQ(FirstNameGender("валя"), Gender::kUnknown);
  EXPECT_EQ(FirstNameGender("sam"), Gender::kUnknown);
  EXPECT_EQ(FirstNameGender("jordan"), Gender::kUnknown);
  // Unknown words and surnames.
  EXPECT_EQ(FirstNameGender("иванов"), Gender::kUnknown);
  EXPECT_EQ(FirstNameGender(""), Gender::kUnknown);
}

TEST(NameData, KnownNames) {
  EXPECT_TRUE(IsKnownFirstName("петр"));
  EXPECT_TRUE(IsKnownFirstName("петя"));
  EXPECT_TRUE(IsKnownFirstName("bob"));
  EXPECT_TRUE(IsKnownFirstName("william"));
  EXPECT_FALSE(IsKnownFirstName("иванов"));
  EXPECT_FALSE(IsKnownFirstName("smith"));
  // Callers fold: unfolded spellings are not in the tables.
  EXPECT_FALSE(IsKnownFirstName("Петр"));
  EXPECT_FALSE(IsKnownFirstName("пётр"));
  EXPECT_FALSE(IsKnownFirstName("алёна"));
  EXPECT_TRUE(IsKnownFirstName("алена"));
}

TEST(NameData, FullFormsOfDiminutives) {
  auto sasha = FullFormsOf("саша");
  EXPECT_EQ(sasha.size(), 2u);
  EXPECT_TRUE(Contains(sasha, "александр"));
  EXPECT_TRUE(Contains(sasha, "александра"));
  EXPECT_EQ(FullFormsOf("bob"), std::vector<std::string_view>{"robert"});
  EXPECT_TRUE(Contains(FullFormsOf("слава"), "вячеслав"));
  EXPECT_TRUE(Contains(FullFormsOf("слава"), "ярослав"));
  EXPECT_TRUE(Contains(FullFormsOf("наташа"), "наталья"));
  EXPECT_TRUE(Contains(FullFormsOf("наташа"), "наталия"));
  EXPECT_TRUE(FullFormsOf("александр").empty());
  EXPECT_TRUE(FullFormsOf("robert").empty());
  EXPECT_TRUE(FullFormsOf("xyz").empty());
}

TEST(NameData, DiminutivesOfFullNames) {
  auto bill = DiminutivesOf("william");
  EXPECT_TRUE(Contains(bill, "bill"));
  EXPECT_TRUE(Contains(bill, "will"));
  EXPECT_TRUE(Contains(DiminutivesOf("александр"), "шура"));
  EXPECT_TRUE(Contains(DiminutivesOf("алексей"), "леша"));
  EXPECT_TRUE(Contains(DiminutivesOf("elizabeth"), "liz"));
  EXPECT_TRUE(DiminutivesOf("саша").empty());
  EXPECT_TRUE(DiminutivesOf("иванов").empty());
}

TEST(NameData, RoundTrips) {
  for (const Diminutive& d : Diminutives()) {
    EXPECT_TRUE(Contains(FullFormsOf(d.diminutive), d.full)) << d.diminutive;
    EXPECT_TRUE(Contains(DiminutivesOf(d.full), d.diminutive)) << d.full;
  }
}

TEST(NameData, DataIsFoldedAndUnique) {
  auto folded = [](std::string_view s) {
    if (s.empty()) return false;
    // No upper case ASCII, no Cyrillic capitals (U+0400..U+042F: D0 80..D0 AF), no ё (D1 91).
    for (size_t i = 0; i < s.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      if (c >= 'A' && c <= 'Z') return false;
      if (c == ' ') return false;
      if (c == 0xD0 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0xAF) return false;
      if (c == 0xD1 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x91) return false;
    }
    return true;
  };
  std::set<std::string_view> names;
  for (auto list : {RussianFirstNames(), EnglishFirstNames()}) {
    for (const FirstName& n : list) {
      EXPECT_TRUE(folded(n.name)) << n.name;
      EXPECT_TRUE(names.insert(n.name).second) << "duplicate " << n.name;
    }
  }
  std::set<std::pair<std::string_view, std::string_view>> pairs;
  for (const Diminutive& d : Diminutives()) {
    EXPECT_TRUE(folded(d.full)) << d.full;
    EXPECT_TRUE(folded(d.diminutive)) << d.diminutive;
    EXPECT_NE(d.full, d.diminutive);
    EXPECT_TRUE(pairs.insert({d.full, d.diminutive}).second) << "duplicate " << d.full << "/" << d.diminutive;
    // Every diminutive points at a name the lists know.
    EXPECT_TRUE(names.contains(d.full)) << d.full;
  }
}

TEST(NameData, DiminutiveGenderAgreesWithFullForm) {
  // A diminutive that is also a full name must not contradict its full forms
  // (otherwise FirstNameGender would depend on which table answered).
  for (const Diminutive& d : Diminutives()) {
    Gender dg = FirstNameGender(d.diminutive);
    Gender fg = FirstNameGender(d.full);
    if (dg != Gender::kUnknown) {
      EXPECT_EQ(dg, fg) << d.diminutive << " / " << d.full;
    }
  }
}

TEST(NameData, ConcurrentFirstUseIsSafe) {
  // The index is built by whichever thread asks first; threads asking at once
  // (first use or not, depending on test order) all see the complete table.
  std::vector<std::thread> threads;
  std::vector<int> found(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([t, &found] { found[t] = static_cast<int>(FullFormsOf("саша").size()); });
  }
  for (auto& th : threads) th.join();
  for (int f : found) EXPECT_EQ(f, 2);
}

}  // namespace
}  // namespace doppel::core
