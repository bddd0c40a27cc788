#include "doppel/core/fs_model.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

#include "doppel/core/parallel.h"
#include "doppel/kernels/hash.h"

namespace doppel::core {

namespace {

// splitmix64: the random pair sample must be identical on every machine.
uint64_t Mix(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

const StringColumn* TfColumn(const MatchTable& t, Comparison c) {
  switch (c) {
    case Comparison::kFirstName: return &t.first;
    case Comparison::kLastName: return &t.last;
    default: return nullptr;
  }
}

}  // namespace

TermFrequencies::TermFrequencies(const MatchTable& t, int threads) {
  // Columns are independent: one per thread.
  std::vector<size_t> wanted;
  for (size_t c = 0; c < kComparisonCount; ++c) {
    if (TfColumn(t, static_cast<Comparison>(c)) != nullptr) wanted.push_back(c);
  }
  ParallelFor(wanted.size(), ResolveThreads(threads), 1, [&](size_t wb, size_t we) {
    for (size_t w = wb; w < we; ++w) {
      const size_t c = wanted[w];
      const StringColumn* col = TfColumn(t, static_cast<Comparison>(c));
      std::unordered_map<uint64_t, uint32_t> counts;
      counts.reserve(t.size() / 4);
      std::vector<uint64_t> hash_of(t.size());
      double total = 0;
      for (size_t i = 0; i < t.size(); ++i) {
        std::string_view v = col->Get(i);
        if (v.empty()) continue;
        hash_of[i] = kernels::HashString(v, 0x7F);
        ++counts[hash_of[i]];
        ++total;
      }
      if (total == 0) continue;
      // Looked up for every scored pair: one array read, not a hash lookup.
      Column& out = columns_[c];
      out.share.assign(t.size(), 0.0);
      for (size_t i = 0; i < t.size(); ++i) {
        if (!col->Get(i).empty()) out.share[i] = counts[hash_of[i]] / total;
      }
    }
  });
}

double TermFrequencies::Of(Comparison c, uint32_t record) const {
  const Column& col = columns_[static_cast<size_t>(c)];
  return record < col.share.size() ? col.share[record] : 0.0;
}

double PriorWeight(const FsModel& m) { return std::log2(m.lambda / (1.0 - m.lambda)); }

Scorer::Scorer(const FsModel& m, const TermFrequencies* tf) {
  table_.prior = PriorWeight(m);
  for (size_t c = 0; c < kComparisonCount; ++c) {
    const ComparisonModel& cm = m.comparisons[c];
    const auto comparison = static_cast<Comparison>(c);
    if (!cm.used()) continue;
    table_.levels[c] = static_cast<uint8_t>(std::min(cm.m.size(), kernels::kMaxLevels));
    for (size_t level = 0; level < table_.levels[c]; ++level) {
      double w = std::log2(cm.m[level] / cm.u[level]);
      if (comparison == Comparison::kPhone && level == 1 /* shared_landline */) w = std::min(w, kLandlineMaxWeight);
      table_.weight[c][level] = w;
    }
    const int exact = InfoOf(comparison).exact_level;
    if (tf != nullptr && cm.term_frequency && exact >= 0 && !tf->Shares(comparison).empty()) {
      table_.tf_level[c] = static_cast<int8_t>(exact);
      table_.tf_share[c] = tf->Shares(comparison).data();
      records_ = std::max(records_, tf->Shares(comparison).size());
      table_.tf_m[c] = static_cast<size_t>(exact) < cm.m.size() ? cm.m[exact] : 0.0;
      if (comparison == Comparison::kPhone && exact == 1) table_.tf_cap[c] = kLandlineMaxWeight;
    }
  }
}

void Scorer::PrepareBulk(int threads) {
  for (size_t c = 0; c < kComparisonCount; ++c) {
    if (table_.tf_share[c] == nullptr || table_.tf_weight[c] != nullptr) continue;
    std::vector<double>& w = tf_weights_[c];
    w.resize(records_);
    const double* share = table_.tf_share[c];
    const double m = table_.tf_m[c], cap = table_.tf_cap[c];
    ParallelFor(records_, ResolveThreads(threads), 65536, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) w[i] = kernels::TfWeight(m, share[i], cap);
    });
    table_.tf_weight[c] = w.data();
  }
}

