// The actualization loop over a stored base: call lists, call outcomes,
// suppression and reports. The CLI (on a database directory) and doppeld
// (through its ops) both call these, so the two give the same answers.
//
// Reads scan the live entities from one snapshot; writes stage into a
// WriteGroup, so a batch of outcomes lands atomically or not at all.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "doppel/core/calllist.h"
#include "doppel/core/config.h"
#include "doppel/core/contacts.h"
#include "doppel/core/entity_facts.h"
#include "doppel/core/numbering.h"
#include "doppel/core/report.h"
#include "doppel/core/staleness.h"
#include "doppel/storage/store.h"

namespace doppel::service {

// What the loop needs besides the entities, loaded once per job: the
// suppression list, the contact states and survey answers calls left, and
// the numbering plan.
// One entity as every scan sees it: facts, staleness (under its segment's
// learned half-life), attributes and segment.
struct ScoredEntity {
  core::EntityFacts facts;
  core::EntityStaleness staleness;
  core::EntityAttributes attrs;  // attrs.facts points at facts
  std::string segment;
};

class LoopContext {
 public:
  // Also learns the phone half-life from the outcome log: base-wide, and per
  // segment for the segments with enough calls.
  static Result<LoopContext> Load(const storage::Store& store, const core::LoopConfig& config, int32_t today);

  // Segments are assigned under the base-wide policy; staleness is then
  // scored with the segment's own half-life when it has one.
  void Score(const storage::EntityScanItem& item, const core::LoopConfig& config, int32_t today,
             ScoredEntity* out) const;

  // The facts of one scanned entity.
  core::EntityFacts Facts(const storage::EntityScanItem& item) const;
  const core::Suppression* FindSuppression(core::ContactKind kind, std::string_view value) const;
  const std::optional<core::NumberingPlan>& plan() const { return plan_; }
  // The configured policy with the phone half-life learned from every call
  // on record (when there are enough calls to estimate it).
  const core::StalenessPolicy& policy() const { return policy_; }
  // ... and with the segment's own learned half-life, when it has one.
  const core::StalenessPolicy& PolicyFor(std::string_view segment) const;
  core::DecayEstimate SegmentDecay(std::string_view segment) const;
  const core::DecayEstimate& phone_decay() const { return phone_decay_; }
  size_t suppression_entries() const { return suppressed_.size(); }
  std::string plan_description;

 private:
  void FillContact(core::ContactFacts& c, const storage::EntityScanItem& item) const;
  std::unordered_map<std::string, core::Suppression> suppressed_;  // kind byte + value
  std::unordered_map<std::string, core::ContactState> states_;
  std::unordered_map<uint64_t, core::SurveyAnswers> surveys_;
  std::optional<core::NumberingPlan> plan_;
  core::DecayEstimate phone_decay_;
  core::StalenessPolicy policy_;
  std::map<std::string, core::DecayEstimate> segment_decay_;
  std::map<std::string, core::StalenessPolicy> segment_policy_;
};

// Called every few thousand entities with the count so far (progress).
using ScanProgress = std::function<void(uint64_t entities)>;

struct CallListResult {
  std::vector<core::CallListEntry> entries;
  uint64_t entities = 0;  // scanned
  uint64_t due = 0;       // needing re-verification (in the asked segment)
  uint64_t callable = 0;  // ... with a usable phone
  // Due entities by reason code (an entity counts once under each of its reasons).
  std::map<std::string, uint64_t> due_by_reason;
  core::QualityFigures quality;
};
// The call-list options a request asks for, with the calling window and the
// default time zone from the config.
Result<core::CallListOptions> MakeCallListOptions(const core::LoopConfig& config, std::string segment, size_t limit,
                                                  bool all, int64_t now_ms);

Result<CallListResult> BuildCallList(const storage::Store& store, const core::LoopConfig& config,
                                     const core::CallListOptions& options, int32_t today,
                                     const ScanProgress& progress = {});

// Segment queries: every segment's size and data quality, and one page of a
// segment's members (in entity id order).
struct SegmentMember {
  uint64_t entity = 0;
  std::string last, first, middle;
  double priority = 0, staleness = 0, value_score = 0, uncertainty = 0;
  std::string value_tier, channel;
  int64_t days_since_purchase = -1;
  bool due = false;
  std::vector<std::string> reasons;
};
struct SegmentSummary {
  std::string name, description;
  core::QualityFigures quality;
  uint64_t due = 0;
  std::map<std::string, uint64_t> due_by_reason;
};
struct SegmentsResult {
  std::vector<SegmentSummary> segments;  // configured order, "other" last
  std::vector<SegmentMember> members;    // the asked page
  uint64_t members_total = 0;            // in the asked segment
};
Result<SegmentsResult> QuerySegments(const storage::Store& store, const core::LoopConfig& config, int32_t today,
                                     const std::string& segment = "", uint64_t offset = 0, uint64_t limit = 0,
                                     const ScanProgress& progress = {});

// CSV of the segments (segment,description,entities,due,...) or, when the
// query asked for a segment, of its members page.
std::string SegmentsCsv(const SegmentsResult& result, bool members);

struct OutcomeBatchResult {
  uint64_t applied = 0;
  std::vector<core::OutcomeRowError> rejected;  // with the line and why
  core::OutcomeCounts counts;
  uint64_t records_added = 0;     // new contacts taken down, stored as records
  uint64_t entities_merged = 0;   // merges those new contacts revealed
  uint64_t suppressed = 0;        // do-not-call entries added
  uint64_t detached = 0;          // contacts found to belong to someone else
};
// Stages a batch of outcomes into `group` (commit it to apply them). Rows
// that cannot apply (no such entity, a contact the entity does not have) are
// rejected with their line; the others apply in order. An error status means
// the store failed and the group must be dropped.
Result<OutcomeBatchResult> StageOutcomes(storage::Store& store, storage::Store::WriteGroup& group,
                                         const std::vector<core::OutcomeRow>& rows, const storage::Actor& actor,
                                         const core::NormalizeOptions& normalize);

// Parses an outcomes CSV (header required; see core::OutcomeColumns). Bad
// rows go to *rejected with their line.
Result<std::vector<core::OutcomeRow>> ParseOutcomesCsv(std::string_view text, const core::PhoneOptions& phone,
                                                       std::vector<core::OutcomeRowError>* rejected);

// A suppression list file: CSV with a header holding `value` (or `phone` /
// `email`) and optionally kind, reason, source, date, note.
struct SuppressionImport {
  std::vector<core::Suppression> entries;
  std::vector<core::OutcomeRowError> rejected;
};
Result<SuppressionImport> ParseSuppressionCsv(std::string_view text, const core::PhoneOptions& phone,
                                              core::SuppressReason default_reason, std::string_view default_source,
                                              int32_t today);

// Retention: the live entities the [retention] rule makes due for erasure
// (no activity for retention_inactive_years, and with
// retention_require_no_contact no usable phone or email), in id order, with
// the date of each one's last activity.
struct RetentionCandidate {
  uint64_t entity = 0;
  int32_t last_activity = 0;  // yyyymmdd; 0 when nothing is dated
  bool has_contact = false;
};
Result<std::vector<RetentionCandidate>> FindRetentionCandidates(const storage::Store& store,
                                                                const core::LoopConfig& config, int32_t today);

// The whole report: base health, campaign results, per-segment quality and
// decay, the quality history (a point for now is added and, with
// `record_point`, stored), and recommendations.
Result<core::Report> BuildReport(storage::Store& store, const core::LoopConfig& config, int32_t today,
                                 int64_t now_ms, bool record_point, const ScanProgress& progress = {});

}  // namespace doppel::service
