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
#include "doppel/kernels/blocking.h"
#include "doppel/kernels/fold.h"
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

// Text for the fold: ASCII, every two-byte sequence of U+0400..U+047F (the
// covered block and the one past it), other scripts, and stray bytes, so
// sequences are cut at string ends and at every vector boundary.
std::string RandomText(std::mt19937_64& rng, size_t len) {
  std::string s;
  while (s.size() < len) {
    const unsigned kind = rng() % 16;
    if (kind < 5) {
      s.push_back(static_cast<char>(0x20 + rng() % 0x60));
    } else if (kind < 13) {
      const unsigned cp = 0x400 + rng() % 0x80;
      s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (kind < 14) {
      s += "\xC3\xA9";  // é: another script, folded by utf8proc
    } else if (kind < 15) {
      s.push_back(static_cast<char>(rng() % 2 ? 0xD0 + rng() % 2 : 0x80 + rng() % 0x40));  // half a sequence
    } else {
      s.push_back(static_cast<char>(rng()));
    }
  }
  s.resize(len);  // may cut the last sequence
  return s;
}

TEST_P(SimdTargets, FoldMatchesReference) {
  const uint64_t seed = Seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::vector<std::string> strings;
  for (size_t len = 0; len <= 140; ++len) strings.push_back(RandomText(rng, len));
  for (int i = 0; i < 4000; ++i) {
    std::string s = RandomText(rng, rng() % 48);
    // Most real text is fully covered: keep only its ASCII and covered letters.
    if (i % 2 == 0) {
      std::string clean;
      for (size_t k = 0; k < s.size(); ++k) {
        const auto c = static_cast<unsigned char>(s[k]);
        if (c < 0x80) clean.push_back(s[k]);
        else if ((c == 0xD0 || c == 0xD1) && k + 1 < s.size() && (s[k + 1] & 0xC0) == 0x80 &&
                 (c == 0xD0 || static_cast<unsigned char>(s[k + 1]) < 0xA0)) {
          clean.append(s, k, 2);
          ++k;
        }
      }
      s = clean;
    }
    strings.push_back(s);
  }
  strings.push_back("\xD0");  // a lead byte at the very end of the batch
  Column col(strings);
  const size_t total = col.offsets.back();
  for (size_t n : {size_t{0}, size_t{1}, size_t{2}, size_t{141}, strings.size() - 1, strings.size()}) {
    std::vector<char> got(total + 1, '#'), want(total + 1, '#');
    std::vector<uint8_t> got_ok(n + 1, 7), want_ok(n + 1, 7);
    GetKernels(Backend::kSimd).fold_basic(col.bytes.get(), col.offsets.data(), n, got.data(), got_ok.data());
    GetKernels(Backend::kReference).fold_basic(col.bytes.get(), col.offsets.data(), n, want.data(), want_ok.data());
    ASSERT_EQ(got_ok, want_ok) << "n=" << n;
    size_t covered = 0;
    for (size_t i = 0; i < n; ++i) {
      if (!want_ok[i]) continue;
      ++covered;
      const std::string_view g(got.data() + col.offsets[i], strings[i].size());
      const std::string_view w(want.data() + col.offsets[i], strings[i].size());
      ASSERT_EQ(g, w) << "string " << i;
    }
    if (n > 1000) {
      EXPECT_GT(covered, n / 3);  // the sweep reaches the vector path's output
    }
    EXPECT_EQ(got[total], '#');               // nothing written past the batch
  }
  // A batch that starts inside a buffer: offsets[0] > 0.
  std::vector<uint64_t> tail(col.offsets.begin() + 100, col.offsets.end());
  const size_t m = tail.size() - 1;
  std::vector<char> got(total, '#'), want(total, '#');
  std::vector<uint8_t> got_ok(m), want_ok(m);
  GetKernels(Backend::kSimd).fold_basic(col.bytes.get(), tail.data(), m, got.data(), got_ok.data());
  GetKernels(Backend::kReference).fold_basic(col.bytes.get(), tail.data(), m, want.data(), want_ok.data());
  ASSERT_EQ(got_ok, want_ok);
  EXPECT_TRUE(std::equal(got.begin(), got.begin() + tail[0], std::vector<char>(tail[0], '#').begin()));
}

// Batches with no marked byte (only the ends to check) and all ASCII (no
// per-string work at all) take the kernel's short cuts.
TEST_P(SimdTargets, FoldShortCutsMatchReference) {
  const uint64_t seed = Seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (int kind = 0; kind < 2; ++kind) {
    std::vector<std::string> strings;
    for (int i = 0; i < 500; ++i) {
      std::string s;
      const size_t len = rng() % 40;
      while (s.size() < len) {
        if (kind == 0 || rng() % 2) {
          s.push_back(static_cast<char>(0x20 + rng() % 0x60));
        } else {
          const unsigned cp = 0x400 + rng() % 0x60;
          s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
          s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
      }
      // Cut sequences only at string ends: marked by the end checks alone.
      if (kind == 1 && i % 7 == 0 && !s.empty()) s.pop_back();
      strings.push_back(s);
    }
    Column col(strings);
    const size_t n = strings.size();
    std::vector<char> got(col.offsets.back()), want(col.offsets.back());
    std::vector<uint8_t> got_ok(n), want_ok(n);
    GetKernels(Backend::kSimd).fold_basic(col.bytes.get(), col.offsets.data(), n, got.data(), got_ok.data());
    GetKernels(Backend::kReference).fold_basic(col.bytes.get(), col.offsets.data(), n, want.data(), want_ok.data());
    ASSERT_EQ(got_ok, want_ok) << "kind " << kind;
    for (size_t i = 0; i < n; ++i) {
      if (want_ok[i]) {
        ASSERT_EQ(std::string_view(got.data() + col.offsets[i], strings[i].size()),
                  std::string_view(want.data() + col.offsets[i], strings[i].size()));
      }
    }
  }
}

// Blocking's sort-and-pair: the VQSort version gives the reference's pairs,
// counts and skipped examples (and BlockGroups the same blocks, whose pairs
// GroupPairs rebuilds; sort_entries the same order), with repeated entries and caps that skip
// blocks, on every target (VQSort serves AVX2 and up, std::sort below; a
// plain loop, since the older targets dispatch nothing).
TEST(BlockPairs, SimdMatchesReferenceOnEveryTarget) {
  const KernelTable& ref = GetKernels(Backend::kReference);
  const KernelTable& simd = GetKernels(Backend::kSimd);
  std::mt19937_64 rng(Seed());
  for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
    hwy::SetSupportedTargetsForTest(target);
    SCOPED_TRACE(hwy::TargetName(target));
    // The entry sort alone (the comparison index interns strings with it).
    for (size_t n : {0, 1, 2, 31, 1000, 50000}) {
      std::vector<BlockEntry> want(n);
      for (auto& e : want) e = {rng() % 4 << 32 | rng() % (n + 1), (rng() % (n / 3 + 1)) * 0x9E3779B97F4A7C15ULL};
      std::vector<BlockEntry> got = want;
      ref.sort_entries(want.data(), n);
      simd.sort_entries(got.data(), n);
      ASSERT_TRUE(std::is_sorted(want.begin(), want.end())) << n;
      ASSERT_EQ(got, want) << n;
    }
    for (size_t n : {0, 1, 2, 3, 17, 1000, 20000}) {
      for (uint64_t key_space : {1, 7, 300}) {
        std::vector<uint64_t> keys(n);
        std::vector<uint32_t> rows(n);
        for (size_t i = 0; i < n; ++i) {
          keys[i] = (rng() % key_space) * 0x9E3779B97F4A7C15ULL;  // spread over the 64 bits
          rows[i] = static_cast<uint32_t>(rng() % (n + 1));       // repeats of a (key, row) too
        }
        for (uint64_t cap : {1, 2, 5, 200}) {
          std::vector<uint64_t> want, got;
          BlockStats want_stats, got_stats;
          BlockEntries for_ref{keys, rows}, for_simd{keys, rows};
          ref.block_pairs(&for_ref, cap, &want, &want_stats);
          simd.block_pairs(&for_simd, cap, &got, &got_stats);
          EXPECT_EQ(for_simd.size(), 0u);  // consumed
          ASSERT_EQ(got, want) << "n " << n << " keys " << key_space << " cap " << cap;
          EXPECT_EQ(got_stats.blocks, want_stats.blocks);
          EXPECT_EQ(got_stats.skipped_blocks, want_stats.skipped_blocks);
          EXPECT_EQ(got_stats.skipped_examples, want_stats.skipped_examples);
          // The blocks alone, on both backends: the same blocks and stats,
          // and their pairs, record by record, are BlockPairs' list (whole,
          // and as ranges of first records joined in order).
          for (const KernelTable* k : {&ref, &simd}) {
            BlockGroups groups;
            BlockStats group_stats;
            BlockEntries entries{keys, rows};
            k->block_groups(&entries, cap, &groups, &group_stats);
            EXPECT_EQ(entries.size(), 0u);
            EXPECT_EQ(group_stats.blocks, want_stats.blocks);
            EXPECT_EQ(group_stats.blocks, groups.blocks());
            EXPECT_EQ(group_stats.skipped_blocks, want_stats.skipped_blocks);
            EXPECT_EQ(group_stats.skipped_examples, want_stats.skipped_examples);
            const GroupPairs index(std::move(groups), static_cast<uint32_t>(n + 1));
            ASSERT_TRUE(index.ok());
            std::vector<uint64_t> whole, ranged;
            std::vector<uint32_t> scratch;
            auto into = [&](std::vector<uint64_t>* out) {
              return [out](uint32_t a, const uint32_t* partners, size_t c) {
                for (size_t i = 0; i < c; ++i) out->push_back(PackPair(a, partners[i]));
              };
            };
            index.ForEach(0, index.records(), scratch, into(&whole));
            for (uint32_t from = 0; from < index.records(); from += 7) {
              index.ForEach(from, std::min<uint32_t>(index.records(), from + 7), scratch, into(&ranged));
            }
            ASSERT_EQ(whole, want) << k->name << " n " << n << " keys " << key_space << " cap " << cap;
            EXPECT_EQ(ranged, want);
          }
        }
      }
    }
  }
  hwy::SetSupportedTargetsForTest(0);
}

// Groups naming a row outside the table index nothing rather than write
// past the index.
TEST(GroupPairs, RowsOutsideTheTableAreRefused) {
  BlockGroups groups;
  groups.rows = {0, 1, 7};
  groups.offsets = {0, 3};
  const GroupPairs index(std::move(groups), 3);
  EXPECT_FALSE(index.ok());
  std::vector<uint32_t> scratch;
  size_t calls = 0;
  index.ForEach(0, 3, scratch, [&](uint32_t, const uint32_t*, size_t) { ++calls; });
  EXPECT_EQ(calls, 0u);
}

TEST(FoldBasic, Definition) {
  auto fold = [](std::string_view s) -> std::string {
    std::string out(s.size(), '\0');
    if (!FoldBasicString(reinterpret_cast<const unsigned char*>(s.data()), s.size(),
                         reinterpret_cast<unsigned char*>(out.data()))) {
      return "<other>";
    }
    return out;
  };
  EXPECT_EQ(fold("IVANOV Ivan-1"), "ivanov ivan-1");
  EXPECT_EQ(fold("ИВАНОВ Пётр ЁЖИКОВ"), "иванов петр ежиков");
  EXPECT_EQ(fold("ЯРОСЛАВ Ђорђе"), "ярослав ђорђе");  // Ђ is U+0402: its small letter is U+0452
  EXPECT_EQ(fold("Łukasz"), "<other>");
  EXPECT_EQ(fold("Ѡ"), "<other>");        // U+0460, past the covered block
  EXPECT_EQ(fold("abc\xD0"), "<other>");  // cut sequence
  EXPECT_EQ(fold("\x90" "abc"), "<other>");  // stray continuation
  EXPECT_EQ(fold(""), "");
}

TEST(SimdBackend, NamesItsTarget) {
  ASSERT_TRUE(BackendAvailable(Backend::kSimd));
  EXPECT_EQ(std::string(GetKernels(Backend::kSimd).name), "simd/" + CpuTargetName());
  EXPECT_EQ(ChooseBackend("auto").backend, Backend::kSimd);
}

}  // namespace
}  // namespace doppel::kernels
