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
#include <string>
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
  // Scored candidate pairs at least this likely come back in
  // MatchResult::pairs with their levels; the rest are only counted (links,
  // at cluster.threshold, always come back). Default: 0.5.
  double keep_min_probability = 0.5;
  // Candidate pairs are compared and stored a chunk of about this many at a
  // time. Default: 4M.
  size_t chunk_pairs = size_t{1} << 22;
  // RAM the candidate pair lists (about 25 bytes a pair) may hold before the
  // rest goes to `spill` (not owned; without one all stay in RAM); 0 = a
  // quarter of this machine's memory. Results are the same either way.
  // Default: 0.
  uint64_t pair_memory = 0;
  // RAM the records' big buffers (the match table, the compare index,
  // blocking's entries, clustering's arrays: about 0.4 KB a record) may
  // hold before new ones are mapped from files in the spill space; 0 = a
  // quarter of this machine's memory (MemoryBudget). MatchAll does not read
  // it: the command that loads the table opens spill.h ColumnFiles with it
  // before loading. Default: 0.
  uint64_t record_memory = 0;
  SpillSpace* spill = nullptr;
  // Where a command makes its spill space; "" = its output directory.
  std::string spill_dir;
};

struct MatchResult {
  uint64_t candidate_pairs = 0;
  std::vector<RuleStats> by_rule;
  // The candidate pairs at least keep_min_probability likely, ascending,
  // with their levels and match weights (ProbabilityOf gives the probability).
  std::vector<std::pair<uint32_t, uint32_t>> pairs;
  PairLevels levels;
  std::vector<double> weights;
  uint64_t spilled_bytes = 0;      // candidate pair data written to spill files
  FsModel model;
  HugeVector<uint32_t> entity_of; // per record: the record index whose id names its entity
  uint64_t clusters = 0, joins_refused = 0, pairs_scored_on_demand = 0;
  // On a backend with its own copy of the records (the GPU): the candidate
  // pairs whose levels and weights it computed, and why it computed fewer
  // than all of them ("" when nothing failed). The host computes the rest,
  // to the same values.
  uint64_t pairs_levelled_on_device = 0, pairs_weighted_on_device = 0;
  std::string device_note;
  // Wall seconds of each stage.
  struct Stages {
    double blocking = 0, comparisons = 0, training = 0, scoring = 0, clustering = 0;
  } seconds;
};

// Runs the whole batch. With `model` the model is used as is (term
// frequencies still come from this data); else it is trained here, from
// `same_entity` (true for a candidate pair that is a true match) when given.
// Fails only when spilling fails (a full or unwritable spill directory).
Result<MatchResult> MatchAll(const MatchTable& t, const MatcherOptions& options, const kernels::KernelTable& k,
                     const FsModel* model = nullptr,
                     const std::function<bool(uint32_t, uint32_t)>* same_entity = nullptr);

// Blocks and trains without scoring or clustering (for explanations and
// linking): the model MatchAll would train, in MatchAll's memory (pairs over
// options.pair_memory go to options.spill). Fails only when spilling fails.
Result<FsModel> TrainOn(const MatchTable& t, const MatcherOptions& options, const kernels::KernelTable& k);

// Links records [0, split) of `t` (list A) to records [split, n) (list B):
// for each A record the most probable B record at or above the threshold, or
// -1. Candidates come from blocking over both lists, keeping cross pairs only.
struct LinkResult {
  std::vector<int64_t> best;         // per A record: B record index or -1
  std::vector<PairScore> best_score; // its score
  uint64_t candidate_pairs = 0;
};
// Memory as MatchAll's (the pair budget); fails only when spilling fails.
Result<LinkResult> LinkLists(const MatchTable& t, uint32_t split, const FsModel& model,
                             const MatcherOptions& options, const kernels::KernelTable& k);

// What blocking alone yields (doppel blocking): each rule's pairs, the
// pairs no earlier rule produced, its skipped blocks; with `same_entity`
// (true for a true match) also how many of each are true matches. Memory
// as MatchAll's blocking: the rules' lists within options.pair_memory
// (spilled beyond it), their union streamed and counted, never held; true
// pairs are counted on the way, not kept.
struct BlockingSurvey {
  std::vector<RuleStats> by_rule;  // new_pairs counted
  uint64_t candidate_pairs = 0;    // the rules' union
  uint64_t spilled_bytes = 0;      // rule pair lists written to spill files
  // Per rule, with same_entity: true matches among its pairs (those among
  // its new pairs are by_rule[r].new_true_pairs).
  std::vector<uint64_t> true_pairs;
};
Result<BlockingSurvey> SurveyBlocking(const MatchTable& t, const MatcherOptions& options,
                                      const kernels::KernelTable& k,
                                      const std::function<bool(uint32_t, uint32_t)>* same_entity = nullptr);

// Scores one pair from scratch, with its explanation.
PairScore ScorePair(const MatchTable& t, uint32_t a, uint32_t b, const FsModel& model, const TermFrequencies* tf,
                    const kernels::KernelTable& k, std::vector<Contribution>* explain = nullptr,
                    PairLevels* levels = nullptr);

}  // namespace doppel::core
