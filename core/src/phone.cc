#include "doppel/core/phone.h"

#include <phonenumbers/geocoding/phonenumber_offline_geocoder.h>
#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <memory>
#include <set>

#include "doppel/core/unicode.h"

namespace doppel::core {

namespace pn = i18n::phonenumbers;

namespace {

const pn::PhoneNumberUtil& Util() { return *pn::PhoneNumberUtil::GetInstance(); }

PhoneType FromLib(pn::PhoneNumberUtil::PhoneNumberType t) {
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
  r->type = FromLib(util.GetNumberType(number));
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

// Russian and Kazakh (+7) numbers of ten national digits: libphonenumber's
// type and region for them depend only on the first six digits (checked for
// every six-digit prefix but 000000 against five suffixes each; the fast-path
// property test keeps checking), so each prefix is classified once, by
// libphonenumber, and remembered. Only valid results are kept; anything else
// goes on to the full parse. Lock-free: a racing thread at worst classifies
// a prefix twice and writes the same byte.
class RuPrefixCache {
 public:
  bool Classify(uint64_t national, PhoneResult* r) {
    const uint64_t prefix = national / 10000;
    if (prefix == 0 || prefix >= kPrefixes) return false;
    uint8_t v = entries_[prefix].load(std::memory_order_relaxed);
    if (v == kUnfilled) {
      PhoneResult full;
      pn::PhoneNumber number;
      number.set_country_code(7);
      number.set_national_number(national);
      doppel::core::Classify(number, &full);
      v = kSlow;
      if (full.verdict.usable() && (full.region == "RU" || full.region == "KZ")) {
        v = static_cast<uint8_t>(1 + static_cast<int>(full.type) * 2 + (full.region == "KZ"));
      }
      entries_[prefix].store(v, std::memory_order_relaxed);
    }
    if (v == kSlow) return false;
    r->e164 = "+7" + std::to_string(national);
    r->type = static_cast<PhoneType>((v - 1) / 2);
    r->region = (v - 1) % 2 ? "KZ" : "RU";
    r->verdict = Verdict::Valid();
    return true;
  }

 private:
  static constexpr uint64_t kPrefixes = 1000000;
  static constexpr uint8_t kUnfilled = 0, kSlow = 0xFF;
  std::unique_ptr<std::atomic<uint8_t>[]> entries_{new std::atomic<uint8_t>[kPrefixes]()};
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

RuPrefixCache& RuPrefixes() {
  static RuPrefixCache* cache = new RuPrefixCache;
  return *cache;
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
  // Fast path for Russian numbers written with digits and the usual
  // separators only: build the number directly instead of running
  // libphonenumber's regex-driven parser. Anything unusual (letters,
  // extensions, other lengths, an invalid result) takes the full parse, so the
  // fast path only ever returns what the full parse would.
  std::string_view s = Trim(raw);
  if (options.default_region == "RU" && !s.empty()) {
    uint64_t national = 0;
    int ndigits = 0;
    bool plus = false, simple = true;
    char first = 0;
    for (size_t i = 0; i < s.size() && simple; ++i) {
      char c = s[i];
      if (c >= '0' && c <= '9') {
        if (ndigits == 0) first = c;
        if (++ndigits > 11) simple = false;
        // Skip the leading 7/8 of an 11-digit number when accumulating.
        national = national * 10 + static_cast<uint64_t>(c - '0');
      } else if (c == '+') {
        simple = (i == 0);
        plus = true;
      } else if (!(c == ' ' || c == '-' || c == '(' || c == ')' || c == '.')) {
        simple = false;
      }
    }
    bool eleven = ndigits == 11 && (plus ? first == '7' : (first == '7' || first == '8'));
    // Ten digits are a national number whatever the first: libphonenumber
    // strips a leading 8 (trunk) or 7 (country) only when nine digits would
    // remain a Russian number, and none is. (The area codes 8xx are common:
    // "(831) 542-97-29".)
    bool ten = ndigits == 10 && !plus;
    if (simple && (eleven || ten)) {
      if (eleven) national %= 10000000000ULL;  // drop the country code or trunk prefix
      PhoneResult r;
      if (Precheck(s, &r)) return r;
      if (RuPrefixes().Classify(national, &r)) return r;
    }
    // A leading 0 (kept by libphonenumber as a leading zero) and 810 (the
    // international call prefix) take the full parse.
    auto top3 = [&] {
      uint64_t v = national;
      for (int d = ndigits; d > 3; --d) v /= 10;
      return v;
    };
    if (simple && !plus && ndigits >= 5 && ndigits <= 9 && first != '0' && top3() != 810) {
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
