// What store.cc and backup.cc share. Private to storage/.
#pragma once

#include <rocksdb/db.h>

#include <array>
#include <map>
#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "doppel/storage/store.h"

namespace doppel::storage {

// Column family indices, in ColumnFamilyNames() order.
enum Family {
  kDefault = 0,
  kMeta,
  kRecords,
  kMembership,
  kEntities,
  kBlocks,
  kSuppression,
  kHistory,
  kContacts,
  kFamilyCount
};
const std::vector<std::string>& ColumnFamilyNames();

// Persistent counters, stored under meta/"counters" in every write.
struct Counters {
  uint64_t next_rid = 0, next_eid = 0, next_seq = 0;
  uint64_t records = 0, entities = 0, versions = 0, common_keys_skipped = 0;
};

struct EntityValue {
  uint64_t merged_into = 0;  // non-zero: a redirect left by a merge
  int64_t created_ms = 0, updated_ms = 0;
  std::vector<uint64_t> members;      // record rids, ascending
  std::vector<uint64_t> merged_from;
  core::GoldenRecord golden;
};

struct Store::Impl {
  ~Impl();
  std::string path;
  StoreOptions options;
  std::vector<std::string> warnings;  // what Open() had to tolerate
  // The free-space guard (CheckDiskSpace): when it last looked, and whether
  // space was short then.
  std::atomic<int64_t> space_checked_ms{0};
  std::atomic<bool> space_short{false};
  // RocksDB's background error count when the guard last resumed it.
  std::atomic<uint64_t> background_errors_resumed{0};
  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  std::array<rocksdb::ColumnFamilyHandle*, kFamilyCount> cf{};
  mutable std::mutex counters_mu;
  Counters counters;
  std::atomic<bool> group_open{false};
  uint64_t quality_seq = 0;
  // Any suppression entry exists: ingest then filters evidence through the list.
  std::atomic<bool> has_suppressions{false};
  // The audit chain's head, under audit_mu.
  std::mutex audit_mu;
  uint64_t audit_seq = 0;
  std::string audit_head;
  bool audit_loaded = false;
  // The key of tombstone hashes (meta "tombstone_key", made at the first
  // erasure), and whether any tombstone exists (ingest then checks them).
  std::string tombstone_key;
  std::atomic<bool> has_tombstones{false};
  // Encryption at rest (sealing.cc): data keys by id; the newest seals.
  std::map<uint8_t, std::string> data_keys;
  // Whether any value may be sealed: the database holds a data key check
  // (sealed once) or keys were given. A database never sealed holds only
  // plain values, whatever their first byte.
  bool may_be_sealed = false;
  uint8_t current_key = 0;  // under counters_mu; orders quality points within one millisecond
};

// Unavailable while the database's volume has less than
// options.min_free_disk_mb free beyond what a flush of the memtables will
// write (checked at most every 100 ms while space is
// fine, on every call while it is short). Every write path calls it first.
Status CheckDiskSpace(Store::Impl& m);

// RocksDB's Status as ours: the one place its errors are translated.
Status FromRocks(const rocksdb::Status& s, std::string_view what);

std::string EncodeCounters(const Counters& c);
Result<Counters> DecodeCounters(std::string_view s);
std::string EncodeRecord(const StoredRecord& r);
Result<StoredRecord> DecodeRecord(std::string_view s);
std::string EncodeEntity(const EntityValue& e);
Result<EntityValue> DecodeEntity(std::string_view s);
std::string EncodeEvent(const HistoryEvent& e);
Result<HistoryEvent> DecodeEvent(std::string_view s);
// The actualization loop's values (contacts_store.cc).
std::string EncodeSuppression(const core::Suppression& s);
Result<core::Suppression> DecodeSuppression(std::string_view kind_value_key, std::string_view value);
std::string EncodeSurvey(const core::SurveyAnswers& a);
Result<core::SurveyAnswers> DecodeSurvey(std::string_view s);
std::string EncodeOutcome(const OutcomeEvent& ev);
// Reads (and unseals) one stored record by rid.
Result<StoredRecord> ReadRecord(const Store::Impl& m, const rocksdb::ReadOptions& ro, uint64_t rid);
// The entity an id leads to (following merge redirects) and its value.
Result<std::pair<uint64_t, EntityValue>> LiveEntity(const Store::Impl& m, const rocksdb::ReadOptions& ro,
                                                    uint64_t requested);
// A live entity with its member records, as scans and GetEntityItem give it.
Result<EntityScanItem> ScanItemOf(const Store::Impl& m, const rocksdb::ReadOptions& ro, uint64_t id,
                                  EntityValue value);

// Encryption at rest (sealing.cc). Sealed(family): the family's values hold
// personal data and are sealed when a data key is set.
bool Sealed(int family);
std::string Seal(const Store::Impl& m, std::string_view plain);
// Plain values (written before the key was set) come back as they are.
Result<std::string> Unseal(const Store::Impl& m, std::string stored);
Result<std::map<uint8_t, std::string>> LoadDataKeys(const std::string& path);

// The key of a posting list: the block key's hash keyed (SipHash) with the
// index key, so that the files do not let anyone test a guessed value.
// Keyed keys carry kind | 0x80 (older, unkeyed ones are migrated at open).
std::string BlockKey(const Store::Impl& m, uint8_t kind, uint64_t hash);

// Keys of a value in the suppression and contacts families: its keyed hash.
std::string SuppressionKey(const Store::Impl& m, char kind, std::string_view value);
std::string ContactStateKey(const Store::Impl& m, char kind, std::string_view value);
// A contact state as stored: the value, then the state.
std::string EncodeStoredContact(std::string_view value, const core::ContactState& state);
Result<std::pair<std::string, core::ContactState>> DecodeStoredContact(std::string_view bytes);
// The tombstone hash of a value (kind byte + normalized value) under `key` (erasure.cc).
std::string TombstoneHash(std::string_view key, char kind, std::string_view value);
// The values of a record a tombstone covers: (kind, value) pairs.
std::vector<std::pair<char, std::string>> TombstoneValues(const core::MemberSnapshot& m);
std::vector<std::pair<char, std::string>> TombstoneValues(const core::NormalizedRecord& r);
Result<OutcomeEvent> DecodeOutcome(std::string_view s);

}  // namespace doppel::storage
