#include "doppel/core/date.h"

#include <gtest/gtest.h>

#include <string>

namespace doppel::core {
namespace {

struct DateCase {
  const char* input;
  Validity validity;
  Reason reason;
  int32_t ymd;  // 0 when not usable
};

constexpr Validity kV = Validity::kValid;
constexpr Validity kW = Validity::kWarning;
constexpr Validity kI = Validity::kInvalid;
constexpr Validity kE = Validity::kEmpty;

// Default options: slashes day first, no two-digit years, no "today".
const DateCase kDefaultCases[] = {
    // Numeric forms.
    {"12.03.1985", kV, Reason::kOk, 19850312},
    {"5.3.1985", kV, Reason::kOk, 19850305},
    {"1985-03-12", kV, Reason::kOk, 19850312},
    {"1985-3-5", kV, Reason::kOk, 19850305},
    {"1985.03.12", kV, Reason::kOk, 19850312},
    {"1985/03/12", kV, Reason::kOk, 19850312},
    {"19850312", kV, Reason::kOk, 19850312},
    {"13/04/1990", kV, Reason::kOk, 19900413},
    {"25-12-1990", kV, Reason::kOk, 19901225},
    {"03/03/1990", kV, Reason::kOk, 19900303},
    {"04/13/1990", kV, Reason::kOk, 19900413},  // only one reading has a month
    {"29.02.2000", kV, Reason::kOk, 20000229},
    {"29.02.2024", kV, Reason::kOk, 20240229},
    {"31.12.1999", kV, Reason::kOk, 19991231},
    // Times, spaces and "г." are ignored.
    {" 12.03.1985 0:00:00 ", kV, Reason::kOk, 19850312},
    {"1985-03-12T00:00:00", kV, Reason::kOk, 19850312},
    {"1985-03-12 00:00:00+03", kV, Reason::kOk, 19850312},
    {"1985-03-12T10:15:30.000Z", kV, Reason::kOk, 19850312},
    {"19850312 00:00", kV, Reason::kOk, 19850312},
    {"3/12/1985 12:00 AM", kW, Reason::kDateAmbiguous, 19851203},
    {"12.03.1985 г.", kV, Reason::kOk, 19850312},
    {"12.03.1985г", kV, Reason::kOk, 19850312},
    {"12.03.1985.", kV, Reason::kOk, 19850312},
    {"\u00a012.03.1985\u00a0", kV, Reason::kOk, 19850312},
    // Month names, Russian and English, any case.
    {"12 марта 1985", kV, Reason::kOk, 19850312},
    {"12 мар 1985", kV, Reason::kOk, 19850312},
    {"12 март 1985 г.", kV, Reason::kOk, 19850312},
    {"12 МАРТА 1985 года", kV, Reason::kOk, 19850312},
    {"1 мая 1990", kV, Reason::kOk, 19900501},
    {"7 сент. 2001", kV, Reason::kOk, 20010907},
    {"31 декабря 1999 г. 0:00:00", kV, Reason::kOk, 19991231},
    {"12 March 1985", kV, Reason::kOk, 19850312},
    {"March 12, 1985", kV, Reason::kOk, 19850312},
    {"12-Mar-1985", kV, Reason::kOk, 19850312},
    {"12-MAR-1985 10:30", kV, Reason::kOk, 19850312},
    {"12th of March 1985", kV, Reason::kOk, 19850312},
    {"1985 March 12", kV, Reason::kOk, 19850312},
    // Ambiguous: slashes and day-first dashes with both fields <= 12.
    {"03/04/1990", kW, Reason::kDateAmbiguous, 19900403},
    {"03-04-1990", kW, Reason::kDateAmbiguous, 19900403},
    // Impossible dates.
    {"31.02.1990", kI, Reason::kDateImpossible, 0},
    {"29.02.1900", kI, Reason::kDateImpossible, 0},
    {"29.02.2023", kI, Reason::kDateImpossible, 0},
    {"31.04.1990", kI, Reason::kDateImpossible, 0},
    {"12.13.1990", kI, Reason::kDateImpossible, 0},
    {"12.00.1990", kI, Reason::kDateImpossible, 0},
    {"00.03.1990", kI, Reason::kDateImpossible, 0},
    {"1990-13-01", kI, Reason::kDateImpossible, 0},
    {"19901301", kI, Reason::kDateImpossible, 0},
    {"32 марта 1985", kI, Reason::kDateImpossible, 0},
    {"13/13/1990", kI, Reason::kDateImpossible, 0},
    // Too old.
    {"12.03.1850", kI, Reason::kDateTooOld, 0},
    {"1899-12-31", kI, Reason::kDateTooOld, 0},
    // Placeholders.
    {"01.01.1900", kI, Reason::kPlaceholder, 0},
    {"1900-01-01", kI, Reason::kPlaceholder, 0},
    {"00.00.0000", kI, Reason::kPlaceholder, 0},
    {"0000-00-00", kI, Reason::kPlaceholder, 0},
    {"01.01.0001 0:00:00", kI, Reason::kPlaceholder, 0},
    {"нет", kI, Reason::kPlaceholder, 0},
    {"-", kI, Reason::kPlaceholder, 0},
    {"Не указана", kI, Reason::kPlaceholder, 0},
    // Not a date.
    {"12.03.85", kI, Reason::kDateUnparsed, 0},  // two-digit years are off by default
    {"12 мар 85", kI, Reason::kDateUnparsed, 0},
    {"hello", kI, Reason::kDateUnparsed, 0},
    {"12.03", kI, Reason::kDateUnparsed, 0},
    {"1985", kI, Reason::kDateUnparsed, 0},
    {"31118", kI, Reason::kDateUnparsed, 0},  // an Excel serial day
    {"198503121", kI, Reason::kDateUnparsed, 0},
    {"12.03-1985", kI, Reason::kDateUnparsed, 0},
    {"12.03.1985 abc", kI, Reason::kDateUnparsed, 0},
    {"12.03.1985 12.03.1985", kI, Reason::kDateUnparsed, 0},
    {"123.03.1985", kI, Reason::kDateUnparsed, 0},
    {"12.003.1985", kI, Reason::kDateUnparsed, 0},
    {"12.03.19850", kI, Reason::kDateUnparsed, 0},
    {"85-03-12", kI, Reason::kDateUnparsed, 0},
    {"12 мартобря 1985", kI, Reason::kDateUnparsed, 0},
    {"12 ма 1985", kI, Reason::kDateUnparsed, 0},
    {"12 марта", kI, Reason::kDateUnparsed, 0},
    {"марта 1985", kI, Reason::kDateUnparsed, 0},
    {"12 марта апреля 1985", kI, Reason::kDateUnparsed, 0},
    {"12 марта 1985 7", kI, Reason::kDateUnparsed, 0},
    // Empty.
    {"", kE, Reason::kEmpty, 0},
    {"  \t ", kE, Reason::kEmpty, 0},
};

void ExpectCase(const DateCase& c, const DateOptions& options) {
  SCOPED_TRACE(c.input);
  const DateResult r = NormalizeDate(c.input, options);
  EXPECT_EQ(r.verdict.validity, c.validity);
  EXPECT_EQ(ReasonCode(r.verdict.reason), ReasonCode(c.reason));
  EXPECT_EQ(r.ymd(), c.ymd);
  if (!r.verdict.usable()) {
    EXPECT_EQ(r.Iso(), "");
  }
}

TEST(NormalizeDate, DefaultOptions) {
  for (const auto& c : kDefaultCases) ExpectCase(c, DateOptions());
}

TEST(NormalizeDate, MonthFirstSlashes) {
  DateOptions options;
  options.slash_order = DateOrder::kMonthFirst;
  const DateCase cases[] = {
      {"03/04/1990", kW, Reason::kDateAmbiguous, 19900304},
      {"03-04-1990", kW, Reason::kDateAmbiguous, 19900304},
      {"04/13/1990", kV, Reason::kOk, 19900413},
      {"13/04/1990", kV, Reason::kOk, 19900413},
      {"12.03.1985", kV, Reason::kOk, 19850312},  // dots stay day first
      {"1985/03/12", kV, Reason::kOk, 19850312},  // a leading year is ISO
      {"02/30/1990", kI, Reason::kDateImpossible, 0},
  };
  for (const auto& c : cases) ExpectCase(c, options);
}

TEST(NormalizeDate, TwoDigitYearsWithPivot) {
  DateOptions options;
  options.two_digit_year_pivot = 30;
  const DateCase cases[] = {
      {"12.03.85", kV, Reason::kOk, 19850312},   {"12.03.25", kV, Reason::kOk, 20250312},
      {"12.03.30", kV, Reason::kOk, 20300312},   {"12.03.31", kV, Reason::kOk, 19310312},
      {"12 мар 85", kV, Reason::kOk, 19850312},  {"03/04/85", kW, Reason::kDateAmbiguous, 19850403},
      {"85-03-12", kI, Reason::kDateImpossible, 0},  // read as dd-mm-yy: day 85
      {"12.03.185", kI, Reason::kDateUnparsed, 0},
  };
  for (const auto& c : cases) ExpectCase(c, options);
}

TEST(NormalizeDate, TodayAndMinYear) {
  DateOptions options;
  options.today = 20261201;
  options.min_year = 1920;
  const DateCase cases[] = {
      {"01.12.2026", kV, Reason::kOk, 20261201},         {"02.12.2026", kI, Reason::kDateInFuture, 0},
      {"2027-01-01", kI, Reason::kDateInFuture, 0},      {"1 января 2030", kI, Reason::kDateInFuture, 0},
      {"31.12.1919", kI, Reason::kDateTooOld, 0},        {"01.01.1920", kV, Reason::kOk, 19200101},
      {"31.02.2030", kI, Reason::kDateImpossible, 0},    {"9999-12-31", kI, Reason::kPlaceholder, 0},
  };
  for (const auto& c : cases) ExpectCase(c, options);
}

// Iso() is the form we write out; reading it back must give the same day.
TEST(NormalizeDate, IsoRoundTrips) {
  for (const auto& c : kDefaultCases) {
    const DateResult r = NormalizeDate(c.input);
    if (!r.verdict.usable()) continue;
    const std::string iso = r.Iso();
    ASSERT_EQ(iso.size(), 10u) << c.input;
    const DateResult again = NormalizeDate(iso);
    EXPECT_EQ(again.verdict.validity, Validity::kValid) << c.input << " -> " << iso;
    EXPECT_EQ(again.ymd(), r.ymd()) << c.input << " -> " << iso;
    EXPECT_EQ(again.Iso(), iso);
  }
  EXPECT_EQ(NormalizeDate("5.3.1985").Iso(), "1985-03-05");
}

TEST(DaysInMonth, LeapYears) {
  EXPECT_EQ(DaysInMonth(2000, 2), 29);
  EXPECT_EQ(DaysInMonth(1900, 2), 28);
  EXPECT_EQ(DaysInMonth(2024, 2), 29);
  EXPECT_EQ(DaysInMonth(2023, 2), 28);
  EXPECT_EQ(DaysInMonth(2023, 4), 30);
  EXPECT_EQ(DaysInMonth(2023, 12), 31);
  EXPECT_EQ(DaysInMonth(2023, 0), 0);
  EXPECT_EQ(DaysInMonth(2023, 13), 0);
}

TEST(DaysFromCivil, KnownDays) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  EXPECT_EQ(DaysFromCivil(1900, 1, 1), -25567);
  EXPECT_EQ(DaysFromCivil(2026, 12, 1) - DaysFromCivil(1985, 3, 12), 15239);
}

// The slow, obviously correct reference: walk day by day from 1970-01-01.
TEST(DaysFromCivil, MatchesDayByDayWalk) {
  int64_t n = 0;
  for (int32_t y = 1970; y <= 2400; ++y) {
    for (int32_t m = 1; m <= 12; ++m) {
      for (int32_t d = 1; d <= DaysInMonth(y, m); ++d, ++n) {
        ASSERT_EQ(DaysFromCivil(y, m, d), n) << y << "-" << m << "-" << d;
      }
    }
  }
  n = 0;
  for (int32_t y = 1969; y >= 1; --y) {
    for (int32_t m = 12; m >= 1; --m) {
      for (int32_t d = DaysInMonth(y, m); d >= 1; --d) {
        --n;
        ASSERT_EQ(DaysFromCivil(y, m, d), n) << y << "-" << m << "-" << d;
      }
    }
  }
}

TEST(CivilFromDays, KnownDays) {
  auto expect = [](int64_t days, int32_t y, int32_t m, int32_t d) {
    const CivilDate c = CivilFromDays(days);
    EXPECT_EQ(c.year, y) << days;
    EXPECT_EQ(c.month, m) << days;
    EXPECT_EQ(c.day, d) << days;
  };
  expect(0, 1970, 1, 1);
  expect(-1, 1969, 12, 31);
  expect(11016, 2000, 2, 29);
  expect(11017, 2000, 3, 1);
  expect(-25567, 1900, 1, 1);
  expect(DaysFromCivil(2026, 12, 1), 2026, 12, 1);
}

// The inverse, against the day-by-day walk of DaysFromCivil above: every day
// from year 1 to 2400 comes back as itself.
TEST(CivilFromDays, InvertsDaysFromCivil) {
  int64_t n = DaysFromCivil(1, 1, 1);
  for (int32_t y = 1; y <= 2400; ++y) {
    for (int32_t m = 1; m <= 12; ++m) {
      for (int32_t d = 1; d <= DaysInMonth(y, m); ++d, ++n) {
        const CivilDate c = CivilFromDays(n);
        ASSERT_TRUE(c.year == y && c.month == m && c.day == d)
            << n << " -> " << c.year << "-" << c.month << "-" << c.day << ", expected " << y << "-" << m << "-" << d;
      }
    }
  }
}

TEST(ParseDateOrder, Names) {
  auto dmy = ParseDateOrder("dmy");
  ASSERT_TRUE(dmy.ok());
  EXPECT_EQ(*dmy, DateOrder::kDayFirst);
  auto mdy = ParseDateOrder("mdy");
  ASSERT_TRUE(mdy.ok());
  EXPECT_EQ(*mdy, DateOrder::kMonthFirst);
  auto bad = ParseDateOrder("ymd");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace doppel::core
