// Crash safety: kill -9 doppeld in the middle of mixed traffic, restart, and
// check that every acknowledged change is there and the database agrees
// with itself.
//
// Each round starts doppeld on the same database and runs five clients at
// once: two ingest new people, one ingests people and reports call outcomes
// for them, one ingests pairs and merges then unmerges them, one only
// resolves. After a random 30-230 ms the server is killed with SIGKILL. Then:
//  - doppeld must start again on the database;
//  - every record acknowledged this round (and a sample of earlier ones) is
//    found, and the record count is at least the acknowledged count;
//  - every merge pair is merged or unmerged as its last acknowledged request
//    left it, or as its one unacknowledged request would (a request may be
//    applied and then lose its reply to the kill; never half of it);
//  - with doppeld stopped, the database opened directly passes Store::Check
//    (records, membership, redirects, counters, audit chain) and its outcome
//    log holds every acknowledged outcome.
// `make test` runs 20 rounds; bench/crashtest.sh runs 200 through
// DOPPEL_CRASH_ROUNDS and prints the figures. The kill times come from
// gtest's random seed, which is 0 unless --gtest_shuffle is given (add
// --gtest_shuffle --gtest_random_seed=N for other timings); the scheduling
// of the clients is never repeatable. A kill -9 keeps the page cache, so
// this tests the process dying, not the machine losing power.
#define MSGPACK_NO_BOOST 1
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "doppel/service/client.h"
#include "doppel/storage/store.h"
#include "service/server_harness.h"

