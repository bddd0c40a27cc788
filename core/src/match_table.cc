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

void MatchTable::Append(const NormalizedRecord& r) {
  ids.Append(r.id);
  const NameResult& n = r.name;
  bool name_ok = n.verdict.usable();
  first.Append(name_ok ? std::string_view(n.first_key) : std::string_view());
  last.Append(name_ok ? std::string_view(n.last_key) : std::string_view());
  middle.Append(name_ok ? std::string_view(n.middle_key) : std::string_view());
  first_initial.push_back(name_ok && n.first_is_initial);
  middle_initial.push_back(name_ok && n.middle_is_initial);
  gender.push_back(n.gender == Gender::kMale ? 1 : n.gender == Gender::kFemale ? 2 : 0);
  birth_date.push_back(r.birth_date.ymd());
  for (const auto& p : r.phones) {
    if (!p.verdict.usable()) continue;
    bool personal = p.type == PhoneType::kMobile || p.type == PhoneType::kFixedLineOrMobile ||
                    p.type == PhoneType::kPersonal || p.type == PhoneType::kVoip;
    auto& col = personal ? phones : landlines;
    uint64_t v = E164Number(p.e164);
    if (std::find(col.values.begin() + col.offsets.back(), col.values.end(), v) == col.values.end()) {
      col.values.push_back(v);
    }
  }
  phones.FinishRow();
  landlines.FinishRow();
  std::string joined;
  for (const auto& e : r.emails) {
    if (!e.verdict.usable() || e.key.empty()) continue;
    if (!joined.empty()) joined.push_back('\n');
    joined += e.key;
  }
  emails.Append(joined);
  const AddressResult& a = r.address;
  if (a.verdict.usable()) {
    // The street-level tokens only: the city, region and postcode have their
    // own comparisons and would count twice here.
    std::vector<std::string> exclude = SplitKey(AsciiKey(a.parts.city));
    for (auto& w : SplitKey(AsciiKey(a.parts.region))) exclude.push_back(std::move(w));
    exclude.push_back(AsciiKey(a.parts.postcode));
    size_t start = address_tokens.values.size();
    for (const auto& t : a.tokens) {
      if (std::find(exclude.begin(), exclude.end(), t) != exclude.end()) continue;
      address_tokens.values.push_back(kernels::HashString(t, 0xADD));
    }
    std::sort(address_tokens.values.begin() + start, address_tokens.values.end());
    address_tokens.values.erase(std::unique(address_tokens.values.begin() + start, address_tokens.values.end()),
                                address_tokens.values.end());
  }
  address_tokens.FinishRow();
  dwelling.Append(a.verdict.usable() ? std::string_view(a.key) : std::string_view());
  postcode.Append(a.verdict.usable() ? std::string_view(a.parts.postcode) : std::string_view());
  city.Append(a.verdict.usable() ? AsciiKey(a.parts.city) : std::string());
  house.Append(a.verdict.usable() ? AsciiKey(a.parts.house) : std::string());
  doc_id.Append(r.doc_id.verdict.usable() ? std::string_view(r.doc_id.normalized) : std::string_view());
}

void MatchTable::AppendRow(const MatchTable& from, size_t i) {
  auto copy_list = [](const ListColumn<uint64_t>& src, size_t row, ListColumn<uint64_t>& dst) {
    for (uint64_t v : src.Get(row)) dst.values.push_back(v);
    dst.FinishRow();
  };
  ids.Append(from.ids.Get(i));
  first.Append(from.first.Get(i));
  last.Append(from.last.Get(i));
  middle.Append(from.middle.Get(i));
  first_initial.push_back(from.first_initial[i]);
  middle_initial.push_back(from.middle_initial[i]);
  gender.push_back(from.gender[i]);
  birth_date.push_back(from.birth_date[i]);
  copy_list(from.phones, i, phones);
  copy_list(from.landlines, i, landlines);
  emails.Append(from.emails.Get(i));
  copy_list(from.address_tokens, i, address_tokens);
  dwelling.Append(from.dwelling.Get(i));
  postcode.Append(from.postcode.Get(i));
  city.Append(from.city.Get(i));
  house.Append(from.house.Get(i));
  doc_id.Append(from.doc_id.Get(i));
}

std::vector<std::string_view> MatchTable::Emails(size_t i) const {
  std::vector<std::string_view> out;
  std::string_view s = emails.Get(i);
  while (!s.empty()) {
    size_t nl = s.find('\n');
    out.push_back(s.substr(0, nl));
    if (nl == std::string_view::npos) break;
    s.remove_prefix(nl + 1);
  }
  return out;
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
