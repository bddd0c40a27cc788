// Store::Check: the database's own fsck. Reads every record, membership,
// entity, outcome and audit event from one snapshot and checks that they
// agree with each other and with the counters. The crash test runs it after
// every kill -9; `doppel check` runs it for an operator.
#include <rocksdb/db.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "doppel/storage/keys.h"
#include "doppel/storage/store.h"
#include "store_internal.h"

namespace doppel::storage {
namespace {

constexpr size_t kMaxProblemsKept = 100;

class Problems {
 public:
  explicit Problems(CheckReport* report) : report_(report) {}
  void Add(std::string what) {
    ++report_->problem_count;
    if (report_->problems.size() < kMaxProblemsKept) report_->problems.push_back(std::move(what));
  }

 private:
  CheckReport* report_;
};

std::string Rid(uint64_t rid) { return "record #" + std::to_string(rid); }
std::string Eid(uint64_t eid) { return "entity " + std::to_string(eid); }

}  // namespace

Result<CheckReport> Store::Check() const {
  const Impl& m = *impl_;
  rocksdb::ReadOptions ro;
  std::unique_ptr<const rocksdb::Snapshot, std::function<void(const rocksdb::Snapshot*)>> snap(
      m.db->GetSnapshot(), [db = m.db](const rocksdb::Snapshot* s) { db->ReleaseSnapshot(s); });
  ro.snapshot = snap.get();
  ro.verify_checksums = true;
  CheckReport report;
  Problems problems(&report);

  // Counters as of the snapshot.
  std::string raw;
  DOPPEL_RETURN_IF_ERROR(FromRocks(m.db->Get(ro, m.cf[kMeta], "counters", &raw), "read the counters"));
  DOPPEL_ASSIGN_OR_RETURN(Counters counters, DecodeCounters(raw));

  // Records: 'R' rid -> the latest version, 'V' older versions, 'I' external id -> rid.
  std::vector<uint64_t> rids;  // ascending: keys are big-endian
  std::unordered_map<uint64_t, std::string> external_of;
  std::vector<std::pair<std::string, uint64_t>> ids;  // 'I': external id -> rid
  {
    std::unique_ptr<rocksdb::Iterator> it(m.db->NewIterator(ro, m.cf[kRecords]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string_view key = it->key().ToStringView();
      auto value = Unseal(m, it->value().ToString());
      if (!value.ok()) {
        problems.Add("a record value cannot be unsealed: " + value.status().message());
        continue;
      }
      if (key[0] == 'R' && key.size() == 9) {
        uint64_t rid = keys::GetU64(key, 1);
        auto rec = DecodeRecord(*value);
        if (!rec.ok()) {
          problems.Add(Rid(rid) + " does not decode: " + rec.status().message());
        } else if (rec->rid != rid) {
          problems.Add(Rid(rid) + " says it is #" + std::to_string(rec->rid));
        } else {
          external_of[rid] = rec->id;
        }
        rids.push_back(rid);
      } else if (key[0] == 'V' && key.size() == 13) {
        ++report.record_versions;
      } else if (key[0] == 'I') {
        ++report.record_ids;
        if (value->size() != 8) {
          problems.Add("the id index of '" + std::string(key.substr(1)) + "' is damaged");
          continue;
        }
        ids.emplace_back(std::string(key.substr(1)), keys::GetU64(*value, 0));
      } else {
        problems.Add("an unknown key in the records family");
      }
    }
    DOPPEL_RETURN_IF_ERROR(FromRocks(it->status(), "scan the records"));
  }
  // 'I' sorts before 'R': the ids are checked once every record is known.
  for (const auto& [id, rid] : ids) {
    auto found = external_of.find(rid);
    if (!std::binary_search(rids.begin(), rids.end(), rid)) {
      problems.Add("id '" + id + "' leads to " + Rid(rid) + ", which does not exist");
    } else if (found != external_of.end() && found->second != id) {
      problems.Add("id '" + id + "' leads to " + Rid(rid) + ", which is '" + found->second + "'");
    }
  }
  report.records = rids.size();
  if (report.record_ids != report.records) {
    problems.Add(std::to_string(report.records) + " records but " + std::to_string(report.record_ids) +
                 " ids in the id index");
  }

  // Membership: 'M' rid -> eid, one per record.
  std::unordered_map<uint64_t, uint64_t> entity_of;
  {
    std::unique_ptr<rocksdb::Iterator> it(m.db->NewIterator(ro, m.cf[kMembership]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string_view key = it->key().ToStringView();
      if (key.size() != 9 || key[0] != 'M' || it->value().size() != 8) {
        problems.Add("a damaged membership entry");
        continue;
      }
      uint64_t rid = keys::GetU64(key, 1);
      entity_of[rid] = keys::GetU64(it->value().ToStringView(), 0);
      if (!std::binary_search(rids.begin(), rids.end(), rid)) {
        problems.Add("membership of " + Rid(rid) + ", which does not exist");
      }
    }
    DOPPEL_RETURN_IF_ERROR(FromRocks(it->status(), "scan the membership"));
  }
  for (uint64_t rid : rids) {
    if (!entity_of.count(rid)) problems.Add(Rid(rid) + " belongs to no entity");
  }

  // Entities: live ones list their members; redirects lead to a live one.
  std::unordered_map<uint64_t, uint64_t> redirect;  // eid -> merged_into
  std::unordered_map<uint64_t, bool> live;
  uint64_t max_eid = 0;
  {
    std::unique_ptr<rocksdb::Iterator> it(m.db->NewIterator(ro, m.cf[kEntities]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string_view key = it->key().ToStringView();
      if (key.size() != 9 || key[0] != 'E') {
        problems.Add("an unknown key in the entities family");
        continue;
      }
      uint64_t eid = keys::GetU64(key, 1);
      max_eid = std::max(max_eid, eid);
      auto plain = Unseal(m, it->value().ToString());
      if (!plain.ok()) {
        problems.Add(Eid(eid) + " cannot be unsealed: " + plain.status().message());
        continue;
      }
      auto value = DecodeEntity(*plain);
      if (!value.ok()) {
        problems.Add(Eid(eid) + " does not decode: " + value.status().message());
        continue;
      }
      if (value->merged_into != 0) {
        ++report.redirects;
        redirect[eid] = value->merged_into;
        live[eid] = false;
        continue;
      }
      ++report.entities;
      live[eid] = true;
      if (value->members.empty()) problems.Add(Eid(eid) + " is live and has no members");
      if (!std::is_sorted(value->members.begin(), value->members.end()) ||
          std::adjacent_find(value->members.begin(), value->members.end()) != value->members.end()) {
        problems.Add(Eid(eid) + " lists its members out of order or twice");
      }
      for (uint64_t rid : value->members) {
        ++report.members;
        auto at = entity_of.find(rid);
        if (!std::binary_search(rids.begin(), rids.end(), rid)) {
          problems.Add(Eid(eid) + " lists " + Rid(rid) + ", which does not exist");
        } else if (at == entity_of.end() || at->second != eid) {
          problems.Add(Eid(eid) + " lists " + Rid(rid) + ", which belongs to " +
                       (at == entity_of.end() ? std::string("no entity") : Eid(at->second)));
        }
      }
    }
    DOPPEL_RETURN_IF_ERROR(FromRocks(it->status(), "scan the entities"));
  }
  for (const auto& [rid, eid] : entity_of) {
    auto at = live.find(eid);
    if (at == live.end()) problems.Add(Rid(rid) + " belongs to " + Eid(eid) + ", which does not exist");
    else if (!at->second) problems.Add(Rid(rid) + " belongs to " + Eid(eid) + ", which was merged away");
  }
  if (report.members != report.records) {
    problems.Add("entities list " + std::to_string(report.members) + " members for " +
                 std::to_string(report.records) + " records");
  }
  for (const auto& [eid, into] : redirect) {
    uint64_t at = eid;
    int hops = 0;
    while (redirect.count(at) && hops <= 64) {
      at = redirect[at];
      ++hops;
    }
    if (hops > 64) problems.Add(Eid(eid) + ": its merge redirects loop");
    else if (!live.count(at)) problems.Add(Eid(eid) + " redirects to " + Eid(at) + ", which does not exist");
  }

  // Counters against what is there.
  if (counters.records != report.records) {
    problems.Add("the record counter says " + std::to_string(counters.records) + ", the database holds " +
                 std::to_string(report.records));
  }
  if (counters.entities != report.entities) {
    problems.Add("the entity counter says " + std::to_string(counters.entities) + ", the database holds " +
                 std::to_string(report.entities) + " live entities");
  }
  if (!rids.empty() && counters.next_rid < rids.back()) problems.Add("the next record id is behind the last one used");
  if (counters.next_eid < max_eid) problems.Add("the next entity id is behind the last one used");

  // Outcomes refer to entities that exist (an erasure removes its own).
  {
    std::unique_ptr<rocksdb::Iterator> it(m.db->NewIterator(ro, m.cf[kContacts]));
    const std::string prefix(1, keys::kOutcomeTag);
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      ++report.outcomes;
      auto plain = Unseal(m, it->value().ToString());
      auto ev = plain.ok() ? DecodeOutcome(*plain) : Result<OutcomeEvent>(plain.status());
      if (!ev.ok()) problems.Add("an outcome does not decode: " + ev.status().message());
      else if (!live.count(ev->entity)) problems.Add("an outcome names " + Eid(ev->entity) + ", which does not exist");
    }
    DOPPEL_RETURN_IF_ERROR(FromRocks(it->status(), "scan the outcomes"));
  }

  // The audit chain (its own snapshot: it is append-only).
  DOPPEL_ASSIGN_OR_RETURN(AuditCheck audit, VerifyAudit());
  report.audit_events = audit.events;
  if (!audit.ok) problems.Add("audit event " + std::to_string(audit.first_bad) + ": " + audit.problem);
  return report;
}

}  // namespace doppel::storage
