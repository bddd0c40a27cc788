// Scoring a clustering against ground truth: pairwise and B-cubed precision,
// recall and F1.
//
// Pairwise counts record pairs placed together (a cluster of n holds n(n-1)/2
// pairs); B-cubed averages, over records, the share of a record's cluster that
// truly belongs with it (precision) and the share of its true entity that it
// was clustered with (recall). Both are computed from the contingency table of
// (predicted cluster, true entity), in O(records).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "doppel/core/status.h"

namespace doppel::core {

struct EvalResult {
  uint64_t records = 0;              // in both files
  uint64_t missing_from_clusters = 0;  // in the truth only (counted as singletons)
  uint64_t missing_from_truth = 0;   // in the clusters only (ignored)
  uint64_t predicted_entities = 0, true_entities = 0;
  uint64_t predicted_pairs = 0, true_pairs = 0, correct_pairs = 0;
  double pair_precision = 0, pair_recall = 0, pair_f1 = 0;
  double bcubed_precision = 0, bcubed_recall = 0, bcubed_f1 = 0;
};

// Accumulates (record, predicted cluster) and (record, true entity) labels.
class Evaluator {
 public:
  // A record id may be given once per side; a repeat is an error.
  Status AddPrediction(std::string_view record_id, std::string_view cluster_id);
  Status AddTruth(std::string_view record_id, std::string_view entity_id);
  EvalResult Compute() const;

 private:
  static uint32_t Intern(std::unordered_map<std::string, uint32_t>& ids, std::string_view s);
  uint32_t Record(std::string_view record_id);  // interns and sizes the label arrays
  std::unordered_map<std::string, uint32_t> records_, clusters_, entities_;
  std::vector<uint32_t> predicted_, truth_;  // by record index; UINT32_MAX = absent
};

std::string FormatEvalText(const EvalResult& r);
std::string FormatEvalJson(const EvalResult& r);

}  // namespace doppel::core