double Scorer::Weight(const PairLevels& levels, size_t k, uint32_t a, uint32_t b,
                      std::vector<Contribution>* explain) const {
  int8_t lv[kComparisonCount];
  for (size_t c = 0; c < kComparisonCount; ++c) lv[c] = levels.levels[c][k];
  if (explain == nullptr) return kernels::PairWeight(table_, lv, a, b);
  // The same sum as PairWeight's, each term kept for the explanation.
  double weight = table_.prior;
  for (size_t c = 0; c < kComparisonCount; ++c) {
    if (lv[c] == kNull || lv[c] >= table_.levels[c]) continue;
    bool adjusted;
    const double w = kernels::LevelWeight(table_, c, lv[c], a, b, &adjusted);
    weight += w;
    explain->push_back({static_cast<Comparison>(c), lv[c], w, adjusted});
  }
  return weight;
}

PairScore Score(const FsModel& m, const PairLevels& levels, size_t k, uint32_t a, uint32_t b,
                const TermFrequencies* tf, std::vector<Contribution>* explain) {
  PairScore s;
  s.weight = Scorer(m, tf).Weight(levels, k, a, b, explain);
  s.probability = ProbabilityOf(s.weight);
  return s;
}

void CandidateSummary::AddPatterns(const std::vector<PatternCount>& patterns, uint64_t pairs) {
  MergePatternCounts(patterns, &patterns_);
  pairs_ += pairs;
}

void CandidateSummary::Add(const PairLevels& levels, int threads, const std::vector<uint8_t>* labels) {
  AddPatterns(CountPatterns(levels, threads), levels.size());
  if (labels != nullptr && labels->size() == levels.size()) {
    labelled_ = true;
    for (size_t c = 0; c < kComparisonCount; ++c) {
      std::vector<uint64_t>& count = matched_[c];
      if (count.empty()) count.assign(InfoOf(static_cast<Comparison>(c)).levels.size(), 0);
      for (size_t p = 0; p < levels.size(); ++p) {
        const int8_t l = levels.levels[c][p];
        if ((*labels)[p] && l != kNull) ++count[l];
      }
    }
    for (uint8_t x : *labels) matches_ += x;
  }
}

