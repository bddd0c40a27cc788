// How the cuda backend routes one call: to the GPU when the batch is big
// enough to pay for the copies and fits the device memory it may use, else
// to the SIMD kernels; and to the SIMD kernels after all when the device
// fails (out of memory, a lost device). Both give the same results, so a
// fallback costs time, never an answer: it is counted, with its first
// reason, for the command to report. Header-only so that the rules are
// tested without a GPU (tests/kernels/routing_test.cc).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <string>

#include "doppel/kernels/backend.h"

namespace doppel::kernels::routing {

// Fallbacks so far (thread-safe).
class FallbackLog {
 public:
  void Note(const std::string& why) {
    std::lock_guard<std::mutex> lock(mu_);
    if (log_.batches++ == 0) log_.first_reason = why;
  }
  GpuFallbacks Get() const {
    std::lock_guard<std::mutex> lock(mu_);
    return log_;
  }

 private:
  mutable std::mutex mu_;
  GpuFallbacks log_;
};

// "1.5 GiB": a size for a fallback's reason.
inline std::string GiB(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f GiB", static_cast<double>(bytes) / (1ull << 30));
  return buf;
}

// Runs gpu() or cpu() as the header says. `need` is the device memory the
// call would take (0: not known in advance; the device's own error then
// decides); `budget()` what it may take, asked only for a GPU-bound call.
// gpu() must leave its inputs as they were when it throws, so cpu() can
// start over from them.
template <class Budget, class Gpu, class Cpu>
void Route(bool to_gpu, uint64_t need, Budget&& budget, FallbackLog& log, Gpu&& gpu, Cpu&& cpu) {
  if (!to_gpu) {
    cpu();
    return;
  }
  std::string why;
  if (const uint64_t may = need > 0 ? budget() : 0; need > may) {
    why = "a batch needs " + GiB(need) + " of device memory, " + GiB(may) + " available";
  } else {
    try {
      gpu();
      return;
    } catch (const std::exception& e) {
      why = std::string("device error: ") + e.what();
    }
  }
  log.Note(why);
  cpu();
}

// DOPPEL_GPU_MEMORY's value: bytes, or a number with K, M, G or T (powers
// of 1024, optionally followed by "B" or "iB"); 0, meaning no limit of
// its own, when unset or unreadable ("lots", "-1G", "nan", beyond 64 bits).
inline uint64_t ParseMemory(const char* text) {
  if (text == nullptr || *text == '\0') return 0;
  if (!((*text >= '0' && *text <= '9') || *text == '.')) return 0;  // no sign, "nan" or "inf"
  char* end = nullptr;
  const double v = std::strtod(text, &end);
  if (end == text || !(v >= 0)) return 0;
  uint64_t scale = 1;
  bool unit = true;
  switch (*end) {
    case 'k': case 'K': scale = 1ull << 10; break;
    case 'm': case 'M': scale = 1ull << 20; break;
    case 'g': case 'G': scale = 1ull << 30; break;
    case 't': case 'T': scale = 1ull << 40; break;
    default: unit = false; break;
  }
  if (unit) {
    ++end;
    if (end[0] == 'i' && end[1] == 'B') end += 2;  // "4GiB"
    else if (end[0] == 'B') ++end;                 // "4GB"
  } else if (end[0] == 'B') {
    ++end;  // "4096B"
  }
  if (*end != '\0') return 0;
  const double bytes = v * static_cast<double>(scale);
  if (!(bytes < 1.8e19)) return 0;  // beyond 64 bits (and 1e400's inf)
  return static_cast<uint64_t>(bytes);
}

}  // namespace doppel::kernels::routing
