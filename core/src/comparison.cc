#include "doppel/core/comparison.h"

#include <algorithm>
#include <string>

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
  // Numbers one digit apart differ by d * 10^k with d < 10: most pairs fail
  // that at once, without the digit loops below.
  uint64_t delta = a > b ? a - b : b - a;
  while (delta % 10 == 0 && delta != 0) delta /= 10;
  if (delta >= 10) return false;
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
int8_t AddressLevelOf(const MatchTable& t, uint32_t a, uint32_t b, const CompareRow& ra, const CompareRow& rb,
                      bool cities_alike) {
  const bool tokens_a = ra.flags & kHasAddressTokens, tokens_b = rb.flags & kHasAddressTokens;
  const bool known_a = tokens_a || ra.postcode != 0 || ra.city != 0, known_b = tokens_b || rb.postcode != 0 || rb.city != 0;
  if (!known_a || !known_b) return kNull;
  if (ra.dwelling != 0 && ra.dwelling == rb.dwelling) return kAddrDwelling;
  const bool same_city = cities_alike;
  const bool city_conflict = ra.city != 0 && rb.city != 0 && !same_city;
  const bool same_postcode = ra.postcode != 0 && ra.postcode == rb.postcode;
  // Postcodes of one area share their first three characters.
  const bool postcode_conflict = ra.postcode != 0 && rb.postcode != 0 && ra.postcode3 != rb.postcode3;
  if (tokens_a && tokens_b && !city_conflict && !postcode_conflict) {
    const double j = Jaccard(t.address_tokens.Get(a), t.address_tokens.Get(b));
    if (j >= 0.8) return kAddrStreet8;
    if (j >= 0.5) return kAddrStreet5;
  }
  if (same_postcode) return kAddrPostcode;
  if (same_city) return kAddrCity;
  return kAddrElse;
}

// A record's personal numbers: from its row, or the table when they do not fit.
std::span<const uint64_t> PhonesOf(const MatchTable& t, uint32_t i, const CompareRow& r) {
  if (r.flags & kMorePhones) return t.phones.Get(i);
  return std::span<const uint64_t>(r.phones, r.phones[1] != 0 ? 2 : r.phones[0] != 0 ? 1 : 0);
}

// Whether the one-edit test can hold for emails of these lengths (255 stands
// for any length from 255 up).
bool LengthsWithinOne(uint8_t a, uint8_t b) { return a == 255 || b == 255 || (a > b ? a - b : b - a) <= 1; }

}  // namespace

const ComparisonInfo& InfoOf(Comparison c) { return Infos()[static_cast<size_t>(c)]; }

std::string_view LevelName(Comparison c, int8_t level) {
  if (level == kNull) return "null";
  const auto& levels = InfoOf(c).levels;
  return level >= 0 && static_cast<size_t>(level) < levels.size() ? levels[level] : "?";
}

