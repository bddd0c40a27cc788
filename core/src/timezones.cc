// Regional UTC offsets and calling windows (declared in numbering.h).
#include <algorithm>
#include <climits>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "doppel/core/numbering.h"
#include "doppel/core/unicode.h"

namespace doppel::core {
namespace {

// ---- region names -----------------------------------------------------------

// Folded (lower case, ё->е), every run of non-letters and non-digits turned
// into one space, with a space at both ends so every word is " word ".
// "Ханты - Мансийский - Югра АО" -> " ханты мансийский югра ао ".
std::string NormalizeRegion(std::string_view s) {
  const std::string folded = Fold(s);
  std::string out = " ";
  for (size_t i = 0; i < folded.size();) {
    const size_t start = i;
    const char32_t cp = NextCodePoint(folded, i);
    if (IsLetter(cp) || IsAsciiDigit(cp)) {
      out.append(folded, start, i - start);
    } else if (out.back() != ' ') {
      out.push_back(' ');
    }
  }
  if (out.back() != ' ') out.push_back(' ');
  return out;
}

// A stem and what may follow it up to the end of its word. endings is "*"
// for anything, else a '|'-separated list of exact rests where an empty
// element means the bare stem. next, when set, must start the following word.
struct Rule {
  std::string_view stem;
  std::string_view endings;
  int offset_hours;
  std::string_view next = {};
};

constexpr std::string_view kAny = "*";
// Oblasts by their feminine adjective only ("Свердловская", "Свердловской"):
// the masculine form names districts elsewhere ("Свердловский район" of
// Иркутск, "Московский район" of Калининград).
constexpr std::string_view kFem = "ая|ой|ую";
// A city whose name ends in -ск, in its common cases (Омск, Омска, Омске).
constexpr std::string_view kCity = "|а|е|у|ом";
constexpr std::string_view kCityFem = "|а|е|у|ом|ая|ой|ую";
// A krai by its masculine adjective, only before "край"/"кр.": "Красноярский
// район" is in Самарская and Астраханская обл.
constexpr std::string_view kKrai = "ий|ого|ом|ому";
constexpr std::string_view kKraiNext = "кр";

// The first rule that matches wins, so the order matters where stems meet:
// Ямало-Ненецкий before Ненецкий, Пермский (Коми-Пермяцкий округ) before
// Коми, subjects before cities (a city name may also be a district's).
constexpr Rule kRules[] = {
    // Ordered pairs.
    {"ямал", kAny, 5}, {"янао", "", 5},
    {"перм", kAny, 5},
    // Cities of federal significance and their oblasts.
    {"москв", kAny, 3}, {"московск", kFem, 3}, {"подмосков", kAny, 3},
    {"петербург", kAny, 3}, {"спб", "", 3}, {"питер", "", 3}, {"ленинград", "", 3},
    {"ленинградск", kFem, 3}, {"ленобласть", "", 3},
    {"севастопол", kAny, 3}, {"крым", kAny, 3},
    // UTC+2.
    {"калининград", kAny, 2},
    // UTC+3: republics.
    {"адыге", kAny, 3}, {"дагестан", kAny, 3}, {"ингуш", kAny, 3}, {"кабард", kAny, 3},
    {"балкар", kAny, 3}, {"калмык", kAny, 3}, {"карача", kAny, 3}, {"карел", kAny, 3},
    {"коми", "", 3}, {"марий", "", 3}, {"мари", "", 3}, {"мордов", kAny, 3}, {"осети", kAny, 3},
    {"алани", kAny, 3}, {"татарст", kAny, 3}, {"татария", "", 3}, {"чечен", kAny, 3},
    {"чечн", kAny, 3}, {"чуваш", kAny, 3}, {"донецк", kAny, 3}, {"днр", "", 3},
    {"луганск", kAny, 3}, {"лнр", "", 3},
    // UTC+3: krais, oblasts, okrug.
    {"краснодар", kAny, 3}, {"кубан", kAny, 3}, {"ставропольск", kKrai, 3, kKraiNext},
    {"архангельск", kAny, 3}, {"ненецк", kAny, 3}, {"белгород", kAny, 3}, {"брянск", kAny, 3},
    {"владимирск", kFem, 3}, {"волгоград", kAny, 3}, {"вологод", kAny, 3}, {"воронеж", kAny, 3},
    {"ивановск", kFem, 3}, {"калуж", kAny, 3}, {"кировск", kFem, 3}, {"костром", kAny, 3},
    {"курск", kCityFem, 3}, {"липецк", kAny, 3}, {"мурманск", kAny, 3},
    {"нижний новгород", kAny, 3}, {"нижегород", kAny, 3}, {"новгород", kAny, 3},
    {"орловск", kFem, 3}, {"пенз", kAny, 3}, {"псков", kAny, 3}, {"ростов", kAny, 3},
    {"рязан", kAny, 3}, {"смоленск", kCityFem, 3}, {"тамбов", kAny, 3}, {"тверск", kFem, 3},
    {"тульск", kFem, 3}, {"ярослав", kAny, 3}, {"запорож", kAny, 3}, {"херсон", kAny, 3},
    // UTC+4.
    {"астрахан", kAny, 4}, {"самар", kAny, 4}, {"саратов", kAny, 4}, {"удмурт", kAny, 4},
    {"ульяновск", kAny, 4},
    // UTC+5.
    {"башк", kAny, 5}, {"курганск", kFem, 5}, {"оренбург", kAny, 5}, {"свердловск", kCityFem, 5},
    {"тюмен", kAny, 5}, {"ханты", kAny, 5}, {"мансийск", kAny, 5}, {"югр", kAny, 5},
    {"хмао", "", 5}, {"челябинск", kAny, 5},
    // UTC+6.
    {"омск", kCityFem, 6},
    // UTC+7.
    {"алтай", kAny, 7}, {"кемеров", kAny, 7}, {"кузбас", kAny, 7}, {"новосибирск", kAny, 7},
    {"томск", kCityFem, 7}, {"красноярск", kKrai, 7, kKraiNext}, {"хакас", kAny, 7},
    {"тыв", kAny, 7}, {"тува", "", 7}, {"тувин", kAny, 7},
    // UTC+8.
    {"иркутск", kAny, 8}, {"бурят", kAny, 8},
    // UTC+9. Якутия spans +9..+11; most of its people live at +9.
    {"якут", kAny, 9}, {"саха", "", 9}, {"забайкал", kAny, 9}, {"амурск", kFem, 9},
    // UTC+10.
    {"приморск", kKrai, 10, kKraiNext}, {"приморь", "е|я", 10}, {"хабаровск", kAny, 10},
    {"еврейск", kAny, 10},
    // UTC+11.
    {"сахалин", kAny, 11}, {"магадан", kAny, 11},
    // UTC+12.
    {"камчат", kAny, 12}, {"коряк", kAny, 12}, {"чукот", kAny, 12},

    // Large cities whose names are not the subject's stem, and the regional
    // capitals that are (the -ск ones by their case forms only). Names two
    // regions share at different offsets are left out: Благовещенск is in
    // Амурская (+9) and in Башкортостан (+5), and a wrong guess means a call
    // at night.
    {"владимир", "|а|е", 3}, {"вологд", kAny, 3}, {"иваново", "", 3}, {"калуг", kAny, 3},
    {"киров", "|а|е|у|ом", 3}, {"орел", "", 3}, {"орла", "", 3}, {"твер", "ь|и", 3},
    {"тул", "а|ы|е", 3}, {"ставропол", "ь|я|е|ем", 3}, {"казан", "ь|и", 3},
    {"набережные челны", kAny, 3}, {"челны", "", 3}, {"махачкал", kAny, 3}, {"чебоксар", kAny, 3},
    {"балаших", kAny, 3}, {"сочи", "", 3}, {"новороссийск", kAny, 3}, {"череповец", kAny, 3},
    {"петрозаводск", kAny, 3}, {"сыктывкар", kAny, 3}, {"йошкар", kAny, 3}, {"саранск", kAny, 3},
    {"владикавказ", kAny, 3}, {"грозн", "ый|ого|ом", 3}, {"нальчик", kAny, 3}, {"черкесск", kAny, 3},
    {"майкоп", kAny, 3}, {"элист", kAny, 3}, {"магас", "", 3}, {"симферопол", kAny, 3},
    {"нарьян", kAny, 3}, {"химки", "", 3}, {"подольск", kCity, 3},
    {"тольятти", "", 4}, {"ижевск", kAny, 4},
    {"уф", "а|ы|е", 5}, {"стерлитамак", kAny, 5}, {"курган", "|а|е", 5}, {"орск", kCity, 5},
    {"екатеринбург", kAny, 5}, {"нижний тагил", kAny, 5}, {"магнитогорск", kAny, 5},
    {"тобольск", kAny, 5}, {"сургут", kAny, 5}, {"нижневартовск", kAny, 5}, {"салехард", kAny, 5},
    {"уренгой", kAny, 5}, {"ноябрьск", kAny, 5},
    {"барнаул", kAny, 7}, {"бийск", kCity, 7}, {"новокузнецк", kAny, 7}, {"красноярск", kCity, 7},
    {"норильск", kAny, 7}, {"абакан", kAny, 7}, {"кызыл", "|а|е", 7},
    {"ангарск", kAny, 8}, {"братск", kCity, 8}, {"улан удэ", kAny, 8},
    {"чит", "а|ы|е", 9},
    {"владивосток", kAny, 10}, {"уссурийск", kAny, 10}, {"находк", kAny, 10},
    {"комсомольск на амуре", kAny, 10}, {"биробиджан", kAny, 10},
    {"анадыр", kAny, 12},
};

// True when rest is one of the '|'-separated endings ("*": anything).
bool EndingAllowed(std::string_view endings, std::string_view rest) {
  if (endings == kAny) return true;
  for (size_t start = 0;;) {
    const size_t bar = endings.find('|', start);
    if (endings.substr(start, bar - start) == rest) return true;
    if (bar == std::string_view::npos) return false;
    start = bar + 1;
  }
}

// padded is NormalizeRegion's output: a word starts after each space.
bool Matches(const Rule& rule, std::string_view padded) {
  for (size_t p = padded.find(rule.stem); p != std::string_view::npos; p = padded.find(rule.stem, p + 1)) {
    if (padded[p - 1] != ' ') continue;
    const size_t rest_start = p + rule.stem.size();
    const size_t word_end = padded.find(' ', rest_start);  // found: padded ends in ' '
    if (!EndingAllowed(rule.endings, padded.substr(rest_start, word_end - rest_start))) continue;
    if (rule.next.empty() || padded.substr(word_end + 1).starts_with(rule.next)) return true;
  }
  return false;
}

struct CountryOffset {
  std::string_view code;
  int minutes;
};
constexpr CountryOffset kCountries[] = {
    {"AM", 240}, {"AZ", 240}, {"BY", 180}, {"EE", 120}, {"FI", 120}, {"GE", 240}, {"KG", 360}, {"KZ", 300},
    {"LT", 120}, {"LV", 120}, {"MD", 120}, {"TJ", 300}, {"TM", 300}, {"UA", 120}, {"UZ", 300},
};

// ---- calling windows --------------------------------------------------------

constexpr int64_t kMsPerMinute = 60'000;
constexpr int64_t kMsPerDay = 86'400'000;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a % b < 0) != (b < 0)); }

