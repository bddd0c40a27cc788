// The client base on disk: a RocksDB database of records, entities, their
// membership, the exact-key index, suppression lists and an append-only
// history.
//
// Writes go through a WriteGroup. Every record staged in a group is resolved
// against the stored base and against what the group staged before it (exact
// keys: phone, email, name + birth date, document id), and Commit() makes the
// whole group durable with one synced write: an acknowledged ingest is on
// disk, and concurrent requests share one fsync (group commit). Each group is
// one atomic WriteBatch across column families, so a crash leaves all of it
// or none of it. One group at a time; reads are thread-safe and see committed
// data.
//
// Entity ids are integers assigned in ingest order. When a record links two
// entities they merge into the older (smaller) id and the other becomes a
// redirect, so an id once handed out always leads somewhere. A merge never
// rewrites a record: membership and history say what happened.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "doppel/core/contacts.h"
#include "doppel/core/exact_dedupe.h"
#include "doppel/core/fs_model.h"
#include "doppel/core/golden.h"
#include "doppel/core/match_table.h"
#include "doppel/core/normalize.h"
#include "doppel/core/status.h"

namespace doppel::storage {

// The on-disk schema this build reads and writes (2: records carry their
// matching features; 3: member snapshots carry their verification date and
// source; 4: a contacts column family for the actualization loop). A version
// 3 database is upgraded in place when opened (the new family is added).
inline constexpr uint32_t kSchemaVersion = 4;

// The version of the fuzzy blocking keys in a database's index (2: MinHash
// signatures from 32-bit mixes, kernels/minhash.h). A database whose keys
// are older is re-keyed when opened: each fuzzily matched record's keys are
// made again from its stored match row, and its posting lists follow. Bump
// it whenever the keys of an unchanged record change.
inline constexpr uint32_t kFuzzyKeysVersion = 2;

struct StoreOptions {
  // Create the database when the path is empty or missing. Default: true.
  bool create_if_missing = true;
  // fsync the write-ahead log before Commit() returns. Default: true.
  bool sync = true;
  // Block cache for reads. Default: 64 MiB.
  size_t block_cache_mb = 64;
  // Exact keys that join a new record to stored ones.
  // Default: phone, email, name_dob, doc_id.
  std::vector<core::ExactKey> keys = {core::ExactKey::kPhone, core::ExactKey::kEmail, core::ExactKey::kNameDob,
                                      core::ExactKey::kDocId};
  // An exact key shared by more stored records than this is too common to
  // be evidence (a call-centre number typed for everyone); it is ignored for
  // joining and counted. Default: 1000.
  size_t max_block_records = 1000;
  // With a model, new records are matched fuzzily: the blocking rules'
  // keys find stored candidates, the model scores them, and a record joins
  // every entity it matches at `threshold` or above (merging them) when it
  // also matches that entity's members on average at `link_threshold`.
  // Without one, the exact keys decide. Default: none.
  std::shared_ptr<const core::FsModel> model;
  // Default: 0.95 and 0.3, as in `doppel dedupe`.
  double threshold = 0.95, link_threshold = 0.3;
  // How golden records pick single values. Default: most frequent.
  core::SurvivorshipOptions survivorship;
  // Encryption at rest: a file of data keys (`doppel keys data-key FILE`).
  // Records, golden records, the suppression list and contact data are then
  // sealed with XChaCha20-Poly1305. Empty: $DOPPEL_DATA_KEY_FILE, else none.
  // A database that was sealed refuses to open without its keys.
  std::string data_key_file;
  // Open a database whose write-ahead log is damaged by replaying it up to
  // the first damaged record (what follows is lost; Open() then warns).
  // Without it such a database is refused. Default: false.
  bool recover_to_damage = false;
  // Writes are refused (Unavailable) while the volume holding the database
  // has less free space than this, and accepted again once it has more:
  // RocksDB is never driven into a full disk by Doppel's own writes, which
  // keeps room for its flushes and compactions. 0 turns the guard off.
  // Default: 64 MiB.
  uint64_t min_free_disk_mb = 64;

