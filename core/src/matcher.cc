#include "doppel/core/matcher.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <numeric>
#include <unordered_map>

#include "doppel/core/exact_dedupe.h"
#include "doppel/core/parallel.h"

namespace doppel::core {

namespace {
TrainOptions TrainOptionsOf(const MatcherOptions& options) {
  TrainOptions train = options.train;
  train.threads = options.threads;
  return train;
}

// Per-pair data in RAM up to options.pair_memory, in spill files beyond (all
// in RAM without a spill space).
PairBudget PairBudgetOf(const MatcherOptions& options) {
  return options.spill != nullptr ? PairBudget(MemoryBudget(options.pair_memory), options.spill) : PairBudget();
}
}  // namespace

namespace {
PairScore ScoreOne(const CompareIndex* x, const MatchTable& t, uint32_t a, uint32_t b, const FsModel& model,
                   const TermFrequencies* tf, const kernels::KernelTable& k, std::vector<Contribution>* explain,
                   PairLevels* levels) {
  std::pair<uint32_t, uint32_t> one{std::min(a, b), std::max(a, b)};
  PairLevels local;
  PairLevels& lv = levels ? *levels : local;
  if (x != nullptr) ComputeLevels(*x, std::span(&one, 1), k, &lv);
  else ComputeLevels(t, std::span(&one, 1), k, &lv);
  return Score(model, lv, 0, one.first, one.second, tf, explain);
}
}  // namespace

PairScore ScorePair(const MatchTable& t, uint32_t a, uint32_t b, const FsModel& model, const TermFrequencies* tf,
                    const kernels::KernelTable& k, std::vector<Contribution>* explain, PairLevels* levels) {
  return ScoreOne(nullptr, t, a, b, model, tf, k, explain, levels);
}

Result<FsModel> TrainOn(const MatchTable& t, const MatcherOptions& options, const kernels::KernelTable& k) {
  // MatchAll's training, without keeping the pairs: each piece of the
  // rules' union is compared, counted and dropped, so memory is the
  // blocking's (within the pair budget) and one piece's. Only the pieces'
  // level patterns are needed: on the GPU they are counted there.
  PairBudget budget = PairBudgetOf(options);
  BlockedRules blocked = BlockRules(t, options.blocking, k, options.threads, &budget);
  const CompareIndex x = CompareIndex::Build(t, k, options.threads);
  CandidateSummary summary;
  std::vector<PatternCount> patterns;
  UnionChunks(blocked, t.size(), options.threads, options.chunk_pairs,
              [&](std::vector<std::pair<uint32_t, uint32_t>>&& piece) {
                PatternsOf(x, piece, k, options.threads, &patterns);
                summary.AddPatterns(patterns, piece.size());
              });
  if (Status s = budget.status(); !s.ok()) return s;
  return TrainModel(x, summary, blocked.training, k, TrainOptionsOf(options));
}

Result<BlockingSurvey> SurveyBlocking(const MatchTable& t, const MatcherOptions& options, const kernels::KernelTable& k,
                                      const std::function<bool(uint32_t, uint32_t)>* same_entity) {
  BlockingSurvey r;
  BlockingOptions blocking = options.blocking;
  blocking.training_pairs_per_rule = 1;  // no model is trained
  PairBudget budget = PairBudgetOf(options);
  BlockedRules blocked = BlockRules(t, blocking, k, options.threads, &budget);
  if (Status s = budget.status(); !s.ok()) return s;
  const size_t rules = blocked.runs.size();
  if (same_entity != nullptr) {
    // Each rule's true pairs, read from its run as it stands (in memory or
    // spilled); the new ones are counted as the union streams, where each
    // pair's first rule is known. Nothing is kept: with a truth as coarse as
    // the pairs themselves, memory stays the blocking's.
    r.true_pairs.assign(rules, 0);
    for (size_t i = 0; i < rules; ++i) {
      PairRun::Reader reader(blocked.runs[i], 0, blocked.runs[i].size());
      const uint64_t *at, *end;
      while (reader.Next(&at, &end)) {
        for (; at < end; ++at) {
          r.true_pairs[i] += (*same_entity)(static_cast<uint32_t>(*at >> 32), static_cast<uint32_t>(*at));
        }
      }
    }
  }
  UnionChunks(
      blocked, t.size(), options.threads, options.chunk_pairs,
      [&](std::vector<std::pair<uint32_t, uint32_t>>&& piece) { r.candidate_pairs += piece.size(); }, same_entity);
  if (Status s = budget.status(); !s.ok()) return s;
  r.by_rule = std::move(blocked.by_rule);
  r.spilled_bytes = budget.spilled();
  return r;
}

Result<LinkResult> LinkLists(const MatchTable& t, uint32_t split, const FsModel& model, const MatcherOptions& options,
                             const kernels::KernelTable& k) {
  LinkResult r;
  r.best.assign(split, -1);
  r.best_score.assign(split, PairScore{});
  // The rules' union a piece at a time, as MatchAll: only the pairs across
  // the lists are compared, and only each A record's best is kept.
  PairBudget budget = PairBudgetOf(options);
  BlockedRules blocked = BlockRules(t, options.blocking, k, options.threads, &budget);
  uint64_t rule_pairs = 0;
  for (const RuleStats& s : blocked.by_rule) rule_pairs += s.pairs;
  const CompareIndex x = CompareIndex::Build(t, k, options.threads);
  TermFrequencies tf(t, options.threads);
  Scorer scorer(model, &tf);
  // Term-frequency weights per record once, when there may be more pairs
  // than records to spend the logarithms on (the same weights either way).
  if (rule_pairs >= t.size()) scorer.PrepareBulk(options.threads);
  std::vector<std::pair<uint32_t, uint32_t>> cross;
  UnionChunks(blocked, t.size(), options.threads, options.chunk_pairs,
              [&](std::vector<std::pair<uint32_t, uint32_t>>&& piece) {
                cross.clear();
                for (auto [a, b] : piece) {
                  if (a < split && b >= split) cross.emplace_back(a, b);  // pairs are ordered a < b
                }
                r.candidate_pairs += cross.size();
                if (cross.empty()) return;
                PairLevels levels;
                ComputeLevelsParallel(x, cross, k, options.threads, &levels);
                // Pieces come in pair order, so ties go to the smaller B
                // index and the answer never depends on the piece size.
                for (size_t i = 0; i < cross.size(); ++i) {
                  const size_t ahead = i + Scorer::kPrefetchAhead;
                  if (ahead < cross.size()) scorer.Prefetch(cross[ahead].second);
                  auto [a, b] = cross[i];
                  PairScore s;
                  s.weight = scorer.Weight(levels, i, a, b);
                  s.probability = ProbabilityOf(s.weight);
                  if (s.probability < options.cluster.threshold) continue;
                  if (r.best[a] < 0 || s.weight > r.best_score[a].weight) {
                    r.best[a] = b;
                    r.best_score[a] = s;
                  }
                }
              });
  if (Status s = budget.status(); !s.ok()) return s;
  return r;
}

namespace {

uint64_t PairKey(uint32_t a, uint32_t b) {
  if (a > b) std::swap(a, b);
  return (static_cast<uint64_t>(a) << 32) | b;
}

// The weights of a chunk of pairs on the device from their levels; false
// (weights to be computed here) when the device fails.
bool DeviceWeightsOf(const kernels::DeviceWeights& device, std::span<const std::pair<uint32_t, uint32_t>> pairs,
                     const PairLevels& levels, std::vector<double>* weights, std::string* error) {
  const size_t n = pairs.size();
  const PairColumns p(pairs);
  std::vector<int8_t> packed(n * kComparisonCount);
  for (size_t c = 0; c < kComparisonCount; ++c) {
    std::copy(levels.levels[c].begin(), levels.levels[c].end(), packed.begin() + c * n);
  }
  return OnDevice([&] { device.Weights(p.left.data(), p.right.data(), packed.data(), n, weights->data()); }, error);
}

// The same with the levels made on the way from the device's copy of the
// records (they never leave it); false (levels and weights to be computed
// apart) when the device fails.
bool DeviceWeightsOfPairs(const kernels::DeviceWeights& device, const kernels::DeviceLevels& records,
                          std::span<const std::pair<uint32_t, uint32_t>> pairs, std::vector<double>* weights,
                          std::string* error) {
  const PairColumns p(pairs);
  return OnDevice(
      [&] { device.WeightsOfPairs(records, p.left.data(), p.right.data(), pairs.size(), weights->data()); }, error);
}

}  // namespace

Result<MatchResult> MatchAll(const MatchTable& t, const MatcherOptions& options, const kernels::KernelTable& k,
                             const FsModel* model, const std::function<bool(uint32_t, uint32_t)>* same_entity) {
  MatchResult r;
  const size_t n = t.size();
  using Clock = std::chrono::steady_clock;
  auto clock = Clock::now();
  auto since = [](Clock::time_point from) { return std::chrono::duration<double>(Clock::now() - from).count(); };
  auto lap = [&](double* into) {
    *into += since(clock);
    clock = Clock::now();
  };
  PairBudget budget = PairBudgetOf(options);
  BlockedRules blocked = BlockRules(t, options.blocking, k, options.threads, &budget);
  lap(&r.seconds.blocking);

  // The rules' union comes a piece at a time; each piece is compared at
  // once (its levels counted for training) and stored, so the whole pair
  // list never exists on its own. Comparison time is what the pieces took.
  const CompareIndex x = CompareIndex::Build(t, k, options.threads);
  if (!x.device_error().empty()) r.device_note = "comparison levels on the host: " + x.device_error();
  lap(&r.seconds.comparisons);
  // With the records on the device (the GPU) and no labels to count level
  // by level, the pieces' levels stay there: training gets their patterns
  // (PatternsOf), the store keeps the pairs alone, and scoring computes
  // levels and weights together on the device, then the kept pairs' levels.
  const bool train = model == nullptr;
  const bool levels_on_device = x.device() != nullptr && k.upload_weights != nullptr && same_entity == nullptr;
  LevelStore store(&budget, !levels_on_device);
  // The first device failure, said in the result (the work went on here).
  auto note = [&](const char* what, const std::string& error) {
    if (!error.empty() && r.device_note.empty()) r.device_note = what + error;
  };
  // Levels on the device's copy when there is one and the batch is big
  // enough, else here; whether the device made them.
  auto levels_of = [&](std::span<const std::pair<uint32_t, uint32_t>> pairs, PairLevels* out) {
    std::string error;
    const bool on_device = ComputeLevelsParallel(x, pairs, k, options.threads, out, &error);
    note("a batch of comparison levels failed on the device and was computed on the host: ", error);
    return on_device;
  };
  CandidateSummary summary;
  std::vector<uint8_t> labels;
  std::vector<PatternCount> patterns;
  UnionChunks(blocked, n, options.threads, options.chunk_pairs, [&](std::vector<std::pair<uint32_t, uint32_t>>&& piece) {
    const auto start = Clock::now();
    PairLevels levels;
    if (levels_on_device) {
      if (train) {
        std::string error;
        PatternsOf(x, piece, k, options.threads, &patterns, &error);
        note("a batch of level patterns failed on the device and was counted on the host: ", error);
        summary.AddPatterns(patterns, piece.size());
      }
    } else if (levels_of(piece, &levels)) {
      r.pairs_levelled_on_device += piece.size();
    }
    if (train) {
      if (same_entity != nullptr) {
        labels.resize(piece.size());
        for (size_t i = 0; i < piece.size(); ++i) labels[i] = (*same_entity)(piece[i].first, piece[i].second);
      }
      summary.Add(levels, options.threads, same_entity != nullptr ? &labels : nullptr);
    }
    store.Append(std::move(piece), std::move(levels));
    r.seconds.comparisons += since(start);
    r.seconds.blocking -= since(start);
  });
  lap(&r.seconds.blocking);
  r.by_rule = std::move(blocked.by_rule);
  r.candidate_pairs = store.pairs();
  if (Status s = budget.status(); !s.ok()) return s;

  if (model != nullptr) {
    r.model = *model;
  } else {
    r.model = TrainModel(x, summary, blocked.training, k, TrainOptionsOf(options));
  }
  std::vector<TrainingSet>().swap(blocked.training);  // no longer needed
  lap(&r.seconds.training);

  // Scoring, a stored chunk at a time: weights only (the probability
  // follows from the weight), and only the pairs likely enough to matter
  // are kept; clustering scores any other pair it asks about again, to the
  // same value.
  TermFrequencies tf(t, options.threads);
  Scorer scorer(r.model, &tf);
  scorer.PrepareBulk(options.threads);
  // On a backend with its own copy (the GPU), big chunks are scored there.
  std::unique_ptr<kernels::DeviceWeights> device;
  if (k.upload_weights != nullptr && store.pairs() >= kernels::GpuMinBatch()) {
    try {
      device = k.upload_weights(scorer.table(), scorer.records());
    } catch (const std::exception& e) {
      device.reset();  // scored here instead, to the same weights
      if (r.device_note.empty()) r.device_note = std::string("match weights on the host: ") + e.what();
    }
  }
  const ProbabilityAtLeast kept(std::min(options.cluster.threshold, options.keep_min_probability));
  const size_t workers = ResolveThreads(options.threads);
  LevelStore::Scratch scratch;
  std::vector<double> weights;
  PairLevels computed;  // a chunk's levels, where the store has none
  std::vector<std::pair<uint32_t, uint32_t>> kept_pairs;
  for (size_t c = 0; c < store.chunks(); ++c) {
    const LevelStore::View v = store.Get(c, &scratch);
    weights.resize(v.pairs.size());
    const bool to_device = device != nullptr && v.pairs.size() >= kernels::GpuMinBatch();
    const PairLevels* levels = v.levels;
    bool weighted = false;
    if (!store.with_levels()) {
      // Levels and weights together on the device; else the levels first.
      std::string error;
      weighted = to_device && DeviceWeightsOfPairs(*device, *x.device(), v.pairs, &weights, &error);
      note("a batch of levels and weights failed on the device and was computed apart: ", error);
      if (weighted || levels_of(v.pairs, &computed)) r.pairs_levelled_on_device += v.pairs.size();
      levels = weighted ? nullptr : &computed;
    }
    if (!weighted) {
      std::string error;
      weighted = to_device && DeviceWeightsOf(*device, v.pairs, *levels, &weights, &error);
      note("match weights on the host: ", error);
    }
    if (weighted) {
      r.pairs_weighted_on_device += v.pairs.size();
    } else {
      ParallelFor(v.pairs.size(), workers, 8192, [&](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) {
          if (i + Scorer::kPrefetchAhead < e) scorer.Prefetch(v.pairs[i + Scorer::kPrefetchAhead].second);
          weights[i] = scorer.Weight(*levels, i, v.pairs[i].first, v.pairs[i].second);
        }
      });
    }
    kept_pairs.clear();
    for (size_t i = 0; i < v.pairs.size(); ++i) {
      if (!kept(weights[i])) continue;
      r.pairs.push_back(v.pairs[i]);
      if (levels != nullptr) {
        for (size_t cmp = 0; cmp < kComparisonCount; ++cmp) r.levels.levels[cmp].push_back(levels->levels[cmp][i]);
      } else {
        kept_pairs.push_back(v.pairs[i]);
      }
      r.weights.push_back(weights[i]);
    }
    if (!kept_pairs.empty()) {  // the kept pairs' levels, from the device's copy (or here)
      levels_of(kept_pairs, &computed);
      for (size_t cmp = 0; cmp < kComparisonCount; ++cmp) {
        r.levels.levels[cmp].insert(r.levels.levels[cmp].end(), computed.levels[cmp].begin(),
                                    computed.levels[cmp].end());
      }
    }
    store.Release(c);
  }
  r.spilled_bytes = budget.spilled();
  if (Status s = budget.status(); !s.ok()) return s;
  lap(&r.seconds.scoring);

