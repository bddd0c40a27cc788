// The packed comparison index: interned ids mean string equality exactly,
// and levels do not depend on how the index was built.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <random>

#include "doppel/core/compare_index.h"
#include "doppel/core/comparison.h"
#include "doppel/core/huge_pages.h"
#include "doppel/core/spill.h"
#include "core/test_tables.h"

namespace doppel::core {
namespace {

const kernels::KernelTable& K() { return kernels::GetKernels(kernels::Backend::kReference); }

TEST(CompareIndex, IdsAreEqualExactlyWhenStringsAre) {
  const MatchTable t = RandomTable(300, 1);
  // Also with every string hashing alike: ids must still tell strings apart.
  kernels::KernelTable colliding = K();
  colliding.hash_strings = [](const char*, const uint64_t*, size_t n, uint64_t, uint64_t* out) {
    std::fill(out, out + n, uint64_t{42});
  };
  for (const kernels::KernelTable* k : {&K(), static_cast<const kernels::KernelTable*>(&colliding)}) {
    const CompareIndex x = CompareIndex::Build(t, *k, 2);
    ASSERT_EQ(x.size(), t.size());
    for (uint32_t i = 0; i < t.size(); ++i) {
      EXPECT_EQ(x.Row(i).first == 0, t.first.Get(i).empty());
      EXPECT_EQ(x.Row(i).email == 0, t.emails.Get(i).empty());
      for (uint32_t j = 0; j < t.size(); ++j) {
        const CompareRow &a = x.Row(i), &b = x.Row(j);
        ASSERT_EQ(a.first == b.first, t.first.Get(i) == t.first.Get(j)) << i << " " << j;
        ASSERT_EQ(a.first == b.last, t.first.Get(i) == t.last.Get(j)) << i << " " << j;  // one id space
        ASSERT_EQ(a.middle == b.middle, t.middle.Get(i) == t.middle.Get(j));
        ASSERT_EQ(a.email == b.email, t.emails.Get(i) == t.emails.Get(j));
        ASSERT_EQ(a.postcode == b.postcode, t.postcode.Get(i) == t.postcode.Get(j));
        ASSERT_EQ(a.postcode3 == b.postcode3, t.postcode.Get(i).substr(0, 3) == t.postcode.Get(j).substr(0, 3));
        ASSERT_EQ(a.city == b.city, t.city.Get(i) == t.city.Get(j));
        ASSERT_EQ(a.dwelling == b.dwelling, t.dwelling.Get(i) == t.dwelling.Get(j));
        ASSERT_EQ(a.doc == b.doc, t.doc_id.Get(i) == t.doc_id.Get(j));
      }
    }
  }
}

TEST(CompareIndex, LevelsDoNotDependOnHowTheIndexWasBuilt) {
  const MatchTable t = RandomTable(2000, 2);
  std::mt19937_64 rng(3);
  std::vector<std::pair<uint32_t, uint32_t>> pairs;
  for (int i = 0; i < 20000; ++i) {
    uint32_t a = rng() % t.size(), b = rng() % t.size();
    if (a != b) pairs.emplace_back(std::min(a, b), std::max(a, b));
  }
  PairLevels dense, sparse, parallel, reordered, few;
  ComputeLevels(CompareIndex::Build(t, K(), 1), pairs, K(), &dense);
  ComputeLevels(CompareIndex::ForPairs(t, pairs, K()), pairs, K(), &sparse);
  ComputeLevelsParallel(CompareIndex::Build(t, kernels::GetKernels(kernels::Backend::kSimd), 3), pairs,
                        kernels::GetKernels(kernels::Backend::kSimd), 3, &parallel);
  {
    // With a big buffer in a file, the pairs are visited by their second
    // record's region (comparison.cc): the same levels in the same places.
    struct OneFile final : SpillSpace {
      Result<std::unique_ptr<SpillFile>> NewFile() override { return Status::Unimplemented("not used"); }
      Result<int> NewFileDescriptor() override {
        char name[] = "doppel-levels-XXXXXX";
        const int fd = mkstemp(name);
        unlink(name);
        if (fd < 0) return Status::IoError("mkstemp");
        return fd;
      }
    } space;
    const ColumnFiles files(&space, 0);
    HugeVector<uint8_t> in_a_file(kHugePageMin, 1);
    ASSERT_GT(BigBufferFiles::Get().file_bytes + BigBufferFiles::Get().fallback_bytes, 0u);
    ComputeLevelsParallel(CompareIndex::Build(t, kernels::GetKernels(kernels::Backend::kSimd), 3), pairs,
                          kernels::GetKernels(kernels::Backend::kSimd), 3, &reordered);
  }
  ComputeLevels(t, std::span(pairs).first(5), K(), &few);  // indexes only what five pairs name
  for (size_t c = 0; c < kComparisonCount; ++c) {
    EXPECT_EQ(dense.levels[c], sparse.levels[c]) << InfoOf(static_cast<Comparison>(c)).name;
    EXPECT_EQ(dense.levels[c], parallel.levels[c]) << InfoOf(static_cast<Comparison>(c)).name;
    EXPECT_EQ(dense.levels[c], reordered.levels[c]) << InfoOf(static_cast<Comparison>(c)).name;
    EXPECT_TRUE(std::equal(few.levels[c].begin(), few.levels[c].end(), dense.levels[c].begin()));
  }
}

// The odd records the row cannot hold whole still compare by their table values.
TEST(CompareIndex, RecordsBeyondTheRowCompareFromTheTable) {
  MatchTable t;
  auto add = [&](std::vector<uint64_t> phones, std::vector<uint64_t> landlines, std::string emails) {
    MatchRow r;
    r.id = std::to_string(t.size());
    r.phones = std::move(phones);
    r.landlines = std::move(landlines);
    r.emails = std::move(emails);
    t.Append(r);
  };
  const std::string long_email(400, 'a');
  add({79000000001, 79000000002, 79000000003}, {}, long_email);     // 0: three phones
  add({79000000003}, {}, long_email + "b");                          // 1: the third; one edit
  add({79000000013}, {74950000000}, "x@mail.ru\nivan@mail.ru");      // 2: one digit off the third; two emails
  add({}, {74950000000}, "ivan@mail.ru");                            // 3: landline only
  auto level = [&](uint32_t a, uint32_t b, Comparison c) {
    std::pair<uint32_t, uint32_t> p{a, b};
    PairLevels lv;
    ComputeLevels(CompareIndex::Build(t, K(), 1), std::span(&p, 1), K(), &lv);
    return std::string(LevelName(c, lv.levels[static_cast<size_t>(c)][0]));
  };
  EXPECT_EQ(level(0, 1, Comparison::kPhone), "exact");
  EXPECT_EQ(level(0, 1, Comparison::kEmail), "one_edit");
  EXPECT_EQ(level(0, 2, Comparison::kPhone), "one_digit_off");
  EXPECT_EQ(level(2, 3, Comparison::kPhone), "shared_landline");
  EXPECT_EQ(level(2, 3, Comparison::kEmail), "exact");
  EXPECT_EQ(level(0, 3, Comparison::kPhone), "else");
}

}  // namespace
}  // namespace doppel::core
