// Address normalization; the contract is in address.h.
//
// Each input is folded and tokenized once. Tokens are then classified
// against a small vocabulary of type words (ул., г., д., корп., street...) and
// handed to parts by a few rules applied in a fixed order, so that a later,
// weaker rule never steals what an earlier, stronger one took:
//   1. value markers take the number after them (д. 12, корп. 2, кв. 45);
//   2. a short number followed by a word is part of a street name (ул. 8 Марта);
//   3. 6-digit numbers are postcodes in Russian addresses;
//   4. named markers take the run of name words next to them, after or before
//      (ул. Ленина / Ленина ул., г. Москва, Свердловская обл.);
//   5. a bare number right after the street is the house (before it in English);
//   6. what has no type word is inferred from its place: the street before a
//      house number, the city before the street, and in English the city,
//      region and postcode after the street.
// No regex and no exceptions; tokens are views into the folded text.

#include "doppel/core/address.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "doppel/core/unicode.h"

namespace doppel::core {
namespace {

constexpr size_t kNpos = std::string_view::npos;

// ---------------------------------------------------------------------------
// Vocabulary

enum class Lang : uint8_t { kRu, kTr, kEn };  // Cyrillic, transliterated Russian, English

// Where an address is read from and written to. Chosen once per address from
// all of its inputs, because a short column ("5") says nothing on its own.
enum class Layout : uint8_t { kCyrillic, kTranslit, kLatin };

// What a type word introduces, and later what a token was assigned to.
enum class Part : uint8_t {
  kNone = 0,
  kRegion,
  kDistrict,
  kCity,
  kStreet,
  kHouse,
  kKorpus,
  kStroenie,
  kFlat,
  kDrop,  // country names, "N" before a number: carries nothing
  kPostcode,
  kBadPostcode,
};

// The context a short abbreviation needs: "д. 5" is a house, "д. Барвиха" a
// village; "st" after a name is a street, "St Kilda" is a saint.
enum class When : uint8_t { kAlways, kBeforeNumber, kBeforeName, kAfterName };

struct TypeWord {
  std::string_view word;   // folded, without the dot
  Lang lang;
  Part part;
  std::string_view canon;  // the expanded form written to the output
  When when;
  // Latin words English text may also hold; they alone do not make a line
  // transliterated Russian.
  bool ambiguous;
};

// Shorthands for the table only, kept out of the enclosing namespace.
namespace vocab {

constexpr Lang kRu = Lang::kRu;
constexpr Lang kTr = Lang::kTr;
constexpr Lang kEn = Lang::kEn;

constexpr TypeWord T(std::string_view word, Lang lang, Part part, std::string_view canon,
                     When when = When::kAlways, bool ambiguous = false) {
  return {word, lang, part, canon, when, ambiguous};
}

constexpr Part kRegion = Part::kRegion;
constexpr Part kDistrict = Part::kDistrict;
constexpr Part kCity = Part::kCity;
constexpr Part kStreet = Part::kStreet;
constexpr Part kHouse = Part::kHouse;
constexpr Part kKorpus = Part::kKorpus;
constexpr Part kStroenie = Part::kStroenie;
constexpr Part kFlat = Part::kFlat;
constexpr Part kDrop = Part::kDrop;
constexpr When kNum = When::kBeforeNumber;
constexpr When kName = When::kBeforeName;
constexpr When kAfterName = When::kAfterName;
constexpr When kAlways = When::kAlways;

// Entries spelled alike are tried in table order; their conditions exclude
// each other.
constexpr TypeWord kTypeWords[] = {
    // Russian, Cyrillic.
    T("область", kRu, kRegion, "область"), T("обл", kRu, kRegion, "область"),
    T("край", kRu, kRegion, "край"), T("кр", kRu, kRegion, "край"),
    T("республика", kRu, kRegion, "республика"), T("респ", kRu, kRegion, "республика"),
    T("округ", kRu, kRegion, "округ"), T("ао", kRu, kRegion, "автономный округ"),
    T("район", kRu, kDistrict, "район"), T("р-н", kRu, kDistrict, "район"),
    T("р-он", kRu, kDistrict, "район"),
    T("город", kRu, kCity, "город"), T("г", kRu, kCity, "город"), T("гор", kRu, kCity, "город"),
    T("поселок", kRu, kCity, "поселок"), T("пос", kRu, kCity, "поселок"),
    T("п", kRu, kCity, "поселок", kName), T("пгт", kRu, kCity, "поселок городского типа"),
    T("рп", kRu, kCity, "рабочий поселок"),
    T("село", kRu, kCity, "село"), T("с", kRu, kCity, "село", kName),
    T("деревня", kRu, kCity, "деревня"), T("дер", kRu, kCity, "деревня"),
    T("д", kRu, kCity, "деревня", kName),
    T("станица", kRu, kCity, "станица"), T("ст-ца", kRu, kCity, "станица"),
    T("хутор", kRu, kCity, "хутор"), T("аул", kRu, kCity, "аул"),
    T("улица", kRu, kStreet, "улица"), T("ул", kRu, kStreet, "улица"),
    T("проспект", kRu, kStreet, "проспект"), T("пр", kRu, kStreet, "проспект"),
    T("пр-т", kRu, kStreet, "проспект"), T("просп", kRu, kStreet, "проспект"),
    T("пр-кт", kRu, kStreet, "проспект"), T("пркт", kRu, kStreet, "проспект"),
    T("переулок", kRu, kStreet, "переулок"), T("пер", kRu, kStreet, "переулок"),
    T("бульвар", kRu, kStreet, "бульвар"), T("б-р", kRu, kStreet, "бульвар"),
    T("бул", kRu, kStreet, "бульвар"), T("бульв", kRu, kStreet, "бульвар"),
    T("шоссе", kRu, kStreet, "шоссе"), T("ш", kRu, kStreet, "шоссе"),
    T("площадь", kRu, kStreet, "площадь"), T("пл", kRu, kStreet, "площадь"),
    T("набережная", kRu, kStreet, "набережная"), T("наб", kRu, kStreet, "набережная"),
    T("проезд", kRu, kStreet, "проезд"), T("пр-д", kRu, kStreet, "проезд"),
    T("пр-зд", kRu, kStreet, "проезд"),
    T("тупик", kRu, kStreet, "тупик"), T("туп", kRu, kStreet, "тупик"),
    T("микрорайон", kRu, kStreet, "микрорайон"), T("мкр", kRu, kStreet, "микрорайон"),
    T("мкрн", kRu, kStreet, "микрорайон"), T("микр", kRu, kStreet, "микрорайон"),
    T("мкр-н", kRu, kStreet, "микрорайон"),
    T("аллея", kRu, kStreet, "аллея"), T("тракт", kRu, kStreet, "тракт"),
    T("линия", kRu, kStreet, "линия"), T("квартал", kRu, kStreet, "квартал"),
    T("кв-л", kRu, kStreet, "квартал"), T("спуск", kRu, kStreet, "спуск"),
    T("дом", kRu, kHouse, "дом"), T("д", kRu, kHouse, "дом", kNum),
    T("владение", kRu, kHouse, "владение"), T("вл", kRu, kHouse, "владение"),
    T("влд", kRu, kHouse, "владение"),
    T("корпус", kRu, kKorpus, "корпус"), T("корп", kRu, kKorpus, "корпус"),
    T("кор", kRu, kKorpus, "корпус"), T("к", kRu, kKorpus, "корпус", kNum),
    T("строение", kRu, kStroenie, "строение"), T("стр", kRu, kStroenie, "строение"),
    T("с", kRu, kStroenie, "строение", kNum),
    T("квартира", kRu, kFlat, "квартира"), T("кв", kRu, kFlat, "квартира"),
    T("кв-ра", kRu, kFlat, "квартира"),
    T("офис", kRu, kFlat, "офис"), T("оф", kRu, kFlat, "офис"),
    T("помещение", kRu, kFlat, "помещение"), T("пом", kRu, kFlat, "помещение"),
    T("комната", kRu, kFlat, "комната"), T("комн", kRu, kFlat, "комната"),
    T("россия", kRu, kDrop, ""), T("рф", kRu, kDrop, ""),

    // Russian, transliterated.
    T("oblast", kTr, kRegion, "oblast"), T("obl", kTr, kRegion, "oblast"),
    T("krai", kTr, kRegion, "krai"), T("kray", kTr, kRegion, "krai"),
    T("respublika", kTr, kRegion, "respublika"), T("resp", kTr, kRegion, "respublika"),
    T("okrug", kTr, kRegion, "okrug"),
    T("rayon", kTr, kDistrict, "rayon"), T("raion", kTr, kDistrict, "rayon"),
    T("r-n", kTr, kDistrict, "rayon"),
    T("gorod", kTr, kCity, "gorod"), T("g", kTr, kCity, "gorod"), T("gor", kTr, kCity, "gorod"),
    T("poselok", kTr, kCity, "poselok"), T("pos", kTr, kCity, "poselok"),
    T("p", kTr, kCity, "poselok", kName, true), T("pgt", kTr, kCity, "poselok gorodskogo tipa"),
    T("selo", kTr, kCity, "selo"), T("s", kTr, kCity, "selo", kName, true),
    T("derevnya", kTr, kCity, "derevnya"), T("derevnia", kTr, kCity, "derevnya"),
    T("der", kTr, kCity, "derevnya"), T("d", kTr, kCity, "derevnya", kName, true),
    T("ulitsa", kTr, kStreet, "ulitsa"), T("ulica", kTr, kStreet, "ulitsa"),
    T("ul", kTr, kStreet, "ulitsa"),
    T("prospekt", kTr, kStreet, "prospekt"), T("pr", kTr, kStreet, "prospekt", kAlways, true),
    T("pr-t", kTr, kStreet, "prospekt"), T("prosp", kTr, kStreet, "prospekt"),
    T("pr-kt", kTr, kStreet, "prospekt"),
    T("pereulok", kTr, kStreet, "pereulok"), T("per", kTr, kStreet, "pereulok"),
    T("bulvar", kTr, kStreet, "bulvar"), T("b-r", kTr, kStreet, "bulvar"),
    T("shosse", kTr, kStreet, "shosse"), T("sh", kTr, kStreet, "shosse", kAlways, true),
    T("ploshchad", kTr, kStreet, "ploshchad"), T("ploshad", kTr, kStreet, "ploshchad"),
    T("pl", kTr, kStreet, "ploshchad", kAlways, true),
    T("naberezhnaya", kTr, kStreet, "naberezhnaya"), T("nab", kTr, kStreet, "naberezhnaya"),
    T("proezd", kTr, kStreet, "proezd"), T("pr-d", kTr, kStreet, "proezd"),
    T("tupik", kTr, kStreet, "tupik"),
    T("mikrorayon", kTr, kStreet, "mikrorayon"), T("mikroraion", kTr, kStreet, "mikrorayon"),
    T("mkr", kTr, kStreet, "mikrorayon"), T("mkrn", kTr, kStreet, "mikrorayon"),
    T("dom", kTr, kHouse, "dom"), T("d", kTr, kHouse, "dom", kNum),
    T("korpus", kTr, kKorpus, "korpus"), T("korp", kTr, kKorpus, "korpus"),
    T("k", kTr, kKorpus, "korpus", kNum, true),
    T("stroenie", kTr, kStroenie, "stroenie"), T("stroyenie", kTr, kStroenie, "stroenie"),
    T("str", kTr, kStroenie, "stroenie", kNum, true), T("s", kTr, kStroenie, "stroenie", kNum, true),
    T("kvartira", kTr, kFlat, "kvartira"), T("kv", kTr, kFlat, "kvartira"),
    T("ofis", kTr, kFlat, "ofis"), T("of", kTr, kFlat, "ofis", kNum, true),
    T("rossiya", kTr, kDrop, ""), T("russia", kTr, kDrop, "", kAlways, true),
    T("rf", kTr, kDrop, ""), T("n", kTr, kDrop, "", kNum, true),

    // English.
    T("street", kEn, kStreet, "street"), T("st", kEn, kStreet, "street", kAfterName),
    T("str", kEn, kStreet, "street", kAfterName),
    T("road", kEn, kStreet, "road"), T("rd", kEn, kStreet, "road"),
    T("avenue", kEn, kStreet, "avenue"), T("ave", kEn, kStreet, "avenue"),
    T("av", kEn, kStreet, "avenue"),
    T("boulevard", kEn, kStreet, "boulevard"), T("blvd", kEn, kStreet, "boulevard"),
    T("drive", kEn, kStreet, "drive"), T("dr", kEn, kStreet, "drive", kAfterName),
    T("lane", kEn, kStreet, "lane"), T("ln", kEn, kStreet, "lane"),
    T("court", kEn, kStreet, "court"), T("ct", kEn, kStreet, "court"),
    T("place", kEn, kStreet, "place"), T("pl", kEn, kStreet, "place"),
    T("crescent", kEn, kStreet, "crescent"), T("cres", kEn, kStreet, "crescent"),
    T("highway", kEn, kStreet, "highway"), T("hwy", kEn, kStreet, "highway"),
    T("parade", kEn, kStreet, "parade"), T("pde", kEn, kStreet, "parade"),
    T("terrace", kEn, kStreet, "terrace"), T("tce", kEn, kStreet, "terrace"),
    T("close", kEn, kStreet, "close", kAfterName),
    T("circuit", kEn, kStreet, "circuit"), T("cct", kEn, kStreet, "circuit"),
    T("way", kEn, kStreet, "way", kAfterName),
    T("square", kEn, kStreet, "square"), T("sq", kEn, kStreet, "square"),
    T("parkway", kEn, kStreet, "parkway"), T("pkwy", kEn, kStreet, "parkway"),
    T("esplanade", kEn, kStreet, "esplanade"), T("esp", kEn, kStreet, "esplanade"),
    T("grove", kEn, kStreet, "grove", kAfterName),
    T("circle", kEn, kStreet, "circle"), T("cir", kEn, kStreet, "circle"),
    T("alley", kEn, kStreet, "alley"),
    T("flat", kEn, kFlat, "flat"), T("apt", kEn, kFlat, "flat"),
    T("apartment", kEn, kFlat, "flat"), T("unit", kEn, kFlat, "flat"),
    T("suite", kEn, kFlat, "flat"), T("ste", kEn, kFlat, "flat"),
    T("n", kEn, kDrop, "", kNum), T("no", kEn, kDrop, "", kNum),
};

}  // namespace vocab

const std::vector<const TypeWord*>& TypeWordIndex() {
  static const std::vector<const TypeWord*> index = [] {
    std::vector<const TypeWord*> v;
    v.reserve(std::size(vocab::kTypeWords));
    for (const TypeWord& t : vocab::kTypeWords) v.push_back(&t);
    std::stable_sort(v.begin(), v.end(),
                     [](const TypeWord* a, const TypeWord* b) { return a->word < b->word; });
    return v;
  }();
  return index;
}

// Each spelling's run [first, last) in TypeWordIndex(): one hash lookup
// finds a word's entries (every address token asks, most of them in vain).
const std::unordered_map<std::string_view, std::pair<uint32_t, uint32_t>>& TypeWordRuns() {
  static const auto runs = [] {
    std::unordered_map<std::string_view, std::pair<uint32_t, uint32_t>> m;
    const auto& index = TypeWordIndex();
    for (uint32_t i = 0; i < index.size(); ++i) {
      auto [it, added] = m.try_emplace(index[i]->word, i, i + 1);
      if (!added) it->second.second = i + 1;  // the index is sorted: a run is contiguous
    }
    return m;
  }();
  return runs;
}

// The first entry spelled `word` that `accept` takes, in table order.
template <typename Accept>
const TypeWord* FindTypeWord(std::string_view word, Accept&& accept) {
  const auto& runs = TypeWordRuns();
  auto run = runs.find(word);
  if (run == runs.end()) return nullptr;
  const auto& index = TypeWordIndex();
  for (uint32_t i = run->second.first; i < run->second.second; ++i) {
    if (accept(*index[i])) return index[i];
  }
  return nullptr;
}

bool IsValuePart(Part p) {
  return p == Part::kHouse || p == Part::kKorpus || p == Part::kStroenie || p == Part::kFlat;
}

bool IsNamedPart(Part p) {
  return p == Part::kRegion || p == Part::kDistrict || p == Part::kCity || p == Part::kStreet;
}

// Whether a named marker looks for its name after itself first. Russian
// streets and settlements usually come type-first ("ул. Ленина", "г. Москва"),
// regions name-first ("Свердловская обл."), English streets name-first.
bool PrefersNameAfter(const TypeWord& w) {
  switch (w.part) {
    case Part::kCity: return true;
    case Part::kStreet: return w.lang != Lang::kEn;
    case Part::kRegion: return w.canon == "республика" || w.canon == "respublika";
    default: return false;
  }
}

struct CityAlias {
  std::string_view from, to;
};
constexpr CityAlias kCityAliases[] = {
    {"спб", "санкт-петербург"}, {"с-пб", "санкт-петербург"}, {"питер", "санкт-петербург"},
    {"петербург", "санкт-петербург"}, {"мск", "москва"}, {"екб", "екатеринбург"},
    {"spb", "sankt-peterburg"}, {"msk", "moskva"},
};

// Large Russian cities, recognised without a type word ("Москва, Мира пр-кт").
constexpr std::string_view kKnownCities[] = {
    "москва", "санкт-петербург", "новосибирск", "екатеринбург", "казань", "нижний новгород",
    "челябинск", "самара", "омск", "ростов-на-дону", "уфа", "красноярск", "воронеж", "пермь",
    "волгоград", "краснодар", "саратов", "тюмень", "ижевск", "барнаул", "иркутск", "хабаровск",
    "владивосток", "ярославль", "томск", "оренбург", "кемерово", "рязань", "астрахань", "пенза",
    "липецк", "тула", "калининград", "сочи", "севастополь", "moskva", "moscow", "sankt-peterburg",
};

// US, Australian and Canadian state codes, split off the end of an English city.
constexpr std::string_view kStateCodes[] = {
    "on", "qc", "bc", "ab", "mb", "sk", "ns", "nb", "nl", "pe", "yt", "nu",
    "nsw", "vic", "qld", "sa", "wa", "tas", "nt", "act", "al", "ak", "az", "ar", "ca", "co", "ct",
    "de", "fl", "ga", "hi", "id", "il", "in", "ia", "ks", "ky", "la", "me", "md", "ma", "mi",
    "mn", "ms", "mo", "mt", "ne", "nv", "nh", "nj", "nm", "ny", "nc", "nd", "oh", "ok", "or",
    "pa", "ri", "sc", "sd", "tn", "tx", "ut", "vt", "va", "wv", "wi", "wy", "dc",
};

std::string CanonicalCity(std::string city) {
  for (const CityAlias& a : kCityAliases) {
    if (city == a.from) return std::string(a.to);
  }
  return city;
}

bool IsKnownCity(std::string_view city) {
  return std::find(std::begin(kKnownCities), std::end(kKnownCities), city) != std::end(kKnownCities);
}

bool IsStateCode(std::string_view w) {
  return std::find(std::begin(kStateCodes), std::end(kStateCodes), w) != std::end(kStateCodes);
}

// ---------------------------------------------------------------------------
// Small text helpers

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

size_t SkipDigits(std::string_view s, size_t i) {
  while (i < s.size() && IsDigit(s[i])) ++i;
  return i;
}

size_t SkipLetters(std::string_view s, size_t i) {
  while (i < s.size()) {
    size_t j = i;
    if (!IsLetter(NextCodePoint(s, j))) break;
    i = j;
  }
  return i;
}

void AppendWord(std::string& out, std::string_view w) {
  if (w.empty()) return;
  if (!out.empty()) out.push_back(' ');
  out.append(w.data(), w.size());
}

void AppendPart(std::string& out, std::string_view part) {
  if (part.empty()) return;
  if (!out.empty()) out += ", ";
  out.append(part.data(), part.size());
}

// "12-а" -> "12а": a dash before a house letter carries nothing.
std::string WithoutDashes(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c != '-') out.push_back(c);
  }
  return out;
}

