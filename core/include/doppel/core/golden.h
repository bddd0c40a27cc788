// Golden records: the best value of each field across an entity's members
// (survivorship).
//
// Single-valued fields follow a rule (most frequent by default; or the member
// verified most recently, the most complete value, the member seen last);
// ties fall to the next rules in that order, then the record id, so the
// result depends only on the members, not their order. Phones and emails are
// the union of the members' valid values, most frequent first, capped. A
// member's values are already normalized and validated, so nothing invalid
// survives. Each single value names the record it came from.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "doppel/core/normalize.h"
#include "doppel/core/spill.h"
#include "doppel/core/status.h"

namespace doppel::core {

// The normalized, usable values of one record, as the store keeps them.
struct MemberSnapshot {
  std::string last, first, middle, gender;
  std::vector<std::string> phones;  // E.164, usable only
  std::vector<std::string> emails;  // normalized, usable only
  std::string address;              // normalized
  int32_t birth_date = 0;           // yyyymmdd, 0 when unknown
  std::string doc_id;
  int64_t seen_at = 0;              // when this version was ingested (ms since epoch)
  int32_t verified = 0;             // last verification date (yyyymmdd), 0 if never
  std::string source;               // the source system, folded; empty when unknown
  Activity activity;                // purchases and channel, for segments
  std::string record_id;            // tie-break of last resort

  static MemberSnapshot From(const NormalizedRecord& r, int64_t seen_at);
  bool operator==(const MemberSnapshot&) const = default;
};

// Many snapshots packed into one buffer (varints and length-prefixed
// strings): a batch job keeps one per record until the clusters are known,
// and a std::vector<MemberSnapshot> costs about 700 bytes a record (a dozen
// string and vector headers, each long value on the heap) where the packed
// form costs the values' own bytes plus a few dozen. Get decodes one.
class PackedSnapshots {
 public:
  void Add(const MemberSnapshot& m);
  // Add in two steps: Pack (on any thread) appends m's encoding to *out;
  // AddPacked adds one encoding as the next snapshot.
  static void Pack(const MemberSnapshot& m, std::string* out);
  void AddPacked(std::string_view packed);
  MemberSnapshot Get(size_t i) const;
  size_t size() const { return offsets_.size() - 1; }
  // Bytes held in RAM.
  size_t bytes() const { return bytes_.size() + offsets_.size() * sizeof(uint64_t); }

  // From now on the packed bytes go to `file` a few megabytes at a time
  // (they are read once, for golden records, so RAM need not hold them);
  // Finish() writes the rest and maps the file for Get.
  void SpillTo(std::unique_ptr<SpillFile> file);
  Status Finish();
  // After Finish, with a file: the pages Get has read so far leave the
  // process's resident memory (see SpillFile::ReleaseMapped).
  void ReleaseMapped() const {
    if (file_ != nullptr) file_->ReleaseMapped();
  }

 private:
  void Added();     // records the snapshot just appended to bytes_
  void WriteOut();  // appends bytes_ to the file and empties it
  std::string bytes_;  // all of them, or when spilling the ones not yet written
  std::vector<uint64_t> offsets_{0};
  std::unique_ptr<SpillFile> file_;
  uint64_t file_bytes_ = 0;
  std::span<const char> mapped_;
  Status status_;
};

struct GoldenRecord {
  std::string last, first, middle, gender;
  std::vector<std::string> phones, emails;
  std::string address;
  int32_t birth_date = 0;
  std::string doc_id;
  uint32_t members = 0;
  // The record each single value was taken from; for phones and emails, the
  // latest record carrying each one (parallel to phones and emails).
  std::string name_from, birth_date_from, address_from, doc_id_from;
  std::vector<std::string> phones_from, emails_from;
};

// Phones and emails kept in a golden record at most. Default: 5.
inline constexpr size_t kGoldenMaxContacts = 5;

enum class Survivorship : uint8_t {
  kMostFrequent,
  kMostRecentlyVerified,
  kMostComplete,
  kMostRecent,
  kSourcePriority,  // the value from the most trusted source, by a ranked list
};
// most_frequent, most_recently_verified, most_complete, most_recent, source_priority
Result<Survivorship> ParseSurvivorship(std::string_view name);

struct SurvivorshipOptions {
  Survivorship rule = Survivorship::kMostFrequent;
  // For kSourcePriority: sources, most trusted first (folded, as in
  // MemberSnapshot::source). A source not listed ranks below every listed one.
  std::vector<std::string> source_priority;
};

GoldenRecord BuildGolden(std::span<const MemberSnapshot> members, const SurvivorshipOptions& options = {});
inline GoldenRecord BuildGolden(std::span<const MemberSnapshot> members, Survivorship rule) {
  return BuildGolden(members, SurvivorshipOptions{rule, {}});
}

}  // namespace doppel::core
