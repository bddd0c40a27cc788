// The Fellegi-Sunter match model: per comparison level, m (how often two
// records of one person show it) and u (how often two random records do); a
// pair's match weight is log2(prior odds that two random records match) + the
// sum of log2(m/u) over its non-null levels, and its probability is
// 1 / (1 + 2^-weight).
//
// u comes from random record pairs. m comes from expectation-maximisation in
// one session per blocking rule: inside the pairs a rule produced, the fields
// the rule looked at are left out (every pair agrees on them, matches or
// not), so the other fields behave as in random pairs and u stays right; the
// sessions' estimates are averaged. With a truth file m is counted from
// labelled pairs instead. The prior is the expected number of matches among
// the candidates over all possible pairs. Exact name agreements use the
// value's own frequency as u: a rare surname says more than Иванов or Smith.
// A model saves to and loads from JSON, so it can be reused on new data.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <span>
#include <unordered_map>
#include <vector>

#include "doppel/core/comparison.h"
#include "doppel/core/match_table.h"
#include "doppel/core/status.h"

namespace doppel::core {

struct ComparisonModel {
  // Per level; empty when the comparison is unused.
  std::vector<double> m, u;
  bool term_frequency = false;
  bool used() const { return !m.empty(); }
};

struct FsModel {
  double lambda = 1e-6;  // prior probability that two random records match
  std::array<ComparisonModel, kComparisonCount> comparisons;
  std::string trained_by;  // "em", "labels" or "loaded"
  int iterations = 0;     // EM iterations over all sessions
  uint64_t candidate_pairs = 0, random_pairs = 0, training_pairs = 0;

  std::string ToJson() const;
  static Result<FsModel> FromJson(std::string_view json);
};

// How often each value of the term-frequency comparisons occurs.
class TermFrequencies {
 public:
  // Counts values on up to `threads` threads (0 = every core).
  explicit TermFrequencies(const MatchTable& t, int threads = 1);
  // The share of records (with the field) that carry record i's value.
  double Of(Comparison c, uint32_t record) const;
  // Every record's share for comparison c; empty when c has none.
  const std::vector<double>& Shares(Comparison c) const { return columns_[static_cast<size_t>(c)].share; }

 private:
  struct Column {
    std::vector<double> share;  // per record: the share of its value, 0 when empty
  };
  std::array<Column, kComparisonCount> columns_;
};

struct TrainOptions {
  // Random pairs for u. Default: 300000.
  size_t random_pairs = 300000;
  // Seed of the random pair sample. Default: 7.
  uint64_t seed = 7;
  // EM stops after this many iterations or when m moves less than tolerance.
  // Default: 50, 1e-6.
  int max_iterations = 50;
  double tolerance = 1e-6;
  // Threads for computing the levels of training pairs; 0 = every core.
  int threads = 0;
};

// Pairs one blocking rule produced, for one EM session.
struct TrainingSet {
  std::vector<Comparison> blocked_on;  // comparisons the rule's key is made of
  std::vector<std::pair<uint32_t, uint32_t>> pairs;
};

// What training needs of all the candidate pairs, gathered a chunk at a
// time (the pairs themselves need not stay): how many pairs show each level
// pattern and, with labels, how many true matches show each level.
class CandidateSummary {
 public:
  // Adds a chunk's levels; labels (1 = same entity) per pair of the chunk.
  void Add(const PairLevels& levels, int threads, const std::vector<uint8_t>* labels = nullptr);
  // Adds an unlabelled chunk of `pairs` pairs by its patterns (PatternsOf).
  void AddPatterns(const std::vector<PatternCount>& patterns, uint64_t pairs);
  uint64_t pairs() const { return pairs_; }
  bool labelled() const { return labelled_; }

