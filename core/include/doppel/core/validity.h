// The verdict every normalizer gives: a validity and a reason code.
//
// Reason codes are stable snake_case strings (ReasonCode) because they appear
// in reports, rejects files and JSON; add new ones at the end.
#pragma once

#include <cstdint>
#include <string_view>

namespace doppel::core {

enum class Validity : uint8_t {
  kEmpty = 0,  // nothing there (or only whitespace)
  kValid,      // usable as it is
  kWarning,    // usable, with a note: a suggested correction, an ambiguity
  kInvalid,    // present but unusable
};

enum class Reason : uint8_t {
  kOk = 0,
  kEmpty,
  kPlaceholder,         // "-", "нет", "n/a", "test", "xxx" and the like
  // names
  kNameNoLetters,
  kNameHasDigits,
  kNameMixedScript,     // Latin look-alikes inside a Cyrillic word, repaired
  kNameTooLong,
  // phones
  kPhoneNotANumber,
  kPhoneTooShort,
  kPhoneTooLong,
  kPhoneBadCountryCode,
  kPhonePlaceholder,    // one repeated digit, 1234567, 0000000
  kPhoneInvalid,        // well-formed but no such number in the numbering plan
  // emails
  kEmailNoAt,
  kEmailBadLocalPart,
  kEmailBadDomain,
  kEmailTooLong,
  kEmailDomainTypo,     // gmial.com -> gmail.com suggested (warning)
  kEmailPlaceholder,    // noemail@, test@test.ru, нет@нет.ру
  // addresses
  kAddressTooShort,
  kAddressNoStreetOrCity,
  kAddressBadPostcode,
  // dates
  kDateUnparsed,
  kDateImpossible,      // 31.02.1990, month 13
  kDateInFuture,
  kDateTooOld,          // before the configured minimum year
  kDateAmbiguous,       // 03/04/1990: day and month may be swapped (warning)
  // document ids
  kDocIdBadFormat,
  kReasonCount
};

// "phone_too_short" etc.
std::string_view ReasonCode(Reason r);

struct Verdict {
  Validity validity = Validity::kEmpty;
  Reason reason = Reason::kEmpty;

  bool usable() const { return validity == Validity::kValid || validity == Validity::kWarning; }
  static Verdict Empty() { return {Validity::kEmpty, Reason::kEmpty}; }
  static Verdict Valid() { return {Validity::kValid, Reason::kOk}; }
  static Verdict Warn(Reason r) { return {Validity::kWarning, r}; }
  static Verdict Invalid(Reason r) { return {Validity::kInvalid, r}; }
};

// True for the values people type when they have nothing to type: "-", "нет",
// "n/a", "null", "не указан", "unknown", "xxx"... (compared after folding).
bool IsPlaceholderText(std::string_view folded);

}  // namespace doppel::core
