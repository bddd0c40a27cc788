// Email normalization (core/email.h) on arbitrary text. Invariants: what it
// accepts is UTF-8 and normalizes to itself, with the same matching key.
#include "doppel/core/email.h"
#include "doppel/core/unicode.h"
#include "fuzz.h"

using namespace doppel;
using doppel::fuzz::Show;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 512) return 0;
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  core::EmailResult r = core::NormalizeEmail(raw);
  FUZZ_CHECK(core::IsValidUtf8(r.normalized) && core::IsValidUtf8(r.key), Show(raw));
  if (r.normalized.empty()) return 0;
  FUZZ_CHECK(!r.key.empty(), Show(raw) + ": accepted without a key");
  core::EmailResult again = core::NormalizeEmail(r.normalized);
  FUZZ_CHECK(again.normalized == r.normalized, Show(raw) + " -> " + Show(r.normalized) + " -> " + Show(again.normalized));
  FUZZ_CHECK(again.key == r.key, Show(raw) + ": key " + Show(r.key) + " then " + Show(again.key));
  return 0;
}
