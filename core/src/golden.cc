#include "doppel/core/golden.h"

#include <algorithm>
#include <map>
#include <string_view>
#include <tuple>
#include <type_traits>

namespace doppel::core {

MemberSnapshot MemberSnapshot::From(const NormalizedRecord& r, int64_t seen_at) {
  MemberSnapshot m;
  if (r.name.verdict.usable()) {
    m.last = r.name.last;
    m.first = r.name.first;
    m.middle = r.name.middle;
    m.gender = std::string(GenderCode(r.name.gender));
  }
  for (const auto& p : r.phones) {
    if (p.verdict.usable() && std::find(m.phones.begin(), m.phones.end(), p.e164) == m.phones.end()) {
      m.phones.push_back(p.e164);
    }
  }
  for (const auto& e : r.emails) {
    if (e.verdict.usable() && std::find(m.emails.begin(), m.emails.end(), e.normalized) == m.emails.end()) {
      m.emails.push_back(e.normalized);
    }
  }
  if (r.address.verdict.usable()) m.address = r.address.normalized;
  m.birth_date = r.birth_date.ymd();
  if (r.doc_id.verdict.usable()) m.doc_id = r.doc_id.normalized;
  m.seen_at = seen_at;
  m.verified = r.last_verified.ymd();
  m.source = r.source;
  m.activity = r.activity;
  m.record_id = r.id;
  return m;
}

Result<Survivorship> ParseSurvivorship(std::string_view name) {
  if (name == "most_frequent") return Survivorship::kMostFrequent;
  if (name == "most_recently_verified") return Survivorship::kMostRecentlyVerified;
  if (name == "most_complete") return Survivorship::kMostComplete;
  if (name == "most_recent") return Survivorship::kMostRecent;
  if (name == "source_priority") return Survivorship::kSourcePriority;
  return Status::InvalidArgument("unknown survivorship rule '" + std::string(name) +
                                 "' (most_frequent, most_recently_verified, most_complete, most_recent, "
                                 "source_priority)");
}

namespace {

// Votes for one value: how many members carry it, the latest of them, the
// latest verification among them, the most trusted source among them
// (higher is more trusted).
struct Votes {
  uint32_t count = 0;
  int64_t latest = INT64_MIN;
  int32_t verified = 0;
  int64_t trust = INT64_MIN;
  std::string latest_id;
  void Add(const MemberSnapshot& m, int64_t member_trust = 0) {
    ++count;
    verified = std::max(verified, m.verified);
    trust = std::max(trust, member_trust);
    if (m.seen_at > latest || (m.seen_at == latest && m.record_id > latest_id)) {
      latest = m.seen_at;
      latest_id = m.record_id;
    }
  }
};

bool Better(const Votes& a, const Votes& b) {
  return std::tie(a.count, a.latest, a.latest_id) > std::tie(b.count, b.latest, b.latest_id);
}

template <typename T>
size_t Completeness(const T& v) {
  if constexpr (std::is_same_v<T, std::string>) {
    return v.size();
  } else if constexpr (std::is_integral_v<T>) {
    return v != 0;
  } else {
    return std::get<0>(v).size() + std::get<1>(v).size() + std::get<2>(v).size();
  }
}

// The winning value under `rule` (ties: most frequent, then latest), and the
// record it was taken from.
// How much a member's source is trusted: the first listed source is trusted
// most; unlisted sources least.
int64_t Trust(const MemberSnapshot& m, const std::vector<std::string>& priority) {
  auto it = std::find(priority.begin(), priority.end(), m.source);
  return -static_cast<int64_t>(it - priority.begin());
}

template <typename T, typename Get>
T Pick(std::span<const MemberSnapshot> members, Get get, const T& none, std::string* from,
       const SurvivorshipOptions& options) {
  const Survivorship rule = options.rule;
  std::map<T, Votes> votes;
  for (const auto& m : members) {
    const T& v = get(m);
    if (v != none) votes[v].Add(m, Trust(m, options.source_priority));
  }
  auto key = [&](const std::pair<const T, Votes>& kv) {
    const Votes& v = kv.second;
    switch (rule) {
      case Survivorship::kMostRecentlyVerified: return std::make_tuple(static_cast<int64_t>(v.verified), static_cast<int64_t>(v.count), v.latest);
      case Survivorship::kMostComplete: return std::make_tuple(static_cast<int64_t>(Completeness(kv.first)), static_cast<int64_t>(v.count), v.latest);
      case Survivorship::kMostRecent: return std::make_tuple(v.latest, static_cast<int64_t>(v.count), int64_t{0});
      case Survivorship::kSourcePriority: return std::make_tuple(v.trust, static_cast<int64_t>(v.count), v.latest);
      case Survivorship::kMostFrequent: break;
    }
    return std::make_tuple(static_cast<int64_t>(v.count), v.latest, int64_t{0});
  };
  const std::pair<const T, Votes>* best = nullptr;
  for (const auto& kv : votes) {
    if (best == nullptr || key(kv) > key(*best) || (key(kv) == key(*best) && kv.second.latest_id > best->second.latest_id)) {
      best = &kv;
    }
  }
  if (best == nullptr) return none;
  *from = best->second.latest_id;
  return best->first;
}

std::vector<std::string> Union(std::span<const MemberSnapshot> members,
                               const std::vector<std::string> MemberSnapshot::*field, std::vector<std::string>* from) {
  std::map<std::string, Votes> votes;
  for (const auto& m : members) {
    for (const auto& v : m.*field) votes[v].Add(m);
  }
  std::vector<std::pair<std::string, Votes>> ranked(votes.begin(), votes.end());
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return Better(a.second, b.second); });
  std::vector<std::string> out;
  from->clear();
  for (size_t i = 0; i < ranked.size() && i < kGoldenMaxContacts; ++i) {
    out.push_back(ranked[i].first);
    from->push_back(ranked[i].second.latest_id);
  }
  return out;
}

}  // namespace

