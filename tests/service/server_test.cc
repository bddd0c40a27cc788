// doppeld end to end: a real server process, real sockets on 127.0.0.1, a
// real database in a temporary directory.
#define MSGPACK_NO_BOOST 1
#include <gtest/gtest.h>
#include <msgpack.hpp>
#include <zmq.hpp>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <random>
#include <set>

#include "doppel/service/client.h"
#include "service/server_harness.h"

namespace doppel::service {
namespace {

namespace fs = std::filesystem;
using doppel::testing::ServerProcess;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("doppeld_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir_);
  }
  std::string Db(const std::string& name = "db") const { return (dir_ / name).string(); }

  static Batch People(int from, int to, const std::string& prefix = "p") {
    Batch b;
    b.columns = {"id", "ФИО", "Телефон", "E-mail"};
    b.data.resize(4);
    for (int i = from; i < to; ++i) {
      b.data[0].push_back(prefix + std::to_string(i));
      b.data[1].push_back("Клиент Номер " + std::to_string(i));
      char phone[32];
      std::snprintf(phone, sizeof phone, "8 (916) %03d-%02d-%02d", i / 10000 % 1000, i / 100 % 100, i % 100);
      b.data[2].push_back(phone);
      b.data[3].push_back(prefix + std::to_string(i) + "@example.org");
    }
    return b;
  }

  fs::path dir_;
};

// A raw DEALER for sending what well-behaved clients never send.
class RawClient {
 public:
  explicit RawClient(const std::string& endpoint, zmq::socket_type type = zmq::socket_type::dealer)
      : socket_(ctx_, type) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.connect(endpoint);
  }
  void Send(const std::vector<std::string>& frames) {
    for (size_t i = 0; i < frames.size(); ++i) {
      socket_.send(zmq::buffer(frames[i]), i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    }
  }
  // The reply payload decoded, or nil object on timeout.
  msgpack::object_handle Receive(int timeout_ms = 10000) {
    zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(timeout_ms));
    if (!(item.revents & ZMQ_POLLIN)) return {};
    zmq::message_t msg;
    (void)socket_.recv(msg);
    while (msg.more()) (void)socket_.recv(msg);
    return msgpack::unpack(static_cast<const char*>(msg.data()), msg.size());
  }

 private:
  zmq::context_t ctx_{1};
  zmq::socket_t socket_;
};

std::string Pack(const std::function<void(msgpack::packer<msgpack::sbuffer>&)>& fn) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> p(buf);
  fn(p);
  return std::string(buf.data(), buf.size());
}

std::string Request(uint64_t id, const std::string& op) {
  return Pack([&](auto& p) {
    p.pack_map(3);
    p.pack(std::string("v"));
    p.pack(1);
    p.pack(std::string("id"));
    p.pack(id);
    p.pack(std::string("op"));
    p.pack(op);
  });
}

std::string ErrorCodeOf(const msgpack::object_handle& h) {
  if (h.get().type != msgpack::type::MAP) return "<no reply>";
  auto m = h.get().as<std::map<std::string, msgpack::object>>();
  if (m.count("ok") && m["ok"].as<bool>()) return "ok";
  auto err = m["error"].as<std::map<std::string, msgpack::object>>();
  return err["code"].as<std::string>();
}

msgpack::object ReplyId(const msgpack::object_handle& h) {
  auto m = h.get().as<std::map<std::string, msgpack::object>>();
  return m["id"];
}

