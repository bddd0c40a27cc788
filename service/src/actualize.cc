#include "doppel/service/actualize.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "doppel/core/address.h"
#include "doppel/core/date.h"
#include "doppel/core/name.h"
#include "doppel/core/name_data.h"
#include "doppel/core/phone.h"
#include "doppel/core/reader.h"
#include "doppel/core/staleness.h"
#include "doppel/core/unicode.h"
#include "doppel/core/writers.h"

namespace doppel::service {

namespace {

std::string KindKey(core::ContactKind kind, std::string_view value) {
  std::string k(1, static_cast<char>(kind));
  k.append(value);
  return k;
}

// Members of an entity that disagree on who they are make its merge doubtful:
// different birth dates, or first names that are not forms of one name
// (Дмитрий, Дима and Dmitriy are one name: compared by the full form's
// first three ASCII letters). Both together: 0.7; either: 0.4.
double MergeUncertainty(const std::vector<core::MemberSnapshot>& members) {
  if (members.size() < 2) return 0;
  std::set<int32_t> births;
  std::set<std::string> firsts;
  for (const auto& m : members) {
    if (m.birth_date > 0) births.insert(m.birth_date);
    std::string f = core::Fold(m.first);
    if (f.size() <= 2) continue;  // an initial says little
    auto full = core::FullFormsOf(f);
    std::string key = core::AsciiKey(full.empty() ? std::string_view(f) : full.front());
    if (key.size() >= 3) firsts.insert(key.substr(0, 3));
  }
  bool birth = births.size() > 1, name = firsts.size() > 1;
  return birth && name ? 0.7 : (birth || name) ? 0.4 : 0;
}

// The UTC offset of an address, from its region, else its city.
std::optional<int> AddressUtcOffset(const std::string& address) {
  if (address.empty()) return std::nullopt;
  core::AddressInput in;
  in.line = address;
  core::AddressResult a = core::NormalizeAddress(in);
  if (!a.parts.region.empty()) {
    if (auto o = core::RegionUtcOffsetMinutes(a.parts.region)) return o;
  }
  if (!a.parts.city.empty()) return core::RegionUtcOffsetMinutes(a.parts.city);
  return std::nullopt;
}

}  // namespace

// ---- context ----------------------------------------------------------------------

Result<LoopContext> LoopContext::Load(const storage::Store& store, const core::LoopConfig& config, int32_t today) {
  LoopContext ctx;
  DOPPEL_RETURN_IF_ERROR(store.ListSuppressions([&](const core::Suppression& s) {
    ctx.suppressed_.emplace(KindKey(s.kind, s.value), s);
    return true;
  }));
  DOPPEL_RETURN_IF_ERROR(
      store.LoadContactStates([&](core::ContactKind kind, std::string_view value, const core::ContactState& st) {
        ctx.states_.emplace(KindKey(kind, value), st);
      }));
  DOPPEL_RETURN_IF_ERROR(
      store.LoadSurveys([&](uint64_t eid, const core::SurveyAnswers& a) { ctx.surveys_.emplace(eid, a); }));
  DOPPEL_ASSIGN_OR_RETURN(auto plan, store.GetNumberingPlan());
  if (plan) {
    auto parsed = core::NumberingPlan::Deserialize(plan->first);
    if (!parsed.ok()) return Status::Corruption("the stored numbering plan is damaged: " + parsed.status().message());
    ctx.plan_ = std::move(*parsed);
    ctx.plan_description = plan->second;
  }

  // Decay learned from calls: every call on a phone is an observation (days
  // since its previous verification; still valid or changed).
  std::vector<std::pair<uint64_t, core::DecayObservation>> observations;
  DOPPEL_RETURN_IF_ERROR(store.ListOutcomes([&](const storage::OutcomeEvent& ev) {
    if (ev.kind != core::ContactKind::kPhone || ev.age_days < 0) return;
    bool valid = ev.outcome == core::Outcome::kConfirmed || ev.outcome == core::Outcome::kDoNotCall;
    observations.push_back({ev.entity, {static_cast<double>(ev.age_days), valid}});
  }));
  std::vector<core::DecayObservation> all;
  for (const auto& [entity, o] : observations) all.push_back(o);
  ctx.phone_decay_ = core::EstimateHalfLife(all, config.staleness.phone_half_life_days);
  ctx.policy_ = config.staleness;
  if (ctx.phone_decay_.estimated) ctx.policy_.phone_half_life_days = ctx.phone_decay_.half_life_days;

  // ... and per segment: the segment each called client is in now (assigned
  // under the base-wide policy, as every scan assigns it).
  std::unordered_map<uint64_t, std::string> segment_of;
  std::map<std::string, std::vector<core::DecayObservation>> by_segment;
  for (const auto& [entity, o] : observations) {
    auto it = segment_of.find(entity);
    if (it == segment_of.end()) {
      auto item = store.GetEntityItem(entity);
      if (!item.ok()) {
        if (item.status().code() == StatusCode::kNotFound) continue;
        return item.status();
      }
      core::EntityFacts facts = ctx.Facts(*item);
      core::EntityStaleness st = core::AssessStaleness(facts, ctx.policy_, today);
      core::EntityAttributes attrs = core::ComputeAttributes(facts, st, config.segments, today);
      it = segment_of.emplace(entity, std::string(core::AssignSegment(config.segments, attrs))).first;
    }
    by_segment[it->second].push_back(o);
  }
  for (const auto& [segment, obs] : by_segment) {
    core::DecayEstimate est = core::EstimateHalfLife(obs, ctx.policy_.phone_half_life_days);
    ctx.segment_decay_[segment] = est;
    if (est.estimated) {
      core::StalenessPolicy p = ctx.policy_;
      p.phone_half_life_days = est.half_life_days;
      ctx.segment_policy_[segment] = p;
    }
  }
  return ctx;
}

const core::StalenessPolicy& LoopContext::PolicyFor(std::string_view segment) const {
  auto it = segment_policy_.find(std::string(segment));
  return it == segment_policy_.end() ? policy_ : it->second;
}

core::DecayEstimate LoopContext::SegmentDecay(std::string_view segment) const {
  auto it = segment_decay_.find(std::string(segment));
  if (it != segment_decay_.end()) return it->second;
  return core::DecayEstimate{policy_.phone_half_life_days, false, 0};
}

void LoopContext::Score(const storage::EntityScanItem& item, const core::LoopConfig& config, int32_t today,
                        ScoredEntity* out) const {
  out->facts = Facts(item);
  out->staleness = core::AssessStaleness(out->facts, policy_, today);
  out->attrs = core::ComputeAttributes(out->facts, out->staleness, config.segments, today);
  out->segment = std::string(core::AssignSegment(config.segments, out->attrs));
  const core::StalenessPolicy& own = PolicyFor(out->segment);
  if (&own != &policy_) {
    out->staleness = core::AssessStaleness(out->facts, own, today);
    out->attrs.staleness = out->staleness.score;
  }
  out->attrs.facts = &out->facts;
}

const core::Suppression* LoopContext::FindSuppression(core::ContactKind kind, std::string_view value) const {
  auto it = suppressed_.find(KindKey(kind, value));
  return it == suppressed_.end() ? nullptr : &it->second;
}

namespace {

// What an entity's records say of one of its contacts: first and last seen,
// the earliest creation date, the latest verification. False when no member
// carries it.
bool AddMemberFacts(core::ContactFacts& c, const storage::EntityScanItem& item) {
  bool carried = false;
  for (const auto& rec : item.members) {
    const core::MemberSnapshot& m = rec.values;
    const auto& list = c.kind == core::ContactKind::kPhone ? m.phones : m.emails;
    bool has = c.kind == core::ContactKind::kAddress ? m.address == c.value
                                                      : std::find(list.begin(), list.end(), c.value) != list.end();
    if (!has) continue;
    carried = true;
    int32_t seen = core::YmdFromMs(m.seen_at);
    c.first_seen = c.first_seen == 0 ? seen : std::min(c.first_seen, seen);
    c.last_seen = std::max(c.last_seen, seen);
    if (m.activity.created > 0) c.created = c.created == 0 ? m.activity.created : std::min(c.created, m.activity.created);
    c.last_verified = std::max(c.last_verified, m.verified);
  }
  return carried;
}

}  // namespace

void LoopContext::FillContact(core::ContactFacts& c, const storage::EntityScanItem& item) const {
  AddMemberFacts(c, item);
  if (auto it = states_.find(KindKey(c.kind, c.value)); it != states_.end()) {
    c.state = it->second;
    c.last_verified = std::max(c.last_verified, c.state.last_verified);
    for (uint64_t e : c.state.wrong_for) {
      if (e == item.id || std::find(item.merged_from.begin(), item.merged_from.end(), e) != item.merged_from.end()) {
        c.detached = true;
      }
    }
  }
  if (const core::Suppression* s = FindSuppression(c.kind, c.value)) {
    c.suppressed = true;
    c.suppress_reason = s->reason;
  }
  if (c.kind == core::ContactKind::kPhone && plan_) {
    core::NumberingInfo info = plan_->Lookup(c.value);
    if (info.covered && !info.allocated) c.unallocated = true;
    if (info.allocated) {
      c.carrier = std::string(info.op);
      c.region = std::string(info.region);
      c.utc_offset_minutes = core::RegionUtcOffsetMinutes(info.region);
    }
  }
  // Numbers the plan does not place (fixed lines): the geocoder's region.
  if (c.kind == core::ContactKind::kPhone && !c.utc_offset_minutes && !c.unallocated) {
    std::string place = core::PhoneGeoDescription(c.value);
    if (!place.empty()) {
      c.utc_offset_minutes = core::RegionUtcOffsetMinutes(place);
      if (c.region.empty()) c.region = std::move(place);
    }
  }
}

core::EntityFacts LoopContext::Facts(const storage::EntityScanItem& item) const {
  core::EntityFacts e;
  e.id = item.id;
  e.golden = item.golden;
  e.created_ms = item.created_ms;
  e.updated_ms = item.updated_ms;
  const storage::StoredRecord* newest = nullptr;
  for (const auto& rec : item.members) {
    e.members.push_back(rec.values);
    if (newest == nullptr || rec.values.seen_at >= newest->values.seen_at) newest = &rec;
  }
  if (newest != nullptr) e.fields = newest->fields;
  for (const auto& p : item.golden.phones) {
    core::ContactFacts c;
    c.kind = core::ContactKind::kPhone;
    c.value = p;
    FillContact(c, item);
    e.phones.push_back(std::move(c));
  }
  for (const auto& m : item.golden.emails) {
    core::ContactFacts c;
    c.kind = core::ContactKind::kEmail;
    c.value = m;
    FillContact(c, item);
    e.emails.push_back(std::move(c));
  }
  if (!item.golden.address.empty()) {
    core::ContactFacts c;
    c.kind = core::ContactKind::kAddress;
    c.value = item.golden.address;
    FillContact(c, item);
    e.address = std::move(c);
  }
  if (auto it = surveys_.find(item.id); it != surveys_.end()) e.survey = it->second;
  e.merge_uncertainty = MergeUncertainty(e.members);
  return e;
}

namespace {

void AddQuality(const core::EntityFacts& e, const core::EntityStaleness& s, const core::StalenessPolicy& policy,
                core::QualityFigures* q) {
  ++q->entities;
  bool phone = false, email = false, verified = false, all_unreachable = !e.phones.empty();
  for (const auto& c : e.phones) {
    phone |= c.usable();
    verified |= c.last_verified != 0;
    q->suppressed_contacts += c.suppressed ? 1 : 0;
    bool unreachable = c.state.last_date != 0 && c.state.last_outcome == core::Outcome::kUnreachable;
    all_unreachable &= unreachable || !c.usable();
  }
  for (const auto& c : e.emails) {
    email |= c.usable();
    verified |= c.last_verified != 0;
    q->suppressed_contacts += c.suppressed ? 1 : 0;
  }
  q->with_valid_phone += phone;
  q->with_valid_email += email;
  q->reachable += phone || email;
  q->stale += s.score >= policy.threshold;
  q->never_verified += !verified;
  q->unreachable += phone && all_unreachable;
  // Kept as a running sum; callers divide by entities at the end.
  q->mean_staleness += s.score;
}

void FinishQuality(core::QualityFigures* q) {
  if (q->entities > 0) q->mean_staleness /= static_cast<double>(q->entities);
}

Status CheckSegment(const core::LoopConfig& config, const std::string& segment) {
  if (segment.empty() || segment == "other") return Status::Ok();
  const auto& rules = config.segments.rules;
  if (std::any_of(rules.begin(), rules.end(), [&](const core::SegmentRule& r) { return r.name == segment; })) {
    return Status::Ok();
  }
  std::string known;
  for (const auto& r : rules) known += r.name + ", ";
  return Status::InvalidArgument("no segment '" + segment + "' (known: " + known + "other)");
}

}  // namespace

// ---- call lists -------------------------------------------------------------------

Result<core::CallListOptions> MakeCallListOptions(const core::LoopConfig& config, std::string segment, size_t limit,
                                                  bool all, int64_t now_ms) {
  core::CallListOptions o;
  o.segment = std::move(segment);
  o.limit = limit;
  o.only_due = !all;
  o.default_utc_offset_minutes = config.default_utc_offset_minutes;
  o.now_ms = now_ms;
  DOPPEL_ASSIGN_OR_RETURN(o.window, core::ParseCallingWindow(config.calling_hours, config.calling_days));
  return o;
}

Result<CallListResult> BuildCallList(const storage::Store& store, const core::LoopConfig& config,
                                     const core::CallListOptions& options, int32_t today,
                                     const ScanProgress& progress) {
  DOPPEL_RETURN_IF_ERROR(options.Validate());
  DOPPEL_RETURN_IF_ERROR(CheckSegment(config, options.segment));
  DOPPEL_ASSIGN_OR_RETURN(LoopContext ctx, LoopContext::Load(store, config, today));
  CallListResult result;
  core::CallListBuilder builder(options.limit);
  ScoredEntity e;
  DOPPEL_RETURN_IF_ERROR(store.ScanEntities([&](const storage::EntityScanItem& item) {
    ctx.Score(item, config, today, &e);
    const core::EntityStaleness& st = e.staleness;
    AddQuality(e.facts, st, ctx.PolicyFor(e.segment), &result.quality);
    ++result.entities;
    if (progress && result.entities % 4096 == 0) progress(result.entities);
    if (!options.segment.empty() && e.segment != options.segment) return true;
    bool due = st.needs_reverification || e.attrs.uncertainty >= 0.5 || !options.only_due;
    if (!due) return true;
    ++result.due;
    for (const auto& r : st.reasons) ++result.due_by_reason[r];
    if (e.attrs.uncertainty >= 0.5) ++result.due_by_reason["doubtful_merge"];
    if (st.best_phone < 0) return true;
    // The time zone of a number the plan does not place comes from the address.
    const core::ContactFacts& phone = e.facts.phones[static_cast<size_t>(st.best_phone)];
    if (!phone.utc_offset_minutes) e.facts.address_utc_offset_minutes = AddressUtcOffset(e.facts.golden.address);
    double priority = core::Priority(config.segments.weights, e.attrs);
    auto entry = core::MakeCallListEntry(e.facts, st, e.attrs, e.segment, priority, options);
    if (!entry) return true;
    ++result.callable;
    builder.Offer(std::move(*entry));
    return true;
  }));
  FinishQuality(&result.quality);
  result.entries = builder.Finish();
  return result;
}

// ---- segment queries ---------------------------------------------------------------


Result<SegmentsResult> QuerySegments(const storage::Store& store, const core::LoopConfig& config, int32_t today,
                                     const std::string& segment, uint64_t offset, uint64_t limit,
                                     const ScanProgress& progress) {
  DOPPEL_RETURN_IF_ERROR(CheckSegment(config, segment));
  DOPPEL_ASSIGN_OR_RETURN(LoopContext ctx, LoopContext::Load(store, config, today));
  SegmentsResult result;
  std::map<std::string, size_t> index;
  for (const auto& r : config.segments.rules) {
    index[r.name] = result.segments.size();
    result.segments.push_back({r.name, r.description, {}, 0, {}});
  }
  index["other"] = result.segments.size();
  result.segments.push_back({"other", "in no other segment", {}, 0, {}});
  uint64_t scanned = 0;
  ScoredEntity e;
  DOPPEL_RETURN_IF_ERROR(store.ScanEntities([&](const storage::EntityScanItem& item) {
    ctx.Score(item, config, today, &e);
    const core::EntityStaleness& st = e.staleness;
    SegmentSummary& seg = result.segments[index[e.segment]];
    AddQuality(e.facts, st, ctx.PolicyFor(e.segment), &seg.quality);
    bool due = st.needs_reverification || e.attrs.uncertainty >= 0.5;
    if (due) {
      ++seg.due;
      for (const auto& r : st.reasons) ++seg.due_by_reason[r];
    }
    if (progress && ++scanned % 4096 == 0) progress(scanned);
    if (segment.empty() || e.segment != segment) return true;
    uint64_t position = result.members_total++;
    if (position < offset || result.members.size() >= limit) return true;
    SegmentMember m;
    m.entity = item.id;
    m.last = e.facts.golden.last;
    m.first = e.facts.golden.first;
    m.middle = e.facts.golden.middle;
    m.priority = core::Priority(config.segments.weights, e.attrs);
    m.staleness = st.score;
    m.value_score = e.attrs.value_score;
    m.uncertainty = e.attrs.uncertainty;
    m.value_tier = e.attrs.value_tier;
    m.channel = e.attrs.activity.channel;
    m.days_since_purchase = e.attrs.days_since_purchase;
    m.due = due;
    m.reasons = st.reasons;
    result.members.push_back(std::move(m));
    return true;
  }));
  for (auto& seg : result.segments) FinishQuality(&seg.quality);
  return result;
}

namespace {

std::string Share(uint64_t part, uint64_t whole) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", whole ? static_cast<double>(part) / static_cast<double>(whole) : 0.0);
  return buf;
}

}  // namespace

