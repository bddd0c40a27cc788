#include "doppel/core/eval.h"

#include <gtest/gtest.h>

namespace doppel::core {
namespace {

TEST(Eval, PairwiseAndBcubedOnAHandExample) {
  // Truth: {1,2,3} {4,5}. Predicted: {1,2} {3,4,5}.
  Evaluator ev;
  for (auto [r, e] : std::vector<std::pair<const char*, const char*>>{{"1", "A"}, {"2", "A"}, {"3", "A"}, {"4", "B"}, {"5", "B"}}) {
    ASSERT_TRUE(ev.AddTruth(r, e).ok());
  }
  for (auto [r, c] : std::vector<std::pair<const char*, const char*>>{{"1", "x"}, {"2", "x"}, {"3", "y"}, {"4", "y"}, {"5", "y"}}) {
    ASSERT_TRUE(ev.AddPrediction(r, c).ok());
  }
  EvalResult r = ev.Compute();
  EXPECT_EQ(r.records, 5u);
  EXPECT_EQ(r.true_pairs, 4u);       // 3 + 1
  EXPECT_EQ(r.predicted_pairs, 4u);  // 1 + 3
  EXPECT_EQ(r.correct_pairs, 2u);    // (1,2) and (4,5)
  EXPECT_DOUBLE_EQ(r.pair_precision, 0.5);
  EXPECT_DOUBLE_EQ(r.pair_recall, 0.5);
  // B-cubed precision: 1,2 -> 2/2; 3 -> 1/3; 4,5 -> 2/3 each => (1+1+1/3+2/3+2/3)/5
  EXPECT_NEAR(r.bcubed_precision, (1 + 1 + 1.0 / 3 + 2.0 / 3 + 2.0 / 3) / 5, 1e-12);
  // recall: 1,2 -> 2/3; 3 -> 1/3; 4,5 -> 1 => (2/3+2/3+1/3+1+1)/5
  EXPECT_NEAR(r.bcubed_recall, (2.0 / 3 + 2.0 / 3 + 1.0 / 3 + 1 + 1) / 5, 1e-12);
}

TEST(Eval, PerfectAndSingletons) {
  Evaluator ev;
  ASSERT_TRUE(ev.AddTruth("a", "1").ok());
  ASSERT_TRUE(ev.AddTruth("b", "1").ok());
  ASSERT_TRUE(ev.AddTruth("c", "2").ok());
  ASSERT_TRUE(ev.AddPrediction("a", "a").ok());
  ASSERT_TRUE(ev.AddPrediction("b", "a").ok());
  // c missing from the clusters: a singleton.
  EvalResult r = ev.Compute();
  EXPECT_DOUBLE_EQ(r.pair_precision, 1.0);
  EXPECT_DOUBLE_EQ(r.pair_recall, 1.0);
  EXPECT_DOUBLE_EQ(r.bcubed_f1, 1.0);
  EXPECT_EQ(r.missing_from_clusters, 1u);
  EXPECT_FALSE(ev.AddPrediction("a", "z").ok());  // twice
}

}  // namespace
}  // namespace doppel::core
