#include "doppel/core/comparison.h"

#include <algorithm>
#include <string>
#include <unordered_map>

#include "doppel/core/name_data.h"
#include "doppel/core/parallel.h"
#include "doppel/core/unicode.h"
#include "doppel/kernels/jaro.h"

namespace doppel::core {

namespace {

enum FirstLevel : int8_t { kFirstElse, kFirstInitial, kFirstJwLow, kFirstJwHighOrNickname, kFirstExact, kFirstSwapped };
enum LastLevel : int8_t { kLastElse, kLastJwLow, kLastJwHigh, kLastExact, kLastMarriage };
enum MiddleLevel : int8_t { kMiddleElse, kMiddleInitial, kMiddleJw, kMiddleExact };
enum DateLevel : int8_t { kDateElse, kDateYear, kDateOneDigit, kDateSwapped, kDateExact };
enum PhoneLevel : int8_t { kPhoneElse, kPhoneLandline, kPhoneOneDigit, kPhoneExact };
enum EmailLevel : int8_t { kEmailElse, kEmailOneEdit, kEmailExact };
enum AddressLevel : int8_t { kAddrElse, kAddrCity, kAddrPostcode, kAddrStreet5, kAddrStreet8, kAddrDwelling };
enum SimpleLevel : int8_t { kSimpleElse, kSimpleJw, kSimpleExact };

const std::array<ComparisonInfo, kComparisonCount>& Infos() {
  static const std::array<ComparisonInfo, kComparisonCount> infos = {{
      {"first_name", {"else", "initial", "jw_0.85", "jw_0.92_or_nickname", "exact", "swapped_with_surname"}, kFirstExact},
      // possible_marriage: two women, different surnames, but the same first
      // name, birth date, patronymic (when known) and a shared contact (phone,
      // email or street): a surname changed on marriage, as its own level so
      // the model can weigh it. Without the contact it is a namesake.
      {"last_name", {"else", "jw_0.85", "jw_0.92", "exact", "possible_marriage"}, kLastExact},
      {"middle_name", {"else", "initial", "jw_0.9", "exact"}, kMiddleExact},
      {"birth_date", {"else", "same_year", "one_digit_off", "day_month_swapped", "exact"}, -1},
      {"phone", {"else", "shared_landline", "one_digit_off", "exact"}, -1},
      // A typo in an address is one edit; addresses made of a name and digits
      // (davis.dylan99, davis.dylan37) also belong to namesakes, so
      // similar-but-more-than-one-edit counts as different.
      {"email", {"else", "one_edit", "exact"}, -1},
      // One comparison for where a person lives: the street, the postcode and
      // the city are one fact, and counting them separately would count a
      // household's shared address three times.
      {"address", {"else", "same_city", "same_postcode", "street_jaccard_0.5", "street_jaccard_0.8", "same_dwelling"}, -1},
      {"doc_id", {"else", "jw_0.9", "exact"}, -1},
      // Relatives at one address share a surname in its male and female
      // forms (Комиссаров, Комиссарова): gender tells them apart.
      {"gender", {"different", "same"}, -1},
  }};
  return infos;
}

// Jaro-Winkler for the pairs of one string column, through the kernel table.
class JwBatch {
 public:
  JwBatch(const StringColumn& col, const kernels::KernelTable& k) : col_(col), k_(k) {}
  void Add(uint32_t a, uint32_t b) {
    left_.push_back(a);
    right_.push_back(b);
  }
  // Runs the kernel; result(i) is the similarity of the i-th added pair.
  void Run() {
    counts_.resize(left_.size());
    if (!left_.empty()) {
      k_.jaro_pairs(col_.bytes().data(), col_.offsets().data(), left_.data(), right_.data(), left_.size(),
                    counts_.data());
    }
  }
  double result(size_t i) const { return kernels::JaroWinkler(counts_[i]); }

