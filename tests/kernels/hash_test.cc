// DH64 on every available backend against the scalar definition.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "doppel/kernels/backend.h"
#include "doppel/kernels/hash.h"

namespace doppel::kernels {
namespace {

TEST(Hash, KnownValuesAreStable) {
  // Pinned: the hash is part of the storage format (posting-list keys).
  const std::pair<const char*, uint64_t> known[] = {
      {"", 0x0000000000000000ULL},           {"a", 0xb2e8ee6e05d78f0fULL},
      {"ab", 0x9f0690f314e089daULL},         {"abc", 0x7bd73456a087d4dfULL},
      {"abcd", 0xbc631ac5b2a26a4dULL},       {"abcde", 0x2679bb48ba9e205fULL},
      {"abcdef", 0xaa46174123e1b597ULL},     {"abcdefg", 0xca3f9d30c80b36c3ULL},
      {"abcdefgh", 0xbcde6ff81317bd2dULL},   {"abcdefghi", 0x3f5daa957f4ae156ULL},
      {"иванов", 0xeed9f2e8e3c982aaULL},     {"ivanov|1985", 0x2a26a48d5f692747ULL},
      {"+79161234567", 0xa26ed97386118d27ULL}, {"pavel.orlov@mail.ru", 0xc2eab17ebb51f28dULL},
  };
  for (const auto& [s, h] : known) EXPECT_EQ(HashString(s), h) << s;
  EXPECT_EQ(HashString(""), HashFinalize(0));
  EXPECT_NE(HashString("a"), HashString("b"));
  EXPECT_NE(HashString(std::string("\0", 1)), HashString(""));
  EXPECT_NE(HashString("abc", 1), HashString("abc", 2));
}

TEST(Hash, NoCollisionsAmongShortStringsOfOneLength) {
  // Bijective steps: distinct strings of equal length <= 8 never collide.
  std::vector<uint64_t> hashes;
  for (int a = 0; a < 256; ++a)
    for (int b = 0; b < 256; ++b) {
      char s[2] = {static_cast<char>(a), static_cast<char>(b)};
      hashes.push_back(HashBytes(s, 2, 0));
    }
  std::sort(hashes.begin(), hashes.end());
  EXPECT_EQ(std::adjacent_find(hashes.begin(), hashes.end()), hashes.end());
}

TEST(Hash, TailLoadEqualsZeroPaddedCopy) {
  std::mt19937_64 rng(3);
  for (int trial = 0; trial < 1000; ++trial) {
    char buf[8];
    for (char& c : buf) c = static_cast<char>(rng());
    for (size_t rem = 1; rem < 8; ++rem) {
      uint64_t w = 0;
      std::memcpy(&w, buf, rem);
      ASSERT_EQ(LoadTail(buf, rem), w) << rem;
    }
  }
}

class HashBackends : public ::testing::TestWithParam<Backend> {};

TEST_P(HashBackends, MatchesReferenceOnLengthSweepAndRandomInput) {
  if (!BackendAvailable(GetParam())) GTEST_SKIP() << BackendName(GetParam()) << " not available here";
  const KernelTable& k = GetKernels(GetParam());
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::string bytes;
  std::vector<uint64_t> offsets{0};
  // Every length 0..130 (crosses 8-byte words and 16/32/64-byte vectors), then random ones.
  for (int len = 0; len <= 130; ++len) {
    for (int i = 0; i < len; ++i) bytes.push_back(static_cast<char>(rng()));
    offsets.push_back(bytes.size());
  }
  for (int r = 0; r < 2000; ++r) {
    int len = static_cast<int>(rng() % 40);
    for (int i = 0; i < len; ++i) bytes.push_back(static_cast<char>(rng()));
    offsets.push_back(bytes.size());
  }
  size_t n = offsets.size() - 1;
  std::vector<uint64_t> got(n), want(n);
  k.hash_strings(bytes.data(), offsets.data(), n, seed, got.data());
  for (size_t i = 0; i < n; ++i) want[i] = HashBytes(bytes.data() + offsets[i], offsets[i + 1] - offsets[i], seed);
  for (size_t i = 0; i < n; ++i) ASSERT_EQ(got[i], want[i]) << "string " << i;
}

INSTANTIATE_TEST_SUITE_P(All, HashBackends, ::testing::Values(Backend::kReference, Backend::kSimd, Backend::kCuda),
                         [](const auto& info) { return std::string(BackendName(info.param)); });

TEST(Backend, ChooseFallsBackWithANote) {
  auto auto_choice = ChooseBackend("auto");
  EXPECT_TRUE(BackendAvailable(auto_choice.backend));
  EXPECT_TRUE(auto_choice.note.empty());
  auto bogus = ChooseBackend("quantum");
  EXPECT_EQ(bogus.backend, Backend::kReference);
  EXPECT_NE(bogus.note.find("unknown backend"), std::string::npos);
  if (!BackendAvailable(Backend::kCuda)) {
    auto cuda = ChooseBackend("cuda");  // the CPU serves, on its SIMD kernels, and says so
    EXPECT_EQ(cuda.backend, Backend::kSimd);
    EXPECT_NE(cuda.note.find("cuda requested"), std::string::npos);
    EXPECT_NE(cuda.note.find("using simd"), std::string::npos);
  }
}

TEST(Backend, GpuQueryAnswersWithoutADevice) {
  const GpuInfo& gpu = QueryGpu();
  if (gpu.device_count == 0) {
    EXPECT_FALSE(gpu.error.empty());
  }
  EXPECT_FALSE(CpuTargetName().empty());
}

}  // namespace
}  // namespace doppel::kernels
