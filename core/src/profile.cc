#include "doppel/core/profile.h"

#include <algorithm>
#include <functional>
#include <map>

#include "doppel/core/unicode.h"
#include "doppel/core/writers.h"

namespace doppel::core {

namespace {

enum FieldKind { kName, kPhone, kEmail, kAddress, kBirthDate, kDocId, kLastVerified, kFieldCount };
constexpr std::array<const char*, kFieldCount> kFieldNames = {"name",       "phone",  "email",        "address",
                                                              "birth_date", "doc_id", "last_verified"};

struct FieldAcc {
  bool present = false;
  std::string columns;
  uint64_t filled = 0, usable = 0, invalid = 0, values = 0;
  std::array<ReasonStats, static_cast<size_t>(Reason::kReasonCount)> reasons{};
  std::map<std::string, uint64_t, std::less<>> breakdown;
  uint64_t breakdown_base = 0;  // denominator of the breakdown shares; 0 = usable records
};

// ++m[key], without building a string for a key already there.
void Bump(std::map<std::string, uint64_t, std::less<>>& m, std::string_view key) {
  auto it = m.find(key);
  if (it == m.end()) it = m.emplace(std::string(key), 0).first;
  ++it->second;
}

}  // namespace

struct Profiler::Impl {
  ProfileOptions options;
  FieldMap map;
  std::array<FieldAcc, kFieldCount> fields;
  uint64_t records = 0, rejected = 0;
  std::map<std::string, uint64_t> reject_reasons;
  uint64_t with_phone = 0, with_email = 0, with_contact = 0;
  uint64_t phones_suppressed = 0, emails_suppressed = 0, records_with_suppressed = 0;
  uint64_t verified_recent = 0, verified_stale = 0, never_verified = 0;
  ExactDeduper deduper;
  int64_t today_days = 0;

  Impl(const ProfileOptions& o, const FieldMap& m, const kernels::KernelTable& k)
      : options(o), map(m), deduper(ExactDedupeOptions{}, k) {
    if (o.today > 0) today_days = DaysFromCivil(o.today / 10000, o.today / 100 % 100, o.today % 100);
  }

  void SetMap(const FieldMap& m, const std::vector<std::string>& names) {
    map = m;
    auto cols = [&](std::initializer_list<Role> roles) {
      std::string out;
      for (Role r : roles) {
        for (int c : map.Columns(r)) out += (out.empty() ? "" : "+") + names[c];
      }
      return out;
    };
    fields[kName].columns = cols({Role::kFullName, Role::kLastName, Role::kFirstName, Role::kMiddleName});
    fields[kPhone].columns = cols({Role::kPhone});
    fields[kEmail].columns = cols({Role::kEmail});
    fields[kAddress].columns =
        cols({Role::kAddress, Role::kPostcode, Role::kRegion, Role::kCity, Role::kStreet, Role::kHouse, Role::kFlat});
    fields[kBirthDate].columns = cols({Role::kBirthDate});
    fields[kDocId].columns = cols({Role::kDocId});
    fields[kLastVerified].columns = cols({Role::kLastVerified});
    for (auto& f : fields) f.present = !f.columns.empty();
  }

  // The raw text behind a field of row `row`, for examples.
  std::string Raw(const RecordBatch& batch, size_t row, std::initializer_list<Role> roles) const {
    std::string out;
    for (Role r : roles) {
      for (int c : map.Columns(r)) {
        std::string_view v = Trim(batch.Value(row, c));
        if (v.empty()) continue;
        if (!out.empty()) out += " | ";
        out += v;
      }
    }
    if (out.size() > 120) {
      size_t cut = 120;
      while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
      out.resize(cut);
    }
    return out;
  }

  // raw() gives the value as written, asked only for a kept example.
  template <class Raw>
  void Note(FieldAcc& f, const Verdict& v, Raw&& raw) {
    if (v.validity != Validity::kInvalid && v.validity != Validity::kWarning) return;
    ReasonStats& rs = f.reasons[static_cast<size_t>(v.reason)];
    rs.reason = v.reason;
    rs.validity = v.validity;
    ++rs.count;
    if (rs.examples.size() < options.examples_per_reason) {
      std::string ex = raw();
      if (std::find(rs.examples.begin(), rs.examples.end(), ex) == rs.examples.end()) rs.examples.push_back(ex);
    }
  }

