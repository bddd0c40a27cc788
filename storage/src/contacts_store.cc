// The store's side of the actualization loop: the suppression list, what
// calls taught about contacts, survey answers, the outcome log, quality
// snapshots, the numbering plan, and scans over live entities.
// (The writes that go through a WriteGroup are in store.cc.)
#include <rocksdb/db.h>

#include <functional>
#include <memory>

#include "codec.h"
#include "doppel/storage/keys.h"
#include "doppel/storage/store.h"
#include "store_internal.h"

namespace doppel::storage {

namespace {

constexpr uint8_t kSuppressionFormat = 2;  // 2: the value in the payload, its keyed hash in the key
constexpr uint8_t kSurveyFormat = 1;
constexpr uint8_t kOutcomeFormat = 1;
constexpr uint8_t kQualityFormat = 1;

using SnapshotPtr = std::unique_ptr<const rocksdb::Snapshot, std::function<void(const rocksdb::Snapshot*)>>;

SnapshotPtr TakeSnapshot(rocksdb::DB* db) {
  return SnapshotPtr(db->GetSnapshot(), [db](const rocksdb::Snapshot* s) { db->ReleaseSnapshot(s); });
}

bool KnownKind(char k) { return k == 'P' || k == 'E' || k == 'A'; }

// Walks the keys of one column family that start with `prefix`, with their
// values unsealed.
Status ForPrefix(const Store::Impl& m, int family, std::string_view prefix,
                 const std::function<Status(std::string_view key, std::string_view value, bool* stop)>& fn) {
  rocksdb::ReadOptions ro;
  SnapshotPtr snap = TakeSnapshot(m.db);
  ro.snapshot = snap.get();
  std::unique_ptr<rocksdb::Iterator> it(m.db->NewIterator(ro, m.cf[family]));
  bool stop = false;
  for (it->Seek(rocksdb::Slice(prefix.data(), prefix.size())); it->Valid() && !stop; it->Next()) {
    std::string_view key = it->key().ToStringView();
    if (!key.starts_with(prefix)) break;
    DOPPEL_ASSIGN_OR_RETURN(std::string value, Unseal(m, it->value().ToString()));
    DOPPEL_RETURN_IF_ERROR(fn(key, value, &stop));
  }
  return FromRocks(it->status(), "scan");
}

void WriteQuality(codec::Writer& w, const core::QualityFigures& q) {
  for (uint64_t v : {q.entities, q.with_valid_phone, q.with_valid_email, q.reachable, q.stale, q.never_verified,
                     q.unreachable, q.suppressed_contacts}) {
    w.Varint(v);
  }
  w.Varint(static_cast<uint64_t>(q.mean_staleness * 1e6 + 0.5));
}

void ReadQuality(codec::Reader& r, core::QualityFigures* q) {
  for (uint64_t* v : {&q->entities, &q->with_valid_phone, &q->with_valid_email, &q->reachable, &q->stale,
                      &q->never_verified, &q->unreachable, &q->suppressed_contacts}) {
    *v = r.Varint();
  }
  q->mean_staleness = static_cast<double>(r.Varint()) / 1e6;
}

}  // namespace

// ---- encodings -------------------------------------------------------------------

std::string EncodeSuppression(const core::Suppression& s) {
  codec::Writer w;
  w.U8(kSuppressionFormat);
  w.Str(s.value);
  w.U8(static_cast<uint8_t>(s.reason));
  w.Str(s.source);
  w.Svarint(s.date);
  w.Str(s.note);
  return std::move(w.str());
}

Result<core::Suppression> DecodeSuppression(std::string_view key, std::string_view value) {
  codec::Reader r(value);
  core::Suppression s;
  if (key.size() < 3 || key[0] != keys::kSuppressionTag || !KnownKind(key[1])) {
    return Status::Corruption("suppression: damaged key");
  }
  s.kind = static_cast<core::ContactKind>(key[1]);
  if (r.U8() != kSuppressionFormat) return Status::Corruption("suppression: unknown format");
  s.value = r.Str();
  uint8_t reason = r.U8();
  if (reason < 1 || reason > static_cast<uint8_t>(core::SuppressReason::kOther)) {
    return Status::Corruption("suppression: unknown reason");
  }
  s.reason = static_cast<core::SuppressReason>(reason);
  s.source = r.Str();
  s.date = static_cast<int32_t>(r.Svarint());
  s.note = r.Str();
  if (!r.ok() || !r.done()) return Status::Corruption("suppression: damaged value");
  return s;
}

std::string EncodeSurvey(const core::SurveyAnswers& a) {
  codec::Writer w;
  w.U8(kSurveyFormat);
  w.Str(a.preferred_channel);
  w.Strs(a.interests);
  w.Svarint(a.date);
  return std::move(w.str());
}

Result<core::SurveyAnswers> DecodeSurvey(std::string_view s) {
  codec::Reader r(s);
  core::SurveyAnswers a;
  if (r.U8() != kSurveyFormat) return Status::Corruption("survey: unknown format");
  a.preferred_channel = r.Str();
  a.interests = r.Strs();
  a.date = static_cast<int32_t>(r.Svarint());
  if (!r.ok() || !r.done()) return Status::Corruption("survey: damaged value");
  return a;
}

std::string EncodeOutcome(const OutcomeEvent& ev) {
  codec::Writer w;
  w.U8(kOutcomeFormat);
  w.Varint(ev.seq);
  w.Varint(ev.entity);
  w.U8(static_cast<uint8_t>(ev.kind));
  w.Str(ev.contact);
  w.U8(static_cast<uint8_t>(ev.outcome));
  w.Svarint(ev.date);
  w.Str(ev.operator_id);
  w.Svarint(ev.age_days);
  w.Svarint(ev.applied_ms);
  return std::move(w.str());
}

Result<OutcomeEvent> DecodeOutcome(std::string_view s) {
  codec::Reader r(s);
  OutcomeEvent ev;
  if (r.U8() != kOutcomeFormat) return Status::Corruption("outcome: unknown format");
  ev.seq = r.Varint();
  ev.entity = r.Varint();
  char kind = static_cast<char>(r.U8());
  ev.contact = r.Str();
  uint8_t outcome = r.U8();
  if (!KnownKind(kind)) return Status::Corruption("outcome: unknown contact kind");
  ev.kind = static_cast<core::ContactKind>(kind);
  if (outcome < 1 || outcome > static_cast<uint8_t>(core::Outcome::kDoNotCall)) {
    return Status::Corruption("outcome: unknown outcome");
  }
  ev.outcome = static_cast<core::Outcome>(outcome);
  ev.date = static_cast<int32_t>(r.Svarint());
  ev.operator_id = r.Str();
  ev.age_days = static_cast<int32_t>(r.Svarint());
  ev.applied_ms = r.Svarint();
  if (!r.ok() || !r.done()) return Status::Corruption("outcome: damaged value");
  return ev;
}

// ---- reads -----------------------------------------------------------------------

Status Store::ScanEntities(const std::function<bool(const EntityScanItem&)>& fn) const {
  const Impl& m = *impl_;
  rocksdb::ReadOptions ro;
  SnapshotPtr snap = TakeSnapshot(m.db);
  ro.snapshot = snap.get();
  // A full scan should not evict the working set of live requests.
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(m.db->NewIterator(ro, m.cf[kEntities]));
  const std::string prefix = "E";
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    std::string_view key = it->key().ToStringView();
    if (key.size() != 9) return Status::Corruption("entities: damaged key");
    DOPPEL_ASSIGN_OR_RETURN(std::string plain, Unseal(m, it->value().ToString()));
    DOPPEL_ASSIGN_OR_RETURN(EntityValue value, DecodeEntity(plain));
    if (value.merged_into != 0) continue;  // a redirect
    DOPPEL_ASSIGN_OR_RETURN(EntityScanItem item, ScanItemOf(m, ro, keys::GetU64(key, 1), std::move(value)));
    if (!fn(item)) break;
  }
  return FromRocks(it->status(), "scan entities");
}

