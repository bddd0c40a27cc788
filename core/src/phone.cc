#include "doppel/core/phone.h"

#include <phonenumbers/geocoding/phonenumber_offline_geocoder.h>
#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <array>
#include <memory>
#include <set>
#include <span>

#include "doppel/core/unicode.h"
#include "phone_prefix.h"

namespace doppel::core {

namespace pn = i18n::phonenumbers;

namespace {

const pn::PhoneNumberUtil& Util() { return *pn::PhoneNumberUtil::GetInstance(); }

// The digits of the number part of s: letters before the number are a label
// ("тел. 8 912...", "mob:"), letters after it start an extension ("доб. 123").
std::string Digits(std::string_view s) {
  std::string d;
  for (size_t i = 0; i < s.size();) {
    char32_t cp = NextCodePoint(s, i);
    if (cp >= '0' && cp <= '9') d.push_back(static_cast<char>(cp));
    else if (IsLetter(cp) && !d.empty()) break;
  }
  return d;
}

// One repeated digit or a run like 1234567 / 9876543: what people type to get
// past a mandatory field. Judged on the national part (last 10 digits).
bool IsPlaceholderNumber(std::string_view digits) {
  if (digits.size() > 10) digits = digits.substr(digits.size() - 10);
  if (digits.size() < 5) return false;
  if (std::all_of(digits.begin(), digits.end(), [&](char c) { return c == digits[0]; })) return true;
  static constexpr std::string_view kUp = "01234567890123456789";
  static constexpr std::string_view kDown = "98765432109876543210";
  return digits.size() >= 6 && (kUp.find(digits) != std::string_view::npos || kDown.find(digits) != std::string_view::npos);
}

// Fills type, region and verdict for a parsed number, the same way on both paths.
void Classify(const pn::PhoneNumber& number, PhoneResult* r) {
  const auto& util = Util();
  util.Format(number, pn::PhoneNumberUtil::E164, &r->e164);
  r->extension = number.extension();
  r->type = phone_prefix::FromLib(util.GetNumberType(number));
  if (r->type != PhoneType::kUnknown) {
    util.GetRegionCodeForNumber(number, &r->region);
    if (r->region == "ZZ" || r->region == "001") r->region.clear();
    r->verdict = Verdict::Valid();
    return;
  }
  switch (util.IsPossibleNumberWithReason(number)) {
    case pn::PhoneNumberUtil::TOO_SHORT: r->verdict = Verdict::Invalid(Reason::kPhoneTooShort); break;
    case pn::PhoneNumberUtil::TOO_LONG: r->verdict = Verdict::Invalid(Reason::kPhoneTooLong); break;
    case pn::PhoneNumberUtil::INVALID_COUNTRY_CODE:
      r->verdict = Verdict::Invalid(Reason::kPhoneBadCountryCode);
      break;
    default: r->verdict = Verdict::Invalid(Reason::kPhoneInvalid); break;
  }
}

// Numbers of ten national digits in the two plans the fast path knows: +7
// (Russia, Kazakhstan) and +1 (the North American plan: the US, Canada and
// the Caribbean). libphonenumber's type and region for them depend only on
// the first six digits (its patterns for these countries decide within the
// area code and exchange), with a few exceptions in the +1 plan, listed
// below, that always take the full parse. bench/phone_prefixes.cc checks
// this for every six-digit prefix against 48 suffixes (the 7th and 8th
// digits each through 0-9, and random ones), and the fast-path property
// tests keep checking on random numbers. So the build asks libphonenumber
// about every prefix once (core/gen/phone_table_gen.cc, against the library
// linked here) and writes runs of prefixes with equal answers, looked up
// here. Only valid results are kept; anything else goes on to the full
// parse.
class PrefixTable {
 public:
  // runs: the generated table, prefixes 100000-999999; full_parse: the
  // prefixes whose numbers libphonenumber judges by more digits.
  PrefixTable(int country_code, std::span<const phone_prefix::Run> runs, std::initializer_list<uint32_t> full_parse)
      : country_code_(country_code), regions_(phone_prefix::RegionsOf(Util(), country_code)), runs_(runs),
        full_parse_(full_parse) {}

