#include "doppel/core/eval.h"

#include <cstdio>

#include "doppel/core/writers.h"

namespace doppel::core {

namespace {
constexpr uint32_t kAbsent = UINT32_MAX;
uint64_t Pairs(uint64_t n) { return n * (n - 1) / 2; }
double F1(double p, double r) { return p + r > 0 ? 2 * p * r / (p + r) : 0; }
}  // namespace

uint32_t Evaluator::Intern(std::unordered_map<std::string, uint32_t>& ids, std::string_view s) {
  auto [it, inserted] = ids.try_emplace(std::string(s), static_cast<uint32_t>(ids.size()));
  return it->second;
}

uint32_t Evaluator::Record(std::string_view record_id) {
  uint32_t r = Intern(records_, record_id);
  if (r >= predicted_.size()) predicted_.resize(r + 1, kAbsent), truth_.resize(r + 1, kAbsent);
  return r;
}

Status Evaluator::AddPrediction(std::string_view record_id, std::string_view cluster_id) {
  uint32_t r = Record(record_id);
  if (predicted_[r] != kAbsent) return Status::InvalidArgument("record '" + std::string(record_id) + "' appears twice in the clusters");
  predicted_[r] = Intern(clusters_, cluster_id);
  return Status::Ok();
}

Status Evaluator::AddTruth(std::string_view record_id, std::string_view entity_id) {
  uint32_t r = Record(record_id);
  if (truth_[r] != kAbsent) return Status::InvalidArgument("record '" + std::string(record_id) + "' appears twice in the truth");
  truth_[r] = Intern(entities_, entity_id);
  return Status::Ok();
}

EvalResult Evaluator::Compute() const {
  EvalResult res;
  // Records in the truth but not clustered become singleton clusters of their own.
  std::vector<uint32_t> pred = predicted_;
  uint32_t next_cluster = static_cast<uint32_t>(clusters_.size());
  std::vector<uint64_t> cluster_size, entity_size(entities_.size(), 0);
  std::unordered_map<uint64_t, uint64_t> cell;  // (cluster, entity) -> records
  for (size_t r = 0; r < truth_.size(); ++r) {
    if (truth_[r] == kAbsent) {
      if (pred[r] != kAbsent) ++res.missing_from_truth;
      continue;
    }
    if (pred[r] == kAbsent) {
      ++res.missing_from_clusters;
      pred[r] = next_cluster++;
    }
    ++res.records;
  }
  cluster_size.assign(next_cluster, 0);
  for (size_t r = 0; r < truth_.size(); ++r) {
    if (truth_[r] == kAbsent) continue;
    ++cluster_size[pred[r]];
    ++entity_size[truth_[r]];
    ++cell[(static_cast<uint64_t>(pred[r]) << 32) | truth_[r]];
  }
  for (uint64_t n : cluster_size) {
    res.predicted_pairs += Pairs(n);
    res.predicted_entities += n > 0;
  }
  for (uint64_t n : entity_size) {
    res.true_pairs += Pairs(n);
    res.true_entities += n > 0;
  }
  double bp = 0, br = 0;
  for (const auto& [key, n] : cell) {
    res.correct_pairs += Pairs(n);
    auto c = static_cast<uint32_t>(key >> 32), e = static_cast<uint32_t>(key & 0xFFFFFFFFu);
    bp += static_cast<double>(n) * n / cluster_size[c];
    br += static_cast<double>(n) * n / entity_size[e];
  }
  res.pair_precision = res.predicted_pairs ? static_cast<double>(res.correct_pairs) / res.predicted_pairs : 1.0;
  res.pair_recall = res.true_pairs ? static_cast<double>(res.correct_pairs) / res.true_pairs : 1.0;
  res.pair_f1 = F1(res.pair_precision, res.pair_recall);
  if (res.records > 0) {
    res.bcubed_precision = bp / res.records;
    res.bcubed_recall = br / res.records;
    res.bcubed_f1 = F1(res.bcubed_precision, res.bcubed_recall);
  }
  return res;
}

std::string FormatEvalText(const EvalResult& r) {
  char buf[512];
  std::string out;
  std::snprintf(buf, sizeof buf, "records   %s (predicted entities %s, true entities %s)\n",
                WithThousands(r.records).c_str(), WithThousands(r.predicted_entities).c_str(),
                WithThousands(r.true_entities).c_str());
  out += buf;
  std::snprintf(buf, sizeof buf, "pairwise  precision %.4f  recall %.4f  F1 %.4f  (%s correct of %s predicted, %s true pairs)\n",
                r.pair_precision, r.pair_recall, r.pair_f1, WithThousands(r.correct_pairs).c_str(),
                WithThousands(r.predicted_pairs).c_str(), WithThousands(r.true_pairs).c_str());
  out += buf;
  std::snprintf(buf, sizeof buf, "b-cubed   precision %.4f  recall %.4f  F1 %.4f\n", r.bcubed_precision,
                r.bcubed_recall, r.bcubed_f1);
  out += buf;
  if (r.missing_from_clusters > 0) {
    out += "warning   " + WithThousands(r.missing_from_clusters) + " truth records missing from the clusters (scored as singletons)\n";
  }
  if (r.missing_from_truth > 0) {
    out += "warning   " + WithThousands(r.missing_from_truth) + " clustered records missing from the truth (ignored)\n";
  }
  return out;
}

std::string FormatEvalJson(const EvalResult& r) {
  JsonWriter j;
  j.BeginObject();
  j.Field("records", r.records).Field("predicted_entities", r.predicted_entities).Field("true_entities", r.true_entities);
  j.Key("pairwise").BeginObject();
  j.Field("precision", r.pair_precision).Field("recall", r.pair_recall).Field("f1", r.pair_f1);
  j.Field("correct_pairs", r.correct_pairs).Field("predicted_pairs", r.predicted_pairs).Field("true_pairs", r.true_pairs);
  j.EndObject();
  j.Key("bcubed").BeginObject();
  j.Field("precision", r.bcubed_precision).Field("recall", r.bcubed_recall).Field("f1", r.bcubed_f1);
  j.EndObject();
  j.Field("missing_from_clusters", r.missing_from_clusters).Field("missing_from_truth", r.missing_from_truth);
  j.EndObject();
  return j.str();
}

}  // namespace doppel::core
