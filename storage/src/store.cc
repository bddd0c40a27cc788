// The RocksDB store. The only file (with backup.cc) that includes RocksDB.
#include "doppel/storage/store.h"

#include <sys/statvfs.h>

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <unordered_map>

#include "codec.h"
#include "doppel/core/blocking.h"
#include "doppel/core/unicode.h"
#include "doppel/core/writers.h"
#include "doppel/kernels/hash.h"
#include "doppel/storage/keys.h"
#include "store_internal.h"

namespace doppel::storage {

namespace {

// 2: records carry their matching features; 3: and their activity.
constexpr uint8_t kRecordFormat = 3;
constexpr uint8_t kEntityFormat = 2;  // 2: golden values name their records
constexpr uint8_t kEventFormat = 2;
constexpr uint8_t kCountersFormat = 1;
// Stored records scored per new record at most (the most specific keys
// first would be better; the posting lists are already capped).
constexpr size_t kMaxCandidates = 300;

}  // namespace

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  std::string msg = std::string(what) + ": " + s.ToString();
  if (s.IsNotFound()) return Status::NotFound(msg);
  if (s.IsCorruption()) return Status::Corruption(msg);
  if (s.IsInvalidArgument()) return Status::InvalidArgument(msg);
  if (s.IsIOError() || s.IsNoSpace()) return Status::Unavailable(msg);
  if (s.IsBusy() || s.IsTimedOut() || s.IsTryAgain()) return Status::Unavailable(msg);
  return Status::Internal(msg);
}

Status CheckDiskSpace(Store::Impl& m) {
  if (m.options.min_free_disk_mb == 0) return Status::Ok();
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now().time_since_epoch()).count();
  if (!m.space_short.load() && now - m.space_checked_ms.load() < 100) return Status::Ok();
  struct statvfs st{};
  if (::statvfs(m.path.c_str(), &st) != 0) return Status::Ok();  // cannot tell: let RocksDB decide
  const uint64_t free_bytes = static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
  const uint64_t reserve = m.options.min_free_disk_mb << 20;
  // A flush writes the memtables out (compressed, at most about their size)
  // while their log still holds the same records: the room for it comes on
  // top of the reserve, or a flush could fill the disk under the guard.
  uint64_t memtables = 0;
  if (m.db != nullptr) m.db->GetAggregatedIntProperty("rocksdb.cur-size-all-mem-tables", &memtables);
  const uint64_t need = reserve + memtables;
  m.space_checked_ms.store(now);
  m.space_short.store(free_bytes < need);
  if (free_bytes >= need) {
    // Space is back (or never went): if RocksDB stopped on a background
    // write error since (a full disk in a flush), it resumes now rather than
    // refusing every write until a restart. One caller claims each new
    // error count; Resume may flush on its thread. Tried once per count
    // (an error Resume cannot clear is not retried every check), again
    // only while RocksDB's own recovery is busy with it. A write that failed
    // in the foreground stops the database without a background error:
    // that still needs a restart.
    uint64_t errors = 0;
    uint64_t seen = m.background_errors_resumed.load();
    if (m.db != nullptr && m.db->GetIntProperty("rocksdb.background-errors", &errors) && errors > seen &&
        m.background_errors_resumed.compare_exchange_strong(seen, errors)) {
      if (m.db->Resume().IsBusy()) m.background_errors_resumed.store(seen);
    }
    return Status::Ok();
  }
  char msg[200];
  std::snprintf(msg, sizeof msg,
                "%.1f MiB free, under the %llu MiB kept in reserve (min_free_disk_mb) and %.1f MiB of memtables to flush",
                static_cast<double>(free_bytes) / (1 << 20), static_cast<unsigned long long>(m.options.min_free_disk_mb),
                static_cast<double>(memtables) / (1 << 20));
  return Status::Unavailable("the disk holding " + m.path + " is nearly full: " + msg +
                             "; writes are refused until space is freed, reads go on");
}

std::string_view IngestActionName(IngestAction a) {
  switch (a) {
    case IngestAction::kNew: return "new";
    case IngestAction::kJoined: return "joined";
    case IngestAction::kMerged: return "merged";
    case IngestAction::kUpdated: return "updated";
    case IngestAction::kUnchanged: return "unchanged";
    case IngestAction::kRefused: return "refused";
  }
  return "?";
}

Status StoreOptions::Validate() const {
  if (keys.empty()) return Status::InvalidArgument("the store needs at least one exact key");
  if (max_block_records < 1) return Status::InvalidArgument("max_block_records must be positive");
  if (survivorship.rule == core::Survivorship::kSourcePriority && survivorship.source_priority.empty()) {
    return Status::InvalidArgument("survivorship source_priority needs the sources, most trusted first");
  }
  return Status::Ok();
}

// ---- value encodings --------------------------------------------------------

std::string EncodeCounters(const Counters& c) {
  codec::Writer w;
  w.U8(kCountersFormat);
  for (uint64_t v : {c.next_rid, c.next_eid, c.next_seq, c.records, c.entities, c.versions, c.common_keys_skipped}) {
    w.Varint(v);
  }
  return std::move(w.str());
}

Result<Counters> DecodeCounters(std::string_view s) {
  codec::Reader r(s);
  Counters c;
  if (r.U8() != kCountersFormat) return Status::Corruption("counters: unknown format");
  for (uint64_t* v : {&c.next_rid, &c.next_eid, &c.next_seq, &c.records, &c.entities, &c.versions,
                      &c.common_keys_skipped}) {
    *v = r.Varint();
  }
  if (!r.ok()) return Status::Corruption("counters: truncated");
  return c;
}

namespace {

void WriteSnapshot(codec::Writer& w, const core::MemberSnapshot& m) {
  w.Str(m.last);
  w.Str(m.first);
  w.Str(m.middle);
  w.Str(m.gender);
  w.Strs(m.phones);
  w.Strs(m.emails);
  w.Str(m.address);
  w.Svarint(m.birth_date);
  w.Str(m.doc_id);
  w.Svarint(m.seen_at);
  w.Svarint(m.verified);
  w.Str(m.source);
  const core::Activity& a = m.activity;
  w.Svarint(a.created);
  w.Svarint(a.last_purchase);
  w.Svarint(a.purchases);
  w.Svarint(a.revenue_cents);
  w.Str(a.channel);
}

void WriteU64s(codec::Writer& w, const std::vector<uint64_t>& v) {
  w.Varint(v.size());
  for (uint64_t x : v) w.Varint(x);
}

std::vector<uint64_t> ReadU64s(codec::Reader& r, size_t limit) {
  std::vector<uint64_t> v;
  uint64_t n = r.Varint();
  if (n > limit) {
    (void)r.Str();  // forces the reader into its failed state
    return v;
  }
  for (uint64_t i = 0; i < n && r.ok(); ++i) v.push_back(r.Varint());
  return v;
}

void WriteMatchRow(codec::Writer& w, const core::MatchRow& m) {
  w.Str(m.first);
  w.Str(m.last);
  w.Str(m.middle);
  w.U8(static_cast<uint8_t>((m.first_initial ? 1 : 0) | (m.middle_initial ? 2 : 0)));
  w.U8(m.gender);
  w.Svarint(m.birth_date);
  WriteU64s(w, m.phones);
  WriteU64s(w, m.landlines);
  WriteU64s(w, m.address_tokens);
  for (const std::string* s : {&m.emails, &m.dwelling, &m.postcode, &m.city, &m.house, &m.doc_id}) w.Str(*s);
}

void ReadMatchRow(codec::Reader& r, size_t limit, core::MatchRow* m) {
  m->first = r.Str();
  m->last = r.Str();
  m->middle = r.Str();
  uint8_t flags = r.U8();
  m->first_initial = flags & 1;
  m->middle_initial = flags & 2;
  m->gender = r.U8();
  m->birth_date = static_cast<int32_t>(r.Svarint());
  m->phones = ReadU64s(r, limit);
  m->landlines = ReadU64s(r, limit);
  m->address_tokens = ReadU64s(r, limit);
  for (std::string* s : {&m->emails, &m->dwelling, &m->postcode, &m->city, &m->house, &m->doc_id}) *s = r.Str();
}

void ReadSnapshot(codec::Reader& r, uint8_t format, core::MemberSnapshot* m) {
  m->last = r.Str();
  m->first = r.Str();
  m->middle = r.Str();
  m->gender = r.Str();
  m->phones = r.Strs();
  m->emails = r.Strs();
  m->address = r.Str();
  m->birth_date = static_cast<int32_t>(r.Svarint());
  m->doc_id = r.Str();
  m->seen_at = r.Svarint();
  m->verified = static_cast<int32_t>(r.Svarint());
  m->source = r.Str();
  if (format < 3) return;  // written before records kept their activity
  core::Activity& a = m->activity;
  a.created = static_cast<int32_t>(r.Svarint());
  a.last_purchase = static_cast<int32_t>(r.Svarint());
  a.purchases = r.Svarint();
  a.revenue_cents = r.Svarint();
  a.channel = r.Str();
}

}  // namespace

std::string EncodeRecord(const StoredRecord& rec) {
  codec::Writer w;
  w.U8(kRecordFormat);
  w.Str(rec.id);
  w.Varint(rec.rid);
  w.Varint(rec.version);
  w.Str(rec.source);
  w.Varint(rec.fields.size());
  for (const auto& [k, v] : rec.fields) {
    w.Str(k);
    w.Str(v);
  }
  WriteSnapshot(w, rec.values);
  WriteMatchRow(w, rec.match);
  w.Varint(rec.block_keys.size());
  for (const auto& [kind, hash] : rec.block_keys) {
    w.U8(kind);
    w.Varint(hash);
  }
  return std::move(w.str());
}

Result<StoredRecord> DecodeRecord(std::string_view s) {
  codec::Reader r(s);
  StoredRecord rec;
  const uint8_t format = r.U8();
  if (format != 2 && format != kRecordFormat) return Status::Corruption("record: unknown format");
  rec.id = r.Str();
  rec.rid = r.Varint();
  rec.version = static_cast<uint32_t>(r.Varint());
  rec.source = r.Str();
  uint64_t nfields = r.Varint();
  for (uint64_t i = 0; i < nfields && r.ok(); ++i) {
    std::string k = r.Str();
    rec.fields.emplace_back(std::move(k), r.Str());
  }
  ReadSnapshot(r, format, &rec.values);
  rec.values.record_id = rec.id;
  ReadMatchRow(r, s.size(), &rec.match);
  rec.match.id = rec.id;
  uint64_t nkeys = r.Varint();
  for (uint64_t i = 0; i < nkeys && r.ok(); ++i) {
    uint8_t kind = r.U8();
    rec.block_keys.emplace_back(kind, r.Varint());
  }
  if (!r.ok() || !r.done()) return Status::Corruption("record: damaged value");
  return rec;
}

