#include "doppel/core/segments.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "doppel/core/unicode.h"

namespace doppel::core {

namespace {

std::string NumberText(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

std::optional<double> AsNumber(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::string t(s);
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

}  // namespace

Result<SegmentCondition> ParseCondition(std::string_view text) {
  SegmentCondition c;
  c.text = std::string(Trim(text));
  std::string_view s = c.text;
  size_t i = 0;
  while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_' ||
                          static_cast<unsigned char>(s[i]) >= 0x80)) {
    ++i;
  }
  c.attribute = std::string(s.substr(0, i));
  if (c.attribute.empty()) return Status::InvalidArgument("condition '" + c.text + "': expected an attribute name");
  std::string_view rest = Trim(s.substr(i));
  using Op = SegmentCondition::Op;
  static const std::pair<std::string_view, Op> kOps[] = {{"<=", Op::kLe}, {">=", Op::kGe}, {"!=", Op::kNe},
                                                         {"==", Op::kEq}, {"<", Op::kLt},  {">", Op::kGt},
                                                         {"=", Op::kEq},  {"in ", Op::kIn}};
  bool found = false;
  for (const auto& [tok, op] : kOps) {
    if (rest.starts_with(tok)) {
      c.op = op;
      rest = Trim(rest.substr(tok.size()));
      found = true;
      break;
    }
  }
  if (!found) {
    return Status::InvalidArgument("condition '" + c.text + "': expected one of < <= > >= = != in after '" +
                                   c.attribute + "'");
  }
  auto unquote = [](std::string_view v) {
    v = Trim(v);
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) v = v.substr(1, v.size() - 2);
    return Fold(v);
  };
  if (c.op == Op::kIn) {
    if (rest.size() < 2 || rest.front() != '[' || rest.back() != ']') {
      return Status::InvalidArgument("condition '" + c.text + "': `in` takes a list like [phone, sms]");
    }
    std::string_view list = rest.substr(1, rest.size() - 2);
    size_t start = 0;
    while (start <= list.size()) {
      size_t end = list.find(',', start);
      if (end == std::string_view::npos) end = list.size();
      std::string v = unquote(list.substr(start, end - start));
      if (!v.empty()) c.values.push_back(std::move(v));
      start = end + 1;
    }
  } else {
    std::string v = unquote(rest);
    if (!v.empty()) c.values.push_back(std::move(v));
  }
  if (c.values.empty()) return Status::InvalidArgument("condition '" + c.text + "': no value to compare with");
  if (c.op == Op::kLt || c.op == Op::kLe || c.op == Op::kGt || c.op == Op::kGe) {
    if (!AsNumber(c.values[0])) {
      return Status::InvalidArgument("condition '" + c.text + "': " + c.values[0] + " is not a number");
    }
  }
  return c;
}

SegmentConfig SegmentConfig::Defaults() {
  SegmentConfig c;
  auto rule = [&](std::string name, std::string description, std::vector<std::string_view> when) {
    SegmentRule r{std::move(name), std::move(description), {}};
    for (auto w : when) r.when.push_back(*ParseCondition(w));
    c.rules.push_back(std::move(r));
  };
  rule("vip", "high value, bought within a year", {"value_tier = high", "days_since_purchase <= 365"});
  rule("lapsed_regulars", "bought 5+ times, nothing for half a year", {"purchases >= 5", "days_since_purchase > 180"});
  rule("active", "bought within half a year", {"days_since_purchase <= 180"});
  rule("new", "joined within 90 days", {"days_since_created <= 90"});
  rule("dormant", "nothing bought for over a year", {"days_since_purchase > 365"});
  return c;
}

Status SegmentConfig::Validate() const {
  if (!(mid_value >= 0 && high_value >= mid_value)) {
    return Status::InvalidArgument("segments: need 0 <= mid_value <= high_value");
  }
  for (double w : {weights.value, weights.staleness, weights.uncertainty}) {
    if (!(w >= 0)) return Status::InvalidArgument("priority weights must be non-negative");
  }
  if (weights.value + weights.staleness + weights.uncertainty <= 0) {
    return Status::InvalidArgument("priority weights must not all be zero");
  }
  for (size_t i = 0; i < rules.size(); ++i) {
    if (rules[i].name.empty()) return Status::InvalidArgument("segment " + std::to_string(i + 1) + " has no name");
    if (rules[i].name == "other" || rules[i].name == "all") {
      return Status::InvalidArgument("segment names 'other' (the catch-all) and 'all' (the whole base) are reserved");
    }
    for (size_t j = 0; j < i; ++j) {
      if (rules[j].name == rules[i].name) return Status::InvalidArgument("segment '" + rules[i].name + "' twice");
    }
  }
  return Status::Ok();
}

Activity AggregateActivity(const EntityFacts& e) {
  Activity a;
  std::string channel;
  int64_t channel_seen = -1;
  for (const auto& m : e.members) {
    const Activity& x = m.activity;
    a.created = a.created == 0 ? x.created : (x.created == 0 ? a.created : std::min(a.created, x.created));
    a.last_purchase = std::max(a.last_purchase, x.last_purchase);
    a.purchases = std::max(a.purchases, x.purchases);
    a.revenue_cents = std::max(a.revenue_cents, x.revenue_cents);
    if (!x.channel.empty() && m.seen_at >= channel_seen) {
      channel = x.channel;
      channel_seen = m.seen_at;
    }
  }
  a.channel = !e.survey.preferred_channel.empty() ? e.survey.preferred_channel : channel;
  return a;
}

