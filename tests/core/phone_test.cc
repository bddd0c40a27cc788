#include "doppel/core/phone.h"

#include <gtest/gtest.h>

#include <random>

namespace doppel::core {
namespace {

struct Case {
  const char* input;
  Validity validity;
  Reason reason;
  const char* e164;
  PhoneType type;
};

TEST(Phone, RussianAndInternationalSpellings) {
  const Case cases[] = {
      {"8 (912) 345-67-89", Validity::kValid, Reason::kOk, "+79123456789", PhoneType::kMobile},
      {"+7 912 345 67 89", Validity::kValid, Reason::kOk, "+79123456789", PhoneType::kMobile},
      {"9123456789", Validity::kValid, Reason::kOk, "+79123456789", PhoneType::kMobile},
      {"79123456789", Validity::kValid, Reason::kOk, "+79123456789", PhoneType::kMobile},
      {"89123456789", Validity::kValid, Reason::kOk, "+79123456789", PhoneType::kMobile},
      {"+7(912)3456789", Validity::kValid, Reason::kOk, "+79123456789", PhoneType::kMobile},
      {"8-912-345-67-89", Validity::kValid, Reason::kOk, "+79123456789", PhoneType::kMobile},
      {"8\u00A0912\u00A0345\u00A067\u00A089", Validity::kValid, Reason::kOk, "+79123456789", PhoneType::kMobile},
      {"тел. 8 (912) 345-67-89", Validity::kValid, Reason::kOk, "+79123456789", PhoneType::kMobile},
      {"mob: +79123456789", Validity::kValid, Reason::kOk, "+79123456789", PhoneType::kMobile},
      {" 8 912 345 67 89 ", Validity::kValid, Reason::kOk, "+79123456789", PhoneType::kMobile},
      {"+7 (343) 123-45-67", Validity::kValid, Reason::kOk, "+73431234567", PhoneType::kFixedLine},
      {"(495) 123-45-67", Validity::kValid, Reason::kOk, "+74951234567", PhoneType::kFixedLine},
      {"8 800 555 35 35", Validity::kValid, Reason::kOk, "+78005553535", PhoneType::kTollFree},
      {"+375 29 123 45 67", Validity::kValid, Reason::kOk, "+375291234567", PhoneType::kMobile},
      {"+1 212 456 7890", Validity::kValid, Reason::kOk, "+12124567890", PhoneType::kFixedLineOrMobile},
      {"+44 20 7946 0958", Validity::kValid, Reason::kOk, "+442079460958", PhoneType::kFixedLine},
      {"8 (912) 345-67-89 доб. 123", Validity::kValid, Reason::kOk, "+79123456789", PhoneType::kMobile},
      {"", Validity::kEmpty, Reason::kEmpty, "", PhoneType::kUnknown},
      {"   ", Validity::kEmpty, Reason::kEmpty, "", PhoneType::kUnknown},
      {"нет", Validity::kInvalid, Reason::kPlaceholder, "", PhoneType::kUnknown},
      {"-", Validity::kInvalid, Reason::kPlaceholder, "", PhoneType::kUnknown},
      {"1234567", Validity::kInvalid, Reason::kPhonePlaceholder, "", PhoneType::kUnknown},
      {"0000000", Validity::kInvalid, Reason::kPhonePlaceholder, "", PhoneType::kUnknown},
      {"+7 (999) 999-99-99", Validity::kInvalid, Reason::kPhonePlaceholder, "", PhoneType::kUnknown},
      {"8 (000) 000-00-00", Validity::kInvalid, Reason::kPhonePlaceholder, "", PhoneType::kUnknown},
      {"12-34", Validity::kInvalid, Reason::kPhoneTooShort, "", PhoneType::kUnknown},
      {"abc", Validity::kInvalid, Reason::kPhoneNotANumber, "", PhoneType::kUnknown},
      {"+999 123 456 789", Validity::kInvalid, Reason::kPhoneBadCountryCode, "", PhoneType::kUnknown},
      {"8 (912) 345-67-89-00-11-22-33", Validity::kInvalid, Reason::kPhoneTooLong, "", PhoneType::kUnknown},
      {"8 (012) 555-67-89", Validity::kInvalid, Reason::kPhoneInvalid, "+70125556789", PhoneType::kUnknown},
  };
  for (const auto& c : cases) {
    PhoneResult r = NormalizePhone(c.input);
    EXPECT_EQ(r.verdict.validity, c.validity) << c.input;
    EXPECT_EQ(ReasonCode(r.verdict.reason), ReasonCode(c.reason)) << c.input;
    if (c.validity == Validity::kValid) {
      EXPECT_EQ(r.e164, c.e164) << c.input;
      EXPECT_EQ(PhoneTypeName(r.type), PhoneTypeName(c.type)) << c.input;
    }
  }
  EXPECT_EQ(NormalizePhone("8 (912) 345-67-89 доб. 123").extension, "123");
  EXPECT_EQ(NormalizePhone("+79123456789").region, "RU");
  EXPECT_EQ(NormalizePhone("+375291234567").region, "BY");
}

TEST(Phone, DefaultRegionIsConfigurable) {
  PhoneOptions us;
  us.default_region = "US";
  EXPECT_EQ(NormalizePhone("(212) 456-7890", us).e164, "+12124567890");
  EXPECT_EQ(NormalizePhone("+7 912 345 67 89", us).e164, "+79123456789");
  EXPECT_TRUE(IsKnownRegion("KZ"));
  EXPECT_FALSE(IsKnownRegion("QQ"));
}

// The fast path's answer for raw is the full parse's.
void ExpectSameAsFullParse(const std::string& raw, const PhoneOptions& options = {}) {
  SCOPED_TRACE("region " + options.default_region);
  PhoneResult fast = NormalizePhone(raw, options), slow = NormalizePhoneSlow(raw, options);
  ASSERT_EQ(fast.e164, slow.e164) << raw;
  ASSERT_EQ(fast.verdict.validity, slow.verdict.validity) << raw;
  ASSERT_EQ(fast.verdict.reason, slow.verdict.reason) << raw;
  ASSERT_EQ(fast.type, slow.type) << raw;
  ASSERT_EQ(fast.region, slow.region) << raw;
  ASSERT_EQ(fast.extension, slow.extension) << raw;
}

// The fast path must agree with libphonenumber's full parse on everything.
TEST(Phone, FastPathEqualsFullParseOnRandomInputs) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  const char* formats[] = {"8 (%s) %s-%s-%s", "+7 %s %s %s %s", "%s%s%s%s", "7%s%s%s%s", "8%s%s%s%s",
                           "+7(%s)%s%s%s",   "8-%s-%s-%s-%s",  "+7 %s %s-%s-%s", "7 (%s) %s %s %s",
                           "(%s) %s-%s-%s",  "%s %s %s %s"};
  for (int i = 0; i < 30000; ++i) {
    char code[4], a[4], b[3], c[3];
    int first = static_cast<int>(rng() % 10);
    std::snprintf(code, sizeof code, "%d%02d", first, static_cast<int>(rng() % 100));
    if (rng() % 3 == 0) std::snprintf(code, sizeof code, "8%02d", static_cast<int>(rng() % 100));  // area codes 8xx
    std::snprintf(a, sizeof a, "%03d", static_cast<int>(rng() % 1000));
    std::snprintf(b, sizeof b, "%02d", static_cast<int>(rng() % 100));
    std::snprintf(c, sizeof c, "%02d", static_cast<int>(rng() % 100));
    char buf[64];
    std::snprintf(buf, sizeof buf, formats[rng() % std::size(formats)], code, a, b, c);
    ASSERT_NO_FATAL_FAILURE(ExpectSameAsFullParse(buf));
  }
}

// The +1 plan (US, Canada, the Caribbean) has its own fast path: ten digits,
// or eleven after the trunk 1, in a +1 region; "+1" and "+7" numbers in any
// region. Area codes are drawn from the whole range, so invalid ones (0xx,
// 1xx, unassigned) and other countries' share of the plan are met too.
TEST(Phone, FastPathEqualsFullParseInTheNorthAmericanPlan) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  const char* formats[] = {"(%s) %s-%s%s", "%s-%s-%s%s",   "%s%s%s%s",     "+1 %s %s %s%s", "%s.%s.%s%s",
                           "+1%s%s%s%s",   "1-%s-%s-%s%s", "1 (%s) %s-%s%s", "+7 %s %s %s%s", "1%s%s%s%s"};
  const char* regions[] = {"US", "CA", "JM", "RU", "DE"};
  for (int i = 0; i < 30000; ++i) {
    char code[4], a[4], b[3], c[3];
    std::snprintf(code, sizeof code, "%03d", static_cast<int>(rng() % 1000));
    std::snprintf(a, sizeof a, "%03d", static_cast<int>(rng() % 1000));
    std::snprintf(b, sizeof b, "%02d", static_cast<int>(rng() % 100));
    std::snprintf(c, sizeof c, "%02d", static_cast<int>(rng() % 100));
    char buf[64];
    std::snprintf(buf, sizeof buf, formats[rng() % std::size(formats)], code, a, b, c);
    PhoneOptions options;
    options.default_region = regions[rng() % std::size(regions)];
    ASSERT_NO_FATAL_FAILURE(ExpectSameAsFullParse(buf, options));
  }
}