Result<std::optional<core::Suppression>> Store::GetSuppression(core::ContactKind kind, std::string_view value) const {
  std::string key = SuppressionKey(*impl_, static_cast<char>(kind), value), raw;
  rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), impl_->cf[kSuppression], key, &raw);
  if (s.IsNotFound()) return std::optional<core::Suppression>();
  DOPPEL_RETURN_IF_ERROR(FromRocks(s, "get suppression"));
  DOPPEL_ASSIGN_OR_RETURN(raw, Unseal(*impl_, std::move(raw)));
  DOPPEL_ASSIGN_OR_RETURN(core::Suppression sup, DecodeSuppression(key, raw));
  return std::optional<core::Suppression>(std::move(sup));
}

Status Store::ListSuppressions(const std::function<bool(const core::Suppression&)>& fn) const {
  return ForPrefix(*impl_, kSuppression, std::string(1, keys::kSuppressionTag),
                   [&](std::string_view k, std::string_view v, bool* stop) -> Status {
                     DOPPEL_ASSIGN_OR_RETURN(core::Suppression s, DecodeSuppression(k, v));
                     *stop = !fn(s);
                     return Status::Ok();
                   });
}

Status Store::LoadContactStates(
    const std::function<void(core::ContactKind, std::string_view, const core::ContactState&)>& fn) const {
  return ForPrefix(*impl_, kContacts, std::string(1, keys::kContactStateTag),
                   [&](std::string_view k, std::string_view v, bool*) -> Status {
                     if (k.size() < 3 || !KnownKind(k[1])) return Status::Corruption("contact state: damaged key");
                     DOPPEL_ASSIGN_OR_RETURN(auto stored, DecodeStoredContact(v));
                     fn(static_cast<core::ContactKind>(k[1]), stored.first, stored.second);
                     return Status::Ok();
                   });
}

