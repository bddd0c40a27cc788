// The Russian numbering plan, regional time zones and calling windows: which
// operator and region a +7 number was allocated to, the UTC offset of that
// region, and when a call to it is permitted.
//
// Pure: text in, values out. No file I/O, no clock (the caller passes "now"),
// no system time-zone database (Russia has had no DST since 2014, so a region
// has one fixed offset).
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "doppel/core/status.h"

namespace doppel::core {

// ---- numbering plan ---------------------------------------------------------

// A register row that was skipped, or kept with a warning.
struct NumberingRowError {
  uint64_t line = 0;    // 1-based line of the text; the header is line 1
  std::string reason;   // "range start after range end", ...
  bool skipped = true;  // false: only a warning, the row was kept
};

struct NumberingInfo {
  // The plan has ranges for the number's 3-digit ABC/DEF code. A plan made
  // from DEF-9xx.csv covers no landline code, so it says nothing about +7495.
  bool covered = false;
  // The number lies inside an allocated range.
  bool allocated = false;
  // Operator and region of that range, as the register writes them; empty
  // when not allocated. They point into the plan and live as long as it.
  std::string_view op, region;
};

// Allocated ranges of 10-digit national numbers (9000000000..9000061999), sorted
// and disjoint, with operator and region names stored once each.
class NumberingPlan {
 public:
  // Parses the register as the regulator publishes it: ';'-separated, UTF-8
  // with or without a BOM, LF or CRLF, header
  //   АВС/ DEF;От;До;Емкость;Оператор;Регион[;Территория ГАР;ИНН]
  // Fields are split on every ';' (quotes in operator names are literal).
  // Rows with the wrong field count, non-digit codes, start after end, or a
  // range overlapping an earlier row are skipped; a capacity that disagrees
  // with end-start+1 is a warning and the row is kept. Both go to *errors.
  // Fails (InvalidArgument) only when the header is not recognised or no row
  // is valid.
  static Result<NumberingPlan> Parse(std::string_view text, std::vector<NumberingRowError>* errors = nullptr);

  // e164 is "+7" and 10 digits ("+79001234567"); anything else is not
  // covered. A binary search: about 15 comparisons for the mobile plan.
  NumberingInfo Lookup(std::string_view e164) const;

  size_t size() const { return ranges_.size(); }  // ranges
  // The distinct region names, in order of first appearance.
  const std::vector<std::string>& regions() const { return regions_; }

  // A compact binary form for storage (about 6 bytes a range: 100 KB for the
  // 3.1 MB DEF-9xx.csv), and back.
  // Deserialize checks a checksum and every invariant; damage is Corruption.
  std::string Serialize() const;
  static Result<NumberingPlan> Deserialize(std::string_view bytes);

 private:
  struct Range {
    uint64_t from, to;      // national numbers, inclusive
    uint32_t op, region;    // indexes into ops_ and regions_
  };
  void MarkCodes();         // codes_ from ranges_

  std::vector<Range> ranges_;
  std::vector<std::string> ops_, regions_;
  std::bitset<1000> codes_;  // 3-digit codes with at least one range
};

// ---- time zones (timezones.cc) ----------------------------------------------

// The UTC offset in minutes of a Russian federal subject, named as the
// numbering register names it ("Ростовская обл.", "Ханты - Мансийский - Югра
// АО", "Республика Саха /Якутия/", "г. Норильск|Красноярский край") or as an
// address column would ("Ростовская область", "Удмуртская Республика"), or of
// one of the ~70 largest cities ("Новосибирск", "Набережные Челны"). Matching
// folds case and ё, ignores punctuation and looks for distinctive stems, so
// abbreviations and word order do not matter. Якутия spans three zones; +9
// (Якутск) is used. nullopt for "Российская Федерация", "-" and unknown text.
std::optional<int> RegionUtcOffsetMinutes(std::string_view region);

// Standard UTC offset in minutes of a neighbouring country by ISO 3166 code
// ("KZ", "kz", "KZ-ALA"): AM AZ BY EE FI GE KG KZ LT LV MD TJ TM UA UZ. DST,
// where a country keeps it (UA, MD, the Baltics, FI), is not applied. RU and
// unknown codes give nullopt: Russia needs the region.
std::optional<int> CountryUtcOffsetMinutes(std::string_view iso_region);

// ---- calling windows (timezones.cc) -----------------------------------------

// When calls are permitted, in the callee's local time: [start, end) minutes
// of the day on the days whose bits are set.
struct CallingWindow {
  int start_minute = 9 * 60;
  int end_minute = 20 * 60;
  uint8_t days = 0x1F;  // bit 0 = Monday .. bit 6 = Sunday; default mon-fri
};

// hours: "09:00-20:00" ("9:00 - 20:00", "9-20"; end may be "24:00"; must not
// wrap past midnight). days: "mon-fri", "mon,wed,sat", "fri-mon" (wraps),
// "mon-sun", "daily"; English names or Russian "пн".."вс", any case. An empty
// argument keeps the default (09:00-20:00, mon-fri).
Result<CallingWindow> ParseCallingWindow(std::string_view hours, std::string_view days);

struct WindowSlot {
  int64_t start_ms, end_ms;  // ms since the epoch, UTC; [start, end)
};
// The first moment at or after now_ms when w permits a call at the given UTC
// offset (now_ms itself when inside a window), and the end of that window.
// A window that never opens (no days, or start >= end) gives
// {INT64_MAX, INT64_MAX}.
WindowSlot NextPermitted(const CallingWindow& w, int64_t now_ms, int utc_offset_minutes);

// "09:00-20:00 UTC+03:00": the hours of w and the offset they are local to,
// for a call-list row.
std::string DescribeLocalWindow(const CallingWindow& w, int utc_offset_minutes);

}  // namespace doppel::core
