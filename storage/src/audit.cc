// The audit trail: append-only events in the history family, each carrying
// the BLAKE2b-256 hash of itself and of the event before it.
#include <rocksdb/db.h>
#include <sodium.h>

#include <cstdio>
#include <memory>

#include "codec.h"
#include "doppel/storage/keys.h"
#include "doppel/storage/store.h"
#include "store_internal.h"

namespace doppel::storage {

namespace {

constexpr uint8_t kAuditFormat = 1;
constexpr size_t kMaxAuditRecords = 100;  // ids kept per event; the detail has the counts

// The event's bytes without its hash (what the hash covers, with the
// previous hash in front).
std::string Body(const AuditEvent& e) {
  codec::Writer w;
  w.U8(kAuditFormat);
  w.Varint(e.seq);
  w.Svarint(e.time_ms);
  w.Str(e.client);
  w.Str(e.role);
  w.Str(e.op);
  w.Strs(e.records);
  w.Varint(e.entities.size());
  for (uint64_t x : e.entities) w.Varint(x);
  w.Str(e.outcome);
  w.Str(e.detail);
  w.Str(e.prev_hash);
  return std::move(w.str());
}

std::string Hex(const unsigned char* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(digits[p[i] >> 4]);
    out.push_back(digits[p[i] & 15]);
  }
  return out;
}

std::string HashOf(const std::string& body) {
  unsigned char h[32];
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(body.data()), body.size(), nullptr, 0);
  return Hex(h, sizeof h);
}

std::string Encode(const AuditEvent& e) {
  std::string body = Body(e);
  codec::Writer w;
  w.Str(body);
  w.Str(e.hash);
  return std::move(w.str());
}

Result<AuditEvent> Decode(std::string_view value) {
  codec::Reader outer(value);
  std::string body = outer.Str(), hash = outer.Str();
  if (!outer.ok() || !outer.done()) return Status::Corruption("audit event: damaged value");
  codec::Reader r(body);
  AuditEvent e;
  if (r.U8() != kAuditFormat) return Status::Corruption("audit event: unknown format");
  e.seq = r.Varint();
  e.time_ms = r.Svarint();
  e.client = r.Str();
  e.role = r.Str();
  e.op = r.Str();
  e.records = r.Strs();
  uint64_t n = r.Varint();
  if (n > body.size()) return Status::Corruption("audit event: damaged value");
  for (uint64_t i = 0; i < n && r.ok(); ++i) e.entities.push_back(r.Varint());
  e.outcome = r.Str();
  e.detail = r.Str();
  e.prev_hash = r.Str();
  if (!r.ok() || !r.done()) return Status::Corruption("audit event: damaged value");
  e.hash = std::move(hash);
  return e;
}

// Reads the chain's head (the last event) once, on first use.
Status LoadHead(Store::Impl& m) {
  if (m.audit_loaded) return Status::Ok();
  std::unique_ptr<rocksdb::Iterator> it(m.db->NewIterator(rocksdb::ReadOptions(), m.cf[kHistory]));
  std::string upper = keys::Audit(UINT64_MAX);
  it->SeekForPrev(upper);
  if (it->Valid() && it->key().size() == 9 && it->key()[0] == keys::kAuditTag) {
    DOPPEL_ASSIGN_OR_RETURN(AuditEvent last, Decode(it->value().ToStringView()));
    m.audit_seq = last.seq;
    m.audit_head = last.hash;
  }
  DOPPEL_RETURN_IF_ERROR(FromRocks(it->status(), "audit head"));
  m.audit_loaded = true;
  return Status::Ok();
}

}  // namespace

Status Store::Audit(AuditEvent e) {
  Impl& m = *impl_;
  if (e.records.size() > kMaxAuditRecords) e.records.resize(kMaxAuditRecords);
  DOPPEL_RETURN_IF_ERROR(CheckDiskSpace(m));
  std::lock_guard<std::mutex> lock(m.audit_mu);
  DOPPEL_RETURN_IF_ERROR(LoadHead(m));
  e.seq = m.audit_seq + 1;
  e.prev_hash = m.audit_head;
  e.hash = HashOf(Body(e));
  rocksdb::WriteOptions wo;
  wo.sync = false;
  DOPPEL_RETURN_IF_ERROR(FromRocks(m.db->Put(wo, m.cf[kHistory], keys::Audit(e.seq), Encode(e)), "audit"));
  m.audit_seq = e.seq;
  m.audit_head = e.hash;
  return Status::Ok();
}

Result<AuditCheck> Store::VerifyAudit() const {
  const Impl& m = *impl_;
  AuditCheck check;
  rocksdb::ReadOptions ro;
  std::unique_ptr<rocksdb::Iterator> it(m.db->NewIterator(ro, m.cf[kHistory]));
  const std::string prefix(1, keys::kAuditTag);
  std::string prev;
  uint64_t expected = 1;
  auto bad = [&](uint64_t seq, std::string why) {
    check.ok = false;
    check.first_bad = seq;
    check.problem = std::move(why);
  };
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    uint64_t seq = it->key().size() == 9 ? keys::GetU64(it->key().ToStringView(), 1) : 0;
    auto e = Decode(it->value().ToStringView());
    if (!e.ok()) {
      bad(seq, e.status().message());
      break;
    }
    if (seq != expected || e->seq != seq) {
      bad(expected, "event " + std::to_string(expected) + " is missing (found " + std::to_string(seq) + ")");
      break;
    }
    if (e->prev_hash != prev) {
      bad(seq, "event " + std::to_string(seq) + " does not follow the hash of event " + std::to_string(seq - 1));
      break;
    }
    if (HashOf(Body(*e)) != e->hash) {
      bad(seq, "event " + std::to_string(seq) + " was changed after it was written");
      break;
    }
    prev = e->hash;
    ++expected;
    ++check.events;
  }
  DOPPEL_RETURN_IF_ERROR(FromRocks(it->status(), "audit verify"));
  check.head = prev;
  return check;
}

Status Store::QueryAudit(const AuditFilter& f, const std::function<bool(const AuditEvent&)>& fn) const {
  const Impl& m = *impl_;
  std::unique_ptr<rocksdb::Iterator> it(m.db->NewIterator(rocksdb::ReadOptions(), m.cf[kHistory]));
  const std::string prefix(1, keys::kAuditTag);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    DOPPEL_ASSIGN_OR_RETURN(AuditEvent e, Decode(it->value().ToStringView()));
    if (f.from_ms != 0 && e.time_ms < f.from_ms) continue;
    if (f.to_ms != 0 && e.time_ms > f.to_ms) continue;
    if (!f.client.empty() && e.client != f.client) continue;
    if (!f.op.empty() && e.op != f.op) continue;
    if (f.entity != 0 && std::find(e.entities.begin(), e.entities.end(), f.entity) == e.entities.end()) continue;
    if (!f.record.empty() && std::find(e.records.begin(), e.records.end(), f.record) == e.records.end()) continue;
    if (!fn(e)) break;
  }
  return FromRocks(it->status(), "audit query");
}

}  // namespace doppel::storage