namespace doppel::service {
namespace {

namespace fs = std::filesystem;
using doppel::testing::ServerProcess;

// Each client draws ids from its own range of 10^7 and its own mobile code.
std::string PhoneOf(uint64_t i) {
  static const char* kCodes[] = {"916", "917", "903", "905"};
  char digits[8];
  std::snprintf(digits, sizeof digits, "%07llu", static_cast<unsigned long long>(i % 10000000));
  return std::string("+7") + kCodes[i / 10000000 % 4] + digits;
}

// People with their own phone and email, so no two of them match.
Batch People(uint64_t from, uint64_t to, const std::string& prefix) {
  Batch b;
  b.columns = {"id", "ФИО", "Телефон", "E-mail"};
  b.data.resize(4);
  for (uint64_t i = from; i < to; ++i) {
    b.data[0].push_back(prefix + std::to_string(i));
    b.data[1].push_back("Клиент Номер " + std::to_string(i));
    b.data[2].push_back(PhoneOf(i));
    b.data[3].push_back(prefix + std::to_string(i) + "@example.org");
  }
  return b;
}


uint64_t JsonUint(const std::string& json, const std::string& key) {
  size_t at = json.find("\"" + key + "\": ");
  if (at == std::string::npos) return 0;
  return std::stoull(json.substr(at + key.size() + 4));
}

// What the merge client did to one pair of entities: merged (a absorbed b)
// or not. `pending` is a request sent without a reply (it may have applied).
struct Pair {
  uint64_t a = 0, b = 0;
  bool merged = false;
  bool pending = false;
};

struct Acked {
  std::mutex mu;
  std::vector<std::string> records;
  std::vector<std::pair<uint64_t, std::string>> outcomes;  // (entity, phone)
  std::vector<Pair> pairs;
  uint64_t merges = 0, unmerges = 0, resolves = 0;
};

class CrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("doppeld_crash_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }
  fs::path dir_;
};

TEST_F(CrashTest, KillNineKeepsEveryAcknowledgedChange) {
  const std::string db = (dir_ / "db").string();
  const char* env_rounds = std::getenv("DOPPEL_CRASH_ROUNDS");
  const int rounds = env_rounds ? std::atoi(env_rounds) : 20;
  std::mt19937 rng(::testing::UnitTest::GetInstance()->random_seed());
  Acked acked;
  // Ids never repeat across rounds: each client draws from its own range.
  std::atomic<uint64_t> next_a{0}, next_b{10000000}, next_o{20000000}, next_m{30000000};
  size_t looked_up = 0, outcomes_checked = 0, pairs_checked = 0, warnings = 0;

  for (int round = 0; round < rounds; ++round) {
    ServerProcess server(db);
    ASSERT_TRUE(server.Start()) << "round " << round << "\n" << server.Log();
    std::atomic<bool> stop{false};
    const size_t records_before = acked.records.size();
    ClientOptions o;
    o.timeout_ms = 300;  // how long a client waits after the kill

    auto ingester = [&](std::atomic<uint64_t>* next, std::string prefix) {
      auto client = Client::Connect(server.endpoint(), o);
      while (client.ok() && !stop.load()) {
        uint64_t from = next->fetch_add(20);
        auto reply = (*client)->Ingest(People(from, from + 20, prefix));
        if (!reply.ok()) break;  // the server died under us
        std::lock_guard<std::mutex> lock(acked.mu);
        acked.records.insert(acked.records.end(), reply->ids.begin(), reply->ids.end());
      }
    };
    auto caller = [&] {
      auto client = Client::Connect(server.endpoint(), o);
      while (client.ok() && !stop.load()) {
        uint64_t from = next_o.fetch_add(5);
        auto reply = (*client)->Ingest(People(from, from + 5, "o"));
        if (!reply.ok()) break;
        {
          std::lock_guard<std::mutex> lock(acked.mu);
          acked.records.insert(acked.records.end(), reply->ids.begin(), reply->ids.end());
        }
        std::vector<std::map<std::string, std::string>> rows;
        for (size_t k = 0; k < reply->ids.size(); ++k) {
          rows.push_back({{"entity_id", std::to_string(reply->entities[k])},
                          {"contact", PhoneOf(from + k)},
                          {"outcome", k % 2 ? "unreachable" : "confirmed"},
                          {"called_at", "2026-12-04"}});
        }
        auto applied = (*client)->Outcomes(rows, "crash-test");
        if (!applied.ok()) break;
        ASSERT_TRUE(applied->rejects.empty()) << applied->rejects[0].second;
        std::lock_guard<std::mutex> lock(acked.mu);
        for (size_t k = 0; k < reply->ids.size(); ++k) acked.outcomes.emplace_back(reply->entities[k], PhoneOf(from + k));
      }
    };
    auto merger = [&] {
      auto client = Client::Connect(server.endpoint(), o);
      while (client.ok() && !stop.load()) {
        uint64_t from = next_m.fetch_add(2);
        auto reply = (*client)->Ingest(People(from, from + 2, "m"));
        if (!reply.ok()) break;
        size_t index;
        {
          std::lock_guard<std::mutex> lock(acked.mu);
          acked.records.insert(acked.records.end(), reply->ids.begin(), reply->ids.end());
          acked.pairs.push_back({reply->entities[0], reply->entities[1], false, true});
          index = acked.pairs.size() - 1;
        }
        auto merged = (*client)->MergeJson(reply->entities[0], reply->entities[1], "crash test");
        if (!merged.ok()) break;  // pending: merged or not
        {
          std::lock_guard<std::mutex> lock(acked.mu);
          acked.pairs[index].merged = true;
          ++acked.merges;
        }
        if (from % 4 != 0) {  // half the pairs are split again
          std::lock_guard<std::mutex> lock(acked.mu);
          acked.pairs[index].pending = false;
          continue;
        }
        auto unmerged = (*client)->UnmergeJson(reply->entities[1], "crash test");
        if (!unmerged.ok()) break;  // pending: unmerged or not
        std::lock_guard<std::mutex> lock(acked.mu);
        acked.pairs[index].merged = false;
        acked.pairs[index].pending = false;
        ++acked.unmerges;
      }
    };
    auto resolver = [&] {
      auto client = Client::Connect(server.endpoint(), o);
      uint64_t k = 0;
      while (client.ok() && !stop.load()) {
        auto reply = (*client)->ResolveJson(People(k, k + 10, "a"), false);
        if (!reply.ok()) break;
        k += 10;
        std::lock_guard<std::mutex> lock(acked.mu);
        ++acked.resolves;
      }
    };
    std::vector<std::thread> clients;
    clients.emplace_back(ingester, &next_a, "a");
    clients.emplace_back(ingester, &next_b, "b");
    clients.emplace_back(caller);
    clients.emplace_back(merger);
    clients.emplace_back(resolver);
    std::this_thread::sleep_for(std::chrono::milliseconds(30 + rng() % 200));
    server.Kill();
    stop.store(true);
    for (auto& t : clients) t.join();
    if (HasFatalFailure()) return;

    // Restart: it must open, and answer for everything acknowledged.
    ServerProcess again(db);
    ASSERT_TRUE(again.Start()) << "round " << round << ": the database did not reopen\n" << again.Log();
    auto client = Client::Connect(again.endpoint());
    ASSERT_TRUE(client.ok());
    std::vector<std::string> check(acked.records.begin() + records_before, acked.records.end());
    for (int i = 0; i < 100 && records_before > 0; ++i) check.push_back(acked.records[rng() % records_before]);
    for (const auto& id : check) {
      auto rec = (*client)->GetRecordJson(id);
      ASSERT_TRUE(rec.ok()) << "round " << round << ": acknowledged record " << id << " lost: "
                            << rec.status().ToString();
    }
    looked_up += check.size();
    for (auto& p : acked.pairs) {
      auto b = (*client)->GetEntityJson(p.b);
      ASSERT_TRUE(b.ok()) << "round " << round << ": entity " << p.b << ": " << b.status().ToString();
      const bool merged_now = JsonUint(*b, "id") == p.a;
      if (p.pending) {
        // The request without a reply applied or not; either way it is settled now.
        p.merged = merged_now;
        p.pending = false;
      }
      ASSERT_EQ(merged_now, p.merged) << "round " << round << ": pair " << p.a << "/" << p.b
                                      << (p.merged ? " was merged" : " was split") << " by an acknowledged request";
      ++pairs_checked;
    }
    auto stats = (*client)->StatsJson();
    ASSERT_TRUE(stats.ok());
    EXPECT_GE(JsonUint(*stats, "records"), acked.records.size()) << "round " << round;
    (*client).reset();
    ASSERT_EQ(again.Stop(), 0) << again.Log();

    // The database itself, with doppeld stopped.
    storage::StoreOptions so;
    so.create_if_missing = false;
    auto store = storage::Store::Open(db, so);
    ASSERT_TRUE(store.ok()) << "round " << round << ": " << store.status().ToString();
    warnings += (*store)->warnings().size();
    auto report = (*store)->Check();
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    ASSERT_TRUE(report->ok()) << "round " << round << ": " << report->problem_count << " problems, first: "
                              << report->problems[0];
    std::multiset<std::pair<uint64_t, std::string>> logged;
    ASSERT_TRUE((*store)
                    ->ListOutcomes([&](const storage::OutcomeEvent& ev) { logged.emplace(ev.entity, ev.contact); })
                    .ok());
    for (const auto& oc : acked.outcomes) {
      ASSERT_TRUE(logged.count(oc)) << "round " << round << ": acknowledged outcome for entity " << oc.first << " "
                                    << oc.second << " lost";
    }
    outcomes_checked = acked.outcomes.size();
  }
  std::printf(
      "kill -9 rounds: %d\n"
      "acknowledged: records %zu, outcomes %zu, merges %llu, unmerges %llu (resolves %llu)\n"
      "checked: records looked up %zu, outcomes %zu, merge-pair states %zu, Store::Check after every round\n"
      "lost: 0; open warnings (incomplete log tails dropped): %zu\n",
      rounds, acked.records.size(), acked.outcomes.size(), static_cast<unsigned long long>(acked.merges),
      static_cast<unsigned long long>(acked.unmerges), static_cast<unsigned long long>(acked.resolves), looked_up,
      outcomes_checked, pairs_checked, warnings);
}

}  // namespace
}  // namespace doppel::service