GoldenRecord BuildGolden(std::span<const MemberSnapshot> members, const SurvivorshipOptions& rule) {
  GoldenRecord g;
  g.members = static_cast<uint32_t>(members.size());
  // The name is chosen as a whole (surname, first name and patronymic from
  // one member), so a golden record never mixes two people's name parts.
  using Name = std::tuple<std::string, std::string, std::string, std::string>;
  Name name = Pick<Name>(
      members, [](const MemberSnapshot& m) { return Name{m.last, m.first, m.middle, m.gender}; }, Name{},
      &g.name_from, rule);
  std::tie(g.last, g.first, g.middle, g.gender) = name;
  g.address = Pick<std::string>(members, [](const MemberSnapshot& m) { return m.address; }, std::string(),
                                &g.address_from, rule);
  g.birth_date =
      Pick<int32_t>(members, [](const MemberSnapshot& m) { return m.birth_date; }, 0, &g.birth_date_from, rule);
  g.doc_id = Pick<std::string>(members, [](const MemberSnapshot& m) { return m.doc_id; }, std::string(),
                               &g.doc_id_from, rule);
  g.phones = Union(members, &MemberSnapshot::phones, &g.phones_from);
  g.emails = Union(members, &MemberSnapshot::emails, &g.emails_from);
  return g;
}

namespace {

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
// Signed values (-1 means unknown) zigzag-encoded, so they stay one byte.
void PutSigned(std::string& out, int64_t v) {
  PutVarint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}
void PutString(std::string& out, std::string_view s) {
  PutVarint(out, s.size());
  out.append(s);
}

struct Cursor {
  const char* p;
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      const auto b = static_cast<unsigned char>(*p++);
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (b < 0x80) return v;
    }
  }
  int64_t Signed() {
    const uint64_t z = Varint();
    return static_cast<int64_t>((z >> 1) ^ (~(z & 1) + 1));
  }
  std::string String() {
    const size_t n = Varint();
    std::string s(p, n);
    p += n;
    return s;
  }
};

}  // namespace