std::string SegmentsCsv(const SegmentsResult& result, bool members) {
  std::string csv;
  if (!members) {
    csv = "segment,description,entities,due,reachable_share,stale_share,never_verified_share,unreachable_share,"
          "suppressed_contacts,mean_staleness,due_by_reason\n";
    for (const auto& seg : result.segments) {
      const core::QualityFigures& q = seg.quality;
      std::string reasons, staleness = Share(static_cast<uint64_t>(q.mean_staleness * 1e6), 1000000);
      for (const auto& [r, n] : seg.due_by_reason) {
        if (!reasons.empty()) reasons.push_back(';');
        reasons.append(r).append("=").append(std::to_string(n));
      }
      std::string entities = std::to_string(q.entities), due = std::to_string(seg.due);
      std::string suppressed = std::to_string(q.suppressed_contacts);
      core::AppendCsvRow(csv, {seg.name, seg.description, entities, due, Share(q.reachable, q.entities),
                               Share(q.stale, q.entities), Share(q.never_verified, q.entities),
                               Share(q.unreachable, q.entities), suppressed, staleness, reasons});
    }
    return csv;
  }
  csv = "entity_id,last_name,first_name,middle_name,priority,staleness,value_score,uncertainty,value_tier,channel,"
        "days_since_purchase,due,reasons\n";
  char num[4][32];
  for (const auto& m : result.members) {
    std::snprintf(num[0], sizeof num[0], "%.4f", m.priority);
    std::snprintf(num[1], sizeof num[1], "%.4f", m.staleness);
    std::snprintf(num[2], sizeof num[2], "%.4f", m.value_score);
    std::snprintf(num[3], sizeof num[3], "%.4f", m.uncertainty);
    std::string reasons;
    for (const auto& r : m.reasons) {
      if (!reasons.empty()) reasons.push_back(';');
      reasons.append(r);
    }
    std::string id = std::to_string(m.entity);
    std::string days = m.days_since_purchase < 0 ? "" : std::to_string(m.days_since_purchase);
    core::AppendCsvRow(csv, {id, m.last, m.first, m.middle, num[0], num[1], num[2], num[3], m.value_tier, m.channel,
                             days, m.due ? "1" : "0", reasons});
  }
  return csv;
}

