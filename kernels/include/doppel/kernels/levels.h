// Comparison levels of a candidate pair and its match weight: the one
// definition every backend runs.
//
// A pair of records becomes one level per comparison (0 = disagree, higher =
// the named kinds of agreement, kNull when either side lacks the field).
// The logic lives here, as DOPPEL_HD functions over raw arrays, so that the
// host (core/src/comparison.cc, which batches the Jaro-Winkler work through
// the SIMD kernels) and the device (cuda/thrust_pipeline.h, one pair per
// thread) run the same code and cannot drift apart. The level names and the
// rest of what a comparison means are in core/comparison.h.
//
// The records come as a LevelInputs: each record's CompareRow (one cache
// line of interned ids, dates, the first phones and flags; see
// core/compare_index.h) and the columns the rows point into for what does
// not fit (the strings Jaro-Winkler reads, emails, address tokens, the full
// phone and landline lists, the nickname dictionary).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "doppel/kernels/hd.h"
#include "doppel/kernels/jaro.h"

namespace doppel::kernels {

enum class Comparison : uint8_t {
  kFirstName, kLastName, kMiddleName, kBirthDate, kPhone, kEmail, kAddress, kDocId, kGender, kCount
};
inline constexpr size_t kComparisonCount = static_cast<size_t>(Comparison::kCount);
inline constexpr int8_t kNull = -1;

// Jaro-Winkler thresholds of the name levels and of the other string fields.
inline constexpr double kJwHigh = 0.92, kJwLow = 0.85, kJwField = 0.9;

namespace levels {
enum FirstLevel : int8_t { kFirstElse, kFirstInitial, kFirstJwLow, kFirstJwHighOrNickname, kFirstExact, kFirstSwapped };
enum LastLevel : int8_t { kLastElse, kLastJwLow, kLastJwHigh, kLastExact, kLastMarriage };
enum MiddleLevel : int8_t { kMiddleElse, kMiddleInitial, kMiddleJw, kMiddleExact };
enum DateLevel : int8_t { kDateElse, kDateYear, kDateOneDigit, kDateSwapped, kDateExact };
enum PhoneLevel : int8_t { kPhoneElse, kPhoneLandline, kPhoneOneDigit, kPhoneExact };
enum EmailLevel : int8_t { kEmailElse, kEmailOneEdit, kEmailExact };
enum AddressLevel : int8_t { kAddrElse, kAddrCity, kAddrPostcode, kAddrStreet5, kAddrStreet8, kAddrDwelling };
enum SimpleLevel : int8_t { kSimpleElse, kSimpleJw, kSimpleExact };
}  // namespace levels

enum CompareFlag : uint8_t {
  kFirstIsInitial = 1,
  kMiddleIsInitial = 2,
  kSeveralEmails = 4,      // the emails are a '\n'-joined list: compare them from the columns
  kMorePhones = 8,         // phones[] does not hold all personal numbers: read the phone list
  kHasLandlines = 16,
  kHasAddressTokens = 32,
};

// What the comparisons read of one record first, in one cache line.
struct alignas(64) CompareRow {
  // Interned ids, 0 when the field is empty. First and last names share one
  // id space: a given name and surname swapped compare across the columns.
  uint32_t first = 0, last = 0, middle = 0, email = 0, city = 0, postcode = 0, dwelling = 0, doc = 0;
  int32_t birth_date = 0;   // yyyymmdd, 0 when unknown
  uint32_t postcode3 = 0;   // the postcode's first bytes (up to 3) and how many, in the top byte
  uint16_t nickname = 0;    // the first name's entry in the nickname dictionary, 0 when none
  char first_char = 0, middle_char = 0;
  uint8_t gender = 0, flags = 0;
  uint8_t email_len = 0;    // bytes of the (joined) emails, 255 meaning 255 or more
  uint8_t reserved = 0;
  uint64_t phones[2] = {0, 0};  // the first two personal numbers (0 = none); all of them unless kMorePhones
};
static_assert(sizeof(CompareRow) == 64, "one cache line per record");

// A string column: string i is bytes[offsets[i], offsets[i + 1]).
struct StringsRef {
  const char* bytes = nullptr;
  const uint64_t* offsets = nullptr;
  DOPPEL_HD const unsigned char* data(uint32_t i) const {
    return reinterpret_cast<const unsigned char*>(bytes) + offsets[i];
  }
  DOPPEL_HD uint64_t size(uint32_t i) const { return offsets[i + 1] - offsets[i]; }
};

// A list column: the values of record i are values[offsets[i], offsets[i + 1]).
template <class T>
struct ListRef {
  const T* values = nullptr;
  const uint32_t* offsets = nullptr;
  DOPPEL_HD const T* begin(uint32_t i) const { return values + offsets[i]; }
  DOPPEL_HD const T* end(uint32_t i) const { return values + offsets[i + 1]; }
};

// Everything the levels read, indexed by record (the rows by whatever the
// caller passes: the functions below take the two rows as arguments).
struct LevelInputs {
  StringsRef first, last, middle, doc, city;  // ASCII keys
  StringsRef emails;                          // canonical keys joined by '\n'
  ListRef<uint64_t> tokens;                   // address token hashes, sorted, unique
  ListRef<uint64_t> phones, landlines;
  ListRef<uint16_t> nicknames;                // entry e (1-based) lists its full forms, sorted
  uint32_t nickname_entries = 0;              // entries in the dictionary (for copies of it)
};

// Which Jaro-Winkler comparisons a pair still needs after LevelsBeforeJw.
enum JwNeed : uint8_t { kNeedFirst = 1, kNeedLast = 2, kNeedMiddle = 4, kNeedCity = 8, kNeedDoc = 16 };

namespace levels {

DOPPEL_HD inline int8_t DateLevelOf(int32_t a, int32_t b) {
  if (a == 0 || b == 0) return kNull;
  if (a == b) return kDateExact;
  const int ya = a / 10000, ma = a / 100 % 100, da = a % 100;
  const int yb = b / 10000, mb = b / 100 % 100, db = b % 100;
  if (ya == yb && ma == db && da == mb) return kDateSwapped;
  // One digit off in the eight digits yyyymmdd.
  int diff = 0;
  for (int32_t x = a, y = b, i = 0; i < 8; ++i, x /= 10, y /= 10) diff += (x % 10) != (y % 10);
  if (diff == 1) return kDateOneDigit;
  if (ya == yb) return kDateYear;
  return kDateElse;
}

DOPPEL_HD inline bool OneDigitOff(uint64_t a, uint64_t b) {
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

DOPPEL_HD inline bool BytesEqual(const unsigned char* a, const unsigned char* b, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// True when a and b differ by one substitution, insertion, deletion or
// transposition of neighbours.
DOPPEL_HD inline bool WithinOneEdit(const unsigned char* a, size_t la, const unsigned char* b, size_t lb) {
  if (la > lb) {
    const unsigned char* t = a;
    a = b, b = t;
    const size_t n = la;
    la = lb, lb = n;
  }
  if (lb - la > 1) return false;
  size_t i = 0;
  while (i < la && a[i] == b[i]) ++i;
  if (i == la) return true;  // b has one more character at the end (or equal)
  if (la == lb) {
    if (BytesEqual(a + i + 1, b + i + 1, la - i - 1)) return true;  // substitution
    return i + 1 < la && a[i] == b[i + 1] && a[i + 1] == b[i] && BytesEqual(a + i + 2, b + i + 2, la - i - 2);
  }
  return BytesEqual(a + i, b + i + 1, la - i);  // insertion in b
}

DOPPEL_HD inline double Jaccard(const uint64_t* a, const uint64_t* a_end, const uint64_t* b, const uint64_t* b_end) {
  const size_t na = a_end - a, nb = b_end - b;
  size_t common = 0;
  while (a != a_end && b != b_end) {
    if (*a == *b) ++common, ++a, ++b;
    else if (*a < *b) ++a;
    else ++b;
  }
  const size_t uni = na + nb - common;
  return uni == 0 ? 0.0 : static_cast<double>(common) / uni;
}

// Whether two first names are nicknames of one full name (or one is the
// other's): their dictionary entries share a full form.
DOPPEL_HD inline bool Nicknames(const ListRef<uint16_t>& dictionary, uint16_t a, uint16_t b) {
  if (a == 0 || b == 0) return false;
  const uint16_t *x = dictionary.begin(a - 1u), *x_end = dictionary.end(a - 1u);
  const uint16_t *y = dictionary.begin(b - 1u), *y_end = dictionary.end(b - 1u);
  while (x != x_end && y != y_end) {
    if (*x == *y) return true;
    if (*x < *y) ++x;
    else ++y;
  }
  return false;
}

// Where two records live, as one level: a shared dwelling, a similar street in
// the same place, the same postcode, the same city, or none of these. A street
// in a different city or postcode area is a different street. `cities_alike`:
// both cities are known and equal, or Jaro-Winkler close.
DOPPEL_HD inline int8_t AddressLevelOf(const LevelInputs& in, uint32_t a, uint32_t b, const CompareRow& ra,
                                       const CompareRow& rb, bool cities_alike) {
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
    const double j = Jaccard(in.tokens.begin(a), in.tokens.end(a), in.tokens.begin(b), in.tokens.end(b));
    if (j >= 0.8) return kAddrStreet8;
    if (j >= 0.5) return kAddrStreet5;
  }
  if (same_postcode) return kAddrPostcode;
  if (same_city) return kAddrCity;
  return kAddrElse;
}

// A record's personal numbers: from its row, or the list when they do not fit.
DOPPEL_HD inline void PhonesOf(const LevelInputs& in, uint32_t i, const CompareRow& r, const uint64_t** begin,
                               const uint64_t** end) {
  if (r.flags & kMorePhones) {
    *begin = in.phones.begin(i), *end = in.phones.end(i);
  } else {
    *begin = r.phones, *end = r.phones + (r.phones[1] != 0 ? 2 : r.phones[0] != 0 ? 1 : 0);
  }
}

DOPPEL_HD inline int8_t PhoneLevelOf(const LevelInputs& in, uint32_t a, uint32_t b, const CompareRow& ra,
                                     const CompareRow& rb) {
  const uint64_t *pa, *pa_end, *pb, *pb_end;
  PhonesOf(in, a, ra, &pa, &pa_end);
  PhonesOf(in, b, rb, &pb, &pb_end);
  const bool land_a = ra.flags & kHasLandlines, land_b = rb.flags & kHasLandlines;
  if (!((pa != pa_end || land_a) && (pb != pb_end || land_b))) return kNull;
  int8_t level = kPhoneElse;
  for (const uint64_t* u = pa; u != pa_end; ++u) {
    for (const uint64_t* v = pb; v != pb_end; ++v) {
      if (*u == *v) level = kPhoneExact;
      else if (level < kPhoneOneDigit && OneDigitOff(*u, *v)) level = kPhoneOneDigit;
    }
  }
  if (level == kPhoneElse && land_a && land_b) {
    for (const uint64_t* u = in.landlines.begin(a); u != in.landlines.end(a); ++u) {
      for (const uint64_t* v = in.landlines.begin(b); v != in.landlines.end(b); ++v) {
        if (*u == *v) level = kPhoneLandline;
      }
    }
  }
  return level;
}

// Whether the one-edit test can hold for emails of these lengths (255 stands
// for any length from 255 up).
DOPPEL_HD inline bool LengthsWithinOne(uint8_t a, uint8_t b) { return a == 255 || b == 255 || (a > b ? a - b : b - a) <= 1; }

// The parts of a '\n'-joined list, as core's JoinedList reads them: a
// trailing '\n' ends the list without adding an empty part.
struct JoinedParts {
  const unsigned char* p;
  size_t size, at = 0;
  bool done;
  DOPPEL_HD JoinedParts(const unsigned char* bytes, size_t n) : p(bytes), size(n), done(n == 0) {}
  // The next part as [*begin, *begin + *len); false when there is none.
  DOPPEL_HD bool Next(const unsigned char** begin, size_t* len) {
    if (done) return false;
    size_t end = at;
    while (end < size && p[end] != '\n') ++end;
    *begin = p + at, *len = end - at;
    if (end >= size || end + 1 == size) done = true;
    at = end + 1;
    return true;
  }
};

DOPPEL_HD inline int8_t EmailLevelOf(const LevelInputs& in, uint32_t a, uint32_t b, const CompareRow& ra,
                                     const CompareRow& rb) {
  if (ra.email == 0 || rb.email == 0) return kNull;
  int8_t level = kEmailElse;
  if (!((ra.flags | rb.flags) & kSeveralEmails)) {  // the usual case: one each, no splitting
    if (ra.email == rb.email) level = kEmailExact;
    else if (ra.email_len >= 6 && LengthsWithinOne(ra.email_len, rb.email_len) &&
             WithinOneEdit(in.emails.data(a), in.emails.size(a), in.emails.data(b), in.emails.size(b))) {
      level = kEmailOneEdit;
    }
    return level;
  }
  JoinedParts us(in.emails.data(a), in.emails.size(a));
  const unsigned char* u;
  size_t lu;
  while (us.Next(&u, &lu)) {
    JoinedParts vs(in.emails.data(b), in.emails.size(b));
    const unsigned char* v;
    size_t lv;
    while (vs.Next(&v, &lv)) {
      if (lu == lv && BytesEqual(u, v, lu)) level = kEmailExact;
      else if (level < kEmailOneEdit && lu >= 6 && WithinOneEdit(u, lu, v, lv)) level = kEmailOneEdit;
    }
  }
  return level;
}

// Jaro-Winkler of string i of one column against string j of another.
DOPPEL_HD inline double CrossJaroWinkler(const StringsRef& x, uint32_t i, const StringsRef& y, uint32_t j) {
  return JaroWinkler(JaroCountsBytes(x.data(i), x.size(i), y.data(j), y.size(j)));
}

// Given name and surname swapped, one of them with a typo: one crosses over
// exactly ("Alexa-Rose White" and "Whitbe Alexa-Rose") and the other at
// Jaro-Winkler kJwLow or more, while neither agrees in place and no name is
// an initial. One string comparison, only for pairs that share a name
// across the columns (few of them).
DOPPEL_HD inline bool SwappedWithTypo(const LevelInputs& in, uint32_t a, uint32_t b, const CompareRow& ra,
                                      const CompareRow& rb) {
  if (ra.first == 0 || ra.last == 0 || rb.first == 0 || rb.last == 0) return false;
  const bool first_last = ra.first == rb.last, last_first = ra.last == rb.first;
  if (first_last == last_first) return false;  // neither crosses, or both do (the exact swap)
  if (ra.first == rb.first || ra.last == rb.last || ra.first == ra.last || rb.first == rb.last) return false;
  if ((ra.flags | rb.flags) & kFirstIsInitial) return false;
  return first_last ? CrossJaroWinkler(in.last, a, in.first, b) >= kJwLow
                    : CrossJaroWinkler(in.first, a, in.last, b) >= kJwLow;
}

// Levels from Jaro-Winkler similarities.
DOPPEL_HD inline int8_t FirstLevelOfJw(double s) {
  return s >= kJwHigh ? kFirstJwHighOrNickname : s >= kJwLow ? kFirstJwLow : kFirstElse;
}
DOPPEL_HD inline int8_t LastLevelOfJw(double s) { return s >= kJwHigh ? kLastJwHigh : s >= kJwLow ? kLastJwLow : kLastElse; }
DOPPEL_HD inline int8_t MiddleLevelOfJw(double s) { return s >= kJwField ? kMiddleJw : kMiddleElse; }
DOPPEL_HD inline int8_t DocLevelOfJw(double s) { return s >= kJwField ? kSimpleJw : kSimpleElse; }

}  // namespace levels

// Every level a pair's rows and columns answer without Jaro-Winkler, into
// lv[kComparisonCount]; returns the JwNeed bits of the comparisons left to
// Jaro-Winkler (their levels, and the address level when the cities need
// it, are left kNull). The possible_marriage level comes after, from the
// finished levels (MarriageLevel).
DOPPEL_HD inline uint8_t LevelsBeforeJw(const LevelInputs& in, uint32_t a, uint32_t b, const CompareRow& ra,
                                        const CompareRow& rb, int8_t* lv) {
  using namespace levels;
  for (size_t c = 0; c < kComparisonCount; ++c) lv[c] = kNull;
  uint8_t need = 0;
  int8_t& first = lv[static_cast<size_t>(Comparison::kFirstName)];
  int8_t& last = lv[static_cast<size_t>(Comparison::kLastName)];
  int8_t& middle = lv[static_cast<size_t>(Comparison::kMiddleName)];
  // Given name and surname swapped (a classic in hand-keyed data), also
  // with a typo in one of them.
  if ((ra.first != 0 && ra.last != 0 && ra.first != ra.last && ra.first == rb.last && ra.last == rb.first) ||
      SwappedWithTypo(in, a, b, ra, rb)) {
    first = kFirstSwapped;
  } else {
    if (ra.first != 0 && rb.first != 0) {
      if (ra.first == rb.first) first = kFirstExact;
      else if ((ra.flags | rb.flags) & kFirstIsInitial) first = ra.first_char == rb.first_char ? kFirstInitial : kFirstElse;
      else if (Nicknames(in.nicknames, ra.nickname, rb.nickname)) first = kFirstJwHighOrNickname;
      else need |= kNeedFirst;
    }
    if (ra.last != 0 && rb.last != 0) {
      if (ra.last == rb.last) last = kLastExact;
      else need |= kNeedLast;
    }
  }
  if (ra.middle != 0 && rb.middle != 0) {
    if (ra.middle == rb.middle) middle = kMiddleExact;
    else if ((ra.flags | rb.flags) & kMiddleIsInitial) middle = ra.middle_char == rb.middle_char ? kMiddleInitial : kMiddleElse;
    else need |= kNeedMiddle;
  }
  lv[static_cast<size_t>(Comparison::kBirthDate)] = DateLevelOf(ra.birth_date, rb.birth_date);
  if (ra.gender != 0 && rb.gender != 0) lv[static_cast<size_t>(Comparison::kGender)] = ra.gender == rb.gender ? 1 : 0;
  lv[static_cast<size_t>(Comparison::kPhone)] = PhoneLevelOf(in, a, b, ra, rb);
  lv[static_cast<size_t>(Comparison::kEmail)] = EmailLevelOf(in, a, b, ra, rb);
  if (ra.city != 0 && rb.city != 0 && ra.city != rb.city) {
    need |= kNeedCity;
  } else {
    lv[static_cast<size_t>(Comparison::kAddress)] = AddressLevelOf(in, a, b, ra, rb, ra.city != 0 && ra.city == rb.city);
  }
  if (ra.doc != 0 && rb.doc != 0) {
    if (ra.doc == rb.doc) lv[static_cast<size_t>(Comparison::kDocId)] = kSimpleExact;
    else need |= kNeedDoc;
  }
  return need;
}

// The last-name level of a pair whose other levels are final: two women,
// different surnames, but the same first name, birth date, patronymic (when
// known) and a shared contact is possible_marriage; otherwise `last` as is.
DOPPEL_HD inline int8_t MarriageLevel(const CompareRow& ra, const CompareRow& rb, const int8_t* lv) {
  using namespace levels;
  const int8_t last = lv[static_cast<size_t>(Comparison::kLastName)];
  if (last != kLastElse) return last;
  const int8_t first = lv[static_cast<size_t>(Comparison::kFirstName)];
  const int8_t middle = lv[static_cast<size_t>(Comparison::kMiddleName)];
  // The levels first, the rows last: most pairs fail on the levels, and the
  // second record's row is a cache miss once the pair's other levels are done.
  if ((first == kFirstExact || first == kFirstJwHighOrNickname) &&
      lv[static_cast<size_t>(Comparison::kBirthDate)] == kDateExact && (middle == kNull || middle == kMiddleExact) &&
      (lv[static_cast<size_t>(Comparison::kPhone)] >= kPhoneOneDigit ||
       lv[static_cast<size_t>(Comparison::kEmail)] >= kEmailOneEdit ||
       lv[static_cast<size_t>(Comparison::kAddress)] >= kAddrStreet5) &&
      ra.gender == 2 && rb.gender == 2) {
    return kLastMarriage;
  }
  return last;
}

// The phone level of a pair whose first-name and birth-date levels are
// final: a number two records share while their first names and birth
// dates differ is a household's line (a spouse, a child, a parent), not
// evidence of one person, so it counts as a shared landline does (its weight
// capped). In the North American plan a number's type does not tell a home
// phone from a mobile; in any plan relatives share numbers.
DOPPEL_HD inline int8_t SharedPhoneLevel(const int8_t* lv) {
  using namespace levels;
  const int8_t phone = lv[static_cast<size_t>(Comparison::kPhone)];
  if (phone != kPhoneExact || lv[static_cast<size_t>(Comparison::kFirstName)] != kFirstElse) return phone;
  const int8_t dob = lv[static_cast<size_t>(Comparison::kBirthDate)];
  return dob == kNull || dob <= kDateYear ? static_cast<int8_t>(kPhoneLandline) : phone;
}

// Jaro-Winkler of string i against string j of one column, one pair at a
// time (the host batches these through the kernel table instead).
DOPPEL_HD inline double JaroWinklerOf(const StringsRef& col, uint32_t i, uint32_t j) {
  return levels::CrossJaroWinkler(col, i, col, j);
}

// All the levels of one pair, Jaro-Winkler included, one pair per call: the
// device's way (and a scalar host check of the batched one).
DOPPEL_HD inline void PairLevelsOf(const LevelInputs& in, uint32_t a, uint32_t b, const CompareRow& ra,
                                   const CompareRow& rb, int8_t* lv) {
  using namespace levels;
  const uint8_t need = LevelsBeforeJw(in, a, b, ra, rb, lv);
  if (need & kNeedFirst) lv[static_cast<size_t>(Comparison::kFirstName)] = FirstLevelOfJw(JaroWinklerOf(in.first, a, b));
  if (need & kNeedLast) lv[static_cast<size_t>(Comparison::kLastName)] = LastLevelOfJw(JaroWinklerOf(in.last, a, b));
  if (need & kNeedMiddle) {
    lv[static_cast<size_t>(Comparison::kMiddleName)] = MiddleLevelOfJw(JaroWinklerOf(in.middle, a, b));
  }
  if (need & kNeedCity) {
    lv[static_cast<size_t>(Comparison::kAddress)] =
        AddressLevelOf(in, a, b, ra, rb, JaroWinklerOf(in.city, a, b) >= kJwField);
  }
  // The two never both apply (marriage needs like first names, a shared
  // line unlike ones), so their order does not matter.
  lv[static_cast<size_t>(Comparison::kLastName)] = MarriageLevel(ra, rb, lv);
  lv[static_cast<size_t>(Comparison::kPhone)] = SharedPhoneLevel(lv);
  if (need & kNeedDoc) lv[static_cast<size_t>(Comparison::kDocId)] = DocLevelOfJw(JaroWinklerOf(in.doc, a, b));
}

// A pair's levels packed 4 bits per comparison, level 15 for null: pairs
// with one pattern weigh the same, so training (EM) and the prior run over
// the distinct patterns with their counts instead of over every pair.
DOPPEL_HD inline uint64_t PackLevels(const int8_t* lv) {
  static_assert(kComparisonCount * 4 < 64, "an all-ones pattern must be impossible");
  uint64_t pattern = 0;
  for (size_t c = 0; c < kComparisonCount; ++c) {
    pattern |= static_cast<uint64_t>(lv[c] == kNull ? 15 : lv[c]) << (4 * c);
  }
  return pattern;
}

// A distinct pattern and how many pairs have it.
struct PatternCount {
  uint64_t pattern = 0;
  uint64_t count = 0;
  bool operator==(const PatternCount& o) const { return pattern == o.pattern && count == o.count; }
};

// Adds `part` into *total, both in ascending order of pattern (host only).
inline void MergePatternCounts(const std::vector<PatternCount>& part, std::vector<PatternCount>* total) {
  std::vector<PatternCount> merged;
  merged.reserve(total->size() + part.size());
  size_t i = 0, j = 0;
  while (i < total->size() || j < part.size()) {
    if (j == part.size() || (i < total->size() && (*total)[i].pattern < part[j].pattern)) {
      merged.push_back((*total)[i++]);
    } else if (i == total->size() || part[j].pattern < (*total)[i].pattern) {
      merged.push_back(part[j++]);
    } else {
      merged.push_back({part[j].pattern, (*total)[i].count + part[j].count});
      ++i, ++j;
    }
  }
  total->swap(merged);
}

// ---------------------------------------------------------------------------
// Match weights (Fellegi-Sunter): a pair's weight is the prior's plus, for
// each comparison with a level the model has, log2(m/u) of that level. A
// term frequency replaces the exact level's u by the share of records that
// carry the value (the larger of the pair's two shares): a rare surname
// weighs more, Иванов less. The model (core/fs_model.h) fills the table.

inline constexpr size_t kMaxLevels = 16;  // levels are 4-bit (core's LevelPattern)
static_assert(kComparisonCount == 9, "WeightTable's initializers list one entry per comparison");

struct WeightTable {
  double prior = 0;
  double weight[kComparisonCount][kMaxLevels] = {};
  uint8_t levels[kComparisonCount] = {};  // levels the model has; 0 when the comparison is unused
  int8_t tf_level[kComparisonCount] = {-1, -1, -1, -1, -1, -1, -1, -1, -1};  // the level term frequencies adjust
  // Per record, for the comparisons with term frequencies (else null): the
  // share of records with its value (0 when empty), and the weight its
  // tf_level takes when that share is the pair's larger one
  // (log2(m / max(share, 1e-7)), computed once on the host, so that the
  // device needs no logarithm and rounds as the host does).
  const double* tf_share[kComparisonCount] = {};
  const double* tf_weight[kComparisonCount] = {};
  // For the host when tf_weight is null (a few pairs scored alone): m of
  // tf_level and the most its adjusted weight may be.
  double tf_m[kComparisonCount] = {};
  double tf_cap[kComparisonCount] = {1e300, 1e300, 1e300, 1e300, 1e300, 1e300, 1e300, 1e300, 1e300};
};

#ifndef __CUDA_ARCH__
// The weight of a term-frequency-adjusted level: log2(m / share), the share
// at least 1e-7, at most `cap`. tf_weight holds this per record.
inline double TfWeight(double m, double share, double cap) {
  const double w = std::log2(m / (share > 1e-7 ? share : 1e-7));
  return w < cap ? w : cap;
}
#endif

// What comparison c at `level` adds to the weight of pair (a, b); *adjusted
// tells whether a term frequency decided it. The level must be one the
// model has (not kNull, below levels[c]).
DOPPEL_HD inline double LevelWeight(const WeightTable& t, size_t c, int8_t level, uint32_t a, uint32_t b,
                                    bool* adjusted) {
  *adjusted = false;
  if (level == t.tf_level[c] && t.tf_share[c] != nullptr) {
    const double fa = t.tf_share[c][a], fb = t.tf_share[c][b];
    if (fa > 0 || fb > 0) {
      *adjusted = true;
#ifndef __CUDA_ARCH__
      // The same value as tf_weight's: the larger share's, by the same expression.
      if (t.tf_weight[c] == nullptr) return TfWeight(t.tf_m[c], fa >= fb ? fa : fb, t.tf_cap[c]);
#endif
      return t.tf_weight[c][fa >= fb ? a : b];
    }
  }
  return t.weight[c][level];
}

// The match weight of a pair with levels lv[kComparisonCount].
DOPPEL_HD inline double PairWeight(const WeightTable& t, const int8_t* lv, uint32_t a, uint32_t b) {
  double weight = t.prior;
  for (size_t c = 0; c < kComparisonCount; ++c) {
    const int8_t level = lv[c];
    if (level == kNull || level >= t.levels[c]) continue;
    bool adjusted;
    weight += LevelWeight(t, c, level, a, b, &adjusted);
  }
  return weight;
}

}  // namespace doppel::kernels
