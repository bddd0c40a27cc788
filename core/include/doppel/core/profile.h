// Profiling a client base (stage 1): which fields are missing, invalid or
// outdated, how many records can be reached, and how many exact duplicates
// each key finds.
//
// A Profiler takes batches as the reader produces them (with their
// normalized records) and keeps counters plus a few examples per problem, and
// the exact-duplicate keys; Finish() returns the Profile. Rendering is
// separate: FormatProfileText for people, FormatProfileJson for machines.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "doppel/core/exact_dedupe.h"
#include "doppel/core/normalize.h"
#include "doppel/core/reader.h"
#include "doppel/core/roles.h"

namespace doppel::core {

struct ProfileOptions {
  // Examples kept per problem (reason) and field. Default: 3.
  size_t examples_per_reason = 3;
  // "Today" as yyyymmdd, for the age of verification dates; 0 skips the
  // staleness figures. Default: 0.
  int32_t today = 0;
  // A contact verified longer ago than this is outdated. Default: 365.
  int32_t stale_after_days = 365;
  // When set, usable phones ('P', E.164) and emails ('E', normalized) are
  // checked against a suppression list and counted. Default: none.
  std::function<bool(char kind, std::string_view value)> suppressed;
};

struct ReasonStats {
  Reason reason = Reason::kOk;
  Validity validity = Validity::kInvalid;  // kInvalid or kWarning
  uint64_t count = 0;
  std::vector<std::string> examples;  // raw input values
};

struct FieldProfile {
  std::string field;    // "name", "phone", "email", "address", "birth_date", "doc_id", "last_verified"
  std::string columns;  // the input columns it came from
  uint64_t filled = 0;  // records with any text in the field
  uint64_t usable = 0;  // records with at least one usable value
  uint64_t invalid = 0; // records with text but no usable value
  uint64_t values = 0;  // values seen (phones and emails: several per record)
  std::vector<ReasonStats> problems;  // invalid and warning reasons, most frequent first
  std::vector<std::pair<std::string, uint64_t>> breakdown;  // phone types, genders...
  uint64_t breakdown_base = 0;  // what the breakdown counts are shares of
  std::string breakdown_of;     // "valid values" or "valid records"
};

struct Profile {
  std::string input;
  std::string format, encoding;
  char delimiter = 0;
  std::string columns;  // the role mapping in words
  uint64_t records = 0, rejected = 0, blank_lines = 0;
  std::vector<std::pair<std::string, uint64_t>> reject_reasons;
  std::vector<FieldProfile> fields;
  uint64_t with_phone = 0, with_email = 0, with_contact = 0;  // usable contact of that kind
  bool suppression_checked = false;
  uint64_t phones_suppressed = 0, emails_suppressed = 0;  // usable values on the suppression list
  uint64_t records_with_suppressed = 0;
  bool has_verification = false;
  uint64_t verified_recent = 0, verified_stale = 0, never_verified = 0;
  ExactDedupeResult duplicates;
  std::vector<ExactKey> duplicate_keys;
  double seconds = 0;
  std::string backend;
};

class Profiler {
 public:
  Profiler(const ProfileOptions& options, const FieldMap& map, const std::vector<std::string>& column_names,
           const kernels::KernelTable& kernels);
  ~Profiler();

  // Adds a batch and its normalized records (records[i] is batch row i).
  void Add(const RecordBatch& batch, const std::vector<NormalizedRecord>& records);
  void AddRejects(const std::vector<Reject>& rejects);
  // Updates the mapping when a reader adds columns (NDJSON).
  void SetFieldMap(const FieldMap& map, const std::vector<std::string>& column_names);
  Profile Finish(const BatchReader& reader, std::string input_name);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string FormatProfileText(const Profile& p);
std::string FormatProfileJson(const Profile& p);

}  // namespace doppel::core