  void Single(FieldKind kind, const Verdict& v, const RecordBatch& batch, size_t row,
              std::initializer_list<Role> roles) {
    FieldAcc& f = fields[kind];
    if (!f.present || v.validity == Validity::kEmpty) return;
    ++f.filled;
    ++f.values;
    if (v.usable()) ++f.usable;
    else ++f.invalid;
    Note(f, v, [&] { return Raw(batch, row, roles); });
  }

  void Add(const RecordBatch& batch, const std::vector<NormalizedRecord>& recs) {
    for (size_t row = 0; row < recs.size(); ++row) {
      const NormalizedRecord& r = recs[row];
      ++records;
      Single(kName, r.name.verdict, batch, row, {Role::kFullName, Role::kLastName, Role::kFirstName, Role::kMiddleName});
      if (r.name.verdict.usable()) {
        std::string_view g = GenderCode(r.name.gender);
        Bump(fields[kName].breakdown, g.empty() ? "gender unknown" : (g == "m" ? "male" : "female"));
      }
      bool phone_ok = false, email_ok = false;
      if (fields[kPhone].present && r.has_phone_text) {
        FieldAcc& f = fields[kPhone];
        ++f.filled;
        for (size_t i = 0; i < r.phones.size(); ++i) {
          const PhoneResult& p = r.phones[i];
          ++f.values;
          Note(f, p.verdict, [&] { return std::string(PhoneParts(batch, map, row)[i]); });
          if (p.verdict.usable()) {
            phone_ok = true;
            Bump(f.breakdown, PhoneTypeName(p.type));
            ++f.breakdown_base;
          }
        }
        if (phone_ok) ++f.usable;
        else ++f.invalid;
      }
      if (fields[kEmail].present && r.has_email_text) {
        FieldAcc& f = fields[kEmail];
        ++f.filled;
        for (size_t i = 0; i < r.emails.size(); ++i) {
          const EmailResult& e = r.emails[i];
          ++f.values;
          Note(f, e.verdict, [&] { return std::string(EmailParts(batch, map, row)[i]); });
          email_ok = email_ok || e.verdict.usable();
        }
        if (email_ok) ++f.usable;
        else ++f.invalid;
      }
      with_phone += phone_ok;
      with_email += email_ok;
      with_contact += (phone_ok || email_ok);
      if (options.suppressed) {
        bool any = false;
        for (const auto& ph : r.phones) {
          if (ph.verdict.usable() && options.suppressed('P', ph.e164)) ++phones_suppressed, any = true;
        }
        for (const auto& e : r.emails) {
          if (e.verdict.usable() && options.suppressed('E', e.normalized)) ++emails_suppressed, any = true;
        }
        records_with_suppressed += any;
      }
      Single(kAddress, r.address.verdict, batch, row,
             {Role::kAddress, Role::kPostcode, Role::kRegion, Role::kCity, Role::kStreet, Role::kHouse, Role::kFlat});
      if (r.address.verdict.usable()) {
        auto& b = fields[kAddress].breakdown;
        if (!r.address.key.empty()) Bump(b, "street and house known");
        if (!r.address.parts.postcode.empty()) Bump(b, "postcode known");
        if (!r.address.parts.flat.empty()) Bump(b, "flat known");
      }
      Single(kBirthDate, r.birth_date.verdict, batch, row, {Role::kBirthDate});
      Single(kDocId, r.doc_id.verdict, batch, row, {Role::kDocId});
      Single(kLastVerified, r.last_verified.verdict, batch, row, {Role::kLastVerified});
      if (fields[kLastVerified].present && today_days > 0) {
        if (r.last_verified.verdict.usable()) {
          int64_t age = today_days - DaysFromCivil(r.last_verified.year, r.last_verified.month, r.last_verified.day);
          (age > options.stale_after_days ? verified_stale : verified_recent) += 1;
        } else {
          ++never_verified;
        }
      }
    }
    deduper.Add(recs);
  }
};

Profiler::Profiler(const ProfileOptions& options, const FieldMap& map, const std::vector<std::string>& column_names,
                   const kernels::KernelTable& kernels)
    : impl_(std::make_unique<Impl>(options, map, kernels)) {
  impl_->SetMap(map, column_names);
}

Profiler::~Profiler() = default;

void Profiler::SetFieldMap(const FieldMap& map, const std::vector<std::string>& column_names) {
  impl_->SetMap(map, column_names);
}

void Profiler::Add(const RecordBatch& batch, const std::vector<NormalizedRecord>& records) {
  impl_->Add(batch, records);
}

void Profiler::AddRejects(const std::vector<Reject>& rejects) {
  for (const auto& r : rejects) {
    ++impl_->rejected;
    // Group by the reason with its numbers folded ("malformed JSON at byte N"),
    // so the top reasons are kinds of problems, not single rows.
    std::string kind;
    for (size_t i = 0; i < r.reason.size(); ++i) {
      if (r.reason[i] >= '0' && r.reason[i] <= '9') {
        if (kind.empty() || kind.back() != 'N') kind.push_back('N');
      } else {
        kind.push_back(r.reason[i]);
      }
    }
    ++impl_->reject_reasons[kind];
  }
}

Profile Profiler::Finish(const BatchReader& reader, std::string input_name) {
  Impl& m = *impl_;
  Profile p;
  p.input = std::move(input_name);
  p.format = reader.format() == InputFormat::kNdjson ? "ndjson" : "csv";
  p.encoding = std::string(EncodingName(reader.encoding()));
  p.delimiter = reader.delimiter();
  p.records = m.records;
  p.rejected = m.rejected;
  p.blank_lines = reader.blank_lines();
  for (const auto& [reason, n] : m.reject_reasons) p.reject_reasons.emplace_back(reason, n);
  std::stable_sort(p.reject_reasons.begin(), p.reject_reasons.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  for (int k = 0; k < kFieldCount; ++k) {
    const FieldAcc& f = m.fields[k];
    if (!f.present) continue;
    FieldProfile fp;
    fp.field = kFieldNames[k];
    fp.columns = f.columns;
    fp.filled = f.filled;
    fp.usable = f.usable;
    fp.invalid = f.invalid;
    fp.values = f.values;
    for (const auto& rs : f.reasons) {
      if (rs.count > 0) fp.problems.push_back(rs);
    }
    std::stable_sort(fp.problems.begin(), fp.problems.end(),
                     [](const ReasonStats& a, const ReasonStats& b) { return a.count > b.count; });
    for (const auto& [name, n] : f.breakdown) fp.breakdown.emplace_back(name, n);
    fp.breakdown_base = f.breakdown_base > 0 ? f.breakdown_base : f.usable;
    fp.breakdown_of = f.breakdown_base > 0 ? "valid values" : "valid records";
    std::stable_sort(fp.breakdown.begin(), fp.breakdown.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    p.fields.push_back(std::move(fp));
  }
  p.with_phone = m.with_phone;
  p.with_email = m.with_email;
  p.with_contact = m.with_contact;
  p.suppression_checked = static_cast<bool>(m.options.suppressed);
  p.phones_suppressed = m.phones_suppressed;
  p.emails_suppressed = m.emails_suppressed;
  p.records_with_suppressed = m.records_with_suppressed;
  p.has_verification = m.fields[kLastVerified].present && m.today_days > 0;
  p.verified_recent = m.verified_recent;
  p.verified_stale = m.verified_stale;
  p.never_verified = m.never_verified;
  p.duplicates = m.deduper.Finish();
  p.duplicate_keys = ExactDedupeOptions{}.keys;
  return p;
}

namespace {

std::string Pad(std::string s, size_t width, bool right = false) {
  // Width in code points, so Cyrillic column names line up.
  size_t cps = 0;
  for (size_t i = 0; i < s.size();) NextCodePoint(s, i), ++cps;
  if (cps >= width) return s;
  std::string pad(width - cps, ' ');
  return right ? pad + s : s + pad;
}

std::string Quote(std::string_view s) {
  std::string out = "\"";
  out += s;
  out += "\"";
  return out;
}

}  // namespace

std::string FormatProfileText(const Profile& p) {
  std::string out;
  std::string delim = p.delimiter == '\t' ? "tab" : p.delimiter == 0 ? "-" : std::string(1, p.delimiter);
  out += "Input     " + p.input + "  (" + p.format + ", " + p.encoding +
         (p.format == "csv" ? ", delimiter " + delim : "") + ")\n";
  out += "Records   " + WithThousands(p.records) + " read, " + WithThousands(p.rejected) + " rejected";
  if (p.blank_lines > 0) out += ", " + WithThousands(p.blank_lines) + " blank lines skipped";
  out += "\n";
  for (size_t i = 0; i < p.reject_reasons.size() && i < 5; ++i) {
    out += "          rejected: " + p.reject_reasons[i].first + " (" + WithThousands(p.reject_reasons[i].second) + ")\n";
  }
  out += "Columns   " + p.columns + "\n\n";

  out += Pad("field", 14) + Pad("filled", 9, true) + Pad("valid", 9, true) + Pad("invalid", 9, true) +
         "  problems (count, examples)\n";
  for (const auto& f : p.fields) {
    out += Pad(f.field, 14) + Pad(Percent(f.filled, p.records), 9, true) + Pad(Percent(f.usable, p.records), 9, true) +
           Pad(Percent(f.invalid, p.records), 9, true);
    if (f.problems.empty()) out += "  -";
    for (size_t i = 0; i < f.problems.size() && i < 4; ++i) {
      const auto& r = f.problems[i];
      out += i == 0 ? "  " : "\n" + std::string(43, ' ');
      out += std::string(ReasonCode(r.reason)) + (r.validity == Validity::kWarning ? " (warning)" : "") + " " +
             WithThousands(r.count);
      if (!r.examples.empty()) {
        out += ": ";
        for (size_t e = 0; e < r.examples.size(); ++e) out += (e ? ", " : "") + Quote(r.examples[e]);
      }
    }
    out += "\n";
    if (!f.breakdown.empty()) {
      out += std::string(14, ' ') + "of " + f.breakdown_of + ": ";
      for (size_t i = 0; i < f.breakdown.size() && i < 5; ++i) {
        out += (i ? ", " : "") + f.breakdown[i].first + " " + Percent(f.breakdown[i].second, f.breakdown_base);
      }
      out += "\n";
    }
  }
  out += "\nContacts  " + Percent(p.with_contact, p.records) + " of records have a valid phone or email (phone " +
         Percent(p.with_phone, p.records) + ", email " + Percent(p.with_email, p.records) + "); " +
         WithThousands(p.records - p.with_contact) + " records have neither\n";
  if (p.suppression_checked) {
    out += "Suppressed  " + WithThousands(p.phones_suppressed) + " phones and " + WithThousands(p.emails_suppressed) +
           " emails are on the suppression list (" + WithThousands(p.records_with_suppressed) + " records, " +
           Percent(p.records_with_suppressed, p.records) + ")\n";
  }
  if (p.has_verification) {
    out += "Verified  " + Percent(p.verified_recent, p.records) + " within the staleness window, " +
           Percent(p.verified_stale, p.records) + " outdated, " + Percent(p.never_verified, p.records) +
           " never verified\n";
  }
  out += "Exact duplicates (records sharing a normalized key):\n";
  for (ExactKey k : p.duplicate_keys) {
    const KeyStats& s = p.duplicates.by_key[static_cast<size_t>(k)];
    out += "  " + Pad(std::string(ExactKeyName(k)), 10) + Pad(WithThousands(s.groups), 10, true) + " groups, " +
           WithThousands(s.records_in_groups) + " records (" + WithThousands(s.records_with_key) + " records have the key)\n";
  }
  out += "  all keys: " + WithThousands(p.duplicates.records) + " records form " + WithThousands(p.duplicates.entities) +
         " entities (" + WithThousands(p.duplicates.records - p.duplicates.entities) + " duplicates)\n";
  if (!p.duplicates.duplicate_ids.empty()) {
    out += "  warning: " + WithThousands(p.duplicates.duplicate_ids.size()) + " repeated record ids (first at line " +
           std::to_string(p.duplicates.duplicate_ids.front().line) + ")\n";
  }
  char buf[128];
  double rate = p.seconds > 0 ? static_cast<double>(p.records + p.rejected) / p.seconds : 0;
  std::snprintf(buf, sizeof buf, "Time      %.2f s (%s records/s, backend %s)\n", p.seconds,
                WithThousands(static_cast<uint64_t>(rate)).c_str(), p.backend.c_str());
  out += buf;
  return out;
}

std::string FormatProfileJson(const Profile& p) {
  JsonWriter j;
  j.BeginObject();
  j.Key("input").BeginObject();
  j.Field("path", p.input).Field("format", p.format).Field("encoding", p.encoding);
  j.Field("delimiter", p.delimiter ? std::string(1, p.delimiter) : std::string());
  j.Field("columns", p.columns);
  j.EndObject();
  j.Field("records", p.records).Field("rejected", p.rejected).Field("blank_lines", p.blank_lines);
  j.Key("reject_reasons").BeginArray();
  for (const auto& [reason, n] : p.reject_reasons) j.BeginObject().Field("reason", reason).Field("count", n).EndObject();
  j.EndArray();
  j.Key("fields").BeginArray();
  for (const auto& f : p.fields) {
    j.BeginObject();
    j.Field("field", f.field).Field("columns", f.columns);
    j.Field("filled", f.filled).Field("valid", f.usable).Field("invalid", f.invalid).Field("values", f.values);
    j.Key("problems").BeginArray();
    for (const auto& r : f.problems) {
      j.BeginObject().Field("reason", ReasonCode(r.reason));
      j.Field("severity", std::string(r.validity == Validity::kWarning ? "warning" : "invalid"));
      j.Field("count", r.count);
      j.Key("examples").BeginArray();
      for (const auto& e : r.examples) j.String(e);
      j.EndArray().EndObject();
    }
    j.EndArray();
    j.Field("breakdown_of", f.breakdown_of).Field("breakdown_base", f.breakdown_base);
    j.Key("breakdown").BeginObject();
    for (const auto& [name, n] : f.breakdown) j.Field(name, n);
    j.EndObject();
    j.EndObject();
  }
  j.EndArray();
  j.Key("contacts").BeginObject();
  j.Field("with_valid_phone", p.with_phone).Field("with_valid_email", p.with_email);
  j.Field("with_valid_contact", p.with_contact).Field("without_contact", p.records - p.with_contact);
  j.EndObject();
  if (p.suppression_checked) {
    j.Key("suppressed").BeginObject();
    j.Field("phones", p.phones_suppressed).Field("emails", p.emails_suppressed);
    j.Field("records", p.records_with_suppressed);
    j.EndObject();
  }
  if (p.has_verification) {
    j.Key("verification").BeginObject();
    j.Field("recent", p.verified_recent).Field("outdated", p.verified_stale).Field("never", p.never_verified);
    j.EndObject();
  }
  j.Key("exact_duplicates").BeginObject();
  for (ExactKey k : p.duplicate_keys) {
    const KeyStats& s = p.duplicates.by_key[static_cast<size_t>(k)];
    j.Key(ExactKeyName(k)).BeginObject();
    j.Field("records_with_key", s.records_with_key).Field("groups", s.groups).Field("records_in_groups", s.records_in_groups);
    j.EndObject();
  }
  j.Field("records", p.duplicates.records).Field("entities", p.duplicates.entities);
  j.Field("repeated_record_ids", static_cast<uint64_t>(p.duplicates.duplicate_ids.size()));
  j.EndObject();
  j.Field("seconds", p.seconds).Field("backend", p.backend);
  j.EndObject();
  return j.str();
}

}  // namespace doppel::core