void PackedSnapshots::Pack(const MemberSnapshot& m, std::string* out) {
  for (const std::string* s : {&m.last, &m.first, &m.middle, &m.gender, &m.address, &m.doc_id, &m.source,
                               &m.record_id, &m.activity.channel}) {
    PutString(*out, *s);
  }
  PutVarint(*out, m.phones.size());
  for (const auto& x : m.phones) PutString(*out, x);
  PutVarint(*out, m.emails.size());
  for (const auto& x : m.emails) PutString(*out, x);
  for (int64_t v : {int64_t{m.birth_date}, m.seen_at, int64_t{m.verified}, int64_t{m.activity.created},
                    int64_t{m.activity.last_purchase}, m.activity.purchases, m.activity.revenue_cents}) {
    PutSigned(*out, v);
  }
}

void PackedSnapshots::Add(const MemberSnapshot& m) {
  Pack(m, &bytes_);
  Added();
}

void PackedSnapshots::AddPacked(std::string_view packed) {
  bytes_.append(packed);
  Added();
}

void PackedSnapshots::Added() {
  offsets_.push_back(file_bytes_ + bytes_.size());
  constexpr size_t kBlock = size_t{4} << 20;
  if (file_ != nullptr && bytes_.size() >= kBlock) WriteOut();
}

void PackedSnapshots::WriteOut() {
  if (!status_.ok() || bytes_.empty()) return;
  status_ = file_->Append(bytes_.data(), bytes_.size());
  file_bytes_ += bytes_.size();
  bytes_.clear();
}

void PackedSnapshots::SpillTo(std::unique_ptr<SpillFile> file) {
  file_ = std::move(file);
  if (file_ == nullptr) return;
  WriteOut();
  bytes_.shrink_to_fit();
}

Status PackedSnapshots::Finish() {
  if (file_ == nullptr) return status_;
  WriteOut();
  bytes_.shrink_to_fit();
  if (!status_.ok()) return status_;
  auto mapped = file_->Map();
  if (!mapped.ok()) return status_ = mapped.status();
  mapped_ = *mapped;
  return Status::Ok();
}

MemberSnapshot PackedSnapshots::Get(size_t i) const {
  MemberSnapshot m;
  // In memory, in the mapped file, in the part not yet written, or (while
  // loading, for a repeated id) read back from the file.
  const uint64_t begin = offsets_[i];
  std::string read_back;
  const char* at;
  if (file_ == nullptr) {
    at = bytes_.data() + begin;
  } else if (mapped_.data() != nullptr) {
    at = mapped_.data() + begin;
  } else if (begin >= file_bytes_) {
    at = bytes_.data() + (begin - file_bytes_);
  } else {
    read_back.resize(offsets_[i + 1] - begin);
    if (!file_->ReadAt(begin, read_back.data(), read_back.size()).ok()) return m;
    at = read_back.data();
  }
  Cursor c{at};
  for (std::string* s : {&m.last, &m.first, &m.middle, &m.gender, &m.address, &m.doc_id, &m.source, &m.record_id,
                         &m.activity.channel}) {
    *s = c.String();
  }
  m.phones.resize(c.Varint());
  for (auto& x : m.phones) x = c.String();
  m.emails.resize(c.Varint());
  for (auto& x : m.emails) x = c.String();
  m.birth_date = static_cast<int32_t>(c.Signed());
  m.seen_at = c.Signed();
  m.verified = static_cast<int32_t>(c.Signed());
  m.activity.created = static_cast<int32_t>(c.Signed());
  m.activity.last_purchase = static_cast<int32_t>(c.Signed());
  m.activity.purchases = c.Signed();
  m.activity.revenue_cents = c.Signed();
  return m;
}

}  // namespace doppel::core
