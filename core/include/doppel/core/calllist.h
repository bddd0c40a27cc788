// Call lists (stage 4): the entities most worth a call, with the contact to
// verify, why, and when the operator may call in the client's local time.
//
// One entry per entity, so duplicates never get two calls; a phone shared
// by several entities (a household) is dialled once, for the one with the
// highest priority. Suppressed, detached and unallocated contacts are never
// offered. Ties in priority fall to the smaller entity id, so a list is a
// pure function of the base.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "doppel/core/entity_facts.h"
#include "doppel/core/numbering.h"
#include "doppel/core/segments.h"
#include "doppel/core/staleness.h"

namespace doppel::core {

struct CallListOptions {
  std::string segment;    // only this segment; empty: every segment
  size_t limit = 1000;    // entries at most
  bool only_due = true;   // only entities that need re-verification
  CallingWindow window;   // permitted hours and days, local time
  int default_utc_offset_minutes = 180;
  int64_t now_ms = 0;     // "now", for the next permitted window
  // A number called less than this many days ago is not offered again yet
  // (the outcome is fresh; calling again tomorrow annoys). Default: 3.
  int retry_after_days = 3;

  Status Validate() const;
};

struct CallListEntry {
  uint64_t entity = 0;
  double priority = 0;
  std::string segment;
  std::string last, first, middle;
  std::string phone;                  // the number to dial, E.164
  std::string carrier, region;        // of the number, from the numbering plan
  std::vector<std::string> reasons;   // why this entity is on the list
  double staleness = 0, value_score = 0, uncertainty = 0;
  int utc_offset_minutes = 0;
  std::string time_zone_source;       // "phone_region", "address", "default"
  std::string local_window;           // "09:00-20:00 mon-fri UTC+03:00"
  int64_t call_from_ms = 0, call_until_ms = 0;  // the next permitted window, UTC
};

// The entry for one entity, or nullopt when it has no usable phone or is not
// due (with options.only_due) or not in options.segment.
std::optional<CallListEntry> MakeCallListEntry(const EntityFacts& e, const EntityStaleness& s,
                                               const EntityAttributes& a, std::string_view segment,
                                               double priority, const CallListOptions& options);

// Keeps the best `limit` entries as entities stream by (bounded memory),
// then resolves shared phones.
class CallListBuilder {
 public:
  explicit CallListBuilder(size_t limit);
  void Offer(CallListEntry entry);
  // Highest priority first; one entry per phone.
  std::vector<CallListEntry> Finish();
  size_t offered() const { return offered_; }

 private:
  size_t limit_, keep_;
  size_t offered_ = 0;
  std::vector<CallListEntry> heap_;  // min-heap on (priority, -entity)
};

// CSV with a header: rank,entity_id,priority,segment,last_name,first_name,
// middle_name,phone,carrier,region,reasons,staleness,value_score,
// uncertainty,utc_offset,time_zone_source,local_window,call_from_utc,call_until_utc
std::string CallListCsv(const std::vector<CallListEntry>& entries);

// "2026-12-04T06:00:00Z"
std::string IsoUtc(int64_t ms);

}  // namespace doppel::core
