#include "doppel/core/date.h"

#include <string>
#include <string_view>
#include <utility>

#include "doppel/core/unicode.h"

namespace doppel::core {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads a run of ASCII digits starting at s[i]. Returns its length (0 when
// s[i] is no digit); runs longer than 8 digits are no date field and return 9.
size_t ReadNumber(std::string_view s, size_t& i, int32_t& value) {
  value = 0;
  const size_t start = i;
  while (i < s.size() && IsDigit(s[i])) {
    if (i - start == 8) return 9;
    value = value * 10 + (s[i] - '0');
    ++i;
  }
  return i - start;
}

// Four-digit years as they are; two-digit ones only when the caller set a
// pivot, because "12.03.25" is a guess.
bool ExpandYear(int32_t value, size_t digits, const DateOptions& options, int32_t& year) {
  if (digits == 4) {
    year = value;
    return true;
  }
  if (digits == 2 && options.two_digit_year_pivot >= 0) {
    year = value <= options.two_digit_year_pivot ? 2000 + value : 1900 + value;
    return true;
  }
  return false;
}

// Time of day after a date ("0:00:00", "00:00:00+03", "12:30 PM",
// "00:00:00.000Z"): one or two digits and a colon, then only time characters.
bool IsTimeOfDay(std::string_view t) {
  size_t i = 0;
  while (i < t.size() && i < 2 && IsDigit(t[i])) ++i;
  if (i == 0 || i >= t.size() || t[i] != ':') return false;
  for (; i < t.size(); ++i) {
    const char c = t[i];
    const bool ok = IsDigit(c) || c == ':' || c == '.' || c == ',' || c == '+' || c == '-' || c == ' ' ||
                    c == 'Z' || c == 'z' || c == 'A' || c == 'a' || c == 'P' || c == 'p' || c == 'M' || c == 'm';
    if (!ok) return false;
  }
  return true;
}

// What may follow a numeric date: nothing, a final dot, "г." (Russian
// "12.03.1985 г."), or a time after a space or 'T'.
bool IsIgnorableTail(std::string_view rest) {
  if (rest.empty() || rest == ".") return true;
  if (rest.front() == 'T' || rest.front() == 't') return IsTimeOfDay(rest.substr(1));
  size_t i = 0;
  while (i < rest.size() && rest[i] == ' ') ++i;
  static constexpr std::string_view kYearMark = "г";  // "год": year
  if (rest.substr(i).starts_with(kYearMark)) {
    i += kYearMark.size();
    if (i < rest.size() && rest[i] == '.') ++i;
    while (i < rest.size() && rest[i] == ' ') ++i;
    return i == rest.size() || IsTimeOfDay(rest.substr(i));
  }
  return i > 0 && IsTimeOfDay(rest.substr(i));
}

struct ParsedDate {
  int32_t year = 0, month = 0, day = 0;
  bool ambiguous = false;  // day and month could be read the other way round
};

// The common path: digits and one kind of separator, no allocation. Returns
// false when s is not a numeric date (the caller then tries month names).
bool ParseNumeric(std::string_view s, const DateOptions& options, ParsedDate& out) {
  size_t i = 0;
  int32_t a, b, c;
  const size_t na = ReadNumber(s, i, a);
  if (na == 8) {  // yyyymmdd
    out.year = a / 10000;
    out.month = a / 100 % 100;
    out.day = a % 100;
    const std::string_view rest = s.substr(i);
    return rest.empty() || ((rest.front() == ' ' || rest.front() == 'T') && IsIgnorableTail(rest));
  }
  if (na == 0 || na > 4 || i == s.size()) return false;
  const char sep = s[i];
  if (sep != '.' && sep != '-' && sep != '/') return false;
  ++i;
  const size_t nb = ReadNumber(s, i, b);
  if (nb == 0 || nb > 2 || i == s.size() || s[i] != sep) return false;
  ++i;
  const size_t nc = ReadNumber(s, i, c);
  if (nc == 0 || nc > 4 || !IsIgnorableTail(s.substr(i))) return false;

  if (na == 4) {  // yyyy-mm-dd, yyyy.mm.dd, yyyy/mm/dd: always ISO order
    if (nc > 2) return false;
    out.year = a;
    out.month = b;
    out.day = c;
    return true;
  }
  if (na > 2 || !ExpandYear(c, nc, options, out.year)) return false;
  if (sep == '.') {  // Russian usage: always day first
    out.day = a;
    out.month = b;
    return true;
  }
  // Slashes, and dashes with the year last, are written both ways round.
  if (options.slash_order == DateOrder::kDayFirst) {
    out.day = a;
    out.month = b;
  } else {
    out.month = a;
    out.day = b;
  }
  // When only one reading gives a month, the writer used the other order
  // ("13/04/1990" in a month-first file): take it, there is no doubt.
  if (out.month > 12 && out.day >= 1 && out.day <= 12) std::swap(out.day, out.month);
  out.ambiguous = a >= 1 && a <= 12 && b >= 1 && b <= 12 && a != b;
  return true;
}

struct MonthForm {
  std::string_view name;  // folded
  int32_t month;
};

// Nominative and genitive forms; any prefix of three or more letters is an
// abbreviation ("мар", "сент", "sept"). Three-letter prefixes are unique
// across months, in both languages.
constexpr MonthForm kMonthForms[] = {
    {"январь", 1},   {"января", 1},    {"февраль", 2},  {"февраля", 2},   {"март", 3},      {"марта", 3},
    {"апрель", 4},   {"апреля", 4},    {"май", 5},      {"мая", 5},       {"июнь", 6},      {"июня", 6},
    {"июль", 7},     {"июля", 7},      {"август", 8},   {"августа", 8},   {"сентябрь", 9},  {"сентября", 9},
    {"октябрь", 10}, {"октября", 10},  {"ноябрь", 11},  {"ноября", 11},   {"декабрь", 12},  {"декабря", 12},
    {"january", 1},  {"february", 2},  {"march", 3},    {"april", 4},     {"may", 5},       {"june", 6},
    {"july", 7},     {"august", 8},    {"september", 9}, {"october", 10}, {"november", 11}, {"december", 12},
};

size_t CodePointCount(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

int32_t MonthFromName(std::string_view word) {
  if (CodePointCount(word) < 3) return 0;
  for (const auto& f : kMonthForms) {
    if (f.name.starts_with(word)) return f.month;
  }
  return 0;
}

// Words that may stand next to a text date without changing it.
bool IsFillerWord(std::string_view w) {
  static constexpr std::string_view kWords[] = {"г", "гг", "год", "года", "of", "st", "nd", "rd", "th"};
  for (auto f : kWords) {
    if (w == f) return true;
  }
  return false;
}

// "12 марта 1985 г.", "12-Mar-1985", "March 12, 1985", "12th of March 1985".
// folded has been through Fold.
bool ParseText(std::string folded, const DateOptions& options, ParsedDate& out) {
  // Drop a time of day: everything from the digits before the first colon.
  if (const size_t colon = folded.find(':'); colon != std::string::npos) {
    size_t cut = colon;
    while (cut > 0 && IsDigit(folded[cut - 1])) --cut;
    if (cut > 0 && folded[cut - 1] == 't') --cut;
    folded.resize(cut);
  }
  struct Number {
    int32_t value;
    size_t digits;
  };
  Number numbers[2] = {};
  size_t n_numbers = 0;
  int32_t month = 0;
  size_t month_pos = 0;  // how many numbers came before the month name
  const std::string_view s = folded;
  for (size_t i = 0; i < s.size();) {
    if (IsDigit(s[i])) {
      int32_t value;
      const size_t digits = ReadNumber(s, i, value);
      if (digits > 4 || n_numbers == 2) return false;
      numbers[n_numbers++] = {value, digits};
      continue;
    }
    size_t j = i;
    const char32_t cp = NextCodePoint(s, j);
    if (!IsLetter(cp)) {
      if (cp != ' ' && cp != ',' && cp != '.' && cp != '-' && cp != '/') return false;
      i = j;
      continue;
    }
    size_t end = j;
    while (end < s.size()) {
      size_t k = end;
      if (!IsLetter(NextCodePoint(s, k))) break;
      end = k;
    }
    const std::string_view word = s.substr(i, end - i);
    i = end;
    if (IsFillerWord(word)) continue;
    const int32_t m = MonthFromName(word);
    if (m == 0 || month != 0) return false;
    month = m;
    month_pos = n_numbers;
  }
  if (month == 0 || n_numbers != 2) return false;
  out.month = month;
  const Number& first = numbers[0];
  const Number& second = numbers[1];
  if (month_pos == 1 && first.digits == 4) {  // "1985 march 12"
    if (second.digits > 2) return false;
    out.year = first.value;
    out.day = second.value;
    return true;
  }
  // "12 march 1985" (month between) or "march 12, 1985" (month first).
  if (month_pos == 2 || first.digits > 2) return false;
  out.day = first.value;
  return ExpandYear(second.value, second.digits, options, out.year);
}

// Dates that mean "unknown" in common exports: 1C's empty date 0001-01-01,
// the OLE/Delphi zero 1899-12-30, 1900-01-01 (Excel and 1C defaults),
// SQL Server's minimum 1753-01-01, the "forever" 9999-12-31, and all zeros.
bool IsPlaceholderDate(int32_t y, int32_t m, int32_t d) {
  const int32_t ymd = y * 10000 + m * 100 + d;
  return ymd == 0 || ymd == 10101 || ymd == 18991230 || ymd == 19000101 || ymd == 17530101 ||
         ymd == 99991231;
}

void AppendPadded(std::string& out, int32_t value, int width) {
  char digits[4];
  for (int i = width - 1; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out.append(digits, static_cast<size_t>(width));
}

}  // namespace

Result<DateOrder> ParseDateOrder(std::string_view name) {
  if (name == "dmy" || name == "DMY") return DateOrder::kDayFirst;
  if (name == "mdy" || name == "MDY") return DateOrder::kMonthFirst;
  return Status::InvalidArgument("unknown date order '" + std::string(name) + "' (expected dmy or mdy)");
}

int DaysInMonth(int32_t year, int32_t month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  if (month == 2) {
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return leap ? 29 : 28;
  }
  return kDays[month - 1];
}

int64_t DaysFromCivil(int32_t year, int32_t month, int32_t day) {
  // Count from 0000-03-01 so that the leap day ends the year, in 400-year
  // eras of 146097 days; 719468 is the day number of 1970-01-01 on that scale.
  int64_t y = year - (month <= 2 ? 1 : 0);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t year_of_era = y - era * 400;                          // [0, 399]
  const int64_t month_from_march = month > 2 ? month - 3 : month + 9;  // [0, 11]
  const int64_t day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

CivilDate CivilFromDays(int64_t days) {
  // DaysFromCivil backwards, on the same scale of 400-year eras from 0000-03-01
  // (after Howard Hinnant's public-domain derivation).
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t day_of_era = z - era * 146097;  // [0, 146096]
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;  // [0, 399]
  const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);  // [0, 365]
  const int64_t month_from_march = (5 * day_of_year + 2) / 153;                                     // [0, 11]
  CivilDate d;
  d.day = static_cast<int32_t>(day_of_year - (153 * month_from_march + 2) / 5 + 1);
  d.month = static_cast<int32_t>(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
  d.year = static_cast<int32_t>(year_of_era + era * 400 + (d.month <= 2 ? 1 : 0));
  return d;
}

std::string DateResult::Iso() const {
  std::string out;
  if (!verdict.usable()) return out;
  out.reserve(10);
  AppendPadded(out, year, 4);
  out.push_back('-');
  AppendPadded(out, month, 2);
  out.push_back('-');
  AppendPadded(out, day, 2);
  return out;
}

DateResult NormalizeDate(std::string_view raw, const DateOptions& options) {
  DateResult result;
  const std::string_view s = Trim(raw);
  if (s.empty()) {
    result.verdict = Verdict::Empty();
    return result;
  }
  ParsedDate p;
  if (!ParseNumeric(s, options, p)) {
    // The rare path: month names and placeholder words need folding.
    std::string folded = Fold(s);
    if (IsPlaceholderText(folded)) {
      result.verdict = Verdict::Invalid(Reason::kPlaceholder);
      return result;
    }
    p = ParsedDate();
    if (!ParseText(std::move(folded), options, p)) {
      result.verdict = Verdict::Invalid(Reason::kDateUnparsed);
      return result;
    }
  }
  if (IsPlaceholderDate(p.year, p.month, p.day)) {
    result.verdict = Verdict::Invalid(Reason::kPlaceholder);
  } else if (p.month < 1 || p.month > 12 || p.day < 1 || p.day > DaysInMonth(p.year, p.month)) {
    result.verdict = Verdict::Invalid(Reason::kDateImpossible);
  } else if (p.year < options.min_year) {
    result.verdict = Verdict::Invalid(Reason::kDateTooOld);
  } else if (options.today != 0 && p.year * 10000 + p.month * 100 + p.day > options.today) {
    result.verdict = Verdict::Invalid(Reason::kDateInFuture);
  } else {
    result.verdict = p.ambiguous ? Verdict::Warn(Reason::kDateAmbiguous) : Verdict::Valid();
    result.year = p.year;
    result.month = p.month;
    result.day = p.day;
  }
  return result;
}

}  // namespace doppel::core
