// Ingest through doppeld (tcp and ipc) against the same work as a direct
// library call, in one run, so the service overhead shows as a ratio; and
// get_entity latency under concurrent clients.
//
//   service_bench --doppeld build/service/doppeld --rows 100000 [--clients 4]
//                 [--seconds 5] [--json out.json]
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "doppel/core/generator.h"
#include "doppel/core/normalize.h"
#include "doppel/core/reader.h"
#include "doppel/core/writers.h"
#include "doppel/service/client.h"
#include "doppel/storage/store.h"

extern char** environ;

namespace {

using namespace doppel;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

struct Args {
  std::string doppeld = "build/service/doppeld";
  uint64_t rows = 100000;
  size_t batch = 5000;
  size_t window = 4;
  int clients = 4;
  double seconds = 5;
  std::string json;
  std::string work = "var/bench/service";
};

// The generated base as request batches (columnar, like the CLI sends).
std::vector<service::Batch> MakeBatches(const Args& a) {
  core::GeneratorOptions go;
  go.rows = a.rows;
  go.seed = 11;
  std::ostringstream base, truth;
  auto lists = core::BuiltinGeneratorLists(core::Locale::kRu);
  if (!core::Generate(go, lists, base, truth).ok()) std::abort();
  core::ReaderOptions ro;
  ro.batch_rows = a.batch;
  auto reader = core::OpenReader(std::make_unique<core::MemorySource>(base.str()), ro);
  std::vector<service::Batch> out;
  core::RecordBatch batch;
  std::vector<core::Reject> rejects;
  while (*(*reader)->Next(&batch, &rejects)) {
    service::Batch b;
    b.columns = batch.column_names;
    b.data.resize(batch.num_columns());
    for (size_t c = 0; c < batch.num_columns(); ++c) {
      for (size_t r = 0; r < batch.num_rows(); ++r) b.data[c].emplace_back(batch.Value(r, c));
    }
    b.source = "bench";
    out.push_back(std::move(b));
  }
  return out;
}

// The same work as the server does, called directly: normalize, resolve,
// one synced group per batch.
double DirectIngest(const std::vector<service::Batch>& batches, const std::string& db) {
  fs::remove_all(db);
  storage::StoreOptions so;
  so.sync = std::getenv("DOPPEL_BENCH_NOSYNC") == nullptr;
  auto store = storage::Store::Open(db, so);
  if (!store.ok()) std::abort();
  auto t0 = Clock::now();
  double normalize_s = 0, resolve_s = 0, commit_s = 0;
  for (const auto& b : batches) {
    auto tb = Clock::now();
    core::RecordBatch rb;
    rb.column_names = b.columns;
    rb.columns.resize(b.columns.size());
    for (size_t c = 0; c < b.columns.size(); ++c) {
      for (const auto& v : b.data[c]) rb.columns[c].Append(v);
    }
    for (size_t r = 0; r < b.rows(); ++r) rb.lines.push_back(r + 1), rb.ordinals.push_back(r);
    auto map = core::FieldMap::Build(rb.column_names, {});
    std::vector<core::NormalizedRecord> recs;
    core::NormalizeBatch(rb, *map, {}, &recs);
    std::vector<storage::RecordInput> inputs(recs.size());
    for (size_t r = 0; r < recs.size(); ++r) {
      inputs[r].normalized = std::move(recs[r]);
      for (size_t c = 0; c < rb.num_columns(); ++c) inputs[r].fields.emplace_back(rb.column_names[c], std::string(rb.Value(r, c)));
    }
    auto t1 = Clock::now();
    auto group = (*store)->BeginGroup();
    if (!group->Ingest(inputs, {"bench", "bench", 1}).ok()) std::abort();
    auto t2 = Clock::now();
    if (!group->Commit().ok()) std::abort();
    normalize_s += std::chrono::duration<double>(t1 - tb).count();
    resolve_s += std::chrono::duration<double>(t2 - t1).count();
    commit_s += Since(t2);
  }
  std::fprintf(stderr, "service_bench: direct: normalize %.2f s, resolve %.2f s, commit %.2f s\n", normalize_s,
               resolve_s, commit_s);
  return Since(t0);
}

struct Server {
  pid_t pid = -1;
  std::string endpoint;
  ~Server() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      int st;
      waitpid(pid, &st, 0);
    }
  }
};

