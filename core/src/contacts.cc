#include "doppel/core/contacts.h"

#include <algorithm>
#include <array>

#include "doppel/core/address.h"
#include "doppel/core/date.h"
#include "doppel/core/email.h"
#include "doppel/core/phone.h"
#include "doppel/core/unicode.h"

namespace doppel::core {

namespace {

template <typename E, size_t N>
Result<E> ParseName(std::string_view name, const std::array<std::pair<std::string_view, E>, N>& table,
                    std::string_view what) {
  std::string folded = Fold(Trim(name));
  for (char& c : folded) {
    if (c == '-' || c == ' ') c = '_';
  }
  for (const auto& [n, v] : table) {
    if (folded == n) return v;
  }
  std::string known;
  for (const auto& [n, v] : table) known += (known.empty() ? "" : ", ") + std::string(n);
  return Status::InvalidArgument("unknown " + std::string(what) + " '" + std::string(name) + "' (known: " + known + ")");
}

constexpr std::array<std::pair<std::string_view, ContactKind>, 3> kKinds{
    {{"phone", ContactKind::kPhone}, {"email", ContactKind::kEmail}, {"address", ContactKind::kAddress}}};
constexpr std::array<std::pair<std::string_view, SuppressReason>, 6> kReasons{{
    {"do_not_call", SuppressReason::kDoNotCall},
    {"blocked", SuppressReason::kBlocked},
    {"fraud", SuppressReason::kFraud},
    {"placeholder", SuppressReason::kPlaceholder},
    {"erased", SuppressReason::kErased},
    {"other", SuppressReason::kOther},
}};
constexpr std::array<std::pair<std::string_view, Outcome>, 5> kOutcomes{{
    {"confirmed", Outcome::kConfirmed},
    {"updated", Outcome::kUpdated},
    {"unreachable", Outcome::kUnreachable},
    {"wrong_person", Outcome::kWrongPerson},
    {"do_not_call", Outcome::kDoNotCall},
}};

template <typename E, size_t N>
std::string_view NameOf(E v, const std::array<std::pair<std::string_view, E>, N>& table) {
  for (const auto& [n, x] : table) {
    if (x == v) return n;
  }
  return "?";
}

}  // namespace

std::string_view ContactKindName(ContactKind k) { return NameOf(k, kKinds); }
Result<ContactKind> ParseContactKind(std::string_view name) { return ParseName(name, kKinds, "contact kind"); }
std::string_view SuppressReasonName(SuppressReason r) { return NameOf(r, kReasons); }
Result<SuppressReason> ParseSuppressReason(std::string_view name) { return ParseName(name, kReasons, "reason"); }
std::string_view OutcomeName(Outcome o) { return NameOf(o, kOutcomes); }
Result<Outcome> ParseOutcome(std::string_view name) { return ParseName(name, kOutcomes, "outcome"); }

void CountOutcome(Outcome o, OutcomeCounts* c) {
  switch (o) {
    case Outcome::kConfirmed: ++c->confirmed; break;
    case Outcome::kUpdated: ++c->updated; break;
    case Outcome::kUnreachable: ++c->unreachable; break;
    case Outcome::kWrongPerson: ++c->wrong_person; break;
    case Outcome::kDoNotCall: ++c->do_not_call; break;
  }
}

Result<std::string> NormalizeContact(ContactKind kind, std::string_view raw, const PhoneOptions& phone) {
  switch (kind) {
    case ContactKind::kPhone: {
      PhoneResult p = NormalizePhone(raw, phone);
      if (!p.verdict.usable()) return Status::InvalidArgument("phone: " + std::string(ReasonCode(p.verdict.reason)));
      return p.e164;
    }
    case ContactKind::kEmail: {
      EmailResult e = NormalizeEmail(raw);
      if (!e.verdict.usable()) return Status::InvalidArgument("email: " + std::string(ReasonCode(e.verdict.reason)));
      return e.normalized;
    }
    case ContactKind::kAddress: {
      AddressInput in;
      in.line = raw;
      AddressResult a = NormalizeAddress(in);
      if (!a.verdict.usable()) {
        return Status::InvalidArgument("address: " + std::string(ReasonCode(a.verdict.reason)));
      }
      return a.normalized;
    }
  }
  return Status::InvalidArgument("unknown contact kind");
}

Result<std::string> NormalizeSuppressedValue(ContactKind kind, std::string_view raw, const PhoneOptions& phone) {
  auto v = NormalizeContact(kind, raw, phone);
  if (v.ok() || kind == ContactKind::kAddress) return v;
  if (kind == ContactKind::kEmail) {
    std::string folded = Fold(Trim(raw));
    if (folded.find('@') == std::string::npos || folded.find(' ') != std::string::npos) return v.status();
    return folded;
  }
  std::string digits;
  for (char c : raw) {
    if (c >= '0' && c <= '9') digits.push_back(c);
    else if (c != ' ' && c != '-' && c != '(' && c != ')' && c != '+' && c != '.') return v.status();
  }
  if (digits.size() < 5 || digits.size() > 15) return v.status();
  if (digits.size() == 11 && digits[0] == '8') digits[0] = '7';
  return "+" + digits;
}

// ---- contact state ------------------------------------------------------------

namespace {

constexpr uint8_t kStateFormat = 1;

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

bool GetVarint(std::string_view s, size_t& pos, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos >= s.size()) return false;
    auto b = static_cast<uint8_t>(s[pos++]);
    *v |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

}  // namespace

std::string EncodeContactState(const ContactState& s) {
  std::string out;
  out.push_back(static_cast<char>(kStateFormat));
  PutVarint(out, static_cast<uint32_t>(s.last_verified));
  PutVarint(out, static_cast<uint8_t>(s.last_outcome));
  PutVarint(out, static_cast<uint32_t>(s.last_date));
  PutVarint(out, s.attempts);
  PutVarint(out, s.unreachable_streak);
  PutVarint(out, s.wrong_for.size());
  for (uint64_t e : s.wrong_for) PutVarint(out, e);
  return out;
}

Result<ContactState> DecodeContactState(std::string_view bytes) {
  ContactState s;
  size_t pos = 1;
  uint64_t v[6];
  if (bytes.empty() || static_cast<uint8_t>(bytes[0]) != kStateFormat) {
    return Status::Corruption("contact state: unknown format");
  }
  for (uint64_t& x : v) {
    if (!GetVarint(bytes, pos, &x)) return Status::Corruption("contact state: truncated");
  }
  if (v[1] > static_cast<uint8_t>(Outcome::kDoNotCall) || v[5] > bytes.size()) {
    return Status::Corruption("contact state: damaged");
  }
  s.last_verified = static_cast<int32_t>(v[0]);
  s.last_outcome = static_cast<Outcome>(v[1]);
  s.last_date = static_cast<int32_t>(v[2]);
  s.attempts = static_cast<uint32_t>(v[3]);
  s.unreachable_streak = static_cast<uint32_t>(v[4]);
  for (uint64_t i = 0; i < v[5]; ++i) {
    uint64_t e;
    if (!GetVarint(bytes, pos, &e)) return Status::Corruption("contact state: truncated");
    s.wrong_for.push_back(e);
  }
  if (pos != bytes.size()) return Status::Corruption("contact state: trailing bytes");
  return s;
}

// ---- outcome rows -------------------------------------------------------------

std::vector<std::string_view> OutcomeColumns() {
  return {"entity_id", "contact",   "contact_kind",      "outcome",   "called_at", "operator",
          "new_phone", "new_email", "new_address", "preferred_channel", "interests", "note"};
}

Status CheckOutcomeHeader(const std::vector<std::string>& header) {
  auto known = OutcomeColumns();
  for (size_t i = 0; i < header.size(); ++i) {
    if (std::find(known.begin(), known.end(), header[i]) == known.end()) {
      std::string list;
      for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      return Status::InvalidArgument("unknown column '" + header[i] + "' (known: " + list + ")");
    }
    if (std::find(header.begin(), header.begin() + static_cast<std::ptrdiff_t>(i), header[i]) !=
        header.begin() + static_cast<std::ptrdiff_t>(i)) {
      return Status::InvalidArgument("column '" + header[i] + "' appears twice");
    }
  }
  for (std::string_view need : {"entity_id", "contact", "outcome", "called_at"}) {
    if (std::find(header.begin(), header.end(), need) == header.end()) {
      return Status::InvalidArgument("missing column '" + std::string(need) + "'");
    }
  }
  return Status::Ok();
}

Status ParseOutcomeRow(const std::vector<std::string>& header, const std::vector<std::string_view>& cells,
                       const PhoneOptions& phone, OutcomeRow* row) {
  if (cells.size() != header.size()) {
    return Status::InvalidArgument("expected " + std::to_string(header.size()) + " fields, found " +
                                   std::to_string(cells.size()));
  }
  auto cell = [&](std::string_view name) -> std::string_view {
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return Trim(cells[i]);
    }
    return {};
  };
  std::string_view entity = cell("entity_id");
  int64_t id = ParseCount(entity);
  if (id <= 0) return Status::InvalidArgument("entity_id '" + std::string(entity) + "' is not a positive integer");
  row->entity = static_cast<uint64_t>(id);