// ---- outcomes ---------------------------------------------------------------------

namespace {

// Reads a small CSV held in memory (outcome and suppression files): the
// header, folded and trimmed, goes to on_header once; each row goes to
// on_row with its line. The reader's own rejects join *rejected, and all of
// them come out sorted by line.
Status ForEachCsvRow(std::string_view text, const std::function<Status(const std::vector<std::string>&)>& on_header,
                     const std::function<void(uint64_t line, const std::vector<std::string_view>& cells)>& on_row,
                     std::vector<core::OutcomeRowError>* rejected) {
  core::ReaderOptions ro;
  ro.format = core::InputFormat::kCsv;
  DOPPEL_ASSIGN_OR_RETURN(auto reader, core::OpenReader(std::make_unique<core::MemorySource>(std::string(text)), ro));
  core::RecordBatch batch;
  std::vector<core::Reject> rejects;
  std::vector<std::string> header;
  bool header_read = false;
  std::vector<std::string_view> cells;
  while (true) {
    DOPPEL_ASSIGN_OR_RETURN(bool more, reader->Next(&batch, &rejects));
    if (!header_read) {
      for (const auto& c : reader->column_names()) header.push_back(core::Fold(core::Trim(c)));
      DOPPEL_RETURN_IF_ERROR(on_header(header));
      header_read = true;
    }
    for (size_t r = 0; r < batch.num_rows(); ++r) {
      cells.clear();
      for (size_t c = 0; c < header.size(); ++c) cells.push_back(batch.Value(r, c));
      on_row(batch.lines[r], cells);
    }
    if (!more) break;
  }
  for (auto& r : rejects) rejected->push_back({r.line, r.reason, r.raw});
  std::sort(rejected->begin(), rejected->end(), [](const auto& a, const auto& b) { return a.line < b.line; });
  return Status::Ok();
}

}  // namespace

