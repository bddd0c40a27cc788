// The operators' files: call outcomes and suppression lists
// (service/actualize.h) on arbitrary text. Invariants: no crash, a refusal
// says why, every rejected row has its line and a reason (line 1 too: a
// header the reader cannot read, such as an unterminated quote, is reported
// like any bad row), and kept suppression entries have a value.
#include "doppel/service/actualize.h"
#include "fuzz.h"

using namespace doppel;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 8192) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  core::PhoneOptions phone;
  std::vector<core::OutcomeRowError> rejected;
  auto rows = service::ParseOutcomesCsv(text, phone, &rejected);
  if (rows.ok()) {
    for (const auto& r : rejected) {
      FUZZ_CHECK(r.line >= 1, "a rejected outcome row without a line");
      FUZZ_CHECK(!r.reason.empty(), "a rejected outcome row without a reason");
    }
  } else {
    FUZZ_CHECK(!rows.status().message().empty(), "a refusal without a message");
  }
  auto list = service::ParseSuppressionCsv(text, phone, core::SuppressReason::kDoNotCall, "fuzz", 20261204);
  if (list.ok()) {
    for (const auto& r : list->rejected) {
      FUZZ_CHECK(r.line >= 1 && !r.reason.empty(),
                 "a bad suppression reject: line " + std::to_string(r.line) + ", reason '" + r.reason + "'");
    }
    for (const auto& e : list->entries) FUZZ_CHECK(!e.value.empty(), "an empty suppression entry");
  }
  return 0;
}
