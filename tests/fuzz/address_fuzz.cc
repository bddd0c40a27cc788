// Address normalization (core/address.h) on arbitrary text. Invariants:
// outputs are UTF-8, tokens sorted and unique, the result is the same when
// asked twice, and normalizing the normalized line again is safe.
//
// Not checked: that the normalized line reads back to the same parts. The
// parser reads a word as a city or a street from its context (a postcode,
// type words, order), and noise in the input can give context the
// normalized line no longer has. Fuzzing with that invariant found one real
// bug (expanded type words of two or more words, "рабочий поселок", did not
// read back; fixed, see address_test.cc), then only such context cases.
#include <algorithm>

#include "doppel/core/address.h"
#include "doppel/core/unicode.h"
#include "fuzz.h"

using namespace doppel;
using doppel::fuzz::Show;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 512) return 0;
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  core::AddressInput in;
  in.line = raw;
  core::AddressResult r = core::NormalizeAddress(in);
  FUZZ_CHECK(core::IsValidUtf8(r.normalized) && core::IsValidUtf8(r.key), Show(raw));
  FUZZ_CHECK(std::is_sorted(r.tokens.begin(), r.tokens.end()) &&
                 std::adjacent_find(r.tokens.begin(), r.tokens.end()) == r.tokens.end(),
             "tokens not sorted and unique for " + Show(raw));
  core::AddressResult twice = core::NormalizeAddress(in);
  FUZZ_CHECK(twice.normalized == r.normalized && twice.key == r.key && twice.tokens == r.tokens,
             "not deterministic: " + Show(raw));
  if (r.normalized.empty()) return 0;
  core::AddressInput again_in;
  again_in.line = r.normalized;
  core::AddressResult again = core::NormalizeAddress(again_in);
  FUZZ_CHECK(core::IsValidUtf8(again.normalized), Show(r.normalized));
  return 0;
}
