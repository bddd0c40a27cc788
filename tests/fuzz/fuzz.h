// Shared by the fuzz targets. Each target defines LLVMFuzzerTestOneInput and
// checks invariants with FUZZ_CHECK, which prints what failed and aborts, so
// libFuzzer saves the input (and the replay driver fails its test).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#define FUZZ_CHECK(cond, what)                                                                  \
  do {                                                                                          \
    if (!(cond)) {                                                                              \
      std::fprintf(stderr, "fuzz invariant broken at %s:%d: %s\n  %s\n", __FILE__, __LINE__, \
                   #cond, std::string(what).c_str());                                          \
      std::abort();                                                                             \
    }                                                                                           \
  } while (0)

namespace doppel::fuzz {

// Printable form of bytes for invariant messages ("\x..." for the rest).
inline std::string Show(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s.substr(0, 200)) {
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out + (s.size() > 200 ? "\"..." : "\"");
}

// Splits one fuzz input into `n` parts at 0x00 0xFF separators (absent
// separators leave the later parts empty): how multi-field targets take their
// fields from one byte string.
template <size_t N>
inline void SplitFields(std::string_view data, std::string_view (&out)[N]) {
  for (size_t i = 0; i < N; ++i) {
    size_t at = i + 1 < N ? data.find(std::string_view("\0\xff", 2)) : std::string_view::npos;
    out[i] = data.substr(0, at);
    data = at == std::string_view::npos ? std::string_view() : data.substr(at + 2);
  }
}

}  // namespace doppel::fuzz