  DOPPEL_ASSIGN_OR_RETURN(row->outcome, ParseOutcome(cell("outcome")));

  std::string_view contact = cell("contact");
  if (contact.empty()) return Status::InvalidArgument("contact is empty (which phone or email was called?)");
  std::string_view kind = cell("contact_kind");
  if (!kind.empty()) {
    DOPPEL_ASSIGN_OR_RETURN(row->kind, ParseContactKind(kind));
  } else {
    row->kind = contact.find('@') != std::string_view::npos ? ContactKind::kEmail : ContactKind::kPhone;
  }
  DOPPEL_ASSIGN_OR_RETURN(row->contact, NormalizeContact(row->kind, contact, phone));

  std::string_view called = cell("called_at");
  if (called.size() > 10 && (called[10] == 'T' || called[10] == ' ')) called = called.substr(0, 10);
  DateResult date = NormalizeDate(called, DateOptions{DateOrder::kDayFirst, 0, 1970, -1});
  if (!date.verdict.usable()) {
    return Status::InvalidArgument("called_at '" + std::string(cell("called_at")) + "' is not a date");
  }
  row->date = date.ymd();
  row->operator_id = std::string(cell("operator"));
  row->note = std::string(cell("note"));

  std::string_view np = cell("new_phone"), ne = cell("new_email"), na = cell("new_address");
  if (!np.empty()) {
    DOPPEL_ASSIGN_OR_RETURN(row->new_phone, NormalizeContact(ContactKind::kPhone, np, phone));
  }
  if (!ne.empty()) {
    DOPPEL_ASSIGN_OR_RETURN(row->new_email, NormalizeContact(ContactKind::kEmail, ne, phone));
  }
  if (!na.empty()) {
    DOPPEL_ASSIGN_OR_RETURN(row->new_address, NormalizeContact(ContactKind::kAddress, na, phone));
  }
  bool has_new = !row->new_phone.empty() || !row->new_email.empty() || !row->new_address.empty();
  if (row->outcome == Outcome::kUpdated && !has_new) {
    return Status::InvalidArgument("outcome 'updated' needs new_phone, new_email or new_address");
  }
  if (row->outcome != Outcome::kUpdated && has_new) {
    return Status::InvalidArgument("new values come with outcome 'updated' only");
  }

  row->survey.preferred_channel = Fold(cell("preferred_channel"));
  std::string_view interests = cell("interests");
  size_t start = 0;
  while (start <= interests.size() && !interests.empty()) {
    size_t end = interests.find(';', start);
    if (end == std::string_view::npos) end = interests.size();
    std::string v = Fold(Trim(interests.substr(start, end - start)));
    if (!v.empty()) row->survey.interests.push_back(std::move(v));
    start = end + 1;
  }
  row->survey.date = row->date;
  return Status::Ok();
}

}  // namespace doppel::core
