// The numbering-plan register (core/numbering.h): parsing the regulator's
// CSV, and reading the stored binary form back. Invariants: a parsed plan
// survives Serialize/Deserialize with the same lookups; damaged bytes are
// refused, never crash.
#include <string>
#include <vector>

#include "doppel/core/numbering.h"
#include "fuzz.h"

using namespace doppel;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16384) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)core::NumberingPlan::Deserialize(text);  // stored bytes, damaged: refused or read
  std::vector<core::NumberingRowError> errors;
  auto plan = core::NumberingPlan::Parse(text, &errors);
  if (!plan.ok()) return 0;
  FUZZ_CHECK(plan->size() > 0, "a plan without ranges");
  for (const auto& e : errors) FUZZ_CHECK(e.line >= 2 && !e.reason.empty(), "a row error without line or reason");
  auto back = core::NumberingPlan::Deserialize(plan->Serialize());
  FUZZ_CHECK(back.ok(), "a serialized plan does not read back: " + back.status().ToString());
  FUZZ_CHECK(back->size() == plan->size() && back->regions() == plan->regions(), "the round trip changed the plan");
  // Lookups agree on a spread of numbers, including the input's own digits.
  std::string digits;
  for (char c : text) {
    if (c >= '0' && c <= '9') digits += c;
  }
  std::vector<std::string> probes;
  for (uint64_t k = 0; k < 20; ++k) probes.push_back("+7" + std::to_string(9000000000ULL + k * 49999999ULL));
  if (digits.size() >= 10) probes.push_back("+7" + digits.substr(0, 10));
  for (const auto& e164 : probes) {
    auto a = plan->Lookup(e164), b = back->Lookup(e164);
    FUZZ_CHECK(a.covered == b.covered && a.allocated == b.allocated && a.op == b.op && a.region == b.region,
               "lookups differ for " + e164);
  }
  return 0;
}