 private:
  const StringColumn& col_;
  const kernels::KernelTable& k_;
  std::vector<uint32_t> left_, right_;
  std::vector<kernels::JaroCounts> counts_;
};

bool IsNickname(std::string_view a, std::string_view b) {
  // Keys are ASCII; the dictionary is folded Cyrillic/English. Compare via the
  // dictionary's own keys: a diminutive of one is the other, or both share a
  // full form.
  // Looked up by string_view: no allocation per pair.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  static const auto* index = [] {
    auto* m = new std::unordered_map<std::string, std::vector<std::string>, Hash, std::equal_to<>>;
    for (const auto& d : Diminutives()) {
      std::string full = AsciiKeyOfFolded(d.full), dim = AsciiKeyOfFolded(d.diminutive);
      (*m)[dim].push_back(full);
      (*m)[full].push_back(full);
    }
    return m;
  }();
  auto fa = index->find(a);
  if (fa == index->end()) return false;
  auto fb = index->find(b);
  if (fa == index->end() || fb == index->end()) return false;
  for (const auto& x : fa->second) {
    if (std::find(fb->second.begin(), fb->second.end(), x) != fb->second.end()) return true;
  }
  return false;
}

int8_t DateLevelOf(int32_t a, int32_t b) {
  if (a == 0 || b == 0) return kNull;
  if (a == b) return kDateExact;
  int ya = a / 10000, ma = a / 100 % 100, da = a % 100;
  int yb = b / 10000, mb = b / 100 % 100, db = b % 100;
  if (ya == yb && ma == db && da == mb) return kDateSwapped;
  // One digit off in the eight digits yyyymmdd.
  int diff = 0;
  for (int32_t x = a, y = b, i = 0; i < 8; ++i, x /= 10, y /= 10) diff += (x % 10) != (y % 10);
  if (diff == 1) return kDateOneDigit;
  if (ya == yb) return kDateYear;
  return kDateElse;
}

bool OneDigitOff(uint64_t a, uint64_t b) {
  int diff = 0, len_a = 0, len_b = 0;
  for (uint64_t x = a; x; x /= 10) ++len_a;
  for (uint64_t y = b; y; y /= 10) ++len_b;
  if (len_a != len_b) return false;
  for (; a || b; a /= 10, b /= 10) diff += (a % 10) != (b % 10);
  return diff == 1;
}

// True when a and b differ by one substitution, insertion, deletion or
// transposition of neighbours.
bool WithinOneEdit(std::string_view a, std::string_view b) {
  if (a.size() > b.size()) std::swap(a, b);
  if (b.size() - a.size() > 1) return false;
  size_t i = 0;
  while (i < a.size() && a[i] == b[i]) ++i;
  if (i == a.size()) return true;  // b has one more character at the end (or equal)
  if (a.size() == b.size()) {
    if (a.substr(i + 1) == b.substr(i + 1)) return true;  // substitution
    return i + 1 < a.size() && a[i] == b[i + 1] && a[i + 1] == b[i] && a.substr(i + 2) == b.substr(i + 2);
  }
  return a.substr(i) == b.substr(i + 1);  // insertion in b
}

double Jaccard(std::span<const uint64_t> a, std::span<const uint64_t> b) {
  size_t i = 0, j = 0, common = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] == b[j]) ++common, ++i, ++j;
    else if (a[i] < b[j]) ++i;
    else ++j;
  }
  size_t uni = a.size() + b.size() - common;
  return uni == 0 ? 0.0 : static_cast<double>(common) / uni;
}

// Where two records live, as one level: a shared dwelling, a similar street in
// the same place, the same postcode, the same city, or none of these. A street
// in a different city or postcode area is a different street. `cities_alike`:
// both cities are known and equal, or Jaro-Winkler close (the caller runs
// those comparisons in batches through the kernels).
int8_t AddressLevelOf(const MatchTable& t, uint32_t a, uint32_t b, bool cities_alike) {
  auto ta = t.address_tokens.Get(a), tb = t.address_tokens.Get(b);
  std::string_view pa = t.postcode.Get(a), pb = t.postcode.Get(b), ca = t.city.Get(a), cb = t.city.Get(b);
  bool known_a = !ta.empty() || !pa.empty() || !ca.empty(), known_b = !tb.empty() || !pb.empty() || !cb.empty();
  if (!known_a || !known_b) return kNull;
  std::string_view da = t.dwelling.Get(a), db = t.dwelling.Get(b);
  if (!da.empty() && da == db) return kAddrDwelling;
  bool same_city = cities_alike;
  bool city_conflict = !ca.empty() && !cb.empty() && !same_city;
  bool same_postcode = !pa.empty() && pa == pb;
  bool postcode_conflict = !pa.empty() && !pb.empty() && pa.substr(0, 3) != pb.substr(0, 3);
  if (!ta.empty() && !tb.empty() && !city_conflict && !postcode_conflict) {
    double j = Jaccard(ta, tb);
    if (j >= 0.8) return kAddrStreet8;
    if (j >= 0.5) return kAddrStreet5;
  }
  if (same_postcode) return kAddrPostcode;
  if (same_city) return kAddrCity;
  return kAddrElse;
}

}  // namespace

const ComparisonInfo& InfoOf(Comparison c) { return Infos()[static_cast<size_t>(c)]; }

