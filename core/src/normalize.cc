#include "doppel/core/normalize.h"

#include "doppel/core/parallel.h"
#include "doppel/core/unicode.h"

namespace doppel::core {

Status NormalizeOptions::Validate() const {
  if (!IsKnownRegion(phone.default_region)) {
    return Status::InvalidArgument("unknown phone region '" + phone.default_region + "' (use an ISO code like RU)");
  }
  if (threads < 0) return Status::InvalidArgument("threads must be 0 (all cores) or positive");
  return Status::Ok();
}

int64_t ParseCount(std::string_view raw) {
  std::string_view s = Trim(raw);
  if (s.empty() || s.size() > 15) return -1;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

int64_t ParseAmountCents(std::string_view raw) {
  std::string_view s = Trim(raw);
  // Digits with spaces (or NBSP) between thousands, one decimal separator
  // ('.' or ','), then an optional currency word or sign.
  int64_t units = 0, cents = 0;
  int digits = 0, decimals = -1;  // decimals: -1 before the separator
  size_t i = 0;
  for (; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= '0' && c <= '9') {
      if (decimals < 0) {
        if (++digits > 15) return -1;
        units = units * 10 + (c - '0');
      } else if (decimals < 2) {
        cents = cents * 10 + (c - '0');
        ++decimals;
      } else {
        return -1;  // three decimals: not money
      }
    } else if ((c == '.' || c == ',') && decimals < 0 && digits > 0) {
      decimals = 0;
    } else if (c == ' ' && decimals < 0 && digits > 0) {
      continue;
    } else if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xA0 && decimals < 0) {
      ++i;  // NBSP between thousands
    } else {
      break;
    }
  }
  if (digits == 0) return -1;
  // What follows may only be a currency: "руб", "руб.", "р.", "₽", "rub".
  std::string rest = Fold(Trim(s.substr(i)));
  if (!rest.empty() && rest != "руб" && rest != "руб." && rest != "р." && rest != "р" && rest != "₽" &&
      rest != "rub" && rest != "rur") {
    return -1;
  }
  if (decimals == 1) cents *= 10;
  return units * 100 + cents;
}