std::string EncodeEntity(const EntityValue& e) {
  codec::Writer w;
  w.U8(kEntityFormat);
  w.Varint(e.merged_into);
  w.Svarint(e.created_ms);
  w.Svarint(e.updated_ms);
  w.Varint(e.members.size());
  uint64_t prev = 0;
  for (uint64_t m : e.members) {
    w.Varint(m - prev);  // ascending: deltas stay short
    prev = m;
  }
  w.Varint(e.merged_from.size());
  for (uint64_t m : e.merged_from) w.Varint(m);
  const core::GoldenRecord& g = e.golden;
  w.Str(g.last);
  w.Str(g.first);
  w.Str(g.middle);
  w.Str(g.gender);
  w.Strs(g.phones);
  w.Strs(g.emails);
  w.Str(g.address);
  w.Svarint(g.birth_date);
  w.Str(g.doc_id);
  w.Varint(g.members);
  w.Str(g.name_from);
  w.Str(g.birth_date_from);
  w.Str(g.address_from);
  w.Str(g.doc_id_from);
  w.Strs(g.phones_from);
  w.Strs(g.emails_from);
  return std::move(w.str());
}

Result<EntityValue> DecodeEntity(std::string_view s) {
  codec::Reader r(s);
  EntityValue e;
  if (r.U8() != kEntityFormat) return Status::Corruption("entity: unknown format");
  e.merged_into = r.Varint();
  e.created_ms = r.Svarint();
  e.updated_ms = r.Svarint();
  uint64_t members = r.Varint();
  if (members > s.size()) return Status::Corruption("entity: damaged value");
  uint64_t prev = 0;
  for (uint64_t i = 0; i < members && r.ok(); ++i) e.members.push_back(prev += r.Varint());
  uint64_t n = r.Varint();
  if (n > s.size()) return Status::Corruption("entity: damaged value");
  for (uint64_t i = 0; i < n && r.ok(); ++i) e.merged_from.push_back(r.Varint());
  core::GoldenRecord& g = e.golden;
  g.last = r.Str();
  g.first = r.Str();
  g.middle = r.Str();
  g.gender = r.Str();
  g.phones = r.Strs();
  g.emails = r.Strs();
  g.address = r.Str();
  g.birth_date = static_cast<int32_t>(r.Svarint());
  g.doc_id = r.Str();
  g.members = static_cast<uint32_t>(r.Varint());
  g.name_from = r.Str();
  g.birth_date_from = r.Str();
  g.address_from = r.Str();
  g.doc_id_from = r.Str();
  g.phones_from = r.Strs();
  g.emails_from = r.Strs();
  if (!r.ok() || !r.done()) return Status::Corruption("entity: damaged value");
  return e;
}

std::string EncodeEvent(const HistoryEvent& ev) {
  codec::Writer w;
  w.U8(kEventFormat);
  w.Varint(ev.seq);
  w.Svarint(ev.time_ms);
  w.Str(ev.op);
  w.Str(ev.actor);
  w.Str(ev.source);
  w.Strs(ev.records);
  w.Varint(ev.entities.size());
  for (uint64_t e : ev.entities) w.Varint(e);
  w.Str(ev.detail);
  WriteU64s(w, ev.moved);
  return std::move(w.str());
}

Result<HistoryEvent> DecodeEvent(std::string_view s) {
  codec::Reader r(s);
  HistoryEvent ev;
  if (r.U8() != kEventFormat) return Status::Corruption("event: unknown format");
  ev.seq = r.Varint();
  ev.time_ms = r.Svarint();
  ev.op = r.Str();
  ev.actor = r.Str();
  ev.source = r.Str();
  ev.records = r.Strs();
  uint64_t n = r.Varint();
  for (uint64_t i = 0; i < n && r.ok(); ++i) ev.entities.push_back(r.Varint());
  ev.detail = r.Str();
  ev.moved = ReadU64s(r, s.size());
  if (!r.ok() || !r.done()) return Status::Corruption("event: damaged value");
  return ev;
}

// ---- opening ------------------------------------------------------------------

