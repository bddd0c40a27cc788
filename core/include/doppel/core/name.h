// Person-name normalization: folding, splitting a full name into surname,
// first name and patronymic, initials, ASCII keys and a gender hint.
//
// Recognises the Russian orders "Фамилия Имя Отчество", "Имя Отчество
// Фамилия", "Имя Фамилия" and "Фамилия Имя" (by patronymic suffixes and the
// first-name list in name_data.h) and Latin "First Last" / "Last, First".
#pragma once

#include <string>
#include <string_view>

#include "doppel/core/validity.h"

namespace doppel::core {

enum class Gender : uint8_t { kUnknown = 0, kMale, kFemale };
std::string_view GenderCode(Gender g);  // "", "m", "f"

// What the record has: a full name and/or separate parts. Parts given as
// columns win over what is split out of the full name.
struct NameInput {
  std::string_view full{};
  std::string_view last{}, first{}, middle{};
};

struct NameResult {
  Verdict verdict;
  // Display forms, title-cased: "Иванов", "Иван", "Иванович". An initial is
  // kept as a single letter ("И") and flagged below.
  std::string last, first, middle;
  bool first_is_initial = false;
  bool middle_is_initial = false;
  // ASCII matching keys (unicode.h AsciiKey): "ivanov", "ivan", "ivanovich".
  std::string last_key, first_key, middle_key;
  Gender gender = Gender::kUnknown;
  // "иванов иван иванович": folded, in surname-first order, for display and
  // profiling; "" when empty.
  std::string normalized;
};

NameResult NormalizeName(const NameInput& input);

// Gender from a patronymic's ending (-ович/-евич/-ич/оглы -> male,
// -овна/-евна/-ична/-инична/кызы -> female); kUnknown if none fits.
// The argument is folded (lower case).
Gender PatronymicGender(std::string_view folded);
bool LooksLikePatronymic(std::string_view folded);

}  // namespace doppel::core
