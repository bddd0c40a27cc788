// The Highway kernels against the scalar reference, on every SIMD target this
// binary was compiled for and this CPU runs (AVX3_DL, AVX3, AVX2, SSE4,
// SSSE3, scalar...): Highway's TestWithParamTarget forces dispatch to one
// target per test instance. Inputs sweep lengths across every vector width
// and add random cases from a printed seed.
#include <gtest/gtest.h>
#include <hwy/targets.h>
#include <hwy/tests/hwy_gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "doppel/kernels/backend.h"
#include "doppel/kernels/hash.h"
#include "doppel/kernels/jaro.h"

namespace doppel::kernels {
namespace {

// Strings in one exactly-sized heap block, so a kernel that reads past the
// end trips AddressSanitizer in the sanitizer build.
struct Column {
  std::unique_ptr<char[]> bytes;
  std::vector<uint64_t> offsets{0};
  explicit Column(const std::vector<std::string>& strings) {
    size_t total = 0;
    for (const auto& s : strings) total += s.size();
    bytes = std::make_unique<char[]>(total);
    for (const auto& s : strings) {
      std::memcpy(bytes.get() + offsets.back(), s.data(), s.size());
      offsets.push_back(offsets.back() + s.size());
    }
  }
};

uint64_t Seed() {
  const uint64_t seed = std::random_device{}();
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  return seed;
}

std::string RandomString(std::mt19937_64& rng, size_t len, int alphabet) {
  std::string s(len, '\0');
  for (char& c : s) c = static_cast<char>(alphabet == 256 ? rng() : 'a' + rng() % alphabet);
  return s;
}

class SimdTargets : public hwy::TestWithParamTarget {};
HWY_TARGET_INSTANTIATE_TEST_SUITE_P(SimdTargets);

TEST_P(SimdTargets, HashMatchesReference) {
  const uint64_t seed = Seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::vector<std::string> strings;
  for (size_t len = 0; len <= 140; ++len) strings.push_back(RandomString(rng, len, 256));
  for (int i = 0; i < 3000; ++i) strings.push_back(RandomString(rng, rng() % 40, 256));
  for (int i = 0; i < 20; ++i) strings.push_back("");  // empty strings at the very end
  strings.push_back("x");
  Column col(strings);
  const KernelTable& simd = GetKernels(Backend::kSimd);
  for (uint64_t hash_seed : {uint64_t{0}, uint64_t{0xB10C}}) {
    // Every prefix count, so each tail (scalar remainder) size is exercised.
    for (size_t n : {size_t{0}, size_t{1}, size_t{7}, size_t{9}, strings.size() - 5, strings.size()}) {
      std::vector<uint64_t> got(n + 1, 0xDEAD), want(n + 1, 0xDEAD);
      simd.hash_strings(col.bytes.get(), col.offsets.data(), n, hash_seed, got.data());
      for (size_t i = 0; i < n; ++i) want[i] = HashBytes(col.bytes.get() + col.offsets[i], strings[i].size(), hash_seed);
      ASSERT_EQ(got, want) << "n=" << n;  // including the untouched sentinel
    }
  }
}

TEST_P(SimdTargets, JaroMatchesReference) {
  const uint64_t seed = Seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::vector<std::string> strings;
  // Every length 0..70 on a 4-letter alphabet (many matches and
  // transpositions), then names of 3..20 letters, then random bytes.
  for (size_t len = 0; len <= 70; ++len) strings.push_back(RandomString(rng, len, 4));
  for (int i = 0; i < 400; ++i) strings.push_back(RandomString(rng, 3 + rng() % 18, 8));
  for (int i = 0; i < 100; ++i) strings.push_back(RandomString(rng, rng() % 66, 256));
  for (const char* s : {"martha", "marhta", "dwayne", "duane", "dixon", "dicksonx", "ivanov", "ivanova", "jones",
                        "johnson", "abcdefghijklmnop", "abcdefghijklmnoq", "abcdefghijklmnopq"}) {
    strings.push_back(s);
  }
  Column col(strings);
  std::vector<uint32_t> left, right;
  const uint32_t n = static_cast<uint32_t>(strings.size());
  for (uint32_t a = 0; a <= 70; ++a)
    for (uint32_t b = 0; b <= 70; ++b) left.push_back(a), right.push_back(b);
  for (int i = 0; i < 60000; ++i) left.push_back(rng() % n), right.push_back(rng() % n);
  std::vector<JaroCounts> got(left.size());
  GetKernels(Backend::kSimd).jaro_pairs(col.bytes.get(), col.offsets.data(), left.data(), right.data(), left.size(),
                                        got.data());
  for (size_t k = 0; k < left.size(); ++k) {
    const JaroCounts want = JaroCountsOf(strings[left[k]], strings[right[k]]);
    ASSERT_TRUE(got[k].matches == want.matches && got[k].transpositions == want.transpositions &&
                got[k].prefix == want.prefix && got[k].len_a == want.len_a && got[k].len_b == want.len_b)
        << "'" << strings[left[k]] << "' vs '" << strings[right[k]] << "': got m=" << int(got[k].matches)
        << " t=" << int(got[k].transpositions) << " p=" << int(got[k].prefix) << ", want m=" << int(want.matches)
        << " t=" << int(want.transpositions) << " p=" << int(want.prefix);
  }
}

TEST_P(SimdTargets, MinHashMatchesReference) {
  const uint64_t seed = Seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> tokens;
  std::vector<uint32_t> offsets{0};
  for (int r = 0; r < 300; ++r) {
    const int count = r < 60 ? r : static_cast<int>(rng() % 40);
    for (int t = 0; t < count; ++t) tokens.push_back(rng());
    offsets.push_back(static_cast<uint32_t>(tokens.size()));
  }
  const size_t n = offsets.size() - 1;
  for (uint32_t k : {1u, 3u, 8u, 31u, 32u, 33u, 64u, 128u}) {
    std::vector<uint32_t> got(n * k), want(n * k);
    GetKernels(Backend::kSimd).minhash(tokens.data(), offsets.data(), n, k, got.data());
    GetKernels(Backend::kReference).minhash(tokens.data(), offsets.data(), n, k, want.data());
    ASSERT_EQ(got, want) << "k=" << k;
  }
}

TEST(SimdBackend, NamesItsTarget) {
  ASSERT_TRUE(BackendAvailable(Backend::kSimd));
  EXPECT_EQ(std::string(GetKernels(Backend::kSimd).name), "simd/" + CpuTargetName());
  EXPECT_EQ(ChooseBackend("auto").backend, Backend::kSimd);
}

}  // namespace
}  // namespace doppel::kernels