Result<std::vector<core::OutcomeRow>> ParseOutcomesCsv(std::string_view text, const core::PhoneOptions& phone,
                                                       std::vector<core::OutcomeRowError>* rejected) {
  std::vector<core::OutcomeRow> rows;
  std::vector<std::string> header;
  DOPPEL_RETURN_IF_ERROR(ForEachCsvRow(
      text,
      [&](const std::vector<std::string>& h) {
        header = h;
        return core::CheckOutcomeHeader(header);
      },
      [&](uint64_t line, const std::vector<std::string_view>& cells) {
        core::OutcomeRow row;
        row.line = line;
        Status s = core::ParseOutcomeRow(header, cells, phone, &row);
        if (s.ok()) {
          rows.push_back(std::move(row));
          return;
        }
        std::string raw;
        for (size_t c = 0; c < cells.size(); ++c) {
          if (c) raw.push_back(',');
          raw.append(cells[c]);
        }
        rejected->push_back({line, s.message(), std::move(raw)});
      },
      rejected));
  return rows;
}

namespace {

// The record an operator's new contact becomes: the client's identity from
// the golden record plus the new values, verified on the day of the call.
storage::RecordInput OutcomeRecord(const core::GoldenRecord& g, const core::OutcomeRow& row, uint64_t seq,
                                   uint64_t entity, const core::NormalizeOptions& normalize) {
  storage::RecordInput in;
  core::NormalizedRecord& r = in.normalized;
  r.id = "outcome-" + std::to_string(seq);
  r.line = row.line;
  core::NameInput name;
  name.last = g.last;
  name.first = g.first;
  name.middle = g.middle;
  r.name = core::NormalizeName(name);
  char day[16];
  std::string birth;
  if (g.birth_date > 0) {
    std::snprintf(day, sizeof day, "%04d-%02d-%02d", g.birth_date / 10000, g.birth_date / 100 % 100,
                  g.birth_date % 100);
    birth = day;
    r.birth_date = core::NormalizeDate(birth, normalize.birth_date);
  }
  if (!row.new_phone.empty()) r.phones.push_back(core::NormalizePhone(row.new_phone, normalize.phone));
  if (!row.new_email.empty()) r.emails.push_back(core::NormalizeEmail(row.new_email));
  r.has_phone_text = !r.phones.empty();
  r.has_email_text = !r.emails.empty();
  std::string address = !row.new_address.empty() ? row.new_address : g.address;
  core::AddressInput a;
  a.line = address;
  r.address = core::NormalizeAddress(a);
  std::snprintf(day, sizeof day, "%04d-%02d-%02d", row.date / 10000, row.date / 100 % 100, row.date % 100);
  r.last_verified = core::NormalizeDate(day, normalize.other_dates);
  r.source = "call_centre";
  in.fields = {{"id", r.id},
               {"last_name", g.last},
               {"first_name", g.first},
               {"middle_name", g.middle},
               {"birth_date", birth},
               {"phone", row.new_phone},
               {"email", row.new_email},
               {"address", address},
               {"last_verified", day},
               {"source", "call_centre"},
               {"outcome_of_entity", std::to_string(entity)}};
  in.attach_to = entity;
  return in;
}

}  // namespace

