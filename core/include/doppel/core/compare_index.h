// What the comparisons read of each record, packed into one cache line.
//
// Comparing the 22 M candidate pairs of a 1M base reads two records per pair,
// the second at random. Read from MatchTable's columns that is some twenty
// cache misses per record (each string column's offsets and bytes, each list
// column), and the comparison stage waited on memory most of its time. The
// index packs what most comparisons need into one 64-byte row per record:
// strings as interned ids (equal ids exactly when equal strings, so an
// equality test never reads the bytes), the first letters for initials, the
// birth date, gender, the first two phone numbers, the first name's nickname
// entry and a few flags. The strings themselves are read only for
// Jaro-Winkler, for emails of nearly equal length and for address tokens.
//
// Interned ids carry no meaning beyond equality; they are assigned in a fixed
// order (by string hash), so an index is the same on any thread count.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "doppel/core/match_table.h"
#include "doppel/kernels/backend.h"

namespace doppel::core {

enum CompareFlag : uint8_t {
  kFirstIsInitial = 1,
  kMiddleIsInitial = 2,
  kSeveralEmails = 4,      // the emails are a '\n'-joined list: compare them from the table
  kMorePhones = 8,         // phones[] does not hold all personal numbers: read the table's list
  kHasLandlines = 16,
  kHasAddressTokens = 32,
};

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

class CompareIndex {
 public:
  // Every record of `t`, on `threads` threads (0 = every core). String
  // hashes for interning go through the kernel table.
  static CompareIndex Build(const MatchTable& t, const kernels::KernelTable& k, int threads = 0);
  // Only the records the pairs name: for a few pairs of a large table.
  static CompareIndex ForPairs(const MatchTable& t, std::span<const std::pair<uint32_t, uint32_t>> pairs,
                               const kernels::KernelTable& k);
  // Build for a table about as small as the pairs, ForPairs otherwise.
  static CompareIndex For(const MatchTable& t, std::span<const std::pair<uint32_t, uint32_t>> pairs,
                          const kernels::KernelTable& k);

  const MatchTable& table() const { return *table_; }
  // The row of record `i` of the table (one the index was built for).
  const CompareRow& Row(uint32_t i) const { return records_.empty() ? rows_[i] : rows_[SparseSlot(i)]; }
  void Prefetch(uint32_t i) const {
    if (records_.empty()) __builtin_prefetch(&rows_[i]);
  }
  size_t size() const { return rows_.size(); }

  // Whether two first names are nicknames of one full name (or one is the
  // other's), from their rows' dictionary entries.
  static bool Nicknames(uint16_t a, uint16_t b);

 private:
  explicit CompareIndex(const MatchTable& t) : table_(&t) {}
  size_t SparseSlot(uint32_t i) const;
  void Fill(const kernels::KernelTable& k, size_t threads);

  const MatchTable* table_;
  std::vector<CompareRow> rows_;
  std::vector<uint32_t> records_;  // sparse index: the table records of rows_, ascending; empty when dense
};

}  // namespace doppel::core
