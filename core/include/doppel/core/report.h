// Stage 6 of the actualization loop: the report on a base and its campaign.
//
// The figures are computed elsewhere (storage scans the base, see
// doppel::storage::BuildReport); this header holds what a report contains
// and renders it as JSON, CSV and one self-contained HTML page (inline SVG
// charts and CSS, no scripts, no network). Rendering is a pure function of
// the data, so the same base gives byte-identical files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace doppel::core {

// Call outcomes, as operators report them.
struct OutcomeCounts {
  uint64_t confirmed = 0;     // the contact is right and reachable
  uint64_t updated = 0;       // the client gave a new phone, email or address
  uint64_t unreachable = 0;   // no answer, switched off, not in service
  uint64_t wrong_person = 0;  // someone else answers on this contact
  uint64_t do_not_call = 0;   // the client asked not to be called again
  uint64_t total() const { return confirmed + updated + unreachable + wrong_person + do_not_call; }
};

// Data quality of a set of entities at one moment.
struct QualityFigures {
  uint64_t entities = 0;
  uint64_t with_valid_phone = 0;     // at least one usable, unsuppressed phone
  uint64_t with_valid_email = 0;
  uint64_t reachable = 0;            // a valid phone or email
  uint64_t stale = 0;                // staleness above the policy threshold
  uint64_t never_verified = 0;
  uint64_t unreachable = 0;          // every phone tried and unreachable
  uint64_t suppressed_contacts = 0;  // phones and emails on the suppression list
  double mean_staleness = 0;         // 0 (just verified) .. 1 (surely outdated)
};

struct SegmentReport {
  std::string name;         // as configured ("lapsed_regulars")
  std::string description;  // the rule, in words
  QualityFigures quality;
  OutcomeCounts outcomes;   // outcomes recorded for this segment's entities
  // Estimated from this segment's outcomes: the share of contacts that go
  // out of date per year, and how often the segment should be re-verified so
  // that at most the policy's tolerated share is stale. 0 when there were
  // too few outcomes to estimate (then the configured defaults apply).
  double decay_per_year = 0;
  bool decay_estimated = false;
  int recommended_reverify_days = 0;
  std::string recommendation;  // one sentence for a manager
};

// Base health as a whole.
struct BaseHealth {
  uint64_t records = 0;
  uint64_t entities = 0;
  uint64_t duplicates_merged = 0;  // records - entities
  uint64_t phones = 0, phones_valid = 0, phones_unallocated = 0, phones_suppressed = 0;
  uint64_t emails = 0, emails_suppressed = 0;
  uint64_t suppression_entries = 0;
};

// One point of the quality history (after an import, after each outcomes
// batch): the before/after comparison is the first and the last.
struct QualityPoint {
  int64_t time_ms = 0;
  std::string label;  // "before campaign", "after outcomes batch 2", ...
  QualityFigures quality;
};

struct Report {
  std::string title = "Doppel: client base report";
  int64_t generated_ms = 0;  // when the figures were taken
  std::string today;         // the reference date, "2026-12-04"
  std::string policy;        // the staleness policy, in words
  BaseHealth health;
  QualityFigures quality;    // the whole base now
  OutcomeCounts campaign;    // every outcome recorded in the period
  std::vector<SegmentReport> segments;
  std::vector<QualityPoint> history;  // oldest first
  std::vector<std::string> recommendations;
};

// Pretty JSON with every figure above (shares as fractions, counts as
// integers).
std::string ReportJson(const Report& r);
// One CSV row per segment, plus a row "all" for the whole base:
// segment,entities,stale,stale_share,unreachable,... with a header.
std::string ReportSegmentsCsv(const Report& r);
// A self-contained HTML page: headline figures, bar charts (inline SVG) of
// the outcomes and of staleness per segment, the before/after table, the
// recommendations. All text is HTML-escaped.
std::string ReportHtml(const Report& r);

}  // namespace doppel::core
