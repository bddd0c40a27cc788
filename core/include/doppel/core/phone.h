// Phone normalization with libphonenumber: E.164, validity with a reason,
// number type and region.
//
// "8 (912) 345-67-89", "+7 912 345 67 89", "9123456789" and "79123456789"
// all give +79123456789 with the default region RU. The common Russian
// spellings take a fast path that builds the number directly and asks
// libphonenumber only for its type; the result is identical to a full parse
// (tested), several times faster. Thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "doppel/core/validity.h"

namespace doppel::core {

enum class PhoneType : uint8_t {
  kUnknown = 0, kMobile, kFixedLine, kFixedLineOrMobile, kTollFree, kPremiumRate,
  kSharedCost, kVoip, kPersonal, kPager, kUan, kVoicemail
};
std::string_view PhoneTypeName(PhoneType t);  // "mobile", "fixed_line", ...

struct PhoneOptions {
  // ISO 3166 region used for numbers written without a country code. Default: "RU".
  std::string default_region = "RU";
};

struct PhoneResult {
  Verdict verdict;
  std::string e164;       // "+79123456789"; set when the number parsed, even if invalid
  std::string extension;  // "123" from "доб. 123" / "ext 123"
  PhoneType type = PhoneType::kUnknown;
  std::string region;     // "RU"; "" when unknown
};

PhoneResult NormalizePhone(std::string_view raw, const PhoneOptions& options = {});

// The full libphonenumber parse, without the fast path: the reference the
// fast path is tested against.
PhoneResult NormalizePhoneSlow(std::string_view raw, const PhoneOptions& options = {});

// Splits a cell that holds several numbers ("8 912 345-67-89, 8 (343) 123-45-67"
// or "...; ..." or ".../...") into its parts.
std::vector<std::string_view> SplitPhones(std::string_view cell);

// True when the region code is one libphonenumber knows.
bool IsKnownRegion(std::string_view region);

// The region's country calling code (7 for RU, 1 for US); 0 when unknown.
int CallingCodeOfRegion(std::string_view region);

// The place libphonenumber's offline geocoder names for a number, in
// Russian ("Свердловская обл", "Москва"); "" when it knows none or only the
// country (as for Russian mobiles: use the numbering plan for those).
std::string PhoneGeoDescription(std::string_view e164);

}  // namespace doppel::core