Result<OutcomeBatchResult> StageOutcomes(storage::Store& store, storage::Store::WriteGroup& group,
                                         const std::vector<core::OutcomeRow>& rows, const storage::Actor& actor,
                                         const core::NormalizeOptions& normalize) {
  OutcomeBatchResult result;
  // Contacts this batch added, per entity (a later row may call them).
  std::set<std::pair<uint64_t, std::string>> added;
  for (const core::OutcomeRow& row : rows) {
    auto reject = [&](std::string why) {
      result.rejected.push_back({row.line, std::move(why), std::to_string(row.entity) + "," + row.contact});
    };
    auto live = group.LiveEntity(row.entity);
    if (!live.ok()) {
      if (live.status().code() != StatusCode::kNotFound) return live.status();
      reject("no entity " + std::to_string(row.entity));
      continue;
    }
    const uint64_t entity = *live;
    // The contact must be the entity's: one of its members carries it (or
    // an earlier row of this batch gave it).
    core::ContactFacts contact;
    contact.kind = row.kind;
    contact.value = row.contact;
    bool found = added.count({entity, row.contact}) > 0;
    core::GoldenRecord golden;
    auto item = store.GetEntityItem(entity);
    if (item.ok()) {
      golden = item->golden;
      found |= AddMemberFacts(contact, *item);
    } else if (item.status().code() != StatusCode::kNotFound) {
      return item.status();
    }
    if (!found) {
      // The message names the field, never the value (no personal data in messages).
      reject("the " + std::string(core::ContactKindName(row.kind)) + " called is not a contact of entity " +
             std::to_string(entity));
      continue;
    }

    DOPPEL_ASSIGN_OR_RETURN(auto stored_state, group.GetContactState(row.kind, row.contact));
    core::ContactState state = stored_state.value_or(core::ContactState{});
    int32_t verified = std::max(contact.last_verified, state.last_verified);
    int32_t since = verified != 0 ? verified : contact.created != 0 ? contact.created : contact.first_seen;
    storage::OutcomeEvent ev;
    ev.entity = entity;
    ev.kind = row.kind;
    ev.contact = row.contact;
    ev.outcome = row.outcome;
    ev.date = row.date;
    ev.operator_id = row.operator_id;
    ev.age_days = since != 0 ? static_cast<int32_t>(std::max<int64_t>(0, core::DaysBetween(since, row.date))) : -1;

    ++state.attempts;
    // Outcomes may arrive out of order: the state keeps the latest call.
    if (row.date >= state.last_date) {
      state.last_outcome = row.outcome;
      state.last_date = row.date;
    }
    switch (row.outcome) {
      case core::Outcome::kConfirmed:
      case core::Outcome::kUpdated:
      case core::Outcome::kDoNotCall:
        // The client answered on this contact: it works.
        state.last_verified = std::max(state.last_verified, row.date);
        state.unreachable_streak = 0;
        break;
      case core::Outcome::kUnreachable:
        ++state.unreachable_streak;
        break;
      case core::Outcome::kWrongPerson:
        if (std::find(state.wrong_for.begin(), state.wrong_for.end(), entity) == state.wrong_for.end()) {
          state.wrong_for.push_back(entity);
          ++result.detached;
        }
        break;
    }
    DOPPEL_RETURN_IF_ERROR(group.PutContactState(row.kind, row.contact, state));
    if (!row.survey.empty()) DOPPEL_RETURN_IF_ERROR(group.PutSurvey(entity, row.survey));
    if (row.outcome == core::Outcome::kDoNotCall) {
      core::Suppression s;
      s.kind = row.kind;
      s.value = row.contact;
      s.reason = core::SuppressReason::kDoNotCall;
      s.source = row.operator_id.empty() ? actor.source : "operator " + row.operator_id;
      s.date = row.date;
      s.note = "call outcome";
      DOPPEL_RETURN_IF_ERROR(group.Suppress(s, actor));
      ++result.suppressed;
    }
    DOPPEL_ASSIGN_OR_RETURN(uint64_t seq, group.AppendOutcome(ev, actor));
    if (row.outcome == core::Outcome::kUpdated) {
      storage::RecordInput in = OutcomeRecord(golden, row, seq, entity, normalize);
      DOPPEL_ASSIGN_OR_RETURN(auto ingested, group.Ingest({in}, actor));
      ++result.records_added;
      for (const auto& o : ingested) result.entities_merged += o.merged.size();
      uint64_t now_entity = ingested.empty() ? entity : ingested[0].entity;
      if (!row.new_phone.empty()) added.insert({now_entity, row.new_phone});
      if (!row.new_email.empty()) added.insert({now_entity, row.new_email});
    }
    core::CountOutcome(row.outcome, &result.counts);
    ++result.applied;
  }
  return result;
}

