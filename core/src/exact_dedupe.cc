#include "doppel/core/exact_dedupe.h"

#include <algorithm>
#include <numeric>

#include "doppel/kernels/hash.h"

namespace doppel::core {

namespace {

constexpr std::array<std::string_view, kExactKeyCount> kKeyNames = {"phone", "email", "name_dob", "doc_id",
                                                                     "landline"};

// Mailboxes a whole office reads: they say nothing about a person.
bool IsRoleMailbox(std::string_view key) {
  size_t at = key.find('@');
  if (at == std::string_view::npos) return false;
  std::string_view local = key.substr(0, at);
  static constexpr std::string_view kRoles[] = {"info",    "office",   "admin",     "sales",   "support",
                                                "mail",    "contact",  "contacts",  "hello",   "reception",
                                                "manager", "buh",      "secretary", "noreply", "no-reply",
                                                "post",    "zakaz",    "order",     "orders",  "hr"};
  for (auto r : kRoles) {
    if (local == r) return true;
  }
  return false;
}

bool IsPersonalPhone(PhoneType t) {
  return t == PhoneType::kMobile || t == PhoneType::kFixedLineOrMobile || t == PhoneType::kPersonal ||
         t == PhoneType::kVoip;
}

class UnionFind {
 public:
  explicit UnionFind(size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0u); }
  uint32_t Find(uint32_t x) {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];  // path halving
      x = parent_[x];
    }
    return x;
  }
  // The smaller index becomes the root, which keeps roots deterministic.
  void Union(uint32_t a, uint32_t b) {
    a = Find(a), b = Find(b);
    if (a == b) return;
    if (a < b) parent_[b] = a;
    else parent_[a] = b;
  }

 private:
  std::vector<uint32_t> parent_;
};

}  // namespace

std::string_view ExactKeyName(ExactKey k) { return kKeyNames[static_cast<size_t>(k)]; }

Result<ExactKey> ParseExactKey(std::string_view name) {
  for (size_t i = 0; i < kKeyNames.size(); ++i) {
    if (kKeyNames[i] == name) return static_cast<ExactKey>(i);
  }
  return Status::InvalidArgument("unknown key '" + std::string(name) +
                                 "' (keys: phone, email, name_dob, doc_id, landline)");
}

Result<std::vector<ExactKey>> ParseExactKeys(std::string_view list) {
  std::vector<ExactKey> keys;
  size_t start = 0;
  for (size_t i = 0; i <= list.size(); ++i) {
    if (i < list.size() && list[i] != ',') continue;
    std::string_view part = list.substr(start, i - start);
    start = i + 1;
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (part.empty()) continue;
    DOPPEL_ASSIGN_OR_RETURN(ExactKey k, ParseExactKey(part));
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
  }
  if (keys.empty()) return Status::InvalidArgument("no keys given");
  return keys;
}

void ExactKeysOf(const NormalizedRecord& r, ExactKey kind, std::vector<std::string>* keys) {
  keys->clear();
  switch (kind) {
    case ExactKey::kPhone:
    case ExactKey::kLandline:
      for (const auto& p : r.phones) {
        if (!p.verdict.usable()) continue;
        bool personal = IsPersonalPhone(p.type);
        if ((kind == ExactKey::kPhone) == personal && (personal || p.type == PhoneType::kFixedLine)) {
          keys->push_back(p.e164);
        }
      }
      break;
    case ExactKey::kEmail:
      for (const auto& e : r.emails) {
        if (e.verdict.usable() && !e.key.empty() && !IsRoleMailbox(e.key)) keys->push_back(e.key);
      }
      break;
    case ExactKey::kNameDob:
      if (!r.name.last_key.empty() && !r.name.first_key.empty() && !r.name.first_is_initial &&
          r.birth_date.verdict.usable()) {
        keys->push_back(r.name.last_key + "|" + r.name.first_key + "|" + std::to_string(r.birth_date.ymd()));
      }
      break;
    case ExactKey::kDocId:
      if (r.doc_id.verdict.usable()) keys->push_back(r.doc_id.normalized);
      break;
    case ExactKey::kCount: break;
  }
}

