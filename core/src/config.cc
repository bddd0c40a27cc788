#include "doppel/core/config.h"

#include <toml++/toml.h>

#include <cctype>
#include <charconv>
#include <set>
#include <string>

#include "doppel/core/unicode.h"

namespace doppel::core {

Status LoopConfig::Validate() const {
  DOPPEL_RETURN_IF_ERROR(staleness.Validate());
  DOPPEL_RETURN_IF_ERROR(segments.Validate());
  if (default_utc_offset_minutes < -12 * 60 || default_utc_offset_minutes > 14 * 60) {
    return Status::InvalidArgument("default_utc_offset_minutes must lie between -720 and 840");
  }
  return Status::Ok();
}

Status JobConfig::Validate() const {
  DOPPEL_RETURN_IF_ERROR(reader.Validate());
  DOPPEL_RETURN_IF_ERROR(loop.Validate());
  DOPPEL_RETURN_IF_ERROR(normalize.Validate());
  DOPPEL_RETURN_IF_ERROR(exact.Validate());
  if (survivorship.rule == Survivorship::kSourcePriority && survivorship.source_priority.empty()) {
    return Status::InvalidArgument("survivorship source_priority needs [match] source_priority, the sources most "
                                   "trusted first");
  }
  return Status::Ok();
}

Result<uint64_t> ParseByteSize(std::string_view text) {
  const std::string t(Trim(text));
  if (t == "auto") return uint64_t{0};
  auto bad = [&] {
    return Status::InvalidArgument("expected a size like 4G, 512M or a number of bytes, got '" + std::string(text) + "'");
  };
  if (t.empty() || !(std::isdigit(static_cast<unsigned char>(t[0])))) return bad();
  double value = 0;
  const auto [end, error] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (error != std::errc()) return bad();
  std::string unit(end, t.data() + t.size());
  if (!unit.empty() && (unit.back() == 'B' || unit.back() == 'b')) unit.pop_back();
  double scale = 1;
  if (unit.size() == 1) {
    switch (std::toupper(static_cast<unsigned char>(unit[0]))) {
      case 'K': scale = 1024.0; break;
      case 'M': scale = 1024.0 * 1024; break;
      case 'G': scale = 1024.0 * 1024 * 1024; break;
      case 'T': scale = 1024.0 * 1024 * 1024 * 1024; break;
      default: return bad();
    }
  } else if (!unit.empty()) {
    return bad();
  }
  const double bytes = value * scale;
  if (!(bytes >= 0) || bytes >= 1.8e19) return bad();
  return static_cast<uint64_t>(bytes);
}

Result<int32_t> ParseDay(std::string_view text) {
  DateResult d = NormalizeDate(text);
  if (!d.verdict.usable() || d.verdict.validity == Validity::kWarning) {
    return Status::InvalidArgument("expected a date like 2026-12-04, got '" + std::string(text) + "'");
  }
  return d.ymd();
}

namespace {

using Table = toml::table;

std::string Where(std::string_view source, const toml::node& node) {
  const auto& src = node.source();
  return std::string(source) + ":" + std::to_string(src.begin.line);
}

Status CheckKeys(const Table& t, std::string_view section, std::string_view source,
                 std::initializer_list<std::string_view> allowed) {
  std::set<std::string_view> ok(allowed.begin(), allowed.end());
  for (const auto& [key, node] : t) {
    if (!ok.count(key.str())) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return Status::InvalidArgument(Where(source, node) + ": unknown key '" + std::string(key.str()) + "' in [" +
                                     std::string(section) + "] (known: " + list + ")");
    }
  }
  return Status::Ok();
}

template <typename T>
Status Get(const Table& t, std::string_view key, std::string_view source, T* out) {
  const toml::node* node = t.get(key);
  if (node == nullptr) return Status::Ok();
  auto v = node->value<T>();
  if (!v) return Status::InvalidArgument(Where(source, *node) + ": '" + std::string(key) + "' has the wrong type");
  *out = *v;
  return Status::Ok();
}

Status ApplyInput(const Table& t, std::string_view src, JobConfig* c) {
  DOPPEL_RETURN_IF_ERROR(CheckKeys(t, "input", src,
                                   {"format", "encoding", "delimiter", "header", "trim", "batch_rows",
                                    "max_record_bytes", "infer_roles"}));
  std::string s;
  if (t.contains("format")) {
    DOPPEL_RETURN_IF_ERROR(Get(t, "format", src, &s));
    DOPPEL_ASSIGN_OR_RETURN(c->reader.format, ParseInputFormat(s));
  }
  if (t.contains("encoding")) {
    DOPPEL_RETURN_IF_ERROR(Get(t, "encoding", src, &s));
    DOPPEL_ASSIGN_OR_RETURN(c->reader.encoding, ParseEncoding(s));
  }
  if (t.contains("delimiter")) {
    DOPPEL_RETURN_IF_ERROR(Get(t, "delimiter", src, &s));
    if (s == "tab" || s == "\t") c->reader.delimiter = '\t';
    else if (s == "auto" || s.empty()) c->reader.delimiter = 0;
    else if (s.size() == 1) c->reader.delimiter = s[0];
    else return Status::InvalidArgument(std::string(src) + ": delimiter must be one character, \"tab\" or \"auto\"");
  }
  DOPPEL_RETURN_IF_ERROR(Get(t, "header", src, &c->reader.header));
  DOPPEL_RETURN_IF_ERROR(Get(t, "trim", src, &c->reader.trim));
  DOPPEL_RETURN_IF_ERROR(Get(t, "infer_roles", src, &c->infer_roles));
  int64_t n = 0;
  if (t.contains("batch_rows")) {
    DOPPEL_RETURN_IF_ERROR(Get(t, "batch_rows", src, &n));
    if (n <= 0) return Status::InvalidArgument(std::string(src) + ": batch_rows must be positive");
    c->reader.batch_rows = static_cast<size_t>(n);
  }
  if (t.contains("max_record_bytes")) {
    DOPPEL_RETURN_IF_ERROR(Get(t, "max_record_bytes", src, &n));
    if (n <= 0) return Status::InvalidArgument(std::string(src) + ": max_record_bytes must be positive");
    c->reader.max_record_bytes = static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status ApplyColumns(const Table& t, std::string_view src, JobConfig* c) {
  for (const auto& [key, node] : t) {
    auto role = ParseRole(key.str());
    if (!role.ok()) return Status::InvalidArgument(Where(src, node) + ": " + role.status().message());
    if (auto s = node.value<std::string>()) {
      c->columns.push_back({*role, *s});
    } else if (const auto* arr = node.as_array()) {
      if (arr->empty()) c->columns.push_back({*role, ""});
      for (const auto& item : *arr) {
        auto s2 = item.value<std::string>();
        if (!s2) return Status::InvalidArgument(Where(src, item) + ": column names must be strings");
        c->columns.push_back({*role, *s2});
      }
    } else {
      return Status::InvalidArgument(Where(src, node) + ": [columns] " + std::string(key.str()) +
                                     " must be a column name or a list of names");
    }
  }
  return Status::Ok();
}

Status ApplyNormalize(const Table& t, std::string_view src, JobConfig* c) {
  DOPPEL_RETURN_IF_ERROR(CheckKeys(t, "normalize", src,
                                   {"phone_region", "date_order", "today", "min_birth_year", "threads"}));
  DOPPEL_RETURN_IF_ERROR(Get(t, "phone_region", src, &c->normalize.phone.default_region));
  std::string s;
  if (t.contains("date_order")) {
    DOPPEL_RETURN_IF_ERROR(Get(t, "date_order", src, &s));
    DOPPEL_ASSIGN_OR_RETURN(DateOrder order, ParseDateOrder(s));
    c->normalize.birth_date.slash_order = order;
    c->normalize.other_dates.slash_order = order;
  }
  if (t.contains("today")) {
    DOPPEL_RETURN_IF_ERROR(Get(t, "today", src, &s));
    DOPPEL_ASSIGN_OR_RETURN(int32_t day, ParseDay(s));
    c->normalize.birth_date.today = day;
    c->normalize.other_dates.today = day;
    c->profile.today = day;
  }
  int64_t n = 0;
  if (t.contains("min_birth_year")) {
    DOPPEL_RETURN_IF_ERROR(Get(t, "min_birth_year", src, &n));
    c->normalize.birth_date.min_year = static_cast<int32_t>(n);
  }
  if (t.contains("threads")) {
    DOPPEL_RETURN_IF_ERROR(Get(t, "threads", src, &n));
    c->normalize.threads = static_cast<int>(n);
  }
  return Status::Ok();
}

Status ApplyDedupe(const Table& t, std::string_view src, JobConfig* c) {
  DOPPEL_RETURN_IF_ERROR(CheckKeys(t, "dedupe", src, {"keys", "backend"}));
  if (const auto* arr = t.get_as<toml::array>("keys")) {
    std::string list;
    for (const auto& item : *arr) {
      auto s = item.value<std::string>();
      if (!s) return Status::InvalidArgument(Where(src, item) + ": keys must be strings");
      list += *s + ",";
    }
    DOPPEL_ASSIGN_OR_RETURN(c->exact.keys, ParseExactKeys(list));
  } else if (t.contains("keys")) {
    return Status::InvalidArgument(std::string(src) + ": [dedupe] keys must be a list like [\"phone\", \"email\"]");
  }
  DOPPEL_RETURN_IF_ERROR(Get(t, "backend", src, &c->backend));
  return Status::Ok();
}

// A memory size: bytes, or a string like "4G", "512M" or "auto" (0).
Status GetByteSize(const Table& t, const char* key, std::string_view src, uint64_t* out) {
  const toml::node* node = t.get(key);
  if (node == nullptr) return Status::Ok();
  if (auto bytes = node->value<int64_t>()) {
    if (*bytes < 0) return Status::InvalidArgument(Where(src, *node) + ": " + key + " must not be negative");
    *out = static_cast<uint64_t>(*bytes);
  } else if (auto text = node->value<std::string>()) {
    auto size = ParseByteSize(*text);
    if (!size.ok()) return Status::InvalidArgument(Where(src, *node) + ": " + key + ": " + size.status().message());
    *out = *size;
  } else {
    return Status::InvalidArgument(Where(src, *node) + ": " + key + " is a size like \"4G\" or \"auto\"");
  }
  return Status::Ok();
}

Status ApplyMatch(const Table& t, std::string_view src, JobConfig* c) {
  DOPPEL_RETURN_IF_ERROR(CheckKeys(t, "match", src,
                                   {"blocking", "max_block", "max_name_block", "threshold", "link_threshold", "survivorship",
                                    "source_priority", "pair_memory", "record_memory", "spill_dir"}));
  if (const auto* arr = t.get_as<toml::array>("blocking")) {
    std::vector<BlockingRule> rules;
    for (const auto& item : *arr) {
      auto s = item.value<std::string>();
      if (!s) return Status::InvalidArgument(Where(src, item) + ": blocking rules are strings");
      auto rule = ParseBlockingRule(*s);
      if (!rule.ok()) return Status::InvalidArgument(Where(src, item) + ": " + rule.status().message());
      rules.push_back(*rule);
    }
    if (rules.empty()) return Status::InvalidArgument(std::string(src) + ": [match] blocking needs at least one rule");
    c->match.blocking.rules = rules;
  }
  int64_t n = 0;
  if (t.contains("max_block")) {
    DOPPEL_RETURN_IF_ERROR(Get(t, "max_block", src, &n));
    if (n < 2) return Status::InvalidArgument(std::string(src) + ": max_block must be at least 2");
    c->match.blocking.max_block = static_cast<size_t>(n);
  }
  if (t.contains("max_name_block")) {
    DOPPEL_RETURN_IF_ERROR(Get(t, "max_name_block", src, &n));
    if (n < 2) return Status::InvalidArgument(std::string(src) + ": max_name_block must be at least 2");
    c->match.blocking.max_name_block = static_cast<size_t>(n);
  }
  double d = 0;
  if (t.contains("threshold")) {
    DOPPEL_RETURN_IF_ERROR(Get(t, "threshold", src, &d));
    if (!(d > 0 && d < 1)) return Status::InvalidArgument(std::string(src) + ": threshold must be in (0, 1)");
    c->match.cluster.threshold = d;
  }
  if (t.contains("link_threshold")) {
    DOPPEL_RETURN_IF_ERROR(Get(t, "link_threshold", src, &d));
    if (!(d >= 0 && d < 1)) return Status::InvalidArgument(std::string(src) + ": link_threshold must be in [0, 1)");
    c->match.cluster.link_threshold = d;
  }
  std::string s;
  DOPPEL_RETURN_IF_ERROR(GetByteSize(t, "pair_memory", src, &c->match.pair_memory));
  DOPPEL_RETURN_IF_ERROR(GetByteSize(t, "record_memory", src, &c->match.record_memory));
  DOPPEL_RETURN_IF_ERROR(Get(t, "spill_dir", src, &c->match.spill_dir));
  if (t.contains("survivorship")) {
    DOPPEL_RETURN_IF_ERROR(Get(t, "survivorship", src, &s));
    DOPPEL_ASSIGN_OR_RETURN(c->survivorship.rule, ParseSurvivorship(s));
  }
  if (t.contains("source_priority")) {
    const auto* arr = t.get_as<toml::array>("source_priority");
    if (arr == nullptr) return Status::InvalidArgument(std::string(src) + ": [match] source_priority is a list of strings");
    c->survivorship.source_priority.clear();
    for (const auto& item : *arr) {
      auto v = item.value<std::string>();
      if (!v) return Status::InvalidArgument(Where(src, item) + ": sources are strings");
      c->survivorship.source_priority.push_back(Fold(Trim(*v)));
    }
  }
  return Status::Ok();
}

Status ApplyProfile(const Table& t, std::string_view src, JobConfig* c) {
  DOPPEL_RETURN_IF_ERROR(CheckKeys(t, "profile", src, {"examples", "stale_after_days"}));
  int64_t n = 0;
  if (t.contains("examples")) {
    DOPPEL_RETURN_IF_ERROR(Get(t, "examples", src, &n));
    c->profile.examples_per_reason = static_cast<size_t>(std::max<int64_t>(0, n));
  }
  if (t.contains("stale_after_days")) {
    DOPPEL_RETURN_IF_ERROR(Get(t, "stale_after_days", src, &n));
    c->profile.stale_after_days = static_cast<int32_t>(n);
  }
  return Status::Ok();
}

Status ApplyStaleness(const Table& t, std::string_view src, JobConfig* c) {
  DOPPEL_RETURN_IF_ERROR(CheckKeys(t, "staleness", src,
                                   {"phone_half_life_days", "email_half_life_days", "address_half_life_days",
                                    "threshold", "max_unverified_days", "tolerated_stale_share"}));
  StalenessPolicy& p = c->loop.staleness;
  DOPPEL_RETURN_IF_ERROR(Get(t, "phone_half_life_days", src, &p.phone_half_life_days));
  DOPPEL_RETURN_IF_ERROR(Get(t, "email_half_life_days", src, &p.email_half_life_days));
  DOPPEL_RETURN_IF_ERROR(Get(t, "address_half_life_days", src, &p.address_half_life_days));
  DOPPEL_RETURN_IF_ERROR(Get(t, "threshold", src, &p.threshold));
  DOPPEL_RETURN_IF_ERROR(Get(t, "tolerated_stale_share", src, &p.tolerated_stale_share));
  int64_t days = p.max_unverified_days;
  DOPPEL_RETURN_IF_ERROR(Get(t, "max_unverified_days", src, &days));
  p.max_unverified_days = static_cast<int>(days);
  return Status::Ok();
}

Status ApplySegmentsSection(const Table& t, std::string_view src, JobConfig* c) {
  DOPPEL_RETURN_IF_ERROR(CheckKeys(t, "segments", src, {"mid_value", "high_value"}));
  DOPPEL_RETURN_IF_ERROR(Get(t, "mid_value", src, &c->loop.segments.mid_value));
  DOPPEL_RETURN_IF_ERROR(Get(t, "high_value", src, &c->loop.segments.high_value));
  return Status::Ok();
}

Status ApplyPriority(const Table& t, std::string_view src, JobConfig* c) {
  DOPPEL_RETURN_IF_ERROR(CheckKeys(t, "priority", src, {"value", "staleness", "uncertainty"}));
  PriorityWeights& w = c->loop.segments.weights;
  DOPPEL_RETURN_IF_ERROR(Get(t, "value", src, &w.value));
  DOPPEL_RETURN_IF_ERROR(Get(t, "staleness", src, &w.staleness));
  DOPPEL_RETURN_IF_ERROR(Get(t, "uncertainty", src, &w.uncertainty));
  return Status::Ok();
}

Status ApplyRetention(const Table& t, std::string_view src, JobConfig* c) {
  DOPPEL_RETURN_IF_ERROR(CheckKeys(t, "retention", src, {"inactive_years", "require_no_valid_contact"}));
  int64_t years = c->loop.retention_inactive_years;
  DOPPEL_RETURN_IF_ERROR(Get(t, "inactive_years", src, &years));
  if (years < 0 || years > 200) {
    return Status::InvalidArgument(std::string(src) + ": [retention] inactive_years must be 0 (off) to 200");
  }
  c->loop.retention_inactive_years = static_cast<int>(years);
  DOPPEL_RETURN_IF_ERROR(Get(t, "require_no_valid_contact", src, &c->loop.retention_require_no_contact));
  return Status::Ok();
}

Status ApplyCallList(const Table& t, std::string_view src, JobConfig* c) {
  DOPPEL_RETURN_IF_ERROR(CheckKeys(t, "calllist", src, {"hours", "days", "default_utc_offset_minutes"}));
  DOPPEL_RETURN_IF_ERROR(Get(t, "hours", src, &c->loop.calling_hours));
  DOPPEL_RETURN_IF_ERROR(Get(t, "days", src, &c->loop.calling_days));
  int64_t offset = c->loop.default_utc_offset_minutes;
  DOPPEL_RETURN_IF_ERROR(Get(t, "default_utc_offset_minutes", src, &offset));
  c->loop.default_utc_offset_minutes = static_cast<int>(offset);
  return Status::Ok();
}

// [[segment]] tables, in order; they replace the default rules.
Status ApplySegmentRules(const toml::node& node, std::string_view src, JobConfig* c) {
  const toml::array* arr = node.as_array();
  if (arr == nullptr || !arr->is_array_of_tables()) {
    return Status::InvalidArgument(Where(src, node) + ": 'segment' must be written as [[segment]] tables");
  }
  c->loop.segments.rules.clear();
  for (const toml::node& el : *arr) {
    const Table& t = *el.as_table();
    DOPPEL_RETURN_IF_ERROR(CheckKeys(t, "[segment]", src, {"name", "description", "when"}));
    SegmentRule rule;
    DOPPEL_RETURN_IF_ERROR(Get(t, "name", src, &rule.name));
    DOPPEL_RETURN_IF_ERROR(Get(t, "description", src, &rule.description));
    const toml::node* when = t.get("when");
    std::vector<std::string> conditions;
    if (when != nullptr && when->is_string()) {
      conditions.push_back(*when->value<std::string>());
    } else if (when != nullptr && when->is_array()) {
      for (const toml::node& w : *when->as_array()) {
        auto v = w.value<std::string>();
        if (!v) return Status::InvalidArgument(Where(src, w) + ": conditions are strings like \"purchases >= 5\"");
        conditions.push_back(*v);
      }
    } else {
      return Status::InvalidArgument(Where(src, el) + ": segment '" + rule.name +
                                     "' needs when = [\"condition\", ...]");
    }
    for (const auto& text : conditions) {
      auto cond = ParseCondition(text);
      if (!cond.ok()) return Status::InvalidArgument(Where(src, el) + ": " + cond.status().message());
      rule.when.push_back(std::move(*cond));
    }
    if (rule.description.empty()) {
      for (const auto& cond : rule.when) rule.description += (rule.description.empty() ? "" : " and ") + cond.text;
    }
    c->loop.segments.rules.push_back(std::move(rule));
  }
  return Status::Ok();
}

}  // namespace

Status ApplyConfigToml(std::string_view toml_text, std::string_view source_name, JobConfig* config) {
  Table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    return Status::InvalidArgument(std::string(source_name) + ":" + std::to_string(where.line) + ":" +
                                   std::to_string(where.column) + ": " + std::string(e.description()));
  }
  for (const auto& [key, node] : root) {
    const Table* t = node.as_table();
    std::string_view k = key.str();
    if (k == "segment") {
      DOPPEL_RETURN_IF_ERROR(ApplySegmentRules(node, source_name, config));
      continue;
    }
    if (t == nullptr) {
      return Status::InvalidArgument(Where(source_name, node) + ": '" + std::string(k) +
                                     "' must be a section ([input], [columns], [normalize], [dedupe], [match], [profile])");
    }
    if (k == "input") DOPPEL_RETURN_IF_ERROR(ApplyInput(*t, source_name, config));
    else if (k == "columns") DOPPEL_RETURN_IF_ERROR(ApplyColumns(*t, source_name, config));
    else if (k == "normalize") DOPPEL_RETURN_IF_ERROR(ApplyNormalize(*t, source_name, config));
    else if (k == "dedupe") DOPPEL_RETURN_IF_ERROR(ApplyDedupe(*t, source_name, config));
    else if (k == "profile") DOPPEL_RETURN_IF_ERROR(ApplyProfile(*t, source_name, config));
    else if (k == "match") DOPPEL_RETURN_IF_ERROR(ApplyMatch(*t, source_name, config));
    else if (k == "staleness") DOPPEL_RETURN_IF_ERROR(ApplyStaleness(*t, source_name, config));
    else if (k == "segments") DOPPEL_RETURN_IF_ERROR(ApplySegmentsSection(*t, source_name, config));
    else if (k == "priority") DOPPEL_RETURN_IF_ERROR(ApplyPriority(*t, source_name, config));
    else if (k == "calllist") DOPPEL_RETURN_IF_ERROR(ApplyCallList(*t, source_name, config));
    else if (k == "retention") DOPPEL_RETURN_IF_ERROR(ApplyRetention(*t, source_name, config));
    else {
      return Status::InvalidArgument(Where(source_name, node) + ": unknown section [" + std::string(k) +
                                     "] (known: input, columns, normalize, dedupe, match, profile, staleness, "
                                     "segment, segments, priority, calllist, retention)");
    }
  }
  return config->Validate();
}

}  // namespace doppel::core