void ComputeLevels(const CompareIndex& x, std::span<const std::pair<uint32_t, uint32_t>> pairs,
                   const kernels::KernelTable& k, PairLevels* out) {
  const MatchTable& t = x.table();
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

  // Everything the rows answer first (equality through interned ids, dates,
  // phones, emails, addresses); Jaro-Winkler in batches for the rest.
  JwBatch jw_first(t.first, k), jw_last(t.last, k), jw_middle(t.middle, k), jw_doc(t.doc_id, k), jw_city(t.city, k);
  std::vector<uint32_t> need_first, need_last, need_middle, need_doc, need_city;
  // The second record of a pair is anywhere in the table: its row is
  // fetched this many pairs ahead, and its address tokens and email (most
  // pairs read them) in two stages: their offsets twice as far ahead, then
  // the values the offsets point at.
  constexpr size_t kAhead = 12;
  const ListColumn<uint64_t>& tokens = t.address_tokens;
  for (size_t p = 0; p < n; ++p) {
    if (p + 2 * kAhead < n) {
      const uint32_t far = pairs[p + 2 * kAhead].second;
      __builtin_prefetch(tokens.offsets.data() + far);
      t.emails.PrefetchOffsets(far);
    }
    if (p + kAhead < n) {
      const uint32_t near = pairs[p + kAhead].second;
      x.Prefetch(near);
      __builtin_prefetch(tokens.values.data() + tokens.offsets[near]);
      t.emails.PrefetchBytes(near);
    }
    const auto [a, b] = pairs[p];
    const CompareRow& ra = x.Row(a);
    const CompareRow& rb = x.Row(b);
    // Given name and surname swapped (a classic in hand-keyed data).
    if (ra.first != 0 && ra.last != 0 && ra.first != ra.last && ra.first == rb.last && ra.last == rb.first) {
      first[p] = kFirstSwapped;
      last[p] = kNull;
    } else {
      if (ra.first != 0 && rb.first != 0) {
        if (ra.first == rb.first) first[p] = kFirstExact;
        else if ((ra.flags | rb.flags) & kFirstIsInitial) first[p] = ra.first_char == rb.first_char ? kFirstInitial : kFirstElse;
        else if (CompareIndex::Nicknames(ra.nickname, rb.nickname)) first[p] = kFirstJwHighOrNickname;
        else need_first.push_back(static_cast<uint32_t>(p)), jw_first.Add(a, b);
      }
      if (ra.last != 0 && rb.last != 0) {
        if (ra.last == rb.last) last[p] = kLastExact;
        else need_last.push_back(static_cast<uint32_t>(p)), jw_last.Add(a, b);
      }
    }
    if (ra.middle != 0 && rb.middle != 0) {
      if (ra.middle == rb.middle) middle[p] = kMiddleExact;
      else if ((ra.flags | rb.flags) & kMiddleIsInitial) middle[p] = ra.middle_char == rb.middle_char ? kMiddleInitial : kMiddleElse;
      else need_middle.push_back(static_cast<uint32_t>(p)), jw_middle.Add(a, b);
    }
    date[p] = DateLevelOf(ra.birth_date, rb.birth_date);
    if (ra.gender != 0 && rb.gender != 0) gender[p] = ra.gender == rb.gender ? 1 : 0;

    const auto pa = PhonesOf(t, a, ra), pb = PhonesOf(t, b, rb);
    const bool land_a = ra.flags & kHasLandlines, land_b = rb.flags & kHasLandlines;
    if ((!pa.empty() || land_a) && (!pb.empty() || land_b)) {
      int8_t level = kPhoneElse;
      for (uint64_t u : pa) {
        for (uint64_t v : pb) {
          if (u == v) level = kPhoneExact;
          else if (level < kPhoneOneDigit && OneDigitOff(u, v)) level = kPhoneOneDigit;
        }
      }
      if (level == kPhoneElse && land_a && land_b) {
        for (uint64_t u : t.landlines.Get(a)) {
          for (uint64_t v : t.landlines.Get(b)) {
            if (u == v) level = kPhoneLandline;
          }
        }
      }
      phone[p] = level;
    }

    if (ra.email != 0 && rb.email != 0) {
      int8_t level = kEmailElse;
      if (!((ra.flags | rb.flags) & kSeveralEmails)) {  // the usual case: one each, no splitting
        if (ra.email == rb.email) level = kEmailExact;
        else if (ra.email_len >= 6 && LengthsWithinOne(ra.email_len, rb.email_len) &&
                 WithinOneEdit(t.emails.Get(a), t.emails.Get(b))) {
          level = kEmailOneEdit;
        }
      } else {
        for (auto u : t.Emails(a)) {
          for (auto v : t.Emails(b)) {
            if (u == v) level = kEmailExact;
            else if (level < kEmailOneEdit && u.size() >= 6 && WithinOneEdit(u, v)) level = kEmailOneEdit;
          }
        }
      }
      email[p] = level;
    }

    if (ra.city != 0 && rb.city != 0 && ra.city != rb.city) {
      need_city.push_back(static_cast<uint32_t>(p)), jw_city.Add(a, b);
    } else {
      address[p] = AddressLevelOf(t, a, b, ra, rb, ra.city != 0 && ra.city == rb.city);
    }
    if (ra.doc != 0 && rb.doc != 0) {
      if (ra.doc == rb.doc) doc[p] = kSimpleExact;
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
    address[need_city[i]] = AddressLevelOf(t, a, b, x.Row(a), x.Row(b), jw_city.result(i) >= kJwField);
  }
  // Needs the address level: after the city batch.
  for (size_t p = 0; p < n; ++p) {
    if (last[p] != kLastElse) continue;
    auto [a, b] = pairs[p];
    if (x.Row(a).gender == 2 && x.Row(b).gender == 2 &&
        (first[p] == kFirstExact || first[p] == kFirstJwHighOrNickname) && date[p] == kDateExact &&
        (middle[p] == kNull || middle[p] == kMiddleExact) &&
        (phone[p] >= kPhoneOneDigit || email[p] >= kEmailOneEdit || address[p] >= kAddrStreet5)) {
      last[p] = kLastMarriage;
    }
  }
  jw_doc.Run();
  for (size_t i = 0; i < need_doc.size(); ++i) doc[need_doc[i]] = jw_doc.result(i) >= kJwField ? kSimpleJw : kSimpleElse;
}

void ComputeLevels(const MatchTable& t, std::span<const std::pair<uint32_t, uint32_t>> pairs,
                   const kernels::KernelTable& k, PairLevels* out) {
  ComputeLevels(CompareIndex::For(t, pairs, k), pairs, k, out);
}

void ComputeLevelsParallel(const CompareIndex& x, std::span<const std::pair<uint32_t, uint32_t>> pairs,
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
      ComputeLevels(x, pairs.subspan(from, to - from), k, &part);
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
