// The features of each record that matching reads, in columns.
//
// Built once from normalized records; blocking and comparisons read only
// this table (never the raw records), so it is also what a GPU copy would
// hold. Names are ASCII keys (unicode.h AsciiKey), phones are E.164 numbers
// as integers, address tokens are DH64 hashes, sorted per record.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "doppel/core/normalize.h"
#include "doppel/core/record_batch.h"

namespace doppel::core {

// A list column: values of record i are values[offsets[i], offsets[i+1]).
// On huge pages when big, like StringColumn (huge_pages.h).
template <typename T>
struct ListColumn {
  HugeVector<uint32_t> offsets{0};
  HugeVector<T> values;
  std::span<const T> Get(size_t i) const {
    return std::span<const T>(values.data() + offsets[i], offsets[i + 1] - offsets[i]);
  }
  void FinishRow() { offsets.push_back(static_cast<uint32_t>(values.size())); }
};

// The parts of a '\n'-joined string, iterated without allocating (the emails
// of a record, compared for millions of pairs).
class JoinedList {
 public:
  explicit JoinedList(std::string_view joined) : joined_(joined) {}
  class iterator {
   public:
    iterator() = default;  // the end
    explicit iterator(std::string_view joined) : rest_(joined), done_(joined.empty()) {
      if (!done_) Next();
    }
    std::string_view operator*() const { return part_; }
    iterator& operator++() {
      // A trailing '\n' ends the list; it does not add an empty part.
      if (rest_.empty()) done_ = true;
      else Next();
      return *this;
    }
    bool operator==(const iterator& o) const {
      return done_ == o.done_ && (done_ || part_.data() == o.part_.data());
    }

   private:
    void Next() {
      const size_t nl = rest_.find('\n');
      part_ = rest_.substr(0, nl);
      rest_ = nl == std::string_view::npos ? std::string_view() : rest_.substr(nl + 1);
    }
    std::string_view rest_, part_;
    bool done_ = true;
  };
  iterator begin() const { return iterator(joined_); }
  iterator end() const { return iterator(); }

 private:
  std::string_view joined_;
};

// One record's matching features (a row of MatchTable), for storing with the
// record and matching it again later without the raw input.
struct MatchRow {
  std::string id, first, last, middle;
  bool first_initial = false, middle_initial = false;
  uint8_t gender = 0;
  int32_t birth_date = 0;
  std::vector<uint64_t> phones, landlines, address_tokens;
  std::string emails, dwelling, postcode, city, house, doc_id;

  static MatchRow From(const NormalizedRecord& r);
};

struct MatchTable {
  StringColumn ids;
  StringColumn first, last, middle;  // ASCII keys; "" when unknown
  HugeVector<uint8_t> first_initial, middle_initial;
  HugeVector<uint8_t> gender;       // 0 unknown, 1 male, 2 female
  HugeVector<int32_t> birth_date;   // yyyymmdd, 0 when unknown
  ListColumn<uint64_t> phones;       // personal numbers: E.164 digits as an integer
  ListColumn<uint64_t> landlines;
  StringColumn emails;               // canonical keys joined by '\n' (usually one)
  HugeVector<uint8_t> several_emails;  // 1 when the record's emails hold a '\n'
  ListColumn<uint64_t> address_tokens;  // DH64 of AsciiKey tokens, sorted, unique
  StringColumn dwelling;             // exact dwelling key (address.h AddressResult::key)
  StringColumn postcode, city, house;
  StringColumn doc_id;

  size_t size() const { return ids.size(); }
  void Append(const MatchRow& row);
  void Append(const NormalizedRecord& r) { Append(MatchRow::From(r)); }
  void Append(const std::vector<NormalizedRecord>& records) {
    for (const auto& r : records) Append(r);
  }
  MatchRow Row(size_t i) const;
  // Copies row i of another table (to put two lists into one table).
  void AppendRow(const MatchTable& from, size_t i) { Append(from.Row(i)); }
  // The emails of record i.
  JoinedList Emails(size_t i) const { return JoinedList(emails.Get(i)); }
};

// A loose phonetic skeleton of an ASCII name key: first letter, then the
// consonants with repeats collapsed, at most 6 characters. "ivanov" and
// "ivanova" give "ivnv", "smith" and "smyth" give "smt".
std::string NameSkeleton(std::string_view key);

}  // namespace doppel::core
