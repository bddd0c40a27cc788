// Staleness: how likely a contact (and an entity's best contact) has gone
// out of date, from the time since it was last verified, the kind of
// contact, and what calls said of it.
//
// A contact that was right at its last verification is assumed to stay right
// with a constant hazard: the chance it still works after `age` days is
// 2^(-age / half_life). Staleness is the complement, from 0 (verified today)
// to 1. The half-lives start from the policy's defaults and are re-estimated
// from call outcomes (EstimateHalfLife), per segment.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "doppel/core/entity_facts.h"
#include "doppel/core/status.h"

namespace doppel::core {

struct StalenessPolicy {
  // Days after which half of the contacts of a kind have changed. Defaults:
  // phones 3 years, emails 4, addresses 6 (people change numbers more often
  // than they move).
  double phone_half_life_days = 1095;
  double email_half_life_days = 1460;
  double address_half_life_days = 2190;
  // An entity whose best contact is at least this stale needs re-verification.
  double threshold = 0.5;
  // ... and so does one whose best phone was not verified for this many days
  // (0: no such rule). Default: 365, "not verified for 12 months".
  int max_unverified_days = 365;
  // The share of stale contacts a segment may have before it is due again
  // (for the recommended re-verification interval). Default: 0.2.
  double tolerated_stale_share = 0.2;

  double HalfLife(ContactKind k) const;
  std::string Describe() const;
  Status Validate() const;
};

// Days from one yyyymmdd date to another (b - a); 0 when either is unknown.
int64_t DaysBetween(int32_t a_ymd, int32_t b_ymd);
// yyyymmdd of a moment (ms since epoch, UTC).
int32_t YmdFromMs(int64_t ms);

// How many days the contact has gone without verification at `today`, and
// the date that counts (last verified, else when the client was created,
// else first seen).
int64_t UnverifiedDays(const ContactFacts& c, int32_t today);

// 0..1: the chance this contact no longer works. Unreachable on the last call
// counts as at least 0.8 (1 after two in a row).
double ContactStaleness(const ContactFacts& c, double half_life_days, int32_t today);

struct EntityStaleness {
  double score = 1;      // of the best usable contact; 1 when none
  int best_phone = -1;   // index into facts.phones of the best usable phone, -1 none
  int best_email = -1;
  bool needs_reverification = false;
  std::vector<std::string> reasons;  // stable codes: "no_usable_phone", "phone_unreachable", ...
};
EntityStaleness AssessStaleness(const EntityFacts& e, const StalenessPolicy& policy, int32_t today);

// One call on a contact: how many days had passed since its previous
// verification, and whether it still worked (confirmed, or the person
// answered) or had changed (updated, wrong person, unreachable).
struct DecayObservation {
  double age_days = 0;
  bool still_valid = false;
};
// The half-life (days) that best explains the observations (maximum
// likelihood under the constant-hazard model); `fallback` when there are
// fewer than `min_observations` or they carry no information.
struct DecayEstimate {
  double half_life_days = 0;
  bool estimated = false;
  size_t observations = 0;
};
DecayEstimate EstimateHalfLife(const std::vector<DecayObservation>& obs, double fallback, size_t min_observations = 30);
// The share of contacts that change within a year, and the interval after
// which `tolerated` of them have changed.
double DecayPerYear(double half_life_days);
int ReverifyIntervalDays(double half_life_days, double tolerated);

}  // namespace doppel::core
