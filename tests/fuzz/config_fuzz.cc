// The TOML config loader (core/config.h) on arbitrary text. Invariants: it
// never crashes or throws, a refusal always says why, and whatever it
// accepts passes the config's own validation.
#include "doppel/core/config.h"
#include "fuzz.h"

using namespace doppel;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  core::JobConfig config;
  Status s = core::ApplyConfigToml(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.toml", &config);
  if (!s.ok()) {
    FUZZ_CHECK(!s.message().empty(), "a refusal without a message");
    return 0;
  }
  Status v = config.Validate();
  FUZZ_CHECK(v.ok(), "accepted a config that does not validate: " + v.ToString());
  return 0;
}
