#include "doppel/core/compare_index.h"

#include <algorithm>
#include <exception>
#include <string>
#include <unordered_map>

#include "doppel/core/name_data.h"
#include "doppel/kernels/blocking.h"
#include "doppel/core/parallel.h"
#include "doppel/core/unicode.h"

namespace doppel::core {

namespace {

// The nickname dictionary over ASCII name keys: each key (a full form or a
// diminutive) has an entry listing the full forms it stands for. Two names
// are nicknames of each other when their lists share a full form.
class NicknameDictionary {
 public:
  static const NicknameDictionary& Get() {
    static const NicknameDictionary dictionary;
    return dictionary;
  }
  uint16_t Find(std::string_view key) const {
    auto it = entries_.find(key);
    return it == entries_.end() ? 0 : it->second;
  }
  // Entry e (1-based) lists its full forms at values[offsets[e - 1], offsets[e]).
  kernels::ListRef<uint16_t> Ref() const { return {values_.data(), offsets_.data()}; }
  uint32_t entries() const { return static_cast<uint32_t>(offsets_.size() - 1); }

 private:
  NicknameDictionary() {
    std::unordered_map<std::string, uint16_t> full_ids;
    auto add = [&](const std::string& key, uint16_t full) {
      auto [it, inserted] = entries_.emplace(key, static_cast<uint16_t>(fulls_.size() + 1));
      if (inserted) fulls_.emplace_back();
      fulls_[it->second - 1].push_back(full);
    };
    for (const auto& d : Diminutives()) {
      std::string full = AsciiKeyOfFolded(d.full), dim = AsciiKeyOfFolded(d.diminutive);
      const auto full_id = full_ids.emplace(full, static_cast<uint16_t>(full_ids.size())).first->second;
      add(dim, full_id);
      add(full, full_id);
    }
    offsets_.push_back(0);
    for (auto& v : fulls_) {
      std::sort(v.begin(), v.end());
      v.erase(std::unique(v.begin(), v.end()), v.end());
      values_.insert(values_.end(), v.begin(), v.end());
      offsets_.push_back(static_cast<uint32_t>(values_.size()));
    }
  }
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, uint16_t, Hash, std::equal_to<>> entries_;
  std::vector<std::vector<uint16_t>> fulls_;
  // fulls_ flattened, for the level logic.
  std::vector<uint32_t> offsets_;
  std::vector<uint16_t> values_;
};

template <class T>
kernels::ListRef<T> RefOf(const ListColumn<T>& c) {
  return {c.values.data(), c.offsets.data()};
}
kernels::StringsRef RefOf(const StringColumn& c) { return {c.bytes().data(), c.offsets().data()}; }

constexpr uint64_t kInternSeed = 0x636f6d7061726531ULL;

// One string column to intern into a row field.
struct InternColumn {
  const StringColumn* column;
  uint32_t CompareRow::*field;
};

// Gives the non-empty strings of `columns` (at the index's records) ids from
// 1 in one id space: equal strings, equal ids, whichever column they are in.
// Strings are grouped by a 64-bit hash and the rare different strings with
// one hash told apart by their bytes, so ids are exact. With `spelling`,
// spelling[id] is the string of each id (spelling[0] is empty).
void Intern(std::span<const InternColumn> columns, std::span<const uint32_t> records, size_t m,
            const kernels::KernelTable& k, HugeVector<CompareRow>* rows,
            std::vector<std::string_view>* spelling = nullptr) {
  auto record = [&](size_t pos) -> uint32_t { return records.empty() ? static_cast<uint32_t>(pos) : records[pos]; };
  // Entries as blocking's (key, row) pairs, the row being column << 32 |
  // pos: the kernel table's sort orders them by hash, column, position.
  std::vector<kernels::BlockEntry> entries;
  std::vector<uint64_t> hashes;
  for (uint32_t c = 0; c < columns.size(); ++c) {
    const StringColumn& col = *columns[c].column;
    hashes.resize(m);
    if (records.empty()) {
      if (m > 0) k.hash_strings(col.bytes().data(), col.offsets().data(), m, kInternSeed, hashes.data());
    } else {
      for (size_t pos = 0; pos < m; ++pos) {
        k.hash_strings(col.bytes().data(), col.offsets().data() + record(pos), 1, kInternSeed, &hashes[pos]);
      }
    }
    for (size_t pos = 0; pos < m; ++pos) {
      if (!col.Get(record(pos)).empty()) entries.push_back({uint64_t{c} << 32 | pos, hashes[pos]});
    }
  }
  std::vector<uint64_t>().swap(hashes);
  k.sort_entries(entries.data(), entries.size());
  if (spelling != nullptr) spelling->assign(1, std::string_view());
  uint32_t next = 1;
  std::vector<std::pair<std::string_view, uint32_t>> seen;  // the distinct strings of one hash
  for (size_t i = 0; i < entries.size();) {
    size_t j = i;
    while (j < entries.size() && entries[j].key == entries[i].key) ++j;
    seen.clear();
    for (size_t q = i; q < j; ++q) {
      const uint32_t column = static_cast<uint32_t>(entries[q].row >> 32), pos = static_cast<uint32_t>(entries[q].row);
      const std::string_view s = columns[column].column->Get(record(pos));
      uint32_t id = 0;
      for (const auto& [text, known] : seen) {
        if (text == s) {
          id = known;
          break;
        }
      }
      if (id == 0) {
        id = next++;
        seen.emplace_back(s, id);
        if (spelling != nullptr) spelling->push_back(s);
      }
      (*rows)[pos].*(columns[column].field) = id;
    }
    i = j;
  }
}

}  // namespace

CompareIndex::CompareIndex(const MatchTable& t) : table_(&t) {
  inputs_.first = RefOf(t.first);
  inputs_.last = RefOf(t.last);
  inputs_.middle = RefOf(t.middle);
  inputs_.doc = RefOf(t.doc_id);
  inputs_.city = RefOf(t.city);
  inputs_.emails = RefOf(t.emails);
  inputs_.tokens = RefOf(t.address_tokens);
  inputs_.phones = RefOf(t.phones);
  inputs_.landlines = RefOf(t.landlines);
  inputs_.nicknames = NicknameDictionary::Get().Ref();
  inputs_.nickname_entries = NicknameDictionary::Get().entries();
}

size_t CompareIndex::SparseSlot(uint32_t i) const {
  return static_cast<size_t>(std::lower_bound(records_.begin(), records_.end(), i) - records_.begin());
}

CompareIndex CompareIndex::Build(const MatchTable& t, const kernels::KernelTable& k, int threads) {
  CompareIndex x(t);
  x.Fill(k, ResolveThreads(threads));
  if (k.upload_levels != nullptr && t.size() >= kernels::GpuMinBatch()) {
    // A device that cannot take the table (out of memory, a driver error)
    // leaves the levels to the host: the same levels, computed here.
    try {
      x.device_ = k.upload_levels(x.inputs_, x.rows_.data(), x.rows_.size());
    } catch (const std::exception& e) {
      x.device_.reset();
      x.device_error_ = e.what();
    }
  }
  return x;
}

CompareIndex CompareIndex::ForPairs(const MatchTable& t, std::span<const std::pair<uint32_t, uint32_t>> pairs,
                                    const kernels::KernelTable& k) {
  CompareIndex x(t);
  x.records_.reserve(pairs.size() * 2);
  for (auto [a, b] : pairs) x.records_.insert(x.records_.end(), {a, b});
  std::sort(x.records_.begin(), x.records_.end());
  x.records_.erase(std::unique(x.records_.begin(), x.records_.end()), x.records_.end());
  x.Fill(k, 1);
  return x;
}

CompareIndex CompareIndex::For(const MatchTable& t, std::span<const std::pair<uint32_t, uint32_t>> pairs,
                               const kernels::KernelTable& k) {
  return pairs.size() * 4 >= t.size() ? Build(t, k, 1) : ForPairs(t, pairs, k);
}

void CompareIndex::Fill(const kernels::KernelTable& k, size_t threads) {
  const MatchTable& t = *table_;
  const size_t m = records_.empty() ? t.size() : records_.size();
  auto record = [&](size_t pos) -> uint32_t { return records_.empty() ? static_cast<uint32_t>(pos) : records_[pos]; };
  // Rows are read at random, one per pair: on 2 MB pages (HugeVector) their
  // TLB entries cover 32 times as many rows.
  rows_.clear();
  rows_.resize(m);

  // Each id space on its own thread; every task writes its own fields.
  std::vector<std::string_view> names;  // spelling of each name id
  const InternColumn name_columns[] = {{&t.first, &CompareRow::first}, {&t.last, &CompareRow::last}};
  const InternColumn single[][1] = {{{&t.middle, &CompareRow::middle}},     {{&t.emails, &CompareRow::email}},
                                    {{&t.city, &CompareRow::city}},         {{&t.postcode, &CompareRow::postcode}},
                                    {{&t.dwelling, &CompareRow::dwelling}}, {{&t.doc_id, &CompareRow::doc}}};
  constexpr size_t kTasks = 1 + std::size(single);
  ParallelFor(kTasks, threads, 1, [&](size_t b, size_t e) {
    for (size_t task = b; task < e; ++task) {
      if (task == 0) Intern(name_columns, records_, m, k, &rows_, &names);
      else Intern(single[task - 1], records_, m, k, &rows_);
    }
  });
  std::vector<uint16_t> nickname_of(names.size(), 0);
  const NicknameDictionary& dictionary = NicknameDictionary::Get();
  for (size_t id = 1; id < names.size(); ++id) nickname_of[id] = dictionary.Find(names[id]);

  ParallelFor(m, threads, 4096, [&](size_t b, size_t e) {
    for (size_t pos = b; pos < e; ++pos) {
      const uint32_t r = record(pos);
      CompareRow& row = rows_[pos];
      row.nickname = nickname_of[row.first];
      if (row.first != 0) row.first_char = t.first.Get(r)[0];
      if (row.middle != 0) row.middle_char = t.middle.Get(r)[0];
      row.birth_date = t.birth_date[r];
      row.gender = t.gender[r];
      uint8_t flags = 0;
      if (t.first_initial[r]) flags |= kFirstIsInitial;
      if (t.middle_initial[r]) flags |= kMiddleIsInitial;
      if (t.several_emails[r]) flags |= kSeveralEmails;
      const auto phones = t.phones.Get(r);
      if (phones.size() > 2 || std::find(phones.begin(), phones.end(), uint64_t{0}) != phones.end()) {
        flags |= kMorePhones;
      } else {
        std::copy(phones.begin(), phones.end(), row.phones);
      }
      if (!t.landlines.Get(r).empty()) flags |= kHasLandlines;
      if (!t.address_tokens.Get(r).empty()) flags |= kHasAddressTokens;
      row.flags = flags;
      row.email_len = static_cast<uint8_t>(std::min<size_t>(t.emails.Get(r).size(), 255));
      const std::string_view postcode = t.postcode.Get(r);
      const size_t n3 = std::min<size_t>(postcode.size(), 3);
      uint32_t p3 = static_cast<uint32_t>(n3) << 24;
      for (size_t i = 0; i < n3; ++i) p3 |= static_cast<uint32_t>(static_cast<uint8_t>(postcode[i])) << (8 * i);
      row.postcode3 = p3;
    }
  });
}

}  // namespace doppel::core