// ---- suppression files ------------------------------------------------------------

Result<SuppressionImport> ParseSuppressionCsv(std::string_view text, const core::PhoneOptions& phone,
                                              core::SuppressReason default_reason, std::string_view default_source,
                                              int32_t today) {
  SuppressionImport out;
  std::vector<std::string> header;
  int value_col = -1;
  std::optional<core::ContactKind> column_kind;
  auto col = [&](std::string_view name) -> int {
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return static_cast<int>(i);
    }
    return -1;
  };
  auto on_header = [&](const std::vector<std::string>& h) -> Status {
    header = h;
    for (std::string_view name : {"value", "phone", "email"}) {
      if ((value_col = col(name)) >= 0) {
        if (name == "phone") column_kind = core::ContactKind::kPhone;
        if (name == "email") column_kind = core::ContactKind::kEmail;
        break;
      }
    }
    if (value_col < 0) return Status::InvalidArgument("the suppression file needs a 'value', 'phone' or 'email' column");
    static const std::set<std::string> known = {"value", "phone", "email", "kind", "reason", "source", "date", "note"};
    for (const auto& name : header) {
      if (!known.count(name)) {
        return Status::InvalidArgument("unknown column '" + name + "' (known: value|phone|email, kind, reason, source, "
                                       "date, note)");
      }
    }
    return Status::Ok();
  };
  auto on_row = [&](uint64_t line, const std::vector<std::string_view>& cells) {
    auto cell = [&](std::string_view name) {
      int c = col(name);
      return c < 0 ? std::string_view() : core::Trim(cells[static_cast<size_t>(c)]);
    };
    std::string_view raw = cells[static_cast<size_t>(value_col)];
    auto fail = [&](std::string why) { out.rejected.push_back({line, std::move(why), std::string(raw)}); };
    core::Suppression s;
    if (!cell("kind").empty()) {
      auto k = core::ParseContactKind(cell("kind"));
      if (!k.ok()) return fail(k.status().message());
      s.kind = *k;
    } else {
      s.kind = column_kind.value_or(raw.find('@') != std::string_view::npos ? core::ContactKind::kEmail
                                                                              : core::ContactKind::kPhone);
    }
    auto v = core::NormalizeSuppressedValue(s.kind, raw, phone);
    if (!v.ok()) return fail(v.status().message());
    s.value = std::move(*v);
    s.reason = default_reason;
    if (!cell("reason").empty()) {
      auto reason = core::ParseSuppressReason(cell("reason"));
      if (!reason.ok()) return fail(reason.status().message());
      s.reason = *reason;
    }
    s.source = cell("source").empty() ? std::string(default_source) : std::string(cell("source"));
    s.date = today;
    if (!cell("date").empty()) {
      auto d = core::NormalizeDate(cell("date"), core::DateOptions{core::DateOrder::kDayFirst, 0, 1970, -1});
      if (!d.verdict.usable()) return fail("date '" + std::string(cell("date")) + "' is not a date");
      s.date = d.ymd();
    }
    s.note = std::string(cell("note"));
    out.entries.push_back(std::move(s));
  };
  DOPPEL_RETURN_IF_ERROR(ForEachCsvRow(text, on_header, on_row, &out.rejected));
  return out;
}

