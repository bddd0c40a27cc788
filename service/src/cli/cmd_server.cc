// Client commands: doppel ingest / get / health / stats --server ENDPOINT.
#include <chrono>
#include <cstdio>
#include <map>
#include <thread>

#include "cli/common.h"
#include "doppel/core/writers.h"
#include "doppel/service/client.h"
#include "doppel/storage/file.h"
#include "doppel/storage/store.h"

namespace doppel::cli {

namespace {

constexpr const char* kDefaultServer = "tcp://127.0.0.1:5555";

int PrintJson(const Result<std::string>& r) {
  if (!r.ok()) return Fail(r.status());
  std::fwrite(r->data(), 1, r->size(), stdout);
  return kExitOk;
}

struct IngestFlags {
  std::string server = kDefaultServer;
  std::string input;
  std::string source;
  std::string rejects_path;
  size_t batch = 5000;
  size_t window = 4;
  int timeout_s = 120;
  InputFlags in;
};

int RunIngest(const IngestFlags& f) {
  auto config = f.in.Resolve();
  if (!config.ok()) return Fail(config.status());
  if (f.batch < 1 || f.window < 1) return Fail("--batch and --window must be positive");
  service::ClientOptions co;
  co.timeout_ms = f.timeout_s * 1000;
  auto client = service::Client::Connect(f.server, co);
  if (!client.ok()) return Fail(client.status());
  auto source = storage::OpenFileSource(f.input);
  if (!source.ok()) return Fail(source.status());
  core::ReaderOptions ro = config->reader;
  ro.batch_rows = f.batch;
  auto reader = core::OpenReader(std::move(*source), ro);
  if (!reader.ok()) return Fail(reader.status());

  std::unique_ptr<storage::AtomicFile> rejects_file;
  if (!f.rejects_path.empty()) {
    auto rf = storage::AtomicFile::Create(f.rejects_path);
    if (!rf.ok()) return Fail(rf.status());
    rejects_file = std::move(*rf);
    rejects_file->Write("line,reason,raw\n");
  }
  std::map<std::string, uint64_t> actions;
  std::map<uint64_t, uint64_t> records_per_entity;  // to name the largest entity seen
  uint64_t sent_rows = 0, local_rejects = 0, server_rejects = 0, retries = 0;
  // In-flight requests: id -> (batch, first line numbers) so rejects can name lines.
  struct Pending {
    service::Batch batch;
    std::vector<uint64_t> lines;
  };
  std::map<uint64_t, Pending> pending;
  Progress progress("ingest", f.in.quiet);

  auto send = [&](Pending p) -> Status {
    while (true) {
      auto id = (*client)->SendIngest(p.batch);
      if (!id.ok()) return id.status();
      pending.emplace(*id, std::move(p));
      return Status::Ok();
    }
  };
  // Takes one reply; a "busy" reply sends its batch again after a pause.
  auto receive_one = [&]() -> Status {
    DOPPEL_ASSIGN_OR_RETURN(auto got, (*client)->ReceiveIngest());
    auto it = pending.find(got.first);
    if (it == pending.end()) return Status::Ok();  // a reply to an abandoned request
    Pending p = std::move(it->second);
    pending.erase(it);
    if (!got.second.ok()) {
      if (got.second.status().code() == StatusCode::kUnavailable &&
          got.second.status().message().find("busy") != std::string::npos) {
        ++retries;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        return send(std::move(p));
      }
      return got.second.status();
    }
    const service::IngestReply& r = *got.second;
    for (const auto& a : r.actions) ++actions[a];
    for (uint64_t e : r.entities) ++records_per_entity[e];
    server_rejects += r.rejects.size();
    if (rejects_file) {
      std::string out;
      for (const auto& [row, reason] : r.rejects) {
        core::AppendCsvRow(out, {std::to_string(row < p.lines.size() ? p.lines[row] : 0), reason, ""});
      }
      rejects_file->Write(out);
    }
    return Status::Ok();
  };

  core::RecordBatch batch;
  std::vector<core::Reject> rejects;
  while (true) {
    rejects.clear();
    auto more = (*reader)->Next(&batch, &rejects);
    if (!more.ok()) return Fail(more.status());
    local_rejects += rejects.size();
    if (rejects_file && !rejects.empty()) {
      std::string out;
      AppendRejectRows(out, rejects);
      rejects_file->Write(out);
    }
    if (!*more) break;
    Pending p;
    p.batch.columns = batch.column_names;
    p.batch.source = f.source.empty() ? f.input : f.source;
    for (const auto& o : config->columns) p.batch.map.emplace_back(std::string(core::RoleName(o.role)), o.column);
    p.batch.data.resize(batch.num_columns());
    for (size_t c = 0; c < batch.num_columns(); ++c) {
      p.batch.data[c].reserve(batch.num_rows());
      for (size_t r = 0; r < batch.num_rows(); ++r) p.batch.data[c].emplace_back(batch.Value(r, c));
    }
    p.lines = batch.lines;
    sent_rows += batch.num_rows();
    while (pending.size() >= f.window) {
      if (Status s = receive_one(); !s.ok()) return Fail(s);
    }
    if (Status s = send(std::move(p)); !s.ok()) return Fail(s);
    progress.Update(sent_rows, (*reader)->bytes_read(), (*reader)->bytes_total());
  }
  while (!pending.empty()) {
    if (Status s = receive_one(); !s.ok()) return Fail(s);
  }
  if (rejects_file) {
    if (Status s = rejects_file->Commit(); !s.ok()) return Fail(s);
  }
  double seconds = progress.Seconds();
  progress.Done(sent_rows + local_rejects);
  uint64_t stored = 0;
  for (const auto& [a, n] : actions) stored += n;
  std::printf("Ingested %s into %s\n", f.input.c_str(), f.server.c_str());
  std::printf("  records   %s stored, %s rejected here, %s rejected by the server\n",
              core::WithThousands(stored).c_str(), core::WithThousands(local_rejects).c_str(),
              core::WithThousands(server_rejects).c_str());
  std::printf("  outcome   ");
  for (const char* a : {"new", "joined", "merged", "updated", "unchanged", "refused"}) {
    std::printf("%s %s  ", a, core::WithThousands(actions[a]).c_str());
  }
  uint64_t largest = 0, largest_size = 0;
  for (const auto& [e, n] : records_per_entity) {
    if (n > largest_size) largest = e, largest_size = n;
  }
  if (largest_size > 1) {
    std::printf("\n  largest   entity %llu with %llu of these records (doppel get --entity %llu)",
                static_cast<unsigned long long>(largest), static_cast<unsigned long long>(largest_size),
                static_cast<unsigned long long>(largest));
  }
  std::printf("\n  time      %.2f s, %s records/s%s\n", seconds,
              core::WithThousands(static_cast<uint64_t>(seconds > 0 ? stored / seconds : 0)).c_str(),
              retries ? (", " + std::to_string(retries) + " busy retries").c_str() : "");
  return kExitOk;
}

}  // namespace

Command RegisterIngest(CLI::App& app) {
  auto f = std::make_shared<IngestFlags>();
  CLI::App* sub = app.add_subcommand("ingest", "Send a file's records to doppeld: store, deduplicate against the base");
  sub->add_option("input", f->input, "CSV or NDJSON file ('-' for stdin)")->required();
  sub->add_option("--server", f->server, "doppeld endpoint (default: tcp://127.0.0.1:5555)");
  sub->add_option("--source", f->source, "Source name kept with each record (default: the file name)");
  sub->add_option("--batch", f->batch, "Records per request (default: 5000)");
  sub->add_option("--window", f->window, "Requests in flight at once (default: 4)");
  sub->add_option("--timeout", f->timeout_s, "Seconds to wait for a reply (default: 120)");
  sub->add_option("--rejects", f->rejects_path, "Write rejected rows (line, reason, raw) to this CSV file");
  f->in.Register(sub);
  return [f] { return RunIngest(*f); };
}

Command RegisterGet(CLI::App& app) {
  struct Flags {
    std::string server = kDefaultServer, record;
    uint64_t entity = 0;
    int timeout_s = 10;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* sub = app.add_subcommand("get", "Fetch a record or an entity (golden record, members, history) from doppeld");
  sub->add_option("--server", f->server, "doppeld endpoint (default: tcp://127.0.0.1:5555)");
  auto* rec = sub->add_option("--record", f->record, "A record id");
  sub->add_option("--timeout", f->timeout_s, "Seconds to wait for the reply (default: 10)");
  auto* ent = sub->add_option("--entity", f->entity, "An entity number");
  rec->excludes(ent);
  return [f, rec, ent] {
    if (rec->count() == 0 && ent->count() == 0) return Fail("give --record ID or --entity N");
    service::ClientOptions o;
    o.timeout_ms = f->timeout_s * 1000;
    auto client = service::Client::Connect(f->server, o);
    if (!client.ok()) return Fail(client.status());
    return PrintJson(rec->count() ? (*client)->GetRecordJson(f->record) : (*client)->GetEntityJson(f->entity));
  };
}

Command RegisterHealth(CLI::App& app) {
  auto server = std::make_shared<std::string>(kDefaultServer);
  CLI::App* sub = app.add_subcommand("health", "Ask doppeld how it is: version, backend, database, queue");
  sub->add_option("--server", *server, "doppeld endpoint (default: tcp://127.0.0.1:5555)");
  return [server] {
    service::ClientOptions o;
    o.timeout_ms = 5000;
    auto client = service::Client::Connect(*server, o);
    if (!client.ok()) return Fail(client.status());
    return PrintJson((*client)->HealthJson());
  };
}

Command RegisterStats(CLI::App& app) {
  auto server = std::make_shared<std::string>(kDefaultServer);
  CLI::App* sub = app.add_subcommand("stats", "Request and database counters from doppeld");
  sub->add_option("--server", *server, "doppeld endpoint (default: tcp://127.0.0.1:5555)");
  return [server] {
    service::ClientOptions o;
    o.timeout_ms = 10000;
    auto client = service::Client::Connect(*server, o);
    if (!client.ok()) return Fail(client.status());
    return PrintJson((*client)->StatsJson());
  };
}

Command RegisterResolve(CLI::App& app) {
  struct Flags {
    std::string server = kDefaultServer, input;
    bool explain = false;
    InputFlags in;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* sub = app.add_subcommand("resolve", "Which stored entity each record of a file belongs to (nothing is written)");
  sub->add_option("input", f->input, "CSV or NDJSON file (up to the server's row limit)")->required();
  sub->add_option("--server", f->server, "doppeld endpoint (default: tcp://127.0.0.1:5555)");
  sub->add_flag("--explain", f->explain, "Add each match's weight per field");
  f->in.Register(sub);
  return [f] {
    auto config = f->in.Resolve();
    if (!config.ok()) return Fail(config.status());
    auto source = storage::OpenFileSource(f->input);
    if (!source.ok()) return Fail(source.status());
    auto reader = core::OpenReader(std::move(*source), config->reader);
    if (!reader.ok()) return Fail(reader.status());
    service::Batch b;
    core::RecordBatch batch;
    std::vector<core::Reject> rejects;
    while (true) {
      auto more = (*reader)->Next(&batch, &rejects);
      if (!more.ok()) return Fail(more.status());
      if (!*more) break;
      if (b.columns.empty()) b.columns = batch.column_names, b.data.resize(batch.num_columns());
      for (size_t c = 0; c < batch.num_columns() && c < b.data.size(); ++c) {
        for (size_t r = 0; r < batch.num_rows(); ++r) b.data[c].emplace_back(batch.Value(r, c));
      }
    }
    for (const auto& o : config->columns) b.map.emplace_back(std::string(core::RoleName(o.role)), o.column);
    for (const auto& r : rejects) std::fprintf(stderr, "doppel: line %llu rejected: %s\n", static_cast<unsigned long long>(r.line), r.reason.c_str());
    auto client = service::Client::Connect(f->server);
    if (!client.ok()) return Fail(client.status());
    return PrintJson((*client)->ResolveJson(b, f->explain));
  };
}

Command RegisterMerge(CLI::App& app) {
  struct Flags {
    std::string server = kDefaultServer, reason;
    uint64_t a = 0, b = 0;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* sub = app.add_subcommand("merge", "Merge two entities by hand (the older id survives; undo with unmerge)");
  sub->add_option("a", f->a, "An entity")->required();
  sub->add_option("b", f->b, "Another entity")->required();
  sub->add_option("--reason", f->reason, "Why, for the history");
  sub->add_option("--server", f->server, "doppeld endpoint (default: tcp://127.0.0.1:5555)");
  return [f] {
    auto client = service::Client::Connect(f->server);
    if (!client.ok()) return Fail(client.status());
    return PrintJson((*client)->MergeJson(f->a, f->b, f->reason));
  };
}

Command RegisterUnmerge(CLI::App& app) {
  struct Flags {
    std::string server = kDefaultServer, reason;
    uint64_t entity = 0;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* sub = app.add_subcommand("unmerge", "Undo the merge that absorbed an entity: its records go back to it");
  sub->add_option("entity", f->entity, "The entity that was merged away")->required();
  sub->add_option("--reason", f->reason, "Why, for the history");
  sub->add_option("--server", f->server, "doppeld endpoint (default: tcp://127.0.0.1:5555)");
  return [f] {
    auto client = service::Client::Connect(f->server);
    if (!client.ok()) return Fail(client.status());
    return PrintJson((*client)->UnmergeJson(f->entity, f->reason));
  };
}

Command RegisterBackup(CLI::App& app) {
  auto args = std::make_shared<std::pair<std::string, std::string>>();
  CLI::App* sub = app.add_subcommand("backup", "Back up a database (stop doppeld first, or back up a copy)");
  sub->add_option("db", args->first, "Database directory")->required();
  sub->add_option("dir", args->second, "Backup directory (incremental across runs)")->required();
  return [args] {
    storage::StoreOptions o;
    o.create_if_missing = false;
    auto store = storage::Store::Open(args->first, o);
    if (!store.ok()) return Fail(store.status());
    if (Status s = (*store)->Backup(args->second); !s.ok()) return Fail(s);
    storage::StoreStats st = (*store)->Stats();
    std::printf("Backed up %s (%s records, %s entities) into %s\n", args->first.c_str(),
                core::WithThousands(st.records).c_str(), core::WithThousands(st.entities).c_str(), args->second.c_str());
    return kExitOk;
  };
}

Command RegisterRestore(CLI::App& app) {
  auto args = std::make_shared<std::pair<std::string, std::string>>();
  CLI::App* sub = app.add_subcommand("restore", "Restore the latest backup into a new database directory");
  sub->add_option("dir", args->first, "Backup directory")->required();
  sub->add_option("db", args->second, "Database directory to create (must not exist or be empty)")->required();
  return [args] {
    if (Status s = storage::RestoreBackup(args->first, args->second); !s.ok()) return Fail(s);
    std::printf("Restored the latest backup in %s into %s\n", args->first.c_str(), args->second.c_str());
    return kExitOk;
  };
}

Command RegisterCheck(CLI::App& app) {
  struct Args {
    std::string db, data_key;
    bool recover = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* sub = app.add_subcommand(
      "check", "Check a database agrees with itself: records, entities, membership, counters, audit chain");
  sub->add_option("--db", a->db, "Database directory (stop doppeld first)")->required();
  sub->add_option("--data-key", a->data_key, "Data key file, for a database sealed at rest (default: $DOPPEL_DATA_KEY_FILE)");
  sub->add_flag("--recover-to-damage", a->recover,
                "Open a database whose write-ahead log is damaged by replaying the log up to the damage; "
                "what followed is lost (back the directory up first)");
  sub->footer(
      "Exit status: 0 consistent, 1 problems found or the database cannot be opened.\n"
      "A damaged write-ahead log makes every open fail with a message saying so; --recover-to-damage\n"
      "keeps what was written before the damage, then this check says whether the rest agrees.");
  return [a] {
    storage::StoreOptions o;
    o.create_if_missing = false;
    o.data_key_file = a->data_key;
    o.recover_to_damage = a->recover;
    auto store = storage::Store::Open(a->db, o);
    if (!store.ok()) return Fail(store.status());
    for (const auto& w : (*store)->warnings()) std::fprintf(stderr, "doppel: warning: %s\n", w.c_str());
    auto report = (*store)->Check();
    if (!report.ok()) return Fail(report.status());
    std::printf("records %s (ids %s, older versions %s)\nentities %s live, %s merged away, %s members\n"
                "outcomes %s\naudit events %s\n",
                core::WithThousands(report->records).c_str(), core::WithThousands(report->record_ids).c_str(),
                core::WithThousands(report->record_versions).c_str(), core::WithThousands(report->entities).c_str(),
                core::WithThousands(report->redirects).c_str(), core::WithThousands(report->members).c_str(),
                core::WithThousands(report->outcomes).c_str(), core::WithThousands(report->audit_events).c_str());
    if (report->ok()) {
      std::printf("consistent\n");
      return kExitOk;
    }
    for (const auto& p : report->problems) std::printf("problem: %s\n", p.c_str());
    std::printf("%s problems\n", core::WithThousands(report->problem_count).c_str());
    return kExitFailure;
  };
}

}  // namespace doppel::cli
