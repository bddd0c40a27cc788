// doppel audit verify|query: the hash-chained trail of who read or changed
// personal data; doppel erase: a person's data removed on request
// (docs/security.md).
#include <cstdio>

#include "cli/common.h"
#include "doppel/core/calllist.h"
#include "doppel/core/config.h"
#include "doppel/core/date.h"
#include "doppel/core/staleness.h"
#include "doppel/core/writers.h"
#include "doppel/service/actualize.h"
#include "doppel/service/client.h"
#include "doppel/storage/file.h"
#include "doppel/storage/store.h"

namespace doppel::cli {

namespace {

Result<std::unique_ptr<storage::Store>> OpenExisting(const std::string& db) {
  storage::StoreOptions o;
  o.create_if_missing = false;
  return storage::Store::Open(db, o);
}

// "2026-12-04" (start of day) or "2026-12-04T10:30:00" -> ms since the epoch, UTC.
Result<int64_t> ParseMoment(const std::string& text, bool end_of_day) {
  DOPPEL_ASSIGN_OR_RETURN(int32_t day, core::ParseDay(text.substr(0, 10)));
  int64_t ms = core::DaysFromCivil(day / 10000, day / 100 % 100, day % 100) * 86400000;
  if (text.size() >= 19 && (text[10] == 'T' || text[10] == ' ')) {
    int h = std::stoi(text.substr(11, 2)), m = std::stoi(text.substr(14, 2)), s = std::stoi(text.substr(17, 2));
    return ms + ((h * 60 + m) * 60 + s) * 1000LL;
  }
  return end_of_day ? ms + 86400000 - 1 : ms;
}

}  // namespace

void RegisterAudit(CLI::App& app, std::vector<std::pair<CLI::App*, Command>>& out) {
  CLI::App* sub = app.add_subcommand("audit", "The audit trail: who read or changed personal data");
  sub->require_subcommand(1);
  struct Args {
    std::string db = "var/doppel", client, op, record, from, to;
    uint64_t entity = 0;
    size_t limit = 0;
  };
  auto a = std::make_shared<Args>();

  CLI::App* verify = sub->add_subcommand("verify", "Check the hash chain: any edited or removed event is found");
  verify->add_option("--db", a->db, "Database directory (default: var/doppel)");
  out.emplace_back(verify, [a] {
    auto store = OpenExisting(a->db);
    if (!store.ok()) return Fail(store.status());
    auto check = (*store)->VerifyAudit();
    if (!check.ok()) return Fail(check.status());
    if (!check->ok) {
      std::printf("audit trail BROKEN at event %llu: %s (%llu events before it are intact)\n",
                  static_cast<unsigned long long>(check->first_bad), check->problem.c_str(),
                  static_cast<unsigned long long>(check->events));
      return kExitFailure;
    }
    std::printf("audit trail intact: %s events; head %s\n", core::WithThousands(check->events).c_str(),
                check->head.empty() ? "(empty)" : check->head.c_str());
    return kExitOk;
  });

  CLI::App* query = sub->add_subcommand("query", "Print events (CSV) by time, client, op, entity or record");
  query->add_option("--db", a->db, "Database directory (default: var/doppel)");
  query->add_option("--from", a->from, "From this moment: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS (UTC)");
  query->add_option("--to", a->to, "Up to this moment (a date alone: its whole day)");
  query->add_option("--client", a->client, "Only this client id");
  query->add_option("--op", a->op, "Only this op");
  query->add_option("--entity", a->entity, "Only events naming this entity");
  query->add_option("--record", a->record, "Only events naming this record");
  query->add_option("--limit", a->limit, "At most this many events (default: all)");
  out.emplace_back(query, [a] {
    storage::AuditFilter f;
    if (!a->from.empty()) {
      auto ms = ParseMoment(a->from, false);
      if (!ms.ok()) return Fail(ms.status());
      f.from_ms = *ms;
    }
    if (!a->to.empty()) {
      auto ms = ParseMoment(a->to, true);
      if (!ms.ok()) return Fail(ms.status());
      f.to_ms = *ms;
    }
    f.client = a->client;
    f.op = a->op;
    f.entity = a->entity;
    f.record = a->record;
    auto store = OpenExisting(a->db);
    if (!store.ok()) return Fail(store.status());
    std::string csv = "seq,time_utc,client,role,op,outcome,entities,records,detail\n";
    size_t n = 0;
    Status s = (*store)->QueryAudit(f, [&](const storage::AuditEvent& e) {
      std::string entities, records;
      for (uint64_t x : e.entities) entities += (entities.empty() ? "" : ";") + std::to_string(x);
      for (const auto& r : e.records) records += (records.empty() ? "" : ";") + r;
      std::string seq = std::to_string(e.seq), time = core::IsoUtc(e.time_ms);
      core::AppendCsvRow(csv, {seq, time, e.client, e.role, e.op, e.outcome, entities, records, e.detail});
      return a->limit == 0 || ++n < a->limit;
    });
    std::fwrite(csv.data(), 1, csv.size(), stdout);
    if (!s.ok()) return Fail(s);
    return kExitOk;
  });
}

void RegisterErase(CLI::App& app, std::vector<std::pair<CLI::App*, Command>>& out) {
  struct Args {
    std::string db = "var/doppel", server, reason;
    uint64_t entity = 0;
  };
  auto a = std::make_shared<Args>();
  CLI::App* sub = app.add_subcommand(
      "erase", "Erase a person on request: records, golden record, history and index entries go; a tombstone stays");
  sub->add_option("--entity", a->entity, "The entity to erase")->required();
  sub->add_option("--reason", a->reason, "Why (a request number; no personal data)")->required();
  sub->add_option("--db", a->db, "Database directory (default: var/doppel)");
  sub->add_option("--server", a->server, "Ask doppeld at this endpoint instead (admin key)");
  out.emplace_back(sub, [a] {
    if (!a->server.empty()) {
      auto client = service::Client::Connect(a->server);
      if (!client.ok()) return Fail(client.status());
      auto r = (*client)->EraseJson(a->entity, a->reason);
      if (!r.ok()) return Fail(r.status());
      std::fwrite(r->data(), 1, r->size(), stdout);
      return kExitOk;
    }
    auto store = OpenExisting(a->db);
    if (!store.ok()) return Fail(store.status());
    int64_t now = NowMs();
    auto group = (*store)->BeginGroup();
    auto erased = group->Erase(a->entity, storage::Actor{"erase", a->reason, now});
    if (!erased.ok()) return Fail(erased.status());
    if (Status s = group->Commit(); !s.ok()) return Fail(s);
    group.reset();
    if (Status s = AuditCli(**store, "erase", {erased->entity},
                            "{\"records\":" + std::to_string(erased->records.size()) + "}", now);
        !s.ok()) {
      return Fail(s);
    }
    if (Status s = (*store)->CompactAfterErasure(); !s.ok()) return Fail(s);
    std::printf("Erased entity %llu: %zu records, %zu history events; %zu tombstones keep it from coming back\n",
                static_cast<unsigned long long>(erased->entity), erased->records.size(), erased->events_removed,
                erased->tombstones);
    return kExitOk;
  });
}

void RegisterRetention(CLI::App& app, std::vector<std::pair<CLI::App*, Command>>& out) {
  struct Args {
    std::string db = "var/doppel", config, today;
    bool dry_run = false, apply = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* sub = app.add_subcommand("retention", "Erase clients the [retention] rule says are kept too long (see --dry-run)");
  sub->add_option("--db", a->db, "Database directory (default: var/doppel)");
  sub->add_option("--config", a->config, "TOML with [retention] inactive_years (and require_no_valid_contact)")->required();
  sub->add_option("--today", a->today, "Reference date YYYY-MM-DD (default: today)");
  auto* dry = sub->add_flag("--dry-run", a->dry_run, "List who would be erased (CSV), change nothing");
  auto* apply = sub->add_flag("--apply", a->apply, "Erase them (tombstones stay; the audit trail says so)");
  dry->excludes(apply);
  out.emplace_back(sub, [a] {
    if (a->dry_run == a->apply) return Fail(std::string("say --dry-run or --apply"));
    core::JobConfig config;
    auto text = storage::ReadFile(a->config);
    if (!text.ok()) return Fail(text.status());
    if (Status s = core::ApplyConfigToml(*text, a->config, &config); !s.ok()) return Fail(s);
    int64_t now = NowMs();
    int32_t today = core::YmdFromMs(now);
    if (!a->today.empty()) {
      auto d = core::ParseDay(a->today);
      if (!d.ok()) return Fail(d.status());
      today = *d;
    }
    auto store = OpenExisting(a->db);
    if (!store.ok()) return Fail(store.status());
    auto due = service::FindRetentionCandidates(**store, config.loop, today);
    if (!due.ok()) return Fail(due.status());
    if (a->dry_run) {
      std::string csv = "entity_id,last_activity,has_contact\n";
      for (const auto& c : *due) {
        csv += std::to_string(c.entity) + "," + (c.last_activity ? std::to_string(c.last_activity) : "") + "," +
               (c.has_contact ? "1" : "0") + "\n";
      }
      std::fwrite(csv.data(), 1, csv.size(), stdout);
      std::fprintf(stderr, "%s clients would be erased (no activity for %d years%s)\n",
                   core::WithThousands(due->size()).c_str(), config.loop.retention_inactive_years,
                   config.loop.retention_require_no_contact ? " and no usable contact" : "");
      return kExitOk;
    }
    size_t erased = 0, records = 0;
    for (size_t start = 0; start < due->size(); start += 500) {
      auto group = (*store)->BeginGroup();
      for (size_t i = start; i < due->size() && i < start + 500; ++i) {
        auto e = group->Erase((*due)[i].entity, storage::Actor{"retention", a->config, now});
        if (!e.ok()) return Fail(e.status());
        records += e->records.size();
        ++erased;
      }
      if (Status s = group->Commit(); !s.ok()) return Fail(s);
    }
    std::vector<uint64_t> ids;
    for (const auto& c : *due) ids.push_back(c.entity);
    if (Status s = AuditCli(**store, "retention", std::move(ids),
                            "{\"erased\":" + std::to_string(erased) + ",\"records\":" + std::to_string(records) + "}",
                            now);
        !s.ok()) {
      return Fail(s);
    }
    if (erased > 0) {
      if (Status s = (*store)->CompactAfterErasure(); !s.ok()) return Fail(s);
    }
    std::printf("Retention: erased %s clients (%s records)\n", core::WithThousands(erased).c_str(),
                core::WithThousands(records).c_str());
    return kExitOk;
  });
}

}  // namespace doppel::cli