// Monday = 0 .. Sunday = 6; 1970-01-01 (day 0) was a Thursday.
int Weekday(int64_t days_since_epoch) { return static_cast<int>(((days_since_epoch % 7) + 7 + 3) % 7); }

// "9", "09:00", "24:00" -> minutes of the day; -1 when malformed.
int ParseClock(std::string_view s) {
  s = Trim(s);
  int hours = 0, minutes = 0;
  size_t i = 0;
  for (; i < s.size() && i < 2 && IsAsciiDigit(static_cast<unsigned char>(s[i])); ++i) hours = hours * 10 + (s[i] - '0');
  if (i == 0) return -1;
  if (i < s.size()) {
    if (s[i] != ':' || s.size() != i + 3) return -1;
    for (size_t j = i + 1; j < s.size(); ++j) {
      if (!IsAsciiDigit(static_cast<unsigned char>(s[j]))) return -1;
      minutes = minutes * 10 + (s[j] - '0');
    }
  }
  if (minutes > 59 || hours * 60 + minutes > 24 * 60) return -1;
  return hours * 60 + minutes;
}

// Day names in English (three letters or full) and Russian abbreviations;
// index = bit.
constexpr std::string_view kDayNames[7][3] = {
    {"mon", "monday", "пн"}, {"tue", "tuesday", "вт"}, {"wed", "wednesday", "ср"}, {"thu", "thursday", "чт"},
    {"fri", "friday", "пт"}, {"sat", "saturday", "сб"}, {"sun", "sunday", "вс"},
};

