// doppeld: the Doppel server.
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

#include "doppel/core/config.h"
#include "doppel/core/fs_model.h"
#include "doppel/core/golden.h"
#include "doppel/core/unicode.h"
#include "doppel/service/server.h"

namespace {

doppel::service::Server* g_server = nullptr;

void OnSignal(int) {
  if (g_server != nullptr) g_server->Stop();
}

int32_t Today() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

}  // namespace

int main(int argc, char** argv) {
  doppel::service::ServerOptions o;
  int max_request_mb = 64;
  std::string region = "RU";
  bool no_sync = false;
  std::string model_path, config_path, log_level = "info";
  double threshold = 0.95;
  std::string survivorship;
  std::vector<std::string> source_priority;
  CLI::App app{"doppeld: the Doppel server (ZeroMQ + MessagePack, see docs/protocol.md)"};
  app.set_version_flag("--version", std::string("doppeld ") + DOPPEL_VERSION);
  app.add_option("--db", o.db_path, "Database directory (default: var/doppel)");
  app.add_option("--listen", o.listen, "Endpoint to bind: tcp://HOST:PORT (PORT * = any free one) or ipc://PATH (default: tcp://127.0.0.1:5555)");
  app.add_option("--workers", o.workers, "Worker threads (default: one per core)");
  app.add_option("--max-in-flight", o.max_in_flight, "Requests queued or running before replies say 'busy' (default: 256)");
  app.add_option("--max-request-mb", max_request_mb, "Larger requests get 'too_large' (default: 64)");
  app.add_option("--max-rows", o.max_rows, "Rows per ingest or dedupe request (default: 100000)");
  app.add_option("--region", region, "Default phone region (default: RU)");
  app.add_option("--endpoint-file", o.endpoint_file, "Write the bound endpoint to this file once listening");
  app.add_option("--model", model_path, "A model.json (from doppel dedupe): match new records fuzzily (default: exact keys)");
  app.add_option("--threshold", threshold, "Match probability that joins a record to an entity (default: 0.95)");
  app.add_option("--survivorship", survivorship,
                 "Golden values: most_frequent, most_recently_verified, most_complete, most_recent or "
                 "source_priority (default: most_frequent)");
  app.add_option("--source-priority", source_priority, "Sources, most trusted first, comma-separated: crm,web")
      ->delimiter(',');
  app.add_option("--curve-key", o.curve_key_file, "This server's CURVE key pair (doppel keys generate): encrypt and authenticate every client");
  app.add_option("--data-key", o.store.data_key_file, "Data key file (doppel keys data-key): seal personal data at rest (default: $DOPPEL_DATA_KEY_FILE)");
  app.add_option("--clients", o.clients_file, "With --curve-key: the allow-list of client keys and roles (doppel keys add)");
  app.add_option("--log-level", log_level, "info (start and stop) or debug (also one line per request: ids and counts, never personal values)")
      ->check(CLI::IsMember({"info", "debug"}));
  app.add_option("--config", config_path, "TOML settings for the loop's ops: [staleness], [[segment]], [priority], [calllist]");
  app.add_option("--min-free-disk-mb", o.store.min_free_disk_mb,
                 "Refuse writes ('unavailable') while the database's disk has less free space than this; "
                 "they resume once space is freed (default: 64; 0: off)");
  app.add_flag("--no-sync", no_sync, "Do not fsync before acknowledging writes (benchmarks only: a crash may lose acknowledged data)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  o.max_request_bytes = static_cast<size_t>(max_request_mb) << 20;
  o.log_requests = log_level == "debug";
  if (!config_path.empty()) {
    std::ifstream f(config_path);
    std::stringstream text;
    text << f.rdbuf();
    doppel::core::JobConfig config;
    doppel::Status s = f ? doppel::core::ApplyConfigToml(text.str(), config_path, &config)
                         : doppel::Status::IoError("cannot read the file");
    if (!s.ok()) {
      std::fprintf(stderr, "doppeld: %s: %s\n", config_path.c_str(), s.message().c_str());
      return 1;
    }
    o.loop = config.loop;
  }
  o.normalize.phone.default_region = region;
  o.normalize.birth_date.today = Today();
  o.normalize.other_dates.today = Today();
  o.store.sync = !no_sync;
  if (!model_path.empty()) {
    std::ifstream f(model_path);
    std::stringstream text;
    text << f.rdbuf();
    auto model = doppel::core::FsModel::FromJson(text.str());
    if (!f || !model.ok()) {
      std::fprintf(stderr, "doppeld: %s: %s\n", model_path.c_str(),
                   f ? model.status().message().c_str() : "cannot read the file");
      return 1;
    }
    o.store.model = std::make_shared<doppel::core::FsModel>(std::move(*model));
  }
  if (!(threshold > 0 && threshold < 1)) {
    std::fprintf(stderr, "doppeld: --threshold must be strictly between 0 and 1\n");
    return 2;
  }
  o.store.threshold = threshold;
  if (!survivorship.empty()) {
    auto rule = doppel::core::ParseSurvivorship(survivorship);
    if (!rule.ok()) {
      std::fprintf(stderr, "doppeld: --survivorship: %s\n", rule.status().message().c_str());
      return 2;
    }
    o.store.survivorship.rule = *rule;
  }
  for (const auto& src : source_priority) {
    o.store.survivorship.source_priority.push_back(doppel::core::Fold(doppel::core::Trim(src)));
  }

  auto server = doppel::service::Server::Create(o);
  if (!server.ok()) {
    std::fprintf(stderr, "doppeld: %s\n", server.status().ToString().c_str());
    return 1;
  }
  g_server = server->get();
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: interrupt the poll so shutdown starts at once
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  std::fprintf(stderr, "doppeld: listening on %s, database %s, %s matching, %s%s\n", (*server)->endpoint().c_str(),
               o.db_path.c_str(), o.store.model ? "fuzzy" : "exact-key",
               o.curve_key_file.empty() ? "plain tcp (loopback only)" : "CURVE with client keys",
               no_sync ? " (no-sync: writes are NOT durable)" : "");
  doppel::Status s = (*server)->Run();
  g_server = nullptr;
  if (!s.ok()) {
    std::fprintf(stderr, "doppeld: %s\n", s.ToString().c_str());
    return 1;
  }
  std::fprintf(stderr, "doppeld: stopped cleanly\n");
  return 0;
}
