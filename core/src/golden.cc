#include "doppel/core/golden.h"

#include <algorithm>
#include <map>
#include <tuple>

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
  m.record_id = r.id;
  return m;
}

namespace {

// Votes for one value: how many members carry it and the latest of them.
struct Votes {
  uint32_t count = 0;
  int64_t latest = INT64_MIN;
  std::string latest_id;
  void Add(const MemberSnapshot& m) {
    ++count;
    if (m.seen_at > latest || (m.seen_at == latest && m.record_id > latest_id)) {
      latest = m.seen_at;
      latest_id = m.record_id;
    }
  }
};

bool Better(const Votes& a, const Votes& b) {
  return std::tie(a.count, a.latest, a.latest_id) > std::tie(b.count, b.latest, b.latest_id);
}

// The value most members agree on (ties: the most recent), and the record it
// was taken from.
template <typename T, typename Get>
T Pick(std::span<const MemberSnapshot> members, Get get, const T& none, std::string* from) {
  std::map<T, Votes> votes;
  for (const auto& m : members) {
    const T& v = get(m);
    if (v != none) votes[v].Add(m);
  }
  const std::pair<const T, Votes>* best = nullptr;
  for (const auto& kv : votes) {
    if (best == nullptr || Better(kv.second, best->second)) best = &kv;
  }
  if (best == nullptr) return none;
  *from = best->second.latest_id;
  return best->first;
}

std::vector<std::string> Union(std::span<const MemberSnapshot> members,
                               const std::vector<std::string> MemberSnapshot::*field) {
  std::map<std::string, Votes> votes;
  for (const auto& m : members) {
    for (const auto& v : m.*field) votes[v].Add(m);
  }
  std::vector<std::pair<std::string, Votes>> ranked(votes.begin(), votes.end());
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return Better(a.second, b.second); });
  std::vector<std::string> out;
  for (size_t i = 0; i < ranked.size() && i < kGoldenMaxContacts; ++i) out.push_back(ranked[i].first);
  return out;
}

}  // namespace

GoldenRecord BuildGolden(std::span<const MemberSnapshot> members) {
  GoldenRecord g;
  g.members = static_cast<uint32_t>(members.size());
  // The name is chosen as a whole (surname, first name and patronymic from
  // one member), so a golden record never mixes two people's name parts.
  using Name = std::tuple<std::string, std::string, std::string, std::string>;
  Name name = Pick<Name>(
      members, [](const MemberSnapshot& m) { return Name{m.last, m.first, m.middle, m.gender}; }, Name{},
      &g.name_from);
  std::tie(g.last, g.first, g.middle, g.gender) = name;
  g.address = Pick<std::string>(members, [](const MemberSnapshot& m) { return m.address; }, std::string(),
                                &g.address_from);
  g.birth_date = Pick<int32_t>(members, [](const MemberSnapshot& m) { return m.birth_date; }, 0, &g.birth_date_from);
  g.doc_id = Pick<std::string>(members, [](const MemberSnapshot& m) { return m.doc_id; }, std::string(),
                               &g.doc_id_from);
  g.phones = Union(members, &MemberSnapshot::phones);
  g.emails = Union(members, &MemberSnapshot::emails);
  return g;
}

}  // namespace doppel::core