// The type words whose expanded form is several words: the output writes
// them expanded, and they must read back as one type word (the address
// normalizes to itself; found by tests/fuzz/address_fuzz.cc).
std::string ContractTypePhrases(std::string folded) {
  static constexpr std::pair<std::string_view, std::string_view> kPhrases[] = {
      {"поселок городского типа", "пгт"}, {"рабочий поселок", "рп"}, {"автономный округ", "ао"},
      {"poselok gorodskogo tipa", "pgt"}};
  // Most addresses have none: one pass over the word starts for the
  // phrases' first two bytes before any search (std::string::find looks
  // for a first byte, and a Cyrillic phrase's, 0xD0, starts every other
  // byte of a Cyrillic address).
  bool maybe = false;
  for (size_t i = 0; i + 1 < folded.size() && !maybe; ++i) {
    const unsigned char before = i == 0 ? ' ' : static_cast<unsigned char>(folded[i - 1]);
    if (before >= 0x80 || (before >= 'a' && before <= 'z') || (before >= '0' && before <= '9')) continue;
    for (const auto& [phrase, abbrev] : kPhrases) maybe = maybe || (folded[i] == phrase[0] && folded[i + 1] == phrase[1]);
  }
  if (!maybe) return folded;
  for (const auto& [phrase, abbrev] : kPhrases) {
    for (size_t at = folded.find(phrase); at != std::string::npos; at = folded.find(phrase, at + abbrev.size())) {
      auto letter_at = [&](size_t i) {
        unsigned char c = static_cast<unsigned char>(folded[i]);
        return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
      };
      const size_t end = at + phrase.size();
      if ((at > 0 && letter_at(at - 1)) || (end < folded.size() && letter_at(end))) {
        at += 1;
        continue;
      }
      folded.replace(at, phrase.size(), abbrev);
    }
  }
  return folded;
}

