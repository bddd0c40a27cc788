// Kernel micro-benchmarks: every backend on the same inputs, so the ratios
// between them come from one run. Labels name the backend and CPU target.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "doppel/kernels/backend.h"

namespace {

using doppel::kernels::Backend;

struct Strings {
  std::string bytes;
  std::vector<uint64_t> offsets{0};
};

// n random strings of length in [min_len, max_len], like normalized keys
// (E.164 phones are 12 bytes, emails and name keys 10-30).
Strings MakeStrings(size_t n, int min_len, int max_len) {
  std::mt19937_64 rng(42);
  Strings s;
  for (size_t i = 0; i < n; ++i) {
    int len = min_len + static_cast<int>(rng() % (max_len - min_len + 1));
    for (int k = 0; k < len; ++k) s.bytes.push_back(static_cast<char>('a' + rng() % 26));
    s.offsets.push_back(s.bytes.size());
  }
  return s;
}

void BM_HashStrings(benchmark::State& state, Backend backend) {
  if (!doppel::kernels::BackendAvailable(backend)) {
    state.SkipWithError("backend not available here");
    return;
  }
  const auto& k = doppel::kernels::GetKernels(backend);
  const int len = static_cast<int>(state.range(0));
  Strings s = MakeStrings(1 << 16, len, len);
  std::vector<uint64_t> out(s.offsets.size() - 1);
  for (auto _ : state) {
    k.hash_strings(s.bytes.data(), s.offsets.data(), out.size(), 0, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(out.size()));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(s.bytes.size()));
  state.SetLabel(std::string(k.name) + " cpu=" + doppel::kernels::CpuTargetName());
}

BENCHMARK_CAPTURE(BM_HashStrings, reference, Backend::kReference)->Arg(8)->Arg(12)->Arg(24)->Arg(64);
BENCHMARK_CAPTURE(BM_HashStrings, simd, Backend::kSimd)->Arg(8)->Arg(12)->Arg(24)->Arg(64);
BENCHMARK_CAPTURE(BM_HashStrings, cuda, Backend::kCuda)->Arg(8)->Arg(12)->Arg(24)->Arg(64);

}  // namespace

BENCHMARK_MAIN();
