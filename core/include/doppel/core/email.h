// Email normalization: syntax check, canonical matching key, domain typos.
#pragma once

#include <string>
#include <string_view>

#include "doppel/core/validity.h"

namespace doppel::core {

struct EmailResult {
  Verdict verdict;
  std::string normalized;  // trimmed, lower-cased; "" when empty or invalid
  // The matching key: normalized, with a typo-corrected domain, domain
  // aliases unified (googlemail.com -> gmail.com, ya.ru -> yandex.ru) and, for
  // providers that ignore them, dots and +tags dropped from the local part.
  std::string key;
  // The corrected address when the domain looks like a typo of a well-known
  // one (gmial.com -> gmail.com). The normalized value keeps what was typed.
  std::string suggestion;
};

EmailResult NormalizeEmail(std::string_view raw);

}  // namespace doppel::core