// The +1 prefixes whose numbers libphonenumber judges by more than six
// digits (bench/phone_prefixes.cc finds them) take the full parse.
TEST(Phone, PrefixesSplitAfterTheSixthDigitTakeTheFullParse) {
  PhoneOptions us;
  us.default_region = "US";
  for (const char* prefix : {"246521", "246522", "284496", "876606"}) {
    for (int suffix = 0; suffix < 10000; suffix += 7) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "+1 %s%04d", prefix, suffix);
      ASSERT_NO_FATAL_FAILURE(ExpectSameAsFullParse(buf, us));
      ASSERT_NO_FATAL_FAILURE(ExpectSameAsFullParse(buf + 3, us));
    }
  }
}

TEST(Phone, NorthAmericanNumbersAreClassified) {
  PhoneOptions us;
  us.default_region = "US";
  // Leading zeros stay (the full parse's answer, found by the property test).
  for (const char* region : {"US", "CA", "RU"}) {
    PhoneOptions o;
    o.default_region = region;
    ExpectSameAsFullParse("(000) 310-1962", o);
    ExpectSameAsFullParse("+1 000 310 1962", o);
    ExpectSameAsFullParse("0123456789", o);
  }
  PhoneResult r = NormalizePhone("(212) 555-0187", us);
  EXPECT_EQ(r.e164, "+12125550187");
  r = NormalizePhone("1-416-555-0123", us);  // Toronto: a Canadian number read in the US
  EXPECT_EQ(r.e164, "+14165550123");
  EXPECT_EQ(r.region, "CA");
  EXPECT_TRUE(r.verdict.usable());
  r = NormalizePhone("800 555 0199", us);
  EXPECT_EQ(r.type, PhoneType::kTollFree);
  r = NormalizePhone("+1 212 555 0187");  // the default region is RU
  EXPECT_EQ(r.e164, "+12125550187");
  EXPECT_EQ(r.region, "US");
}