// Replaces what Fold would mangle or keep apart: "№" (NFKC turns it into
// "no") becomes a space, Unicode dashes become '-' so "12–45" stays a flat.
std::string FoldAddressText(std::string_view raw) {
  if (raw.find('\xE2') == std::string_view::npos) return ContractTypePhrases(Fold(raw));
  std::string clean;
  clean.reserve(raw.size());
  for (size_t i = 0; i < raw.size();) {
    size_t at = i;
    char32_t cp = NextCodePoint(raw, i);
    if (cp == 0x2116) clean.push_back(' ');
    else if ((cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212) clean.push_back('-');
    else clean.append(raw.substr(at, i - at));
  }
  return ContractTypePhrases(Fold(clean));
}

// ---------------------------------------------------------------------------
// Tokens

enum class Kind : uint8_t { kName, kNumber, kMarker };

struct Token {
  std::string_view text;           // folded, no surrounding punctuation
  const TypeWord* type = nullptr;  // for markers
  uint16_t comp = 0;               // comma-separated component
  Kind kind = Kind::kName;
  Part part = Part::kNone;         // what it was assigned to
  bool cyrillic = false;           // starts with a Cyrillic letter
  bool latin = false;              // starts with a Latin letter
};

struct Tokens {
  std::vector<Token> list;
  int alnum = 0;  // letters and digits
  bool cyrillic = false;
  uint16_t comps = 0;
};

void PushToken(std::string_view w, uint16_t comp, std::vector<Token>& out) {
  Token t;
  t.text = w;
  t.comp = comp;
  size_t i = 0;
  char32_t cp = NextCodePoint(w, i);
  t.cyrillic = IsCyrillic(cp);
  t.latin = cp < 0x80 && IsLetter(cp);
  out.push_back(t);
}

// Whether `letters` glued to a number is a marker: "д5", "кв45", "5к2", "n5".
bool IsGluedMarker(std::string_view letters, bool building_only) {
  return FindTypeWord(letters, [&](const TypeWord& t) {
           if (building_only) return t.part == Part::kKorpus || t.part == Part::kStroenie || t.part == Part::kFlat;
           return IsValuePart(t.part) || (t.part == Part::kDrop && t.when == When::kBeforeNumber);
         }) != nullptr;
}

// Splits markers glued to numbers and pushes the pieces. A loop, not
// recursion: one word may glue any number of pieces ("1к1к1к...").
void EmitWord(std::string_view w, uint16_t comp, std::vector<Token>& out) {
  while (!w.empty()) {
    if (IsDigit(w[0])) {
      size_t p = SkipDigits(w, 0);
      if (p + 1 < w.size() && w[p] == '/' && IsDigit(w[p + 1])) p = SkipDigits(w, p + 1);
      const size_t q = SkipLetters(w, p);
      if (q > p) {
        const bool digit_follows = q < w.size() && IsDigit(w[q]);
        const std::string_view letters = w.substr(p, q - p);
        if (digit_follows) {
          // "5к2", "12стр1"; else "12ак2", a house letter before the marker.
          size_t cut = kNpos;
          if (IsGluedMarker(letters, true)) {
            cut = p;
          } else {
            size_t one = p;
            NextCodePoint(w, one);
            if (one < q && IsGluedMarker(w.substr(one, q - one), true)) cut = one;
          }
          if (cut != kNpos) {
            PushToken(w.substr(0, cut), comp, out);
            PushToken(w.substr(cut, q - cut), comp, out);
            w.remove_prefix(q);
            continue;
          }
        } else if (q == w.size() && CodePoints(letters) > 1 && IsGluedMarker(letters, true)) {
          // "д.12кв.45": the marker of the next number stuck to this one.
          PushToken(w.substr(0, p), comp, out);
          PushToken(letters, comp, out);
          return;
        }
      }
      PushToken(w, comp, out);
      return;
    }
    const size_t q = SkipLetters(w, 0);
    // A single Latin letter before digits is more often a code ("k1a", "m5")
    // than a glued "k2"; Cyrillic "д5", "к2" and longer "kv45" are markers.
    const bool lone_latin = q == 1 && static_cast<unsigned char>(w[0]) < 0x80 && w[0] != 'n';
    if (q > 0 && q < w.size() && IsDigit(w[q]) && !lone_latin && IsGluedMarker(w.substr(0, q), false)) {
      PushToken(w.substr(0, q), comp, out);
      w.remove_prefix(q);
      continue;
    }
    PushToken(w, comp, out);
    return;
  }
}

constexpr std::string_view kSaintPetersburg = "санкт-петербург";
constexpr std::string_view kPgt = "пгт";

// Rejoins abbreviations the dots cut apart: "С.-Петербург", "п.г.т.".
void MergeSplitAbbreviations(std::vector<Token>& t) {
  auto same = [&](size_t i, size_t j, std::string_view text) {
    return j < t.size() && t[j].comp == t[i].comp && t[j].text == text;
  };
  size_t kept = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    Token k = t[i];
    if ((k.text == "с" || k.text == "санкт") && (same(i, i + 1, "петербург") || same(i, i + 1, "пб"))) {
      k.text = kSaintPetersburg;
      i += 1;
    } else if (k.text == "п" && same(i, i + 1, "г") && same(i, i + 2, "т")) {
      k.text = kPgt;
      i += 2;
    }
    t[kept++] = k;
  }
  t.resize(kept);
}