int DayIndex(std::string_view name) {
  name = Trim(name);
  for (int d = 0; d < 7; ++d) {
    for (std::string_view n : kDayNames[d]) {
      if (name == n) return d;
    }
  }
  return -1;
}

Result<uint8_t> ParseDays(std::string_view text) {
  const std::string folded = Fold(text);
  const std::string_view s = Trim(folded);
  if (s == "daily" || s == "all") return uint8_t{0x7F};
  uint8_t days = 0;
  for (size_t start = 0; start <= s.size();) {
    size_t comma = s.find(',', start);
    if (comma == std::string_view::npos) comma = s.size();
    const std::string_view item = s.substr(start, comma - start);
    start = comma + 1;
    const size_t dash = item.find('-');
    const int first = DayIndex(item.substr(0, dash));
    const int last = dash == std::string_view::npos ? first : DayIndex(item.substr(dash + 1));
    if (first < 0 || last < 0) {
      return Status::InvalidArgument("calling days: \"" + std::string(Trim(item)) + "\" in \"" + std::string(text) +
                                     "\" is not a day (mon..sun, пн..вс) or a range of days");
    }
    // A range may wrap past Sunday: "fri-mon" is fri, sat, sun, mon.
    for (int d = first;; d = (d + 1) % 7) {
      days |= static_cast<uint8_t>(1u << d);
      if (d == last) break;
    }
  }
  return days;
}