// ---- retention --------------------------------------------------------------------

Result<std::vector<RetentionCandidate>> FindRetentionCandidates(const storage::Store& store,
                                                                const core::LoopConfig& config, int32_t today) {
  if (config.retention_inactive_years <= 0) {
    return Status::InvalidArgument("no retention rule: set [retention] inactive_years in the config");
  }
  DOPPEL_ASSIGN_OR_RETURN(LoopContext ctx, LoopContext::Load(store, config, today));
  const int64_t limit_days = static_cast<int64_t>(config.retention_inactive_years * 365.2425);
  std::vector<RetentionCandidate> out;
  DOPPEL_RETURN_IF_ERROR(store.ScanEntities([&](const storage::EntityScanItem& item) {
    core::EntityFacts facts = ctx.Facts(item);
    // The latest sign of life: a purchase, a verification, a call, a record
    // loaded or changed.
    int32_t last = 0;
    for (const auto& m : facts.members) {
      last = std::max({last, m.activity.last_purchase, m.verified, core::YmdFromMs(m.seen_at)});
    }
    bool contact = false;
    for (const auto* list : {&facts.phones, &facts.emails}) {
      for (const auto& c : *list) {
        last = std::max(last, c.state.last_date);
        contact |= c.usable();
      }
    }
    bool inactive = last == 0 || core::DaysBetween(last, today) > limit_days;
    if (inactive && (!contact || !config.retention_require_no_contact)) out.push_back({item.id, last, contact});
    return true;
  }));
  return out;
}

// ---- reports ----------------------------------------------------------------------

namespace {

std::string Pct(double share) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f%%", share * 100);
  return buf;
}

std::string SegmentRecommendation(const core::SegmentReport& s, const core::StalenessPolicy& policy,
                                  bool base_learned) {
  char buf[512];
  double stale = s.quality.entities ? static_cast<double>(s.quality.stale) / static_cast<double>(s.quality.entities) : 0;
  std::snprintf(buf, sizeof buf, "%s: %s of %llu clients are stale; contacts change at %s a year (%s); re-verify every %d days to keep under %s stale.",
                s.name.c_str(), Pct(stale).c_str(), static_cast<unsigned long long>(s.quality.entities),
                Pct(s.decay_per_year).c_str(),
                s.decay_estimated ? "estimated from its calls" : base_learned ? "estimated from all calls" : "configured default",
                s.recommended_reverify_days, Pct(policy.tolerated_stale_share).c_str());
  return buf;
}

}  // namespace