// Words are letters and digits, joined by inner '-' (пр-т, 12-45, 1-я),
// apostrophes (o'connell) and '/' between digits (12/3). Commas, semicolons
// and line breaks separate components; all other punctuation separates words.
void Tokenize(std::string_view s, Tokens& out) {
  out.list.reserve(s.size() / 4 + 4);  // a word is rarely shorter than 3 bytes and a space
  size_t start = kNpos;
  uint16_t comp = 0;
  bool comp_used = false;
  char32_t prev = 0;
  auto flush = [&](size_t end) {
    if (start == kNpos) return;
    EmitWord(s.substr(start, end - start), comp, out.list);
    comp_used = true;
    start = kNpos;
  };
  for (size_t i = 0; i < s.size();) {
    size_t at = i;
    char32_t cp = NextCodePoint(s, i);
    if (IsAsciiDigit(cp) || IsLetter(cp)) {
      ++out.alnum;
      if (IsCyrillic(cp)) out.cyrillic = true;
      if (start == kNpos) start = at;
      prev = cp;
      continue;
    }
    if (start != kNpos && i < s.size() && (cp == '-' || cp == '/' || cp == '\'' || cp == 0x2019)) {
      size_t j = i;
      char32_t next = NextCodePoint(s, j);
      bool keep = cp == '/' ? IsAsciiDigit(prev) && IsAsciiDigit(next) : IsAsciiDigit(next) || IsLetter(next);
      if (keep) {
        prev = cp;
        continue;
      }
    }
    flush(at);
    if ((cp == ',' || cp == ';' || cp == '\n' || cp == '\r') && comp_used) {
      ++comp;
      comp_used = false;
    }
    prev = cp;
  }
  flush(s.size());
  out.comps = static_cast<uint16_t>(comp + (comp_used ? 1 : 0));
  MergeSplitAbbreviations(out.list);
}

// "1-я", "8-го", "2nd": a number that is part of a name, not a house.
bool IsOrdinal(std::string_view w) {
  size_t p = SkipDigits(w, 0);
  if (p == 0 || p == w.size()) return false;
  const bool dash = w[p] == '-';
  std::string_view suffix = w.substr(p + (dash ? 1 : 0));
  static constexpr std::string_view kCyrillicEndings[] = {"я", "й", "ая", "ий", "ый", "ой", "го", "ого"};
  static constexpr std::string_view kDashOnly[] = {"е", "ое", "ье", "ья", "ые"};
  static constexpr std::string_view kLatinEndings[] = {"st", "nd", "rd", "th"};
  for (std::string_view e : kCyrillicEndings) {
    if (suffix == e) return true;
  }
  for (std::string_view e : kLatinEndings) {
    if (suffix == e) return true;
  }
  if (dash) {
    for (std::string_view e : kDashOnly) {
      if (suffix == e) return true;
    }
  }
  return false;
}

Layout DetectLayout(const Tokens* const* texts, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    if (texts[i] && texts[i]->cyrillic) return Layout::kCyrillic;
  }
  for (size_t i = 0; i < count; ++i) {
    if (!texts[i]) continue;
    for (const Token& t : texts[i]->list) {
      if (!t.latin) continue;
      bool tr = FindTypeWord(t.text, [](const TypeWord& w) { return w.lang == Lang::kTr && !w.ambiguous; });
      if (tr) return Layout::kTranslit;
    }
  }
  return Layout::kLatin;
}

