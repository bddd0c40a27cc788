// The generator engine: people, households and namesakes, the damage that
// turns a row into its duplicates, and the shuffled CSV output. The reference
// lists it draws from are built and loaded in generator_lists.cc.
#include "doppel/core/generator.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "doppel/core/date.h"
#include "doppel/core/name.h"
#include "doppel/core/name_data.h"
#include "doppel/core/unicode.h"
#include "doppel/core/writers.h"
#include "generator_internal.h"

namespace doppel::core {

using generator_internal::AppendInt;
using generator_internal::Decode;
using generator_internal::DerivePatronymic;
using generator_internal::DomainWeight;
using generator_internal::Encode;
using generator_internal::IsUpperCp;
using generator_internal::ToLowerCp;
using generator_internal::ToUpperCp;

Result<Locale> ParseLocale(std::string_view name) {
  if (name == "ru" || name == "RU") return Locale::kRu;
  if (name == "en" || name == "EN") return Locale::kEn;
  return Status::InvalidArgument("unknown locale '" + std::string(name) + "' (expected ru or en)");
}

std::string_view LocaleName(Locale l) { return l == Locale::kEn ? "en" : "ru"; }

namespace {

// ---------------------------------------------------------------------------
// Randomness. Our own generator and our own reductions, because the standard
// distributions differ between library implementations and the contract is
// "same options, same bytes" on every platform.

uint64_t SplitMix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// xoshiro256** (Blackman and Vigna), seeded through splitmix64 so that nearby
// seeds give unrelated streams.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    uint64_t x = seed;
    for (uint64_t& w : s_) w = SplitMix64(x);
  }
  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n), n > 0, without modulo bias (Lemire's multiply-shift).
  uint64_t Below(uint64_t n) {
    unsigned __int128 m = static_cast<unsigned __int128>(Next()) * n;
    uint64_t low = static_cast<uint64_t>(m);
    if (low < n) {
      const uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<unsigned __int128>(Next()) * n;
        low = static_cast<uint64_t>(m);
      }
    }
    return static_cast<uint64_t>(m >> 64);
  }
  int Range(int lo, int hi) { return lo + static_cast<int>(Below(static_cast<uint64_t>(hi - lo + 1))); }
  double Real() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Real() < p; }
  template <typename T, size_t N>
  const T& Pick(const T (&a)[N]) {
    return a[Below(N)];
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// Draws indices in proportion to weights by binary search over the running
// sum; 54k surnames cost 16 comparisons a draw.
class WeightedIndex {
 public:
  template <typename F>
  void Build(size_t n, F weight_of) {
    cum_.assign(n, 0.0);
    double total = 0;
    for (size_t i = 0; i < n; ++i) {
      double w = weight_of(i);
      if (!(w > 0) || !std::isfinite(w)) w = 0;
      total += w;
      cum_[i] = total;
    }
    if (n > 0 && !(total > 0)) {  // all weights zero: fall back to uniform
      for (size_t i = 0; i < n; ++i) cum_[i] = static_cast<double>(i + 1);
    }
  }
  size_t Pick(Rng& rng) const {
    const double x = rng.Real() * cum_.back();
    size_t i = static_cast<size_t>(std::upper_bound(cum_.begin(), cum_.end(), x) - cum_.begin());
    return std::min(i, cum_.size() - 1);
  }

 private:
  std::vector<double> cum_;
};

// A real day with a four-digit year, the only dates FormatDate writes.
bool ValidYmd(int y, int m, int d) {
  return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= DaysInMonth(y, m);
}

// ---------------------------------------------------------------------------
// Text helpers for the Cyrillic and Latin letters our names use.

std::string ChangeCase(std::string_view s, bool upper) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    char32_t c = NextCodePoint(s, i);
    AppendUtf8(out, upper ? ToUpperCp(c) : ToLowerCp(c));
  }
  return out;
}

// ё -> е and Ё -> Е in place (both pairs are two bytes in UTF-8).
void ReplaceYo(std::string& s) {
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    if (s[i] == '\xD1' && s[i + 1] == '\x91') {
      s[i] = '\xD0';
      s[i + 1] = '\xB5';
    } else if (s[i] == '\xD0' && s[i + 1] == '\x81') {
      s[i + 1] = '\x95';
    }
  }
}

// Keys next to each other on the ЙЦУКЕН and QWERTY layouts: the commonest
// typing slips hit a neighbour in the same row.
constexpr std::u32string_view kKeyRows[] = {
    U"йцукенгшщзхъ", U"фывапролджэ", U"ячсмитьбю", U"qwertyuiop", U"asdfghjkl", U"zxcvbnm",
};

// A neighbouring key of lower-case c, or 0 when c is on no row.
char32_t Neighbour(Rng& rng, char32_t c) {
  if (c == 0x451) c = 0x435;  // ё sits apart; treat it as е
  for (std::u32string_view row : kKeyRows) {
    size_t p = row.find(c);
    if (p == std::u32string_view::npos) continue;
    const bool left = p > 0, right = p + 1 < row.size();
    if (left && (!right || rng.Chance(0.5))) return row[p - 1];
    if (right) return row[p + 1];
    return 0;
  }
  return 0;
}

// One edit, as people make them: a neighbouring key, a dropped letter, two
// letters swapped or one typed twice. First letters are typed with care, so
// they are rarely hit. Always returns a string different from s when s has two
// letters or more.
std::string Typo(Rng& rng, std::string_view s) {
  std::u32string u = Decode(s);
  std::vector<size_t> letters;
  for (size_t i = 0; i < u.size(); ++i) {
    if (IsLetter(u[i])) letters.push_back(i);
  }
  if (letters.size() < 2) return std::string(s);
  const size_t k = rng.Chance(0.85) ? 1 + rng.Below(letters.size() - 1) : rng.Below(letters.size());
  const size_t pos = letters[k];
  const double op = rng.Real();
  bool done = false;
  if (op < 0.40) {
    char32_t n = Neighbour(rng, ToLowerCp(u[pos]));
    if (n != 0) {
      u[pos] = IsUpperCp(u[pos]) ? ToUpperCp(n) : n;
      done = true;
    }
  } else if (op < 0.60) {
    const size_t other = pos + 1 < u.size() && IsLetter(u[pos + 1]) ? pos + 1 : pos - 1;
    if (other < u.size() && IsLetter(u[other]) && ToLowerCp(u[other]) != ToLowerCp(u[pos])) {
      // Keep the case pattern: "Иванов" -> "Иавнов", never "иВанов".
      const bool up_a = IsUpperCp(u[pos]), up_b = IsUpperCp(u[other]);
      char32_t a = ToLowerCp(u[pos]), b = ToLowerCp(u[other]);
      u[pos] = up_a ? ToUpperCp(b) : b;
      u[other] = up_b ? ToUpperCp(a) : a;
      done = true;
    }
  } else if (op < 0.80) {
    const char32_t dup = rng.Chance(0.6) ? ToLowerCp(u[pos]) : Neighbour(rng, ToLowerCp(u[pos]));
    if (dup != 0) {
      const bool caps = IsUpperCp(u[pos]) && IsUpperCp(u.back());  // inside an all-caps word
      u.insert(u.begin() + static_cast<std::ptrdiff_t>(pos) + 1, caps ? ToUpperCp(dup) : dup);
      done = true;
    }
  }
  if (!done) u.erase(u.begin() + static_cast<std::ptrdiff_t>(pos));
  return Encode(u);
}

// Latin letters that look like Cyrillic ones, as keyboard-layout mixups and
// copy-paste leave them inside Cyrillic words.
char32_t LatinTwin(char32_t c) {
  switch (c) {
    case U'а': return U'a';
    case U'о': return U'o';
    case U'е': return U'e';
    case U'с': return U'c';
    case U'р': return U'p';
    case U'х': return U'x';
    case U'у': return U'y';
    case U'А': return U'A';
    case U'В': return U'B';
    case U'Е': return U'E';
    case U'К': return U'K';
    case U'М': return U'M';
    case U'Н': return U'H';
    case U'О': return U'O';
    case U'Р': return U'P';
    case U'С': return U'C';
    case U'Т': return U'T';
    case U'Х': return U'X';
    default: return 0;
  }
}