DocIdResult NormalizeDocId(std::string_view raw) {
  DocIdResult r;
  std::string_view s = Trim(raw);
  if (s.empty()) return r;
  std::string folded = Fold(s);
  if (IsPlaceholderText(folded)) {
    r.verdict = Verdict::Invalid(Reason::kPlaceholder);
    return r;
  }
  for (size_t i = 0; i < folded.size();) {
    size_t start = i;
    char32_t cp = NextCodePoint(folded, i);
    if (cp < 0x80 && ((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z'))) {
      r.normalized.push_back(static_cast<char>(cp >= 'a' ? cp - 32 : cp));
    } else if (IsLetter(cp)) {
      r.normalized += TitleCase(folded.substr(start, i - start));  // upper-cases one letter
    }
  }
  bool same = !r.normalized.empty() &&
              r.normalized.find_first_not_of(r.normalized[0]) == std::string::npos;
  if (r.normalized.size() < 4) r.verdict = Verdict::Invalid(Reason::kDocIdBadFormat);
  else if (same) r.verdict = Verdict::Invalid(Reason::kPlaceholder);
  else r.verdict = Verdict::Valid();
  if (!r.verdict.usable()) r.normalized.clear();
  return r;
}

namespace {

// Joins the non-empty values of several columns with ", ".
std::string JoinColumns(const RecordBatch& batch, const std::vector<int>& cols, size_t row) {
  std::string out;
  for (int c : cols) {
    std::string_view v = Trim(batch.Value(row, c));
    if (v.empty()) continue;
    if (!out.empty()) out += ", ";
    out += v;
  }
  return out;
}

std::string_view First(const RecordBatch& batch, const FieldMap& map, Role role, size_t row) {
  int c = map.Column(role);
  return c < 0 ? std::string_view() : batch.Value(row, c);
}

}  // namespace

std::vector<std::string_view> PhoneParts(const RecordBatch& batch, const FieldMap& map, size_t row) {
  std::vector<std::string_view> parts;
  for (int c : map.Columns(Role::kPhone)) {
    for (std::string_view part : SplitPhones(batch.Value(row, c))) parts.push_back(part);
  }
  return parts;
}

std::vector<std::string_view> EmailParts(const RecordBatch& batch, const FieldMap& map, size_t row) {
  // Several addresses in one cell: "a@x.ru; b@y.ru" or "a@x.ru, b@y.ru".
  std::vector<std::string_view> parts;
  for (int c : map.Columns(Role::kEmail)) {
    std::string_view cell = batch.Value(row, c);
    size_t start = 0;
    for (size_t i = 0; i <= cell.size(); ++i) {
      if (i < cell.size() && cell[i] != ';' && cell[i] != ',') continue;
      std::string_view part = Trim(cell.substr(start, i - start));
      start = i + 1;
      if (!part.empty()) parts.push_back(part);
    }
  }
  return parts;
}

void NormalizeRows(const RecordBatch& batch, const FieldMap& map, const NormalizeOptions& options, size_t begin,
                   size_t end, NormalizedRecord* out) {
  for (size_t row = begin; row < end; ++row) {
    NormalizedRecord& r = out[row - begin];
    r = NormalizedRecord();
    r.line = batch.lines[row];
    // No id column: the 1-based data row number. An empty cell in an id
    // column: "#<row number>", which cannot collide with a real numeric id.
    std::string_view id = Trim(First(batch, map, Role::kRecordId, row));
    if (!id.empty()) r.id = std::string(id);
    else {
      r.id = std::to_string(batch.ordinals[row] + 1);
      if (map.Has(Role::kRecordId)) r.id.insert(r.id.begin(), '#');
    }

    NameInput name;
    name.full = First(batch, map, Role::kFullName, row);
    name.last = First(batch, map, Role::kLastName, row);
    name.first = First(batch, map, Role::kFirstName, row);
    name.middle = First(batch, map, Role::kMiddleName, row);
    r.name = NormalizeName(name);

    for (std::string_view part : PhoneParts(batch, map, row)) r.phones.push_back(NormalizePhone(part, options.phone));
    for (std::string_view part : EmailParts(batch, map, row)) r.emails.push_back(NormalizeEmail(part));
    r.has_phone_text = !r.phones.empty();
    r.has_email_text = !r.emails.empty();

    // One address column (the usual case) is read where it lies.
    const std::vector<int>& address_columns = map.Columns(Role::kAddress);
    std::string joined;
    AddressInput address;
    if (address_columns.size() == 1) {
      address.line = Trim(batch.Value(row, address_columns[0]));
    } else {
      joined = JoinColumns(batch, address_columns, row);
      address.line = joined;
    }
    address.postcode = First(batch, map, Role::kPostcode, row);
    address.region = First(batch, map, Role::kRegion, row);
    address.city = First(batch, map, Role::kCity, row);
    address.street = First(batch, map, Role::kStreet, row);
    address.house = First(batch, map, Role::kHouse, row);
    address.flat = First(batch, map, Role::kFlat, row);
    r.address = NormalizeAddress(address);

    r.birth_date = NormalizeDate(First(batch, map, Role::kBirthDate, row), options.birth_date);
    r.doc_id = NormalizeDocId(First(batch, map, Role::kDocId, row));
    r.last_verified = NormalizeDate(First(batch, map, Role::kLastVerified, row), options.other_dates);
    r.source = Fold(Trim(First(batch, map, Role::kSource, row)));
    r.activity.created = NormalizeDate(First(batch, map, Role::kCreated, row), options.other_dates).ymd();
    r.activity.last_purchase = NormalizeDate(First(batch, map, Role::kLastPurchase, row), options.other_dates).ymd();
    r.activity.purchases = ParseCount(First(batch, map, Role::kPurchases, row));
    r.activity.revenue_cents = ParseAmountCents(First(batch, map, Role::kRevenue, row));
    r.activity.channel = Fold(Trim(First(batch, map, Role::kChannel, row)));
  }
}

void NormalizeBatch(const RecordBatch& batch, const FieldMap& map, const NormalizeOptions& options,
                    std::vector<NormalizedRecord>* out) {
  out->resize(batch.num_rows());
  ParallelFor(batch.num_rows(), ResolveThreads(options.threads), 512,
              [&](size_t b, size_t e) { NormalizeRows(batch, map, options, b, e, out->data() + b); });
}

}  // namespace doppel::core