  bool Classify(uint64_t national, PhoneResult* r) const {
    // Ten digits with a leading 0 ("(000) 310-1962") keep their zeros in
    // libphonenumber ("+10003101962") and are judged as written: the full
    // parse. (A +1 number of seven digits can even be valid.)
    if (national < phone_prefix::kPrefixes * 1000 || national >= phone_prefix::kPrefixes * 10000) return false;
    const auto prefix = static_cast<uint32_t>(national / 10000);
    if (std::find(full_parse_.begin(), full_parse_.end(), prefix) != full_parse_.end()) return false;
    // The last run starting at or before the prefix (the first starts at 100000).
    const auto run = std::upper_bound(runs_.begin(), runs_.end(), prefix,
                                      [](uint32_t p, const phone_prefix::Run& x) { return p < x.first; }) - 1;
    const uint16_t v = run->entry;
    if (v == phone_prefix::kSlow) return false;
    r->e164 = country_code_ == 7 ? "+7" : "+1";
    r->e164 += std::to_string(national);
    r->type = static_cast<PhoneType>((v - 1) / phone_prefix::kRegionsPerType);
    r->region = regions_[(v - 1) % phone_prefix::kRegionsPerType];
    r->verdict = Verdict::Valid();
    return true;
  }

 private:
  const int country_code_;  // 7 or 1
  const std::vector<std::string> regions_;  // libphonenumber's regions of the country code, main one first
  const std::span<const phone_prefix::Run> runs_;
  const std::vector<uint32_t> full_parse_;
};

// Russian numbers of 5 to 9 digits (a local number without its area code, a
// truncated one): libphonenumber keeps every digit as the national number
// (it strips no trunk 8 or country 7 when too few digits would remain) and,
// with no Russian number that short, judges them by length alone. So each
// length's verdict is asked of libphonenumber once; the property test holds
// the fast path to the full parse on random short numbers.
struct ShortVerdict {
  Verdict verdict;
  PhoneType type = PhoneType::kUnknown;
};
const std::array<ShortVerdict, 10>& ShortVerdicts() {
  static const std::array<ShortVerdict, 10> table = [] {
    std::array<ShortVerdict, 10> t{};
    uint64_t national = 1234;
    for (size_t len = 5; len <= 9; ++len) {
      national = national * 10 + len;
      pn::PhoneNumber number;
      number.set_country_code(7);
      number.set_national_number(national);
      PhoneResult r;
      Classify(number, &r);
      t[len] = {r.verdict, r.type};
    }
    return t;
  }();
  return table;
}

// The tables the build generated (core/CMakeLists.txt).
constexpr phone_prefix::Run kPlus7Table[] = {
#include "phone_table_7.inc"
};
constexpr phone_prefix::Run kPlus1Table[] = {
#include "phone_table_1.inc"
};
static_assert(std::size(kPlus7Table) > 1 && std::size(kPlus1Table) > 1 && kPlus7Table[0].first == 100000,
              "the generated tables hold every prefix from 100000 on");

const PrefixTable& PrefixesOf(int country_code) {
  static const PrefixTable* plus7 = new PrefixTable(7, kPlus7Table, {});
  // Barbados, the British Virgin Islands and Jamaica have ranges split after
  // the sixth digit (libphonenumber 8.12).
  static const PrefixTable* plus1 = new PrefixTable(1, kPlus1Table, {246521, 246522, 284496, 876606});
  return country_code == 7 ? *plus7 : *plus1;
}

// The country calling code of a default region (7 for RU, 1 for US or CA), 0
// for an unknown one. Remembers the last region asked, per thread.
int CountryCodeOfRegion(const std::string& region) {
  thread_local std::string last;
  thread_local int code = 0;
  if (region != last) {
    code = Util().GetCountryCodeForRegion(region);
    last = region;
  }
  return code;
}

// Checks shared by both paths; returns true when they decided the verdict.
bool Precheck(std::string_view s, PhoneResult* r) {
  if (s.empty()) {
    r->verdict = Verdict::Empty();
    return true;
  }
  std::string digits = Digits(s);
  if (digits.empty()) {
    r->verdict = Verdict::Invalid(IsPlaceholderText(Fold(s)) ? Reason::kPlaceholder : Reason::kPhoneNotANumber);
    return true;
  }
  if (IsPlaceholderNumber(digits)) {
    r->verdict = Verdict::Invalid(Reason::kPhonePlaceholder);
    return true;
  }
  if (digits.size() > 17) {  // E.164 allows 15; a trunk prefix and an extension digit or two are tolerated
    r->verdict = Verdict::Invalid(Reason::kPhoneTooLong);
    return true;
  }
  if (digits.size() < 5) {
    r->verdict = Verdict::Invalid(Reason::kPhoneTooShort);
    return true;
  }
  return false;
}

}  // namespace

std::string_view PhoneTypeName(PhoneType t) {
  switch (t) {
    case PhoneType::kUnknown: return "unknown";
    case PhoneType::kMobile: return "mobile";
    case PhoneType::kFixedLine: return "fixed_line";
    case PhoneType::kFixedLineOrMobile: return "fixed_line_or_mobile";
    case PhoneType::kTollFree: return "toll_free";
    case PhoneType::kPremiumRate: return "premium_rate";
    case PhoneType::kSharedCost: return "shared_cost";
    case PhoneType::kVoip: return "voip";
    case PhoneType::kPersonal: return "personal";
    case PhoneType::kPager: return "pager";
    case PhoneType::kUan: return "uan";
    case PhoneType::kVoicemail: return "voicemail";
  }
  return "unknown";
}

PhoneResult NormalizePhoneSlow(std::string_view raw, const PhoneOptions& options) {
  PhoneResult r;
  std::string_view s = Trim(raw);
  if (Precheck(s, &r)) return r;
  pn::PhoneNumber number;
  auto err = Util().Parse(std::string(s), options.default_region, &number);
  switch (err) {
    case pn::PhoneNumberUtil::NO_PARSING_ERROR: break;
    case pn::PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
      r.verdict = Verdict::Invalid(Reason::kPhoneBadCountryCode);
      return r;
    case pn::PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
    case pn::PhoneNumberUtil::TOO_SHORT_NSN:
      r.verdict = Verdict::Invalid(Reason::kPhoneTooShort);
      return r;
    case pn::PhoneNumberUtil::TOO_LONG_NSN:
      r.verdict = Verdict::Invalid(Reason::kPhoneTooLong);
      return r;
    default:
      r.verdict = Verdict::Invalid(Reason::kPhoneNotANumber);
      return r;
  }
  Classify(number, &r);
  // The placeholder test again on the number as parsed: the raw digits may
  // carry an extension ("6789012345#2") that hid a run like 6789012345, and
  // the number must read the same when its E.164 form is normalized again.
  if (r.verdict.usable() && IsPlaceholderNumber(std::string_view(r.e164).substr(1))) {
    r.verdict = Verdict::Invalid(Reason::kPhonePlaceholder);
  }
  return r;
}

PhoneResult NormalizePhone(std::string_view raw, const PhoneOptions& options) {
  // Fast path for numbers of the +7 and +1 plans written with digits and the
  // usual separators only: build the number directly instead of running
  // libphonenumber's regex-driven parser. Anything unusual (letters,
  // extensions, other lengths, an invalid result) takes the full parse, so the
  // fast path only ever returns what the full parse would.
  std::string_view s = Trim(raw);
  if (s.empty()) return NormalizePhoneSlow(raw, options);
  uint64_t national = 0;
  int ndigits = 0;
  bool plus = false, simple = true;
  char first = 0;
  for (size_t i = 0; i < s.size() && simple; ++i) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      if (ndigits == 0) first = c;
      if (++ndigits > 11) simple = false;
      national = national * 10 + static_cast<uint64_t>(c - '0');
    } else if (c == '+') {
      simple = (i == 0);
      plus = true;
    } else if (!(c == ' ' || c == '-' || c == '(' || c == ')' || c == '.')) {
      simple = false;
    }
  }
  if (!simple) return NormalizePhoneSlow(raw, options);
  const bool russia = options.default_region == "RU";
  const int home = russia ? 7 : CountryCodeOfRegion(options.default_region);
  // The plan of a ten-digit national number, or 0 when this is not one:
  //  - "+7" or "+1" and ten digits, whatever the default region;
  //  - in Russia, ten digits whatever the first (libphonenumber strips a
  //    leading 8 (trunk) or 7 (country) only when nine digits would remain a
  //    Russian number, and none is; the area codes 8xx are common:
  //    "(831) 542-97-29"), or eleven after a 7 or 8;
  //  - in the +1 plan, ten digits, or eleven after the trunk prefix 1.
  int plan = 0;
  if (plus) {
    if (ndigits == 11 && (first == '7' || first == '1')) plan = first - '0';
  } else if (russia) {
    if (ndigits == 10 || (ndigits == 11 && (first == '7' || first == '8'))) plan = 7;
  } else if (home == 1) {
    if (ndigits == 10 || (ndigits == 11 && first == '1')) plan = 1;
  }
  if (plan != 0) {
    national %= 10000000000ULL;  // drop the country code or trunk prefix of an eleven-digit number
    PhoneResult r;
    if (Precheck(s, &r)) return r;
    if (PrefixesOf(plan).Classify(national, &r)) return r;
  }
  if (russia) {
    // Russian numbers of 5 to 9 digits. A leading 0 (kept by libphonenumber
    // as a leading zero) and 810 (the international call prefix) take the
    // full parse.
    auto top3 = [&] {
      uint64_t v = national;
      for (int d = ndigits; d > 3; --d) v /= 10;
      return v;
    };
    if (!plus && ndigits >= 5 && ndigits <= 9 && first != '0' && top3() != 810) {
      PhoneResult r;
      if (Precheck(s, &r)) return r;
      const ShortVerdict& v = ShortVerdicts()[ndigits];
      if (!v.verdict.usable()) {  // usable would need the placeholder check on the parsed number
        r.e164 = "+7" + std::to_string(national);
        r.type = v.type;
        r.verdict = v.verdict;
        return r;
      }
    }
  }
  return NormalizePhoneSlow(raw, options);
}

