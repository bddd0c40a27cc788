// The actualization loop on a database directory: numbering plan,
// suppression list, call lists, call outcomes and reports.
//
//   doppel numbering import DEF-9xx.csv --db var/doppel
//   doppel suppress import|add|remove|list --db var/doppel ...
//   doppel calllist --db var/doppel --segment vip --limit 500 --out calls.csv
//   doppel outcomes import results.csv --db var/doppel
//   doppel report --db var/doppel --out report/
//
// These open the database themselves, so doppeld must not hold it (RocksDB
// allows one process); the same operations are server ops (docs/protocol.md).
#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli/common.h"
#include "doppel/core/fs_model.h"
#include "doppel/core/writers.h"
#include "doppel/service/actualize.h"
#include "doppel/service/client.h"
#include "doppel/storage/file.h"
#include "doppel/storage/store.h"

namespace doppel::cli {

namespace {

constexpr const char* kDefaultDb = "var/doppel";


// Flags every loop command shares.
struct LoopFlags {
  std::string db = kDefaultDb;
  std::string config_path;
  std::string today;
  std::string region = "RU";
  std::string server;  // non-empty: ask doppeld instead of opening the database
  bool quiet = false;

  void Register(CLI::App* sub, bool server_too = true) {
    sub->add_option("--db", db, "Database directory (default: var/doppel)");
    if (server_too) {
      sub->add_option("--server", server, "Ask doppeld at this endpoint instead of opening --db (tcp://127.0.0.1:5555)");
    }
    sub->add_option("--config", config_path, "TOML settings: [staleness], [[segment]], [priority], [calllist]");
    sub->add_option("--today", today, "Reference date YYYY-MM-DD (default: today)");
    sub->add_option("--region", region, "Phone region for numbers without a country code (default: RU)");
    sub->add_flag("-q,--quiet", quiet, "No progress on stderr");
  }

  Result<core::JobConfig> Config() const {
    core::JobConfig config;
    if (!config_path.empty()) {
      DOPPEL_ASSIGN_OR_RETURN(std::string text, storage::ReadFile(config_path));
      DOPPEL_RETURN_IF_ERROR(core::ApplyConfigToml(text, config_path, &config));
    }
    config.normalize.phone.default_region = region;
    DOPPEL_RETURN_IF_ERROR(config.Validate());
    return config;
  }

  Result<int32_t> Today() const {
    if (!today.empty()) return core::ParseDay(today);
    return core::YmdFromMs(NowMs());
  }

  Result<std::unique_ptr<storage::Store>> Open(bool create = false,
                                               std::shared_ptr<const core::FsModel> model = nullptr) const {
    storage::StoreOptions o;
    o.create_if_missing = create;
    o.model = std::move(model);
    auto store = storage::Store::Open(db, o);
    if (!store.ok() && store.status().message().find("lock") != std::string::npos) {
      return Status::Unavailable(db + " is in use (is doppeld running on it? use the server ops, or stop it): " +
                                 store.status().message());
    }
    return store;
  }

