// What the actualization loop knows of one entity: its golden record and
// members as the store keeps them, and for each contact what the records,
// the calls, the suppression list and the numbering plan say. The service
// gathers these from the store; staleness, segments, call lists and reports
// are pure functions of them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "doppel/core/contacts.h"
#include "doppel/core/golden.h"

namespace doppel::core {

struct ContactFacts {
  ContactKind kind = ContactKind::kPhone;
  std::string value;            // normalized (E.164, canonical email, address)
  int32_t first_seen = 0;       // yyyymmdd the first record carrying it was loaded
  int32_t last_seen = 0;        // ... the latest one
  int32_t created = 0;          // the earliest creation date of those records (their own column)
  int32_t last_verified = 0;    // the latest of the records' dates and the calls' confirmations
  ContactState state;           // what calls taught (empty when never called)
  bool suppressed = false;
  SuppressReason suppress_reason = SuppressReason::kOther;
  bool detached = false;        // a call found it belongs to someone else
  // Phones, from the numbering plan: the operator and region of the range,
  // and whether the number lies in any allocated range (only said when the
  // plan covers its code).
  bool unallocated = false;
  std::string carrier, region;
  std::optional<int> utc_offset_minutes;  // from the region, when known
  // Usable for contacting: not suppressed, not detached, not unallocated.
  bool usable() const { return !suppressed && !detached && !unallocated; }
};

struct EntityFacts {
  uint64_t id = 0;
  GoldenRecord golden;
  std::vector<MemberSnapshot> members;
  // The newest member's raw columns, for rules over passthrough attributes.
  std::vector<std::pair<std::string, std::string>> fields;
  std::vector<ContactFacts> phones, emails;  // parallel to golden.phones / golden.emails
  std::optional<ContactFacts> address;
  std::optional<int> address_utc_offset_minutes;  // from the golden address's region or city
  SurveyAnswers survey;
  // 0 when every merge that formed the entity was certain; up to 1 when a
  // merge was barely above the threshold or the members disagree.
  double merge_uncertainty = 0;
  int64_t created_ms = 0, updated_ms = 0;
};

// The entity's activity, aggregated over its members: the latest purchase
// and creation dates, the largest purchase count and revenue (duplicates of
// one client usually copy the same figures, so they are not summed), the
// latest non-empty channel (a survey answer overrides it).
Activity AggregateActivity(const EntityFacts& e);

}  // namespace doppel::core