 private:
  friend FsModel TrainModel(const CompareIndex&, const CandidateSummary&, const std::vector<TrainingSet>&,
                            const kernels::KernelTable&, const TrainOptions&);
  std::vector<PatternCount> patterns_;  // ascending
  uint64_t pairs_ = 0, matches_ = 0;
  bool labelled_ = false;
  std::array<std::vector<uint64_t>, kComparisonCount> matched_;  // per level: labelled matches showing it
};

// Trains a model. `candidates` summarises all candidate pairs (for the
// prior; with labels, m is counted from the labelled matches instead);
// `sessions` are the per-rule samples for EM. `x` indexes the whole table
// (random pairs are drawn from all of it).
FsModel TrainModel(const CompareIndex& x, const CandidateSummary& candidates, const std::vector<TrainingSet>& sessions,
                   const kernels::KernelTable& k, const TrainOptions& options);

// What each comparison adds to a pair's weight.
struct Contribution {
  Comparison comparison;
  int8_t level;
  double weight;            // log2(m/u), term-frequency adjusted when noted
  bool tf_adjusted = false;
};

struct PairScore {
  double weight = 0, probability = 0;
};

inline double ProbabilityOf(double weight) { return 1.0 / (1.0 + std::exp2(-weight)); }

// ProbabilityOf(weight) >= threshold, decided on the weight where it is
// clearly on one side (no exp2 per pair) and by ProbabilityOf itself near
// the boundary, so the answer is exactly the probability's.
class ProbabilityAtLeast {
 public:
  explicit ProbabilityAtLeast(double threshold)
      : threshold_(threshold),
        exact_(!(threshold > 0 && threshold < 1)),
        boundary_(exact_ ? 0 : std::log2(threshold / (1 - threshold))) {}
  bool operator()(double weight) const {
    if (!exact_ && weight > boundary_ + 1e-6) return true;
    if (!exact_ && weight < boundary_ - 1e-6) return false;
    return ProbabilityOf(weight) >= threshold_;
  }

 private:
  double threshold_;
  bool exact_;  // a threshold of 0 or 1 (or outside): the probability decides
  double boundary_;
};
double PriorWeight(const FsModel& m);

// A model's weights made ready for scoring many pairs: log2(m/u) of every
// level is computed once (kernels::WeightTable), so a pair costs a few
// additions (kernels::PairWeight, which the device runs too), and a
// logarithm only when a term frequency adjusts its level, unless
// PrepareBulk computed those per record. Score() goes through it too. The
// model and term frequencies must outlive it.
class Scorer {
 public:
  Scorer(const FsModel& m, const TermFrequencies* tf);
  // The table points into the scorer's own arrays: moved, never copied.
  Scorer(Scorer&&) = default;
  Scorer& operator=(Scorer&&) = default;
  Scorer(const Scorer&) = delete;
  Scorer& operator=(const Scorer&) = delete;
  // Computes every record's term-frequency-adjusted weights once (on
  // `threads` threads), for scoring many pairs, and for the device's copy.
  // The weights do not change.
  void PrepareBulk(int threads);
  // The match weight of pair k of `levels` (records a, b).
  double Weight(const PairLevels& levels, size_t k, uint32_t a, uint32_t b,
                std::vector<Contribution>* explain = nullptr) const;
  // Starts loading record b's term-frequency entries into the cache: the
  // second record of a pair is anywhere in the table, and a bulk loop asks
  // for it some pairs ahead (a base of millions outgrows the cache).
  static constexpr size_t kPrefetchAhead = 16;  // pairs
  void Prefetch(uint32_t b) const {
    for (size_t c = 0; c < kComparisonCount; ++c) {
      if (table_.tf_share[c] == nullptr) continue;
      __builtin_prefetch(table_.tf_share[c] + b);
      if (table_.tf_weight[c] != nullptr) __builtin_prefetch(table_.tf_weight[c] + b);
    }
  }
  const kernels::WeightTable& table() const { return table_; }
  // Records the term frequencies cover (what a copy of the table holds).
  size_t records() const { return records_; }

 private:
  kernels::WeightTable table_;
  size_t records_ = 0;
  std::array<std::vector<double>, kComparisonCount> tf_weights_;  // PrepareBulk's
};

// Scores pair k of `levels` (records a, b); tf may be null (no adjustment).
PairScore Score(const FsModel& m, const PairLevels& levels, size_t k, uint32_t a, uint32_t b,
                const TermFrequencies* tf, std::vector<Contribution>* explain = nullptr);

}  // namespace doppel::core