const std::vector<std::string>& ColumnFamilyNames() {
  static const std::vector<std::string> names = {rocksdb::kDefaultColumnFamilyName, "meta", "records", "membership",
                                                 "entities", "blocks", "suppression", "history",
                                                 "contacts"};
  return names;
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Store::~Store() = default;

Store::Impl::~Impl() {
  for (auto* h : handles) {
    if (db) db->DestroyColumnFamilyHandle(h);
  }
  handles.clear();
  if (db) {
    db->Close();
    delete db;
  }
}

namespace {

// Posting lists written before block keys were keyed (kind < 0x80) move to
// their keyed keys, in batches; each batch is atomic and a moved key is
// never moved again, so an interrupted migration resumes at the next open.
Status KeyBlockIndex(Store::Impl& m) {
  rocksdb::ReadOptions ro;
  std::unique_ptr<rocksdb::Iterator> it(m.db->NewIterator(ro, m.cf[kBlocks]));
  rocksdb::WriteBatch batch;
  size_t moved = 0;
  rocksdb::WriteOptions wo;
  wo.sync = true;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view key = it->key().ToStringView();
    if (key.size() != 9 || static_cast<uint8_t>(key[0]) >= 0x80) break;  // keyed keys sort after
    uint8_t kind = static_cast<uint8_t>(key[0]);
    batch.Put(m.cf[kBlocks], BlockKey(m, kind, keys::GetU64(key, 1)), it->value());
    batch.Delete(m.cf[kBlocks], it->key());
    if (++moved % 20000 == 0) {
      DOPPEL_RETURN_IF_ERROR(FromRocks(m.db->Write(wo, &batch), "key the block index"));
      batch.Clear();
    }
  }
  DOPPEL_RETURN_IF_ERROR(FromRocks(it->status(), "key the block index"));
  if (batch.Count() > 0) DOPPEL_RETURN_IF_ERROR(FromRocks(m.db->Write(wo, &batch), "key the block index"));
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Store>> Store::Open(const std::string& path, const StoreOptions& options) {
  DOPPEL_RETURN_IF_ERROR(options.Validate());
  namespace fs = std::filesystem;
  std::error_code ec;
  bool exists = fs::exists(path, ec);
  bool is_db = exists && fs::exists(fs::path(path) / "CURRENT", ec);
  if (exists && !fs::is_directory(path, ec)) return Status::InvalidArgument(path + " is not a directory");
  if (exists && !is_db && !fs::is_empty(path, ec)) {
    return Status::InvalidArgument(path + " is not empty and holds no database; refusing to create one over it");
  }
  if (!is_db && !options.create_if_missing) return Status::NotFound("no database at " + path);
  if (!exists) {
    fs::create_directories(path, ec);
    if (ec) return Status::IoError("cannot create " + path + ": " + ec.message());
  }

  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->options = options;
  rocksdb::Options db_options;
  db_options.create_if_missing = !is_db;
  db_options.create_missing_column_families = !is_db;
  db_options.paranoid_checks = true;
  // The write-ahead log is first replayed strictly: any damage stops the
  // open. When that fails, see below for what is tolerated.
  db_options.wal_recovery_mode = options.recover_to_damage ? rocksdb::WALRecoveryMode::kPointInTimeRecovery
                                                           : rocksdb::WALRecoveryMode::kAbsoluteConsistency;
  db_options.IncreaseParallelism(2);
  // No fallocate: RocksDB would preallocate ~70 MB per log file, which on a
  // nearly full disk takes the room the free-space guard (CheckDiskSpace)
  // keeps, or fails other writes while it is held.
  db_options.allow_fallocate = false;
  // Table files kept open at once: bounds descriptors as files accumulate.
  db_options.max_open_files = 512;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_mb << 20);
  // Most lookups while resolving a new record miss (a new id, a new phone):
  // bloom filters answer those without reading a block.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  // Index and filter blocks live in the block cache (the hot ones of level
  // 0 pinned), so memory stays within the cache as the data grows (the audit
  // trail adds an event per request) instead of growing with every table.
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  db_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  if (is_db) {
    std::vector<std::string> existing;
    rocksdb::Status ls = rocksdb::DB::ListColumnFamilies(db_options, path, &existing);
    if (!ls.ok()) return FromRocks(ls, "cannot read " + path);
    for (const auto& name : ColumnFamilyNames()) {
      if (std::find(existing.begin(), existing.end(), name) == existing.end()) {
        if (name == "contacts") continue;  // schema 3: added below
        return Status::Corruption(path + " is not a Doppel database (no column family '" + name + "')");
      }
    }
    for (const auto& name : existing) descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions(db_options));
  } else {
    for (const auto& name : ColumnFamilyNames()) descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions(db_options));
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::Status s = rocksdb::DB::Open(db_options, path, descriptors, &handles, &impl->db);
  if (s.IsCorruption() && !options.recover_to_damage) {
    // An incomplete record at the very end of the log is a write cut short
    // by a crash: its commit never returned, so nothing acknowledged is in
    // it (every acknowledged commit was synced whole). It is dropped, and
    // said. A checksum mismatch anywhere, the last record included, is
    // damage: refused, so acknowledged writes are never silently lost.
    std::string strict = s.ToString();
    db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
    handles.clear();
    s = rocksdb::DB::Open(db_options, path, descriptors, &handles, &impl->db);
    if (s.ok()) {
      impl->warnings.push_back("the write-ahead log ended in an incomplete record (" + strict +
                               "): a write cut short by a crash, never acknowledged; it was dropped");
    } else if (s.IsCorruption()) {
      return Status::Corruption("cannot open " + path + ": the write-ahead log is damaged (" + s.ToString() +
                                "); nothing was changed. Restore a backup (doppel restore), or run `doppel check --db " +
                                path + " --recover-to-damage` to keep what was written before the damage and lose "
                                "what followed it");
    }
  }
  if (!s.ok()) return FromRocks(s, "cannot open " + path);
  if (options.recover_to_damage) {
    impl->warnings.push_back("opened with --recover-to-damage: the write-ahead log was replayed up to its first "
                             "damaged record, and anything after it is gone");
  }
  // Index handles by our names (an existing DB may list them in any order).
  impl->handles = handles;
  for (size_t i = 0; i < descriptors.size(); ++i) {
    const auto& names = ColumnFamilyNames();
    auto it = std::find(names.begin(), names.end(), descriptors[i].name);
    if (it != names.end()) impl->cf[it - names.begin()] = handles[i];
  }

  std::string version;
  s = impl->db->Get(rocksdb::ReadOptions(), impl->cf[kMeta], "schema_version", &version);
  if (s.IsNotFound()) {
    if (is_db) return Status::Corruption(path + " is not a Doppel database (no schema version)");
    rocksdb::WriteBatch init;
    init.Put(impl->cf[kMeta], "schema_version", std::to_string(kSchemaVersion));
    init.Put(impl->cf[kMeta], "counters", EncodeCounters(Counters{}));
    rocksdb::WriteOptions wo;
    wo.sync = true;
    DOPPEL_RETURN_IF_ERROR(FromRocks(impl->db->Write(wo, &init), "cannot initialise " + path));
  } else if (!s.ok()) {
    return FromRocks(s, "cannot read the schema version");
  } else if (version == "3") {
    // Version 3 lacks only the contacts family: add it, then say so.
    if (impl->cf[kContacts] == nullptr) {
      rocksdb::ColumnFamilyHandle* h = nullptr;
      DOPPEL_RETURN_IF_ERROR(FromRocks(
          impl->db->CreateColumnFamily(rocksdb::ColumnFamilyOptions(db_options), "contacts", &h), "upgrade"));
      impl->handles.push_back(h);
      impl->cf[kContacts] = h;
    }
    rocksdb::WriteOptions wo;
    wo.sync = true;
    DOPPEL_RETURN_IF_ERROR(FromRocks(
        impl->db->Put(wo, impl->cf[kMeta], "schema_version", std::to_string(kSchemaVersion)), "upgrade"));
  } else if (version != std::to_string(kSchemaVersion)) {
    return Status::InvalidArgument(path + " has schema version " + version + "; this build reads version " +
                                   std::to_string(kSchemaVersion) + " only");
  }
  for (auto* h : impl->cf) {
    if (h == nullptr) return Status::Corruption(path + " is not a Doppel database (a column family is missing)");
  }
  {
    std::unique_ptr<rocksdb::Iterator> it(impl->db->NewIterator(rocksdb::ReadOptions(), impl->cf[kSuppression]));
    it->Seek(std::string(1, keys::kSuppressionTag));
    impl->has_suppressions = it->Valid() && it->key().starts_with(std::string(1, keys::kSuppressionTag));
    it->Seek(std::string(1, keys::kTombstoneTag));
    impl->has_tombstones = it->Valid() && it->key().starts_with(std::string(1, keys::kTombstoneTag));
  }
  // Encryption at rest: the data keys, and whether this database was sealed.
  std::string key_file = options.data_key_file;
  if (key_file.empty()) {
    const char* env = std::getenv("DOPPEL_DATA_KEY_FILE");
    if (env != nullptr) key_file = env;
  }
  if (!key_file.empty()) {
    DOPPEL_ASSIGN_OR_RETURN(impl->data_keys, LoadDataKeys(key_file));
    impl->current_key = impl->data_keys.rbegin()->first;
  }
  {
    std::string check;
    s = impl->db->Get(rocksdb::ReadOptions(), impl->cf[kMeta], "data_key_check", &check);
    impl->may_be_sealed = s.ok() || !impl->data_keys.empty();
    if (s.ok()) {
      // Sealed before: the keys must open the check value.
      auto plain = Unseal(*impl, check);
      if (!plain.ok()) return Status::InvalidArgument(path + ": " + plain.status().message());
      if (*plain != "doppel data key check") return Status::Corruption(path + ": the data key check is damaged");
    } else if (!s.IsNotFound()) {
      return FromRocks(s, "cannot read the data key check");
    }
    if (!impl->data_keys.empty() && (s.IsNotFound() || static_cast<uint8_t>(check[1]) != impl->current_key)) {
      rocksdb::WriteOptions wo;
      wo.sync = true;
      DOPPEL_RETURN_IF_ERROR(FromRocks(
          impl->db->Put(wo, impl->cf[kMeta], "data_key_check", Seal(*impl, "doppel data key check")), "seal"));
    }
  }
  // The key tombstone hashes are made with: random, made once per database.
  // With data keys it is kept sealed, so the files alone do not let anyone
  // test a guessed phone against the keyed hashes.
  std::string stored_key;
  s = impl->db->Get(rocksdb::ReadOptions(), impl->cf[kMeta], "tombstone_key", &stored_key);
  bool write_key = false;
  if (s.IsNotFound()) {
    impl->tombstone_key.resize(32);
    randombytes_buf(impl->tombstone_key.data(), impl->tombstone_key.size());
    write_key = true;
  } else if (!s.ok()) {
    return FromRocks(s, "cannot read the index key");
  } else {
    // 32 bytes is the plain key (sealed it is 74), whatever its first byte:
    // one key in 256 starts with the sealed-value mark.
    auto plain = stored_key.size() == 32 ? Result<std::string>(stored_key) : Unseal(*impl, stored_key);
    if (!plain.ok()) return Status::InvalidArgument(path + ": " + plain.status().message());
    impl->tombstone_key = std::move(*plain);
    if (impl->tombstone_key.size() != 32) return Status::Corruption(path + ": the index key is damaged");
    // Sealed from now on when keys arrived after it was written, and
    // resealed with the newest key after a rotation (so the older keys can
    // go once nothing else needs them).
    write_key = !impl->data_keys.empty() && (stored_key.size() == 32 || static_cast<uint8_t>(stored_key[1]) != impl->current_key);
  }
  if (write_key) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    DOPPEL_RETURN_IF_ERROR(
        FromRocks(impl->db->Put(wo, impl->cf[kMeta], "tombstone_key", Seal(*impl, impl->tombstone_key)), "initialise"));
  }
  DOPPEL_RETURN_IF_ERROR(KeyBlockIndex(*impl));
  std::string counters;
  DOPPEL_RETURN_IF_ERROR(FromRocks(impl->db->Get(rocksdb::ReadOptions(), impl->cf[kMeta], "counters", &counters),
                                   "cannot read the counters"));
  DOPPEL_ASSIGN_OR_RETURN(impl->counters, DecodeCounters(counters));
  std::unique_ptr<Store> store(new Store(std::move(impl)));
  DOPPEL_RETURN_IF_ERROR(store->RekeyFuzzyIndex());
  return store;
}

const std::string& Store::path() const { return impl_->path; }
const std::vector<std::string>& Store::warnings() const { return impl_->warnings; }

// ---- reads --------------------------------------------------------------------

Result<StoredRecord> Store::GetRecord(std::string_view id) const {
  const Impl& m = *impl_;
  rocksdb::ReadOptions ro;
  std::unique_ptr<const rocksdb::Snapshot, std::function<void(const rocksdb::Snapshot*)>> snap(
      m.db->GetSnapshot(), [db = m.db](const rocksdb::Snapshot* s) { db->ReleaseSnapshot(s); });
  ro.snapshot = snap.get();
  std::string rid_value, value, member;
  rocksdb::Status s = m.db->Get(ro, m.cf[kRecords], keys::RecordId(id), &rid_value);
  if (s.IsNotFound()) return Status::NotFound("no record '" + std::string(id) + "'");
  DOPPEL_RETURN_IF_ERROR(FromRocks(s, "get_record"));
  DOPPEL_ASSIGN_OR_RETURN(rid_value, Unseal(m, std::move(rid_value)));
  if (rid_value.size() != 8) return Status::Corruption("record index of '" + std::string(id) + "' is damaged");
  uint64_t rid = keys::GetU64(rid_value, 0);
  DOPPEL_RETURN_IF_ERROR(FromRocks(m.db->Get(ro, m.cf[kRecords], keys::Record(rid), &value), "get_record"));
  DOPPEL_ASSIGN_OR_RETURN(value, Unseal(m, std::move(value)));
  DOPPEL_ASSIGN_OR_RETURN(StoredRecord rec, DecodeRecord(value));
  if (m.db->Get(ro, m.cf[kMembership], keys::Member(rid), &member).ok() && member.size() == 8) {
    rec.entity = keys::GetU64(member, 0);
  }
  return rec;
}

Result<StoredRecord> ReadRecord(const Store::Impl& m, const rocksdb::ReadOptions& ro, uint64_t rid) {
  std::string raw;
  DOPPEL_RETURN_IF_ERROR(FromRocks(m.db->Get(ro, m.cf[kRecords], keys::Record(rid), &raw), "read a member"));
  DOPPEL_ASSIGN_OR_RETURN(raw, Unseal(m, std::move(raw)));
  return DecodeRecord(raw);
}

Result<EntityScanItem> ScanItemOf(const Store::Impl& m, const rocksdb::ReadOptions& ro, uint64_t id,
                                  EntityValue value) {
  EntityScanItem item;
  item.id = id;
  item.golden = std::move(value.golden);
  item.merged_from = std::move(value.merged_from);
  item.created_ms = value.created_ms;
  item.updated_ms = value.updated_ms;
  for (uint64_t rid : value.members) {
    DOPPEL_ASSIGN_OR_RETURN(StoredRecord rec, ReadRecord(m, ro, rid));
    rec.entity = id;
    item.members.push_back(std::move(rec));
  }
  return item;
}

Result<std::pair<uint64_t, EntityValue>> LiveEntity(const Store::Impl& m, const rocksdb::ReadOptions& ro,
                                                    uint64_t requested) {
  uint64_t id = requested;
  for (int hops = 0;; ++hops) {
    std::string raw;
    rocksdb::Status s = m.db->Get(ro, m.cf[kEntities], keys::Entity(id), &raw);
    if (s.IsNotFound()) return Status::NotFound("no entity " + std::to_string(requested));
    DOPPEL_RETURN_IF_ERROR(FromRocks(s, "get_entity"));
    DOPPEL_ASSIGN_OR_RETURN(raw, Unseal(m, std::move(raw)));
    DOPPEL_ASSIGN_OR_RETURN(EntityValue value, DecodeEntity(raw));
    if (value.merged_into == 0) return std::make_pair(id, std::move(value));
    if (hops > 64) return Status::Corruption("entity " + std::to_string(requested) + ": redirect loop");
    id = value.merged_into;
  }
}

