// Kernel micro-benchmarks: every backend on the same inputs, so the ratios
// between them come from one run. Labels name the backend and CPU target.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "doppel/kernels/backend.h"
#include "doppel/kernels/blocking.h"
#include "doppel/kernels/jaro.h"

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

// Candidate pairs of name-like keys: the right string is a light mutation of
// the left (a substitution, a swap of neighbours, a dropped letter), as pairs
// that survived blocking are. Lengths in [min, max].
struct Pairs {
  Strings strings;
  std::vector<uint32_t> left, right;
};

Pairs MakePairs(size_t n, int min_len, int max_len) {
  std::mt19937_64 rng(7);
  Pairs p;
  auto add = [&](const std::string& s) {
    p.strings.bytes += s;
    p.strings.offsets.push_back(p.strings.bytes.size());
    return static_cast<uint32_t>(p.strings.offsets.size() - 2);
  };
  for (size_t i = 0; i < n; ++i) {
    const int len = min_len + static_cast<int>(rng() % (max_len - min_len + 1));
    std::string a(len, 'a');
    for (char& c : a) c = static_cast<char>('a' + rng() % 26);
    std::string b = a;
    switch (rng() % 4) {
      case 0: b[rng() % b.size()] = static_cast<char>('a' + rng() % 26); break;
      case 1: if (b.size() > 1) { size_t k = rng() % (b.size() - 1); std::swap(b[k], b[k + 1]); } break;
      case 2: if (b.size() > 1) b.erase(rng() % b.size(), 1); break;
      default: for (char& c : b) c = static_cast<char>('a' + rng() % 26);  // an unrelated string
    }
    p.left.push_back(add(a));
    p.right.push_back(add(b));
  }
  return p;
}

// The same pairs with the column's strings stored in random order: a pair's
// two strings are then far apart in a column bigger than the cache, as in a
// real base, where the second record of a candidate pair is anywhere.
void Scatter(Pairs* p) {
  const size_t n = p->strings.offsets.size() - 1;
  std::vector<uint32_t> order(n), where(n);
  for (uint32_t i = 0; i < n; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937_64(11));
  Strings s;
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t from = order[i];
    s.bytes.append(p->strings.bytes, p->strings.offsets[from], p->strings.offsets[from + 1] - p->strings.offsets[from]);
    s.offsets.push_back(s.bytes.size());
    where[from] = i;
  }
  for (auto& x : p->left) x = where[x];
  for (auto& x : p->right) x = where[x];
  p->strings = std::move(s);
}

