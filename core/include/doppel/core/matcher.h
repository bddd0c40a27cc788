// Fuzzy matching end to end on a batch: block, compare, train (or load) the
// Fellegi-Sunter model, score, and cluster.
//
// Clustering takes pairs above the threshold strongest first and joins two
// clusters only when their records match well on average (every cross pair
// is scored, the missing ones on demand), so a single strong bridge cannot
// chain two different people together. Entity ids are the smallest record id
// in each cluster; the result depends only on the input and the options.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "doppel/core/blocking.h"
#include "doppel/core/comparison.h"
#include "doppel/core/fs_model.h"
#include "doppel/core/match_table.h"

namespace doppel::core {

struct ClusterOptions {
  // Pairs with at least this match probability are links. Default: 0.95.
  double threshold = 0.95;
  // Two clusters join only if the mean probability over their cross pairs
  // reaches this. Default: 0.3.
  double link_threshold = 0.3;
  // Cross pairs scored per join at most (the first records of each side). Default: 2500.
  size_t max_cross_pairs = 2500;
};

struct MatcherOptions {
  BlockingOptions blocking;
  TrainOptions train;
  ClusterOptions cluster;
  // Worker threads for comparisons; 0 = every core. Default: 0.
  int threads = 0;
};

struct MatchResult {
  CandidatePairs candidates;
  PairLevels levels;               // of candidates.pairs
  std::vector<double> weights;     // match weights of candidates.pairs (ProbabilityOf gives the probability)
  FsModel model;
  std::vector<uint32_t> entity_of; // per record: the record index whose id names its entity
  uint64_t clusters = 0, joins_refused = 0, pairs_scored_on_demand = 0;
  // Wall seconds of each stage.
  struct Stages {
    double blocking = 0, comparisons = 0, training = 0, scoring = 0, clustering = 0;
  } seconds;
};

// Runs the whole batch. With `model` the model is used as is (term
// frequencies still come from this data); else it is trained here, from
// `labels` (1 per candidate pair that is a true match) when given.
MatchResult MatchAll(const MatchTable& t, const MatcherOptions& options, const kernels::KernelTable& k,
                     const FsModel* model = nullptr,
                     const std::function<bool(uint32_t, uint32_t)>* same_entity = nullptr);

// Blocks and trains without clustering (for explanations and linking).
FsModel TrainOn(const MatchTable& t, const MatcherOptions& options, const kernels::KernelTable& k,
                CandidatePairs* candidates = nullptr);

// Links records [0, split) of `t` (list A) to records [split, n) (list B):
// for each A record the most probable B record at or above the threshold, or
// -1. Candidates come from blocking over both lists, keeping cross pairs only.
struct LinkResult {
  std::vector<int64_t> best;         // per A record: B record index or -1
  std::vector<PairScore> best_score; // its score
  uint64_t candidate_pairs = 0;
};
LinkResult LinkLists(const MatchTable& t, uint32_t split, const FsModel& model, const MatcherOptions& options,
                     const kernels::KernelTable& k);

// Scores one pair from scratch, with its explanation.
PairScore ScorePair(const MatchTable& t, uint32_t a, uint32_t b, const FsModel& model, const TermFrequencies* tf,
                    const kernels::KernelTable& k, std::vector<Contribution>* explain = nullptr,
                    PairLevels* levels = nullptr);

}  // namespace doppel::core