std::string_view LevelName(Comparison c, int8_t level) {
  if (level == kNull) return "null";
  const auto& levels = InfoOf(c).levels;
  return level >= 0 && static_cast<size_t>(level) < levels.size() ? levels[level] : "?";
}

void ComputeLevels(const MatchTable& t, std::span<const std::pair<uint32_t, uint32_t>> pairs,
                   const kernels::KernelTable& k, PairLevels* out) {
  const size_t n = pairs.size();
  for (auto& v : out->levels) v.assign(n, kNull);
  auto& first = out->levels[static_cast<size_t>(Comparison::kFirstName)];
  auto& last = out->levels[static_cast<size_t>(Comparison::kLastName)];
  auto& middle = out->levels[static_cast<size_t>(Comparison::kMiddleName)];
  auto& date = out->levels[static_cast<size_t>(Comparison::kBirthDate)];
  auto& phone = out->levels[static_cast<size_t>(Comparison::kPhone)];
  auto& email = out->levels[static_cast<size_t>(Comparison::kEmail)];
  auto& address = out->levels[static_cast<size_t>(Comparison::kAddress)];
  auto& doc = out->levels[static_cast<size_t>(Comparison::kDocId)];
  auto& gender = out->levels[static_cast<size_t>(Comparison::kGender)];

  // Names, cities and document ids: exact and null first, then Jaro-Winkler in
  // batches for the rest.
  JwBatch jw_first(t.first, k), jw_last(t.last, k), jw_middle(t.middle, k), jw_doc(t.doc_id, k), jw_city(t.city, k);
  std::vector<uint32_t> need_first, need_last, need_middle, need_doc, need_city;
  for (size_t p = 0; p < n; ++p) {
    auto [a, b] = pairs[p];
    std::string_view fa = t.first.Get(a), fb = t.first.Get(b), la = t.last.Get(a), lb = t.last.Get(b);
    // Given name and surname swapped (a classic in hand-keyed data).
    if (!fa.empty() && !la.empty() && fa != la && fa == lb && la == fb) {
      first[p] = kFirstSwapped;
      last[p] = kNull;
    } else {
      if (!fa.empty() && !fb.empty()) {
        if (fa == fb) first[p] = kFirstExact;
        else if (t.first_initial[a] || t.first_initial[b]) first[p] = fa[0] == fb[0] ? kFirstInitial : kFirstElse;
        else if (IsNickname(fa, fb)) first[p] = kFirstJwHighOrNickname;
        else need_first.push_back(static_cast<uint32_t>(p)), jw_first.Add(a, b);
      }
      if (!la.empty() && !lb.empty()) {
        if (la == lb) last[p] = kLastExact;
        else need_last.push_back(static_cast<uint32_t>(p)), jw_last.Add(a, b);
      }
    }
    std::string_view ma = t.middle.Get(a), mb = t.middle.Get(b);
    if (!ma.empty() && !mb.empty()) {
      if (ma == mb) middle[p] = kMiddleExact;
      else if (t.middle_initial[a] || t.middle_initial[b]) middle[p] = ma[0] == mb[0] ? kMiddleInitial : kMiddleElse;
      else need_middle.push_back(static_cast<uint32_t>(p)), jw_middle.Add(a, b);
    }
    date[p] = DateLevelOf(t.birth_date[a], t.birth_date[b]);
    if (t.gender[a] != 0 && t.gender[b] != 0) gender[p] = t.gender[a] == t.gender[b] ? 1 : 0;

    auto pa = t.phones.Get(a), pb = t.phones.Get(b), la_ = t.landlines.Get(a), lb_ = t.landlines.Get(b);
    if ((!pa.empty() || !la_.empty()) && (!pb.empty() || !lb_.empty())) {
      int8_t level = kPhoneElse;
      for (uint64_t x : pa) {
        for (uint64_t y : pb) {
          if (x == y) level = kPhoneExact;
          else if (level < kPhoneOneDigit && OneDigitOff(x, y)) level = kPhoneOneDigit;
        }
      }
      if (level == kPhoneElse) {
        for (uint64_t x : la_) {
          for (uint64_t y : lb_) {
            if (x == y) level = kPhoneLandline;
          }
        }
      }
      phone[p] = level;
    }

    std::string_view ea = t.emails.Get(a), eb = t.emails.Get(b);
    if (!ea.empty() && !eb.empty()) {
      int8_t level = kEmailElse;
      if (!t.several_emails[a] && !t.several_emails[b]) {  // the usual case: one each, no splitting
        if (ea == eb) level = kEmailExact;
        else if (ea.size() >= 6 && WithinOneEdit(ea, eb)) level = kEmailOneEdit;
      } else {
        for (auto x : t.Emails(a)) {
          for (auto y : t.Emails(b)) {
            if (x == y) level = kEmailExact;
            else if (level < kEmailOneEdit && x.size() >= 6 && WithinOneEdit(x, y)) level = kEmailOneEdit;
          }
        }
      }
      email[p] = level;
    }

    std::string_view ca = t.city.Get(a), cb = t.city.Get(b);
    if (!ca.empty() && !cb.empty() && ca != cb) {
      need_city.push_back(static_cast<uint32_t>(p)), jw_city.Add(a, b);
    } else {
      address[p] = AddressLevelOf(t, a, b, !ca.empty() && ca == cb);
    }
    std::string_view doca = t.doc_id.Get(a), docb = t.doc_id.Get(b);
    if (!doca.empty() && !docb.empty()) {
      if (doca == docb) doc[p] = kSimpleExact;
      else need_doc.push_back(static_cast<uint32_t>(p)), jw_doc.Add(a, b);
    }
  }
  jw_first.Run();
  for (size_t i = 0; i < need_first.size(); ++i) {
    double s = jw_first.result(i);
    first[need_first[i]] = s >= kJwHigh ? kFirstJwHighOrNickname : s >= kJwLow ? kFirstJwLow : kFirstElse;
  }
  jw_last.Run();
  for (size_t i = 0; i < need_last.size(); ++i) {
    double s = jw_last.result(i);
    last[need_last[i]] = s >= kJwHigh ? kLastJwHigh : s >= kJwLow ? kLastJwLow : kLastElse;
  }
  jw_middle.Run();
  for (size_t i = 0; i < need_middle.size(); ++i) {
    middle[need_middle[i]] = jw_middle.result(i) >= kJwField ? kMiddleJw : kMiddleElse;
  }
  jw_city.Run();
  for (size_t i = 0; i < need_city.size(); ++i) {
    auto [a, b] = pairs[need_city[i]];
    address[need_city[i]] = AddressLevelOf(t, a, b, jw_city.result(i) >= kJwField);
  }
  // Needs the address level: after the city batch.
  for (size_t p = 0; p < n; ++p) {
    auto [a, b] = pairs[p];
    if (last[p] == kLastElse && t.gender[a] == 2 && t.gender[b] == 2 &&
        (first[p] == kFirstExact || first[p] == kFirstJwHighOrNickname) && date[p] == kDateExact &&
        (middle[p] == kNull || middle[p] == kMiddleExact) &&
        (phone[p] >= kPhoneOneDigit || email[p] >= kEmailOneEdit || address[p] >= kAddrStreet5)) {
      last[p] = kLastMarriage;
    }
  }
  jw_doc.Run();
  for (size_t i = 0; i < need_doc.size(); ++i) doc[need_doc[i]] = jw_doc.result(i) >= kJwField ? kSimpleJw : kSimpleElse;
}