Result<EntityScanItem> Store::GetEntityItem(uint64_t id) const {
  const Impl& m = *impl_;
  rocksdb::ReadOptions ro;
  std::unique_ptr<const rocksdb::Snapshot, std::function<void(const rocksdb::Snapshot*)>> snap(
      m.db->GetSnapshot(), [db = m.db](const rocksdb::Snapshot* s) { db->ReleaseSnapshot(s); });
  ro.snapshot = snap.get();
  DOPPEL_ASSIGN_OR_RETURN(auto live, LiveEntity(m, ro, id));
  return ScanItemOf(m, ro, live.first, std::move(live.second));
}

Result<EntityView> Store::GetEntity(uint64_t requested, size_t max_history) const {
  const Impl& m = *impl_;
  rocksdb::ReadOptions ro;
  std::unique_ptr<const rocksdb::Snapshot, std::function<void(const rocksdb::Snapshot*)>> snap(
      m.db->GetSnapshot(), [db = m.db](const rocksdb::Snapshot* s) { db->ReleaseSnapshot(s); });
  ro.snapshot = snap.get();
  EntityView view;
  view.requested = requested;
  DOPPEL_ASSIGN_OR_RETURN(auto live, LiveEntity(m, ro, requested));
  const uint64_t id = live.first;
  const EntityValue& value = live.second;
  view.id = id;
  view.golden = value.golden;
  view.merged_from = value.merged_from;
  view.created_ms = value.created_ms;
  view.updated_ms = value.updated_ms;

  for (uint64_t rid : value.members) {
    DOPPEL_ASSIGN_OR_RETURN(StoredRecord rec, ReadRecord(m, ro, rid));
    view.members.push_back(std::move(rec.id));
  }

  // History of this entity and of those merged into it, newest first.
  std::vector<uint64_t> seqs;
  std::unique_ptr<rocksdb::Iterator> h(m.db->NewIterator(ro, m.cf[kHistory]));
  std::vector<uint64_t> owners = value.merged_from;
  owners.push_back(id);
  for (uint64_t owner : owners) {
    std::string hp = keys::EntityHistoryPrefix(owner);
    for (h->Seek(hp); h->Valid() && h->key().starts_with(hp); h->Next()) {
      seqs.push_back(keys::GetU64(h->key().ToStringView(), hp.size()));
    }
  }
  std::sort(seqs.rbegin(), seqs.rend());
  seqs.erase(std::unique(seqs.begin(), seqs.end()), seqs.end());
  for (size_t i = 0; i < seqs.size() && i < max_history; ++i) {
    std::string raw;
    if (!m.db->Get(ro, m.cf[kHistory], keys::History(seqs[i]), &raw).ok()) continue;
    auto ev = DecodeEvent(raw);
    if (ev.ok()) view.history.push_back(std::move(*ev));
  }
  return view;
}

StoreStats Store::Stats() const {
  const Impl& m = *impl_;
  StoreStats st;
  {
    std::lock_guard<std::mutex> lock(m.counters_mu);
    st.records = m.counters.records;
    st.entities = m.counters.entities;
    st.events = m.counters.next_seq;
    st.record_versions = m.counters.versions;
    st.common_keys_skipped = m.counters.common_keys_skipped;
  }
  uint64_t v = 0;
  for (auto* h : m.handles) {
    if (m.db->GetIntProperty(h, "rocksdb.total-sst-files-size", &v)) st.sst_bytes += v;
    if (m.db->GetIntProperty(h, "rocksdb.estimate-live-data-size", &v)) st.live_data_bytes += v;
  }
  return st;
}

// ---- writes -------------------------------------------------------------------

// A posting list: the records that share one exact key, sorted, delta-coded.
// Once it holds more than max_block_records it is frozen as "too common".
struct PostingList {
  bool capped = false;
  std::vector<uint64_t> rids;
};

std::string EncodePostings(const PostingList& p) {
  codec::Writer w;
  w.U8(1);
  w.U8(p.capped ? 1 : 0);
  w.Varint(p.rids.size());
  uint64_t prev = 0;
  for (uint64_t r : p.rids) {
    w.Varint(r - prev);
    prev = r;
  }
  return std::move(w.str());
}

Result<PostingList> DecodePostings(std::string_view s) {
  codec::Reader r(s);
  PostingList p;
  if (r.U8() != 1) return Status::Corruption("posting list: unknown format");
  p.capped = r.U8() != 0;
  uint64_t n = r.Varint();
  if (n > s.size()) return Status::Corruption("posting list: damaged");
  uint64_t prev = 0;
  for (uint64_t i = 0; i < n && r.ok(); ++i) p.rids.push_back(prev += r.Varint());
  if (!r.ok() || !r.done()) return Status::Corruption("posting list: damaged");
  return p;
}

// Reads a key of a column family: through a write group's overlay, or
// straight from the database.
using Getter = std::function<Result<std::optional<std::string>>(int family, const std::string& key)>;

// A stored record a new one may match, scored.
struct Candidate {
  uint64_t rid = 0, entity = 0;
  std::string id;
  core::PairScore score;
  std::vector<core::Contribution> parts;
};

// The fuzzy blocking keys of a record (tags 64 + rule), for the posting lists.
void FuzzyKeys(const core::MatchRow& row, const kernels::KernelTable& k, std::vector<std::pair<uint8_t, uint64_t>>* out) {
  core::MatchTable one;
  one.Append(row);
  std::vector<uint64_t> keys;
  for (core::BlockingRule rule : core::DefaultBlockingRules()) {
    // A posting list caps at max_block_records, far above the few records
    // a date-alone block may hold: every record would meet dozens born the
    // same day.
    if (rule == core::BlockingRule::kBirthDateAlone) continue;
    core::BlockKeysOf(one, 0, rule, k, &keys);
    for (uint64_t key : keys) {
      std::pair<uint8_t, uint64_t> tagged{static_cast<uint8_t>(64 + static_cast<int>(rule)), key};
      if (std::find(out->begin(), out->end(), tagged) == out->end()) out->push_back(tagged);
    }
  }
}

// Scores `row` against stored records `rids`.
Result<std::vector<Candidate>> ScoreAgainst(const Getter& get, const core::FsModel& model, const core::MatchRow& row,
                                            const std::vector<uint64_t>& rids, const kernels::KernelTable& k,
                                            bool explain) {
  std::vector<Candidate> out;
  if (rids.empty()) return out;
  core::MatchTable t;
  t.Append(row);
  for (uint64_t rid : rids) {
    DOPPEL_ASSIGN_OR_RETURN(auto raw, get(kRecords, keys::Record(rid)));
    if (!raw) return Status::Corruption("record " + std::to_string(rid) + " is missing");
    DOPPEL_ASSIGN_OR_RETURN(StoredRecord rec, DecodeRecord(*raw));
    t.Append(rec.match);
    Candidate c;
    c.rid = rid;
    c.id = rec.id;
    out.push_back(std::move(c));
  }
  std::vector<std::pair<uint32_t, uint32_t>> pairs;
  for (uint32_t j = 1; j < t.size(); ++j) pairs.emplace_back(0, j);
  core::PairLevels levels;
  core::ComputeLevels(t, pairs, k, &levels);
  for (size_t j = 0; j < out.size(); ++j) {
    out[j].score = core::Score(model, levels, j, 0, static_cast<uint32_t>(j + 1), nullptr,
                               explain ? &out[j].parts : nullptr);
  }
  return out;
}

// The evidence of a merge: the linking record, the model that scored it, and
// for each entity it matched the best member with its weight per field.
std::string MergeDetail(const std::string& record, const std::vector<Candidate>& evidence, const core::FsModel* model) {
  core::JsonWriter j(false);
  j.BeginObject().Field("record", record);
  if (model != nullptr) {
    char fingerprint[20];
    std::snprintf(fingerprint, sizeof fingerprint, "%016llx",
                  static_cast<unsigned long long>(kernels::HashString(model->ToJson())));
    j.Field("model", std::string(fingerprint));
  }
  j.Key("matched").BeginArray();
  for (const auto& c : evidence) {
    j.BeginObject().Field("entity", c.entity).Field("record", c.id).Field("probability", c.score.probability);
    j.Field("weight", c.score.weight).Key("fields").BeginObject();
    for (const auto& part : c.parts) {
      j.Key(core::InfoOf(part.comparison).name).BeginObject();
      j.Field("level", core::LevelName(part.comparison, part.level)).Field("weight", part.weight).EndObject();
    }
    j.EndObject().EndObject();
  }
  j.EndArray().EndObject();
  return j.str();
}

struct Store::WriteGroup::Impl {
  Store::Impl* store;
  // What this group wrote, per column family: the value, or nullopt for a
  // deletion. Reads look here first, then in the database; Commit() turns it
  // into one WriteBatch. (A hash map, not a WriteBatchWithIndex: every read
  // here is a point lookup, and this is several times faster.)
  std::array<std::unordered_map<std::string, std::optional<std::string>>, kFamilyCount> overlay;
  Counters counters;  // the group's view; published on commit
  size_t staged = 0;
  bool done = false;
  std::map<uint64_t, std::vector<uint64_t>> merged_into;  // survivor -> absorbed, this request

  void Put(int family, std::string key, std::string value) { overlay[family][std::move(key)] = std::move(value); }
  void Delete(int family, std::string key) { overlay[family][std::move(key)] = std::nullopt; }

