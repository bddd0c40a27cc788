#include "doppel/core/calllist.h"

#include <algorithm>
#include <cstdio>
#include <unordered_map>

#include "doppel/core/date.h"
#include "doppel/core/writers.h"

namespace doppel::core {

Status CallListOptions::Validate() const {
  if (limit == 0) return Status::InvalidArgument("the call list limit must be positive");
  if (window.start_minute >= window.end_minute) {
    return Status::InvalidArgument("the calling window must open before it closes");
  }
  if (window.days == 0) return Status::InvalidArgument("the calling window needs at least one day");
  return Status::Ok();
}

std::optional<CallListEntry> MakeCallListEntry(const EntityFacts& e, const EntityStaleness& s,
                                               const EntityAttributes& a, std::string_view segment,
                                               double priority, const CallListOptions& options) {
  if (s.best_phone < 0) return std::nullopt;
  if (options.only_due && !s.needs_reverification && a.uncertainty < 0.5) return std::nullopt;
  if (!options.segment.empty() && options.segment != segment) return std::nullopt;
  const ContactFacts& phone = e.phones[static_cast<size_t>(s.best_phone)];
  if (phone.state.last_date != 0 && options.retry_after_days > 0 &&
      DaysBetween(phone.state.last_date, YmdFromMs(options.now_ms)) < options.retry_after_days) {
    return std::nullopt;
  }
  CallListEntry out;
  out.entity = e.id;
  out.priority = priority;
  out.segment = std::string(segment);
  out.last = e.golden.last;
  out.first = e.golden.first;
  out.middle = e.golden.middle;
  out.phone = phone.value;
  out.carrier = phone.carrier;
  out.region = phone.region;
  out.reasons = s.reasons;
  if (a.uncertainty >= 0.5) out.reasons.emplace_back("doubtful_merge");
  out.staleness = a.staleness;
  out.value_score = a.value_score;
  out.uncertainty = a.uncertainty;
  if (phone.utc_offset_minutes) {
    out.utc_offset_minutes = *phone.utc_offset_minutes;
    out.time_zone_source = "phone_region";
  } else if (e.address_utc_offset_minutes) {
    out.utc_offset_minutes = *e.address_utc_offset_minutes;
    out.time_zone_source = "address";
  } else {
    out.utc_offset_minutes = options.default_utc_offset_minutes;
    out.time_zone_source = "default";
  }
  out.local_window = DescribeLocalWindow(options.window, out.utc_offset_minutes);
  WindowSlot slot = NextPermitted(options.window, options.now_ms, out.utc_offset_minutes);
  out.call_from_ms = slot.start_ms;
  out.call_until_ms = slot.end_ms;
  return out;
}

namespace {
// Heap order: the worst entry on top (lowest priority, then largest id).
bool Better(const CallListEntry& a, const CallListEntry& b) {
  if (a.priority != b.priority) return a.priority > b.priority;
  return a.entity < b.entity;
}
}  // namespace

// Shared phones can knock entries out at the end, so a little more than the
// limit is kept.
CallListBuilder::CallListBuilder(size_t limit) : limit_(limit), keep_(limit + limit / 8 + 16) {}

void CallListBuilder::Offer(CallListEntry entry) {
  ++offered_;
  if (heap_.size() < keep_) {
    heap_.push_back(std::move(entry));
    std::push_heap(heap_.begin(), heap_.end(), Better);
    return;
  }
  if (!Better(entry, heap_.front())) return;
  std::pop_heap(heap_.begin(), heap_.end(), Better);
  heap_.back() = std::move(entry);
  std::push_heap(heap_.begin(), heap_.end(), Better);
}

std::vector<CallListEntry> CallListBuilder::Finish() {
  std::vector<CallListEntry> all = std::move(heap_);
  heap_.clear();
  std::sort(all.begin(), all.end(), Better);
  std::vector<CallListEntry> out;
  std::unordered_map<std::string, size_t> dialled;
  for (auto& e : all) {
    if (out.size() == limit_) break;
    if (!dialled.emplace(e.phone, out.size()).second) continue;  // a household number, dialled once
    out.push_back(std::move(e));
  }
  return out;
}

std::string IsoUtc(int64_t ms) {
  int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  int64_t rem = secs - days * 86400;
  CivilDate d = CivilFromDays(days);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", d.year, d.month, d.day,
                static_cast<int>(rem / 3600), static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60));
  return buf;
}

std::string CallListCsv(const std::vector<CallListEntry>& entries) {
  std::string out =
      "rank,entity_id,priority,segment,last_name,first_name,middle_name,phone,carrier,region,reasons,staleness,"
      "value_score,uncertainty,utc_offset,time_zone_source,local_window,call_from_utc,call_until_utc\n";
  char num[4][32];
  for (size_t i = 0; i < entries.size(); ++i) {
    const CallListEntry& e = entries[i];
    std::string reasons;
    for (const auto& r : e.reasons) reasons += (reasons.empty() ? "" : ";") + r;
    std::snprintf(num[0], sizeof num[0], "%.4f", e.priority);
    std::snprintf(num[1], sizeof num[1], "%.4f", e.staleness);
    std::snprintf(num[2], sizeof num[2], "%.4f", e.value_score);
    std::snprintf(num[3], sizeof num[3], "%.4f", e.uncertainty);
    std::string rank = std::to_string(i + 1), id = std::to_string(e.entity);
    std::string offset = std::to_string(e.utc_offset_minutes);
    std::string from = IsoUtc(e.call_from_ms), until = IsoUtc(e.call_until_ms);
    AppendCsvRow(out, {rank, id, num[0], e.segment, e.last, e.first, e.middle, e.phone, e.carrier, e.region, reasons,
                       num[1], num[2], num[3], offset, e.time_zone_source, e.local_window, from, until});
  }
  return out;
}

}  // namespace doppel::core
