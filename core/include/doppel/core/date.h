// Date normalization: dd.mm.yyyy, yyyy-mm-dd, yyyymmdd, dd/mm/yyyy and kin.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "doppel/core/status.h"
#include "doppel/core/validity.h"

namespace doppel::core {

// How to read slash dates like 03/04/1990. Dots are always day first
// (Russian usage) and dashes with a leading year are always ISO.
enum class DateOrder : uint8_t { kDayFirst, kMonthFirst };
Result<DateOrder> ParseDateOrder(std::string_view name);  // "dmy" or "mdy"

struct DateOptions {
  // Order of day and month in slash dates. Default: kDayFirst.
  DateOrder slash_order = DateOrder::kDayFirst;
  // Dates after this day (yyyymmdd) are invalid (date_in_future); 0 turns the
  // check off. Passed in, never read from the clock, so results are
  // reproducible. Default: 0.
  int32_t today = 0;
  // Years before this are invalid (date_too_old). Default: 1900.
  int32_t min_year = 1900;
  // Two-digit years: yy <= pivot is 20yy, else 19yy; -1 rejects two-digit
  // years. Default: -1.
  int32_t two_digit_year_pivot = -1;
};

struct DateResult {
  Verdict verdict;
  int32_t year = 0, month = 0, day = 0;  // set when usable
  // yyyymmdd as an integer (19850312); 0 when not usable.
  int32_t ymd() const { return verdict.usable() ? year * 10000 + month * 100 + day : 0; }
  // "1985-03-12"; "" when not usable.
  std::string Iso() const;
};

DateResult NormalizeDate(std::string_view raw, const DateOptions& options = {});

// Days in a month of the proleptic Gregorian calendar.
int DaysInMonth(int32_t year, int32_t month);
// Days since 1970-01-01 for a valid date (for ages and staleness).
int64_t DaysFromCivil(int32_t year, int32_t month, int32_t day);

// A day of the proleptic Gregorian calendar.
struct CivilDate {
  int32_t year = 0, month = 0, day = 0;
};
// The inverse of DaysFromCivil: the date `days` days after 1970-01-01.
CivilDate CivilFromDays(int64_t days);

}  // namespace doppel::core
