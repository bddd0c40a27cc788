// Job configuration: everything a batch job can be told, as one struct, and
// the TOML file that sets it.
//
// Precedence: built-in defaults < the TOML file (--config) < command-line
// flags. Unknown sections or keys in the file are errors, so a typo never
// silently does nothing. See docs/config.md for a complete example.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "doppel/core/exact_dedupe.h"
#include "doppel/core/golden.h"
#include "doppel/core/matcher.h"
#include "doppel/core/normalize.h"
#include "doppel/core/profile.h"
#include "doppel/core/reader.h"
#include "doppel/core/roles.h"
#include "doppel/core/segments.h"
#include "doppel/core/staleness.h"
#include "doppel/core/status.h"

namespace doppel::core {

// The actualization loop: staleness, segments, priorities, call lists.
// TOML sections [staleness], [[segment]], [segments], [priority], [calllist].
struct LoopConfig {
  StalenessPolicy staleness;
  SegmentConfig segments = SegmentConfig::Defaults();
  // When operators may call, in the client's local time. Default: 09:00-20:00, mon-fri.
  std::string calling_hours = "09:00-20:00";
  std::string calling_days = "mon-fri";
  // The time zone of a client whose region is unknown, minutes east of UTC.
  // Default: 180 (Moscow).
  int default_utc_offset_minutes = 180;
  // Retention ([retention]): a client with no activity (purchase,
  // verification, call, new record) for this many years is due for erasure
  // by `doppel retention`; 0 turns the rule off. Default: 0.
  int retention_inactive_years = 0;
  // ... only when no usable phone or email is left. Default: true.
  bool retention_require_no_contact = true;

  Status Validate() const;
};

struct JobConfig {
  ReaderOptions reader;
  // Explicit column roles; they replace what inference finds for their role.
  std::vector<RoleOverride> columns;
  // Infer roles from headers. Default: true.
  bool infer_roles = true;
  NormalizeOptions normalize;
  ExactDedupeOptions exact;
  // Fuzzy matching: blocking rules and caps, threshold, chain protection.
  MatcherOptions match;
  // How golden records pick single values. Default: most frequent.
  SurvivorshipOptions survivorship;
  ProfileOptions profile;
  LoopConfig loop;
  // Kernel backend: auto, reference, simd or cuda. Default: "" (DOPPEL_BACKEND, else auto).
  std::string backend;

  Status Validate() const;
};

// Applies a TOML document over *config; absent keys keep their values.
Status ApplyConfigToml(std::string_view toml_text, std::string_view source_name, JobConfig* config);

// Parses a size in bytes: "1048576", "512K", "64M", "4G", "1.5T" (powers of
// 1024); "auto" is 0.
Result<uint64_t> ParseByteSize(std::string_view text);

// Parses "2026-12-04" or "20261204" into yyyymmdd.
Result<int32_t> ParseDay(std::string_view text);

}  // namespace doppel::core