TEST_F(ServerTest, IngestGetRestartAndTheDataIsStillThere) {
  ServerProcess server(Db());
  ASSERT_TRUE(server.Start()) << server.Log();
  uint64_t entity = 0;
  {
    auto client = Client::Connect(server.endpoint());
    ASSERT_TRUE(client.ok());
    Batch b;
    b.columns = {"id", "ФИО", "Телефон", "Дата рождения"};
    b.data = {{"a1", "a2", "a3"},
              {"Иванов Иван Иванович", "Ivanov Ivan", "Петрова Анна"},
              {"8 (912) 345-67-89", "+7 912 345 67 89", "89031234567"},
              {"12.03.1985", "", ""}};
    auto reply = (*client)->Ingest(b);
    ASSERT_TRUE(reply.ok()) << reply.status().ToString();
    EXPECT_EQ(reply->actions, (std::vector<std::string>{"new", "joined", "new"}));
    EXPECT_EQ(reply->entities[0], reply->entities[1]);
    entity = reply->entities[0];
    auto health = (*client)->HealthJson();
    ASSERT_TRUE(health.ok());
    EXPECT_NE(health->find("\"records\": 3"), std::string::npos) << *health;
    EXPECT_NE(health->find("\"gpu_fallbacks\": 0"), std::string::npos) << *health;
  }
  EXPECT_EQ(server.Stop(), 0);
  ASSERT_TRUE(server.Start()) << server.Log();
  auto client = Client::Connect(server.endpoint());
  auto rec = (*client)->GetRecordJson("a2");
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  EXPECT_NE(rec->find("\"+79123456789\""), std::string::npos) << *rec;
  auto ent = (*client)->GetEntityJson(entity);
  ASSERT_TRUE(ent.ok());
  EXPECT_NE(ent->find("\"a1\""), std::string::npos) << *ent;
  EXPECT_NE(ent->find("\"a2\""), std::string::npos) << *ent;
  EXPECT_NE(ent->find("\"birth_date\": 19850312"), std::string::npos) << *ent;
  auto missing = (*client)->GetRecordJson("nope");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ((*client)->GetEntityJson(12345).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(server.Stop(), 0);
}

TEST_F(ServerTest, BadInputGetsTypedErrorsAndTheServerKeepsServing) {
  ServerProcess server(Db(), {"--max-request-mb", "1"});
  ASSERT_TRUE(server.Start()) << server.Log();
  RawClient raw(server.endpoint());

  raw.Send({"\xFF\xFE garbage"});
  EXPECT_EQ(ErrorCodeOf(raw.Receive()), "bad_request");
  raw.Send({Pack([](auto& p) { p.pack(std::vector<int>{1, 2, 3}); })});  // not a map
  EXPECT_EQ(ErrorCodeOf(raw.Receive()), "bad_request");
  std::string truncated = Request(7, "health");
  truncated.resize(truncated.size() - 3);
  raw.Send({truncated});
  EXPECT_EQ(ErrorCodeOf(raw.Receive()), "bad_request");
  raw.Send({Request(8, "frobnicate")});
  auto unknown = raw.Receive();
  EXPECT_EQ(ErrorCodeOf(unknown), "bad_request");
  EXPECT_EQ(ReplyId(unknown).as<uint64_t>(), 8u);
  raw.Send({Pack([](auto& p) {  // op of the wrong type
    p.pack_map(2);
    p.pack(std::string("id"));
    p.pack(9);
    p.pack(std::string("op"));
    p.pack(42);
  })});
  EXPECT_EQ(ErrorCodeOf(raw.Receive()), "bad_request");
  raw.Send({Pack([](auto& p) {  // ingest with mistyped args
    p.pack_map(3);
    p.pack(std::string("id"));
    p.pack(10);
    p.pack(std::string("op"));
    p.pack(std::string("ingest"));
    p.pack(std::string("args"));
    p.pack_map(1);
    p.pack(std::string("columns"));
    p.pack(17);
  })});
  EXPECT_EQ(ErrorCodeOf(raw.Receive()), "bad_request");
  raw.Send({Request(11, "health"), Request(12, "health")});  // two payload frames
  EXPECT_EQ(ErrorCodeOf(raw.Receive()), "bad_request");
  std::string big = Pack([](auto& p) {  // 2 MiB, over the 1 MiB limit
    p.pack_map(3);
    p.pack(std::string("id"));
    p.pack(std::string("big-one"));
    p.pack(std::string("op"));
    p.pack(std::string("health"));
    p.pack(std::string("pad"));
    p.pack(std::string(2 << 20, 'x'));
  });
  raw.Send({big});
  auto too_large = raw.Receive();
  EXPECT_EQ(ErrorCodeOf(too_large), "too_large");
  EXPECT_EQ(ReplyId(too_large).as<std::string>(), "big-one");
  raw.Send({Pack([](auto& p) {  // a version from the future
    p.pack_map(3);
    p.pack(std::string("v"));
    p.pack(99);
    p.pack(std::string("id"));
    p.pack(13);
    p.pack(std::string("op"));
    p.pack(std::string("health"));
  })});
  EXPECT_EQ(ErrorCodeOf(raw.Receive()), "bad_request");

  // A REQ client gets its envelope back.
  RawClient req(server.endpoint(), zmq::socket_type::req);
  req.Send({Request(14, "health")});
  EXPECT_EQ(ErrorCodeOf(req.Receive()), "ok");

  // Still serving; every error was counted.
  raw.Send({Request(15, "stats")});
  auto stats = raw.Receive();
  ASSERT_EQ(ErrorCodeOf(stats), "ok");
  EXPECT_TRUE(server.Alive());
  EXPECT_EQ(server.Stop(), 0);
}

TEST_F(ServerTest, RowsWithBadValuesAreRejectedOneByOne) {
  ServerProcess server(Db());
  ASSERT_TRUE(server.Start()) << server.Log();
  auto client = Client::Connect(server.endpoint());
  Batch b;
  b.columns = {"id", "ФИО"};
  b.data = {{"r1", "r2", "r3"}, {"Иванов", "\xFF\xFE", "Петров"}};
  auto reply = (*client)->Ingest(b);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->ids, (std::vector<std::string>{"r1", "r3"}));
  EXPECT_EQ(reply->rows, (std::vector<uint64_t>{0, 2}));
  ASSERT_EQ(reply->rejects.size(), 1u);
  EXPECT_EQ(reply->rejects[0].first, 1u);
  EXPECT_NE(reply->rejects[0].second.find("invalid UTF-8"), std::string::npos);
  // No id column: refused as a whole.
  Batch no_id;
  no_id.columns = {"ФИО"};
  no_id.data = {{"Иванов"}};
  EXPECT_EQ((*client)->Ingest(no_id).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(server.Stop(), 0);
}

TEST_F(ServerTest, OverloadAnswersBusyInsteadOfQueueingWithoutBound) {
  ServerProcess server(Db(), {"--max-in-flight", "2", "--workers", "1"});
  ASSERT_TRUE(server.Start()) << server.Log();
  auto client = Client::Connect(server.endpoint());
  Batch b = People(0, 2000);
  const int n = 40;
  for (int i = 0; i < n; ++i) ASSERT_TRUE((*client)->SendIngest(b).ok());
  int ok = 0, busy = 0;
  for (int i = 0; i < n; ++i) {
    auto got = (*client)->ReceiveIngest();
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    if (got->second.ok()) ++ok;
    else if (got->second.status().message().find("busy") != std::string::npos) ++busy;
  }
  EXPECT_EQ(ok + busy, n);
  EXPECT_GT(busy, 0);
  EXPECT_GT(ok, 0);
  EXPECT_EQ(server.Stop(), 0);
}

TEST_F(ServerTest, ShutdownAnswersEverythingInFlight) {
  ServerProcess server(Db());
  ASSERT_TRUE(server.Start()) << server.Log();
  auto client = Client::Connect(server.endpoint());
  const int n = 10;
  for (int i = 0; i < n; ++i) ASSERT_TRUE((*client)->SendIngest(People(i * 500, (i + 1) * 500)).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let them reach the server
  std::thread stopper([&] { EXPECT_EQ(server.Stop(), 0); });
  int answered = 0;
  for (int i = 0; i < n; ++i) {
    auto got = (*client)->ReceiveIngest();
    if (!got.ok()) break;
    EXPECT_TRUE(got->second.ok()) << got->second.status().ToString();
    ++answered;
  }
  stopper.join();
  EXPECT_EQ(answered, n);
}

TEST_F(ServerTest, IpcEndpointsWork) {
  std::string ipc = "ipc://" + (dir_ / "doppeld.sock").string();
  ServerProcess server(Db(), {}, ipc);
  ASSERT_TRUE(server.Start()) << server.Log();
  auto client = Client::Connect(server.endpoint());
  auto reply = (*client)->Ingest(People(0, 10));
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->ids.size(), 10u);
  EXPECT_EQ(server.Stop(), 0);
}

TEST_F(ServerTest, AClientTimesOutWhenNobodyAnswers) {
  ClientOptions o;
  o.timeout_ms = 200;
  auto client = Client::Connect("tcp://127.0.0.1:1", o);  // nothing listens there
  ASSERT_TRUE(client.ok());
  auto h = (*client)->HealthJson();
  EXPECT_EQ(h.status().code(), StatusCode::kUnavailable);
}
}  // namespace
}  // namespace doppel::service
