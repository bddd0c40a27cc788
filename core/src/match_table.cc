#include "doppel/core/match_table.h"

#include <algorithm>

#include "doppel/core/unicode.h"
#include "doppel/kernels/hash.h"

namespace doppel::core {

namespace {

uint64_t E164Number(std::string_view e164) {
  uint64_t v = 0;
  for (char c : e164) {
    if (c >= '0' && c <= '9') v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

std::vector<std::string> SplitKey(const std::string& key) {
  std::vector<std::string> out;
  for (auto w : SplitWords(key)) out.emplace_back(w);
  return out;
}

}  // namespace

MatchRow MatchRow::From(const NormalizedRecord& r) {
  MatchRow row;
  row.id = r.id;
  const NameResult& n = r.name;
  if (n.verdict.usable()) {
    row.first = n.first_key;
    row.last = n.last_key;
    row.middle = n.middle_key;
    row.first_initial = n.first_is_initial;
    row.middle_initial = n.middle_is_initial;
  }
  row.gender = n.gender == Gender::kMale ? 1 : n.gender == Gender::kFemale ? 2 : 0;
  row.birth_date = r.birth_date.ymd();
  for (const auto& p : r.phones) {
    if (!p.verdict.usable()) continue;
    bool personal = p.type == PhoneType::kMobile || p.type == PhoneType::kFixedLineOrMobile ||
                    p.type == PhoneType::kPersonal || p.type == PhoneType::kVoip;
    auto& list = personal ? row.phones : row.landlines;
    uint64_t v = E164Number(p.e164);
    if (std::find(list.begin(), list.end(), v) == list.end()) list.push_back(v);
  }
  for (const auto& e : r.emails) {
    if (!e.verdict.usable() || e.key.empty()) continue;
    if (!row.emails.empty()) row.emails.push_back('\n');
    row.emails += e.key;
  }
  const AddressResult& a = r.address;
  if (a.verdict.usable()) {
    // The street-level tokens only: the city, region and postcode have their
    // own place in the address comparison and would count twice here.
    std::string city = AsciiKey(a.parts.city);
    std::vector<std::string> exclude = SplitKey(city);
    for (auto& w : SplitKey(AsciiKey(a.parts.region))) exclude.push_back(std::move(w));
    exclude.push_back(AsciiKey(a.parts.postcode));
    for (const auto& t : a.tokens) {
      if (std::find(exclude.begin(), exclude.end(), t) != exclude.end()) continue;
      row.address_tokens.push_back(kernels::HashString(t, 0xADD));
    }
    std::sort(row.address_tokens.begin(), row.address_tokens.end());
    row.address_tokens.erase(std::unique(row.address_tokens.begin(), row.address_tokens.end()),
                             row.address_tokens.end());
    row.dwelling = a.key;
    row.postcode = a.parts.postcode;
    row.city = std::move(city);
    row.house = AsciiKey(a.parts.house);
  }
  if (r.doc_id.verdict.usable()) row.doc_id = r.doc_id.normalized;
  return row;
}

void MatchTable::Append(const MatchRow& row) {
  auto list = [](const std::vector<uint64_t>& v, ListColumn<uint64_t>& col) {
    col.values.insert(col.values.end(), v.begin(), v.end());
    col.FinishRow();
  };
  ids.Append(row.id);
  first.Append(row.first);
  last.Append(row.last);
  middle.Append(row.middle);
  first_initial.push_back(row.first_initial);
  middle_initial.push_back(row.middle_initial);
  gender.push_back(row.gender);
  birth_date.push_back(row.birth_date);
  list(row.phones, phones);
  list(row.landlines, landlines);
  emails.Append(row.emails);
  several_emails.push_back(row.emails.find('\n') != std::string::npos);
  list(row.address_tokens, address_tokens);
  dwelling.Append(row.dwelling);
  postcode.Append(row.postcode);
  city.Append(row.city);
  house.Append(row.house);
  doc_id.Append(row.doc_id);
}

MatchRow MatchTable::Row(size_t i) const {
  MatchRow row;
  auto list = [&](const ListColumn<uint64_t>& col) {
    auto span = col.Get(i);
    return std::vector<uint64_t>(span.begin(), span.end());
  };
  row.id = ids.Get(i);
  row.first = first.Get(i);
  row.last = last.Get(i);
  row.middle = middle.Get(i);
  row.first_initial = first_initial[i];
  row.middle_initial = middle_initial[i];
  row.gender = gender[i];
  row.birth_date = birth_date[i];
  row.phones = list(phones);
  row.landlines = list(landlines);
  row.emails = emails.Get(i);
  row.address_tokens = list(address_tokens);
  row.dwelling = dwelling.Get(i);
  row.postcode = postcode.Get(i);
  row.city = city.Get(i);
  row.house = house.Get(i);
  row.doc_id = doc_id.Get(i);
  return row;
}

std::string NameSkeleton(std::string_view key) {
  std::string out;
  for (size_t i = 0; i < key.size() && out.size() < 6; ++i) {
    char c = key[i];
    if (c == ' ') break;  // the first word of a compound name
    if (i == 0) {
      out.push_back(c);
      continue;
    }
    if (c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y' || c == 'h' || c == 'w') continue;
    if (!out.empty() && out.back() == c) continue;
    out.push_back(c);
  }
  return out;
}

}  // namespace doppel::core