// Marks type words. Right to left, so that a condition on the next token
// sees that token's final kind ("д" before "Барвиха" vs before "5").
void Classify(std::vector<Token>& t, Layout layout) {
  for (Token& k : t) k.kind = IsDigit(k.text[0]) && !IsOrdinal(k.text) ? Kind::kNumber : Kind::kName;
  // "дом N 7", "No. 5": the sign carries nothing and would stand between a
  // marker and its number, so it goes before anything looks at neighbours.
  size_t kept = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    const bool before_number = i + 1 < t.size() && t[i + 1].comp == t[i].comp && t[i + 1].kind == Kind::kNumber;
    const bool sign = before_number && t[i].latin && FindTypeWord(t[i].text, [](const TypeWord& w) {
                        return w.part == Part::kDrop && w.when == When::kBeforeNumber;
                      });
    if (!sign) t[kept++] = t[i];
  }
  t.resize(kept);
  for (size_t i = t.size(); i-- > 0;) {
    Token& k = t[i];
    if (!k.cyrillic && !k.latin) continue;
    const Lang lang = k.cyrillic ? Lang::kRu : layout == Layout::kLatin ? Lang::kEn : Lang::kTr;
    const Token* next = i + 1 < t.size() && t[i + 1].comp == k.comp ? &t[i + 1] : nullptr;
    const Token* prev = i > 0 && t[i - 1].comp == k.comp ? &t[i - 1] : nullptr;
    k.type = FindTypeWord(k.text, [&](const TypeWord& w) {
      if (w.lang != lang) return false;
      switch (w.when) {
        case When::kAlways: return true;
        case When::kBeforeNumber: return next && next->kind == Kind::kNumber;
        case When::kBeforeName: return next && next->kind == Kind::kName;
        case When::kAfterName: return prev && prev->kind == Kind::kName && !IsDigit(prev->text[0]);
      }
      return false;
    });
    if (k.type) k.kind = Kind::kMarker;
  }
}

// ---------------------------------------------------------------------------
// Parsing one text

// Which column a text came from; what is left unclaimed in a column is taken
// to be that column's part.
enum class Hint : uint8_t { kLine, kRegion, kCity, kStreet, kHouse, kFlat };

struct Found {
  std::string postcode;
  bool bad_postcode = false;
  std::string region, region_name;  // with and without the type word
  std::string district, district_name;
  std::string_view city_type;
  std::string city;
  std::string_view street_type;
  std::string street_name;
  std::string house, korpus, stroenie, flat;
  std::string_view flat_type;
  std::vector<std::string_view> leftovers;  // unassigned words, for tokens
};

class Parser {
 public:
  Parser(Tokens& tokens, Layout layout, Hint hint, Found& found)
      : t_(tokens.list), comps_(tokens.comps), layout_(layout), hint_(hint), f_(found) {}

  void Run() {
    const bool russian = layout_ != Layout::kLatin;
    const bool value_column = hint_ == Hint::kHouse || hint_ == Hint::kFlat;
    TakeValues();
    if (russian && !value_column) KeepNumbersInNames();
    if (russian && !value_column) TakePostcodes();
    ClaimNames();
    if (hint_ == Hint::kStreet && !has_street_) TakeFirstRunAsStreet();
    TakeHouseNextToStreet();
    if (russian) {
      if (hint_ == Hint::kLine || hint_ == Hint::kStreet) InferStreet();
      if (hint_ == Hint::kLine) InferCity();
    } else if (hint_ == Hint::kLine) {
      InferEnglishTail();
    }
    ApplyHint();
    for (const Token& k : t_) {
      if (k.kind != Kind::kMarker && k.part == Part::kNone) f_.leftovers.push_back(k.text);
    }
  }

 private:
  struct Span {
    size_t b = 0, e = 0;
    bool empty() const { return b == e; }
    size_t size() const { return e - b; }
  };

  bool FreeName(size_t k) const { return t_[k].kind == Kind::kName && t_[k].part == Part::kNone; }
  bool FreeNumber(size_t k) const { return t_[k].kind == Kind::kNumber && t_[k].part == Part::kNone; }
  Token* Next(size_t k) { return k + 1 < t_.size() && t_[k + 1].comp == t_[k].comp ? &t_[k + 1] : nullptr; }

  // Free names right after marker k, in its component.
  Span NamesAfter(size_t k) const {
    size_t e = k + 1;
    while (e < t_.size() && t_[e].comp == t_[k].comp && FreeName(e)) ++e;
    return {k + 1, e};
  }
  // Free names right before marker k, in its component.
  Span NamesBefore(size_t k) const {
    size_t b = k;
    while (b > 0 && t_[b - 1].comp == t_[k].comp && FreeName(b - 1)) --b;
    return {b, k};
  }
  // The run of free names that ends with name k (in k's component).
  Span RunEndingAt(size_t k) const {
    size_t b = k;
    while (b > 0 && t_[b - 1].comp == t_[k].comp && FreeName(b - 1)) --b;
    return {b, k + 1};
  }
  Span RunFrom(size_t k) const {
    size_t e = k;
    while (e < t_.size() && t_[e].comp == t_[k].comp && FreeName(e)) ++e;
    return {k, e};
  }

  std::string Join(Span s) const {
    std::string out;
    for (size_t k = s.b; k < s.e; ++k) AppendWord(out, t_[k].text);
    return out;
  }
  // Like Join, with type words expanded: "свердловская область".
  std::string JoinExpanded(Span s) const {
    std::string out;
    for (size_t k = s.b; k < s.e; ++k) {
      if (t_[k].kind == Kind::kMarker && t_[k].type->part == Part::kDrop) continue;
      AppendWord(out, t_[k].kind == Kind::kMarker ? t_[k].type->canon : t_[k].text);
    }
    return out;
  }
  void Mark(Span s, Part p) {
    for (size_t k = s.b; k < s.e; ++k) t_[k].part = p;
  }

  // "Москва Ленина" before a street or house: the known city is not part of it.
  Span WithoutLeadingCity(Span s) const {
    if (s.size() >= 2 && IsKnownCity(CanonicalCity(std::string(t_[s.b].text)))) ++s.b;
    return s;
  }

  void TakeValues() {
    for (size_t i = 0; i < t_.size(); ++i) {
      Token& m = t_[i];
      if (m.kind != Kind::kMarker) continue;
      const Part p = m.type->part;
      if (p == Part::kDrop) m.part = Part::kDrop;
      if (!IsValuePart(p)) continue;
      Token* v = Next(i);
      if (!v || v->part != Part::kNone) continue;
      // "корп. А", "кв. Б": a lone letter can number a building or a flat.
      const bool ok = v->kind == Kind::kNumber ||
                      (p != Part::kHouse && v->kind == Kind::kName && CodePoints(v->text) == 1);
      if (!ok) continue;
      switch (p) {
        case Part::kHouse:
          if (!f_.house.empty()) continue;
          house_marker_ = i;
          AssignHouse(i + 1);
          break;
        case Part::kKorpus:
          if (!f_.korpus.empty()) continue;
          AssignKorpus(i + 1);
          break;
        case Part::kStroenie:
          if (!f_.stroenie.empty()) continue;
          f_.stroenie = WithoutDashes(v->text);
          v->part = Part::kStroenie;
          break;
        default:
          if (!f_.flat.empty()) continue;
          AssignFlat(i + 1, m.type->canon);
          break;
      }
      m.part = p;
    }
  }

