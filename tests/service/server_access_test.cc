// Transport and access: CURVE with an allow-list of client keys and roles,
// against a real doppeld over tcp on 127.0.0.1. Unknown keys get nothing,
// roles limit the ops, operators see masked contacts, the bytes on the wire
// carry none of the data, and a bad setup refuses to start.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "doppel/service/access.h"
#include "doppel/service/client.h"
#include "doppel/storage/store.h"
#include "service/server_harness.h"

namespace doppel::service {
namespace {

namespace fs = std::filesystem;
using doppel::testing::ServerProcess;

// A TCP relay on 127.0.0.1 that records every byte both ways: what anyone
// on the network path would see.
class RecordingProxy {
 public:
  explicit RecordingProxy(int target_port) : target_port_(target_port) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listen_fd_, 4);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Run(); });
  }
  ~RecordingProxy() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
  }
  std::string endpoint() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
  std::string bytes() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  void Run() {
    std::vector<std::pair<int, int>> pairs;  // (client, server)
    while (!stop_) {
      std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
      for (auto [c, s] : pairs) {
        fds.push_back({c, POLLIN, 0});
        fds.push_back({s, POLLIN, 0});
      }
      if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
      const size_t polled = pairs.size();  // a pair accepted below has no poll entry yet
      if (fds[0].revents & POLLIN) {
        int c = ::accept(listen_fd_, nullptr, nullptr);
        int s = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(static_cast<uint16_t>(target_port_));
        if (::connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
          pairs.emplace_back(c, s);
        } else {
          ::close(c);
          ::close(s);
        }
      }
      for (size_t i = 0; i < polled; ++i) {
        for (int side = 0; side < 2; ++side) {
          if (!(fds[1 + 2 * i + side].revents & (POLLIN | POLLHUP))) continue;
          int from = side == 0 ? pairs[i].first : pairs[i].second;
          int to = side == 0 ? pairs[i].second : pairs[i].first;
          char buf[65536];
          ssize_t n = ::read(from, buf, sizeof buf);
          if (n <= 0) continue;
          {
            std::lock_guard<std::mutex> lock(mu_);
            seen_.append(buf, static_cast<size_t>(n));
          }
          for (ssize_t off = 0; off < n;) {
            ssize_t w = ::write(to, buf + off, static_cast<size_t>(n - off));
            if (w <= 0) break;
            off += w;
          }
        }
      }
    }
    for (auto [c, s] : pairs) {
      ::close(c);
      ::close(s);
    }
  }

  int target_port_, listen_fd_ = -1, port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::string seen_;
};

int PortOf(const std::string& endpoint) { return std::stoi(endpoint.substr(endpoint.rfind(':') + 1)); }

class ServerAccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("doppeld_access_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    for (const char* name : {"server", "admin", "ingest", "operator", "analyst", "stranger"}) {
      auto keys = GenerateKeyPair();
      ASSERT_TRUE(keys.ok());
      keys_[name] = *keys;
      ASSERT_TRUE(SaveKeyPair(*keys, (dir_ / name).string()).ok());
    }
    AccessList list;
    ASSERT_TRUE(list.Add({"admin-1", Role::kAdmin, keys_["admin"].public_key}).ok());
    ASSERT_TRUE(list.Add({"loader", Role::kIngest, keys_["ingest"].public_key}).ok());
    ASSERT_TRUE(list.Add({"op-7", Role::kOperator, keys_["operator"].public_key}).ok());
    ASSERT_TRUE(list.Add({"analyst-1", Role::kAnalyst, keys_["analyst"].public_key}).ok());
    ASSERT_TRUE(list.Save(Path("clients.list")).ok());
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  std::vector<std::string> CurveArgs() const {
    return {"--curve-key", Path("server.key"), "--clients", Path("clients.list")};
  }
  Result<std::unique_ptr<Client>> As(const std::string& who, const std::string& endpoint, int timeout_ms = 10000) {
    ClientOptions o;
    o.timeout_ms = timeout_ms;
    o.server_key = keys_["server"].public_key;
    o.public_key = keys_[who].public_key;
    o.secret_key = keys_[who].secret_key;
    return Client::Connect(endpoint, o);
  }
  static Batch People() {
    Batch b;
    b.columns = {"id", "ФИО", "Телефон", "E-mail"};
    b.data = {{"a1", "a2", "a3"},
              {"Пантелеймонов Аристарх Ильич", "Пантелеймонов Аристарх", "Збигнева Олимпиада Карловна"},
              {"8 (912) 345-67-89", "+7 912 345 67 89", "89031234567"},
              {"aristarkh.p@mail.ru", "", "olimpiada.z@yandex.ru"}};
    return b;
  }
  fs::path dir_;
  std::map<std::string, KeyPair> keys_;
};

