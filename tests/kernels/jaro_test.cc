#include "doppel/kernels/jaro.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "doppel/kernels/backend.h"
#include "doppel/kernels/minhash.h"

namespace doppel::kernels {
namespace {

TEST(Jaro, TextbookValues) {
  EXPECT_NEAR(JaroWinkler("martha", "marhta"), 0.9611, 1e-4);
  EXPECT_NEAR(JaroWinkler("dwayne", "duane"), 0.84, 1e-4);
  EXPECT_NEAR(JaroWinkler("dixon", "dicksonx"), 0.8133, 1e-4);
  EXPECT_DOUBLE_EQ(JaroWinkler("ivanov", "ivanov"), 1.0);
  EXPECT_DOUBLE_EQ(JaroWinkler("abc", "xyz"), 0.0);
  EXPECT_DOUBLE_EQ(JaroWinkler("", ""), 1.0);
  EXPECT_DOUBLE_EQ(JaroWinkler("a", ""), 0.0);
  // Three out-of-order characters count as one transposition (rounded
  // down, as strcmp95 and rapidfuzz: JaroWinkler.similarity gives 0.94848...).
  EXPECT_EQ(JaroCountsOf("igwtlozxllch", "igwtlozhllch").transpositions, 3);
  EXPECT_NEAR(JaroWinkler("igwtlozxllch", "igwtlozhllch"), 0.9484848484848484, 1e-12);
  JaroCounts c = JaroCountsOf("martha", "marhta");
  EXPECT_EQ(c.matches, 6);
  EXPECT_EQ(c.transpositions, 2);
  EXPECT_EQ(c.prefix, 3);
}

TEST(Jaro, SymmetricAndBoundedOnRandomStrings) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 5000; ++i) {
    std::string a, b;
    for (int k = rng() % 20; k > 0; --k) a.push_back('a' + rng() % 6);
    for (int k = rng() % 20; k > 0; --k) b.push_back('a' + rng() % 6);
    double x = JaroWinkler(a, b), y = JaroWinkler(b, a);
    ASSERT_NEAR(x, y, 1e-12) << a << " / " << b;
    ASSERT_GE(x, 0.0);
    ASSERT_LE(x, 1.0);
  }
}

TEST(Jaro, KernelTableMatchesTheDefinition) {
  const KernelTable& k = GetKernels(Backend::kReference);
  std::vector<std::string> words = {"ivanov", "ivanova", "petrov", "", "smith", "smyth", std::string(100, 'x')};
  std::string bytes;
  std::vector<uint64_t> offsets{0};
  for (const auto& w : words) bytes += w, offsets.push_back(bytes.size());
  std::vector<uint32_t> left, right;
  for (uint32_t a = 0; a < words.size(); ++a)
    for (uint32_t b = 0; b < words.size(); ++b) left.push_back(a), right.push_back(b);
  std::vector<JaroCounts> out(left.size());
  k.jaro_pairs(bytes.data(), offsets.data(), left.data(), right.data(), left.size(), out.data());
  for (size_t i = 0; i < left.size(); ++i) {
    JaroCounts want = JaroCountsOf(words[left[i]], words[right[i]]);
    EXPECT_EQ(out[i].matches, want.matches);
    EXPECT_EQ(out[i].transpositions, want.transpositions);
    EXPECT_EQ(out[i].prefix, want.prefix);
  }
  EXPECT_EQ(JaroCountsOf(std::string(100, 'x'), std::string(70, 'x')).len_a, kJaroMaxLen);
}

TEST(MinHash, AgreementTracksJaccard) {
  const KernelTable& k = GetKernels(Backend::kReference);
  // Two sets with Jaccard 0.5 (50 shared of 100) agree on about half the entries.
  std::vector<uint64_t> tokens;
  for (uint64_t t = 0; t < 75; ++t) tokens.push_back(HashString(std::to_string(t)));
  for (uint64_t t = 25; t < 100; ++t) tokens.push_back(HashString(std::to_string(t)));
  std::vector<uint32_t> offsets = {0, 75, 150, 150};
  const uint32_t kK = 256;
  std::vector<uint32_t> sig(3 * kK);
  k.minhash(tokens.data(), offsets.data(), 3, kK, sig.data());
  int agree = 0;
  for (uint32_t j = 0; j < kK; ++j) agree += sig[j] == sig[kK + j];
  EXPECT_NEAR(agree / static_cast<double>(kK), 50.0 / 100.0, 0.1);
  EXPECT_EQ(sig[2 * kK], UINT32_MAX);  // no tokens
}

TEST(MinHash, UnbiasedAcrossSimilarities) {
  // The share of agreeing entries estimates Jaccard: averaged over many
  // random set pairs it must sit on the true value, low or high. Sets of
  // 20-40 tokens, as the 3-grams of a name and an email; a biased family
  // (correlated functions, a weak mix) drifts by several points.
  const KernelTable& k = GetKernels(Backend::kReference);
  const uint32_t kK = 64;
  std::mt19937_64 rng(11);
  for (double jaccard : {0.2, 0.5, 0.8}) {
    double sum = 0;
    const int kTrials = 400;
    for (int trial = 0; trial < kTrials; ++trial) {
      const int size = 20 + static_cast<int>(rng() % 21);
      const int shared = static_cast<int>(jaccard * 2 * size / (1 + jaccard) + 0.5);
      std::vector<uint64_t> tokens;
      for (int t = 0; t < size; ++t) tokens.push_back(rng());  // a; the first `shared` are in b too
      for (int t = 0; t < shared; ++t) tokens.push_back(tokens[t]);
      for (int t = shared; t < size; ++t) tokens.push_back(rng());
      std::vector<uint32_t> offsets = {0, static_cast<uint32_t>(size), static_cast<uint32_t>(2 * size)};
      std::vector<uint32_t> sig(2 * kK);
      k.minhash(tokens.data(), offsets.data(), 2, kK, sig.data());
      int agree = 0;
      for (uint32_t j = 0; j < kK; ++j) agree += sig[j] == sig[kK + j];
      const double truth = static_cast<double>(shared) / (2 * size - shared);
      sum += agree / static_cast<double>(kK) - truth;
    }
    EXPECT_NEAR(sum / kTrials, 0.0, 0.01) << "Jaccard about " << jaccard;
  }
}

}  // namespace
}  // namespace doppel::kernels
