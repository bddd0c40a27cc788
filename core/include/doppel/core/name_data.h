// Built-in name lists: common Russian and English first names with gender,
// and diminutive / nickname forms (Саша -> Александр, Bob -> Robert).
//
// Used by the name normalizer (to tell a first name from a surname and to
// guess gender), by the generator (to damage names realistically) and by the
// matcher (diminutive compatibility). All lookups take folded (lower-case,
// ё->е) names and are thread-safe; the tables are built on first use.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "doppel/core/name.h"

namespace doppel::core {

struct FirstName {
  std::string_view name;  // folded: "александр", "robert"
  Gender gender;          // kUnknown for names used by both (Саша as a full name, Valentine)
};

// About 150 male and 150 female Russian first names in common use.
std::span<const FirstName> RussianFirstNames();
// About 100 male and 100 female English first names in common use.
std::span<const FirstName> EnglishFirstNames();

struct Diminutive {
  std::string_view full;        // folded full form: "александр"
  std::string_view diminutive;  // folded short form: "саша"
};
// Every (full, diminutive) pair, Russian and English; a diminutive may belong
// to several full names (саша: александр, александра).
std::span<const Diminutive> Diminutives();

// kUnknown when `folded` is not a known first name (full or diminutive).
Gender FirstNameGender(std::string_view folded);
bool IsKnownFirstName(std::string_view folded);  // full forms and diminutives
// Full forms a diminutive stands for; empty when none. "саша" ->
// {"александр", "александра"}; a full name maps to nothing.
std::vector<std::string_view> FullFormsOf(std::string_view folded);
// Diminutives of a full name; empty when none.
std::vector<std::string_view> DiminutivesOf(std::string_view folded_full);

}  // namespace doppel::core