TEST_F(ServerAccessTest, RolesDecideWhatEachClientMayDo) {
  ServerProcess server(Path("db"), CurveArgs());
  ASSERT_TRUE(server.Start()) << server.Log();
  const std::string ep = server.endpoint();

  auto loader = As("ingest", ep);
  ASSERT_TRUE(loader.ok());
  auto ingested = (*loader)->Ingest(People());
  ASSERT_TRUE(ingested.ok()) << ingested.status().ToString();
  uint64_t entity = ingested->entities[0];
  EXPECT_EQ((*loader)->GetEntityJson(entity).status().code(), StatusCode::kPermissionDenied);

  auto admin = As("admin", ep);
  auto full = (*admin)->GetEntityJson(entity);
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  EXPECT_NE(full->find("+79123456789"), std::string::npos);

  // Operators: the entity with masked contacts; call lists; no records.
  auto op = As("operator", ep);
  auto masked = (*op)->GetEntityJson(entity);
  ASSERT_TRUE(masked.ok()) << masked.status().ToString();
  EXPECT_EQ(masked->find("+79123456789"), std::string::npos) << *masked;
  EXPECT_NE(masked->find("+7912*****89"), std::string::npos) << *masked;
  EXPECT_NE(masked->find("a***@mail.ru"), std::string::npos) << *masked;
  // The operator gets a list of one: outcomes are accepted for that client
  // only; an ingest service is not limited to lists.
  auto listed = (*op)->CallListJson("", 1);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  size_t at = listed->find("\"entity\": ");
  ASSERT_NE(at, std::string::npos) << *listed;
  uint64_t on_list = std::stoull(listed->substr(at + 10));
  uint64_t off_list = on_list == entity ? ingested->entities[2] : entity;
  std::string on_phone = on_list == entity ? "+79123456789" : "89031234567";
  std::string off_phone = on_list == entity ? "89031234567" : "+79123456789";
  auto mine = (*op)->OutcomesJson({{{"entity_id", std::to_string(on_list)}, {"contact", on_phone},
                                    {"outcome", "confirmed"}, {"called_at", "2026-12-05"}},
                                   {{"entity_id", std::to_string(off_list)}, {"contact", off_phone},
                                    {"outcome", "confirmed"}, {"called_at", "2026-12-05"}}});
  ASSERT_TRUE(mine.ok()) << mine.status().ToString();
  EXPECT_NE(mine->find("\"applied\": 1"), std::string::npos) << *mine;
  EXPECT_NE(mine->find("is not on a call list given to you"), std::string::npos) << *mine;
  auto theirs = (*loader)->OutcomesJson({{{"entity_id", std::to_string(off_list)}, {"contact", off_phone},
                                          {"outcome", "confirmed"}, {"called_at", "2026-12-05"}}});
  EXPECT_NE(theirs->find("\"applied\": 1"), std::string::npos) << *theirs;
  EXPECT_EQ((*op)->GetRecordJson("a1").status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ((*op)->SuppressJson("list").status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE((*op)->SuppressJson("check", "+79123456789").ok());

  // Analysts: aggregates only.
  auto analyst = As("analyst", ep);
  EXPECT_EQ((*analyst)->GetRecordJson("a1").status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ((*analyst)->GetEntityJson(entity).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ((*analyst)->CallListJson("", 10).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ((*analyst)->Ingest(People()).status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE((*analyst)->SegmentsJson().ok());
  EXPECT_EQ((*analyst)->SegmentsJson("other").status().code(), StatusCode::kPermissionDenied);
  auto report = (*analyst)->ReportJson(false, false);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->find("Пантелеймонов"), std::string::npos);
  EXPECT_TRUE((*analyst)->StatsJson().ok());

  // A key that is not on the list, and a client without CURVE, get nothing.
  auto stranger = As("stranger", ep, 1500);
  ASSERT_TRUE(stranger.ok());
  EXPECT_EQ((*stranger)->HealthJson().status().code(), StatusCode::kUnavailable);
  ClientOptions plain;
  plain.timeout_ms = 1500;
  auto anonymous = Client::Connect(ep, plain);
  EXPECT_EQ((*anonymous)->HealthJson().status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(server.Stop(), 0);

  // Every one of those requests is in the audit trail, refusals included,
  // with the client, its role, the entity or record, and the outcome.
  auto store = storage::Store::Open(Path("db"));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto check = (*store)->VerifyAudit();
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->ok) << check->problem;
  std::vector<std::string> seen;
  ASSERT_TRUE((*store)->QueryAudit({}, [&](const storage::AuditEvent& e) {
    std::string line = e.client + " " + e.role + " " + e.op + " " + e.outcome;
    if (!e.records.empty()) line += " record=" + e.records[0];
    if (!e.entities.empty()) line += " entity=" + std::to_string(e.entities[0]);
    seen.push_back(line);
    return true;
  }).ok());
  auto has = [&](const std::string& what) {
    return std::find(seen.begin(), seen.end(), what) != seen.end();
  };
  std::string all;
  for (const auto& s : seen) all += s + "\n";
  EXPECT_TRUE(has("loader ingest ingest ok record=a1 entity=" + std::to_string(entity))) << all;
  EXPECT_TRUE(has("loader ingest get_entity forbidden entity=" + std::to_string(entity))) << all;
  EXPECT_TRUE(has("op-7 operator get_entity ok entity=" + std::to_string(entity))) << all;
  EXPECT_TRUE(has("analyst-1 analyst get_record forbidden record=a1")) << all;
  EXPECT_TRUE(has("admin-1 admin get_entity ok entity=" + std::to_string(entity))) << all;
  for (const auto& s : seen) {
    EXPECT_EQ(s.find("stranger"), std::string::npos);
    EXPECT_EQ(s.find("+7912"), std::string::npos) << "no personal values in the trail: " << s;
  }
}

TEST_F(ServerAccessTest, TheWireCarriesNoPersonalData) {
  const std::vector<std::string> secrets = {"79123456789", "Пантелеймонов", "Аристарх", "olimpiada.z@yandex.ru",
                                            "89031234567"};
  auto captured = [&](std::vector<std::string> args, const std::string& who) {
    ServerProcess server(Path("db-" + who), args);
    EXPECT_TRUE(server.Start()) << server.Log();
    std::string seen;
    {
      RecordingProxy proxy(PortOf(server.endpoint()));
      auto client = who == "plain" ? Client::Connect(proxy.endpoint()) : As(who, proxy.endpoint());
      EXPECT_TRUE(client.ok());
      auto ingested = (*client)->Ingest(People());
      EXPECT_TRUE(ingested.ok()) << ingested.status().ToString();
      auto entity = (*client)->GetEntityJson(ingested.ok() ? ingested->entities[0] : 1);
      EXPECT_TRUE(entity.ok());
      seen = proxy.bytes();
    }
    EXPECT_EQ(server.Stop(), 0);
    return seen;
  };
  // The control: without CURVE the capture does see the data.
  std::string plain = captured({}, "plain");
  ASSERT_GT(plain.size(), 200u);
  for (const auto& s : secrets) EXPECT_NE(plain.find(s), std::string::npos) << s;
  std::string curve = captured(CurveArgs(), "admin");
  ASSERT_GT(curve.size(), 200u);
  for (const auto& s : secrets) EXPECT_EQ(curve.find(s), std::string::npos) << s;
}

TEST_F(ServerAccessTest, ABadSetupRefusesToStart) {
  // Anything but loopback without CURVE.
  ServerProcess open(Path("db1"), {}, "tcp://0.0.0.0:*");
  EXPECT_FALSE(open.Start());
  EXPECT_NE(open.Log().find("without encryption"), std::string::npos) << open.Log();
  // A missing client list, an unknown role, a secret key others may read,
  // half of the CURVE flags.
  ServerProcess no_list(Path("db2"), {"--curve-key", Path("server.key"), "--clients", Path("nope.list")});
  EXPECT_FALSE(no_list.Start());
  std::ofstream(Path("bad.list")) << "someone superuser " << keys_["admin"].public_key << "\n";
  ServerProcess bad_role(Path("db3"), {"--curve-key", Path("server.key"), "--clients", Path("bad.list")});
  EXPECT_FALSE(bad_role.Start());
  EXPECT_NE(bad_role.Log().find("bad.list:1"), std::string::npos) << bad_role.Log();
  ::chmod(Path("server.key").c_str(), 0644);
  ServerProcess readable(Path("db4"), CurveArgs());
  EXPECT_FALSE(readable.Start());
  EXPECT_NE(readable.Log().find("chmod 600"), std::string::npos) << readable.Log();
  ::chmod(Path("server.key").c_str(), 0600);
  ServerProcess half(Path("db5"), {"--curve-key", Path("server.key")});
  EXPECT_FALSE(half.Start());
  // Key files are private from the first byte.
  struct stat st {};
  ASSERT_EQ(::stat(Path("admin.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(Path("clients.list").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(Access, MasksAndLists) {
  EXPECT_EQ(MaskPhone("+79123456789"), "+7912*****89");
  EXPECT_EQ(MaskEmail("ivan.petrov@mail.ru"), "i***@mail.ru");
  EXPECT_TRUE(IsLoopbackEndpoint("tcp://127.0.0.1:5555"));
  EXPECT_TRUE(IsLoopbackEndpoint("tcp://localhost:1"));
  EXPECT_TRUE(IsLoopbackEndpoint("ipc:///tmp/d.sock"));
  EXPECT_FALSE(IsLoopbackEndpoint("tcp://0.0.0.0:5555"));
  EXPECT_FALSE(IsLoopbackEndpoint("tcp://*:5555"));
  EXPECT_FALSE(IsLoopbackEndpoint("tcp://10.0.0.5:5555"));
  EXPECT_TRUE(Allowed(Role::kAnalyst, "report"));
  EXPECT_FALSE(Allowed(Role::kAnalyst, "get_record"));
  EXPECT_FALSE(Allowed(Role::kOperator, "ingest"));
  EXPECT_TRUE(Allowed(Role::kIngest, "outcomes"));
  EXPECT_TRUE(Allowed(Role::kAdmin, "merge"));
  EXPECT_TRUE(Allowed(Role::kAnalyst, "health"));
}

}  // namespace
}  // namespace doppel::service