FsModel TrainModel(const CompareIndex& x, const CandidateSummary& candidates, const std::vector<TrainingSet>& sessions,
                   const kernels::KernelTable& k, const TrainOptions& options) {
  const MatchTable& t = x.table();
  FsModel model;
  const size_t n = t.size();
  const uint64_t pairs = candidates.pairs();
  model.candidate_pairs = pairs;
  const double all_pairs = n >= 2 ? static_cast<double>(n) * (n - 1) / 2 : 1;

  // u from random pairs.
  std::vector<std::pair<uint32_t, uint32_t>> random;
  if (n >= 2) {
    uint64_t total = static_cast<uint64_t>(n) * (n - 1) / 2;
    size_t want = static_cast<size_t>(std::min<uint64_t>(options.random_pairs, total));
    uint64_t state = options.seed;
    random.reserve(want);
    while (random.size() < want) {
      auto a = static_cast<uint32_t>(Mix(state) % n), b = static_cast<uint32_t>(Mix(state) % n);
      if (a != b) random.emplace_back(std::min(a, b), std::max(a, b));
    }
  }
  model.random_pairs = random.size();
  PairLevels random_levels;
  ComputeLevelsParallel(x, random, k, options.threads, &random_levels);

  for (size_t c = 0; c < kComparisonCount; ++c) {
    const size_t L = InfoOf(static_cast<Comparison>(c)).levels.size();
    std::vector<double> count(L, 0);
    double non_null = 0;
    for (int8_t l : random_levels.levels[c]) {
      if (l == kNull) continue;
      count[l] += 1;
      non_null += 1;
    }
    uint64_t candidate_non_null = 0;
    for (const auto& p : candidates.patterns_) candidate_non_null += PatternLevel(p.pattern, c) != kNull ? p.count : 0;
    if (non_null == 0 || candidate_non_null == 0) continue;  // the data has no such field
    ComparisonModel& cm = model.comparisons[c];
    cm.u.resize(L);
    // Agreement levels may never occur among the random pairs: a floor of one
    // half-pair keeps their weight finite.
    for (size_t l = 0; l < L; ++l) cm.u[l] = (count[l] + 0.5) / (non_null + 0.5 * L);
    // A start: agreement is likelier among matches.
    cm.m.resize(L);
    double sum = 0;
    for (size_t l = 0; l < L; ++l) sum += cm.m[l] = l == 0 ? 0.1 : std::exp2(static_cast<double>(l));
    for (double& v : cm.m) v /= sum;
    cm.term_frequency = InfoOf(static_cast<Comparison>(c)).exact_level >= 0;
  }

  auto level_weight = [&](size_t c, int8_t l) {
    const ComparisonModel& cm = model.comparisons[c];
    double w = std::log2(cm.m[l] / cm.u[l]);
    if (static_cast<Comparison>(c) == Comparison::kPhone && l == 1) w = std::min(w, kLandlineMaxWeight);
    return w;
  };
  // No level is ever impossible for a match: typos happen everywhere.
  constexpr double kMinM = 1e-3;
  auto normalize = [&](std::vector<double>& v) {
    double total = 0;
    for (double x : v) total += x = std::max(x, kMinM);
    for (double& x : v) x = std::max(x, kMinM) / total;
  };

  if (candidates.labelled()) {
    for (size_t c = 0; c < kComparisonCount; ++c) {
      ComparisonModel& cm = model.comparisons[c];
      if (!cm.used()) continue;
      std::vector<double> acc(cm.m.size(), 0.01);
      for (size_t l = 0; l < acc.size() && l < candidates.matched_[c].size(); ++l) {
        acc[l] += static_cast<double>(candidates.matched_[c][l]);
      }
      normalize(acc);
      cm.m = acc;
    }
    model.lambda = std::clamp(static_cast<double>(candidates.matches_) / all_pairs, 1e-12, 0.5);
    model.trained_by = "labels";
    return model;
  }

  // Weights by level, refreshed whenever m moves (no log2 per pair).
  std::array<std::vector<double>, kComparisonCount> weights;
  auto refresh_weights = [&] {
    for (size_t c = 0; c < kComparisonCount; ++c) {
      weights[c].assign(model.comparisons[c].m.size(), 0);
      if (!model.comparisons[c].used()) continue;
      for (size_t l = 0; l < weights[c].size(); ++l) weights[c][l] = level_weight(c, static_cast<int8_t>(l));
    }
  };
  auto pattern_weight = [&](uint64_t pattern, const std::array<bool, kComparisonCount>& skip) {
    double w = 0;
    for (size_t c = 0; c < kComparisonCount; ++c) {
      const int8_t l = PatternLevel(pattern, c);
      if (!skip[c] && model.comparisons[c].used() && l != kNull) w += weights[c][l];
    }
    return w;
  };

  // EM, one session per blocking rule; each session estimates m for the
  // comparisons its rule did not look at, weighted by its expected matches.
  // Pairs with the same levels are one pattern with a count.
  std::array<std::vector<double>, kComparisonCount> m_sum;
  std::array<double, kComparisonCount> m_weight{};
  for (const TrainingSet& session : sessions) {
    if (session.pairs.size() < 10) continue;
    model.training_pairs += session.pairs.size();
    std::array<bool, kComparisonCount> fixed{};
    for (Comparison c : session.blocked_on) fixed[static_cast<size_t>(c)] = true;
    std::vector<PatternCount> patterns;
    PatternsOf(x, session.pairs, k, options.threads, &patterns);
    double lambda = 0.5;
    std::vector<double> p(patterns.size());
    double expected = 0;
    const double total = static_cast<double>(session.pairs.size());
    for (int it = 0; it < options.max_iterations; ++it) {
      refresh_weights();
      double prior = std::log2(lambda / (1 - lambda));
      expected = 0;
      for (size_t i = 0; i < patterns.size(); ++i) {
        p[i] = ProbabilityOf(prior + pattern_weight(patterns[i].pattern, fixed));
        expected += p[i] * patterns[i].count;
      }
      double change = 0;
      for (size_t c = 0; c < kComparisonCount; ++c) {
        ComparisonModel& cm = model.comparisons[c];
        if (fixed[c] || !cm.used()) continue;
        std::vector<double> acc(cm.m.size(), 0.01);
        for (size_t i = 0; i < patterns.size(); ++i) {
          const int8_t l = PatternLevel(patterns[i].pattern, c);
          if (l != kNull) acc[l] += p[i] * patterns[i].count;
        }
        normalize(acc);
        for (size_t l = 0; l < acc.size(); ++l) change = std::max(change, std::fabs(acc[l] - cm.m[l]));
        cm.m = acc;
      }
      double next = std::clamp(expected / total, 1e-6, 1 - 1e-6);
      change = std::max(change, std::fabs(next - lambda));
      lambda = next;
      ++model.iterations;
      if (change < options.tolerance) break;
    }
    for (size_t c = 0; c < kComparisonCount; ++c) {
      const ComparisonModel& cm = model.comparisons[c];
      if (fixed[c] || !cm.used() || expected <= 0) continue;
      if (m_sum[c].empty()) m_sum[c].assign(cm.m.size(), 0);
      for (size_t l = 0; l < cm.m.size(); ++l) m_sum[c][l] += cm.m[l] * expected;
      m_weight[c] += expected;
    }
  }
  for (size_t c = 0; c < kComparisonCount; ++c) {
    if (m_weight[c] <= 0) continue;
    ComparisonModel& cm = model.comparisons[c];
    for (size_t l = 0; l < cm.m.size(); ++l) cm.m[l] = m_sum[c][l] / m_weight[c];
    normalize(cm.m);
  }
  model.trained_by = "em";

  // The prior: matches among the candidates (blocking finds nearly all of
  // them) over every possible pair, solved as a fixed point over the
  // candidates' patterns.
  refresh_weights();
  const auto& patterns = candidates.patterns_;
  std::vector<double> w(patterns.size());
  for (size_t i = 0; i < patterns.size(); ++i) w[i] = pattern_weight(patterns[i].pattern, {});
  double lambda = std::clamp(pairs * 0.1 / all_pairs, 1e-12, 0.5);
  for (int it = 0; it < 100; ++it) {
    double prior = std::log2(lambda / (1 - lambda)), expected = 0;
    for (size_t i = 0; i < patterns.size(); ++i) expected += ProbabilityOf(prior + w[i]) * patterns[i].count;
    double next = std::clamp(expected / all_pairs, 1e-12, 0.5);
    if (std::fabs(next - lambda) <= 1e-9 * lambda) {
      lambda = next;
      break;
    }
    lambda = next;
  }
  model.lambda = lambda;
  return model;
}

