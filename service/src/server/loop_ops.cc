// The actualization loop's ops: suppress, calllist, outcomes, report. Reads
// run on the worker; writes go through the committer like ingest, so they
// share its group commit and its atomicity.
#include <memory>

#include "doppel/core/date.h"
#include "doppel/core/staleness.h"
#include "doppel/core/unicode.h"
#include "doppel/service/actualize.h"
#include "msgpack_util.h"
#include "server_internal.h"

namespace doppel::service {

namespace {

std::string Text(const msgpack::object* args, std::string_view key) {
  if (args == nullptr) return {};
  const msgpack::object* o = Find(*args, key);
  if (o == nullptr) return {};
  return ScalarText(*o).value_or("");
}

bool Flag(const msgpack::object* args, std::string_view key) {
  const msgpack::object* o = args ? Find(*args, key) : nullptr;
  return o != nullptr && o->type == msgpack::type::BOOLEAN && o->via.boolean;
}

void PackOutcomeCounts(Packer& p, const core::OutcomeCounts& c) {
  p.pack_map(5);
  Kv(p, "confirmed", c.confirmed);
  Kv(p, "updated", c.updated);
  Kv(p, "unreachable", c.unreachable);
  Kv(p, "wrong_person", c.wrong_person);
  Kv(p, "do_not_call", c.do_not_call);
}

// The calllist reply: the counts and the entries (and with csv, the CSV the
// command line writes).
std::string CallListReply(const RequestId& id, const CallListResult& result, bool csv) {
  return EncodeOkReply(id, [&](Packer& p) {
    p.pack_map(csv ? 6 : 5);
    if (csv) Kv(p, "csv", core::CallListCsv(result.entries));
    Kv(p, "entities", result.entities);
    Kv(p, "due", result.due);
    PackString(p, "due_by_reason");
    p.pack_map(static_cast<uint32_t>(result.due_by_reason.size()));
    for (const auto& [reason, n] : result.due_by_reason) Kv(p, reason, n);
    Kv(p, "callable", result.callable);
    PackString(p, "entries");
    p.pack_array(static_cast<uint32_t>(result.entries.size()));
    for (const auto& e : result.entries) {
      p.pack_map(16);
      Kv(p, "entity", e.entity);
      Kv(p, "priority", e.priority);
      Kv(p, "segment", e.segment);
      Kv(p, "last_name", e.last);
      Kv(p, "first_name", e.first);
      Kv(p, "middle_name", e.middle);
      Kv(p, "phone", e.phone);
      Kv(p, "carrier", e.carrier);
      Kv(p, "region", e.region);
      Kv(p, "reasons", e.reasons);
      Kv(p, "staleness", e.staleness);
      Kv(p, "utc_offset_minutes", static_cast<int64_t>(e.utc_offset_minutes));
      Kv(p, "time_zone_source", e.time_zone_source);
      Kv(p, "local_window", e.local_window);
      Kv(p, "call_from_ms", e.call_from_ms);
      Kv(p, "call_until_ms", e.call_until_ms);
    }
  });
}

}  // namespace

std::optional<std::optional<std::string>> Handler::HandleLoop(std::string_view op, const msgpack::object* args,
                                                              Job& job) {
  if (op != "suppress" && op != "calllist" && op != "segments" && op != "outcomes" && op != "report" &&
      op != "erase") {
    return std::nullopt;
  }
  auto fail = [&](ErrorCode code, const std::string& message) {
    return std::optional<std::string>(Fail(job, code, message));
  };
  auto fail_status = [&](const Status& s) { return fail(CodeOf(s), s.message()); };
  int64_t now = NowMs();
  int32_t today = core::YmdFromMs(now);
  if (std::string t = Text(args, "today"); !t.empty()) {
    // As the CLI: a given day starts at its midnight UTC.
    auto d = core::ParseDay(t);
    if (!d.ok()) return fail_status(d.status());
    today = *d;
    now = core::DaysFromCivil(today / 10000, today / 100 % 100, today % 100) * 86400000;
  }
  auto submit = [&](std::string actor, std::function<Status(storage::Store::WriteGroup&)> stage,
                    std::function<std::string()> reply) -> std::optional<std::string> {
    IngestJob wj;
    wj.kind = IngestJob::Kind::kStaged;
    wj.envelope = job.envelope;
    wj.id = job.id;
    wj.actor = {std::move(actor), Text(args, "source"), now};
    wj.stage = std::move(stage);
    wj.staged_reply = std::move(reply);
    wj.audit = HandOver();
    committer_.Submit(std::move(wj));
    return std::nullopt;
  };

  const Role role = job.envelope.role;
  if (op == "suppress") {
    std::string action = Text(args, "action");
    audit_.detail = "{\"action\":\"" + (action == "add" || action == "remove" || action == "check" || action == "list" ? action : std::string("?")) + "\"}";
    // Operators may only check a number; ingest services may also change the
    // list; listing it whole is for admins.
    bool permitted = role == Role::kAdmin || (role == Role::kIngest && action != "list") ||
                     (role == Role::kOperator && action == "check");
    if (!permitted) {
      return fail(ErrorCode::kForbidden, "role '" + std::string(RoleName(role)) + "' may not " +
                                             (action.empty() ? std::string("use suppress") : "suppress " + action));
    }
    if (action == "list") {
      uint64_t limit = 1000;
      if (auto l = args ? AsUint(Find(*args, "limit")) : std::nullopt) limit = *l;
      std::vector<core::Suppression> entries;
      Status s = store_.ListSuppressions([&](const core::Suppression& e) {
        entries.push_back(e);
        return entries.size() < limit;
      });
      if (!s.ok()) return fail_status(s);
      return EncodeOkReply(job.id, [&](Packer& p) {
        p.pack_map(1);
        PackString(p, "entries");
        p.pack_array(static_cast<uint32_t>(entries.size()));
        for (const auto& e : entries) {
          p.pack_map(6);
          Kv(p, "kind", core::ContactKindName(e.kind));
          Kv(p, "value", e.value);
          Kv(p, "reason", core::SuppressReasonName(e.reason));
          Kv(p, "source", e.source);
          Kv(p, "date", static_cast<int64_t>(e.date));
          Kv(p, "note", e.note);
        }
      });
    }
    std::string raw = Text(args, "value");
    if (raw.empty()) return fail(ErrorCode::kBadRequest, "suppress needs args.value (a phone or email)");
    core::ContactKind kind = raw.find('@') != std::string::npos ? core::ContactKind::kEmail : core::ContactKind::kPhone;
    if (std::string k = Text(args, "kind"); !k.empty()) {
      auto parsed = core::ParseContactKind(k);
      if (!parsed.ok()) return fail_status(parsed.status());
      kind = *parsed;
    }
    auto value = core::NormalizeSuppressedValue(kind, raw, options_.normalize.phone);
    if (!value.ok()) return fail_status(value.status());
    if (action == "check") {
      auto found = store_.GetSuppression(kind, *value);
      if (!found.ok()) return fail_status(found.status());
      return EncodeOkReply(job.id, [&](Packer& p) {
        p.pack_map(3);
        Kv(p, "value", *value);
        Kv(p, "suppressed", found->has_value());
        Kv(p, "reason", found->has_value() ? core::SuppressReasonName((*found)->reason) : std::string_view());
      });
    }
    if (action == "add") {
      core::Suppression s;
      s.kind = kind;
      s.value = *value;
      auto reason = core::ParseSuppressReason(Text(args, "reason").empty() ? "other" : Text(args, "reason"));
      if (!reason.ok()) return fail_status(reason.status());
      s.reason = *reason;
      s.source = Text(args, "source");
      s.note = Text(args, "note");
      s.date = today;
      auto actor = storage::Actor{"suppress", s.source, now};
      return submit("suppress", [s, actor](storage::Store::WriteGroup& g) { return g.Suppress(s, actor); },
                    [id = job.id, s] {
                      return EncodeOkReply(id, [&](Packer& p) {
                        p.pack_map(2);
                        Kv(p, "value", s.value);
                        Kv(p, "suppressed", true);
                      });
                    });
    }
    if (action == "remove") {
      auto removed = std::make_shared<bool>(false);
      auto actor = storage::Actor{"unsuppress", Text(args, "source"), now};
      std::string v = *value;
      return submit(
          "unsuppress",
          [kind, v, actor, removed](storage::Store::WriteGroup& g) -> Status {
            DOPPEL_ASSIGN_OR_RETURN(*removed, g.Unsuppress(kind, v, actor));
            return Status::Ok();
          },
          [id = job.id, v, removed] {
            return EncodeOkReply(id, [&](Packer& p) {
              p.pack_map(2);
              Kv(p, "value", v);
              Kv(p, "removed", *removed);
            });
          });
    }
    return fail(ErrorCode::kBadRequest, "suppress needs args.action: add, remove, check or list");
  }

  if (op == "erase") {
    auto entity = args ? AsUint(Find(*args, "entity")) : std::nullopt;
    if (!entity) return fail(ErrorCode::kBadRequest, "erase needs args.entity (the entity to erase)");
    audit_.entities = {*entity};
    auto result = std::make_shared<storage::Store::WriteGroup::Erasure>();
    storage::Actor actor{"erase", Text(args, "reason"), now};
    return submit(
        "erase",
        [result, actor, id = *entity](storage::Store::WriteGroup& g) -> Status {
          DOPPEL_ASSIGN_OR_RETURN(*result, g.Erase(id, actor));
          return Status::Ok();
        },
        [this, id = job.id, result] {
          // After the commit: rewrite the files so the bytes leave them.
          Status compacted = store_.CompactAfterErasure();
          return EncodeOkReply(id, [&](Packer& p) {
            p.pack_map(5);
            Kv(p, "entity", result->entity);
            Kv(p, "records", result->records);
            Kv(p, "tombstones", static_cast<uint64_t>(result->tombstones));
            Kv(p, "events_removed", static_cast<uint64_t>(result->events_removed));
            Kv(p, "compacted", compacted.ok());
          });
        });
  }

  if (op == "calllist") {
    uint64_t limit = 1000;
    if (auto l = args ? AsUint(Find(*args, "limit")) : std::nullopt) limit = *l;
    if (limit > 100000) return fail(ErrorCode::kTooLarge, "calllist: limit is at most 100000 per request");
    auto o = MakeCallListOptions(options_.loop, Text(args, "segment"), limit, Flag(args, "all"), now);
    if (!o.ok()) return fail_status(o.status());
    auto result = BuildCallList(store_, options_.loop, *o, today);
    if (!result.ok()) return fail_status(result.status());
    audit_.detail = "{\"entries\":" + std::to_string(result->entries.size()) + "}";
    for (const auto& e : result->entries) audit_.entities.push_back(e.entity);
    if (role == Role::kOperator && !result->entries.empty()) {
      // The operator may report outcomes for these clients (and only these).
      std::vector<uint64_t> listed;
      for (const auto& e : result->entries) listed.push_back(e.entity);
      auto list = std::make_shared<CallListResult>(std::move(*result));
      const bool csv = Flag(args, "csv");
      return submit(
          "calllist",
          [listed, client = job.envelope.client, now](storage::Store::WriteGroup& g) {
            return g.Assign(client, listed, now);
          },
          [id = job.id, list, csv] { return CallListReply(id, *list, csv); });
    }
    return CallListReply(job.id, *result, Flag(args, "csv"));
  }
  if (op == "segments") {
    std::string segment = Text(args, "segment");
    if (!segment.empty() && role == Role::kAnalyst) {
      return fail(ErrorCode::kForbidden, "analysts see aggregates only: segment members carry personal data");
    }
    uint64_t offset = 0, limit = 100;
    if (auto v = args ? AsUint(Find(*args, "offset")) : std::nullopt) offset = *v;
    if (auto v = args ? AsUint(Find(*args, "limit")) : std::nullopt) limit = *v;
    if (limit > 10000) return fail(ErrorCode::kTooLarge, "segments: limit is at most 10000 members per request");
    auto result = QuerySegments(store_, options_.loop, today, segment, offset, segment.empty() ? 0 : limit);
    if (!result.ok()) return fail_status(result.status());
    audit_.detail = "{\"members\":" + std::to_string(result->members.size()) + "}";
    for (const auto& m : result->members) audit_.entities.push_back(m.entity);
    const bool csv = Flag(args, "csv");
    return EncodeOkReply(job.id, [&](Packer& p) {
      p.pack_map(csv ? 4 : 3);
      if (csv) Kv(p, "csv", SegmentsCsv(*result, !segment.empty()));
      PackString(p, "segments");
      p.pack_array(static_cast<uint32_t>(result->segments.size()));
      for (const auto& seg : result->segments) {
        const core::QualityFigures& q = seg.quality;
        p.pack_map(11);
        Kv(p, "name", seg.name);
        Kv(p, "description", seg.description);
        Kv(p, "entities", q.entities);
        Kv(p, "due", seg.due);
        Kv(p, "reachable", q.reachable);
        Kv(p, "stale", q.stale);
        Kv(p, "never_verified", q.never_verified);
        Kv(p, "unreachable", q.unreachable);
        Kv(p, "suppressed_contacts", q.suppressed_contacts);
        Kv(p, "mean_staleness", q.mean_staleness);
        PackString(p, "due_by_reason");
        p.pack_map(static_cast<uint32_t>(seg.due_by_reason.size()));
        for (const auto& [reason, n] : seg.due_by_reason) Kv(p, reason, n);
      }
      Kv(p, "members_total", result->members_total);
      PackString(p, "members");
      p.pack_array(static_cast<uint32_t>(result->members.size()));
      for (const auto& m : result->members) {
        p.pack_map(13);
        Kv(p, "entity", m.entity);
        Kv(p, "last_name", m.last);
        Kv(p, "first_name", m.first);
        Kv(p, "middle_name", m.middle);
        Kv(p, "priority", m.priority);
        Kv(p, "staleness", m.staleness);
        Kv(p, "value_score", m.value_score);
        Kv(p, "uncertainty", m.uncertainty);
        Kv(p, "value_tier", m.value_tier);
        Kv(p, "channel", m.channel);
        Kv(p, "days_since_purchase", m.days_since_purchase);
        Kv(p, "due", m.due);
        Kv(p, "reasons", m.reasons);
      }
    });
  }

  if (op == "outcomes") {
    const msgpack::object* rows = args ? Find(*args, "rows") : nullptr;
    if (rows == nullptr || rows->type != msgpack::type::ARRAY) {
      return fail(ErrorCode::kBadRequest, "outcomes needs args.rows: [{entity_id, contact, outcome, called_at, ...}]");
    }
    if (rows->via.array.size > options_.max_rows) {
      return fail(ErrorCode::kTooLarge, "outcomes: at most " + std::to_string(options_.max_rows) + " rows per request");
    }
    std::vector<std::string> header;
    for (auto c : core::OutcomeColumns()) header.emplace_back(c);
    auto parsed = std::make_shared<std::vector<core::OutcomeRow>>();
    auto rejected = std::make_shared<std::vector<core::OutcomeRowError>>();
    for (uint32_t i = 0; i < rows->via.array.size; ++i) {
      const msgpack::object& row = rows->via.array.ptr[i];
      if (row.type != msgpack::type::MAP) {
        rejected->push_back({i, "a row must be a map of column -> value", ""});
        continue;
      }
      // Unknown keys are errors, as unknown columns in a file are.
      std::string unknown;
      for (uint32_t k = 0; k < row.via.map.size; ++k) {
        auto key = AsString(&row.via.map.ptr[k].key);
        if (!key || std::find(header.begin(), header.end(), *key) == header.end()) {
          unknown = key ? std::string(*key) : "(not a string)";
          break;
        }
      }
      if (!unknown.empty()) {
        rejected->push_back({i, "unknown column '" + unknown + "'", ""});
        continue;
      }
      std::vector<std::string> values;
      for (const auto& h : header) {
        const msgpack::object* v = Find(row, h);
        values.push_back(v ? ScalarText(*v).value_or("") : "");
      }
      std::vector<std::string_view> cells(values.begin(), values.end());
      core::OutcomeRow r;
      r.line = i;  // the row's index in the request
      Status s = core::ParseOutcomeRow(header, cells, options_.normalize.phone, &r);
      if (!s.ok()) {
        rejected->push_back({i, s.message(), ""});
        continue;
      }
      parsed->push_back(std::move(r));
    }
    if (role == Role::kOperator) {
      // Operators report on their own lists only.
      std::vector<core::OutcomeRow> own;
      for (auto& r : *parsed) {
        auto assigned = store_.IsAssigned(job.envelope.client, r.entity);
        if (assigned.ok() && *assigned) {
          own.push_back(std::move(r));
        } else {
          rejected->push_back({r.line, "entity " + std::to_string(r.entity) + " is not on a call list given to you", ""});
        }
      }
      *parsed = std::move(own);
    }
    audit_.detail = "{\"rows\":" + std::to_string(rows->via.array.size) + "}";
    for (const auto& r : *parsed) audit_.entities.push_back(r.entity);
    auto result = std::make_shared<OutcomeBatchResult>();
    core::NormalizeOptions normalize = options_.normalize;
    normalize.threads = 1;
    storage::Actor actor{"outcomes", Text(args, "source").empty() ? "call_centre" : Text(args, "source"), now};
    return submit(
        "outcomes",
        [this, parsed, result, actor, normalize](storage::Store::WriteGroup& g) -> Status {
          DOPPEL_ASSIGN_OR_RETURN(*result, StageOutcomes(store_, g, *parsed, actor, normalize));
          return Status::Ok();
        },
        [id = job.id, result, rejected] {
          std::vector<core::OutcomeRowError> all = *rejected;
          all.insert(all.end(), result->rejected.begin(), result->rejected.end());
          std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.line < b.line; });
          return EncodeOkReply(id, [&](Packer& p) {
            p.pack_map(7);
            Kv(p, "applied", result->applied);
            PackString(p, "counts");
            PackOutcomeCounts(p, result->counts);
            Kv(p, "records_added", result->records_added);
            Kv(p, "entities_merged", result->entities_merged);
            Kv(p, "suppressed", result->suppressed);
            Kv(p, "detached", result->detached);
            PackString(p, "rejects");
            p.pack_array(static_cast<uint32_t>(all.size()));
            for (const auto& r : all) {
              p.pack_map(2);
              Kv(p, "index", r.line);
              Kv(p, "reason", r.reason);
            }
          });
        });
  }

  // report
  bool record = true, html = false;
  if (const msgpack::object* r = args ? Find(*args, "record") : nullptr; r && r->type == msgpack::type::BOOLEAN) {
    record = r->via.boolean;
  }
  if (const msgpack::object* h = args ? Find(*args, "html") : nullptr; h && h->type == msgpack::type::BOOLEAN) {
    html = h->via.boolean;
  }
  auto report = BuildReport(store_, options_.loop, today, now, record);
  if (!report.ok()) return fail_status(report.status());
  return EncodeOkReply(job.id, [&](Packer& p) {
    p.pack_map(html ? 3 : 2);
    Kv(p, "json", core::ReportJson(*report));
    Kv(p, "segments_csv", core::ReportSegmentsCsv(*report));
    if (html) Kv(p, "html", core::ReportHtml(*report));
  });
}

}  // namespace doppel::service
