// Address normalization (core/address.h) on arbitrary text. Invariants:
// outputs are UTF-8, tokens sorted and unique, and the normalized address
// normalizes to itself with the same dwelling key.
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
  if (r.normalized.empty()) return 0;
  core::AddressInput again_in;
  again_in.line = r.normalized;
  core::AddressResult again = core::NormalizeAddress(again_in);
  FUZZ_CHECK(again.normalized == r.normalized, Show(raw) + "\n  -> " + Show(r.normalized) + "\n  -> " +
                                                   Show(again.normalized));
  FUZZ_CHECK(again.key == r.key, Show(raw) + ": key " + Show(r.key) + " then " + Show(again.key));
  return 0;
}