  Result<std::optional<std::string>> Get(int family, const std::string& key) {
    auto& o = overlay[family];
    if (auto it = o.find(key); it != o.end()) return it->second;
    std::string value;
    rocksdb::Status s = store->db->Get(rocksdb::ReadOptions(), store->cf[family], key, &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    DOPPEL_RETURN_IF_ERROR(FromRocks(s, "read"));
    if (Sealed(family)) {
      DOPPEL_ASSIGN_OR_RETURN(value, Unseal(*store, std::move(value)));
    }
    return std::optional<std::string>(std::move(value));
  }

  Result<uint64_t> EntityOf(uint64_t rid) {
    DOPPEL_ASSIGN_OR_RETURN(auto v, Get(kMembership, keys::Member(rid)));
    if (!v || v->size() != 8) return Status::Corruption("record " + std::to_string(rid) + " has no entity");
    return keys::GetU64(*v, 0);
  }

  // Copies `nr` into *out without the phones and emails on the suppression
  // list; false (and no copy) when it has none of them.
  Result<bool> WithoutSuppressed(const core::NormalizedRecord& nr, core::NormalizedRecord* out) {
    if (!store->has_suppressions.load(std::memory_order_relaxed)) return false;
    auto suppressed = [&](core::ContactKind kind, const std::string& value) -> Result<bool> {
      DOPPEL_ASSIGN_OR_RETURN(auto v, Get(kSuppression, SuppressionKey(*store, static_cast<char>(kind), value)));
      return v.has_value();
    };
    std::vector<size_t> phones, emails;
    for (size_t i = 0; i < nr.phones.size(); ++i) {
      if (!nr.phones[i].verdict.usable()) continue;
      DOPPEL_ASSIGN_OR_RETURN(bool s, suppressed(core::ContactKind::kPhone, nr.phones[i].e164));
      if (s) phones.push_back(i);
    }
    for (size_t i = 0; i < nr.emails.size(); ++i) {
      if (!nr.emails[i].verdict.usable()) continue;
      DOPPEL_ASSIGN_OR_RETURN(bool s, suppressed(core::ContactKind::kEmail, nr.emails[i].normalized));
      if (s) emails.push_back(i);
    }
    if (phones.empty() && emails.empty()) return false;
    *out = nr;
    for (size_t i : phones) out->phones[i].verdict = core::Verdict::Invalid(core::Reason::kPlaceholder);
    for (size_t i : emails) out->emails[i].verdict = core::Verdict::Invalid(core::Reason::kPlaceholder);
    return true;
  }

  // The entity an id leads to, following merge redirects.
  Result<uint64_t> Live(uint64_t id) {
    for (int hops = 0; hops < 64; ++hops) {
      DOPPEL_ASSIGN_OR_RETURN(auto v, LoadEntity(id));
      if (!v) return Status::NotFound("no entity " + std::to_string(id));
      if (v->merged_into == 0) return id;
      id = v->merged_into;
    }
    return Status::Corruption("entity " + std::to_string(id) + ": redirect loop");
  }

  Result<StoredRecord> LoadRecord(uint64_t rid) {
    DOPPEL_ASSIGN_OR_RETURN(auto v, Get(kRecords, keys::Record(rid)));
    if (!v) return Status::Corruption("record " + std::to_string(rid) + " is missing");
    return DecodeRecord(*v);
  }

  Result<std::optional<EntityValue>> LoadEntity(uint64_t eid) {
    DOPPEL_ASSIGN_OR_RETURN(auto v, Get(kEntities, keys::Entity(eid)));
    if (!v) return std::optional<EntityValue>();
    DOPPEL_ASSIGN_OR_RETURN(EntityValue e, DecodeEntity(*v));
    return std::optional<EntityValue>(std::move(e));
  }

  // An entity's members: as this request has them, else as stored.
  Result<std::vector<uint64_t>> MembersOf(uint64_t eid, const std::map<uint64_t, EntityValue>& touched) {
    if (auto it = touched.find(eid); it != touched.end()) return it->second.members;
    DOPPEL_ASSIGN_OR_RETURN(auto v, LoadEntity(eid));
    return v ? v->members : std::vector<uint64_t>{};
  }

  Result<PostingList> LoadPostings(uint8_t kind, uint64_t hash) {
    DOPPEL_ASSIGN_OR_RETURN(auto v, Get(kBlocks, BlockKey(*store, kind, hash)));
    if (!v) return PostingList{};
    return DecodePostings(*v);
  }

  // Takes `rid` off a posting list; a list left empty (and not capped) goes.
  Status Unpost(uint8_t kind, uint64_t hash, uint64_t rid) {
    DOPPEL_ASSIGN_OR_RETURN(PostingList p, LoadPostings(kind, hash));
    auto it = std::find(p.rids.begin(), p.rids.end(), rid);
    if (it == p.rids.end()) return Status::Ok();
    p.rids.erase(it);
    if (p.rids.empty() && !p.capped) Delete(kBlocks, BlockKey(*store, kind, hash));
    else Put(kBlocks, BlockKey(*store, kind, hash), EncodePostings(p));
    return Status::Ok();
  }

  void AddEvent(HistoryEvent ev) {
    ev.seq = ++counters.next_seq;
    for (uint64_t e : ev.entities) Put(kHistory, keys::EntityHistory(e, ev.seq), "");
    Put(kHistory, keys::History(ev.seq), EncodeEvent(ev));
  }

  // Moves every member of `from` into `to` and leaves a redirect behind.
  Status MergeEntity(uint64_t from, uint64_t to, EntityValue& survivor, const Actor& actor, const std::string& cause,
                     std::string detail = {}, const EntityValue* staged_from = nullptr) {
    EntityValue redirect;
    if (staged_from != nullptr) {
      redirect = *staged_from;
    } else {
      DOPPEL_ASSIGN_OR_RETURN(auto old, LoadEntity(from));
      if (old) redirect = std::move(*old);
    }
    std::vector<uint64_t> moved = redirect.members;
    for (uint64_t rid : redirect.members) {
      Put(kMembership, keys::Member(rid), EncodeU64(to));
      survivor.members.push_back(rid);
    }
    redirect.members.clear();
    redirect.merged_into = to;
    redirect.updated_ms = actor.time_ms;
    // The survivor remembers what it absorbed, and what those had absorbed.
    survivor.merged_from.push_back(from);
    survivor.merged_from.insert(survivor.merged_from.end(), redirect.merged_from.begin(), redirect.merged_from.end());
    Put(kEntities, keys::Entity(from), EncodeEntity(redirect));
    --counters.entities;
    HistoryEvent ev{0, actor.time_ms, "merge", actor.name, actor.source, {cause}, {to, from}};
    ev.detail = std::move(detail);
    ev.moved = std::move(moved);
    AddEvent(std::move(ev));
    return Status::Ok();
  }

  // Recomputes the golden record of an entity from its members.
  Status RefreshGolden(uint64_t eid, EntityValue& value, const Actor& actor) {
    std::vector<core::MemberSnapshot> members;
    members.reserve(value.members.size());
    for (uint64_t rid : value.members) {
      DOPPEL_ASSIGN_OR_RETURN(StoredRecord rec, LoadRecord(rid));
      members.push_back(std::move(rec.values));
    }
    value.golden = core::BuildGolden(members, store->options.survivorship);
    value.updated_ms = actor.time_ms;
    Put(kEntities, keys::Entity(eid), EncodeEntity(value));
    return Status::Ok();
  }

  static std::string EncodeU64(uint64_t v) {
    std::string s;
    keys::PutU64(s, v);
    return s;
  }
};

Store::WriteGroup::WriteGroup(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Store::WriteGroup::~WriteGroup() { impl_->store->group_open.store(false); }

size_t Store::WriteGroup::staged() const { return impl_->staged; }

std::unique_ptr<Store::WriteGroup> Store::BeginGroup() {
  bool expected = false;
  if (!impl_->group_open.compare_exchange_strong(expected, true)) return nullptr;
  auto g = std::make_unique<WriteGroup::Impl>();
  g->store = impl_.get();
  {
    std::lock_guard<std::mutex> lock(impl_->counters_mu);
    g->counters = impl_->counters;
  }
  return std::unique_ptr<WriteGroup>(new WriteGroup(std::move(g)));
}

Result<std::vector<IngestOutcome>> Store::WriteGroup::Ingest(const std::vector<RecordInput>& records,
                                                            const Actor& actor) {
  Impl& g = *impl_;
  if (g.done) return Status::Internal("ingest into a committed group");
  const StoreOptions& options = g.store->options;
  const kernels::KernelTable& kernels = kernels::GetKernels(kernels::ChooseBackend().backend);
  std::vector<IngestOutcome> outcomes;
  outcomes.reserve(records.size());
  // Entities this request touched, with their new state; written at the end.
  std::map<uint64_t, EntityValue> touched;
  auto entity_state = [&](uint64_t eid) -> Result<EntityValue*> {
    auto it = touched.find(eid);
    if (it != touched.end()) return &it->second;
    DOPPEL_ASSIGN_OR_RETURN(auto loaded, g.LoadEntity(eid));
    EntityValue v = loaded ? std::move(*loaded) : EntityValue{};
    if (!loaded) v.created_ms = actor.time_ms;
    return &touched.emplace(eid, std::move(v)).first->second;
  };
  std::vector<std::string> key_values;

  for (const RecordInput& in : records) {
    const core::NormalizedRecord& nr = in.normalized;
    IngestOutcome out;
    out.id = nr.id;
    if (g.store->has_tombstones.load(std::memory_order_relaxed)) {
      // A person erased on request is not taken back in silently.
      bool erased = false;
      for (const auto& [kind, value] : TombstoneValues(nr)) {
        DOPPEL_ASSIGN_OR_RETURN(auto t, g.Get(kSuppression, keys::Tombstone(TombstoneHash(g.store->tombstone_key, kind, value))));
        if (t) {
          erased = true;
          break;
        }
      }
      if (erased) {
        out.action = IngestAction::kRefused;
        outcomes.push_back(std::move(out));
        continue;
      }
    }

    StoredRecord rec;
    rec.id = nr.id;
    rec.source = actor.source;
    rec.fields = in.fields;
    rec.values = core::MemberSnapshot::From(nr, actor.time_ms);
    // Without a source column, the request's source ranks the record.
    if (rec.values.source.empty()) rec.values.source = core::Fold(actor.source);
    // Suppressed phones and emails are never evidence that two records are
    // one client: matching sees the record without them.
    core::NormalizedRecord evidence_copy;
    DOPPEL_ASSIGN_OR_RETURN(bool filtered, g.WithoutSuppressed(nr, &evidence_copy));
    const core::NormalizedRecord& matched = filtered ? evidence_copy : nr;
    rec.match = core::MatchRow::From(matched);
    const bool fuzzy = options.model != nullptr;
    if (fuzzy) FuzzyKeys(rec.match, kernels, &rec.block_keys);
    for (core::ExactKey kind : fuzzy ? std::vector<core::ExactKey>{} : options.keys) {
      core::ExactKeysOf(matched, kind, &key_values);
      for (const auto& k : key_values) {
        auto kind_tag = static_cast<uint8_t>(kind);
        std::pair<uint8_t, uint64_t> key{kind_tag, kernels::HashString(k, /*seed=*/kind_tag)};
        if (std::find(rec.block_keys.begin(), rec.block_keys.end(), key) == rec.block_keys.end()) {
          rec.block_keys.push_back(key);
        }
      }
    }

    DOPPEL_ASSIGN_OR_RETURN(auto existing, g.Get(kRecords, keys::RecordId(nr.id)));
    uint64_t previous_entity = 0;
    if (existing) {
      if (existing->size() != 8) return Status::Corruption("record index of '" + nr.id + "' is damaged");
      rec.rid = keys::GetU64(*existing, 0);
      DOPPEL_ASSIGN_OR_RETURN(StoredRecord old, g.LoadRecord(rec.rid));
      DOPPEL_ASSIGN_OR_RETURN(previous_entity, g.EntityOf(rec.rid));
      if (old.fields == rec.fields) {
        out.entity = previous_entity;
        out.action = IngestAction::kUnchanged;
        outcomes.push_back(std::move(out));
        continue;
      }
      rec.version = old.version + 1;
      g.Put(kRecords, keys::RecordVersion(rec.rid, old.version), EncodeRecord(old));
      ++g.counters.versions;
      // Keys the new version no longer has stop pointing at it.
      for (const auto& [kind, hash] : old.block_keys) {
        if (std::find(rec.block_keys.begin(), rec.block_keys.end(), std::make_pair(kind, hash)) !=
            rec.block_keys.end()) {
          continue;
        }
        DOPPEL_ASSIGN_OR_RETURN(PostingList p, g.LoadPostings(kind, hash));
        auto it = std::find(p.rids.begin(), p.rids.end(), rec.rid);
        if (it == p.rids.end()) continue;
        p.rids.erase(it);
        g.Put(kBlocks, BlockKey(*g.store, kind, hash), EncodePostings(p));
      }
    } else {
      rec.rid = ++g.counters.next_rid;
      rec.version = 1;
      ++g.counters.records;
      g.Put(kRecords, keys::RecordId(nr.id), Impl::EncodeU64(rec.rid));
    }

    // Entities that share a key with this record (exact mode) or records
    // that do (fuzzy mode, scored below); the record joins each list.
    std::set<uint64_t> linked;
    std::vector<uint64_t> candidates;
    if (previous_entity != 0) linked.insert(previous_entity);
    if (in.attach_to != 0) {
      DOPPEL_ASSIGN_OR_RETURN(uint64_t target, g.Live(in.attach_to));
      linked.insert(target);
    }
    for (const auto& [kind, hash] : rec.block_keys) {
      DOPPEL_ASSIGN_OR_RETURN(PostingList p, g.LoadPostings(kind, hash));
      if (p.capped) {
        ++g.counters.common_keys_skipped;
        continue;
      }
      bool present = std::binary_search(p.rids.begin(), p.rids.end(), rec.rid);
      if (p.rids.size() - (present ? 1 : 0) > options.max_block_records) {
        // Shared by more records than any person has: a placeholder or an
        // office number. It joins nothing from now on and stops growing.
        p.capped = true;
        ++g.counters.common_keys_skipped;
        g.Put(kBlocks, BlockKey(*g.store, kind, hash), EncodePostings(p));
        continue;
      }
      for (uint64_t other : p.rids) {
        if (other == rec.rid) continue;
        if (fuzzy) {
          candidates.push_back(other);
          continue;
        }
        DOPPEL_ASSIGN_OR_RETURN(uint64_t e, g.EntityOf(other));
        linked.insert(e);
      }
      if (!present) {
        p.rids.insert(std::upper_bound(p.rids.begin(), p.rids.end(), rec.rid), rec.rid);
        g.Put(kBlocks, BlockKey(*g.store, kind, hash), EncodePostings(p));
      }
    }

    std::vector<Candidate> evidence;
    if (fuzzy && !candidates.empty()) {
      std::sort(candidates.begin(), candidates.end());
      candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
      if (candidates.size() > kMaxCandidates) candidates.resize(kMaxCandidates);
      Getter get = [&](int f, const std::string& key) { return g.Get(f, key); };
      DOPPEL_ASSIGN_OR_RETURN(std::vector<Candidate> scored,
                              ScoreAgainst(get, *options.model, rec.match, candidates, kernels, /*explain=*/true));
      // The best match per entity.
      std::map<uint64_t, Candidate> best;
      for (auto& c : scored) {
        if (c.score.probability < options.threshold) continue;
        DOPPEL_ASSIGN_OR_RETURN(c.entity, g.EntityOf(c.rid));
        auto it = best.find(c.entity);
        if (it == best.end() || c.score.weight > it->second.score.weight) best[c.entity] = c;
      }
      // A record joins an entity only if it matches its members well on
      // average, not just one of them (no chains through a single bridge).
      for (auto& [eid, c] : best) {
        DOPPEL_ASSIGN_OR_RETURN(std::vector<uint64_t> members, g.MembersOf(eid, touched));
        if (members.size() > 1) {
          if (members.size() > 20) members.resize(20);
          DOPPEL_ASSIGN_OR_RETURN(std::vector<Candidate> all,
                                  ScoreAgainst(get, *options.model, rec.match, members, kernels, false));
          double sum = 0;
          for (const auto& m : all) sum += m.score.probability;
          if (sum / all.size() < options.link_threshold) continue;
        }
        linked.insert(eid);
        evidence.push_back(c);
      }
    }

    uint64_t entity;
    if (linked.empty()) {
      entity = ++g.counters.next_eid;
      ++g.counters.entities;
      out.action = IngestAction::kNew;
    } else {
      entity = *linked.begin();  // the oldest survives
      out.action = existing ? IngestAction::kUpdated : IngestAction::kJoined;
    }
    DOPPEL_ASSIGN_OR_RETURN(EntityValue * survivor, entity_state(entity));
    for (uint64_t other : linked) {
      if (other == entity) continue;
      // An entity this request touched has its current members here, not
      // yet in the store.
      auto staged = touched.find(other);
      DOPPEL_RETURN_IF_ERROR(g.MergeEntity(other, entity, *survivor, actor, nr.id,
                                           MergeDetail(nr.id, evidence, options.model.get()),
                                           staged == touched.end() ? nullptr : &staged->second));
      touched.erase(other);
      out.merged.push_back(other);
      out.action = IngestAction::kMerged;
    }
    if (previous_entity == 0) survivor->members.push_back(rec.rid);
    out.entity = entity;

    g.Put(kRecords, keys::Record(rec.rid), EncodeRecord(rec));
    g.Put(kMembership, keys::Member(rec.rid), Impl::EncodeU64(entity));
    g.AddEvent({0, actor.time_ms, existing ? "update" : "ingest", actor.name, actor.source, {nr.id}, {entity}});
    ++g.staged;
    outcomes.push_back(std::move(out));
  }
  for (auto& [eid, value] : touched) {
    std::sort(value.members.begin(), value.members.end());
    value.members.erase(std::unique(value.members.begin(), value.members.end()), value.members.end());
    DOPPEL_RETURN_IF_ERROR(g.RefreshGolden(eid, value, actor));
  }
  return outcomes;
}

Result<uint64_t> Store::WriteGroup::Merge(uint64_t a, uint64_t b, const Actor& actor) {
  Impl& g = *impl_;
  if (g.done) return Status::Internal("merge into a committed group");
  // Follow redirects: merging an id that was merged already means its survivor.
  DOPPEL_ASSIGN_OR_RETURN(uint64_t x, g.Live(a));
  DOPPEL_ASSIGN_OR_RETURN(uint64_t y, g.Live(b));
  if (x == y) return x;
  uint64_t survivor_id = std::min(x, y), other = std::max(x, y);
  DOPPEL_ASSIGN_OR_RETURN(auto survivor, g.LoadEntity(survivor_id));
  core::JsonWriter detail(false);
  detail.BeginObject().Field("manual", true).Field("reason", actor.source).EndObject();
  DOPPEL_RETURN_IF_ERROR(g.MergeEntity(other, survivor_id, *survivor, actor, "", detail.str()));
  std::sort(survivor->members.begin(), survivor->members.end());
  DOPPEL_RETURN_IF_ERROR(g.RefreshGolden(survivor_id, *survivor, actor));
  ++g.staged;
  return survivor_id;
}

Result<uint64_t> Store::WriteGroup::Unmerge(uint64_t entity, const Actor& actor) {
  Impl& g = *impl_;
  if (g.done) return Status::Internal("unmerge in a committed group");
  DOPPEL_ASSIGN_OR_RETURN(auto value, g.LoadEntity(entity));
  if (!value) return Status::NotFound("no entity " + std::to_string(entity));
  if (value->merged_into == 0) {
    return Status::InvalidArgument("entity " + std::to_string(entity) + " was not merged into another");
  }
  const uint64_t survivor_id = value->merged_into;
  // The merge event that absorbed this entity: the latest one naming both.
  std::vector<uint64_t> seqs;
  {
    rocksdb::ReadOptions ro;
    std::unique_ptr<rocksdb::Iterator> it(g.store->db->NewIterator(ro, g.store->cf[kHistory]));
    std::string prefix = keys::EntityHistoryPrefix(entity);
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      seqs.push_back(keys::GetU64(it->key().ToStringView(), prefix.size()));
    }
  }
  std::optional<HistoryEvent> merge;
  for (auto it = seqs.rbegin(); it != seqs.rend() && !merge; ++it) {
    DOPPEL_ASSIGN_OR_RETURN(auto raw, g.Get(kHistory, keys::History(*it)));
    if (!raw) continue;
    DOPPEL_ASSIGN_OR_RETURN(HistoryEvent ev, DecodeEvent(*raw));
    if (ev.op == "merge" && ev.entities.size() == 2 && ev.entities[0] == survivor_id && ev.entities[1] == entity) {
      merge = std::move(ev);
    }
  }
  if (!merge) return Status::NotFound("no merge of entity " + std::to_string(entity) + " in the history");
  DOPPEL_ASSIGN_OR_RETURN(auto survivor, g.LoadEntity(survivor_id));
  if (!survivor || survivor->merged_into != 0) {
    return Status::InvalidArgument("entity " + std::to_string(survivor_id) +
                                   " was merged again since; unmerge that first");
  }
  // Move back the records the merge brought that are still in the survivor.
  std::vector<uint64_t> back;
  for (uint64_t rid : merge->moved) {
    DOPPEL_ASSIGN_OR_RETURN(uint64_t now, g.EntityOf(rid));
    if (now == survivor_id) back.push_back(rid);
  }
  std::sort(back.begin(), back.end());
  for (uint64_t rid : back) g.Put(kMembership, keys::Member(rid), Impl::EncodeU64(entity));
  std::vector<uint64_t> keep;
  for (uint64_t rid : survivor->members) {
    if (!std::binary_search(back.begin(), back.end(), rid)) keep.push_back(rid);
  }
  survivor->members = std::move(keep);
  // The entity takes back what it had absorbed before (their redirects still
  // lead to it): the survivor no longer owns them, so erasing the survivor
  // later leaves them alone.
  survivor->merged_from.erase(std::remove_if(survivor->merged_from.begin(), survivor->merged_from.end(),
                                             [&](uint64_t id) {
                                               return id == entity ||
                                                      std::find(value->merged_from.begin(), value->merged_from.end(),
                                                                id) != value->merged_from.end();
                                             }),
                              survivor->merged_from.end());
  value->merged_into = 0;
  value->members = back;
  ++g.counters.entities;
  DOPPEL_RETURN_IF_ERROR(g.RefreshGolden(survivor_id, *survivor, actor));
  DOPPEL_RETURN_IF_ERROR(g.RefreshGolden(entity, *value, actor));
  core::JsonWriter detail(false);
  detail.BeginObject().Field("undoes_event", merge->seq).Field("records_moved_back", static_cast<uint64_t>(back.size()));
  detail.EndObject();
  HistoryEvent ev{0, actor.time_ms, "unmerge", actor.name, actor.source, {}, {survivor_id, entity}};
  ev.detail = detail.str();
  ev.moved = back;
  g.AddEvent(std::move(ev));
  ++g.staged;
  return survivor_id;
}

Result<std::vector<Store::Resolution>> Store::Resolve(const std::vector<RecordInput>& records, bool explain) const {
  const Impl& m = *impl_;
  rocksdb::ReadOptions ro;
  std::unique_ptr<const rocksdb::Snapshot, std::function<void(const rocksdb::Snapshot*)>> snap(
      m.db->GetSnapshot(), [db = m.db](const rocksdb::Snapshot* s) { db->ReleaseSnapshot(s); });
  ro.snapshot = snap.get();
  Getter get = [&](int family, const std::string& key) -> Result<std::optional<std::string>> {
    std::string value;
    rocksdb::Status s = m.db->Get(ro, m.cf[family], key, &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    DOPPEL_RETURN_IF_ERROR(FromRocks(s, "resolve"));
    if (Sealed(family)) {
      DOPPEL_ASSIGN_OR_RETURN(value, Unseal(m, std::move(value)));
    }
    return std::optional<std::string>(std::move(value));
  };
  const kernels::KernelTable& k = kernels::GetKernels(kernels::ChooseBackend().backend);
  std::vector<Resolution> out;
  for (const RecordInput& in : records) {
    Resolution res;
    core::MatchRow row = core::MatchRow::From(in.normalized);
    std::vector<std::pair<uint8_t, uint64_t>> block_keys;
    std::vector<std::string> values;
    if (m.options.model) {
      FuzzyKeys(row, k, &block_keys);
    } else {
      for (core::ExactKey kind : m.options.keys) {
        core::ExactKeysOf(in.normalized, kind, &values);
        for (const auto& v : values) {
          auto tag = static_cast<uint8_t>(kind);
          block_keys.emplace_back(tag, kernels::HashString(v, tag));
        }
      }
    }
    std::vector<uint64_t> rids;
    for (const auto& [kind, hash] : block_keys) {
      DOPPEL_ASSIGN_OR_RETURN(auto raw, get(kBlocks, BlockKey(m, kind, hash)));
      if (!raw) continue;
      DOPPEL_ASSIGN_OR_RETURN(PostingList p, DecodePostings(*raw));
      if (!p.capped) rids.insert(rids.end(), p.rids.begin(), p.rids.end());
    }
    std::sort(rids.begin(), rids.end());
    rids.erase(std::unique(rids.begin(), rids.end()), rids.end());
    if (rids.size() > kMaxCandidates) rids.resize(kMaxCandidates);
    if (m.options.model) {
      DOPPEL_ASSIGN_OR_RETURN(std::vector<Candidate> scored, ScoreAgainst(get, *m.options.model, row, rids, k, explain));
      const Candidate* best = nullptr;
      for (const auto& c : scored) {
        if (best == nullptr || c.score.weight > best->score.weight) best = &c;
      }
      if (best != nullptr) {
        res.probability = best->score.probability;
        res.matched_record = best->id;
        res.explanation = best->parts;
        if (best->score.probability >= m.options.threshold) {
          DOPPEL_ASSIGN_OR_RETURN(auto member, get(kMembership, keys::Member(best->rid)));
          if (member && member->size() == 8) res.entity = keys::GetU64(*member, 0);
        }
      }
    } else if (!rids.empty()) {
      DOPPEL_ASSIGN_OR_RETURN(auto member, get(kMembership, keys::Member(rids.front())));
      DOPPEL_ASSIGN_OR_RETURN(auto raw, get(kRecords, keys::Record(rids.front())));
      if (member && member->size() == 8) res.entity = keys::GetU64(*member, 0);
      if (raw) {
        DOPPEL_ASSIGN_OR_RETURN(StoredRecord rec, DecodeRecord(*raw));
        res.matched_record = rec.id;
      }
      res.probability = 1.0;
    }
    out.push_back(std::move(res));
  }
  return out;
}

const core::FsModel* Store::model() const { return impl_->options.model.get(); }

Result<std::pair<core::PairScore, std::vector<core::Contribution>>> Store::Explain(std::string_view id_a,
                                                                                 std::string_view id_b) const {
  if (!impl_->options.model) return Status::InvalidArgument("no match model loaded (start doppeld with --model)");
  DOPPEL_ASSIGN_OR_RETURN(StoredRecord a, GetRecord(id_a));
  DOPPEL_ASSIGN_OR_RETURN(StoredRecord b, GetRecord(id_b));
  core::MatchTable t;
  t.Append(a.match);
  t.Append(b.match);
  std::pair<uint32_t, uint32_t> pair{0, 1};
  core::PairLevels levels;
  core::ComputeLevels(t, std::span(&pair, 1), kernels::GetKernels(kernels::ChooseBackend().backend), &levels);
  std::vector<core::Contribution> parts;
  core::PairScore score = core::Score(*impl_->options.model, levels, 0, 0, 1, nullptr, &parts);
  return std::make_pair(score, std::move(parts));
}

// ---- erasure --------------------------------------------------------------------

Result<Store::WriteGroup::Erasure> Store::WriteGroup::Erase(uint64_t entity, const Actor& actor) {
  Impl& g = *impl_;
  if (g.done) return Status::Internal("erase in a committed group");
  DOPPEL_ASSIGN_OR_RETURN(uint64_t eid, g.Live(entity));
  DOPPEL_ASSIGN_OR_RETURN(auto value, g.LoadEntity(eid));
  if (!value) return Status::NotFound("no entity " + std::to_string(entity));
  Erasure out;
  out.entity = eid;
  std::vector<uint64_t> owners = value->merged_from;
  owners.push_back(eid);
  std::set<std::pair<char, std::string>> values;
  uint64_t versions = 0;
  for (uint64_t rid : value->members) {
    DOPPEL_ASSIGN_OR_RETURN(StoredRecord rec, g.LoadRecord(rid));
    out.records.push_back(rec.id);
    for (auto& v : TombstoneValues(rec.values)) values.insert(std::move(v));
    for (uint32_t v = 1; v < rec.version; ++v) {
      DOPPEL_ASSIGN_OR_RETURN(auto old, g.Get(kRecords, keys::RecordVersion(rid, v)));
      if (old) {
        DOPPEL_ASSIGN_OR_RETURN(StoredRecord o, DecodeRecord(*old));
        for (auto& tv : TombstoneValues(o.values)) values.insert(std::move(tv));
      }
      g.Delete(kRecords, keys::RecordVersion(rid, v));
      ++versions;
    }
    g.Delete(kRecords, keys::Record(rid));
    g.Delete(kRecords, keys::RecordId(rec.id));
    g.Delete(kMembership, keys::Member(rid));
    for (const auto& [kind, hash] : rec.block_keys) DOPPEL_RETURN_IF_ERROR(g.Unpost(kind, hash, rid));
  }
  // The entity, the redirects of what merged into it, and their history.
  rocksdb::ReadOptions ro;
  std::unique_ptr<rocksdb::Iterator> it(g.store->db->NewIterator(ro, g.store->cf[kHistory]));
  for (uint64_t o : owners) {
    g.Delete(kEntities, keys::Entity(o));
    g.Delete(kContacts, keys::Survey(o));
    std::string prefix = keys::EntityHistoryPrefix(o);
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      uint64_t seq = keys::GetU64(it->key().ToStringView(), prefix.size());
      g.Delete(kHistory, it->key().ToString());
      g.Delete(kHistory, keys::History(seq));
      ++out.events_removed;
    }
  }
  // What calls taught about its contacts, and its lines of the outcome log.
  std::unique_ptr<rocksdb::Iterator> c(g.store->db->NewIterator(ro, g.store->cf[kContacts]));
  const std::string outcome_prefix(1, keys::kOutcomeTag);
  for (c->Seek(outcome_prefix); c->Valid() && c->key().starts_with(outcome_prefix); c->Next()) {
    auto plain = Unseal(*g.store, c->value().ToString());
    if (!plain.ok()) return plain.status();
    auto ev = DecodeOutcome(*plain);
    if (ev.ok() && std::find(owners.begin(), owners.end(), ev->entity) != owners.end()) {
      g.Delete(kContacts, c->key().ToString());
    }
  }
  // Tombstones instead of the values.
  std::string day = std::to_string(actor.time_ms / 86400000);
  for (const auto& [kind, v] : values) {
    if (kind == 'P' || kind == 'E') {
      g.Delete(kContacts, ContactStateKey(*g.store, kind, v));
      g.Delete(kSuppression, SuppressionKey(*g.store, kind, v));
    }
    g.Put(kSuppression, keys::Tombstone(TombstoneHash(g.store->tombstone_key, kind, v)), day);
    ++out.tombstones;
  }
  g.store->has_tombstones.store(true);
  g.counters.records -= std::min<uint64_t>(g.counters.records, value->members.size());
  g.counters.versions -= std::min<uint64_t>(g.counters.versions, versions);
  g.counters.entities -= std::min<uint64_t>(g.counters.entities, 1);
  HistoryEvent ev{0, actor.time_ms, "erase", actor.name, actor.source, {}, {}};
  core::JsonWriter detail(false);
  detail.BeginObject().Field("records", static_cast<uint64_t>(out.records.size()));
  detail.Field("tombstones", static_cast<uint64_t>(out.tombstones)).EndObject();
  ev.detail = detail.str();
  g.AddEvent(std::move(ev));
  ++g.staged;
  return out;
}

// ---- the actualization loop: writes ---------------------------------------------

Result<uint64_t> Store::WriteGroup::LiveEntity(uint64_t id) { return impl_->Live(id); }

Status Store::WriteGroup::Suppress(const core::Suppression& s, const Actor& actor) {
  Impl& g = *impl_;
  if (g.done) return Status::Internal("suppress in a committed group");
  if (s.value.empty()) return Status::InvalidArgument("suppress: empty value");
  g.Put(kSuppression, SuppressionKey(*g.store, static_cast<char>(s.kind), s.value), EncodeSuppression(s));
  g.store->has_suppressions.store(true);
  core::JsonWriter detail(false);
  detail.BeginObject().Field("kind", core::ContactKindName(s.kind)).Field("reason", core::SuppressReasonName(s.reason));
  detail.EndObject();
  HistoryEvent ev{0, actor.time_ms, "suppress", actor.name, actor.source, {}, {}};
  ev.detail = detail.str();
  g.AddEvent(std::move(ev));
  ++g.staged;
  return Status::Ok();
}

Result<bool> Store::WriteGroup::Unsuppress(core::ContactKind kind, std::string_view value, const Actor& actor) {
  Impl& g = *impl_;
  if (g.done) return Status::Internal("unsuppress in a committed group");
  std::string key = SuppressionKey(*g.store, static_cast<char>(kind), value);
  DOPPEL_ASSIGN_OR_RETURN(auto old, g.Get(kSuppression, key));
  if (!old) return false;
  g.Delete(kSuppression, key);
  core::JsonWriter detail(false);
  detail.BeginObject().Field("kind", core::ContactKindName(kind)).EndObject();
  HistoryEvent ev{0, actor.time_ms, "unsuppress", actor.name, actor.source, {}, {}};
  ev.detail = detail.str();
  g.AddEvent(std::move(ev));
  ++g.staged;
  return true;
}

Result<std::optional<core::ContactState>> Store::WriteGroup::GetContactState(core::ContactKind kind,
                                                                            std::string_view value) {
  DOPPEL_ASSIGN_OR_RETURN(auto raw, impl_->Get(kContacts, ContactStateKey(*impl_->store, static_cast<char>(kind), value)));
  if (!raw) return std::optional<core::ContactState>();
  DOPPEL_ASSIGN_OR_RETURN(auto stored, DecodeStoredContact(*raw));
  return std::optional<core::ContactState>(std::move(stored.second));
}

Status Store::WriteGroup::PutContactState(core::ContactKind kind, std::string_view value,
                                          const core::ContactState& state) {
  if (impl_->done) return Status::Internal("write in a committed group");
  impl_->Put(kContacts, ContactStateKey(*impl_->store, static_cast<char>(kind), value),
             EncodeStoredContact(value, state));
  return Status::Ok();
}

Status Store::WriteGroup::PutSurvey(uint64_t entity, const core::SurveyAnswers& answers) {
  if (impl_->done) return Status::Internal("write in a committed group");
  impl_->Put(kContacts, keys::Survey(entity), EncodeSurvey(answers));
  return Status::Ok();
}

Status Store::WriteGroup::Assign(std::string_view client, const std::vector<uint64_t>& entities, int64_t time_ms) {
  if (impl_->done) return Status::Internal("write in a committed group");
  for (uint64_t e : entities) impl_->Put(kContacts, keys::Assignment(client, e), std::to_string(time_ms));
  ++impl_->staged;
  return Status::Ok();
}

Result<uint64_t> Store::WriteGroup::AppendOutcome(OutcomeEvent ev, const Actor& actor) {
  Impl& g = *impl_;
  if (g.done) return Status::Internal("write in a committed group");
  HistoryEvent h{0, actor.time_ms, "outcome", actor.name, actor.source, {}, {ev.entity}};
  core::JsonWriter detail(false);
  detail.BeginObject()
      .Field("outcome", core::OutcomeName(ev.outcome))
      .Field("kind", core::ContactKindName(ev.kind))
      .Field("date", static_cast<int64_t>(ev.date))
      .Field("operator", ev.operator_id)
      .EndObject();
  h.detail = detail.str();
  g.AddEvent(std::move(h));
  ev.seq = g.counters.next_seq;  // the history event's number: unique and ordered
  ev.applied_ms = actor.time_ms;
  g.Put(kContacts, keys::Outcome(ev.seq), EncodeOutcome(ev));
  ++g.staged;
  return ev.seq;
}

Status Store::WriteGroup::Commit() {
  Impl& g = *impl_;
  if (g.done) return Status::Internal("group committed twice");
  g.done = true;
  if (std::all_of(g.overlay.begin(), g.overlay.end(), [](const auto& o) { return o.empty(); })) return Status::Ok();
  rocksdb::WriteBatch batch;
  for (int f = 0; f < kFamilyCount; ++f) {
    for (auto& [key, value] : g.overlay[f]) {
      if (value) batch.Put(g.store->cf[f], key, Sealed(f) ? Seal(*g.store, *value) : *value);
      else batch.Delete(g.store->cf[f], key);
    }
  }
  batch.Put(g.store->cf[kMeta], "counters", EncodeCounters(g.counters));
  DOPPEL_RETURN_IF_ERROR(CheckDiskSpace(*g.store));
  rocksdb::WriteOptions wo;
  wo.sync = g.store->options.sync;
  rocksdb::Status s = g.store->db->Write(wo, &batch);
  if (!s.ok()) return FromRocks(s, "commit");
  std::lock_guard<std::mutex> lock(g.store->counters_mu);
  g.store->counters = g.counters;
  return Status::Ok();
}

// ---- re-keying the fuzzy index ---------------------------------------------

namespace {

constexpr char kFuzzyKeysVersionKey[] = "fuzzy_keys_version";

// Fuzzy blocking keys are tagged 64 + rule (FuzzyKeys); exact ones below 64.
bool IsFuzzyTag(uint8_t kind) { return kind >= 64 && kind < 0x80; }

}  // namespace

Status Store::RekeyFuzzyIndex() {
  Impl& m = *impl_;
  const std::string current = std::to_string(kFuzzyKeysVersion);
  std::string stored;
  rocksdb::Status s = m.db->Get(rocksdb::ReadOptions(), m.cf[kMeta], kFuzzyKeysVersionKey, &stored);
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "cannot read the fuzzy keys version");
  if (s.ok() && stored == current) return Status::Ok();
  auto newer = [](const std::string& v) {  // or not a version at all
    const bool number = !v.empty() && v.size() <= 9 && std::all_of(v.begin(), v.end(), [](char c) {
      return c >= '0' && c <= '9';
    });
    return !number || std::stoul(v) > kFuzzyKeysVersion;
  };
  if (s.ok() && newer(stored)) {
    return Status::InvalidArgument(m.path + " has fuzzy keys of version " + stored + "; this build makes version " +
                                   current + " and cannot read newer ones");
  }
  const kernels::KernelTable& k = kernels::GetKernels(kernels::ChooseBackend().backend);
  size_t rekeyed = 0;
  // Re-keys the records `rids` in one group: old keys out of their posting
  // lists, new ones in (capped as ingest caps them), the record rewritten.
  auto rekey = [&](const std::vector<uint64_t>& rids) -> Status {
    std::unique_ptr<WriteGroup> group = BeginGroup();
    if (group == nullptr) return Status::Internal("re-keying: a write group is already open");
    WriteGroup::Impl& g = *group->impl_;
    for (uint64_t rid : rids) {
      DOPPEL_ASSIGN_OR_RETURN(StoredRecord rec, g.LoadRecord(rid));
      std::vector<std::pair<uint8_t, uint64_t>> old, fresh, kept;
      for (const auto& key : rec.block_keys) (IsFuzzyTag(key.first) ? old : kept).push_back(key);
      if (old.empty()) continue;  // matched by exact keys only
      FuzzyKeys(rec.match, k, &fresh);
      auto sorted = [](std::vector<std::pair<uint8_t, uint64_t>> v) {
        std::sort(v.begin(), v.end());
        return v;
      };
      const auto old_sorted = sorted(old), fresh_sorted = sorted(fresh);
      if (old_sorted == fresh_sorted) continue;
      for (const auto& [kind, hash] : old) {
        if (std::binary_search(fresh_sorted.begin(), fresh_sorted.end(), std::make_pair(kind, hash))) continue;
        DOPPEL_RETURN_IF_ERROR(g.Unpost(kind, hash, rid));
      }
      for (const auto& [kind, hash] : fresh) {
        if (std::binary_search(old_sorted.begin(), old_sorted.end(), std::make_pair(kind, hash))) continue;
        DOPPEL_ASSIGN_OR_RETURN(PostingList p, g.LoadPostings(kind, hash));
        if (p.capped || std::binary_search(p.rids.begin(), p.rids.end(), rid)) continue;
        if (p.rids.size() > m.options.max_block_records) p.capped = true;
        else p.rids.insert(std::upper_bound(p.rids.begin(), p.rids.end(), rid), rid);
        g.Put(kBlocks, BlockKey(*g.store, kind, hash), EncodePostings(p));
      }
      kept.insert(kept.end(), fresh.begin(), fresh.end());
      rec.block_keys = std::move(kept);
      g.Put(kRecords, keys::Record(rid), EncodeRecord(rec));
      ++rekeyed;
    }
    return group->Commit();
  };
  std::unique_ptr<rocksdb::Iterator> it(m.db->NewIterator(rocksdb::ReadOptions(), m.cf[kRecords]));
  std::vector<uint64_t> rids;
  for (it->Seek("R"); it->Valid(); it->Next()) {
    const std::string_view key = it->key().ToStringView();
    if (key.empty() || key[0] != 'R') break;
    if (key.size() != 9) continue;
    rids.push_back(keys::GetU64(key, 1));
    if (rids.size() == 1000) {
      DOPPEL_RETURN_IF_ERROR(rekey(rids));
      rids.clear();
    }
  }
  DOPPEL_RETURN_IF_ERROR(FromRocks(it->status(), "re-key the fuzzy index"));
  if (!rids.empty()) DOPPEL_RETURN_IF_ERROR(rekey(rids));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  DOPPEL_RETURN_IF_ERROR(FromRocks(m.db->Put(wo, m.cf[kMeta], kFuzzyKeysVersionKey, current), "re-key the fuzzy index"));
  if (rekeyed > 0) {
    m.warnings.push_back("re-keyed the fuzzy blocking index of " + std::to_string(rekeyed) +
                         " records for this version's MinHash (fuzzy keys version " + (stored.empty() ? "1" : stored) +
                         " -> " + current + ")");
  }
  return Status::Ok();
}

}  // namespace doppel::storage