  // Splits "12-45" (house 12, flat 45) and, in English, "5/12" (unit 5 of
  // number 12); joins a lone letter after the number ("12 а").
  void AssignHouse(size_t k) {
    Token& h = t_[k];
    h.part = Part::kHouse;
    std::string_view s = h.text, flat;
    if (layout_ == Layout::kLatin) {
      size_t slash = s.find('/');
      if (slash != kNpos) {
        flat = s.substr(0, slash);
        s = s.substr(slash + 1);
      }
    }
    size_t dash = s.rfind('-');
    if (dash != kNpos && dash > 0 && AllDigits(s.substr(dash + 1))) {
      flat = s.substr(dash + 1);
      s = s.substr(0, dash);
    }
    f_.house = WithoutDashes(s);
    if (!flat.empty() && f_.flat.empty()) f_.flat = std::string(flat);
    Token* letter = Next(k);
    if (layout_ != Layout::kLatin && letter && letter->part == Part::kNone && letter->kind == Kind::kName &&
        CodePoints(letter->text) == 1) {
      f_.house += letter->text;
      letter->part = Part::kHouse;
    }
  }

  void AssignKorpus(size_t k) {
    Token& v = t_[k];
    v.part = Part::kKorpus;
    std::string_view s = v.text;
    size_t dash = s.rfind('-');
    if (dash != kNpos && dash > 0 && AllDigits(s.substr(dash + 1))) {
      if (f_.flat.empty()) f_.flat = std::string(s.substr(dash + 1));
      s = s.substr(0, dash);
    }
    f_.korpus = WithoutDashes(s);
  }

  void AssignFlat(size_t k, std::string_view canon) {
    Token& v = t_[k];
    v.part = Part::kFlat;
    std::string_view s = v.text;
    size_t slash = s.find('/');
    if (layout_ == Layout::kLatin && slash != kNpos) {  // "unit 5/12": unit 5 of number 12
      if (f_.house.empty()) f_.house = std::string(s.substr(slash + 1));
      s = s.substr(0, slash);
    }
    f_.flat = std::string(s);
    f_.flat_type = canon;
  }

  // "ул. 8 Марта", "улица 30 лет Победы": the number begins the name.
  void KeepNumbersInNames() {
    for (size_t k = t_.size(); k-- > 0;) {
      if (!FreeNumber(k) || !AllDigits(t_[k].text) || t_[k].text.size() > 3) continue;
      const Token* next = Next(k);
      if (next && next->kind == Kind::kName && next->part == Part::kNone && CodePoints(next->text) > 1) {
        t_[k].kind = Kind::kName;
      }
    }
  }

  void TakePostcodes() {
    for (Token& k : t_) {
      if (k.kind != Kind::kNumber || k.part != Part::kNone || !AllDigits(k.text)) continue;
      const size_t len = k.text.size();
      if (len == 6 && f_.postcode.empty()) {
        f_.postcode = std::string(k.text);
        k.part = Part::kPostcode;
      } else if ((len == 5 || len == 7) && layout_ == Layout::kCyrillic) {
        // A house number that long does not exist; a mistyped postcode does.
        k.part = Part::kBadPostcode;
        f_.bad_postcode = true;
      }
    }
  }

  void ClaimNames() {
    // First the markers with nothing after them: they can only name what is
    // before them ("Мира пр-кт", "Свердловская обл."), and must get it before
    // a type-first marker further left reaches for the same words.
    for (int pass = 0; pass < 2; ++pass) {
      for (size_t i = 0; i < t_.size(); ++i) {
        const Token& m = t_[i];
        if (m.kind != Kind::kMarker || m.part != Part::kNone || !IsNamedPart(m.type->part)) continue;
        const Span after = NamesAfter(i), before = NamesBefore(i);
        if (pass == 0) {
          if (after.empty() && !before.empty()) Claim(i, before);
          continue;
        }
        const Span pick = PrefersNameAfter(*m.type) ? (after.empty() ? before : after)
                                                    : (before.empty() ? after : before);
        if (!pick.empty()) Claim(i, pick);
      }
    }
  }

  void Claim(size_t m, Span run) {
    const TypeWord& w = *t_[m].type;
    if (w.part == Part::kStreet && run.e <= m) run = WithoutLeadingCity(run);
    const Span whole{std::min(m, run.b), std::max(m + 1, run.e)};
    switch (w.part) {
      case Part::kRegion:
        if (!f_.region.empty()) return;
        f_.region_name = Join(run);
        f_.region = Named(w, f_.region_name);
        break;
      case Part::kDistrict:
        if (!f_.district.empty()) return;
        f_.district_name = Join(run);
        f_.district = Named(w, f_.district_name);
        break;
      case Part::kCity:
        if (!f_.city.empty()) return;
        f_.city_type = w.canon;
        f_.city = CanonicalCity(Join(run));
        city_ = whole;
        break;
      default:
        if (has_street_) return;
        f_.street_type = w.canon;
        f_.street_name = Join(run);
        SetStreetSpan(whole);
        break;
    }
    Mark(whole, w.part);
  }

  // Regions and districts in one order whatever the input's: "свердловская
  // область" for "обл. Свердловская", "республика татарстан" for "Татарстан Респ.".
  static std::string Named(const TypeWord& w, const std::string& name) {
    std::string out(PrefersNameAfter(w) ? w.canon : name);
    AppendWord(out, PrefersNameAfter(w) ? name : w.canon);
    return out;
  }

  void SetStreetSpan(Span s) {
    has_street_ = true;
    street_ = s;
  }

  void TakeFirstRunAsStreet() {
    for (size_t k = 0; k < t_.size(); ++k) {
      if (!FreeName(k)) continue;
      const Span run = RunFrom(k);
      f_.street_name = Join(run);
      SetStreetSpan(run);
      Mark(run, Part::kStreet);
      return;
    }
  }

  // Russian order puts the house after the street ("ул. Ленина, 12"), or
  // after the village when there is no street ("д. Горки, 12"); English
  // before it ("12 Main St"), continental European after it ("Hauptstr. 5").
  void TakeHouseNextToStreet() {
    if (!f_.house.empty()) return;
    if (!has_street_) {
      if (layout_ != Layout::kLatin && !city_.empty() && city_.e < t_.size() && FreeNumber(city_.e)) {
        AssignHouse(city_.e);
      }
      return;
    }
    const bool after = street_.e < t_.size() && FreeNumber(street_.e);
    if (layout_ != Layout::kLatin) {
      if (after) AssignHouse(street_.e);
    } else if (street_.b > 0 && t_[street_.b - 1].comp == t_[street_.b].comp && FreeNumber(street_.b - 1)) {
      AssignHouse(street_.b - 1);
    } else if (after && t_[street_.e].comp == t_[street_.b].comp) {
      AssignHouse(street_.e);
    }
  }

  bool TakeInferredStreet(Span run) {
    run = WithoutLeadingCity(run);
    if (run.size() > 5) return false;
    std::string name = Join(run);
    if (IsKnownCity(CanonicalCity(name))) return false;
    f_.street_name = std::move(name);
    SetStreetSpan(run);
    Mark(run, Part::kStreet);
    return true;
  }

  // A street without a type word, told by the house number after it:
  // "Ленина 12", "Ленина, 12", "Ленина, д. 12".
  void InferStreet() {
    if (has_street_) return;
    if (f_.house.empty()) {
      for (size_t k = 1; k < t_.size(); ++k) {
        if (FreeNumber(k) && FreeName(k - 1) && TakeInferredStreet(RunEndingAt(k - 1))) {
          AssignHouse(k);
          return;
        }
      }
    }
    if (house_marker_ != kNpos && house_marker_ > 0 && FreeName(house_marker_ - 1)) {
      TakeInferredStreet(RunEndingAt(house_marker_ - 1));
    }
  }

  // A city without a type word: a known city anywhere, else the names right
  // before the street ("Екатеринбург, ул. Ленина").
  void InferCity() {
    if (!f_.city.empty()) return;
    for (size_t k = 0; k < t_.size(); ++k) {
      if (!FreeName(k) || (k > 0 && t_[k - 1].comp == t_[k].comp && FreeName(k - 1))) continue;
      const Span run = RunFrom(k);
      std::string name = CanonicalCity(Join(run));
      if (IsKnownCity(name)) {
        f_.city = std::move(name);
        Mark(run, Part::kCity);
        return;
      }
    }
    if (has_street_ && street_.b > 0 && FreeName(street_.b - 1)) {
      const Span run = RunEndingAt(street_.b - 1);
      if (run.size() <= 3) {
        f_.city = CanonicalCity(Join(run));
        Mark(run, Part::kCity);
      }
    }
  }

