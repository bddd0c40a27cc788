// Comparisons: how two records agree, field by field, as discrete levels.
//
// Each comparison turns a pair into one level (0 = disagree, higher = the
// named kinds of agreement) or kNull when either side lacks the field; null
// contributes nothing to the match weight. Levels are computed in columns
// over many pairs at once, with string similarity through the kernel table
// (Jaro-Winkler counts), so a SIMD or GPU backend changes speed, not levels.
#pragma once

#include <array>
#include <cstdint>
#include <exception>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "doppel/core/compare_index.h"
#include "doppel/core/match_table.h"
#include "doppel/kernels/backend.h"
#include "doppel/kernels/levels.h"

namespace doppel::core {

// The comparisons and their level logic are the kernels' (kernels/levels.h),
// so that every backend runs one definition; their names are here.
using kernels::Comparison;
using kernels::kComparisonCount;
using kernels::kNull;

struct ComparisonInfo {
  std::string_view name;
  std::vector<std::string_view> levels;  // level index -> name; 0 is "else"
  int exact_level = -1;                  // the level term frequencies adjust, or -1
};
const ComparisonInfo& InfoOf(Comparison c);
std::string_view LevelName(Comparison c, int8_t level);

// Levels of many pairs: levels[c][k] for comparison c of pair k.
struct PairLevels {
  std::array<std::vector<int8_t>, kComparisonCount> levels;
  size_t size() const { return levels[0].size(); }
};

// Computes the levels of `pairs` (indices into the index's table; the index
// holds every record they name).
void ComputeLevels(const CompareIndex& x, std::span<const std::pair<uint32_t, uint32_t>> pairs,
                   const kernels::KernelTable& k, PairLevels* out);
// The same for a few pairs, indexing only what they need.
void ComputeLevels(const MatchTable& t, std::span<const std::pair<uint32_t, uint32_t>> pairs,
                   const kernels::KernelTable& k, PairLevels* out);

// The same on several threads (0 = every core), with the same result; on
// the index's device copy (CompareIndex::device) when it has one and the
// batch is big enough. Returns whether the device computed them; when the
// device failed (and the host computed them), says why in *device_error.
bool ComputeLevelsParallel(const CompareIndex& x, std::span<const std::pair<uint32_t, uint32_t>> pairs,
                           const kernels::KernelTable& k, int threads, PairLevels* out,
                           std::string* device_error = nullptr);

// Pairs as the device's calls take them: first records, second records.
struct PairColumns {
  std::vector<uint32_t> left, right;
  explicit PairColumns(std::span<const std::pair<uint32_t, uint32_t>> pairs) : left(pairs.size()), right(pairs.size()) {
    for (size_t i = 0; i < pairs.size(); ++i) left[i] = pairs[i].first, right[i] = pairs[i].second;
  }
};
// Runs call() on a backend's device copy: true when it returned, false
// with its reason in *error (when given) when it threw, an error mid-run
// that leaves the work to the host, to the same result.
template <class Call>
bool OnDevice(Call call, std::string* error) {
  try {
    call();
    return true;
  } catch (const std::exception& e) {
    if (error != nullptr) *error = e.what();
    return false;
  }
}

// A pair's levels packed 4 bits per comparison (null = 15; kernels'
// PackLevels): pairs with one pattern weigh the same, so training and the
// prior run over the distinct patterns with their counts instead of over
// every pair.
uint64_t LevelPattern(const PairLevels& levels, size_t k);
using kernels::PatternCount;
// The distinct patterns of `levels`, ascending (so sums over them do not
// depend on the pairs' order), with how many pairs have each.
std::vector<PatternCount> CountPatterns(const PairLevels& levels, int threads);
// The patterns of `pairs`: on the index's device copy when it has one and
// the batch is big enough (the levels never leave the device), else their
// levels computed and counted here; the same counts either way. Returns
// whether the device counted them; when it failed (and the host counted),
// says why in *device_error.
bool PatternsOf(const CompareIndex& x, std::span<const std::pair<uint32_t, uint32_t>> pairs,
                const kernels::KernelTable& k, int threads, std::vector<PatternCount>* out,
                std::string* device_error = nullptr);
inline int8_t PatternLevel(uint64_t pattern, size_t c) {
  const auto l = static_cast<int8_t>((pattern >> (4 * c)) & 15);
  return l == 15 ? kNull : l;
}

// Jaro-Winkler thresholds of the levels (for explanations).
using kernels::kJwField;
using kernels::kJwHigh;
using kernels::kJwLow;

// A shared landline is household evidence that the address already counts
// (a family shares one): its weight is capped at this many bits.
inline constexpr double kLandlineMaxWeight = 2.0;

}  // namespace doppel::core