  Result<std::unique_ptr<service::Client>> Connect() const {
    service::ClientOptions o;
    o.timeout_ms = 600000;  // a call list over a large base takes a while
    return service::Client::Connect(server, o);
  }
};

storage::Actor CliActor(std::string source) {
  storage::Actor a;
  a.name = "cli";
  a.source = std::move(source);
  a.time_ms = NowMs();
  return a;
}

Status WriteWhole(const std::string& path, std::string_view data) {
  DOPPEL_ASSIGN_OR_RETURN(auto f, storage::AtomicFile::Create(path));
  f->Write(data);
  return f->Commit();
}

// Writes several files so that a failure leaves every old one in place: all
// are synced before any is renamed.
Status WriteTogether(const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<std::unique_ptr<storage::AtomicFile>> open;
  for (const auto& [path, data] : files) {
    DOPPEL_ASSIGN_OR_RETURN(auto f, storage::AtomicFile::Create(path));
    f->Write(data);
    DOPPEL_RETURN_IF_ERROR(f->Sync());
    open.push_back(std::move(f));
  }
  for (auto& f : open) DOPPEL_RETURN_IF_ERROR(f->Publish());
  return Status::Ok();
}

Status WriteRejects(const std::string& path, const std::vector<core::OutcomeRowError>& rejected) {
  std::string out = "line,reason,raw\n";
  for (const auto& r : rejected) {
    std::string line = std::to_string(r.line);
    core::AppendCsvRow(out, {line, r.reason, r.raw});
  }
  return WriteWhole(path, out);
}

void PrintRejected(const std::vector<core::OutcomeRowError>& rejected, const std::string& rejects_path) {
  if (rejected.empty()) return;
  std::fprintf(stderr, "%zu rows rejected%s\n", rejected.size(),
               rejects_path.empty() ? " (first ones below; --rejects FILE writes them all):" : "");
  if (!rejects_path.empty()) {
    std::fprintf(stderr, "  written to %s\n", rejects_path.c_str());
    return;
  }
  for (size_t i = 0; i < rejected.size() && i < 10; ++i) {
    std::fprintf(stderr, "  line %llu: %s\n", static_cast<unsigned long long>(rejected[i].line),
                 rejected[i].reason.c_str());
  }
}

// ---- numbering ----------------------------------------------------------------

void RegisterNumbering(CLI::App& app, std::vector<std::pair<CLI::App*, Command>>& out) {
  CLI::App* sub = app.add_subcommand("numbering", "The numbering-plan register: operator, region, allocated ranges");
  sub->require_subcommand(1);
  auto flags = std::make_shared<LoopFlags>();
  auto file = std::make_shared<std::string>();
  CLI::App* imp = sub->add_subcommand("import", "Load the register (CSV as the regulator publishes it); replaces the previous one atomically");
  imp->add_option("file", *file, "Register CSV (АВС/ DEF;От;До;Емкость;Оператор;Регион;...)")->required();
  flags->Register(imp, /*server_too=*/false);
  out.emplace_back(imp, [flags, file] {
    auto text = storage::ReadFile(*file);
    if (!text.ok()) return Fail(text.status());
    std::vector<core::NumberingRowError> errors;
    auto plan = core::NumberingPlan::Parse(*text, &errors);
    if (!plan.ok()) return Fail(*file + ": " + plan.status().message());
    size_t skipped = 0;
    for (const auto& e : errors) skipped += e.skipped;
    auto store = flags->Open(true);
    if (!store.ok()) return Fail(store.status());
    std::string name = *file;
    if (auto slash = name.rfind('/'); slash != std::string::npos) name = name.substr(slash + 1);
    auto today = flags->Today();
    if (!today.ok()) return Fail(today.status());
    char desc[256];
    std::snprintf(desc, sizeof desc, "%s, %zu ranges, imported %d-%02d-%02d", name.c_str(), plan->size(),
                  *today / 10000, *today / 100 % 100, *today % 100);
    if (Status s = (*store)->PutNumberingPlan(plan->Serialize(), desc); !s.ok()) return Fail(s);
    std::printf("Numbering plan: %s ranges, %zu regions from %s (%zu rows skipped, %zu warnings)\n",
                core::WithThousands(plan->size()).c_str(), plan->regions().size(), file->c_str(), skipped,
                errors.size() - skipped);
    for (size_t i = 0; i < errors.size() && i < 5; ++i) {
      std::fprintf(stderr, "  line %llu: %s%s\n", static_cast<unsigned long long>(errors[i].line),
                   errors[i].reason.c_str(), errors[i].skipped ? " (skipped)" : "");
    }
    return kExitOk;
  });
}

// ---- suppression ----------------------------------------------------------------

void RegisterSuppress(CLI::App& app, std::vector<std::pair<CLI::App*, Command>>& out) {
  CLI::App* sub = app.add_subcommand("suppress", "Phones and emails that must never be called or used as match evidence");
  sub->require_subcommand(1);

  struct Args {
    LoopFlags flags;
    std::string file, value, kind, reason = "other", source, note, rejects;
  };
  auto a = std::make_shared<Args>();

  CLI::App* imp = sub->add_subcommand("import", "Load a list (CSV: value|phone|email[,kind,reason,source,date,note])");
  imp->add_option("file", a->file, "CSV file")->required();
  imp->add_option("--reason", a->reason, "Reason for rows without one: do_not_call, blocked, fraud, placeholder, other");
  imp->add_option("--source", a->source, "Where the list came from (default: the file name)");
  imp->add_option("--rejects", a->rejects, "Write rejected rows here");
  a->flags.Register(imp);
  out.emplace_back(imp, [a] {
    auto text = storage::ReadFile(a->file);
    if (!text.ok()) return Fail(text.status());
    auto reason = core::ParseSuppressReason(a->reason);
    if (!reason.ok()) return Fail(reason.status());
    auto today = a->flags.Today();
    if (!today.ok()) return Fail(today.status());
    core::PhoneOptions phone;
    phone.default_region = a->flags.region;
    std::string source = a->source.empty() ? a->file.substr(a->file.rfind('/') + 1) : a->source;
    auto parsed = service::ParseSuppressionCsv(*text, phone, *reason, source, *today);
    if (!parsed.ok()) return Fail(a->file + ": " + parsed.status().message());
    if (!a->flags.server.empty()) {
      auto client = a->flags.Connect();
      if (!client.ok()) return Fail(client.status());
      for (const auto& e : parsed->entries) {
        auto r = (*client)->SuppressJson("add", e.value, std::string(core::SuppressReasonName(e.reason)), e.source);
        if (!r.ok()) return Fail(r.status());
      }
    } else {
      auto store = a->flags.Open(true);
    if (!store.ok()) return Fail(store.status());
      auto group = (*store)->BeginGroup();
      storage::Actor actor = CliActor(source);
      for (const auto& s : parsed->entries) {
        if (Status st = group->Suppress(s, actor); !st.ok()) return Fail(st);
      }
      if (Status st = group->Commit(); !st.ok()) return Fail(st);
      (void)AuditCli(**store, "suppress", {}, "{\"action\":\"import\",\"values\":" + std::to_string(parsed->entries.size()) + "}");
    }
    if (!a->rejects.empty()) {
      if (Status st = WriteRejects(a->rejects, parsed->rejected); !st.ok()) return Fail(st);
    }
    std::printf("Suppressed %s values from %s\n", core::WithThousands(parsed->entries.size()).c_str(), a->file.c_str());
    PrintRejected(parsed->rejected, a->rejects);
    return kExitOk;
  });

  auto add_value_cmd = [&](const char* name, const char* help, bool adding) {
    CLI::App* c = sub->add_subcommand(name, help);
    c->add_option("value", a->value, "The phone or email")->required();
    c->add_option("--kind", a->kind, "phone or email (default: email when it has an @)");
    if (adding) {
      c->add_option("--reason", a->reason, "do_not_call, blocked, fraud, placeholder, other (default: other)");
      c->add_option("--source", a->source, "Who asked");
      c->add_option("--note", a->note, "Free text (no personal data)");
    }
    a->flags.Register(c);
    out.emplace_back(c, [a, adding] {
      core::ContactKind kind = a->value.find('@') != std::string::npos ? core::ContactKind::kEmail
                                                                       : core::ContactKind::kPhone;
      if (!a->kind.empty()) {
        auto k = core::ParseContactKind(a->kind);
        if (!k.ok()) return Fail(k.status());
        kind = *k;
      }
      core::PhoneOptions phone;
      phone.default_region = a->flags.region;
      auto v = core::NormalizeSuppressedValue(kind, a->value, phone);
      if (!v.ok()) return Fail(v.status());
      if (!a->flags.server.empty()) {
        auto client = a->flags.Connect();
        if (!client.ok()) return Fail(client.status());
        auto r = (*client)->SuppressJson(adding ? "add" : "remove", *v, adding ? a->reason : "", a->source);
        if (!r.ok()) return Fail(r.status());
        std::fwrite(r->data(), 1, r->size(), stdout);
        return kExitOk;
      }
      auto store = a->flags.Open(adding);
      if (!store.ok()) return Fail(store.status());
      auto group = (*store)->BeginGroup();
      storage::Actor actor = CliActor(a->source.empty() ? "cli" : a->source);
      if (adding) {
        core::Suppression s;
        s.kind = kind;
        s.value = *v;
        auto reason = core::ParseSuppressReason(a->reason);
        if (!reason.ok()) return Fail(reason.status());
        s.reason = *reason;
        s.source = a->source;
        auto today = a->flags.Today();
        if (!today.ok()) return Fail(today.status());
        s.date = *today;
        s.note = a->note;
        if (Status st = group->Suppress(s, actor); !st.ok()) return Fail(st);
        if (Status st = group->Commit(); !st.ok()) return Fail(st);
        (void)AuditCli(**store, "suppress", {}, "{\"action\":\"add\"}");
        std::printf("Suppressed %s %s (%s)\n", std::string(core::ContactKindName(kind)).c_str(), v->c_str(),
                    std::string(core::SuppressReasonName(s.reason)).c_str());
        return kExitOk;
      }
      auto removed = group->Unsuppress(kind, *v, actor);
      if (!removed.ok()) return Fail(removed.status());
      if (Status st = group->Commit(); !st.ok()) return Fail(st);
      (void)AuditCli(**store, "suppress", {}, "{\"action\":\"remove\"}");
      if (!*removed) return Fail("that " + std::string(core::ContactKindName(kind)) + " is not suppressed");
      std::printf("Removed %s %s from the suppression list\n", std::string(core::ContactKindName(kind)).c_str(),
                  v->c_str());
      return kExitOk;
    });
  };
  add_value_cmd("add", "Suppress one value", true);
  add_value_cmd("remove", "Take one value off the list", false);

  CLI::App* list = sub->add_subcommand("list", "Print the list as CSV");
  a->flags.Register(list);
  out.emplace_back(list, [a] {
    if (!a->flags.server.empty()) {
      auto client = a->flags.Connect();
      if (!client.ok()) return Fail(client.status());
      auto r = (*client)->SuppressJson("list");
      if (!r.ok()) return Fail(r.status());
      std::fwrite(r->data(), 1, r->size(), stdout);
      return kExitOk;
    }
    auto store = a->flags.Open(false);
    if (!store.ok()) return Fail(store.status());
    (void)AuditCli(**store, "suppress", {}, "{\"action\":\"list\"}");
    std::string csv = "kind,value,reason,source,date,note\n";
    size_t n = 0;
    Status s = (*store)->ListSuppressions([&](const core::Suppression& e) {
      std::string date = std::to_string(e.date);
      core::AppendCsvRow(csv, {core::ContactKindName(e.kind), e.value, core::SuppressReasonName(e.reason), e.source,
                               date, e.note});
      if (++n % 4096 == 0) {
        std::fwrite(csv.data(), 1, csv.size(), stdout);
        csv.clear();
      }
      return true;
    });
    std::fwrite(csv.data(), 1, csv.size(), stdout);
    if (!s.ok()) return Fail(s);
    return kExitOk;
  });
}

// ---- call lists ----------------------------------------------------------------

void RegisterCallList(CLI::App& app, std::vector<std::pair<CLI::App*, Command>>& out) {
  struct Args {
    LoopFlags flags;
    std::string segment, out_path;
    size_t limit = 1000;
    bool all = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* sub = app.add_subcommand("calllist", "Who to call first to re-verify contacts: one entry per client, never at night");
  sub->add_option("--segment", a->segment, "Only this segment (default: all)");
  sub->add_option("--limit", a->limit, "Entries at most (default: 1000)");
  sub->add_option("--out", a->out_path, "CSV file to write (default: stdout)");
  sub->add_flag("--all", a->all, "Also clients that are not due for re-verification");
  a->flags.Register(sub);
  out.emplace_back(sub, [a] {
    auto config = a->flags.Config();
    if (!config.ok()) return Fail(config.status());
    auto today = a->flags.Today();
    if (!today.ok()) return Fail(today.status());
    if (!a->flags.server.empty()) {
      auto client = a->flags.Connect();
      if (!client.ok()) return Fail(client.status());
      auto csv = (*client)->CallListCsv(a->segment, a->limit, a->all, a->flags.today);
      if (!csv.ok()) return Fail(csv.status());
      if (a->out_path.empty()) {
        std::fwrite(csv->data(), 1, csv->size(), stdout);
      } else if (Status s = WriteWhole(a->out_path, *csv); !s.ok()) {
        return Fail(s);
      }
      return kExitOk;
    }
    // A given day starts at its midnight UTC (as on the server).
    int64_t now = a->flags.today.empty() ? NowMs()
                                         : core::DaysFromCivil(*today / 10000, *today / 100 % 100, *today % 100) * 86400000;
    auto o = service::MakeCallListOptions(config->loop, a->segment, a->limit, a->all, now);
    if (!o.ok()) return Fail(o.status());
    auto store = a->flags.Open(false);
    if (!store.ok()) return Fail(store.status());
    Progress progress("calllist", a->flags.quiet);
    auto result = service::BuildCallList(**store, config->loop, *o, *today,
                                         [&](uint64_t n) { progress.Update(n); });
    if (!result.ok()) return Fail(result.status());
    progress.Done(result->entities);
    std::vector<uint64_t> listed;
    for (const auto& e : result->entries) listed.push_back(e.entity);
    (void)AuditCli(**store, "calllist", listed, "{\"entries\":" + std::to_string(result->entries.size()) + "}");
    std::string csv = core::CallListCsv(result->entries);
    if (a->out_path.empty()) {
      std::fwrite(csv.data(), 1, csv.size(), stdout);
    } else if (Status s = WriteWhole(a->out_path, csv); !s.ok()) {
      return Fail(s);
    }
    // The base's quality when the list was made: the "before" of a campaign.
    core::QualityPoint point{NowMs(), "call list", result->quality};
    if (Status s = (*store)->AddQualityPoint(point); !s.ok()) return Fail(s);
    std::fprintf(stderr, "%s clients scanned, %s due for re-verification, %s with a phone to call; %zu in the list%s%s\n",
                 core::WithThousands(result->entities).c_str(), core::WithThousands(result->due).c_str(),
                 core::WithThousands(result->callable).c_str(), result->entries.size(),
                 a->out_path.empty() ? "" : " -> ", a->out_path.c_str());
    std::string reasons;
    for (const auto& [reason, n] : result->due_by_reason) {
      reasons += (reasons.empty() ? "" : ", ") + reason + " " + core::WithThousands(n);
    }
    if (!reasons.empty()) std::fprintf(stderr, "due by reason: %s\n", reasons.c_str());
    return kExitOk;
  });
}

// ---- segments ------------------------------------------------------------------

void RegisterSegments(CLI::App& app, std::vector<std::pair<CLI::App*, Command>>& out) {
  struct Args {
    LoopFlags flags;
    std::string segment;
    uint64_t page = 1, page_size = 100;
  };
  auto a = std::make_shared<Args>();
  CLI::App* sub = app.add_subcommand("segments", "Segment sizes and data quality (CSV); with --segment, a page of its members");
  sub->add_option("--segment", a->segment, "List this segment's members");
  sub->add_option("--page", a->page, "Page of members, from 1 (default: 1)");
  sub->add_option("--page-size", a->page_size, "Members per page (default: 100)");
  a->flags.Register(sub);
  out.emplace_back(sub, [a] {
    auto config = a->flags.Config();
    if (!config.ok()) return Fail(config.status());
    auto today = a->flags.Today();
    if (!today.ok()) return Fail(today.status());
    if (a->page < 1 || a->page_size < 1) return Fail(std::string("--page and --page-size start at 1"));
    if (!a->flags.server.empty()) {
      auto client = a->flags.Connect();
      if (!client.ok()) return Fail(client.status());
      auto csv = (*client)->SegmentsCsv(a->segment, (a->page - 1) * a->page_size, a->page_size, a->flags.today);
      if (!csv.ok()) return Fail(csv.status());
      std::fwrite(csv->data(), 1, csv->size(), stdout);
      return kExitOk;
    }
    auto store = a->flags.Open(false);
    if (!store.ok()) return Fail(store.status());
    Progress progress("segments", a->flags.quiet);
    auto result = service::QuerySegments(**store, config->loop, *today, a->segment, (a->page - 1) * a->page_size,
                                         a->segment.empty() ? 0 : a->page_size,
                                         [&](uint64_t n) { progress.Update(n); });
    if (!result.ok()) return Fail(result.status());
    if (!a->segment.empty()) {
      std::vector<uint64_t> members;
      for (const auto& m : result->members) members.push_back(m.entity);
      (void)AuditCli(**store, "segments", members, "{\"members\":" + std::to_string(members.size()) + "}");
    }
    std::string csv = service::SegmentsCsv(*result, !a->segment.empty());
    if (!a->segment.empty()) {
      uint64_t first = (a->page - 1) * a->page_size;
      std::fprintf(stderr, "%s: members %llu-%llu of %s\n", a->segment.c_str(),
                   static_cast<unsigned long long>(result->members.empty() ? 0 : first + 1),
                   static_cast<unsigned long long>(first + result->members.size()),
                   core::WithThousands(result->members_total).c_str());
    }
    std::fwrite(csv.data(), 1, csv.size(), stdout);
    return kExitOk;
  });
}

// ---- outcomes ------------------------------------------------------------------

struct OutcomesArgs {
  LoopFlags flags;
  std::string file, rejects, source = "call_centre", model_path;
};

std::string Ymd(int32_t ymd) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", ymd / 10000, ymd / 100 % 100, ymd % 100);
  return buf;
}

// outcomes import --server: rows parsed here (bad ones rejected with their
// line), sent as one request, which doppeld applies atomically.
int RunOutcomesOnServer(const OutcomesArgs& a, const std::vector<core::OutcomeRow>& rows,
                        std::vector<core::OutcomeRowError> rejected) {
  std::vector<std::map<std::string, std::string>> request;
  for (const auto& r : rows) {
    std::string interests;
    for (const auto& i : r.survey.interests) interests += (interests.empty() ? "" : ";") + i;
    request.push_back({{"entity_id", std::to_string(r.entity)},
                       {"contact", r.contact},
                       {"contact_kind", std::string(core::ContactKindName(r.kind))},
                       {"outcome", std::string(core::OutcomeName(r.outcome))},
                       {"called_at", Ymd(r.date)},
                       {"operator", r.operator_id},
                       {"new_phone", r.new_phone},
                       {"new_email", r.new_email},
                       {"new_address", r.new_address},
                       {"preferred_channel", r.survey.preferred_channel},
                       {"interests", interests},
                       {"note", r.note}});
  }
  auto client = a.flags.Connect();
  if (!client.ok()) return Fail(client.status());
  auto reply = (*client)->Outcomes(request, a.source);
  if (!reply.ok()) return Fail(reply.status());
  for (const auto& [index, reason] : reply->rejects) {
    uint64_t line = index < rows.size() ? rows[index].line : 0;
    rejected.push_back({line, reason, ""});
  }
  std::sort(rejected.begin(), rejected.end(), [](const auto& x, const auto& y) { return x.line < y.line; });
  if (!a.rejects.empty()) {
    if (Status s = WriteRejects(a.rejects, rejected); !s.ok()) return Fail(s);
  }
  auto count = [&](const char* k) {
    auto it = reply->counts.find(k);
    return static_cast<unsigned long long>(it == reply->counts.end() ? 0 : it->second);
  };
  std::printf("Applied %s outcomes: %llu confirmed, %llu updated, %llu unreachable, %llu wrong person, %llu do not call\n",
              core::WithThousands(reply->applied).c_str(), count("confirmed"), count("updated"), count("unreachable"),
              count("wrong_person"), count("do_not_call"));
  std::printf("New contacts stored: %llu (merges they revealed: %llu); suppressed: %llu; contacts detached: %llu\n",
              static_cast<unsigned long long>(reply->records_added),
              static_cast<unsigned long long>(reply->entities_merged),
              static_cast<unsigned long long>(reply->suppressed), static_cast<unsigned long long>(reply->detached));
  PrintRejected(rejected, a.rejects);
  return kExitOk;
}

void RegisterOutcomes(CLI::App& app, std::vector<std::pair<CLI::App*, Command>>& out) {
  CLI::App* sub = app.add_subcommand("outcomes", "Call outcomes from operators");
  sub->require_subcommand(1);
  using Args = OutcomesArgs;
  auto a = std::make_shared<Args>();
  CLI::App* imp = sub->add_subcommand(
      "import", "Apply outcomes (CSV: entity_id,contact,outcome,called_at[,operator,new_phone,new_email,new_address,preferred_channel,interests,note]) atomically");
  imp->add_option("file", a->file, "Outcomes CSV")->required();
  imp->add_option("--rejects", a->rejects, "Write rejected rows (line, reason) here");
  imp->add_option("--source", a->source, "Source name for the history (default: call_centre)");
  imp->add_option("--model", a->model_path, "The model doppeld uses (model.json), so new contacts match as they would there");
  a->flags.Register(imp);
  out.emplace_back(imp, [a] {
    auto config = a->flags.Config();
    if (!config.ok()) return Fail(config.status());
    auto text = storage::ReadFile(a->file);
    if (!text.ok()) return Fail(text.status());
    std::vector<core::OutcomeRowError> rejected;
    auto rows = service::ParseOutcomesCsv(*text, config->normalize.phone, &rejected);
    if (!rows.ok()) return Fail(a->file + ": " + rows.status().message());
    if (!a->flags.server.empty()) return RunOutcomesOnServer(*a, *rows, std::move(rejected));
    std::shared_ptr<const core::FsModel> model;
    if (!a->model_path.empty()) {
      auto json = storage::ReadFile(a->model_path);
      if (!json.ok()) return Fail(json.status());
      auto m = core::FsModel::FromJson(*json);
      if (!m.ok()) return Fail(a->model_path + ": " + m.status().message());
      model = std::make_shared<core::FsModel>(std::move(*m));
    }
    auto store = a->flags.Open(false, model);
    if (!store.ok()) return Fail(store.status());
    auto group = (*store)->BeginGroup();
    auto result = service::StageOutcomes(**store, *group, *rows, CliActor(a->source), config->normalize);
    if (!result.ok()) return Fail(result.status());
    if (Status s = group->Commit(); !s.ok()) return Fail(s);
    std::vector<uint64_t> called;
    for (const auto& r : *rows) called.push_back(r.entity);
    (void)AuditCli(**store, "outcomes", called, "{\"applied\":" + std::to_string(result->applied) + "}");
    rejected.insert(rejected.end(), result->rejected.begin(), result->rejected.end());
    std::sort(rejected.begin(), rejected.end(), [](const auto& x, const auto& y) { return x.line < y.line; });
    if (!a->rejects.empty()) {
      if (Status s = WriteRejects(a->rejects, rejected); !s.ok()) return Fail(s);
    }
    const core::OutcomeCounts& c = result->counts;
    std::printf("Applied %s outcomes: %llu confirmed, %llu updated, %llu unreachable, %llu wrong person, %llu do not call\n",
                core::WithThousands(result->applied).c_str(), static_cast<unsigned long long>(c.confirmed),
                static_cast<unsigned long long>(c.updated), static_cast<unsigned long long>(c.unreachable),
                static_cast<unsigned long long>(c.wrong_person), static_cast<unsigned long long>(c.do_not_call));
    std::printf("New contacts stored: %llu (merges they revealed: %llu); suppressed: %llu; contacts detached: %llu\n",
                static_cast<unsigned long long>(result->records_added),
                static_cast<unsigned long long>(result->entities_merged),
                static_cast<unsigned long long>(result->suppressed), static_cast<unsigned long long>(result->detached));
    PrintRejected(rejected, a->rejects);
    return kExitOk;
  });
}

// ---- report --------------------------------------------------------------------

void RegisterReport(CLI::App& app, std::vector<std::pair<CLI::App*, Command>>& out) {
  struct Args {
    LoopFlags flags;
    std::string out_dir;
    bool no_record = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* sub = app.add_subcommand("report", "Base health, campaign results and per-segment recommendations (JSON, CSV, HTML)");
  sub->add_option("--out", a->out_dir, "Directory for report.json, segments.csv and report.html")->required();
  sub->add_flag("--no-record", a->no_record, "Do not store this report's figures in the quality history");
  a->flags.Register(sub);
  out.emplace_back(sub, [a] {
    auto config = a->flags.Config();
    if (!config.ok()) return Fail(config.status());
    auto today = a->flags.Today();
    if (!today.ok()) return Fail(today.status());
    std::vector<std::pair<std::string, std::string>> files;
    if (!a->flags.server.empty()) {
      auto client = a->flags.Connect();
      if (!client.ok()) return Fail(client.status());
      auto got = (*client)->Report(!a->no_record, a->flags.today);
      if (!got.ok()) return Fail(got.status());
      if (Status s = storage::MakeDirs(a->out_dir); !s.ok()) return Fail(s);
      files = {{a->out_dir + "/report.json", got->json},
               {a->out_dir + "/segments.csv", got->segments_csv},
               {a->out_dir + "/report.html", got->html}};
      if (Status s = WriteTogether(files); !s.ok()) return Fail(s);
      std::printf("Written: %s/report.html, report.json, segments.csv (from doppeld)\n", a->out_dir.c_str());
      return kExitOk;
    }
    auto store = a->flags.Open(false);
    if (!store.ok()) return Fail(store.status());
    Progress progress("report", a->flags.quiet);
    auto report = service::BuildReport(**store, config->loop, *today, NowMs(), !a->no_record,
                                       [&](uint64_t n) { progress.Update(n); });
    if (!report.ok()) return Fail(report.status());
    progress.Done(report->quality.entities);
    if (Status s = storage::MakeDirs(a->out_dir); !s.ok()) return Fail(s);
    files = {{a->out_dir + "/report.json", core::ReportJson(*report)},
             {a->out_dir + "/segments.csv", core::ReportSegmentsCsv(*report)},
             {a->out_dir + "/report.html", core::ReportHtml(*report)}};
    if (Status s = WriteTogether(files); !s.ok()) return Fail(s);
    const core::QualityFigures& q = report->quality;
    const core::OutcomeCounts& c = report->campaign;
    std::printf("Clients: %s (%s records, %s duplicates merged); reachable %s, stale %s\n",
                core::WithThousands(q.entities).c_str(), core::WithThousands(report->health.records).c_str(),
                core::WithThousands(report->health.duplicates_merged).c_str(),
                core::Percent(q.reachable, q.entities).c_str(), core::Percent(q.stale, q.entities).c_str());
    std::printf("Calls: %s; confirmed %s, updated %s, unreachable %s, wrong person %s, do not call %s\n",
                core::WithThousands(c.total()).c_str(), core::Percent(c.confirmed, c.total()).c_str(),
                core::Percent(c.updated, c.total()).c_str(), core::Percent(c.unreachable, c.total()).c_str(),
                core::Percent(c.wrong_person, c.total()).c_str(), core::Percent(c.do_not_call, c.total()).c_str());
    for (const auto& r : report->recommendations) std::printf("  - %s\n", r.c_str());
    std::printf("Written: %s/report.html, report.json, segments.csv\n", a->out_dir.c_str());
    return kExitOk;
  });
}

}  // namespace

void RegisterLoop(CLI::App& app, std::vector<std::pair<CLI::App*, Command>>& out) {
  RegisterNumbering(app, out);
  RegisterSuppress(app, out);
  RegisterCallList(app, out);
  RegisterSegments(app, out);
  RegisterOutcomes(app, out);
  RegisterReport(app, out);
}

}  // namespace doppel::cli