void ComputeLevelsParallel(const MatchTable& t, std::span<const std::pair<uint32_t, uint32_t>> pairs,
                           const kernels::KernelTable& k, int threads, PairLevels* out) {
  for (auto& v : out->levels) v.assign(pairs.size(), kNull);
  // Each thread walks its range a slice at a time: ComputeLevels' work
  // lists and Jaro-Winkler batches then stay small (over a whole half of
  // 22 M pairs they held 1.2 GB more than the levels themselves) and the
  // records a slice touches stay in cache.
  constexpr size_t kSlice = size_t{1} << 16;
  ParallelFor(pairs.size(), ResolveThreads(threads), 4096, [&](size_t b, size_t e) {
    PairLevels part;
    for (size_t from = b; from < e; from += kSlice) {
      const size_t to = std::min(e, from + kSlice);
      ComputeLevels(t, pairs.subspan(from, to - from), k, &part);
      for (size_t c = 0; c < kComparisonCount; ++c) {
        std::copy(part.levels[c].begin(), part.levels[c].end(), out->levels[c].begin() + from);
      }
    }
  });
}

uint64_t LevelPattern(const PairLevels& levels, size_t k) {
  static_assert(kComparisonCount * 4 <= 64);
  uint64_t key = 0;
  for (size_t c = 0; c < kComparisonCount; ++c) {
    const int8_t l = levels.levels[c][k];
    key |= static_cast<uint64_t>(l == kNull ? 15 : l) << (4 * c);
  }
  return key;
}

}  // namespace doppel::core