Status Store::LoadSurveys(const std::function<void(uint64_t, const core::SurveyAnswers&)>& fn) const {
  return ForPrefix(*impl_, kContacts, std::string(1, keys::kSurveyTag),
                   [&](std::string_view k, std::string_view v, bool*) -> Status {
                     if (k.size() != 9) return Status::Corruption("survey: damaged key");
                     DOPPEL_ASSIGN_OR_RETURN(core::SurveyAnswers a, DecodeSurvey(v));
                     fn(keys::GetU64(k, 1), a);
                     return Status::Ok();
                   });
}

Status Store::ListOutcomes(const std::function<void(const OutcomeEvent&)>& fn) const {
  return ForPrefix(*impl_, kContacts, std::string(1, keys::kOutcomeTag),
                   [&](std::string_view, std::string_view v, bool*) -> Status {
                     DOPPEL_ASSIGN_OR_RETURN(OutcomeEvent ev, DecodeOutcome(v));
                     fn(ev);
                     return Status::Ok();
                   });
}

Result<bool> Store::IsAssigned(std::string_view client, uint64_t entity) const {
  DOPPEL_ASSIGN_OR_RETURN(auto live, LiveEntity(*impl_, rocksdb::ReadOptions(), entity));
  std::vector<uint64_t> ids = live.second.merged_from;
  ids.push_back(live.first);
  ids.push_back(entity);
  for (uint64_t id : ids) {
    std::string value;
    rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), impl_->cf[kContacts], keys::Assignment(client, id), &value);
    if (s.ok()) return true;
    if (!s.IsNotFound()) return FromRocks(s, "assignment");
  }
  return false;
}

Status Store::AddQualityPoint(const core::QualityPoint& p) {
  uint64_t seq;
  {
    std::lock_guard<std::mutex> lock(impl_->counters_mu);
    seq = ++impl_->quality_seq;
  }
  codec::Writer w;
  w.U8(kQualityFormat);
  w.Svarint(p.time_ms);
  w.Str(p.label);
  WriteQuality(w, p.quality);
  rocksdb::WriteOptions wo;
  wo.sync = impl_->options.sync;
  DOPPEL_RETURN_IF_ERROR(CheckDiskSpace(*impl_));
  return FromRocks(impl_->db->Put(wo, impl_->cf[kContacts], keys::QualityPoint(p.time_ms, seq), Seal(*impl_, w.str())),
                   "add quality point");
}

Status Store::ListQualityPoints(const std::function<void(const core::QualityPoint&)>& fn) const {
  return ForPrefix(*impl_, kContacts, std::string(1, keys::kQualityTag),
                   [&](std::string_view, std::string_view v, bool*) -> Status {
                     codec::Reader r(v);
                     core::QualityPoint p;
                     if (r.U8() != kQualityFormat) return Status::Corruption("quality point: unknown format");
                     p.time_ms = r.Svarint();
                     p.label = r.Str();
                     ReadQuality(r, &p.quality);
                     if (!r.ok() || !r.done()) return Status::Corruption("quality point: damaged value");
                     fn(p);
                     return Status::Ok();
                   });
}

Status Store::PutNumberingPlan(std::string_view blob, std::string_view description) {
  rocksdb::WriteBatch batch;
  batch.Put(impl_->cf[kMeta], "numbering", rocksdb::Slice(blob.data(), blob.size()));
  batch.Put(impl_->cf[kMeta], "numbering_info", rocksdb::Slice(description.data(), description.size()));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  DOPPEL_RETURN_IF_ERROR(CheckDiskSpace(*impl_));
  return FromRocks(impl_->db->Write(wo, &batch), "store the numbering plan");
}

Result<std::optional<std::pair<std::string, std::string>>> Store::GetNumberingPlan() const {
  using Out = std::optional<std::pair<std::string, std::string>>;
  rocksdb::ReadOptions ro;
  SnapshotPtr snap = TakeSnapshot(impl_->db);
  ro.snapshot = snap.get();
  std::string blob, info;
  rocksdb::Status s = impl_->db->Get(ro, impl_->cf[kMeta], "numbering", &blob);
  if (s.IsNotFound()) return Out();
  DOPPEL_RETURN_IF_ERROR(FromRocks(s, "read the numbering plan"));
  (void)impl_->db->Get(ro, impl_->cf[kMeta], "numbering_info", &info);
  return Out(std::make_pair(std::move(blob), std::move(info)));
}

}  // namespace doppel::storage