  // Clustering: links strongest first, each join checked on average.
  // Kept pairs are sorted, so a cross pair's score is a binary search away;
  // other pairs (below the keep floor, or never proposed by blocking) are
  // scored on demand and remembered.
  const auto& pairs = r.pairs;
  std::vector<size_t> edges;
  const ProbabilityAtLeast linked(options.cluster.threshold);
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (linked(r.weights[i])) edges.push_back(i);
  }
  std::sort(edges.begin(), edges.end(), [&](size_t x, size_t y) {
    if (r.weights[x] != r.weights[y]) return r.weights[x] > r.weights[y];
    return pairs[x] < pairs[y];
  });
  // A link only ever joins records of one connected component of the
  // links, and asks only about pairs within it: each component's joins
  // depend on its own links alone, taken in the same order. So the links
  // are grouped by component (kernels' connected components, on the GPU
  // for the cuda backend), keeping their order, and the components are
  // clustered in parallel, to the result of one pass over all the links.
  const size_t m = edges.size();
  std::vector<std::pair<uint32_t, size_t>> by_component(m);  // (component, position in edges)
  {
    std::vector<uint32_t> ea(m), eb(m);
    for (size_t i = 0; i < m; ++i) ea[i] = pairs[edges[i]].first, eb[i] = pairs[edges[i]].second;
    HugeVector<uint32_t> component(n);
    const kernels::ComponentsFn components =
        k.components != nullptr ? k.components : kernels::GetKernels(kernels::Backend::kReference).components;
    components(ea.data(), eb.data(), m, static_cast<uint32_t>(n), component.data());
    for (size_t i = 0; i < m; ++i) by_component[i] = {component[ea[i]], i};
  }
  std::sort(by_component.begin(), by_component.end());
  std::vector<size_t> component_start;  // of each component's links in by_component
  for (size_t i = 0; i < m; ++i) {
    if (i == 0 || by_component[i].first != by_component[i - 1].first) component_start.push_back(i);
  }
  component_start.push_back(m);
  const size_t components = component_start.size() - 1;

  // Union-find; each root's members as a linked list (head, next), in the
  // order they joined. Components touch disjoint entries.
  constexpr uint32_t kEnd = UINT32_MAX;
  HugeVector<uint32_t> parent(n), next(n, kEnd), head(n), tail(n), size(n, 1);
  std::iota(parent.begin(), parent.end(), 0u);
  std::iota(head.begin(), head.end(), 0u);
  std::iota(tail.begin(), tail.end(), 0u);
  auto find = [&](uint32_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  // What a thread remembers and counts (a pair is only ever asked about
  // within its own component, so the counts do not depend on the threads).
  struct ClusterWork {
    std::unordered_map<uint64_t, double> on_demand;
    uint64_t joins_refused = 0, scored_on_demand = 0;
  };
  auto probability = [&](ClusterWork& w, uint32_t a, uint32_t b) {
    const std::pair<uint32_t, uint32_t> key{std::min(a, b), std::max(a, b)};
    auto it = std::lower_bound(pairs.begin(), pairs.end(), key);
    if (it != pairs.end() && *it == key) return ProbabilityOf(r.weights[it - pairs.begin()]);
    auto known = w.on_demand.find(PairKey(a, b));
    if (known != w.on_demand.end()) return known->second;
    ++w.scored_on_demand;
    double p = ScoreOne(&x, t, a, b, r.model, &tf, k, nullptr, nullptr).probability;
    w.on_demand.emplace(PairKey(a, b), p);
    return p;
  };
  auto cluster_component = [&](ClusterWork& w, size_t c) {
    for (size_t i = component_start[c]; i < component_start[c + 1]; ++i) {
      const size_t e = edges[by_component[i].second];
      uint32_t ra = find(pairs[e].first), rb = find(pairs[e].second);
      if (ra == rb) continue;
      if (size[ra] > 1 || size[rb] > 1) {
        double sum = 0;
        size_t counted = 0;
        for (uint32_t u = head[ra]; u != kEnd && counted < options.cluster.max_cross_pairs; u = next[u]) {
          for (uint32_t v = head[rb]; v != kEnd && counted < options.cluster.max_cross_pairs; v = next[v], ++counted) {
            sum += probability(w, u, v);
          }
        }
        if (sum / counted < options.cluster.link_threshold) {
          ++w.joins_refused;
          continue;
        }
      }
      // The smaller index becomes the root: deterministic. Members keep
      // their order: the root's, then the other's.
      if (rb < ra) std::swap(ra, rb);
      parent[rb] = ra;
      next[tail[ra]] = head[rb];
      tail[ra] = tail[rb];
      size[ra] += size[rb];
    }
  };
  // Components vary from one link to thousands: threads take them a few
  // at a time as they go.
  const size_t cluster_threads = std::min(workers, std::max<size_t>(1, components / 1024));
  std::vector<ClusterWork> work(cluster_threads);
  std::atomic<size_t> next_component{0};
  ParallelFor(cluster_threads, cluster_threads, 1, [&](size_t wb, size_t we) {
    for (size_t w = wb; w < we; ++w) {
      constexpr size_t kTake = 64;
      for (size_t c0; (c0 = next_component.fetch_add(kTake)) < components;) {
        for (size_t c = c0; c < std::min(components, c0 + kTake); ++c) cluster_component(work[w], c);
      }
    }
  });
  for (const ClusterWork& w : work) {
    r.joins_refused += w.joins_refused;
    r.pairs_scored_on_demand += w.scored_on_demand;
  }

  // Entity id: the smallest record id of each cluster.
  r.entity_of.assign(n, 0);
  HugeVector<uint32_t> best(n, UINT32_MAX);
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t root = find(i);
    if (best[root] == UINT32_MAX || CompareRecordIds(t.ids.Get(i), t.ids.Get(best[root])) < 0) best[root] = i;
  }
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t root = find(i);
    r.entity_of[i] = best[root];
    r.clusters += root == i;
  }
  lap(&r.seconds.clustering);
  return r;
}

}  // namespace doppel::core
