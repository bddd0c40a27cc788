// Phone normalization (core/phone.h) on arbitrary text. Invariants:
//  - the fast path and the full libphonenumber parse agree (number, validity);
//  - a number it accepts is +digits and normalizes to itself.
#include "doppel/core/phone.h"
#include "fuzz.h"

using namespace doppel;
using doppel::fuzz::Show;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 256) return 0;
  static const char* kRegions[4] = {"RU", "US", "DE", "KZ"};
  core::PhoneOptions o;
  o.default_region = kRegions[data[0] & 3];
  std::string_view raw(reinterpret_cast<const char*>(data + 1), size - 1);
  core::PhoneResult fast = core::NormalizePhone(raw, o);
  core::PhoneResult slow = core::NormalizePhoneSlow(raw, o);
  FUZZ_CHECK(fast.e164 == slow.e164, Show(raw) + ": fast " + fast.e164 + " vs full " + slow.e164);
  FUZZ_CHECK(fast.verdict.usable() == slow.verdict.usable(), Show(raw) + ": fast and full parse disagree on validity");
  FUZZ_CHECK(fast.extension == slow.extension, Show(raw) + ": extensions differ");
  if (!fast.verdict.usable()) return 0;
  FUZZ_CHECK(fast.e164.size() > 1 && fast.e164[0] == '+' &&
                 fast.e164.find_first_not_of("0123456789", 1) == std::string::npos,
             Show(raw) + " -> " + fast.e164);
  core::PhoneResult again = core::NormalizePhone(fast.e164, o);
  FUZZ_CHECK(again.e164 == fast.e164 && again.verdict.usable(), Show(raw) + " -> " + fast.e164 + " -> " + again.e164);
  return 0;
}
