// Contacts in the actualization loop: what a call taught about a phone, an
// email or an address, the suppression list of values that must not be
// used, and the call outcomes operators report.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "doppel/core/normalize.h"
#include "doppel/core/report.h"
#include "doppel/core/status.h"

namespace doppel::core {

enum class ContactKind : uint8_t { kPhone = 'P', kEmail = 'E', kAddress = 'A' };
std::string_view ContactKindName(ContactKind k);  // "phone", "email", "address"
Result<ContactKind> ParseContactKind(std::string_view name);

// Normalizes a contact value the way the base stores it (E.164 phones,
// canonical emails, normalized addresses); an error says why it is unusable.
Result<std::string> NormalizeContact(ContactKind kind, std::string_view raw, const PhoneOptions& phone = {});

// As NormalizeContact, but a value the normalizers reject (a placeholder
// like test@test.ru or 8-900-000-00-00, a number not in service) is kept in
// a plain form (folded email; '+' and digits, a Russian leading 8 as 7), so
// such values can be suppressed too. Fails only on text that is no phone or
// email at all.
Result<std::string> NormalizeSuppressedValue(ContactKind kind, std::string_view raw, const PhoneOptions& phone = {});

// Why a value is on the suppression list.
enum class SuppressReason : uint8_t {
  kDoNotCall = 1,  // the person asked not to be contacted
  kBlocked,        // the number is blocked (by the operator, a court, the client's own block list)
  kFraud,          // used in fraud
  kPlaceholder,    // a known dummy value (the office's own number, test@test.ru)
  kErased,         // erased on request; kept so it is not re-imported silently
  kOther,
};
std::string_view SuppressReasonName(SuppressReason r);  // "do_not_call", "blocked", ...
Result<SuppressReason> ParseSuppressReason(std::string_view name);

struct Suppression {
  ContactKind kind = ContactKind::kPhone;
  std::string value;  // normalized
  SuppressReason reason = SuppressReason::kOther;
  std::string source;  // who asked or which list it came from
  int32_t date = 0;    // yyyymmdd it took effect
  std::string note;    // free text, no personal data
};

// What an operator learned on a call.
enum class Outcome : uint8_t {
  kConfirmed = 1,  // right person, contact works
  kUpdated,        // right person, who gave a new phone / email / address
  kUnreachable,    // no answer, switched off, not in service
  kWrongPerson,    // someone else answers on this contact
  kDoNotCall,      // asked not to be called again
};
std::string_view OutcomeName(Outcome o);  // "confirmed", "updated", "unreachable", "wrong_person", "do_not_call"
Result<Outcome> ParseOutcome(std::string_view name);
void CountOutcome(Outcome o, OutcomeCounts* c);

// What calls taught about one contact value (stored per value; the rest of
// its history, first and last seen, comes from the records that carry it).
struct ContactState {
  int32_t last_verified = 0;     // yyyymmdd of the last confirmation; 0 never
  Outcome last_outcome{};        // meaningful when last_date != 0
  int32_t last_date = 0;         // yyyymmdd of the last outcome
  uint32_t attempts = 0;         // calls recorded
  uint32_t unreachable_streak = 0;
  std::vector<uint64_t> wrong_for;  // entities this contact turned out not to belong to
  bool operator==(const ContactState&) const = default;
};
std::string EncodeContactState(const ContactState& s);
Result<ContactState> DecodeContactState(std::string_view bytes);

// Survey answers an operator collected (the latest answers win).
struct SurveyAnswers {
  std::string preferred_channel;  // folded: "phone", "email", "sms", "messenger"
  std::vector<std::string> interests;
  int32_t date = 0;
  bool empty() const { return preferred_channel.empty() && interests.empty(); }
};

// One row of an outcomes file.
struct OutcomeRow {
  uint64_t line = 0;      // in the file, for errors
  uint64_t entity = 0;    // as the call list gave it
  ContactKind kind = ContactKind::kPhone;
  std::string contact;    // the value called, normalized
  Outcome outcome = Outcome::kConfirmed;
  int32_t date = 0;       // yyyymmdd of the call
  std::string operator_id;
  // For kUpdated: the new values (normalized; empty when not given).
  std::string new_phone, new_email, new_address;
  SurveyAnswers survey;
  std::string note;
};

struct OutcomeRowError {
  uint64_t line = 0;
  std::string reason;
  std::string raw;
};

// The columns of an outcomes file (CSV with a header; any order; unknown
// columns are an error so a typo is not silently ignored):
//   entity_id, contact, outcome, called_at (date), operator,
//   new_phone, new_email, new_address, preferred_channel, interests (';'-separated), note
// `contact_kind` is optional (phone by default; email when the contact has an @).
std::vector<std::string_view> OutcomeColumns();

// Checks a header: the four required columns are there, nothing unknown, no
// column twice.
Status CheckOutcomeHeader(const std::vector<std::string>& header);

// Parses one data row against the header; fills `row` or returns why not.
Status ParseOutcomeRow(const std::vector<std::string>& header, const std::vector<std::string_view>& cells,
                       const PhoneOptions& phone, OutcomeRow* row);

}  // namespace doppel::core
