// What the phone fast path (phone.cc, PrefixTable) knows of a six-digit
// prefix of a ten-digit national number in the +7 or +1 plan: its type and
// region by libphonenumber, or that the full parse must decide. The build's
// table generator (core/gen) encodes libphonenumber's answer for every
// prefix here, and phone.cc decodes the tables it writes, with the same
// constants and the same region list.
#pragma once

#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <cstdint>
#include <list>
#include <string>
#include <vector>

#include "doppel/core/phone.h"

namespace doppel::core::phone_prefix {

namespace pn = i18n::phonenumbers;

constexpr uint64_t kPrefixes = 1000000;  // six digits
constexpr size_t kRegionsPerType = 64;
// An entry: kSlow (the full parse decides), or 1 + type * kRegionsPerType
// + the region's index in RegionsOf().
constexpr uint16_t kSlow = 0xFFFF;

inline PhoneType FromLib(pn::PhoneNumberUtil::PhoneNumberType t) {
  using T = pn::PhoneNumberUtil;
  switch (t) {
    case T::MOBILE: return PhoneType::kMobile;
    case T::FIXED_LINE: return PhoneType::kFixedLine;
    case T::FIXED_LINE_OR_MOBILE: return PhoneType::kFixedLineOrMobile;
    case T::TOLL_FREE: return PhoneType::kTollFree;
    case T::PREMIUM_RATE: return PhoneType::kPremiumRate;
    case T::SHARED_COST: return PhoneType::kSharedCost;
    case T::VOIP: return PhoneType::kVoip;
    case T::PERSONAL_NUMBER: return PhoneType::kPersonal;
    case T::PAGER: return PhoneType::kPager;
    case T::UAN: return PhoneType::kUan;
    case T::VOICEMAIL: return PhoneType::kVoicemail;
    default: return PhoneType::kUnknown;
  }
}

// libphonenumber's regions of a country calling code, its main one first.
inline std::vector<std::string> RegionsOf(const pn::PhoneNumberUtil& util, int country_code) {
  std::list<std::string> regions;
  util.GetRegionCodesForCountryCallingCode(country_code, &regions);
  return {regions.begin(), regions.end()};
}

// The entry of the prefix of `national` (ten digits, no leading zero):
// valid numbers' type and region, kSlow for anything else (an invalid
// number's reason, a region past the encoding) so the full parse says it.
inline uint16_t Encode(const pn::PhoneNumberUtil& util, int country_code, const std::vector<std::string>& regions,
                       uint64_t national) {
  pn::PhoneNumber number;
  number.set_country_code(country_code);
  number.set_national_number(national);
  const PhoneType type = FromLib(util.GetNumberType(number));
  if (type == PhoneType::kUnknown) return kSlow;
  std::string region;
  util.GetRegionCodeForNumber(number, &region);
  const auto at = std::find(regions.begin(), regions.end(), region);
  const size_t index = static_cast<size_t>(at - regions.begin());
  if (at == regions.end() || index >= kRegionsPerType) return kSlow;
  return static_cast<uint16_t>(1 + static_cast<size_t>(type) * kRegionsPerType + index);
}

// A run of the generated tables: prefixes from `first` up to the next run's
// first have entry `entry`.
struct Run {
  uint32_t first;
  uint16_t entry;
};

}  // namespace doppel::core::phone_prefix
