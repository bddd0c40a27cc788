// Blocking, comparison levels, the Fellegi-Sunter model and clustering.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <memory>
#include <set>
#include <stdexcept>

#include "doppel/core/matcher.h"
#include "doppel/core/reader.h"
#include "core/match_tables.h"
#include "core/test_tables.h"

namespace doppel::core {
namespace {

MatchTable TableOf(const std::string& csv) {
  std::vector<Reject> rejects;
  MatchTable t = testing::ReadMatchTable(csv, &rejects);
  EXPECT_TRUE(rejects.empty());
  return t;
}

const kernels::KernelTable& K() { return kernels::GetKernels(kernels::Backend::kReference); }

int8_t LevelOf(const MatchTable& t, uint32_t a, uint32_t b, Comparison c) {
  std::pair<uint32_t, uint32_t> p{a, b};
  PairLevels lv;
  ComputeLevels(t, std::span(&p, 1), K(), &lv);
  return lv.levels[static_cast<size_t>(c)][0];
}

std::string Level(const MatchTable& t, uint32_t a, uint32_t b, Comparison c) {
  return std::string(LevelName(c, LevelOf(t, a, b, c)));
}

TEST(Comparison, LevelsOfRealisticPairs) {
  MatchTable t = TableOf(
      "id;ФИО;Дата рождения;Телефон;E-mail;Адрес\n"
      "1;Иванов Александр Петрович;12.03.1985;89123456789;alex.ivanov@gmail.com;г. Москва, ул. Ленина, д. 5, кв. 10\n"
      "2;Ivanov Sasha;03.12.1985;+7 912 345 67 88;alexivanov@gmail.com;Москва, улица Ленина, дом 5, квартира 10\n"
      "3;Петрова Анна Сергеевна;01.02.1990;;anna@mail.ru;г. Казань, ул. Баумана, д. 1\n"
      "4;Сидорова Анна Сергеевна;01.02.1990;;anna@mail.ru;\n"
      "5;Анна Петрова;;;;\n");
  EXPECT_EQ(Level(t, 0, 1, Comparison::kLastName), "exact");            // Иванов = Ivanov
  EXPECT_EQ(Level(t, 0, 1, Comparison::kFirstName), "jw_0.92_or_nickname");  // Саша for Александр
  EXPECT_EQ(Level(t, 0, 1, Comparison::kBirthDate), "day_month_swapped");
  EXPECT_EQ(Level(t, 0, 1, Comparison::kPhone), "one_digit_off");
  EXPECT_EQ(Level(t, 0, 1, Comparison::kEmail), "exact");              // gmail ignores dots
  EXPECT_EQ(Level(t, 0, 1, Comparison::kAddress), "same_dwelling");
  EXPECT_EQ(Level(t, 0, 1, Comparison::kMiddleName), "null");          // missing on one side
  EXPECT_EQ(Level(t, 2, 3, Comparison::kLastName), "possible_marriage");
  EXPECT_EQ(Level(t, 0, 2, Comparison::kGender), "different");
  EXPECT_EQ(Level(t, 2, 4, Comparison::kLastName), "exact");           // "Анна Петрова" in the other order
  EXPECT_EQ(Level(t, 2, 4, Comparison::kAddress), "null");
}

TEST(Comparison, SwappedNamesAlsoWithATypo) {
  MatchTable t = TableOf(
      "id,given_name,surname,dob\n"
      "1,alexa-rose,white,19160822\n"
      "2,whitbe,alexa-rose,19300526\n"   // swapped, the surname mistyped
      "3,white,alexa-rose,19160822\n"    // swapped exactly
      "4,alexa-rose,whitehead,19160822\n"
      "5,green,alexa-rose,19160822\n"    // only one name crosses over: not a swap
      "6,w,alexa-rose,19160822\n");      // an initial: not a swap
  EXPECT_EQ(Level(t, 0, 1, Comparison::kFirstName), "swapped_with_surname");
  EXPECT_EQ(Level(t, 0, 1, Comparison::kLastName), "null");
  EXPECT_EQ(Level(t, 1, 0, Comparison::kFirstName), "swapped_with_surname");  // either order
  EXPECT_EQ(Level(t, 0, 2, Comparison::kFirstName), "swapped_with_surname");
  EXPECT_NE(Level(t, 3, 4, Comparison::kFirstName), "swapped_with_surname");
  EXPECT_NE(Level(t, 0, 5, Comparison::kFirstName), "swapped_with_surname");
  EXPECT_EQ(Level(t, 0, 3, Comparison::kFirstName), "exact");  // in place: not a swap
}

// A number two records share while their first names and birth dates
// differ is a household's line: it counts as a shared landline. The same
// person (a typo in the name, or the birth date agreeing) keeps "exact".
TEST(Comparison, APhoneSharedByDifferentPeopleIsAHouseholdLine) {
  MatchTable t = TableOf(
      "id,first_name,last_name,dob,phone\n"
      "1,Matthew,Ward,1981-12-30,+1 213 325 1063\n"
      "2,Josephine,Ward,1950-09-06,+1 (213) 325-1063\n"  // his mother
      "3,Mathew,Ward,1981-12-30,+1 213-325-1063\n"        // him, a typo in the name
      "4,Jo,Ward,1981-12-30,+12133251063\n"               // another name, the same birth date
      "5,Josephine,Ward,,+1 213 325 1063\n");             // no birth date to tell
  EXPECT_EQ(Level(t, 0, 1, Comparison::kPhone), "shared_landline");
  EXPECT_EQ(Level(t, 0, 2, Comparison::kPhone), "exact");
  EXPECT_EQ(Level(t, 0, 3, Comparison::kPhone), "exact");
  EXPECT_EQ(Level(t, 0, 4, Comparison::kPhone), "shared_landline");
  EXPECT_EQ(Level(t, 1, 4, Comparison::kPhone), "exact");  // the same first name
}

// A device that fails (out of memory, a lost driver) leaves its work to the
// host: the same result, and a note that says why it ran slower.
class FailingLevels final : public kernels::DeviceLevels {
 public:
  void Levels(const uint32_t*, const uint32_t*, size_t, int8_t*) const override {
    throw std::runtime_error("device lost");
  }
  void Patterns(const uint32_t*, const uint32_t*, size_t, std::vector<kernels::PatternCount>*) const override {
    throw std::runtime_error("device lost");
  }
};
std::unique_ptr<kernels::DeviceLevels> UploadFailingLevels(const kernels::LevelInputs&, const CompareRow*, size_t) {
  return std::make_unique<FailingLevels>();
}
std::unique_ptr<kernels::DeviceWeights> UploadRefused(const kernels::WeightTable&, size_t) {
  throw std::runtime_error("out of device memory");
}

TEST(Matching, AFailingDeviceLeavesTheWorkToTheHost) {
  std::string csv = "id,first_name,surname,dob,email\n";
  const char* first[] = {"John", "Jon", "Mary", "Marie"};
  const char* last[] = {"Smith", "Smyth", "Jones"};
  for (int i = 0; i < 300; ++i) {
    csv += std::to_string(i) + "," + first[i % 4] + "," + last[i % 3] + ",19" + std::to_string(50 + i % 30) +
           "-01-0" + std::to_string(1 + i % 9) + ",u" + std::to_string(i % 40) + "@x.com\n";
  }
  const MatchTable t = TableOf(csv);
  kernels::KernelTable failing = K();
  failing.upload_levels = &UploadFailingLevels;
  failing.upload_weights = &UploadRefused;
  const size_t min_batch = kernels::GpuMinBatch();
  kernels::SetGpuMinBatch(0);
  auto got = MatchAll(t, {}, failing);
  kernels::SetGpuMinBatch(min_batch);
  auto want = MatchAll(t, {}, K());
  ASSERT_TRUE(got.ok() && want.ok());
  ASSERT_GT(want->candidate_pairs, 0u);
  EXPECT_EQ(got->entity_of, want->entity_of);
  EXPECT_EQ(got->pairs, want->pairs);
  EXPECT_EQ(got->weights, want->weights);
  EXPECT_EQ(got->pairs_levelled_on_device, 0u);
  EXPECT_EQ(got->pairs_weighted_on_device, 0u);
  EXPECT_NE(got->device_note.find("failed on the device"), std::string::npos) << got->device_note;
  EXPECT_EQ(want->device_note, "");
}

// Rules run a wave of threads at a time; pairs, per-rule counts, skipped
// examples and training samples are the same on any number of threads.
TEST(Blocking, SameCandidatesOnAnyThreadCount) {
  std::string csv = "id,first_name,surname,dob,email,phone,city\n";
  const char* first[] = {"John", "Jon", "Mary", "Marie", "Ivan", "Iwan"};
  const char* last[] = {"Smith", "Smyth", "Jones", "Petrov", "Petrova"};
  for (int i = 0; i < 600; ++i) {
    csv += std::to_string(i) + "," + first[i % 6] + "," + last[i % 5] + ",19" + std::to_string(50 + i % 40) +
           "-01-0" + std::to_string(1 + i % 9) + "," + (i % 3 ? "" : "u" + std::to_string(i % 50) + "@x.com") +
           ",+7916" + std::to_string(1000000 + i % 70) + "," + (i % 2 ? "Moscow" : "Tver") + "\n";
  }
  MatchTable t = TableOf(csv);
  BlockingOptions o;
  o.max_block = 40;
  const CandidatePairs one = GenerateCandidates(t, o, K(), 1);
  ASSERT_FALSE(one.pairs.empty());
  for (int threads : {2, 3, 16}) {
    const CandidatePairs many = GenerateCandidates(t, o, K(), threads);
    EXPECT_EQ(many.pairs, one.pairs) << threads << " threads";
    ASSERT_EQ(many.by_rule.size(), one.by_rule.size());
    for (size_t r = 0; r < one.by_rule.size(); ++r) {
      EXPECT_EQ(many.by_rule[r].rule, one.by_rule[r].rule);
      EXPECT_EQ(many.by_rule[r].pairs, one.by_rule[r].pairs);
      EXPECT_EQ(many.by_rule[r].new_pairs, one.by_rule[r].new_pairs);
      EXPECT_EQ(many.by_rule[r].skipped_examples, one.by_rule[r].skipped_examples);
      EXPECT_EQ(many.training[r].pairs, one.training[r].pairs);
    }
  }
  // The union and each rule's new pairs, against the definition: rule r's
  // pairs (blocking with that rule alone) less those of the rules before it.
  std::set<std::pair<uint32_t, uint32_t>> seen;
  for (size_t r = 0; r < o.rules.size(); ++r) {
    BlockingOptions alone = o;
    alone.rules = {o.rules[r]};
    const CandidatePairs own = GenerateCandidates(t, alone, K(), 2);
    EXPECT_EQ(own.by_rule[0].pairs, one.by_rule[r].pairs);
    uint64_t fresh = 0;
    for (const auto& p : own.pairs) fresh += seen.insert(p).second;
    EXPECT_EQ(one.by_rule[r].new_pairs, fresh) << BlockingRuleName(o.rules[r]);
  }
  const std::vector<std::pair<uint32_t, uint32_t>> all(seen.begin(), seen.end());
  EXPECT_EQ(all, one.pairs);
}

// The rules keyed on names and dates stop at max_name_block, the contact
// rules at max_block: fifty copies of one client sharing a phone are still
// paired by the phone, while their name-and-date blocks are skipped.
TEST(Blocking, NameRulesHaveTheirOwnCap) {
  std::string csv = "id,first_name,surname,dob,phone\n";
  for (int i = 0; i < 50; ++i) csv += std::to_string(100 + i) + ",Anna,Petrova,1950-01-01,+7 916 123-45-67\n";
  MatchTable t = TableOf(csv);
  auto stats = [&](const BlockingOptions& o, BlockingRule rule) {
    CandidatePairs c = GenerateCandidates(t, o, K());
    for (const auto& r : c.by_rule) {
      if (r.rule == rule) return r;
    }
    return RuleStats{};
  };
  BlockingOptions o;  // max_block 100, max_name_block 40
  EXPECT_EQ(stats(o, BlockingRule::kPhone).pairs, 50u * 49 / 2);
  const RuleStats skipped = stats(o, BlockingRule::kBirthDate);
  EXPECT_EQ(skipped.pairs, 0u);
  EXPECT_GE(skipped.skipped_blocks, 1u);
  EXPECT_EQ(stats(o, BlockingRule::kNameSet).pairs, 0u);
  o.max_name_block = 60;
  EXPECT_EQ(stats(o, BlockingRule::kBirthDate).pairs, 50u * 49 / 2);
  // max_block caps every rule, the name rules too.
  o.max_block = 30;
  EXPECT_EQ(stats(o, BlockingRule::kPhone).pairs, 0u);
  EXPECT_EQ(stats(o, BlockingRule::kBirthDate).pairs, 0u);
}

TEST(Blocking, RulesFindTheDuplicatesAndCapBigBlocks) {
  std::string csv = "id,first_name,surname,dob,email\n";
  csv += "1,John,Smith,1980-01-01,js@x.com\n2,Jon,Smith,1980-01-01,\n3,Mary,Jones,1990-05-05,mj@y.com\n";
  for (int i = 0; i < 40; ++i) csv += std::to_string(100 + i) + ",Anon,Person" + std::to_string(i) + ",1950-01-01,\n";
  MatchTable t = TableOf(csv);
  BlockingOptions o;
  o.max_block = 30;
  CandidatePairs c = GenerateCandidates(t, o, K());
  EXPECT_TRUE(std::binary_search(c.pairs.begin(), c.pairs.end(), std::make_pair(0u, 1u)));
  // The 40 records born on 1950-01-01 make blocks over the cap: skipped and reported.
  bool reported = false;
  for (const auto& r : c.by_rule) {
    if (r.rule != BlockingRule::kBirthDate) continue;
    reported = r.skipped_blocks >= 1 && !r.skipped_examples.empty();
    // The warning names the key's value, not just its hash.
    if (reported) {
      EXPECT_EQ(r.skipped_examples[0], "birth_date '19500101 | F | a': 40 records (first: 100)");
    }
  }
  EXPECT_TRUE(reported);
  for (auto [a, b] : c.pairs) EXPECT_LT(a, b);
}

// The birth date alone pairs records whose names share nothing exactly
// (both misspelt), but only in blocks of kSmallBlock records at most: a date
// shared by more is skipped without an example or a note, since in a base
// of any size that is what most dates are.
TEST(Blocking, BirthDateAloneOnlyInSmallBlocks) {
  // Two with misspelt names, and `same_day` others born on one day.
  auto csv = [](size_t same_day) {
    std::string s = "id,first_name,surname,dob,email\n";
    s += "1,Margaret,Dobson,1980-03-07,\n2,Nargaret,Lobson,1980-03-07,\n";
    for (size_t i = 0; i < same_day; ++i) {
      s += std::to_string(100 + i) + ",Anna" + std::to_string(i) + ",Ivanova" + std::to_string(i) + ",1950-01-01,\n";
    }
    return s;
  };
  MatchTable t = TableOf(csv(kSmallBlock + 1));
  BlockingOptions o;
  // Neither initial agrees (M/N, D/L): the date with an initial misses them.
  o.rules = {BlockingRule::kBirthDate};
  CandidatePairs with_initials = GenerateCandidates(t, o, K());
  EXPECT_FALSE(std::binary_search(with_initials.pairs.begin(), with_initials.pairs.end(), std::make_pair(0u, 1u)));
  // The date alone meets them; the nine born on 1950-01-01 are one block
  // over the cap: counted, not shown.
  o.rules = {BlockingRule::kBirthDateAlone};
  CandidatePairs alone = GenerateCandidates(t, o, K());
  EXPECT_EQ(alone.pairs, (std::vector<std::pair<uint32_t, uint32_t>>{{0u, 1u}}));
  ASSERT_EQ(alone.by_rule.size(), 1u);
  EXPECT_EQ(alone.by_rule[0].skipped_blocks, 1u);
  EXPECT_TRUE(alone.by_rule[0].skipped_examples.empty());
  // One record fewer on that day and the block is used.
  MatchTable smaller = TableOf(csv(kSmallBlock));
  CandidatePairs used = GenerateCandidates(smaller, o, K());
  EXPECT_EQ(used.by_rule[0].skipped_blocks, 0u);
  EXPECT_EQ(used.pairs.size(), 1u + kSmallBlock * (kSmallBlock - 1) / 2);
  EXPECT_EQ(ComparisonsOf(BlockingRule::kBirthDateAlone), std::vector<Comparison>{Comparison::kBirthDate});
  EXPECT_EQ(*ParseBlockingRule("birth_date_alone"), BlockingRule::kBirthDateAlone);
}

TEST(Model, JsonRoundTripAndValidation) {
  FsModel m;
  m.lambda = 0.001;
  m.comparisons[0].m = {0.1, 0.1, 0.1, 0.2, 0.4, 0.1};
  m.comparisons[0].u = {0.9, 0.02, 0.02, 0.02, 0.03, 0.01};
  m.comparisons[0].term_frequency = true;
  auto back = FsModel::FromJson(m.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_DOUBLE_EQ(back->lambda, 0.001);
  EXPECT_EQ(back->comparisons[0].m, m.comparisons[0].m);
  EXPECT_TRUE(back->comparisons[0].term_frequency);
  EXPECT_FALSE(back->comparisons[1].used());
  EXPECT_FALSE(FsModel::FromJson("{}").ok());
  EXPECT_FALSE(FsModel::FromJson("not json").ok());
  std::string bad = m.ToJson();
  bad.replace(bad.find("\"lambda\": 0.001"), 15, "\"lambda\": 2.000");
  EXPECT_FALSE(FsModel::FromJson(bad).ok());
}

TEST(Model, TermFrequencyMakesACommonSurnameCountForLess) {
  std::string csv = "id,first_name,surname\n";
  for (int i = 0; i < 50; ++i) csv += std::to_string(i) + ",Name" + std::to_string(i) + ",Smith\n";
  csv += "100,Ann,Rarename\n101,Bob,Rarename\n";
  MatchTable t = TableOf(csv);
  TermFrequencies tf(t);
  FsModel m;
  m.lambda = 0.01;
  size_t last = static_cast<size_t>(Comparison::kLastName);
  m.comparisons[last].m = {0.05, 0.05, 0.1, 0.75, 0.05};
  m.comparisons[last].u = {0.9, 0.03, 0.03, 0.03, 0.01};
  m.comparisons[last].term_frequency = true;
  PairScore common = ScorePair(t, 0, 1, m, &tf, K());
  PairScore rare = ScorePair(t, 50, 51, m, &tf, K());
  EXPECT_GT(rare.weight, common.weight + 3);
}

TEST(Matcher, SameClustersWhateverTheThreadCount) {
  // Letter-only names (digits are stripped from names), many of them.
  const char* syl[] = {"ka", "lo", "mi", "ne", "ra", "tu", "vo", "za", "shi", "de"};
  auto word = [&](int x) {
    return std::string(1, static_cast<char>('A' + x % 26)) + syl[x / 26 % 10] + syl[x / 260 % 10] + "n";
  };
  std::string csv = "id,first_name,surname,dob,city\n";
  for (int i = 0; i < 300; ++i) {
    std::string n = std::to_string(i), first = word(i * 7 + 3), last = word(i * 13 + 5);
    std::string dob = "19" + std::to_string(50 + i % 40) + "-0" + std::to_string(1 + i % 9) + "-1" + std::to_string(i % 9);
    csv += "a" + n + "," + first + "," + last + "," + dob + ",Town" + word(i % 5) + "\n";
    if (i % 3 == 0) csv += "b" + n + "," + first + "," + last + "," + dob + ",Twn" + word(i % 5) + "\n";
  }
  MatchTable t = TableOf(csv);
  MatcherOptions one, many;
  one.threads = 1;
  many.threads = 4;
  MatchResult r1 = MatchAll(t, one, K()).value(), r4 = MatchAll(t, many, K()).value();
  EXPECT_EQ(r1.entity_of, r4.entity_of);
  EXPECT_EQ(r1.model.ToJson(), r4.model.ToJson());
  // Duplicates joined their originals: "b3" sits with "a3".
  for (uint32_t i = 0; i < t.size(); ++i) {
    std::string id(t.ids.Get(i));
    if (id[0] == 'b') {
      EXPECT_EQ(t.ids.Get(r1.entity_of[i]), "a" + id.substr(1)) << id;
    }
  }
}

// Clustering as specified: every link strongest first (ties by pair), over
// all records at once, a join between clusters refused when their mean
// cross probability is below link_threshold. Returns each record's cluster
// as its smallest member.
std::vector<uint32_t> OnePassClusters(const MatchTable& t, const MatchResult& r, const ClusterOptions& o,
                                      uint64_t* refused) {
  const TermFrequencies tf(t, 1);
  std::vector<size_t> links;
  for (size_t i = 0; i < r.pairs.size(); ++i) {
    if (ProbabilityOf(r.weights[i]) >= o.threshold) links.push_back(i);
  }
  std::sort(links.begin(), links.end(), [&](size_t x, size_t y) {
    return r.weights[x] != r.weights[y] ? r.weights[x] > r.weights[y] : r.pairs[x] < r.pairs[y];
  });
  std::vector<std::vector<uint32_t>> members(t.size());
  std::vector<uint32_t> cluster(t.size());
  for (uint32_t i = 0; i < t.size(); ++i) members[i] = {i}, cluster[i] = i;
  auto probability = [&](uint32_t a, uint32_t b) {
    const std::pair<uint32_t, uint32_t> key{std::min(a, b), std::max(a, b)};
    auto it = std::lower_bound(r.pairs.begin(), r.pairs.end(), key);
    if (it != r.pairs.end() && *it == key) return ProbabilityOf(r.weights[it - r.pairs.begin()]);
    return ScorePair(t, a, b, r.model, &tf, K()).probability;
  };
  *refused = 0;
  for (size_t e : links) {
    uint32_t ca = cluster[r.pairs[e].first], cb = cluster[r.pairs[e].second];
    if (ca == cb) continue;
    if (members[ca].size() > 1 || members[cb].size() > 1) {
      double sum = 0;
      size_t counted = 0;
      for (size_t i = 0; i < members[ca].size() && counted < o.max_cross_pairs; ++i) {
        for (size_t j = 0; j < members[cb].size() && counted < o.max_cross_pairs; ++j, ++counted) {
          sum += probability(members[ca][i], members[cb][j]);
        }
      }
      if (sum / counted < o.link_threshold) {
        ++*refused;
        continue;
      }
    }
    if (cb < ca) std::swap(ca, cb);
    for (uint32_t x : members[cb]) cluster[x] = ca;
    members[ca].insert(members[ca].end(), members[cb].begin(), members[cb].end());
    members[cb].clear();
  }
  return cluster;
}

// The matcher clusters each connected component of the links on its own,
// on several threads: the specification's clusters and refusals.
TEST(Matcher, ClusteringByComponentsIsTheOnePassClustering) {
  const MatchTable t = GeneratedTable(18000, 31);
  for (double threshold : {0.95, 0.5}) {
    for (int threads : {1, 4}) {
      MatcherOptions options;
      options.threads = threads;
      options.cluster.threshold = threshold;
      options.cluster.link_threshold = 0.6;  // refusals too
      options.cluster.max_cross_pairs = 6;   // and the cap on cross pairs
      const MatchResult r = MatchAll(t, options, K()).value();
      uint64_t refused = 0;
      const std::vector<uint32_t> want = OnePassClusters(t, r, options.cluster, &refused);
      // The matcher's entities by their smallest member.
      std::vector<uint32_t> smallest(t.size(), UINT32_MAX), got(t.size());
      for (uint32_t i = 0; i < t.size(); ++i) smallest[r.entity_of[i]] = std::min(smallest[r.entity_of[i]], i);
      for (uint32_t i = 0; i < t.size(); ++i) got[i] = smallest[r.entity_of[i]];
      ASSERT_EQ(got, want) << "threshold " << threshold << ", " << threads << " threads";
      EXPECT_EQ(r.joins_refused, refused);
      if (threshold == 0.5) {
        EXPECT_GT(refused, 0u);
      }
      // Enough components (one per cluster of two or more at least) for
      // the matcher to spread them over threads (a thread per 1024).
      std::vector<uint32_t> members(t.size(), 0);
      for (uint32_t c : want) ++members[c];
      EXPECT_GE(std::count_if(members.begin(), members.end(), [](uint32_t k) { return k >= 2; }), 2048);
    }
  }
}

}  // namespace
}  // namespace doppel::core

namespace doppel::core {
namespace {

TEST(MatchTable, JoinedListSplitsWithoutAllocating) {
  auto parts = [](std::string_view s) {
    std::vector<std::string> out;
    for (std::string_view p : JoinedList(s)) out.emplace_back(p);
    return out;
  };
  EXPECT_EQ(parts(""), std::vector<std::string>{});
  EXPECT_EQ(parts("a@x.ru"), std::vector<std::string>{"a@x.ru"});
  EXPECT_EQ(parts("a@x.ru\nb@y.ru"), (std::vector<std::string>{"a@x.ru", "b@y.ru"}));
  EXPECT_EQ(parts("a\n"), std::vector<std::string>{"a"});
  EXPECT_EQ(parts("\na"), (std::vector<std::string>{"", "a"}));
}

}  // namespace
}  // namespace doppel::core

namespace doppel::core {
namespace {

TEST(ProbabilityAtLeast, DecidesExactlyAsTheProbability) {
  std::mt19937_64 rng(11);
  for (double threshold : {0.0, 1e-9, 0.5, 0.95, 0.999999, 1.0}) {
    const ProbabilityAtLeast at_least(threshold);
    const double boundary = threshold > 0 && threshold < 1 ? std::log2(threshold / (1 - threshold)) : 0;
    std::vector<double> weights = {-2000, -60, -1, 0, 1, 60, 2000, boundary};
    for (int i = 0; i < 200000; ++i) {
      weights.push_back(std::uniform_real_distribution<double>(-80, 80)(rng));
      // Right at the boundary, a few ulps either side.
      weights.push_back(std::nextafter(boundary + (static_cast<int>(rng() % 41) - 20) * 1e-15, 0.0));
    }
    for (double w : weights) {
      ASSERT_EQ(at_least(w), ProbabilityOf(w) >= threshold) << "threshold " << threshold << " weight " << w;
    }
  }
}

}  // namespace
}  // namespace doppel::core