Result<core::Report> BuildReport(storage::Store& store, const core::LoopConfig& config, int32_t today,
                                 int64_t now_ms, bool record_point, const ScanProgress& progress) {
  DOPPEL_ASSIGN_OR_RETURN(LoopContext ctx, LoopContext::Load(store, config, today));
  const core::StalenessPolicy& policy = ctx.policy();
  core::Report report;
  report.generated_ms = now_ms;
  char day[16];
  std::snprintf(day, sizeof day, "%04d-%02d-%02d", today / 10000, today / 100 % 100, today % 100);
  report.today = day;
  report.policy = policy.Describe();
  if (ctx.phone_decay().estimated) {
    report.policy += " (phone half-life learned from " + std::to_string(ctx.phone_decay().observations) + " calls)";
  }

  std::map<std::string, core::SegmentReport> segments;
  for (const auto& r : config.segments.rules) {
    auto& s = segments[r.name];
    s.name = r.name;
    s.description = r.description;
  }
  segments["other"].name = "other";
  segments["other"].description = "in no other segment";
  std::unordered_map<uint64_t, std::string> segment_of;  // live entities and those merged into them
  uint64_t scanned = 0;
  ScoredEntity scored;
  DOPPEL_RETURN_IF_ERROR(store.ScanEntities([&](const storage::EntityScanItem& item) {
    ctx.Score(item, config, today, &scored);
    const core::EntityFacts& facts = scored.facts;
    const std::string& segment = scored.segment;
    const core::StalenessPolicy& own = ctx.PolicyFor(segment);
    AddQuality(facts, scored.staleness, own, &report.quality);
    AddQuality(facts, scored.staleness, own, &segments[segment].quality);
    segment_of[item.id] = segment;
    for (uint64_t m : item.merged_from) segment_of[m] = segment;
    core::BaseHealth& h = report.health;
    for (const auto& p : facts.phones) {
      ++h.phones;
      h.phones_valid += p.usable();
      h.phones_unallocated += p.unallocated;
      h.phones_suppressed += p.suppressed;
    }
    for (const auto& e : facts.emails) {
      ++h.emails;
      h.emails_suppressed += e.suppressed;
    }
    if (progress && ++scanned % 4096 == 0) progress(scanned);
    return true;
  }));
  FinishQuality(&report.quality);
  storage::StoreStats stats = store.Stats();
  report.health.records = stats.records;
  report.health.entities = stats.entities;
  report.health.duplicates_merged = stats.records >= stats.entities ? stats.records - stats.entities : 0;
  report.health.suppression_entries = ctx.suppression_entries();

  // Campaign results per segment, and the decay each segment's calls show.
  DOPPEL_RETURN_IF_ERROR(store.ListOutcomes([&](const storage::OutcomeEvent& ev) {
    core::CountOutcome(ev.outcome, &report.campaign);
    auto it = segment_of.find(ev.entity);
    const std::string& segment = it == segment_of.end() ? std::string("other") : it->second;
    core::CountOutcome(ev.outcome, &segments[segment].outcomes);
  }));
  for (auto& [name, s] : segments) {
    FinishQuality(&s.quality);
    core::DecayEstimate est = ctx.SegmentDecay(name);
    s.decay_estimated = est.estimated;
    s.decay_per_year = core::DecayPerYear(est.half_life_days);
    s.recommended_reverify_days = core::ReverifyIntervalDays(est.half_life_days, policy.tolerated_stale_share);
    s.recommendation = SegmentRecommendation(s, policy, ctx.phone_decay().estimated);
  }
  // In the configured order, "other" last; empty segments are left out.
  for (const auto& r : config.segments.rules) {
    if (segments[r.name].quality.entities > 0) report.segments.push_back(segments[r.name]);
  }
  if (segments["other"].quality.entities > 0) report.segments.push_back(segments["other"]);

  // Recommendations: the fastest-decaying segments first.
  std::vector<const core::SegmentReport*> by_decay;
  for (const auto& s : report.segments) by_decay.push_back(&s);
  std::stable_sort(by_decay.begin(), by_decay.end(),
                   [](const auto* a, const auto* b) { return a->decay_per_year > b->decay_per_year; });
  for (const auto* s : by_decay) report.recommendations.push_back(s->recommendation);
  const core::QualityFigures& q = report.quality;
  if (q.entities > 0 && q.reachable < q.entities) {
    report.recommendations.push_back(std::to_string(q.entities - q.reachable) +
                                     " clients have no usable phone or email: look for them in other sources "
                                     "before calling campaigns.");
  }
  if (report.health.phones_unallocated > 0) {
    report.recommendations.push_back(std::to_string(report.health.phones_unallocated) +
                                     " phones lie outside every allocated range of the numbering plan: they cannot "
                                     "ring; ask for new numbers on the next contact.");
  }
  if (ctx.plan() == std::nullopt) {
    report.recommendations.push_back("No numbering plan is loaded: run `doppel numbering import` so unallocated "
                                     "numbers are found and calls use the client's time zone.");
  }

  DOPPEL_RETURN_IF_ERROR(store.ListQualityPoints([&](const core::QualityPoint& p) { report.history.push_back(p); }));
  core::QualityPoint now{now_ms, "report " + report.today, report.quality};
  report.history.push_back(now);
  if (record_point) DOPPEL_RETURN_IF_ERROR(store.AddQualityPoint(now));
  return report;
}

}  // namespace doppel::service