std::string TwoDigits(int v) { return {static_cast<char>('0' + v / 10), static_cast<char>('0' + v % 10)}; }
std::string Clock(int minutes) { return TwoDigits(minutes / 60) + ":" + TwoDigits(minutes % 60); }

}  // namespace

std::optional<int> RegionUtcOffsetMinutes(std::string_view region) {
  if (!IsValidUtf8(region)) return std::nullopt;
  const std::string padded = NormalizeRegion(region);
  for (const Rule& rule : kRules) {
    if (Matches(rule, padded)) return rule.offset_hours * 60;
  }
  return std::nullopt;
}

std::optional<int> CountryUtcOffsetMinutes(std::string_view iso_region) {
  iso_region = Trim(iso_region);
  if (iso_region.size() < 2 || (iso_region.size() > 2 && iso_region[2] != '-')) return std::nullopt;
  const char code[2] = {static_cast<char>(iso_region[0] & ~0x20), static_cast<char>(iso_region[1] & ~0x20)};
  for (const auto& c : kCountries) {
    if (c.code == std::string_view(code, 2)) return c.minutes;
  }
  return std::nullopt;
}

Result<CallingWindow> ParseCallingWindow(std::string_view hours, std::string_view days) {
  CallingWindow w;
  hours = Trim(hours);
  if (!hours.empty()) {
    // An en dash (U+2013) is what word processors make of '-'.
    size_t dash = hours.find('-'), dash_len = 1;
    if (dash == std::string_view::npos) {
      dash = hours.find("\xE2\x80\x93");
      dash_len = 3;
    }
    const int start = dash == std::string_view::npos ? -1 : ParseClock(hours.substr(0, dash));
    const int end = dash == std::string_view::npos ? -1 : ParseClock(hours.substr(dash + dash_len));
    if (start < 0 || end < 0) {
      return Status::InvalidArgument("calling hours \"" + std::string(hours) + "\" are not like 09:00-20:00");
    }
    if (start >= end) {
      return Status::InvalidArgument("calling hours \"" + std::string(hours) +
                                     "\" close before they open (windows past midnight are not supported)");
    }
    w.start_minute = start;
    w.end_minute = end;
  }
  if (!Trim(days).empty()) {
    DOPPEL_ASSIGN_OR_RETURN(w.days, ParseDays(days));
  }
  return w;
}

// Walks local days from today: at most a week ahead, since any set day
// recurs within seven.
WindowSlot NextPermitted(const CallingWindow& w, int64_t now_ms, int utc_offset_minutes) {
  constexpr WindowSlot kNever{INT64_MAX, INT64_MAX};
  if ((w.days & 0x7F) == 0 || w.start_minute < 0 || w.end_minute > 24 * 60 || w.start_minute >= w.end_minute) {
    return kNever;
  }
  const int64_t offset_ms = int64_t{utc_offset_minutes} * kMsPerMinute;
  const int64_t local_now = now_ms + offset_ms;
  const int64_t today = FloorDiv(local_now, kMsPerDay);
  for (int64_t day = today; day <= today + 7; ++day) {
    if (!(w.days & (1u << Weekday(day)))) continue;
    const int64_t open = day * kMsPerDay + w.start_minute * kMsPerMinute;
    const int64_t close = day * kMsPerDay + w.end_minute * kMsPerMinute;
    if (local_now >= close) continue;  // today's window is over
    return {std::max(open, local_now) - offset_ms, close - offset_ms};
  }
  return kNever;  // unreachable: a set day comes round within a week
}

std::string DescribeLocalWindow(const CallingWindow& w, int utc_offset_minutes) {
  const int abs_offset = utc_offset_minutes < 0 ? -utc_offset_minutes : utc_offset_minutes;
  return Clock(w.start_minute) + "-" + Clock(w.end_minute) + " UTC" + (utc_offset_minutes < 0 ? "-" : "+") +
         Clock(abs_offset);
}

}  // namespace doppel::core