std::string WithLatinTwins(Rng& rng, std::string_view s) {
  std::u32string u = Decode(s);
  std::vector<size_t> at;
  for (size_t i = 0; i < u.size(); ++i) {
    if (LatinTwin(u[i]) != 0) at.push_back(i);
  }
  if (at.empty()) return std::string(s);
  if (rng.Chance(0.25)) {
    for (size_t i : at) u[i] = LatinTwin(u[i]);
  } else {
    const size_t i = at[rng.Below(at.size())];
    u[i] = LatinTwin(u[i]);
  }
  return Encode(u);
}

// Three of the ways Russian names are written in Latin letters: the
// ICAO/passport table (Iurii, Natalia), the popular one (Yuriy, Natalya,
// Yelena) and a j-style one (Jurij, Natalja).
constexpr const char* kTranslit[3][33] = {
    {"a", "b", "v", "g", "d", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p", "r",
     "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "ie", "y", "", "e", "iu", "ia", "e"},
    {"a", "b", "v", "g", "d", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r",
     "s", "t", "u", "f", "kh", "ts", "ch", "sh", "sch", "", "y", "", "e", "yu", "ya", "yo"},
    {"a", "b", "v", "g", "d", "e", "zh", "z", "i", "j", "k", "l", "m", "n", "o", "p", "r",
     "s", "t", "u", "f", "h", "c", "ch", "sh", "shh", "", "y", "'", "e", "ju", "ja", "jo"},
};

std::string Transliterate(std::string_view s, int system) {
  std::string out;
  out.reserve(s.size());
  bool word_start = true;
  size_t i = 0;
  while (i < s.size()) {
    const char32_t c = NextCodePoint(s, i);
    const char32_t lc = ToLowerCp(c);
    const char* piece = nullptr;
    if (lc >= 0x430 && lc <= 0x44F) {
      piece = kTranslit[system][lc - 0x430];
      if (system == 1 && word_start && lc == U'е') piece = "ye";
    } else if (lc == 0x451) {
      piece = kTranslit[system][32];
    }
    if (piece == nullptr) {
      AppendUtf8(out, c);
      word_start = !IsLetter(c);
      continue;
    }
    const size_t at = out.size();
    out += piece;
    if (IsUpperCp(c) && out.size() > at) out[at] = static_cast<char>(out[at] - 32 * (out[at] >= 'a' && out[at] <= 'z'));
    word_start = false;
  }
  return out;
}

// Lower-case ASCII letters only, for e-mail local parts.
std::string EmailWord(std::string_view name, int system) {
  std::string t = Transliterate(ChangeCase(name, false), system);
  std::string out;
  for (char c : t) {
    if (c >= 'a' && c <= 'z') out.push_back(c);
  }
  return out;
}

// The female form of a Russian surname stored in the male form: -ов/-ев/-ёв/
// -ин/-ын take -а, -ой/-ый become -ая, -ий becomes -ая after a hard or hushing
// consonant (Высоцкий, Горький) and -яя after н (Крайний -> Крайняя);
// everything else (Черных, Шевченко, Кузьмич) is the same for both sexes.
std::string FemaleSurname(std::string_view male) {
  std::u32string u = Decode(male);
  const size_t n = u.size();
  if (n < 3) return std::string(male);
  const char32_t a = ToLowerCp(u[n - 2]), b = ToLowerCp(u[n - 1]);
  if ((b == U'в' && (a == U'о' || a == U'е' || a == U'ё')) || (b == U'н' && (a == U'и' || a == U'ы'))) {
    return std::string(male) + "а";
  }
  if (b != U'й') return std::string(male);
  if (a == U'о' || a == U'ы') {
    u[n - 2] = U'а';
    u[n - 1] = U'я';
    return Encode(u);
  }
  if (a == U'и') {
    const char32_t c = ToLowerCp(u[n - 3]);
    if (std::u32string_view(U"кгхцжшчщ").find(c) != std::u32string_view::npos) {
      u[n - 2] = U'а';
      u[n - 1] = U'я';
      return Encode(u);
    }
    if (c == U'н') {
      u[n - 2] = U'я';
      u[n - 1] = U'я';
      return Encode(u);
    }
  }
  return std::string(male);
}

}  // namespace