// Args: shortest and longest string, log2 of the pairs, and 1 to scatter the
// strings over the column (Scatter).
void BM_JaroPairs(benchmark::State& state, Backend backend) {
  if (!doppel::kernels::BackendAvailable(backend)) {
    state.SkipWithError("backend not available here");
    return;
  }
  const auto& k = doppel::kernels::GetKernels(backend);
  Pairs p = MakePairs(size_t{1} << state.range(2), static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  if (state.range(3) != 0) Scatter(&p);
  std::vector<doppel::kernels::JaroCounts> out(p.left.size());
  for (auto _ : state) {
    k.jaro_pairs(p.strings.bytes.data(), p.strings.offsets.data(), p.left.data(), p.right.data(), out.size(),
                 out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(out.size()));
  state.SetLabel(k.name);
}

BENCHMARK_CAPTURE(BM_JaroPairs, reference, Backend::kReference)->Args({5, 16, 12, 0})->Args({5, 16, 16, 0})->Args({17, 32, 16, 0})->Args({33, 64, 16, 0})->Args({5, 16, 21, 1});
BENCHMARK_CAPTURE(BM_JaroPairs, simd, Backend::kSimd)->Args({5, 16, 12, 0})->Args({5, 16, 16, 0})->Args({17, 32, 16, 0})->Args({33, 64, 16, 0})->Args({5, 16, 21, 1});
BENCHMARK_CAPTURE(BM_JaroPairs, cuda, Backend::kCuda)->Args({5, 16, 12, 0})->Args({5, 16, 16, 0})->Args({17, 32, 16, 0})->Args({33, 64, 16, 0})->Args({5, 16, 21, 1});

// MinHash signatures of k functions over records of about 15 tokens (the
// 3-grams of a name and an email), as blocking computes them.
void BM_MinHash(benchmark::State& state, Backend backend) {
  if (!doppel::kernels::BackendAvailable(backend)) {
    state.SkipWithError("backend not available here");
    return;
  }
  const auto& k = doppel::kernels::GetKernels(backend);
  const uint32_t functions = static_cast<uint32_t>(state.range(0));
  std::mt19937_64 rng(3);
  std::vector<uint64_t> tokens;
  std::vector<uint32_t> offsets{0};
  for (int r = 0; r < 4096; ++r) {
    for (int t = 0, count = 8 + static_cast<int>(rng() % 15); t < count; ++t) tokens.push_back(rng());
    offsets.push_back(static_cast<uint32_t>(tokens.size()));
  }
  const size_t n = offsets.size() - 1;
  std::vector<uint32_t> sig(n * functions);
  for (auto _ : state) {
    k.minhash(tokens.data(), offsets.data(), n, functions, sig.data());
    benchmark::DoNotOptimize(sig.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
  state.counters["token_hashes/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * static_cast<double>(tokens.size()) * functions,
      benchmark::Counter::kIsRate);
  state.SetLabel(k.name);
}

BENCHMARK_CAPTURE(BM_MinHash, reference, Backend::kReference)->Arg(32)->Arg(128);
BENCHMARK_CAPTURE(BM_MinHash, simd, Backend::kSimd)->Arg(32)->Arg(128);
BENCHMARK_CAPTURE(BM_MinHash, cuda, Backend::kCuda)->Arg(32)->Arg(128);

}  // namespace

// Name-like text for the fold: capitalized Cyrillic words (script 0) or
// Latin ones (script 1), 2-3 words of 4-10 letters, as full-name cells are.
Strings MakeNames(size_t n, int script) {
  std::mt19937_64 rng(7);
  Strings s;
  for (size_t i = 0; i < n; ++i) {
    const int words = 2 + static_cast<int>(rng() % 2);
    for (int w = 0; w < words; ++w) {
      if (w > 0) s.bytes.push_back(' ');
      const int len = 4 + static_cast<int>(rng() % 7);
      for (int k = 0; k < len; ++k) {
        if (script == 1) {
          s.bytes.push_back(static_cast<char>((k == 0 ? 'A' : 'a') + rng() % 26));
        } else {
          const unsigned cp = (k == 0 ? 0x410 : 0x430) + rng() % 32;  // А-Я, а-я
          s.bytes.push_back(static_cast<char>(0xC0 | (cp >> 6)));
          s.bytes.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
      }
    }
    s.offsets.push_back(s.bytes.size());
  }
  return s;
}

// The basic fold over a batch of name cells; arg: 0 Cyrillic, 1 Latin.
void BM_FoldBasic(benchmark::State& state, Backend backend) {
  if (!doppel::kernels::BackendAvailable(backend)) {
    state.SkipWithError("backend not available here");
    return;
  }
  const auto& k = doppel::kernels::GetKernels(backend);
  Strings s = MakeNames(1 << 14, static_cast<int>(state.range(0)));
  const size_t n = s.offsets.size() - 1;
  std::string out(s.bytes.size(), '\0');
  std::vector<uint8_t> folded(n);
  for (auto _ : state) {
    k.fold_basic(s.bytes.data(), s.offsets.data(), n, out.data(), folded.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::DoNotOptimize(folded.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(s.bytes.size()));
  state.SetLabel(k.name);
}

BENCHMARK_CAPTURE(BM_FoldBasic, reference, Backend::kReference)->Arg(0)->Arg(1);
BENCHMARK_CAPTURE(BM_FoldBasic, simd, Backend::kSimd)->Arg(0)->Arg(1);

// Blocking's sort-and-pair over one rule's (key, row) entries: 1M records
// with a key each, in blocks of about arg records. Items: entries.
void BM_BlockPairs(benchmark::State& state, Backend backend) {
  if (!doppel::kernels::BackendAvailable(backend)) {
    state.SkipWithError("backend not available here");
    return;
  }
  const auto& k = doppel::kernels::GetKernels(backend);
  const size_t n = size_t{1} << 20;
  std::mt19937_64 rng(7);
  std::vector<uint64_t> keys(n);
  std::vector<uint32_t> rows(n);
  const uint64_t blocks = n / static_cast<uint64_t>(state.range(0));
  for (size_t i = 0; i < n; ++i) {
    keys[i] = (rng() % blocks) * 0x9E3779B97F4A7C15ULL;
    rows[i] = static_cast<uint32_t>(i);
  }
  std::vector<uint64_t> pairs;
  doppel::kernels::BlockStats stats;
  for (auto _ : state) {
    state.PauseTiming();
    doppel::kernels::BlockEntries entries{keys, rows};  // consumed by each call
    state.ResumeTiming();
    k.block_pairs(&entries, 100, &pairs, &stats);
    benchmark::DoNotOptimize(pairs.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
  state.counters["pairs"] = static_cast<double>(pairs.size());
  state.SetLabel(k.name);
}
BENCHMARK_CAPTURE(BM_BlockPairs, reference, Backend::kReference)->Arg(4)->Arg(16)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_BlockPairs, simd, Backend::kSimd)->Arg(4)->Arg(16)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_BlockPairs, cuda, Backend::kCuda)->Arg(4)->Arg(16)->Unit(benchmark::kMillisecond);

// Connected components (clustering's split into independent parts): 4M
// records, arg tenths of a random link per record (a base's links are
// about 0.3 a record). Items: links. The SIMD backend runs the reference's
// union-find.
void BM_Components(benchmark::State& state, Backend backend) {
  if (!doppel::kernels::BackendAvailable(backend)) {
    state.SkipWithError("backend not available here");
    return;
  }
  const auto& k = doppel::kernels::GetKernels(backend);
  const uint32_t n = 1u << 22;
  const size_t m = static_cast<size_t>(n) * static_cast<size_t>(state.range(0)) / 10;
  std::mt19937_64 rng(9);
  std::vector<uint32_t> a(m), b(m), label(n);
  for (size_t i = 0; i < m; ++i) a[i] = static_cast<uint32_t>(rng() % n), b[i] = static_cast<uint32_t>(rng() % n);
  for (auto _ : state) {
    k.components(a.data(), b.data(), m, n, label.data());
    benchmark::DoNotOptimize(label.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(m));
  state.SetLabel(k.name);
}
BENCHMARK_CAPTURE(BM_Components, reference, Backend::kReference)->Arg(3)->Arg(15)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Components, cuda, Backend::kCuda)->Arg(3)->Arg(15)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
