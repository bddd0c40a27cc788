// Spilling candidate pairs to temporary files: the same pairs, levels,
// model and clusters as in memory, and a clear error when the disk refuses.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <iterator>
#include <random>
#include <sstream>

#include "doppel/core/config.h"
#include "doppel/core/generator.h"
#include "doppel/core/matcher.h"
#include "doppel/kernels/blocking.h"
#include "doppel/storage/temp_files.h"
#include "core/match_tables.h"

namespace doppel::core {
namespace {

const kernels::KernelTable& K() { return kernels::GetKernels(kernels::Backend::kReference); }

// A generated Russian base of `rows` records (a fifth of them duplicates).
MatchTable GeneratedTable(uint64_t rows) {
  GeneratorOptions o;
  o.rows = rows;
  o.seed = 11;
  std::ostringstream base, truth;
  EXPECT_TRUE(Generate(o, BuiltinGeneratorLists(o.locale), base, truth).ok());
  std::vector<Reject> rejects;
  return testing::ReadMatchTable(base.str(), &rejects);
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "doppel-spill-test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(PairRun, SpilledReadsAsInMemory) {
  TempDir dir;
  storage::TempFileSpace space(dir.path());
  std::mt19937_64 rng(5);
  std::vector<uint64_t> values(20000);
  for (auto& v : values) v = rng() >> 8;
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  PairBudget none(0, &space), all;
  PairRun spilled = PairRun::Make(values, &none), kept = PairRun::Make(values, &all);
  ASSERT_TRUE(none.status().ok()) << none.status().ToString();
  EXPECT_TRUE(spilled.spilled());
  EXPECT_FALSE(kept.spilled());
  EXPECT_EQ(none.spilled(), values.size() * sizeof(uint64_t));
  // The files are unlinked: nothing shows in the directory.
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
  for (uint64_t probe : {uint64_t{0}, values[0], values[777] + 1, values.back(), values.back() + 1}) {
    EXPECT_EQ(spilled.LowerBound(probe), kept.LowerBound(probe)) << probe;
  }
  // A range read a block at a time: every value once, in order.
  for (auto [from, to] : {std::pair<size_t, size_t>{0, values.size()}, {3, 8195}, {8192, 8193}, {100, 100}}) {
    PairRun::Reader reader(spilled, from, to);
    std::vector<uint64_t> got;
    const uint64_t *at, *end;
    while (reader.Next(&at, &end)) got.insert(got.end(), at, end);
    EXPECT_EQ(got, std::vector<uint64_t>(values.begin() + from, values.begin() + to));
  }
}

// A run built from pieces holds what Make would: in memory when the budget
// takes the announced bound, else in a spill file, written piece by piece.
// Budget held for pairs announced but not appended goes back.
TEST(PairRun, BuiltFromPiecesReadsAsMade) {
  TempDir dir;
  storage::TempFileSpace space(dir.path());
  std::vector<uint64_t> values(30000);
  for (size_t i = 0; i < values.size(); ++i) values[i] = i * 3 + 1;
  constexpr size_t kSlack = 1000;  // announced, never appended
  const uint64_t bound_bytes = (values.size() + kSlack) * sizeof(uint64_t);
  for (uint64_t limit : {uint64_t{0}, bound_bytes}) {
    PairBudget budget(limit, &space);
    PairRun::Builder builder(values.size() + kSlack, &budget);
    for (size_t from = 0; from < values.size(); from += 4097) {
      builder.Append(values.data() + from, std::min<size_t>(4097, values.size() - from));
    }
    PairRun run = builder.Finish();
    ASSERT_TRUE(budget.status().ok()) << budget.status().ToString();
    EXPECT_EQ(run.spilled(), limit == 0);
    EXPECT_EQ(budget.spilled(), limit == 0 ? values.size() * sizeof(uint64_t) : 0u);
    if (limit != 0) {  // the slack is back in the budget, the pairs are not
      EXPECT_TRUE(budget.Take(kSlack * sizeof(uint64_t)));
      EXPECT_FALSE(budget.Take(1));
    }
    ASSERT_EQ(run.size(), values.size());
    PairRun::Reader reader(run, 0, run.size());
    std::vector<uint64_t> got;
    const uint64_t *at, *end;
    while (reader.Next(&at, &end)) got.insert(got.end(), at, end);
    EXPECT_EQ(got, values);
    EXPECT_EQ(run.LowerBound(values[777] + 1), 778u);
    EXPECT_EQ(run.At(12345), values[12345]);
  }
  // No file to spill to: an error in the budget and an empty run.
  storage::TempFileSpace nowhere("/nonexistent/doppel-spill");
  PairBudget refused(0, &nowhere);
  PairRun::Builder builder(values.size(), &refused);
  builder.Append(values.data(), values.size());
  EXPECT_EQ(builder.Finish().size(), 0u);
  EXPECT_FALSE(refused.status().ok());
}

TEST(PairBudget, TakesWhatFitsAndSpillsTheRest) {
  TempDir dir;
  storage::TempFileSpace space(dir.path());
  PairBudget budget(100, &space);
  EXPECT_TRUE(budget.Take(60));
  EXPECT_FALSE(budget.Take(60));
  budget.Give(60);
  EXPECT_TRUE(budget.Take(100));
  PairBudget unlimited;
  EXPECT_TRUE(unlimited.Take(UINT64_MAX / 2));
  EXPECT_TRUE(unlimited.Take(UINT64_MAX / 2));
}

void ExpectSameMatch(const MatchResult& a, const MatchResult& b) {
  EXPECT_EQ(a.candidate_pairs, b.candidate_pairs);
  ASSERT_EQ(a.by_rule.size(), b.by_rule.size());
  for (size_t r = 0; r < a.by_rule.size(); ++r) {
    EXPECT_EQ(a.by_rule[r].pairs, b.by_rule[r].pairs);
    EXPECT_EQ(a.by_rule[r].new_pairs, b.by_rule[r].new_pairs);
  }
  EXPECT_EQ(a.model.ToJson(), b.model.ToJson());
  EXPECT_EQ(a.pairs, b.pairs);
  EXPECT_EQ(a.weights, b.weights);
  for (size_t c = 0; c < kComparisonCount; ++c) EXPECT_EQ(a.levels.levels[c], b.levels.levels[c]);
  EXPECT_EQ(a.entity_of, b.entity_of);
  EXPECT_EQ(a.clusters, b.clusters);
  EXPECT_EQ(a.joins_refused, b.joins_refused);
}

// Everything spilled, in small chunks: the same result as all in memory in
// one chunk, on one thread and on several.
TEST(Spill, MatchAllGivesTheSameResultSpilledOrNot) {
  const MatchTable t = GeneratedTable(3000);
  TempDir dir;
  storage::TempFileSpace space(dir.path());
  MatcherOptions memory;
  memory.threads = 1;
  const MatchResult in_memory = MatchAll(t, memory, K()).value();
  EXPECT_EQ(in_memory.spilled_bytes, 0u);
  ASSERT_GT(in_memory.candidate_pairs, 1000u);
  ASSERT_GT(in_memory.clusters, 0u);
  ASSERT_LT(in_memory.clusters, t.size());
  // Pairs below keep_min_probability are not returned.
  EXPECT_LT(in_memory.pairs.size(), in_memory.candidate_pairs);
  const ProbabilityAtLeast kept(memory.keep_min_probability);
  for (double w : in_memory.weights) EXPECT_TRUE(kept(w));

  for (int threads : {1, 3}) {
    MatcherOptions spill = memory;
    spill.threads = threads;
    spill.spill = &space;
    spill.pair_memory = 1;  // nothing fits
    spill.chunk_pairs = 700;
    auto spilled = MatchAll(t, spill, K());
    ASSERT_TRUE(spilled.ok()) << spilled.status().ToString();
    // Every rule list and every compared pair went to disk.
    EXPECT_GE(spilled->spilled_bytes, in_memory.candidate_pairs * (8 + kComparisonCount));
    ExpectSameMatch(in_memory, *spilled);
  }
  // Part in memory, part spilled.
  MatcherOptions half = memory;
  half.spill = &space;
  half.pair_memory = in_memory.candidate_pairs * 12;
  half.chunk_pairs = 5000;
  auto mixed = MatchAll(t, half, K());
  ASSERT_TRUE(mixed.ok()) << mixed.status().ToString();
  EXPECT_GT(mixed->spilled_bytes, 0u);
  ExpectSameMatch(in_memory, *mixed);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

// TrainOn (explain, link) trains MatchAll's model, spilled in small pieces
// or not; LinkLists links the same records to the same scores either way
// (ties to the smaller B record however the pairs are cut into pieces).
TEST(Spill, TrainOnAndLinkListsGiveTheSameAnswersSpilledOrNot) {
  const MatchTable t = GeneratedTable(3000);
  TempDir dir;
  storage::TempFileSpace space(dir.path());
  MatcherOptions memory;
  memory.threads = 2;
  const MatchResult all = MatchAll(t, memory, K()).value();
  const FsModel model = TrainOn(t, memory, K()).value();
  EXPECT_EQ(model.ToJson(), all.model.ToJson());
  MatcherOptions spill = memory;
  spill.spill = &space;
  spill.pair_memory = 1;  // nothing fits
  spill.chunk_pairs = 700;
  auto spilled_model = TrainOn(t, spill, K());
  ASSERT_TRUE(spilled_model.ok()) << spilled_model.status().ToString();
  EXPECT_EQ(spilled_model->ToJson(), all.model.ToJson());

  const uint32_t split = 1000;  // list A: the first thousand records
  const LinkResult one = LinkLists(t, split, model, memory, K()).value();
  auto pieces = LinkLists(t, split, model, spill, K());
  ASSERT_TRUE(pieces.ok()) << pieces.status().ToString();
  EXPECT_GT(one.candidate_pairs, 700u);
  EXPECT_EQ(one.candidate_pairs, pieces->candidate_pairs);
  EXPECT_EQ(one.best, pieces->best);
  size_t linked = 0;
  for (uint32_t a = 0; a < split; ++a) {
    EXPECT_EQ(one.best_score[a].weight, pieces->best_score[a].weight);
    if (one.best[a] >= 0) {
      ++linked;
      EXPECT_GE(one.best[a], split);
    }
  }
  EXPECT_GT(linked, 0u);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

// SurveyBlocking (doppel blocking) counts what each rule's own pair list
// says, one rule at a time in memory: its pairs, those no earlier rule had,
// and how many of each a same-entity test accepts; the same spilled in
// small pieces, and on any thread count.
TEST(Spill, BlockingSurveyCountsEachRuleAsItsOwnList) {
  const MatchTable t = GeneratedTable(2000);
  const std::function<bool(uint32_t, uint32_t)> same = [](uint32_t a, uint32_t b) { return (a ^ b) % 3 == 1; };
  MatcherOptions memory;
  memory.threads = 1;
  // The expected figures, the way the command used to find them.
  std::vector<std::pair<uint32_t, uint32_t>> seen;
  std::vector<uint64_t> pairs, fresh, hits, fresh_hits;
  for (BlockingRule rule : memory.blocking.rules) {
    BlockingOptions one = memory.blocking;
    one.rules = {rule};
    const CandidatePairs c = GenerateCandidates(t, one, K());
    std::vector<std::pair<uint32_t, uint32_t>> merged;
    std::set_union(seen.begin(), seen.end(), c.pairs.begin(), c.pairs.end(), std::back_inserter(merged));
    uint64_t hit = 0, fresh_hit = 0;
    for (auto [a, b] : c.pairs) {
      if (!same(a, b)) continue;
      ++hit;
      fresh_hit += !std::binary_search(seen.begin(), seen.end(), std::pair{a, b});
    }
    pairs.push_back(c.pairs.size());
    fresh.push_back(merged.size() - seen.size());
    hits.push_back(hit);
    fresh_hits.push_back(fresh_hit);
    seen.swap(merged);
  }
  TempDir dir;
  storage::TempFileSpace space(dir.path());
  for (int threads : {1, 2}) {
    for (bool spill : {false, true}) {
      MatcherOptions o = memory;
      o.threads = threads;
      if (spill) o.spill = &space, o.pair_memory = 1, o.chunk_pairs = 500;
      auto survey = SurveyBlocking(t, o, K(), &same);
      ASSERT_TRUE(survey.ok()) << survey.status().ToString();
      SCOPED_TRACE(::testing::Message() << threads << " threads, spilled " << spill);
      EXPECT_EQ(survey->candidate_pairs, seen.size());
      EXPECT_EQ(survey->spilled_bytes > 0, spill);
      ASSERT_EQ(survey->by_rule.size(), pairs.size());
      for (size_t r = 0; r < pairs.size(); ++r) {
        EXPECT_EQ(survey->by_rule[r].pairs, pairs[r]) << r;
        EXPECT_EQ(survey->by_rule[r].new_pairs, fresh[r]) << r;
        EXPECT_EQ(survey->true_pairs[r], hits[r]) << r;
        EXPECT_EQ(survey->by_rule[r].new_true_pairs, fresh_hits[r]) << r;
      }
      EXPECT_TRUE(survey->true_pairs.size() == pairs.size());
    }
  }
  EXPECT_GT(seen.size(), 1000u);
  const auto without = SurveyBlocking(t, memory, K()).value();
  EXPECT_TRUE(without.true_pairs.empty());
  EXPECT_EQ(without.candidate_pairs, seen.size());
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

// The union streamed in pieces is GenerateCandidates' list, pieces in order.
TEST(Spill, UnionPiecesConcatenateToTheCandidates) {
  const MatchTable t = GeneratedTable(2000);
  const CandidatePairs all = GenerateCandidates(t, {}, K(), 2);
  TempDir dir;
  storage::TempFileSpace space(dir.path());
  PairBudget budget(0, &space);
  BlockedRules blocked = BlockRules(t, {}, K(), 2, &budget);
  std::vector<std::pair<uint32_t, uint32_t>> joined;
  size_t pieces = 0;
  UnionChunks(blocked, t.size(), 2, 300, [&](std::vector<std::pair<uint32_t, uint32_t>>&& piece) {
    joined.insert(joined.end(), piece.begin(), piece.end());
    ++pieces;
  });
  ASSERT_TRUE(budget.status().ok());
  EXPECT_GT(pieces, 4u);
  EXPECT_EQ(joined, all.pairs);
  for (size_t r = 0; r < all.by_rule.size(); ++r) EXPECT_EQ(blocked.by_rule[r].new_pairs, all.by_rule[r].new_pairs);
}

// A spill directory that cannot take files: MatchAll fails with the reason.
TEST(Spill, AnUnusableDirectoryIsAnError) {
  const MatchTable t = GeneratedTable(500);
  storage::TempFileSpace space("/nonexistent/doppel-spill");
  MatcherOptions o;
  o.spill = &space;
  o.pair_memory = 1;
  auto r = MatchAll(t, o, K());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
  EXPECT_NE(r.status().message().find("/nonexistent/doppel-spill"), std::string::npos) << r.status().message();
}

TEST(Config, ByteSizes) {
  EXPECT_EQ(ParseByteSize("1048576").value(), 1048576u);
  EXPECT_EQ(ParseByteSize("512K").value(), 512u * 1024);
  EXPECT_EQ(ParseByteSize("64M").value(), 64u << 20);
  EXPECT_EQ(ParseByteSize("4G").value(), uint64_t{4} << 30);
  EXPECT_EQ(ParseByteSize("4gb").value(), uint64_t{4} << 30);
  EXPECT_EQ(ParseByteSize("1.5T").value(), uint64_t{3} << 39);
  EXPECT_EQ(ParseByteSize("auto").value(), 0u);
  for (const char* bad : {"", "G", "-1G", "4Q", "4GG", "lots", "1e30"}) {
    EXPECT_FALSE(ParseByteSize(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace doppel::core