// Local numbers without their area code and truncated ones (5 to 9 digits)
// take a fast path too: it must agree with the full parse.
TEST(Phone, ShortNumbersFastPathEqualsFullParse) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  const char seps[] = {'-', ' ', '.', '\0'};
  for (int i = 0; i < 20000; ++i) {
    const int len = 5 + static_cast<int>(rng() % 5);
    std::string raw;
    if (rng() % 6 == 0) raw += '(';
    for (int d = 0; d < len; ++d) {
      raw += static_cast<char>('0' + rng() % 10);
      if (d + 1 < len && rng() % 3 == 0 && seps[rng() % 4] != '\0') raw += seps[rng() % 3];
      if (d == 2 && !raw.empty() && raw[0] == '(') raw += ')';
    }
    ASSERT_NO_FATAL_FAILURE(ExpectSameAsFullParse(raw));
    ASSERT_EQ(NormalizePhone(raw).extension, NormalizePhoneSlow(raw).extension) << raw;
  }
}

TEST(Phone, SplitsCellsWithSeveralNumbers) {
  auto parts = SplitPhones("8 912 345-67-89, 8 (343) 123-45-67; +7 495 1234567 / 89991112233");
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(parts[1], "8 (343) 123-45-67");
  EXPECT_TRUE(SplitPhones("  ").empty());
}

}  // namespace
}  // namespace doppel::core