Status GeneratorOptions::Validate() const {
  if (!(dup_rate >= 0 && dup_rate <= 0.9)) return Status::InvalidArgument("dup_rate must be in [0, 0.9]");
  if (!(household_rate >= 0 && household_rate <= 1)) {
    return Status::InvalidArgument("household_rate must be in [0, 1]");
  }
  if (!(namesake_rate >= 0 && namesake_rate <= 1)) return Status::InvalidArgument("namesake_rate must be in [0, 1]");
  if (shuffle_window == 0) return Status::InvalidArgument("shuffle_window must be at least 1");
  if (shuffle_window > (uint64_t{1} << 28)) return Status::InvalidArgument("shuffle_window is too large");
  if (!ValidYmd(today / 10000, today / 100 % 100, today % 100) || today / 10000 < 1900) {
    return Status::InvalidArgument("today must be a date yyyymmdd after 1900");
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// The generator proper.

namespace {

Status CheckLists(const GeneratorLists& l, Locale locale) {
  if (l.male_first.empty() || l.female_first.empty()) return Status::InvalidArgument("lists: no first names");
  if (l.surnames.empty()) return Status::InvalidArgument("lists: no surnames");
  if (l.streets.empty()) return Status::InvalidArgument("lists: no streets");
  if (l.cities.empty()) return Status::InvalidArgument("lists: no cities");
  if (l.email_domains.empty()) return Status::InvalidArgument("lists: no e-mail domains");
  if (locale == Locale::kRu) {
    if (l.mobile_ranges.empty()) return Status::InvalidArgument("lists: no mobile ranges");
    for (const auto& r : l.mobile_ranges) {
      if (r.prefix.size() != 3 || r.from > r.to || r.to > 9999999) {
        return Status::InvalidArgument("lists: a mobile range is not DEF + 7 digits: " + r.prefix);
      }
    }
  }
  for (const auto& c : l.cities) {
    if (c.phone_code.size() > 5) return Status::InvalidArgument("lists: area code too long for " + c.name);
    if (c.postcode_prefix.size() > 6) return Status::InvalidArgument("lists: postcode too long for " + c.name);
  }
  return Status::Ok();
}

struct Address {
  uint32_t city = 0;
  std::string postcode;  // "" when the city has none
  uint32_t street = 0;
  int house = 1;
  int house_kind = 0;  // 0 plain, 1 корпус / building, 2 fraction "12/1", 3 letter "15А"
  int house_extra = 0;
  int flat = 0;        // 0: no flat (a private house)
};

struct Person {
  Gender gender = Gender::kMale;
  uint32_t surname = 0;  // index into lists.surnames
  std::string last, first, middle;
  std::string father;  // the father's first name, which the patronymic comes from
  int64_t dob = 0;     // days since 1970-01-01
  std::string mobile;  // 10 national digits
  std::string landline;
  std::string email;
  Address addr;
  bool yo = false;  // this person's records keep ё
};

enum class NameForm : uint8_t { kFio, kIof, kFi, kIf, kInitials, kInitialsSpaced };
enum class DobDamage : uint8_t { kNone, kMissing, kSwap, kDigit, kImpossible };
enum class PhoneDamage : uint8_t { kNone, kMissing, kDigit, kInvalid };
enum class EmailDamage : uint8_t { kNone, kMissing, kCase, kGmail, kDomainTypo, kLocalTypo, kInvalid };

// How one row writes its person: formats chosen for the original row and then
// perturbed, field by field, for each duplicate.
struct Look {
  NameForm form = NameForm::kFio;
  bool yo = false;
  int name_case = 0;  // 0 as written, 1 UPPER, 2 lower
  int translit = -1;  // -1 Cyrillic, else a kTranslit system
  bool diminutive = false;
  int typo_part = -1;  // 0 last, 1 first, 2 middle
  bool latin_twins = false;
  bool extra_space = false;
  bool swap_names = false;  // en: first and last name in each other's column
  int dob_format = 0;
  DobDamage dob = DobDamage::kNone;
  int phone_format = 0;
  PhoneDamage phone = PhoneDamage::kNone;
  bool show_landline = true;
  int landline_format = 0;
  bool swap_phones = false;
  EmailDamage email = EmailDamage::kNone;
  int addr_style = 0;
  bool addr_missing = false;
  bool drop_flat = false;
  bool addr_typo = false;
};

constexpr double kRuPhoneFormatWeights[] = {25, 20, 18, 15, 5, 5, 7, 5};
constexpr double kEnPhoneFormatWeights[] = {30, 20, 12, 15, 8, 8, 7};
constexpr double kRuAddrStyleWeights[] = {35, 15, 10, 15, 10, 15};
constexpr double kEnAddrStyleWeights[] = {40, 25, 20, 15};

template <size_t N>
int PickWeighted(Rng& rng, const double (&w)[N]) {
  double total = 0;
  for (double x : w) total += x;
  double r = rng.Real() * total;
  for (size_t i = 0; i < N; ++i) {
    if (r < w[i]) return static_cast<int>(i);
    r -= w[i];
  }
  return static_cast<int>(N - 1);
}

// A different value from [0, n) than `current` (n >= 2).
int OtherThan(Rng& rng, int current, int n) {
  int v = static_cast<int>(rng.Below(static_cast<uint64_t>(n - 1)));
  return v >= current ? v + 1 : v;
}

struct StreetType {
  std::string_view full, dotted, bare;
};
constexpr StreetType kRuStreetTypes[] = {
    {"улица", "ул.", "ул"},          {"проспект", "пр-кт", "пр-кт"},  {"переулок", "пер.", "пер"},
    {"шоссе", "ш.", "ш"},            {"бульвар", "б-р", "б-р"},        {"площадь", "пл.", "пл"},
    {"проезд", "пр-д", "проезд"},    {"набережная", "наб.", "наб"},    {"тупик", "туп.", "туп"},
    {"аллея", "ал.", "аллея"},       {"микрорайон", "мкр.", "мкр"},    {"линия", "лин.", "линия"},
    {"квартал", "кв-л", "кв-л"},     {"тракт", "тракт", "тракт"},      {"спуск", "спуск", "спуск"},
};
constexpr StreetType kEnStreetTypes[] = {
    {"Street", "St", "St."},   {"Avenue", "Ave", "Ave."},    {"Road", "Rd", "Rd."},
    {"Drive", "Dr", "Dr."},    {"Lane", "Ln", "Ln."},        {"Boulevard", "Blvd", "Blvd."},
    {"Court", "Ct", "Ct."},    {"Place", "Pl", "Pl."},       {"Circle", "Cir", "Cir."},
    {"Terrace", "Ter", "Ter."}, {"Parkway", "Pkwy", "Pkwy."}, {"Way", "Way", "Way"},
};

// A street written with its type word in full, abbreviated where it stands,
// abbreviated without dots, or abbreviated and moved to the front.
enum class StreetStyle : uint8_t { kFull, kDotted, kBare, kFront };

std::string StreetName(std::string_view street, StreetStyle style, std::span<const StreetType> types) {
  if (style == StreetStyle::kFull) return std::string(street);
  std::vector<std::string_view> words = SplitWords(street);
  for (size_t i = 0; i < words.size(); ++i) {
    for (const StreetType& t : types) {
      if (words[i] != t.full) continue;
      std::string out;
      std::string_view abbr = style == StreetStyle::kBare ? t.bare : t.dotted;
      if (style == StreetStyle::kFront) {
        out = std::string(abbr);
        for (size_t j = 0; j < words.size(); ++j) {
          if (j == i) continue;
          out += ' ';
          out += words[j];
        }
        return out;
      }
      for (size_t j = 0; j < words.size(); ++j) {
        if (j > 0) out += ' ';
        out += j == i ? abbr : words[j];
      }
      return out;
    }
  }
  return std::string(street);
}

class Engine {
 public:
  Engine(const GeneratorOptions& o, const GeneratorLists& l)
      : o_(o), l_(l), ru_(o.locale == Locale::kRu), rng_(o.seed) {
    today_ = DaysFromCivil(o.today / 10000, o.today / 100 % 100, o.today % 100);
    male_.Build(l.male_first.size(), [&](size_t i) { return l.male_first[i].weight; });
    female_.Build(l.female_first.size(), [&](size_t i) { return l.female_first[i].weight; });
    surnames_.Build(l.surnames.size(), [&](size_t i) { return l.surnames[i].weight; });
    cities_.Build(l.cities.size(), [&](size_t i) { return l.cities[i].weight; });
    ranges_.Build(l.mobile_ranges.size(), [&](size_t i) { return l.mobile_ranges[i].weight; });
    domains_.Build(l.email_domains.size(), [&](size_t i) { return DomainWeight(l.email_domains[i]); });
    if (ru_) {
      patronymics_ = l.patronymics;
      if (patronymics_.empty()) {
        for (const auto& f : l.male_first) patronymics_.push_back(DerivePatronymic(f.value));
      }
      std::unordered_map<std::string_view, double> male_weight;
      double min_weight = 1;
      for (const auto& f : l.male_first) {
        male_weight.emplace(f.value, f.weight);
        if (f.weight > 0) min_weight = std::min(min_weight, f.weight);
      }
      for (size_t i = 0; i < patronymics_.size(); ++i) patronymic_of_.emplace(patronymics_[i].father, i);
      // A father's name is as common as the name itself; fathers the first-name
      // list lacks (Август, Ермил) are rare.
      fathers_.Build(patronymics_.size(), [&](size_t i) {
        auto it = male_weight.find(patronymics_[i].father);
        return it == male_weight.end() ? min_weight : it->second;
      });
    }
    const double ek = o.dup_rate / (1 - o.dup_rate);  // duplicates per entity
    // Most duplicated entities get one copy and a few get several: a 1 +
    // geometric count whose mean makes duplicates/rows come out at dup_rate.
    dup_p_ = std::min(0.95, ek / 1.41);
    dup_stop_ = dup_p_ > 0 ? 1 / (ek / dup_p_) : 1;
    delim_ = ru_ ? ';' : ',';
  }

  Result<GeneratorStats> Run(std::ostream& base, std::ostream& truth, const GeneratorProgress& progress) {
    out_.reserve(1 << 20);
    truth_out_.reserve(1 << 18);
    out_ += ru_ ? "id;ФИО;Дата рождения;Телефон;Телефон 2;E-mail;Адрес;Дата создания;Дата проверки;"
                  "Последняя покупка;Покупок;Сумма;Канал\n"
                : "id,first_name,last_name,dob,phone,email,street_address,city,postcode,created_at,"
                  "last_verified,last_purchase,purchases,revenue,channel\n";
    truth_out_ += "record_id,entity_id\n";
    uint64_t written = 0;
    while (written < o_.rows) {
      cap_ = std::min<uint64_t>(o_.shuffle_window, o_.rows - written);
      FillWindow();
      written = WriteWindow(written, base, truth);
      if (!base || !truth) return Status::IoError("write failed");
      if (progress) progress(written);
    }
    base.write(out_.data(), static_cast<std::streamsize>(out_.size()));
    truth.write(truth_out_.data(), static_cast<std::streamsize>(truth_out_.size()));
    base.flush();
    truth.flush();
    if (!base || !truth) return Status::IoError("write failed");
    stats_.rows = written;
    return stats_;
  }

 private:
  struct RowRef {
    uint64_t offset;
    uint32_t length;
    uint64_t entity;
  };

  bool Room() const { return rows_.size() < cap_; }

  void FillWindow() {
    rows_.clear();
    buf_.clear();
    while (Room()) {
      Person p = NewPerson();
      const bool household = rng_.Chance(o_.household_rate);
      const bool namesake = rng_.Chance(o_.namesake_rate);
      // A household shares a home phone more often than a lone person has one.
      if (household && ru_ && p.landline.empty() && rng_.Chance(0.7)) p.landline = NewLandline(p.addr.city);
      EmitEntity(p);
      if (household && Room()) {
        Person r = MakeRelative(p);
        ++stats_.relatives;
        EmitEntity(r);
      }
      if (namesake && Room()) {
        Person n = MakeNamesake(p);
        ++stats_.namesakes;
        EmitEntity(n);
      }
    }
  }

  uint64_t WriteWindow(uint64_t written, std::ostream& base, std::ostream& truth) {
    order_.resize(rows_.size());
    for (size_t i = 0; i < order_.size(); ++i) order_[i] = static_cast<uint32_t>(i);
    for (size_t i = order_.size(); i > 1; --i) std::swap(order_[i - 1], order_[rng_.Below(i)]);
    for (uint32_t idx : order_) {
      const RowRef& r = rows_[idx];
      ++written;
      AppendInt(out_, written);
      out_.push_back(delim_);
      out_.append(buf_, r.offset, r.length);
      out_.push_back('\n');
      AppendInt(truth_out_, written);
      truth_out_.push_back(',');
      AppendInt(truth_out_, r.entity);
      truth_out_.push_back('\n');
      if (out_.size() >= (1 << 20)) {
        base.write(out_.data(), static_cast<std::streamsize>(out_.size()));
        out_.clear();
      }
      if (truth_out_.size() >= (1 << 18)) {
        truth.write(truth_out_.data(), static_cast<std::streamsize>(truth_out_.size()));
        truth_out_.clear();
      }
    }
    return written;
  }

  void EmitEntity(const Person& p) {
    const uint64_t id = ++stats_.entities;
    const Look base = OriginalLook(p);
    AddRow(p, base, id);
    uint64_t k = 0;
    if (rng_.Chance(dup_p_)) {
      k = 1;
      while (k < 60 && !rng_.Chance(dup_stop_)) ++k;
    }
    for (uint64_t j = 0; j < k && Room(); ++j) {
      Person q = p;
      const Look look = DuplicateLook(q, base);
      AddRow(q, look, id);
      ++stats_.duplicates;
    }
  }

  void AddRow(const Person& p, const Look& look, uint64_t entity) {
    const size_t n = Render(p, look);
    const uint64_t offset = buf_.size();
    for (size_t i = 0; i < n; ++i) {
      if (i > 0) buf_.push_back(delim_);
      // Minimal quoting: a damaged row's trailing space stays bare, as
      // hand-made exports leave it.
      AppendCsvField(buf_, fields_[i], delim_, CsvQuoting::kMinimal);
    }
    rows_.push_back({offset, static_cast<uint32_t>(buf_.size() - offset), entity});
  }

  // -------------------------------------------------------------------------
  // People.

  std::string SurnameFor(uint32_t index, Gender g) const {
    const std::string& male = l_.surnames[index].value;
    return ru_ && g == Gender::kFemale ? FemaleSurname(male) : male;
  }

  std::string FirstNameFor(Gender g) {
    return g == Gender::kFemale ? l_.female_first[female_.Pick(rng_)].value : l_.male_first[male_.Pick(rng_)].value;
  }

  const GeneratorLists::Patronymic& PatronymicOf(const std::string& father) {
    auto it = patronymic_of_.find(father);
    if (it != patronymic_of_.end()) return patronymics_[it->second];
    derived_ = DerivePatronymic(father);
    return derived_;
  }

  void SetFather(Person& p, const std::string& father) {
    p.father = father;
    if (!ru_) return;
    const auto& pat = PatronymicOf(father);
    p.middle = p.gender == Gender::kFemale ? pat.female : pat.male;
  }

  // Ages 18-85, most between 30 and 65.
  int64_t BirthDate() {
    const double years = 18 + 67 * (rng_.Real() + rng_.Real()) / 2;
    return today_ - static_cast<int64_t>(years * 365.2425) - static_cast<int64_t>(rng_.Below(365));
  }
  int64_t ClampBirth(int64_t dob) const {
    return std::clamp<int64_t>(dob, today_ - static_cast<int64_t>(90 * 365.2425), today_ - 18 * 366);
  }

  Person NewPerson() {
    Person p;
    p.gender = rng_.Chance(0.52) ? Gender::kFemale : Gender::kMale;
    p.first = FirstNameFor(p.gender);
    p.surname = static_cast<uint32_t>(surnames_.Pick(rng_));
    p.last = SurnameFor(p.surname, p.gender);
    if (ru_) SetFather(p, patronymics_[fathers_.Pick(rng_)].father);
    p.dob = BirthDate();
    p.addr = NewAddress(static_cast<uint32_t>(cities_.Pick(rng_)));
    p.mobile = NewMobile(p.addr.city);
    if (ru_ && rng_.Chance(0.25)) p.landline = NewLandline(p.addr.city);
    if (rng_.Chance(0.78)) p.email = NewEmail(p, "");
    p.yo = rng_.Chance(0.35);
    return p;
  }

  // A spouse, child or parent at the same address, with the household's
  // landline: a different person whom naive matching on surname + address +
  // phone would merge.
  Person MakeRelative(const Person& p) {
    Person r;
    const int64_t age_days = today_ - p.dob;
    constexpr int64_t kYear = 365;
    int kind = PickWeighted(rng_, {45.0, 35.0, 20.0});  // spouse, child, parent
    if (kind == 1 && age_days < 40 * kYear) kind = 0;
    if (kind == 2 && age_days > 60 * kYear) kind = 0;
    r.surname = p.surname;
    r.addr = p.addr;
    r.landline = p.landline;
    r.yo = p.yo;
    if (kind == 0) {
      r.gender = p.gender == Gender::kMale ? Gender::kFemale : Gender::kMale;
      r.first = FirstNameFor(r.gender);
      if (ru_) SetFather(r, patronymics_[fathers_.Pick(rng_)].father);
      r.dob = ClampBirth(p.dob + rng_.Range(-6 * 365, 6 * 365));
    } else if (kind == 1) {
      r.gender = rng_.Chance(0.5) ? Gender::kFemale : Gender::kMale;
      for (int t = 0; t < 8 && (r.first.empty() || r.first == p.first); ++t) r.first = FirstNameFor(r.gender);
      // Children take their patronymic from the father: the person, if a man.
      if (ru_) SetFather(r, p.gender == Gender::kMale ? p.first : patronymics_[fathers_.Pick(rng_)].father);
      r.dob = ClampBirth(p.dob + static_cast<int64_t>(rng_.Range(20 * 365, 38 * 365)));
    } else {
      r.gender = rng_.Chance(0.5) ? Gender::kFemale : Gender::kMale;
      // The father's name is fixed by the person's patronymic.
      if (r.gender == Gender::kMale && (!ru_ || p.father == p.first)) r.gender = Gender::kFemale;
      r.first = r.gender == Gender::kMale ? p.father : FirstNameFor(r.gender);
      if (ru_) SetFather(r, patronymics_[fathers_.Pick(rng_)].father);
      r.dob = ClampBirth(p.dob - static_cast<int64_t>(rng_.Range(20 * 365, 38 * 365)));
    }
    r.last = SurnameFor(r.surname, r.gender);
    if (!ru_ && rng_.Chance(0.5)) {
      r.mobile = p.mobile;  // the household's home phone
    } else {
      r.mobile = NewMobile(r.addr.city);
    }
    if (rng_.Chance(0.7)) r.email = NewEmail(r, p.email);
    return r;
  }

  // Same first name and surname (and often patronymic), another person: born
  // on another day, living elsewhere, with other contacts.
  Person MakeNamesake(const Person& p) {
    Person n;
    n.gender = p.gender;
    n.first = p.first;
    n.surname = p.surname;
    n.last = p.last;
    if (ru_) {
      if (rng_.Chance(0.4)) {
        n.father = p.father;
        n.middle = p.middle;
      } else {
        SetFather(n, patronymics_[fathers_.Pick(rng_)].father);
      }
    }
    do {
      n.dob = BirthDate();
    } while (n.dob == p.dob);
    uint32_t city = p.addr.city;
    for (int t = 0; t < 8 && city == p.addr.city; ++t) city = static_cast<uint32_t>(cities_.Pick(rng_));
    n.addr = NewAddress(city);
    n.mobile = NewMobile(city);
    if (ru_ && rng_.Chance(0.2)) n.landline = NewLandline(city);
    if (rng_.Chance(0.78)) n.email = NewEmail(n, p.email);
    n.yo = rng_.Chance(0.35);
    return n;
  }

  std::string NewMobile(uint32_t city) {
    std::string d;
    d.reserve(10);
    if (ru_) {
      const auto& r = l_.mobile_ranges[ranges_.Pick(rng_)];
      d = r.prefix;
      AppendInt(d, r.from + rng_.Below(r.to - r.from + 1), 7);
      return d;
    }
    // NANP: area code, exchange 2-9xx (not N11, not the fictional 555), line.
    static constexpr std::string_view kFallbackAreas[] = {"212", "415", "312", "617", "206", "303"};
    const std::string& code = l_.cities[city].phone_code;
    d = code.size() == 3 ? code : std::string(rng_.Pick(kFallbackAreas));
    int exchange;
    do {
      exchange = rng_.Range(200, 999);
    } while (exchange == 555 || exchange % 100 == 11);
    AppendInt(d, static_cast<uint64_t>(exchange), 3);
    AppendInt(d, rng_.Below(10000), 4);
    return d;
  }

  std::string NewLandline(uint32_t city) {
    std::string code = l_.cities[city].phone_code;
    if (code.empty()) return "";
    if (code == "495" && rng_.Chance(0.4)) code = "499";  // Moscow has two
    std::string d = code;
    // Subscriber numbers do not start with 0 or 1 (trunk and service prefixes).
    d.push_back(static_cast<char>('0' + rng_.Range(2, 9)));
    while (d.size() < 10) d.push_back(static_cast<char>('0' + rng_.Below(10)));
    return d;
  }

  // Mailbox names are unique at a provider, so two people never share one:
  // every pattern carries a birth year or a number, which keeps accidental
  // collisions between different entities rare (well under 0.1%).
  std::string NewEmail(const Person& p, const std::string& avoid) {
    const int sys = rng_.Chance(0.7) ? 1 : 0;
    const std::string first = EmailWord(p.first, sys), last = EmailWord(p.last, sys);
    const CivilDate b = CivilFromDays(p.dob);
    std::string local;
    for (int attempt = 0; attempt < 4; ++attempt) {
      local.clear();
      bool number = true;
      switch (rng_.Below(9)) {
        case 0: local = first + "." + last; break;
        case 1: local = first + "_" + last; break;
        case 2: local = first + last; break;
        case 3: local = first.substr(0, 1) + "." + last; break;
        case 4: local = last + "." + first; break;
        case 5: local = last + first.substr(0, 1); break;
        case 6:
          local = first + "." + last;
          AppendInt(local, static_cast<uint64_t>(b.year));
          number = false;
          break;
        case 7:
          local = first + last;
          AppendInt(local, static_cast<uint64_t>(b.year % 100), 2);
          number = rng_.Chance(0.5);
          break;
        default: local = first + last.substr(0, std::min<size_t>(3, last.size())); break;
      }
      if (number || attempt > 0) {
        // 2 to 5 digits, shorter ones more often.
        static constexpr uint64_t kSpan[] = {90, 900, 9000, 90000};
        const size_t digits = std::min(rng_.Below(4), rng_.Below(4));
        AppendInt(local, (kSpan[digits] / 9) + rng_.Below(kSpan[digits]));
      }
      if (local.empty() || local[0] == '.' || local[0] == '_') local = "user" + local;
      std::string email = local + "@" + l_.email_domains[domains_.Pick(rng_)];
      if (email != avoid) return email;
    }
    return local + "1@" + l_.email_domains[domains_.Pick(rng_)];
  }

  Address NewAddress(uint32_t city) {
    Address a;
    a.city = city;
    const std::string& prefix = l_.cities[city].postcode_prefix;
    if (!prefix.empty()) {
      a.postcode = prefix;
      const size_t len = ru_ ? 6 : 5;
      while (a.postcode.size() < len) a.postcode.push_back(static_cast<char>('0' + rng_.Below(10)));
    }
    a.street = static_cast<uint32_t>(rng_.Below(l_.streets.size()));
    a.house = 1 + static_cast<int>(std::min(rng_.Below(ru_ ? 150 : 9000), rng_.Below(ru_ ? 150 : 9000)));
    const double k = rng_.Real();
    if (ru_ && k < 0.10) {
      a.house_kind = 1;
      a.house_extra = rng_.Range(1, 4);
    } else if (ru_ && k < 0.15) {
      a.house_kind = 2;
      a.house_extra = rng_.Range(1, 5);
    } else if (ru_ && k < 0.20) {
      a.house_kind = 3;
      a.house_extra = rng_.Range(0, 2);
    }
    if (rng_.Chance(ru_ ? 0.78 : 0.35)) a.flat = 1 + static_cast<int>(rng_.Below(ru_ ? 280 : 40));
    return a;
  }

  // -------------------------------------------------------------------------
  // Looks: the original row's formats and each duplicate's damage.

  Look OriginalLook(const Person& p) {
    Look l;
    const double f = rng_.Real();
    l.form = !ru_ ? NameForm::kFio : f < 0.90 ? NameForm::kFio : f < 0.96 ? NameForm::kFi : NameForm::kIof;
    l.yo = p.yo;
    l.name_case = rng_.Chance(0.03) ? 1 : 0;
    const double d = rng_.Real();
    l.dob_format = d < 0.92 ? 0 : d < 0.97 ? 1 : 2;
    const double dd = rng_.Real();
    l.dob = dd < 0.03 ? DobDamage::kMissing : dd < 0.033 ? DobDamage::kImpossible : DobDamage::kNone;
    l.phone_format = ru_ ? PickWeighted(rng_, kRuPhoneFormatWeights) : PickWeighted(rng_, kEnPhoneFormatWeights);
    const double ph = rng_.Real();
    l.phone = ph < 0.03 ? PhoneDamage::kMissing : ph < 0.04 ? PhoneDamage::kInvalid : PhoneDamage::kNone;
    l.show_landline = rng_.Chance(0.85);
    l.landline_format = static_cast<int>(rng_.Below(5));
    l.email = rng_.Chance(0.01) ? EmailDamage::kInvalid : EmailDamage::kNone;
    l.addr_style = ru_ ? PickWeighted(rng_, kRuAddrStyleWeights) : PickWeighted(rng_, kEnAddrStyleWeights);
    l.addr_missing = rng_.Chance(0.04);
    return l;
  }

  // Draws each field's damage independently, then keeps enough evidence: at
  // most two of name, birth date, phone and e-mail may be lost or replaced,
  // and a woman's new surname always comes with her birth date.
  Look DuplicateLook(Person& q, const Look& base) {
    Look l = base;
    l.diminutive = false;
    l.typo_part = -1;
    l.latin_twins = false;
    l.translit = -1;
    l.extra_space = false;
    l.swap_names = false;
    l.dob = DobDamage::kNone;
    l.phone = PhoneDamage::kNone;
    l.email = EmailDamage::kNone;
    l.addr_missing = false;
    l.drop_flat = false;
    l.addr_typo = false;

    // Name.
    const bool new_surname = q.gender == Gender::kFemale && rng_.Chance(0.05);
    if (ru_ && rng_.Chance(0.15)) {
      const double f = rng_.Real();
      l.form = f < 0.40 ? NameForm::kIof
               : f < 0.75 ? NameForm::kFi
               : f < 0.85 ? NameForm::kInitials
               : f < 0.95 ? NameForm::kInitialsSpaced
                          : NameForm::kIf;
      if (l.form == base.form) l.form = NameForm::kFio;
    }
    if (!ru_ && rng_.Chance(0.03)) l.form = NameForm::kInitials;
    l.diminutive = rng_.Chance(0.07);
    if (ru_ && !new_surname && rng_.Chance(0.04)) l.translit = static_cast<int>(rng_.Below(3));
    if (rng_.Chance(0.10)) l.typo_part = static_cast<int>(rng_.Below(ru_ ? 3 : 2));
    if (rng_.Chance(0.15)) l.yo = !l.yo;
    const double c = rng_.Real();
    if (c < 0.05) {
      l.name_case = 1;
    } else if (c < 0.07) {
      l.name_case = 2;
    } else if (base.name_case != 0 && c < 0.4) {
      l.name_case = 0;
    }
    l.latin_twins = ru_ && l.translit < 0 && rng_.Chance(0.02);
    l.extra_space = rng_.Chance(0.02);
    l.swap_names = !ru_ && rng_.Chance(0.03);

    // Birth date.
    const double d = rng_.Real();
    if (d < 0.05) {
      l.dob = DobDamage::kMissing;
    } else if (d < 0.08) {
      l.dob = DobDamage::kSwap;
    } else if (d < 0.12) {
      l.dob = DobDamage::kDigit;
    } else if (d < 0.123) {
      l.dob = DobDamage::kImpossible;
    }
    if (rng_.Chance(0.10)) l.dob_format = OtherThan(rng_, base.dob_format, 3);

    // Phone.
    bool new_phone = false;
    const double ph = rng_.Real();
    if (ph < 0.06) {
      l.phone = PhoneDamage::kMissing;
    } else if (ph < 0.12) {
      new_phone = true;
    } else if (ph < 0.15) {
      l.phone = PhoneDamage::kDigit;
    } else if (ph < 0.16) {
      l.phone = PhoneDamage::kInvalid;
    }
    if (rng_.Chance(0.4)) {
      l.phone_format = ru_ ? PickWeighted(rng_, kRuPhoneFormatWeights) : PickWeighted(rng_, kEnPhoneFormatWeights);
    }
    l.show_landline = rng_.Chance(0.6);
    if (rng_.Chance(0.3)) l.landline_format = static_cast<int>(rng_.Below(5));
    l.swap_phones = ru_ && rng_.Chance(0.03);

    // E-mail.
    bool new_email = false;
    const double e = rng_.Real();
    if (e < 0.08) {
      l.email = EmailDamage::kMissing;
    } else if (e < 0.13) {
      new_email = true;
    } else if (e < 0.19) {
      l.email = EmailDamage::kCase;
    } else if (e < 0.22) {
      l.email = EmailDamage::kGmail;
    } else if (e < 0.25) {
      l.email = EmailDamage::kDomainTypo;
    } else if (e < 0.27) {
      l.email = EmailDamage::kLocalTypo;
    } else if (e < 0.28) {
      l.email = EmailDamage::kInvalid;
    }

    // Address.
    bool moved = false;
    if (rng_.Chance(0.25)) {
      l.addr_style = OtherThan(rng_, base.addr_style, ru_ ? static_cast<int>(std::size(kRuAddrStyleWeights))
                                                          : static_cast<int>(std::size(kEnAddrStyleWeights)));
    }
    const double a = rng_.Real();
    if (a < 0.04) {
      l.addr_missing = true;
    } else if (a < 0.10) {
      moved = true;
    } else if (a < 0.15) {
      l.drop_flat = true;
    } else if (a < 0.20) {
      l.addr_typo = true;
    }

    // Evidence.
    auto dob_lost = [&] { return l.dob == DobDamage::kMissing || l.dob == DobDamage::kImpossible; };
    auto phone_lost = [&] { return new_phone || l.phone == PhoneDamage::kMissing || l.phone == PhoneDamage::kInvalid; };
    auto email_lost = [&] {
      return q.email.empty() || new_email || l.email == EmailDamage::kMissing || l.email == EmailDamage::kInvalid;
    };
    if (new_surname && dob_lost()) l.dob = DobDamage::kNone;
    for (;;) {
      const int lost = int{new_surname} + int{dob_lost()} + int{phone_lost()} + int{email_lost()};
      if (lost <= 2) break;
      // Give back one of the lost fields that can be given back.
      std::array<int, 3> candidates{};
      int n = 0;
      if (dob_lost()) candidates[n++] = 0;
      if (phone_lost()) candidates[n++] = 1;
      if (email_lost() && !q.email.empty()) candidates[n++] = 2;
      if (n == 0) break;
      switch (candidates[rng_.Below(static_cast<uint64_t>(n))]) {
        case 0: l.dob = DobDamage::kNone; break;
        case 1:
          new_phone = false;
          l.phone = PhoneDamage::kNone;
          break;
        default:
          new_email = false;
          l.email = EmailDamage::kNone;
          break;
      }
    }

    // Changes to the person herself.
    if (new_surname) {
      uint32_t s = q.surname;
      for (int t = 0; t < 8 && s == q.surname; ++t) s = static_cast<uint32_t>(surnames_.Pick(rng_));
      q.surname = s;
      q.last = SurnameFor(s, q.gender);
    }
    if (new_phone) {
      std::string m = NewMobile(q.addr.city);
      if (m != q.mobile) {
        q.mobile = std::move(m);
      } else {
        l.phone = PhoneDamage::kDigit;
      }
    }
    if (new_email && !q.email.empty()) q.email = NewEmail(q, q.email);
    if (moved) {
      const uint32_t city = rng_.Chance(0.6) ? q.addr.city : static_cast<uint32_t>(cities_.Pick(rng_));
      q.addr = NewAddress(city);
      if (!q.landline.empty()) q.landline = NewLandline(city);
    }
    return l;
  }

  // -------------------------------------------------------------------------
  // Rendering.

  size_t Render(const Person& p, const Look& l) {
    size_t n = 0;
    if (ru_) {
      fields_[n++] = RenderFio(p, l);
      fields_[n++] = RenderDob(p.dob, l);
      std::string mobile = RenderMobile(p.mobile, l);
      std::string land;
      if (!p.landline.empty() && l.show_landline) land = RenderLandline(p.landline, p.addr.city, l.landline_format);
      if (l.swap_phones && !land.empty()) std::swap(mobile, land);
      fields_[n++] = std::move(mobile);
      fields_[n++] = std::move(land);
      fields_[n++] = RenderEmail(p.email, l);
      fields_[n++] = RenderRuAddress(p.addr, l);
    } else {
      RenderEnName(p, l, fields_[0], fields_[1]);
      n = 2;
      fields_[n++] = RenderDob(p.dob, l);
      fields_[n++] = RenderMobile(p.mobile, l);
      fields_[n++] = RenderEmail(p.email, l);
      RenderEnAddress(p.addr, l, fields_[n], fields_[n + 1], fields_[n + 2]);
      n += 3;
    }
    RenderActivity(n);
    return n + 6;
  }

  // Name parts after the part-level damage, before the form is chosen.
  void DamagedParts(const Person& p, const Look& l, std::string& last, std::string& first, std::string& middle) {
    last = p.last;
    first = p.first;
    middle = p.middle;
    if (l.diminutive) {
      const std::vector<std::string_view> d = DiminutivesOf(Fold(first));
      if (!d.empty()) first = TitleCase(d[rng_.Below(d.size())]);
    }
    if (!l.yo) {
      ReplaceYo(last);
      ReplaceYo(first);
      ReplaceYo(middle);
    }
    if (l.typo_part == 0 || (l.typo_part == 2 && middle.empty())) {
      last = Typo(rng_, last);
    } else if (l.typo_part == 1) {
      first = Typo(rng_, first);
    } else if (l.typo_part == 2) {
      middle = Typo(rng_, middle);
    }
  }

  std::string RenderFio(const Person& p, const Look& l) {
    std::string last, first, middle;
    DamagedParts(p, l, last, first, middle);
    if (l.latin_twins) {
      if (rng_.Chance(0.6)) {
        last = WithLatinTwins(rng_, last);
      } else {
        first = WithLatinTwins(rng_, first);
      }
    }
    auto initial = [](const std::string& s) {
      size_t i = 0;
      std::string out;
      if (!s.empty()) AppendUtf8(out, NextCodePoint(s, i));
      return out;
    };
    std::string fio;
    switch (l.form) {
      case NameForm::kFio: fio = last + " " + first + (middle.empty() ? "" : " " + middle); break;
      case NameForm::kIof: fio = first + (middle.empty() ? "" : " " + middle) + " " + last; break;
      case NameForm::kFi: fio = last + " " + first; break;
      case NameForm::kIf: fio = first + " " + last; break;
      case NameForm::kInitials:
        fio = last + " " + initial(first) + "." + (middle.empty() ? "" : initial(middle) + ".");
        break;
      case NameForm::kInitialsSpaced:
        fio = last + " " + initial(first) + "." + (middle.empty() ? "" : " " + initial(middle) + ".");
        break;
    }
    if (l.translit >= 0) fio = Transliterate(fio, l.translit);
    if (l.name_case == 1) fio = ChangeCase(fio, true);
    if (l.name_case == 2) fio = ChangeCase(fio, false);
    if (l.extra_space) {
      const size_t sp = fio.find(' ');
      if (sp != std::string::npos && rng_.Chance(0.5)) {
        fio.insert(sp, " ");
      } else {
        fio.push_back(' ');
      }
    }
    return fio;
  }

  void RenderEnName(const Person& p, const Look& l, std::string& first_out, std::string& last_out) {
    std::string last, first, middle;
    DamagedParts(p, l, last, first, middle);
    if (l.form == NameForm::kInitials) first = first.substr(0, 1) + ".";
    if (l.name_case == 1) {
      first = ChangeCase(first, true);
      last = ChangeCase(last, true);
    } else if (l.name_case == 2) {
      first = ChangeCase(first, false);
      last = ChangeCase(last, false);
    }
    if (l.extra_space) last.push_back(' ');
    if (l.swap_names) std::swap(first, last);
    first_out = std::move(first);
    last_out = std::move(last);
  }

  std::string FormatDate(int y, int m, int d, int format) const {
    std::string s;
    s.reserve(10);
    auto ymd = [&](char sep) {
      AppendInt(s, static_cast<uint64_t>(y), 4);
      if (sep) s.push_back(sep);
      AppendInt(s, static_cast<uint64_t>(m), 2);
      if (sep) s.push_back(sep);
      AppendInt(s, static_cast<uint64_t>(d), 2);
    };
    if (ru_) {
      if (format == 1) {
        ymd('-');
      } else {
        AppendInt(s, static_cast<uint64_t>(d), 2);
        s.push_back(format == 2 ? '/' : '.');
        AppendInt(s, static_cast<uint64_t>(m), 2);
        s.push_back(format == 2 ? '/' : '.');
        AppendInt(s, static_cast<uint64_t>(y), 4);
      }
    } else if (format == 1) {
      AppendInt(s, static_cast<uint64_t>(m), 2);
      s.push_back('/');
      AppendInt(s, static_cast<uint64_t>(d), 2);
      s.push_back('/');
      AppendInt(s, static_cast<uint64_t>(y), 4);
    } else {
      ymd(format == 2 ? '\0' : '-');
    }
    return s;
  }

  std::string RenderDob(int64_t dob, const Look& l) {
    CivilDate b = CivilFromDays(dob);
    switch (l.dob) {
      case DobDamage::kNone: break;
      case DobDamage::kMissing: return "";
      case DobDamage::kSwap:
        if (b.day <= 12 && b.day != b.month) std::swap(b.day, b.month);
        break;
      case DobDamage::kDigit: {
        const int what = static_cast<int>(rng_.Below(3));
        if (what == 0) {
          const int d = b.day + (rng_.Chance(0.5) ? 1 : -1);
          b.day = ValidYmd(b.year, b.month, d) ? d : b.day - 1;
        } else if (what == 1) {
          b.year += rng_.Chance(0.5) ? 1 : -1;
          if (!ValidYmd(b.year, b.month, b.day)) b.day = 28;
        } else {
          const int m = b.month + (rng_.Chance(0.5) ? 1 : -1);
          b.month = m >= 1 && m <= 12 ? m : (m == 0 ? 2 : 11);
          if (!ValidYmd(b.year, b.month, b.day)) b.day = 28;
        }
        break;
      }
      case DobDamage::kImpossible: {
        static constexpr int kBad[][2] = {{31, 2}, {30, 2}, {31, 4}, {31, 6}, {31, 9}, {31, 11}, {32, 1}, {15, 13}};
        const auto& bad = kBad[rng_.Below(std::size(kBad))];
        return FormatDate(b.year, bad[1], bad[0], l.dob_format);
      }
    }
    return FormatDate(b.year, b.month, b.day, l.dob_format);
  }

  std::string FormatRuMobile(std::string_view d, int format) const {
    std::string s;
    s.reserve(20);
    auto groups = [&](std::string_view sep1, std::string_view sep2) {
      s += d.substr(3, 3);
      s += sep1;
      s += d.substr(6, 2);
      s += sep2;
      s += d.substr(8, 2);
    };
    switch (format) {
      case 0: s = "+7 "; s += d.substr(0, 3); s += ' '; groups("-", "-"); break;
      case 1: s = "8 ("; s += d.substr(0, 3); s += ") "; groups("-", "-"); break;
      case 2: s = "8"; s += d; break;
      case 3: s = "+7"; s += d; break;
      case 4: s = std::string(d); break;
      case 5: s = "+7("; s += d.substr(0, 3); s += ")"; s += d.substr(3); break;
      case 6: s = "+7 "; s += d.substr(0, 3); s += ' '; groups(" ", " "); break;
      default: s = "8-"; s += d.substr(0, 3); s += '-'; groups("-", "-"); break;
    }
    return s;
  }

  std::string FormatEnPhone(std::string_view d, int format) const {
    std::string s;
    s.reserve(18);
    const std::string_view a = d.substr(0, 3), e = d.substr(3, 3), n = d.substr(6);
    switch (format) {
      case 0: s = "("; s += a; s += ") "; s += e; s += '-'; s += n; break;
      case 1: s = std::string(a) + "-" + std::string(e) + "-" + std::string(n); break;
      case 2: s = "+1 " + std::string(a) + " " + std::string(e) + " " + std::string(n); break;
      case 3: s = std::string(d); break;
      case 4: s = "+1" + std::string(d); break;
      case 5: s = std::string(a) + "." + std::string(e) + "." + std::string(n); break;
      default: s = "1-" + std::string(a) + "-" + std::string(e) + "-" + std::string(n); break;
    }
    return s;
  }

  std::string RenderMobile(const std::string& digits, const Look& l) {
    std::string d = digits;
    switch (l.phone) {
      case PhoneDamage::kNone: break;
      case PhoneDamage::kMissing: return "";
      case PhoneDamage::kDigit: {
        // Not the area / DEF code, nor a NANP exchange's first digit: those
        // would leave the numbering plan instead of making a near miss.
        const size_t i = ru_ ? 3 + rng_.Below(7) : 4 + rng_.Below(6);
        d[i] = static_cast<char>('0' + (d[i] - '0' + 1 + static_cast<int>(rng_.Below(9))) % 10);
        break;
      }
      case PhoneDamage::kInvalid: {
        static constexpr std::string_view kRu[] = {"0000000", "+7 (000) 000-00-00", "нет", "-", "12345", "не указан"};
        static constexpr std::string_view kEn[] = {"000-000-0000", "555-1234", "none", "n/a", "12345", "-"};
        const int v = static_cast<int>(rng_.Below(8));
        if (v < 6) return std::string(ru_ ? kRu[v] : kEn[v]);
        if (v == 6) return (ru_ ? "8" : "") + d.substr(0, 8);  // too short
        // A letter typed for a look-alike digit.
        std::string s = ru_ ? FormatRuMobile(d, l.phone_format) : FormatEnPhone(d, l.phone_format);
        const size_t i = s.find_last_of("0123456789");
        if (i != std::string::npos) s[i] = s[i] == '0' ? 'O' : 'l';
        return s;
      }
    }
    return ru_ ? FormatRuMobile(d, l.phone_format) : FormatEnPhone(d, l.phone_format);
  }

  std::string RenderLandline(const std::string& d, uint32_t city, int format) const {
    // The area code is the city's (Moscow's may be 495 or 499: both 3 digits).
    size_t code_len = l_.cities[city].phone_code.size();
    if (code_len == 0 || code_len >= d.size()) code_len = 3;
    const std::string_view code(d.data(), code_len), sub(d.data() + code_len, d.size() - code_len);
    std::string grouped;
    // 123-45-67, 12-34-56, 1-23-45: pairs from the right.
    const size_t head = sub.size() >= 4 ? sub.size() - 4 : 0;
    grouped += sub.substr(0, head);
    if (sub.size() >= 4) {
      grouped += '-';
      grouped += sub.substr(head, 2);
      grouped += '-';
      grouped += sub.substr(head + 2, 2);
    }
    switch (format) {
      case 0: return "+7 (" + std::string(code) + ") " + grouped;
      case 1: return "8 (" + std::string(code) + ") " + grouped;
      case 2: return "(" + std::string(code) + ") " + grouped;
      case 3: return "8" + d;
      default: return grouped;  // a local number with no code, as people write their own
    }
  }

  std::string RenderEmail(const std::string& email, const Look& l) {
    if (email.empty()) return "";
    const size_t at = email.find('@');
    std::string local = email.substr(0, at), domain = email.substr(at + 1);
    switch (l.email) {
      case EmailDamage::kNone: return email;
      case EmailDamage::kMissing: return "";
      case EmailDamage::kCase:
        if (rng_.Chance(0.5)) return ChangeCase(email, true);
        local[0] = static_cast<char>(local[0] >= 'a' && local[0] <= 'z' ? local[0] - 32 : local[0]);
        domain[0] = static_cast<char>(domain[0] >= 'a' && domain[0] <= 'z' ? domain[0] - 32 : domain[0]);
        return local + "@" + domain;
      case EmailDamage::kGmail: {
        // Gmail ignores dots and everything after '+': the same mailbox.
        if (domain != "gmail.com") return ChangeCase(email, true);
        if (rng_.Chance(0.5)) {
          static constexpr std::string_view kTags[] = {"shop", "promo", "news", "1", "spam"};
          return local + "+" + std::string(rng_.Pick(kTags)) + "@" + domain;
        }
        if (local.find('.') != std::string::npos) {
          std::erase(local, '.');
        } else if (local.size() >= 2) {
          local.insert(1 + rng_.Below(local.size() - 1), ".");
        }
        return local + "@" + domain;
      }
      case EmailDamage::kDomainTypo: {
        static constexpr std::pair<std::string_view, std::string_view> kTypos[] = {
            {"mail.ru", "mail.ry"},     {"mail.ru", "mai.ru"},      {"mail.ru", "maill.ru"},
            {"mail.ru", "mial.ru"},     {"yandex.ru", "yandex.ri"}, {"yandex.ru", "yandx.ru"},
            {"yandex.ru", "yadex.ru"},  {"gmail.com", "gmial.com"}, {"gmail.com", "gmail.co"},
            {"gmail.com", "gmai.com"},  {"gmail.com", "gmal.com"},  {"gmail.com", "gmail.con"},
            {"yahoo.com", "yaho.com"},  {"yahoo.com", "yahoo.co"},  {"hotmail.com", "hotmial.com"},
            {"hotmail.com", "hotmai.com"}, {"outlook.com", "outlok.com"}, {"rambler.ru", "ramler.ru"},
        };
        std::vector<std::string_view> options;
        for (const auto& [good, bad] : kTypos) {
          if (good == domain) options.push_back(bad);
        }
        if (!options.empty()) return local + "@" + std::string(options[rng_.Below(options.size())]);
        return local + "@" + Typo(rng_, domain);
      }
      case EmailDamage::kLocalTypo: return Typo(rng_, local) + "@" + domain;
      case EmailDamage::kInvalid: {
        const int v = static_cast<int>(rng_.Below(6));
        switch (v) {
          case 0: return local + "." + domain;  // no @
          case 1: return ru_ ? "нет" : "none";
          case 2: return local + "@";
          case 3: return local + "@@" + domain;
          case 4: return local + "@" + domain.substr(0, domain.find('.'));
          default: return local + " @" + domain;
        }
      }
    }
    return email;
  }

  std::string RuHouse(const Address& a, int style) const {
    std::string h;
    AppendInt(h, static_cast<uint64_t>(a.house));
    if (a.house_kind == 1) {
      static constexpr std::string_view kKorpus[] = {", корп. ", " к ", " корпус ", "к", " к.", ", корп. "};
      h += kKorpus[style];
      AppendInt(h, static_cast<uint64_t>(a.house_extra));
    } else if (a.house_kind == 2) {
      h += '/';
      AppendInt(h, static_cast<uint64_t>(a.house_extra));
    } else if (a.house_kind == 3) {
      static constexpr std::string_view kLetters[] = {"А", "Б", "В"};
      h += kLetters[a.house_extra];
    }
    return h;
  }

  std::string RenderRuAddress(const Address& a, const Look& l) {
    if (l.addr_missing) return rng_.Chance(0.25) ? (rng_.Chance(0.5) ? "-" : "нет") : "";
    const GeneratorLists::City& city = l_.cities[a.city];
    const std::string& street = l_.streets[a.street];
    const int flat = l.drop_flat ? 0 : a.flat;
    std::string s;
    s.reserve(96);
    auto postcode = [&] {
      if (!a.postcode.empty()) {
        s += a.postcode;
        s += ", ";
      }
    };
    auto flat_part = [&](std::string_view prefix) {
      if (flat == 0) return;
      s += prefix;
      AppendInt(s, static_cast<uint64_t>(flat));
    };
    switch (l.addr_style) {
      case 0:
        postcode();
        s += "г. " + city.name + ", " + StreetName(street, StreetStyle::kDotted, kRuStreetTypes);
        s += ", д. " + RuHouse(a, 0);
        flat_part(", кв. ");
        break;
      case 1:
        postcode();
        s += "г " + city.name + ", " + StreetName(street, StreetStyle::kBare, kRuStreetTypes);
        s += ", д " + RuHouse(a, 1);
        flat_part(", кв ");
        break;
      case 2:
        s += city.name + ", " + street + ", дом " + RuHouse(a, 2);
        flat_part(", квартира ");
        break;
      case 3:
        postcode();
        if (!city.region.empty()) s += city.region + ", ";
        s += "г. " + city.name + ", " + StreetName(street, StreetStyle::kFront, kRuStreetTypes);
        s += ", д. " + RuHouse(a, 5);
        flat_part(", кв. ");
        break;
      case 4:
        s += "г. " + city.name + ", " + StreetName(street, StreetStyle::kFront, kRuStreetTypes) + " " + RuHouse(a, 3);
        flat_part("-");
        break;
      default:
        s += city.name + ", " + StreetName(street, StreetStyle::kDotted, kRuStreetTypes) + " д." + RuHouse(a, 4);
        flat_part(" кв.");
        break;
    }
    if (l.addr_typo) s = Typo(rng_, s);
    return s;
  }

  void RenderEnAddress(const Address& a, const Look& l, std::string& street_out, std::string& city_out,
                       std::string& postcode_out) {
    if (l.addr_missing) {
      street_out.clear();
      city_out.clear();
      postcode_out.clear();
      return;
    }
    const std::string& street = l_.streets[a.street];
    const int flat = l.drop_flat ? 0 : a.flat;
    std::string s;
    AppendInt(s, static_cast<uint64_t>(a.house));
    s += ' ';
    switch (l.addr_style) {
      case 0:
        s += StreetName(street, StreetStyle::kDotted, kEnStreetTypes);
        if (flat) s += " Apt ";
        break;
      case 1:
        s += street;
        if (flat) s += ", Apt. ";
        break;
      case 2:
        s += StreetName(street, StreetStyle::kBare, kEnStreetTypes);
        if (flat) s += " #";
        break;
      default:
        s += street;
        if (flat) s += " Unit ";
        break;
    }
    if (flat) AppendInt(s, static_cast<uint64_t>(flat));
    if (l.addr_typo) s = Typo(rng_, s);
    street_out = std::move(s);
    city_out = l_.cities[a.city].name;
    postcode_out = a.postcode;
  }

  // Account fields: they describe the record, not the person, so every row
  // draws its own.
  void RenderActivity(size_t n) {
    const int64_t created = today_ - static_cast<int64_t>(rng_.Below(3650));
    auto date = [&](int64_t days) {
      const CivilDate d = CivilFromDays(days);
      return FormatDate(d.year, d.month, d.day, 0);
    };
    fields_[n] = date(created);
    auto since_created = [&] { return created + static_cast<int64_t>(rng_.Below(static_cast<uint64_t>(today_ - created + 1))); };
    fields_[n + 1] = rng_.Chance(0.4) ? "" : date(since_created());
    uint64_t purchases = 0;
    uint64_t cents = 0;
    if (rng_.Chance(0.75)) {
      fields_[n + 2] = date(since_created());
      purchases = 1;
      while (purchases < 500 && rng_.Chance(0.8)) ++purchases;
      const uint64_t average = ru_ ? 20000 + rng_.Below(480000) : 500 + rng_.Below(15000);
      cents = purchases * average + rng_.Below(100);
    } else {
      fields_[n + 2].clear();
    }
    fields_[n + 3].clear();
    AppendInt(fields_[n + 3], purchases);
    std::string& rev = fields_[n + 4];
    rev.clear();
    AppendInt(rev, cents / 100);
    const double r = rng_.Real();
    if (!ru_ || r < 0.9) {
      rev.push_back(ru_ && r < 0.7 ? ',' : '.');
      AppendInt(rev, cents % 100, 2);
    }
    static constexpr std::string_view kChannels[] = {"phone", "sms", "email", "messenger", ""};
    fields_[n + 5] = std::string(kChannels[PickWeighted(rng_, {30.0, 20.0, 30.0, 10.0, 10.0})]);
  }

  const GeneratorOptions& o_;
  const GeneratorLists& l_;
  const bool ru_;
  Rng rng_;
  int64_t today_ = 0;
  char delim_ = ';';
  WeightedIndex male_, female_, surnames_, cities_, ranges_, domains_, fathers_;
  std::vector<GeneratorLists::Patronymic> patronymics_;
  std::unordered_map<std::string, size_t> patronymic_of_;  // lookups only, never iterated
  GeneratorLists::Patronymic derived_;
  double dup_p_ = 0, dup_stop_ = 1;
  GeneratorStats stats_;
  uint64_t cap_ = 0;
  std::string buf_;
  std::vector<RowRef> rows_;
  std::vector<uint32_t> order_;
  std::array<std::string, 16> fields_;
  std::string out_, truth_out_;
};

}  // namespace

Result<GeneratorStats> Generate(const GeneratorOptions& options, const GeneratorLists& lists, std::ostream& base,
                                std::ostream& truth, const GeneratorProgress& progress) {
  DOPPEL_RETURN_IF_ERROR(options.Validate());
  DOPPEL_RETURN_IF_ERROR(CheckLists(lists, options.locale));
  Engine engine(options, lists);
  return engine.Run(base, truth, progress);
}

}  // namespace doppel::core