int CompareRecordIds(std::string_view a, std::string_view b) {
  auto all_digits = [](std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  bool da = all_digits(a), db = all_digits(b);
  if (da && db) {
    auto strip = [](std::string_view s) {
      while (s.size() > 1 && s.front() == '0') s.remove_prefix(1);
      return s;
    };
    std::string_view sa = strip(a), sb = strip(b);
    if (sa.size() != sb.size()) return sa.size() < sb.size() ? -1 : 1;
    int c = sa.compare(sb);
    if (c != 0) return c < 0 ? -1 : 1;
    return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);  // "007" vs "7": fall back to bytes
  }
  if (da != db) return da ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

Status ExactDedupeOptions::Validate() const {
  if (keys.empty()) return Status::InvalidArgument("exact dedupe needs at least one key");
  return Status::Ok();
}

ExactDeduper::ExactDeduper(ExactDedupeOptions options, const kernels::KernelTable& kernels)
    : options_(std::move(options)), kernels_(kernels) {}

void ExactDeduper::Add(const std::vector<NormalizedRecord>& records) {
  const auto base = static_cast<uint32_t>(lines_.size());
  for (const auto& r : records) {
    ids_.Append(r.id);
    lines_.push_back(r.line);
  }
  std::vector<std::string> keys;
  for (ExactKey kind : options_.keys) {
    key_bytes_.Clear();
    key_owner_.clear();
    for (size_t i = 0; i < records.size(); ++i) {
      ExactKeysOf(records[i], kind, &keys);
      for (const auto& k : keys) {
        key_bytes_.Append(k);
        key_owner_.push_back(base + static_cast<uint32_t>(i));
      }
    }
    key_hashes_.resize(key_owner_.size());
    kernels_.hash_strings(key_bytes_.bytes().data(), key_bytes_.offsets().data(), key_owner_.size(),
                          /*seed=*/static_cast<uint64_t>(kind), key_hashes_.data());
    auto& out = keyed_[static_cast<size_t>(kind)];
    for (size_t k = 0; k < key_owner_.size(); ++k) out.emplace_back(key_hashes_[k], key_owner_[k]);
  }
}

ExactDedupeResult ExactDeduper::Finish() {
  ExactDedupeResult result;
  const size_t n = lines_.size();
  entity_of_.assign(n, 0);

  // Repeated record ids: the first occurrence stays, later ones are excluded
  // and reported (they would make clusters.csv ambiguous).
  std::vector<bool> excluded(n, false);
  {
    std::vector<uint64_t> h(n);
    kernels_.hash_strings(ids_.bytes().data(), ids_.offsets().data(), n, /*seed=*/0x1D5, h.data());
    std::vector<uint32_t> order(n);
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return h[a] != h[b] ? h[a] < h[b] : a < b; });
    for (size_t i = 0; i < n;) {
      size_t j = i + 1;
      while (j < n && h[order[j]] == h[order[i]]) ++j;
      for (size_t a = i; a < j; ++a) {
        if (excluded[order[a]]) continue;
        for (size_t b = a + 1; b < j; ++b) {
          if (!excluded[order[b]] && ids_.Get(order[a]) == ids_.Get(order[b])) {
            excluded[order[b]] = true;
            result.duplicate_ids.push_back({std::string(ids_.Get(order[b])), lines_[order[b]], lines_[order[a]]});
          }
        }
      }
      i = j;
    }
    std::sort(result.duplicate_ids.begin(), result.duplicate_ids.end(),
              [](const DuplicateId& a, const DuplicateId& b) { return a.line < b.line; });
  }

  UnionFind uf(n);
  for (ExactKey kind : options_.keys) {
    auto& v = keyed_[static_cast<size_t>(kind)];
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    KeyStats& stats = result.by_key[static_cast<size_t>(kind)];
    std::vector<bool> has(n, false);
    for (size_t i = 0; i < v.size();) {
      size_t j = i;
      size_t members = 0;
      uint32_t first = UINT32_MAX;
      for (; j < v.size() && v[j].first == v[i].first; ++j) {
        uint32_t r = v[j].second;
        if (excluded[r]) continue;
        has[r] = true;
        ++members;
        if (first == UINT32_MAX) first = r;
        else uf.Union(first, r);
      }
      if (members >= 2) {
        ++stats.groups;
        stats.records_in_groups += members;
      }
      i = j;
    }
    stats.records_with_key = static_cast<uint64_t>(std::count(has.begin(), has.end(), true));
    std::vector<std::pair<uint64_t, uint32_t>>().swap(v);  // free as we go
  }

  // Entity id: the smallest record id in each component.
  std::vector<uint32_t> best(n, UINT32_MAX), size(n, 0);
  for (uint32_t i = 0; i < n; ++i) {
    if (excluded[i]) continue;
    uint32_t root = uf.Find(i);
    ++size[root];
    if (best[root] == UINT32_MAX || CompareRecordIds(ids_.Get(i), ids_.Get(best[root])) < 0) best[root] = i;
  }
  for (uint32_t i = 0; i < n; ++i) {
    if (excluded[i]) {
      entity_of_[i] = kExcluded;
      continue;
    }
    uint32_t root = uf.Find(i);
    entity_of_[i] = best[root];
    ++result.records;
    if (root == i) {
      ++result.entities;
      result.largest_entity = std::max<uint64_t>(result.largest_entity, size[i]);
      if (size[i] >= 2) result.records_in_multi += size[i];
    }
  }
  return result;
}

}  // namespace doppel::core