std::vector<std::string_view> SplitPhones(std::string_view cell) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= cell.size(); ++i) {
    if (i == cell.size() || cell[i] == ',' || cell[i] == ';' || cell[i] == '/' || cell[i] == '|' || cell[i] == '\n') {
      std::string_view part = Trim(cell.substr(start, i - start));
      if (!part.empty()) parts.push_back(part);
      start = i + 1;
    }
  }
  return parts;
}

int CallingCodeOfRegion(std::string_view region) { return CountryCodeOfRegion(std::string(region)); }

bool IsKnownRegion(std::string_view region) {
  static const std::set<std::string> regions = [] {
    std::set<std::string> r;
    Util().GetSupportedRegions(&r);
    return r;
  }();
  return regions.count(std::string(region)) > 0;
}

std::string PhoneGeoDescription(std::string_view e164) {
  // Loads its tables on first use; thread-safe (it locks internally).
  static const pn::PhoneNumberOfflineGeocoder* geocoder = new pn::PhoneNumberOfflineGeocoder();
  const pn::PhoneNumberUtil& util = *pn::PhoneNumberUtil::GetInstance();
  pn::PhoneNumber number;
  if (util.Parse(std::string(e164), "ZZ", &number) != pn::PhoneNumberUtil::NO_PARSING_ERROR) return {};
  std::string place = geocoder->GetDescriptionForNumber(number, icu::Locale("ru"));
  if (place == "Россия") return {};
  return place;
}

}  // namespace doppel::core
