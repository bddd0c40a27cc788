// Segments (stage 3): clients grouped by rules over their attributes, and
// the re-verification priority that ranks who to call first.
//
// Rules come from TOML, evaluated in order; an entity joins the first
// segment whose conditions all hold, else "other":
//
//   [[segment]]
//   name = "lapsed_regulars"
//   description = "bought often, not in the last half year"
//   when = ["purchases >= 5", "days_since_purchase > 180"]
//
// Attributes: purchases, revenue (roubles), days_since_purchase,
// days_since_created, value_tier (high/mid/low), channel, members, age,
// gender, staleness, has_phone, has_email, uncertainty; any other name is
// looked up among the record's passthrough columns. Operators: < <= > >= =
// != and `in [a, b]`. A condition on an attribute the entity lacks is false.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "doppel/core/entity_facts.h"
#include "doppel/core/staleness.h"
#include "doppel/core/status.h"

namespace doppel::core {

struct SegmentCondition {
  std::string attribute;
  enum class Op : uint8_t { kLt, kLe, kGt, kGe, kEq, kNe, kIn } op = Op::kEq;
  std::vector<std::string> values;  // one, or several for `in`
  std::string text;                 // as written, for descriptions
};
// "purchases >= 5", "channel in [phone, sms]", "value_tier = high"
Result<SegmentCondition> ParseCondition(std::string_view text);

struct SegmentRule {
  std::string name, description;
  std::vector<SegmentCondition> when;  // all must hold
};

struct PriorityWeights {
  double value = 0.4, staleness = 0.4, uncertainty = 0.2;
};

struct SegmentConfig {
  std::vector<SegmentRule> rules;
  // Revenue (roubles) from which a client is "mid" and "high" value.
  double mid_value = 10000, high_value = 50000;
  PriorityWeights weights;

  // The defaults: vip, lapsed_regulars, active, new, dormant (and other).
  // A config file's [[segment]] tables replace them (see config.h).
  static SegmentConfig Defaults();
  Status Validate() const;
};

// The attributes rules read, computed once per entity.
struct EntityAttributes {
  Activity activity;
  int64_t days_since_purchase = -1, days_since_created = -1;  // -1 unknown
  std::string value_tier;  // "high", "mid", "low", "" unknown
  int age = -1;            // years, -1 unknown
  double staleness = 1, uncertainty = 0;
  double value_score = 0;  // 0..1: recency, frequency and monetary value together
  const EntityFacts* facts = nullptr;
  // The attribute as text (numbers in their shortest form), nullopt when unknown.
  std::optional<std::string> Get(std::string_view name) const;
};
EntityAttributes ComputeAttributes(const EntityFacts& e, const EntityStaleness& s, const SegmentConfig& config,
                                   int32_t today);

bool Matches(const SegmentRule& rule, const EntityAttributes& a);
// The name of the first matching rule, or "other".
std::string_view AssignSegment(const SegmentConfig& config, const EntityAttributes& a);

// 0..1: who to call first. Weighted sum of the value score, staleness and
// merge uncertainty (a doubtful merge is worth a call too).
double Priority(const PriorityWeights& w, const EntityAttributes& a);

}  // namespace doppel::core