std::string FsModel::ToJson() const {
  nlohmann::ordered_json j;
  j["format"] = "doppel-fellegi-sunter";
  j["version"] = 1;
  j["lambda"] = lambda;
  j["prior_weight"] = std::log2(lambda / (1 - lambda));
  j["trained_by"] = trained_by;
  j["iterations"] = iterations;
  j["candidate_pairs"] = candidate_pairs;
  j["random_pairs"] = random_pairs;
  j["training_pairs"] = training_pairs;
  nlohmann::ordered_json comps = nlohmann::ordered_json::array();
  for (size_t c = 0; c < kComparisonCount; ++c) {
    const ComparisonModel& cm = comparisons[c];
    if (!cm.used()) continue;
    const ComparisonInfo& info = InfoOf(static_cast<Comparison>(c));
    nlohmann::ordered_json jc;
    jc["name"] = info.name;
    jc["term_frequency"] = cm.term_frequency;
    nlohmann::ordered_json levels = nlohmann::ordered_json::array();
    for (size_t l = 0; l < cm.m.size(); ++l) {
      levels.push_back({{"level", info.levels[l]}, {"m", cm.m[l]}, {"u", cm.u[l]},
                        {"weight", std::log2(cm.m[l] / cm.u[l])}});
    }
    jc["levels"] = levels;
    comps.push_back(jc);
  }
  j["comparisons"] = comps;
  return j.dump(2) + "\n";
}

Result<FsModel> FsModel::FromJson(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Status::InvalidArgument("model: not a JSON object");
  if (j.value("format", "") != "doppel-fellegi-sunter" || j.value("version", 0) != 1) {
    return Status::InvalidArgument("model: not a doppel Fellegi-Sunter model (format/version)");
  }
  FsModel m;
  m.lambda = j.value("lambda", -1.0);
  if (!(m.lambda > 0 && m.lambda < 1)) return Status::InvalidArgument("model: lambda must be in (0, 1)");
  m.trained_by = "loaded";
  m.iterations = j.value("iterations", 0);
  m.candidate_pairs = j.value("candidate_pairs", uint64_t{0});
  m.random_pairs = j.value("random_pairs", uint64_t{0});
  m.training_pairs = j.value("training_pairs", uint64_t{0});
  if (!j.contains("comparisons") || !j["comparisons"].is_array()) return Status::InvalidArgument("model: no comparisons");
  for (const auto& jc : j["comparisons"]) {
    std::string name = jc.value("name", "");
    size_t c = 0;
    while (c < kComparisonCount && InfoOf(static_cast<Comparison>(c)).name != name) ++c;
    if (c == kComparisonCount) return Status::InvalidArgument("model: unknown comparison '" + name + "'");
    const ComparisonInfo& info = InfoOf(static_cast<Comparison>(c));
    if (!jc.contains("levels") || !jc["levels"].is_array() || jc["levels"].size() != info.levels.size()) {
      return Status::InvalidArgument("model: comparison '" + name + "' needs " + std::to_string(info.levels.size()) +
                                     " levels");
    }
    ComparisonModel& cm = m.comparisons[c];
    cm.term_frequency = jc.value("term_frequency", false);
    for (const auto& jl : jc["levels"]) {
      double mv = jl.value("m", -1.0), uv = jl.value("u", -1.0);
      if (!(mv > 0 && mv <= 1 && uv > 0 && uv <= 1)) {
        return Status::InvalidArgument("model: comparison '" + name + "' has an m or u outside (0, 1]");
      }
      cm.m.push_back(mv);
      cm.u.push_back(uv);
    }
  }
  return m;
}

}  // namespace doppel::core