  // English order: "<house> <street>, <city>, <region> <postcode>".
  void InferEnglishTail() {
    const size_t n = t_.size();
    if (f_.postcode.empty() && n > 1) TakeEnglishPostcode();
    if (!f_.city.empty() || !(has_street_ || !f_.postcode.empty() || comps_ > 1)) return;
    // The city follows the street, in a later component when there is one
    // ("1600 Pennsylvania Ave NW, Washington": "nw" is not the city).
    size_t k = has_street_ ? street_.e : 0;
    size_t later = k;
    while (later < n && !(FreeName(later) && t_[later].comp > t_[street_.b].comp)) ++later;
    if (has_street_ && later < n) k = later;
    while (k < n && !FreeName(k)) ++k;
    if (k == n && has_street_ && street_.b > 0) {
      // "Ekaterinburg, Lenina str. 5": the city came first.
      for (k = 0; k < street_.b && !FreeName(k); ++k) {
      }
      if (k == street_.b) return;
    }
    if (k == n) return;
    Span city = RunFrom(k);
    if (f_.region.empty() && city.size() >= 2 && IsStateCode(t_[city.e - 1].text)) {
      f_.region = f_.region_name = std::string(t_[city.e - 1].text);
      t_[city.e - 1].part = Part::kRegion;
      --city.e;
    }
    f_.city = Join(city);
    Mark(city, Part::kCity);
    if (!f_.region.empty()) return;
    size_t j = city.e;
    while (j < n && !FreeName(j)) ++j;
    if (j == n) return;
    const Span region = RunFrom(j);
    if (region.size() <= 3) {
      f_.region = f_.region_name = Join(region);
      Mark(region, Part::kRegion);
    }
  }

  // The last token(s), after the street: digits ("62704", "4223") or a
  // two-part alphanumeric code ("sw1a 2aa", "k1a 0b1").
  void TakeEnglishPostcode() {
    const size_t k = t_.size() - 1;
    if (!FreeNumber(k) && !FreeName(k)) return;
    if (has_street_ && k < street_.e) return;
    const std::string_view last = t_[k].text;
    if (AllDigits(last)) {
      if (last.size() >= 4 && last.size() <= 6 && t_[k].kind == Kind::kNumber) {
        f_.postcode = std::string(last);
        t_[k].part = Part::kPostcode;
      }
      return;
    }
    auto code_half = [](std::string_view w) {
      if (w.size() < 2 || w.size() > 4) return false;
      bool letter = false, digit = false;
      for (char c : w) {
        if (IsDigit(c)) digit = true;
        else if (c >= 'a' && c <= 'z') letter = true;
        else return false;
      }
      return letter && digit;
    };
    if (k == 0 || t_[k - 1].comp != t_[k].comp || t_[k - 1].part != Part::kNone || t_[k - 1].kind == Kind::kMarker ||
        (has_street_ && k - 1 < street_.e) || !code_half(last) || !code_half(t_[k - 1].text) || !IsDigit(last[0])) {
      return;
    }
    f_.postcode = std::string(t_[k - 1].text) + " " + std::string(last);
    t_[k - 1].part = t_[k].part = Part::kPostcode;
  }

  // What a column still has unclaimed is that column's part.
  void ApplyHint() {
    switch (hint_) {
      case Hint::kRegion: {
        if (!f_.region.empty()) break;
        const Span all{0, t_.size()};
        f_.region = JoinExpanded(all);
        for (const Token& k : t_) {
          if (k.kind != Kind::kMarker) AppendWord(f_.region_name, k.text);
        }
        Mark(all, Part::kRegion);
        break;
      }
      case Hint::kCity: {
        if (!f_.city.empty()) break;
        std::string city;
        for (Token& k : t_) {
          if (k.kind == Kind::kMarker || k.part != Part::kNone) continue;
          AppendWord(city, k.text);
          k.part = Part::kCity;
        }
        f_.city = CanonicalCity(std::move(city));
        break;
      }
      case Hint::kHouse:
        if (!f_.house.empty()) break;
        for (size_t k = 0; k < t_.size(); ++k) {
          if (FreeNumber(k)) {
            AssignHouse(k);
            break;
          }
        }
        break;
      case Hint::kFlat:
        if (!f_.flat.empty()) break;
        for (size_t k = 0; k < t_.size(); ++k) {
          if (FreeNumber(k) || FreeName(k)) {
            AssignFlat(k, {});
            break;
          }
        }
        break;
      default:
        break;
    }
  }

  std::vector<Token>& t_;
  const uint16_t comps_;
  const Layout layout_;
  const Hint hint_;
  Found& f_;
  bool has_street_ = false;
  Span street_;  // the street's tokens, type word included
  Span city_;    // the city's tokens when a type word named it
  size_t house_marker_ = kNpos;
};

// ---------------------------------------------------------------------------
// Output

// "12а" + корпус 2 -> "12ak2": ASCII, with the building, for the key.
std::string HouseKey(const Found& f) {
  std::string out;
  auto fold = [&out](std::string_view s) {
    for (size_t i = 0; i < s.size();) {
      char32_t cp = NextCodePoint(s, i);
      if (IsAsciiDigit(cp) || cp == '/') out.push_back(static_cast<char>(cp));
      else if (IsLetter(cp) && !TransliterateCodePoint(cp, out)) AppendUtf8(out, cp);
    }
  };
  fold(f.house);
  if (!f.korpus.empty()) {
    out.push_back('k');
    fold(f.korpus);
  }
  if (!f.stroenie.empty()) {
    out.push_back('s');
    fold(f.stroenie);
  }
  return out;
}

// "нет", "не  указан": placeholders compared with single spaces.
bool IsPlaceholderField(std::string_view folded) {
  // The longest placeholder ("не указано") is far shorter; most rows skip.
  if (folded.size() > 40) return false;
  std::string collapsed;
  ForEachWord(Trim(folded), [&](std::string_view w) { AppendWord(collapsed, w); });
  return IsPlaceholderText(collapsed);
}

void MergeColumn(const Found& c, Hint hint, Found& f) {
  auto wins = [&](bool filled, bool from_own_column, bool has) { return has && (from_own_column || !filled); };
  if (wins(!f.region.empty(), hint == Hint::kRegion, !c.region.empty())) {
    f.region = c.region;
    f.region_name = c.region_name;
  }
  if (wins(!f.district.empty(), false, !c.district.empty())) {
    f.district = c.district;
    f.district_name = c.district_name;
  }
  if (wins(!f.city.empty(), hint == Hint::kCity, !c.city.empty())) {
    f.city = c.city;
    f.city_type = c.city_type;
  }
  if (wins(!f.street_name.empty(), hint == Hint::kStreet, !c.street_name.empty())) {
    f.street_name = c.street_name;
    f.street_type = c.street_type;
  }
  if (wins(!f.house.empty(), hint == Hint::kHouse, !c.house.empty())) f.house = c.house;
  if (wins(!f.korpus.empty(), hint == Hint::kHouse, !c.korpus.empty())) f.korpus = c.korpus;
  if (wins(!f.stroenie.empty(), hint == Hint::kHouse, !c.stroenie.empty())) f.stroenie = c.stroenie;
  if (wins(!f.flat.empty(), hint == Hint::kFlat, !c.flat.empty())) {
    f.flat = c.flat;
    f.flat_type = c.flat_type;
  }
  if (f.postcode.empty()) f.postcode = c.postcode;
  f.bad_postcode = f.bad_postcode || c.bad_postcode;
  f.leftovers.insert(f.leftovers.end(), c.leftovers.begin(), c.leftovers.end());
}

