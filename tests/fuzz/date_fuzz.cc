// Date normalization (core/date.h) on arbitrary text. Invariants: a date it
// accepts is a real calendar day, and its ISO form reads back as that day.
#include "doppel/core/date.h"
#include "fuzz.h"

using namespace doppel;
using doppel::fuzz::Show;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 128) return 0;
  core::DateOptions o;
  o.slash_order = (data[0] & 1) ? core::DateOrder::kMonthFirst : core::DateOrder::kDayFirst;
  o.two_digit_year_pivot = (data[0] & 2) ? 30 : -1;
  o.today = (data[0] & 4) ? 20261204 : 0;
  std::string_view raw(reinterpret_cast<const char*>(data + 1), size - 1);
  core::DateResult r = core::NormalizeDate(raw, o);
  if (!r.verdict.usable()) return 0;
  FUZZ_CHECK(r.month >= 1 && r.month <= 12 && r.day >= 1 && r.day <= core::DaysInMonth(r.year, r.month),
             Show(raw) + " -> " + r.Iso());
  FUZZ_CHECK(r.year >= o.min_year, Show(raw) + " -> " + r.Iso());
  FUZZ_CHECK(o.today == 0 || r.ymd() <= o.today, Show(raw) + " -> " + r.Iso() + " after today");
  core::DateResult again = core::NormalizeDate(r.Iso(), o);
  FUZZ_CHECK(again.ymd() == r.ymd(), Show(raw) + " -> " + r.Iso() + " -> " + again.Iso());
  auto civil = core::CivilFromDays(core::DaysFromCivil(r.year, r.month, r.day));
  FUZZ_CHECK(civil.year == r.year && civil.month == r.month && civil.day == r.day, "day count round trip");
  return 0;
}