  Status Validate() const;
};

// Adds a new data key to a key file (creating it 0600): the new key seals
// from then on, the older ones keep reading what they sealed.
Status AddDataKey(const std::string& path);

// What an ingest stores for one record: its normalized values and the raw
// columns as received.
struct RecordInput {
  core::NormalizedRecord normalized;
  std::vector<std::pair<std::string, std::string>> fields;
  // Non-zero: the record belongs to this entity whatever matching says (a
  // new contact an operator took down for the client). It may still link
  // further entities, which then merge.
  uint64_t attach_to = 0;
};

// Who does a write and why, for the history.
struct Actor {
  std::string name;     // "ingest", a client key id later
  std::string source;   // where the records came from ("crm-export-2026-12")
  int64_t time_ms = 0;  // when; passed in so tests and replays are exact
};

struct StoredRecord {
  std::string id;        // the external record id
  uint64_t rid = 0;      // internal id
  uint32_t version = 0;  // 1 for the first ingest, +1 per changed re-ingest
  std::string source;
  std::vector<std::pair<std::string, std::string>> fields;
  core::MemberSnapshot values;
  core::MatchRow match;  // the features fuzzy matching reads
  std::vector<std::pair<uint8_t, uint64_t>> block_keys;  // (key kind, hash)
  uint64_t entity = 0;   // filled by GetRecord
};

enum class IngestAction : uint8_t {
  kNew,        // a new record that starts a new entity
  kJoined,     // a new record that joins an existing entity
  kMerged,     // a record that linked two or more entities, now merged
  kUpdated,    // a known record id with changed content (new version)
  kUnchanged,  // a known record id with identical content (nothing written)
  kRefused,    // a person erased on request: not stored (a tombstone matched)
};
inline constexpr size_t kIngestActionCount = 6;
std::string_view IngestActionName(IngestAction a);

struct IngestOutcome {
  std::string id;
  uint64_t entity = 0;
  IngestAction action = IngestAction::kNew;
  std::vector<uint64_t> merged;  // entities merged into `entity` by this record
};

struct HistoryEvent {
  uint64_t seq = 0;
  int64_t time_ms = 0;
  std::string op;     // "ingest", "update", "merge", "unmerge"
  std::string actor;
  std::string source;
  std::vector<std::string> records;
  std::vector<uint64_t> entities;
  // The evidence, as JSON: for a merge, the linking record's probability and
  // level per field.
  std::string detail{};
  // For a merge: the records moved into the survivor (what an unmerge moves back).
  std::vector<uint64_t> moved{};
};

struct EntityView {
  uint64_t id = 0;         // the entity (after following merge redirects)
  uint64_t requested = 0;  // the id asked for
  core::GoldenRecord golden;
  std::vector<std::string> members;  // record ids, in ingest order
  std::vector<uint64_t> merged_from; // entities merged into this one
  std::vector<HistoryEvent> history; // newest first
  int64_t created_ms = 0, updated_ms = 0;
};

// A call outcome as applied to the base (the outcome log reports read).
struct OutcomeEvent {
  uint64_t seq = 0;
  uint64_t entity = 0;  // the live entity when it was applied
  core::ContactKind kind = core::ContactKind::kPhone;
  std::string contact;
  core::Outcome outcome = core::Outcome::kConfirmed;
  int32_t date = 0;     // yyyymmdd of the call
  std::string operator_id;
  // Days since the contact's previous verification at the time of the call
  // (how decay rates are learned); -1 when unknown.
  int32_t age_days = -1;
  int64_t applied_ms = 0;
};

// Who read or changed personal data, when, and what came of it. Append-only
// and hash-chained: each event's hash covers the event and the hash before
// it, so editing or removing a past event breaks the chain from there on.
struct AuditEvent {
  uint64_t seq = 0;       // assigned on append, from 1
  int64_t time_ms = 0;
  std::string client;     // the client's id ("local" without CURVE, "cli" for the command line)
  std::string role;
  std::string op;
  std::vector<std::string> records;  // record ids the op read or changed (capped; see `detail`)
  std::vector<uint64_t> entities;
  std::string outcome;    // "ok" or the error code
  std::string detail;     // JSON: counts, the request's source; never personal values
  std::string prev_hash, hash;  // hex BLAKE2b-256; set on append
};

struct AuditCheck {
  uint64_t events = 0;
  bool ok = true;
  uint64_t first_bad = 0;  // the first event whose hash or predecessor does not match
  std::string problem;
  std::string head;        // the last event's hash: note it elsewhere to detect truncation
};

struct AuditFilter {
  int64_t from_ms = 0, to_ms = 0;  // 0: open
  std::string client, op;
  uint64_t entity = 0;
  std::string record;
};

// One live entity as a scan sees it.
struct EntityScanItem {
  uint64_t id = 0;
  core::GoldenRecord golden;
  std::vector<StoredRecord> members;  // in ingest order
  std::vector<uint64_t> merged_from;
  int64_t created_ms = 0, updated_ms = 0;
};

// What Store::Check() found. Problems are sentences naming the record or
// entity concerned (the first 100; problem_count has them all).
struct CheckReport {
  uint64_t records = 0, record_ids = 0, record_versions = 0;
  uint64_t entities = 0, redirects = 0, members = 0;
  uint64_t outcomes = 0, audit_events = 0;
  uint64_t problem_count = 0;
  std::vector<std::string> problems;
  bool ok() const { return problem_count == 0; }
};

struct StoreStats {
  uint64_t records = 0, entities = 0, events = 0, record_versions = 0;
  uint64_t common_keys_skipped = 0;  // joins refused by max_block_records
  uint64_t sst_bytes = 0, live_data_bytes = 0;
};

class Store {
 public:
  // Opens (or creates) the database at `path`. Refuses a directory that is
  // not a Doppel database, a schema version this build does not know, and a
  // write-ahead log damaged anywhere (a checksum mismatch, the last record
  // included). An incomplete last record, a write a crash cut short, is
  // dropped with a warning (see warnings()).
  static Result<std::unique_ptr<Store>> Open(const std::string& path, const StoreOptions& options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  class WriteGroup {
   public:
    ~WriteGroup();
    // Resolves and stages one request's records; outcomes are in input order.
    Result<std::vector<IngestOutcome>> Ingest(const std::vector<RecordInput>& records, const Actor& actor);
    // Merges two entities by hand (the older id survives).
    Result<uint64_t> Merge(uint64_t a, uint64_t b, const Actor& actor);
    // Undoes the merge that absorbed `entity`: the records it brought go back
    // to it (those still in the survivor), both golden records are rebuilt,
    // and the history says so. Returns the survivor it left.
    Result<uint64_t> Unmerge(uint64_t entity, const Actor& actor);
    // ---- the actualization loop ----
    // The live entity an id leads to (following merges); NotFound if none.
    Result<uint64_t> LiveEntity(uint64_t id);
    // Adds or replaces a suppression entry.
    Status Suppress(const core::Suppression& s, const Actor& actor);
    // Removes one; false when it was not there.
    Result<bool> Unsuppress(core::ContactKind kind, std::string_view value, const Actor& actor);
    // Reads through what this group staged.
    Result<std::optional<core::ContactState>> GetContactState(core::ContactKind kind, std::string_view value);
    Status PutContactState(core::ContactKind kind, std::string_view value, const core::ContactState& state);
    Status PutSurvey(uint64_t entity, const core::SurveyAnswers& answers);
    // Notes that these entities are on a call list given to `client` (an
    // operator may then report outcomes for them).
    Status Assign(std::string_view client, const std::vector<uint64_t>& entities, int64_t time_ms);
    // Logs an outcome (seq assigned here) with a history event on the entity.
    Result<uint64_t> AppendOutcome(OutcomeEvent ev, const Actor& actor);
    // Erases an entity on request (the right to be forgotten): its records
    // with their older versions, its golden record and redirects, its
    // history events, index entries, contact states, survey answers, outcome
    // log lines and suppression entries, all in this group's one batch. What
    // stays is a tombstone per phone, email and name + birth date: a keyed
    // hash (never the value) that makes a later ingest of the same person
    // come back `refused`. Call CompactAfterErasure() after the commit.
    struct Erasure {
      uint64_t entity = 0;
      std::vector<std::string> records;  // their external ids
      size_t tombstones = 0, events_removed = 0;
    };
    Result<Erasure> Erase(uint64_t entity, const Actor& actor);
    // Records staged so far.
    size_t staged() const;
    // One synced atomic write of everything staged. On failure nothing is
    // written and the store's counters are restored.
    Status Commit();

   private:
    friend class Store;
    struct Impl;
    explicit WriteGroup(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
  };
  // Starts a group. Only one group may be open at a time.
  std::unique_ptr<WriteGroup> BeginGroup();

  Result<StoredRecord> GetRecord(std::string_view id) const;

  // What ingesting these records would do, without writing anything: for
  // each, the best entity (0 if none) and its probability (needs a model;
  // without one, exact keys give probability 1).
  struct Resolution {
    uint64_t entity = 0;
    double probability = 0;
    std::string matched_record;  // the member that matched best
    std::vector<core::Contribution> explanation;
  };
  Result<std::vector<Resolution>> Resolve(const std::vector<RecordInput>& records, bool explain) const;
  // The model's explanation of two stored records (needs a model).
  Result<std::pair<core::PairScore, std::vector<core::Contribution>>> Explain(std::string_view id_a,
                                                                              std::string_view id_b) const;
  const core::FsModel* model() const;
  Result<EntityView> GetEntity(uint64_t id, size_t max_history = 50) const;
  StoreStats Stats() const;
  const std::string& path() const;
  // What Open() tolerated and the operator should know (an incomplete log
  // tail dropped after a crash, a recovery that lost data). Empty normally.
  const std::vector<std::string>& warnings() const;

  // ---- the actualization loop ----
  // Every live entity with its members, in id order, from one snapshot.
  // Stops early when `fn` returns false.
  Status ScanEntities(const std::function<bool(const EntityScanItem&)>& fn) const;
  // One live entity (following merges) with its member records, read once.
  Result<EntityScanItem> GetEntityItem(uint64_t id) const;
  Result<std::optional<core::Suppression>> GetSuppression(core::ContactKind kind, std::string_view value) const;
  // In key order (kind, then value); stops early when `fn` returns false.
  Status ListSuppressions(const std::function<bool(const core::Suppression&)>& fn) const;
  // Every contact state and survey answer (they exist only for contacts
  // that were called, so they fit in memory).
  Status LoadContactStates(
      const std::function<void(core::ContactKind, std::string_view, const core::ContactState&)>& fn) const;
  Status LoadSurveys(const std::function<void(uint64_t, const core::SurveyAnswers&)>& fn) const;
  Status ListOutcomes(const std::function<void(const OutcomeEvent&)>& fn) const;
  // Whether `entity` (or an entity merged into it) was on a call list given
  // to `client`.
  Result<bool> IsAssigned(std::string_view client, uint64_t entity) const;
  // Data-quality snapshots for reports (synced single writes).
  Status AddQualityPoint(const core::QualityPoint& p);
  Status ListQualityPoints(const std::function<void(const core::QualityPoint&)>& fn) const;
  // The numbering-plan register, as an opaque blob with a description
  // ("DEF-9xx.csv, 16629 ranges, 2026-12-04"); replaced atomically.
  Status PutNumberingPlan(std::string_view blob, std::string_view description);
  // nullopt when none was imported.
  Result<std::optional<std::pair<std::string, std::string>>> GetNumberingPlan() const;

  // Rewrites the live files so erased bytes leave them: flushes the
  // memtables and compacts every column family (old files and write-ahead
  // logs are deleted once nothing needs them). Backups keep their copies.
  Status CompactAfterErasure();

  // ---- the audit trail ----
  // Appends an event (thread-safe; events are chained in append order).
  // Written through the write-ahead log without an fsync of its own: the
  // next synced write, or a clean close, makes it durable.
  Status Audit(AuditEvent event);
  Result<AuditCheck> VerifyAudit() const;
  Status QueryAudit(const AuditFilter& filter, const std::function<bool(const AuditEvent&)>& fn) const;

  // Checks, from one snapshot, that the database agrees with itself: every
  // record decodes and is indexed by its id, belongs to exactly one live
  // entity that lists it, merge redirects lead to a live entity, the
  // counters match what is stored, outcomes name entities that exist, and
  // the audit chain holds. Reads everything; memory roughly 150-250 bytes a
  // record (ids, rids and memberships are held to cross-check them).
  Result<CheckReport> Check() const;

  // Writes a consistent backup into backup_dir (RocksDB BackupEngine;
  // incremental across calls).
  Status Backup(const std::string& backup_dir) const;

  struct Impl;

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  // Brings the index's fuzzy keys to kFuzzyKeysVersion (Open calls it), a
  // thousand records per atomic write, so an interrupted run resumes at the
  // next open: a record whose keys are already current is skipped.
  Status RekeyFuzzyIndex();
  std::unique_ptr<Impl> impl_;
};

// Restores the latest backup in backup_dir into db_path. Refuses when db_path
// exists and is not empty: a live or older database is never overwritten.
Status RestoreBackup(const std::string& backup_dir, const std::string& db_path);

}  // namespace doppel::storage
