#include "doppel/core/staleness.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "doppel/core/date.h"

namespace doppel::core {

double StalenessPolicy::HalfLife(ContactKind k) const {
  switch (k) {
    case ContactKind::kPhone: return phone_half_life_days;
    case ContactKind::kEmail: return email_half_life_days;
    case ContactKind::kAddress: return address_half_life_days;
  }
  return phone_half_life_days;
}

std::string StalenessPolicy::Describe() const {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "half-lives: phones %.0f d, emails %.0f d, addresses %.0f d; stale at %.2f%s", phone_half_life_days,
                email_half_life_days, address_half_life_days, threshold,
                max_unverified_days > 0 ? (" or a phone unverified for " + std::to_string(max_unverified_days) +
                                           " days").c_str()
                                        : "");
  return buf;
}

Status StalenessPolicy::Validate() const {
  for (double h : {phone_half_life_days, email_half_life_days, address_half_life_days}) {
    if (!(h > 0)) return Status::InvalidArgument("staleness half-lives must be positive (days)");
  }
  if (!(threshold > 0 && threshold <= 1)) return Status::InvalidArgument("staleness threshold must be in (0, 1]");
  if (max_unverified_days < 0) return Status::InvalidArgument("max_unverified_days must be 0 (off) or positive");
  if (!(tolerated_stale_share > 0 && tolerated_stale_share < 1)) {
    return Status::InvalidArgument("tolerated_stale_share must be in (0, 1)");
  }
  return Status::Ok();
}

namespace {
int64_t DaysOf(int32_t ymd) { return DaysFromCivil(ymd / 10000, ymd / 100 % 100, ymd % 100); }
}  // namespace

int64_t DaysBetween(int32_t a, int32_t b) {
  if (a <= 0 || b <= 0) return 0;
  return DaysOf(b) - DaysOf(a);
}

int32_t YmdFromMs(int64_t ms) {
  int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
  CivilDate d = CivilFromDays(days);
  return d.year * 10000 + d.month * 100 + d.day;
}

int64_t UnverifiedDays(const ContactFacts& c, int32_t today) {
  int32_t since = c.last_verified;
  if (since == 0) since = c.created;
  if (since == 0) since = c.first_seen;
  return since == 0 ? 0 : std::max<int64_t>(0, DaysBetween(since, today));
}

double ContactStaleness(const ContactFacts& c, double half_life_days, int32_t today) {
  if (!c.usable()) return 1;
  double age = static_cast<double>(UnverifiedDays(c, today));
  double s = 1 - std::exp2(-age / half_life_days);
  // Never verified: what the base says was never checked.
  if (c.last_verified == 0) s = std::max(s, 0.5);
  if (c.state.last_date != 0 && c.state.last_outcome == Outcome::kUnreachable) {
    s = std::max(s, c.state.unreachable_streak >= 2 ? 1.0 : 0.8);
  }
  return std::clamp(s, 0.0, 1.0);
}

EntityStaleness AssessStaleness(const EntityFacts& e, const StalenessPolicy& policy, int32_t today) {
  EntityStaleness out;
  auto best_of = [&](const std::vector<ContactFacts>& list, int* best, double* score) {
    *score = 1;
    for (size_t i = 0; i < list.size(); ++i) {
      if (!list[i].usable()) continue;
      double s = ContactStaleness(list[i], policy.HalfLife(list[i].kind), today);
      if (*best < 0 || s < *score) {
        *best = static_cast<int>(i);
        *score = s;
      }
    }
  };
  double phone_score, email_score;
  best_of(e.phones, &out.best_phone, &phone_score);
  best_of(e.emails, &out.best_email, &email_score);
  out.score = std::min(phone_score, email_score);

  bool due = false;
  if (out.best_phone < 0) {
    // No number to call: due only when there were numbers and all went bad.
    out.reasons.emplace_back(e.phones.empty() ? "no_phone" : "no_usable_phone");
    due = !e.phones.empty();
  } else {
    const ContactFacts& p = e.phones[static_cast<size_t>(out.best_phone)];
    if (p.state.last_date != 0 && p.state.last_outcome == Outcome::kUnreachable) {
      out.reasons.emplace_back("phone_unreachable");
      due = true;
    }
    if (p.last_verified == 0) out.reasons.emplace_back("phone_never_verified");
    if (policy.max_unverified_days > 0 && UnverifiedDays(p, today) > policy.max_unverified_days) {
      out.reasons.push_back("phone_unverified_" + std::to_string(policy.max_unverified_days) + "d");
      due = true;
    }
  }
  // Said for the operator's information; not a reason to call by itself.
  for (const auto& list : {&e.phones, &e.emails}) {
    for (const auto& c : *list) {
      if (c.suppressed) {
        out.reasons.push_back(std::string(ContactKindName(c.kind)) + "_suppressed");
        break;
      }
    }
  }
  if (out.score >= policy.threshold) {
    out.reasons.emplace_back("stale");
    due = true;
  }
  out.needs_reverification = due;
  return out;
}

// ---- decay from call outcomes ------------------------------------------------

namespace {

// Log-likelihood of hazard rate `lambda` (per day).
double LogLikelihood(const std::vector<DecayObservation>& obs, double lambda) {
  double ll = 0;
  for (const auto& o : obs) {
    double p_valid = std::exp(-lambda * o.age_days);
    if (o.still_valid) {
      ll += -lambda * o.age_days;
    } else {
      ll += std::log(std::max(1e-12, 1 - p_valid));
    }
  }
  return ll;
}

}  // namespace

DecayEstimate EstimateHalfLife(const std::vector<DecayObservation>& obs, double fallback, size_t min_observations) {
  DecayEstimate est{fallback, false, obs.size()};
  size_t valid = 0, changed = 0;
  for (const auto& o : obs) (o.still_valid ? valid : changed) += o.age_days > 0 ? 1 : 0;
  if (obs.size() < min_observations || valid == 0 || changed == 0) return est;
  // Golden-section search on log(half-life) between a week and 50 years.
  double lo = std::log(7.0), hi = std::log(365.0 * 50);
  const double phi = (std::sqrt(5.0) - 1) / 2;
  auto f = [&](double log_h) { return LogLikelihood(obs, std::log(2.0) / std::exp(log_h)); };
  double a = hi - phi * (hi - lo), b = lo + phi * (hi - lo);
  double fa = f(a), fb = f(b);
  for (int i = 0; i < 80; ++i) {
    if (fa < fb) {
      lo = a;
      a = b;
      fa = fb;
      b = lo + phi * (hi - lo);
      fb = f(b);
    } else {
      hi = b;
      b = a;
      fb = fa;
      a = hi - phi * (hi - lo);
      fa = f(a);
    }
  }
  est.half_life_days = std::exp((lo + hi) / 2);
  est.estimated = true;
  return est;
}

double DecayPerYear(double half_life_days) { return 1 - std::exp2(-365.0 / half_life_days); }

int ReverifyIntervalDays(double half_life_days, double tolerated) {
  // 1 - 2^(-t/h) = tolerated  =>  t = -h * log2(1 - tolerated)
  return static_cast<int>(std::lround(-half_life_days * std::log2(1 - tolerated)));
}

}  // namespace doppel::core
