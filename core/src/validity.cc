#include "doppel/core/validity.h"

#include <algorithm>

#include <array>
#include <string>

namespace doppel::core {

std::string_view ReasonCode(Reason r) {
  static constexpr std::array<std::string_view, static_cast<size_t>(Reason::kReasonCount)> kCodes = {
      "ok",
      "empty",
      "placeholder",
      "name_no_letters",
      "name_has_digits",
      "name_mixed_script",
      "name_too_long",
      "phone_not_a_number",
      "phone_too_short",
      "phone_too_long",
      "phone_bad_country_code",
      "phone_placeholder",
      "phone_invalid",
      "email_no_at",
      "email_bad_local_part",
      "email_bad_domain",
      "email_too_long",
      "email_domain_typo",
      "email_placeholder",
      "address_too_short",
      "address_no_street_or_city",
      "address_bad_postcode",
      "date_unparsed",
      "date_impossible",
      "date_in_future",
      "date_too_old",
      "date_ambiguous",
      "doc_id_bad_format",
  };
  auto i = static_cast<size_t>(r);
  return i < kCodes.size() ? kCodes[i] : "unknown";
}

bool IsPlaceholderText(std::string_view folded) {
  // Strip surrounding punctuation and spaces: "<нет>", "(n/a)", " - ".
  size_t b = 0, e = folded.size();
  auto junk = [](char c) { return c == ' ' || c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' || c == '"' || c == '\''; };
  while (b < e && junk(folded[b])) ++b;
  while (e > b && junk(folded[e - 1])) --e;
  std::string_view s = folded.substr(b, e - b);
  if (s.empty()) return false;
  // Stops at the first other character: most values are not placeholders
  // and say so at their first letter.
  if (std::all_of(s.begin(), s.end(), [](char c) {
        return c == '-' || c == '.' || c == '_' || c == '*' || c == '?' || c == '/' || c == '0';
      })) {
    return true;
  }
  static constexpr std::string_view kWords[] = {
      "нет", "не указан", "не указано", "не указана", "неизвестно", "неизв", "отсутствует", "нет данных",
      "n/a", "na", "none", "null", "nil", "unknown", "test", "тест", "xxx", "xx", "x", "ххх", "нд", "n.a.",
      "undefined", "empty", "no", "-/-"};
  static constexpr size_t kLongest = [] {
    size_t m = 0;
    for (auto w : kWords) m = std::max(m, w.size());
    return m;
  }();
  if (s.size() > kLongest) return false;
  for (auto w : kWords) {
    if (s == w) return true;
  }
  return false;
}

}  // namespace doppel::core
