// The packed comparison index: interned ids mean string equality exactly,
// and levels do not depend on how the index was built.
#include <gtest/gtest.h>

#include <random>

#include "doppel/core/compare_index.h"
#include "doppel/core/comparison.h"

namespace doppel::core {
namespace {

const kernels::KernelTable& K() { return kernels::GetKernels(kernels::Backend::kReference); }

// A table with few distinct values per field, so equal values are common,
// and the odd cases the row format treats specially: more than two phones, a
// zero phone, landlines, several emails, very long emails, short postcodes.
MatchTable RandomTable(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto pick = [&](std::initializer_list<const char*> values) {
    return std::string(*(values.begin() + rng() % values.size()));
  };
  MatchTable t;
  for (size_t i = 0; i < n; ++i) {
    MatchRow r;
    r.id = std::to_string(i);
    r.first = pick({"", "ivan", "aleksandr", "sasha", "petrov", "anna", "a", "i"});
    r.first_initial = r.first.size() == 1;
    r.last = pick({"", "petrov", "ivanov", "ivanova", "ivan", "sidorov"});
    r.middle = pick({"", "petrovich", "p", "petrovna", "ivanovich"});
    r.middle_initial = r.middle.size() == 1;
    r.gender = static_cast<uint8_t>(rng() % 3);
    r.birth_date = rng() % 4 == 0 ? 0 : static_cast<int32_t>(19850312 + rng() % 3 * 100 + rng() % 2 * 1000000);
    const size_t phones = rng() % 5;
    for (size_t p = 0; p < phones; ++p) r.phones.push_back(rng() % 20 == 0 ? 0 : 79123456780 + rng() % 3 * (p + 1));
    if (rng() % 3 == 0) r.landlines.push_back(74951234567 + rng() % 2);
    r.emails = pick({"", "ivan@mail.ru", "ivan1@mail.ru", "ivan@mail.ru\nanna@mail.ru", "anna@mail.ru"});
    if (rng() % 10 == 0) r.emails = std::string(300 + rng() % 2, 'x');
    r.postcode = pick({"", "620014", "620015", "12", "1234567"});
    r.city = pick({"", "moskva", "moskwa", "kazan"});
    r.dwelling = pick({"", "d1", "d2"});
    r.doc_id = pick({"", "4510123456", "4510123457"});
    if (rng() % 2) r.address_tokens = {1, 2, 3 + rng() % 3};
    t.Append(r);
  }
  return t;
}

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
  PairLevels dense, sparse, parallel, few;
  ComputeLevels(CompareIndex::Build(t, K(), 1), pairs, K(), &dense);
  ComputeLevels(CompareIndex::ForPairs(t, pairs, K()), pairs, K(), &sparse);
  ComputeLevelsParallel(CompareIndex::Build(t, kernels::GetKernels(kernels::Backend::kSimd), 3), pairs,
                        kernels::GetKernels(kernels::Backend::kSimd), 3, &parallel);
  ComputeLevels(t, std::span(pairs).first(5), K(), &few);  // indexes only what five pairs name
  for (size_t c = 0; c < kComparisonCount; ++c) {
    EXPECT_EQ(dense.levels[c], sparse.levels[c]) << InfoOf(static_cast<Comparison>(c)).name;
    EXPECT_EQ(dense.levels[c], parallel.levels[c]) << InfoOf(static_cast<Comparison>(c)).name;
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