bool StartServer(const Args& a, const std::string& db, const std::string& listen, Server* s) {
  fs::remove_all(db);
  std::string ep_file = db + ".endpoint";
  fs::remove(ep_file);
  std::vector<std::string> args = {a.doppeld, "--db", db, "--listen", listen, "--endpoint-file", ep_file};
  std::vector<char*> argv;
  for (auto& x : args) argv.push_back(x.data());
  argv.push_back(nullptr);
  if (posix_spawn(&s->pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return false;
  for (int i = 0; i < 500; ++i) {
    std::ifstream f(ep_file);
    if (f >> s->endpoint) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

double ServerIngest(const Args& a, const std::vector<service::Batch>& batches, const std::string& endpoint) {
  auto client = service::Client::Connect(endpoint);
  auto t0 = Clock::now();
  size_t in_flight = 0, next = 0;
  while (next < batches.size() || in_flight > 0) {
    while (next < batches.size() && in_flight < a.window) {
      if (!(*client)->SendIngest(batches[next++]).ok()) std::abort();
      ++in_flight;
    }
    auto got = (*client)->ReceiveIngest();
    if (!got.ok() || !got->second.ok()) {
      std::fprintf(stderr, "ingest failed\n");
      std::abort();
    }
    --in_flight;
  }
  return Since(t0);
}

struct Latency {
  double p50_us = 0, p99_us = 0, p999_us = 0, per_second = 0;
  size_t calls = 0;
};

Latency GetEntityLatency(const Args& a, const std::string& endpoint, uint64_t max_entity) {
  std::vector<std::vector<double>> samples(a.clients);
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  auto t0 = Clock::now();
  for (int c = 0; c < a.clients; ++c) {
    threads.emplace_back([&, c] {
      auto client = service::Client::Connect(endpoint);
      std::mt19937_64 rng(c + 1);
      while (!stop.load()) {
        uint64_t id = 1 + rng() % max_entity;
        auto t = Clock::now();
        (void)(*client)->GetEntityJson(id);
        samples[c].push_back(Since(t) * 1e6);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(a.seconds));
  stop.store(true);
  for (auto& t : threads) t.join();
  double wall = Since(t0);
  std::vector<double> all;
  for (auto& s : samples) all.insert(all.end(), s.begin(), s.end());
  std::sort(all.begin(), all.end());
  Latency l;
  l.calls = all.size();
  if (all.empty()) return l;
  auto pct = [&](double p) { return all[std::min(all.size() - 1, static_cast<size_t>(p * all.size()))]; };
  l.p50_us = pct(0.50);
  l.p99_us = pct(0.99);
  l.p999_us = pct(0.999);
  l.per_second = all.size() / wall;
  return l;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--doppeld") a.doppeld = v;
    else if (k == "--rows") a.rows = std::stoull(v);
    else if (k == "--clients") a.clients = std::stoi(v);
    else if (k == "--seconds") a.seconds = std::stod(v);
    else if (k == "--json") a.json = v;
    else if (k == "--work") a.work = v;
    else if (k == "--batch") a.batch = std::stoul(v);
    else {
      std::fprintf(stderr, "unknown flag %s\n", k.c_str());
      return 2;
    }
  }
  fs::create_directories(a.work);
  std::fprintf(stderr, "service_bench: generating %llu rows\n", static_cast<unsigned long long>(a.rows));
  auto batches = MakeBatches(a);

  double direct = DirectIngest(batches, a.work + "/direct");
  std::fprintf(stderr, "service_bench: direct %.2f s\n", direct);
  Server tcp;
  if (!StartServer(a, a.work + "/tcp", "tcp://127.0.0.1:*", &tcp)) return 1;
  double via_tcp = ServerIngest(a, batches, tcp.endpoint);
  std::fprintf(stderr, "service_bench: tcp %.2f s\n", via_tcp);
  Latency lat = GetEntityLatency(a, tcp.endpoint, a.rows * 8 / 10);
  Server ipc;
  if (!StartServer(a, a.work + "/ipc", "ipc://" + fs::absolute(a.work).string() + "/doppeld.sock", &ipc)) return 1;
  double via_ipc = ServerIngest(a, batches, ipc.endpoint);
  std::fprintf(stderr, "service_bench: ipc %.2f s\n", via_ipc);

  double n = static_cast<double>(a.rows);
  core::JsonWriter j;
  j.BeginObject();
  j.Field("rows", a.rows).Field("batch", static_cast<uint64_t>(a.batch)).Field("window", static_cast<uint64_t>(a.window));
  j.Key("ingest_records_per_second").BeginObject();
  j.Field("direct", n / direct).Field("tcp", n / via_tcp).Field("ipc", n / via_ipc);
  j.EndObject();
  j.Field("tcp_over_direct", direct / via_tcp).Field("ipc_over_direct", direct / via_ipc);
  j.Key("get_entity").BeginObject();
  j.Field("clients", static_cast<uint64_t>(a.clients)).Field("calls", static_cast<uint64_t>(lat.calls));
  j.Field("per_second", lat.per_second).Field("p50_us", lat.p50_us).Field("p99_us", lat.p99_us).Field("p999_us", lat.p999_us);
  j.EndObject();
  j.EndObject();
  std::fwrite(j.str().data(), 1, j.str().size(), stdout);
  if (!a.json.empty()) std::ofstream(a.json) << j.str();
  return 0;
}
