// Exact deduplication: records whose normalized keys coincide are one entity.
//
// Keys: a personal phone in E.164, a canonical email, surname + first name +
// birth date (ASCII keys, so "Иванов" and "Ivanov" agree), and a document id.
// Records sharing any enabled key are joined (union-find), so chains across
// keys merge: A shares a phone with B, B an email with C -> one entity. The
// entity id is the smallest record id in the group (CompareRecordIds), so the
// output depends only on the input, never on threads or backends.
//
// Keys are hashed with the kernels' DH64 through the backend table: 64-bit
// hashes, so two different keys collide with probability about n^2 / 2^65
// (3e-4 for 10^8 distinct keys); the collision would join two records.
// Memory: about 40 bytes per record plus the record ids.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "doppel/core/normalize.h"
#include "doppel/core/record_batch.h"
#include "doppel/core/status.h"
#include "doppel/kernels/backend.h"

namespace doppel::core {

enum class ExactKey : uint8_t { kPhone = 0, kEmail, kNameDob, kDocId, kLandline, kCount };
inline constexpr size_t kExactKeyCount = static_cast<size_t>(ExactKey::kCount);
std::string_view ExactKeyName(ExactKey k);  // "phone", "email", "name_dob", "doc_id", "landline"
Result<ExactKey> ParseExactKey(std::string_view name);
// Parses "phone,email,name_dob".
Result<std::vector<ExactKey>> ParseExactKeys(std::string_view list);

// The key strings a record yields for one key kind (a record may have several
// phones or emails). Only usable values count; fixed lines and shared or
// role mailboxes (info@, office@) are not personal and yield no phone/email
// key (landlines have their own opt-in key: a family shares one).
void ExactKeysOf(const NormalizedRecord& r, ExactKey kind, std::vector<std::string>* keys);

// Orders record ids: two all-digit ids compare as numbers ("9" < "10"),
// digits come before anything else, other ids compare as bytes.
int CompareRecordIds(std::string_view a, std::string_view b);

struct ExactDedupeOptions {
  // Keys that join records. Default: phone, email, name_dob, doc_id.
  std::vector<ExactKey> keys = {ExactKey::kPhone, ExactKey::kEmail, ExactKey::kNameDob, ExactKey::kDocId};
  Status Validate() const;
};

struct KeyStats {
  uint64_t records_with_key = 0;  // records that have at least one such key
  uint64_t groups = 0;            // distinct key values shared by 2+ records
  uint64_t records_in_groups = 0; // records in those groups
};

struct DuplicateId {
  std::string id;
  uint64_t line = 0;        // the later occurrence (excluded from clusters)
  uint64_t first_line = 0;  // where the id was first seen
};

struct ExactDedupeResult {
  uint64_t records = 0;   // clustered (duplicate ids excluded)
  uint64_t entities = 0;
  uint64_t records_in_multi = 0;  // records in entities of 2+
  uint64_t largest_entity = 0;
  std::array<KeyStats, kExactKeyCount> by_key{};
  std::vector<DuplicateId> duplicate_ids;
};

// Accumulates records batch by batch, then clusters them.
class ExactDeduper {
 public:
  ExactDeduper(ExactDedupeOptions options, const kernels::KernelTable& kernels);

  void Add(const std::vector<NormalizedRecord>& records);
  // Clusters everything added. Call once.
  ExactDedupeResult Finish();
  // After Finish: records in input order with their entity ids.
  size_t size() const { return lines_.size(); }
  std::string_view record_id(size_t i) const { return ids_.Get(i); }
  // The entity id of record i, or "" for a record excluded as a duplicate id.
  std::string_view entity_id(size_t i) const {
    return entity_of_[i] == kExcluded ? std::string_view() : ids_.Get(entity_of_[i]);
  }

 private:
  static constexpr uint32_t kExcluded = UINT32_MAX;
  ExactDedupeOptions options_;
  const kernels::KernelTable& kernels_;
  StringColumn ids_;
  std::vector<uint64_t> lines_;
  // Per key kind: (hash, record index) for every key instance.
  std::array<std::vector<std::pair<uint64_t, uint32_t>>, kExactKeyCount> keyed_;
  std::vector<uint32_t> entity_of_;
  // Scratch for hashing a batch's keys in one kernel call.
  StringColumn key_bytes_;
  std::vector<uint32_t> key_owner_;
  std::vector<uint64_t> key_hashes_;
};

}  // namespace doppel::core