EntityAttributes ComputeAttributes(const EntityFacts& e, const EntityStaleness& s, const SegmentConfig& config,
                                   int32_t today) {
  EntityAttributes a;
  a.facts = &e;
  a.activity = AggregateActivity(e);
  if (a.activity.last_purchase > 0) a.days_since_purchase = DaysBetween(a.activity.last_purchase, today);
  if (a.activity.created > 0) a.days_since_created = DaysBetween(a.activity.created, today);
  if (a.activity.revenue_cents >= 0) {
    double rub = static_cast<double>(a.activity.revenue_cents) / 100;
    a.value_tier = rub >= config.high_value ? "high" : rub >= config.mid_value ? "mid" : "low";
  }
  if (e.golden.birth_date > 0) a.age = static_cast<int>(DaysBetween(e.golden.birth_date, today) / 365.2425);
  a.staleness = s.score;
  a.uncertainty = e.merge_uncertainty;
  // Recency, frequency, monetary value, each 0..1, averaged over those known.
  double sum = 0;
  int known = 0;
  if (a.days_since_purchase >= 0) {
    sum += std::exp(-static_cast<double>(a.days_since_purchase) / 365.0);
    ++known;
  }
  if (a.activity.purchases >= 0) {
    sum += std::min(1.0, std::log1p(static_cast<double>(a.activity.purchases)) / std::log1p(20.0));
    ++known;
  }
  if (a.activity.revenue_cents >= 0) {
    double rub = static_cast<double>(a.activity.revenue_cents) / 100;
    sum += std::min(1.0, std::log1p(rub) / std::log1p(std::max(1.0, config.high_value * 2)));
    ++known;
  }
  a.value_score = known == 0 ? 0 : sum / known;
  return a;
}

std::optional<std::string> EntityAttributes::Get(std::string_view name) const {
  auto num = [](double v) -> std::optional<std::string> { return NumberText(v); };
  if (name == "purchases") return activity.purchases < 0 ? std::nullopt : num(static_cast<double>(activity.purchases));
  if (name == "revenue") {
    return activity.revenue_cents < 0 ? std::nullopt : num(static_cast<double>(activity.revenue_cents) / 100);
  }
  if (name == "days_since_purchase") {
    return days_since_purchase < 0 ? std::nullopt : num(static_cast<double>(days_since_purchase));
  }
  if (name == "days_since_created") {
    return days_since_created < 0 ? std::nullopt : num(static_cast<double>(days_since_created));
  }
  if (name == "value_tier") return value_tier.empty() ? std::nullopt : std::optional<std::string>(value_tier);
  if (name == "channel") return activity.channel.empty() ? std::nullopt : std::optional<std::string>(activity.channel);
  if (name == "age") return age < 0 ? std::nullopt : num(age);
  if (name == "staleness") return num(staleness);
  if (name == "uncertainty") return num(uncertainty);
  if (name == "value_score") return num(value_score);
  if (facts == nullptr) return std::nullopt;
  if (name == "members") return num(static_cast<double>(facts->members.size()));
  if (name == "gender") {
    return facts->golden.gender.empty() ? std::nullopt : std::optional<std::string>(facts->golden.gender);
  }
  auto any_usable = [](const std::vector<ContactFacts>& v) {
    return std::any_of(v.begin(), v.end(), [](const ContactFacts& c) { return c.usable(); });
  };
  if (name == "has_phone") return std::string(any_usable(facts->phones) ? "1" : "0");
  if (name == "has_email") return std::string(any_usable(facts->emails) ? "1" : "0");
  for (const auto& [column, value] : facts->fields) {
    if (Fold(column) == name) {
      std::string v = Fold(Trim(value));
      if (v.empty()) return std::nullopt;
      return v;
    }
  }
  return std::nullopt;
}

bool Matches(const SegmentRule& rule, const EntityAttributes& a) {
  using Op = SegmentCondition::Op;
  for (const auto& c : rule.when) {
    std::optional<std::string> v = a.Get(c.attribute);
    if (!v) return false;
    bool ok;
    if (c.op == Op::kIn) {
      ok = std::find(c.values.begin(), c.values.end(), *v) != c.values.end();
    } else {
      auto x = AsNumber(*v), y = AsNumber(c.values[0]);
      if (c.op == Op::kEq || c.op == Op::kNe) {
        bool eq = (x && y) ? *x == *y : *v == c.values[0];
        ok = (c.op == Op::kEq) == eq;
      } else {
        if (!x || !y) return false;
        switch (c.op) {
          case Op::kLt: ok = *x < *y; break;
          case Op::kLe: ok = *x <= *y; break;
          case Op::kGt: ok = *x > *y; break;
          default: ok = *x >= *y; break;
        }
      }
    }
    if (!ok) return false;
  }
  return true;
}

std::string_view AssignSegment(const SegmentConfig& config, const EntityAttributes& a) {
  for (const auto& r : config.rules) {
    if (Matches(r, a)) return r.name;
  }
  return "other";
}

double Priority(const PriorityWeights& w, const EntityAttributes& a) {
  double total = w.value + w.staleness + w.uncertainty;
  if (total <= 0) return 0;
  return (w.value * a.value_score + w.staleness * a.staleness + w.uncertainty * a.uncertainty) / total;
}

}  // namespace doppel::core
