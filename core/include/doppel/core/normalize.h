// Record normalization: a RecordBatch and its FieldMap in, one
// NormalizedRecord per row out.
//
// Each field goes through its normalizer (name.h, phone.h, email.h,
// address.h, date.h); the originals stay in the batch. Pure and thread-safe:
// NormalizeBatch spreads rows over threads and the result does not depend on
// how many.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "doppel/core/address.h"
#include "doppel/core/date.h"
#include "doppel/core/email.h"
#include "doppel/core/name.h"
#include "doppel/core/phone.h"
#include "doppel/core/record_batch.h"
#include "doppel/core/roles.h"
#include "doppel/core/status.h"

namespace doppel::core {

struct NormalizeOptions {
  // Region for phone numbers written without a country code. Default: {"RU"}.
  PhoneOptions phone;
  // Birth dates: slash order, the minimum year, and "today" for the
  // future-date check. Default: day first, 1900, no future check.
  DateOptions birth_date;
  // Other dates (created, last verified, last purchase). Default: as birth_date but min year 1970.
  DateOptions other_dates{DateOrder::kDayFirst, 0, 1970, -1};
  // Worker threads; 0 = all cores. Default: 0.
  int threads = 0;

  Status Validate() const;
};

struct DocIdResult {
  Verdict verdict;
  std::string normalized;  // letters upper-cased, separators removed: "4510123456"
};
DocIdResult NormalizeDocId(std::string_view raw);

// What a record says about the client's activity (stage 3, segments). Unknown
// values stay at their defaults.
struct Activity {
  int32_t created = 0;         // yyyymmdd the client was created; 0 unknown
  int32_t last_purchase = 0;   // yyyymmdd; 0 unknown
  int64_t purchases = -1;      // number of purchases; -1 unknown
  int64_t revenue_cents = -1;  // their total value in cents (kopecks); -1 unknown
  std::string channel;         // preferred channel, folded ("phone", "email"); "" unknown
  bool operator==(const Activity&) const = default;
};

// "9252,58", "9 252.58 руб.", "1 000" -> cents; -1 when not a non-negative amount.
int64_t ParseAmountCents(std::string_view raw);
// "12", " 3 " -> the count; -1 when not a non-negative integer.
int64_t ParseCount(std::string_view raw);

struct NormalizedRecord {
  std::string id;     // the record id column; else the 1-based data row number
                      // ("#17" when the id column exists but the cell is empty)
  uint64_t line = 0;  // physical line in the input
  NameResult name;
  std::vector<PhoneResult> phones;  // every number found, in column order
  std::vector<EmailResult> emails;
  AddressResult address;
  DateResult birth_date;
  DocIdResult doc_id;
  DateResult last_verified;
  std::string source;  // the source system, folded ("crm", "web"); empty when unknown
  Activity activity;
  // Which roles had any non-empty text (for fill rates).
  bool has_phone_text = false;
  bool has_email_text = false;
};

// The raw phone and email values of a row, in the order NormalizeRows
// normalizes them (phones[i] of the record came from PhoneParts(...)[i]).
std::vector<std::string_view> PhoneParts(const RecordBatch& batch, const FieldMap& map, size_t row);
std::vector<std::string_view> EmailParts(const RecordBatch& batch, const FieldMap& map, size_t row);

// Normalizes rows [begin, end) of `batch` into out[0 .. end-begin).
void NormalizeRows(const RecordBatch& batch, const FieldMap& map, const NormalizeOptions& options, size_t begin,
                   size_t end, NormalizedRecord* out);

// Normalizes a whole batch on options.threads threads.
void NormalizeBatch(const RecordBatch& batch, const FieldMap& map, const NormalizeOptions& options,
                    std::vector<NormalizedRecord>* out);

}  // namespace doppel::core