std::string RussianNormalized(const Found& f, const AddressParts& p, bool cyrillic) {
  std::string out;
  AppendPart(out, f.postcode);
  AppendPart(out, f.region);
  AppendPart(out, f.district);
  if (!f.city.empty()) AppendPart(out, p.city_type + " " + f.city);
  AppendPart(out, p.street);
  auto labelled = [&](std::string_view ru, std::string_view tr, const std::string& value) {
    if (value.empty()) return;
    std::string s(cyrillic ? ru : tr);
    s += ' ';
    s += value;
    AppendPart(out, s);
  };
  labelled("дом", "dom", f.house);
  labelled("корпус", "korpus", f.korpus);
  labelled("строение", "stroenie", f.stroenie);
  if (!f.flat.empty()) {
    std::string label(!f.flat_type.empty() ? f.flat_type : cyrillic ? "квартира" : "kvartira");
    AppendPart(out, label + " " + f.flat);
  }
  return out;
}

std::string EnglishNormalized(const Found& f, const AddressParts& p) {
  std::string out;
  std::string first = f.house;
  AppendWord(first, p.street);
  AppendPart(out, first);
  if (!f.korpus.empty()) AppendPart(out, "building " + f.korpus);
  if (!f.flat.empty()) AppendPart(out, "flat " + f.flat);
  AppendPart(out, f.city);
  AppendPart(out, f.district);
  std::string last = f.region;
  AppendWord(last, f.postcode);
  AppendPart(out, last);
  return out;
}

}  // namespace

AddressResult NormalizeAddress(const AddressInput& input) {
  AddressResult r;
  struct Field {
    std::string_view raw;
    Hint hint;
  };
  // The postcode column is read apart: it is digits, not words.
  const Field fields[] = {
      {input.line, Hint::kLine},     {input.region, Hint::kRegion}, {input.city, Hint::kCity},
      {input.street, Hint::kStreet}, {input.house, Hint::kHouse},   {input.flat, Hint::kFlat},
  };
  constexpr size_t kFields = std::size(fields);
  std::string folded[kFields];
  Tokens tokens[kFields];
  const Tokens* live[kFields + 1] = {};

  bool present = false, any_live = false;
  int alnum = 0;
  for (size_t i = 0; i < kFields; ++i) {
    std::string_view raw = Trim(fields[i].raw);
    if (raw.empty()) continue;
    present = true;
    folded[i] = FoldAddressText(raw);
    if (IsPlaceholderField(folded[i])) continue;
    Tokenize(folded[i], tokens[i]);
    alnum += tokens[i].alnum;
    live[i] = &tokens[i];
    any_live = true;
  }
  std::string postcode_folded;
  Tokens postcode_tokens;
  std::string_view postcode_raw = Trim(input.postcode);
  if (!postcode_raw.empty()) {
    present = true;
    postcode_folded = FoldAddressText(postcode_raw);
    if (!IsPlaceholderField(postcode_folded)) {
      Tokenize(postcode_folded, postcode_tokens);
      alnum += postcode_tokens.alnum;
      live[kFields] = &postcode_tokens;
      any_live = true;
    }
  }

  if (!present) {
    r.verdict = Verdict::Empty();
    return r;
  }
  if (!any_live) {
    r.verdict = Verdict::Invalid(Reason::kPlaceholder);
    return r;
  }
  if (alnum < 5) {
    r.verdict = Verdict::Invalid(Reason::kAddressTooShort);
    return r;
  }

  const Layout layout = DetectLayout(live, kFields + 1);
  Found f;
  for (size_t i = 0; i < kFields; ++i) {
    if (!live[i]) continue;
    Classify(tokens[i].list, layout);
    if (fields[i].hint == Hint::kLine) {
      Parser(tokens[i], layout, Hint::kLine, f).Run();
    } else {
      Found c;
      Parser(tokens[i], layout, fields[i].hint, c).Run();
      MergeColumn(c, fields[i].hint, f);
    }
  }
  if (live[kFields]) {
    // Digits only, unless it is an alphanumeric code ("SW1A 1AA").
    std::string digits, words;
    bool letters = false;
    for (const Token& k : postcode_tokens.list) {
      for (char c : k.text) {
        if (IsDigit(c)) digits.push_back(c);
        else letters = true;
      }
      AppendWord(words, k.text);
    }
    const bool bad = layout == Layout::kCyrillic && (letters || digits.size() != 6);
    f.bad_postcode = bad;
    f.postcode = bad ? std::string() : letters ? words : digits;
  }

  const bool russian = layout != Layout::kLatin;
  const bool cyrillic = layout == Layout::kCyrillic;
  AddressParts& p = r.parts;
  p.postcode = f.postcode;
  p.region = f.region;
  p.district = f.district;
  p.city = f.city;
  if (!f.city.empty()) {
    p.city_type = std::string(!f.city_type.empty() ? f.city_type
                              : !russian           ? ""
                              : cyrillic           ? "город"
                                                   : "gorod");
  }
  if (!f.street_name.empty()) {
    if (f.street_type.empty()) {
      p.street = f.street_name;
    } else if (russian) {
      p.street = std::string(f.street_type) + " " + f.street_name;
    } else {
      p.street = f.street_name + " " + std::string(f.street_type);
    }
  }
  p.house = f.house;
  p.building = f.korpus;
  if (!f.stroenie.empty()) {
    AppendWord(p.building, cyrillic ? "стр" : "str");
    p.building += ' ';
    p.building += f.stroenie;
  }
  p.flat = f.flat;
  r.normalized = russian ? RussianNormalized(f, p, cyrillic) : EnglishNormalized(f, p);

  // City, street and flat are keyed once for both the tokens and the key;
  // the rest in one call, which keys each word on its own anyway. The parts
  // are pieces of the folded text (FoldAddressText) and folded type words,
  // which folding again would not change: keyed without a second Fold.
  const std::string city_key = AsciiKeyOfFolded(f.city);
  const std::string street_key = AsciiKeyOfFolded(f.street_name);
  const std::string flat_key = AsciiKeyOfFolded(f.flat);
  std::string words;
  for (const std::string* s : {&f.postcode, &f.region_name, &f.district_name, &f.house, &f.korpus, &f.stroenie}) {
    AppendWord(words, *s);
  }
  for (std::string_view w : f.leftovers) AppendWord(words, w);
  const std::string rest_key = AsciiKeyOfFolded(words);
  // Sorted and unique: sorted as views into the keys, then copied once.
  std::vector<std::string_view> views;
  views.reserve(16);
  for (const std::string* keyed : {&city_key, &street_key, &flat_key, &rest_key}) {
    ForEachWord(*keyed, [&](std::string_view w) { views.push_back(w); });
  }
  std::sort(views.begin(), views.end());
  views.erase(std::unique(views.begin(), views.end()), views.end());
  r.tokens.assign(views.begin(), views.end());

  if (!f.street_name.empty() && !f.house.empty()) {
    r.key.reserve(city_key.size() + street_key.size() + flat_key.size() + 16);
    r.key += city_key;
    r.key += '|';
    r.key += street_key;
    r.key += '|';
    r.key += HouseKey(f);
    r.key += '|';
    r.key += flat_key;
  }

  if (f.bad_postcode) r.verdict = Verdict::Invalid(Reason::kAddressBadPostcode);
  else if (f.street_name.empty() && f.city.empty()) r.verdict = Verdict::Warn(Reason::kAddressNoStreetOrCity);
  else r.verdict = Verdict::Valid();
  return r;
}

}  // namespace doppel::core
