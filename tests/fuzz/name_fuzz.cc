// Name normalization (core/name.h) on arbitrary text, as a full name or as
// parts. Invariants: outputs are UTF-8, keys are ASCII for Latin and
// Russian text (other scripts keep their letters, see unicode.h), and the parts it
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

// Latin and modern Russian letters only (and anything ASCII): every letter
// has an ASCII form. Other scripts keep their letters in the keys, by design.
bool LatinOrRussian(std::string_view s) {
  if (!core::IsValidUtf8(s)) return false;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
    } else if (c == 0xD0 || (c == 0xD1 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0x91)) {
      i += 2;  // U+0400..U+0451
    } else {
      return false;
    }
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
  const bool latin_or_russian = LatinOrRussian(fields[0]) && LatinOrRussian(fields[1]) &&
                                LatinOrRussian(fields[2]) && LatinOrRussian(fields[3]);
  for (const std::string* s : {&r.last_key, &r.first_key, &r.middle_key}) {
    FUZZ_CHECK(core::IsValidUtf8(*s), "key not UTF-8: " + Show(*s));
    FUZZ_CHECK(!latin_or_russian || Ascii(*s), "key not ASCII: " + Show(*s));
  }
  if (!r.verdict.usable()) return 0;  // an invalid name's parts promise nothing
  // Words mixing Latin and Cyrillic letters are repaired by guessing the
  // intended script from the letters around them, and the guess can change
  // once a word has been repaired ("Izа" read again): known, not yet fixed
  // (see docs/reliability.md), so such names are left out of the round trip.
  for (const std::string* s : {&r.last, &r.first, &r.middle}) {
    bool latin = false, cyrillic = false;
    for (unsigned char c : *s) {
      latin |= (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
      cyrillic |= c == 0xD0 || c == 0xD1;
    }
    if (latin && cyrillic) return 0;
  }
  core::NameInput parts;
  parts.last = r.last;
  parts.first = r.first;
  parts.middle = r.middle;
  core::NameResult again = core::NormalizeName(parts);
  // Placeholders ("x", "test") are judged per source text, so "X X" as one
  // full name passes where "X" and "X" as two columns do not: the parts are
  // compared when they are a name on their own.
  if (!again.verdict.usable()) return 0;
  const std::string what = Show(r.last) + " " + Show(r.first) + " " + Show(r.middle) + " -> " + Show(again.last) +
                           " " + Show(again.first) + " " + Show(again.middle);
  FUZZ_CHECK(again.last == r.last && again.first == r.first && again.middle == r.middle, what);
  FUZZ_CHECK(again.last_key == r.last_key && again.first_key == r.first_key && again.middle_key == r.middle_key,
             "keys differ: " + what);
  return 0;
}
