// Name normalization (core/name.h) on arbitrary text, as a full name or as
// parts. Invariants: outputs are UTF-8, keys are ASCII, and the parts it
// returns normalize to themselves (same display forms, same keys).
#include "doppel/core/name.h"
#include "doppel/core/unicode.h"
#include "fuzz.h"

using namespace doppel;
using doppel::fuzz::Show;

namespace {
bool Ascii(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 512) return 0;
  std::string_view fields[4];
  fuzz::SplitFields(std::string_view(reinterpret_cast<const char*>(data), size), fields);
  core::NameInput in;
  in.full = fields[0];
  in.last = fields[1];
  in.first = fields[2];
  in.middle = fields[3];
  core::NameResult r = core::NormalizeName(in);
  for (const std::string* s : {&r.last, &r.first, &r.middle, &r.normalized}) {
    FUZZ_CHECK(core::IsValidUtf8(*s), "output not UTF-8 for " + Show(fields[0]));
  }
  for (const std::string* s : {&r.last_key, &r.first_key, &r.middle_key}) {
    FUZZ_CHECK(Ascii(*s), "key not ASCII: " + Show(*s));
  }
  if (r.last.empty() && r.first.empty() && r.middle.empty()) return 0;
  core::NameInput parts;
  parts.last = r.last;
  parts.first = r.first;
  parts.middle = r.middle;
  core::NameResult again = core::NormalizeName(parts);
  const std::string what = Show(r.last) + " " + Show(r.first) + " " + Show(r.middle) + " -> " + Show(again.last) +
                           " " + Show(again.first) + " " + Show(again.middle);
  FUZZ_CHECK(again.last == r.last && again.first == r.first && again.middle == r.middle, what);
  FUZZ_CHECK(again.last_key == r.last_key && again.first_key == r.first_key && again.middle_key == r.middle_key,
             "keys differ: " + what);
  return 0;
}
