// A storm of malformed and adversarial requests against a real doppeld:
// random bytes, MessagePack with wrong types, absurd declared lengths, deep
// nesting, unknown ops, extra and empty frames, requests for what does not
// exist. Each gets exactly one typed reply, the server answers health
// checks throughout, and it is still alive at the end.
//
// 100,000 requests here (seconds), from seed 20261204 so that `make test`
// is repeatable; DOPPEL_STORM_REQUESTS=1000000 for the long run and
// DOPPEL_STORM_SEED=random (or a number) for other inputs (bench/storm.sh
// draws a new seed each run). The seed is printed.
#define MSGPACK_NO_BOOST 1
#include <gtest/gtest.h>
#include <msgpack.hpp>
#include <zmq.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>

#include "service/server_harness.h"

namespace doppel::service {
namespace {

namespace fs = std::filesystem;
using doppel::testing::ServerProcess;

std::string Packed(const std::function<void(msgpack::packer<msgpack::sbuffer>&)>& fn) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> p(buf);
  fn(p);
  return std::string(buf.data(), buf.size());
}

// One adversarial request: its frames.
std::vector<std::string> Adversary(std::mt19937_64& rng, uint64_t n) {
  auto pick = [&](uint64_t k) { return rng() % k; };
  auto ops = std::vector<std::string>{"ingest", "resolve", "dedupe", "get_record", "get_entity", "explain", "merge",
                                      "unmerge", "suppress", "calllist", "segments", "outcomes", "report", "erase",
                                      "stats", "health", "nope", "", "INGEST"};
  switch (pick(9)) {
    case 0: {  // random bytes
      std::string s(1 + pick(200), '\0');
      for (auto& c : s) c = static_cast<char>(rng());
      return {s};
    }
    case 1:  // a valid envelope, an op of every kind, args of random types
      return {Packed([&](auto& p) {
        p.pack_map(3);
        p.pack(std::string("id"));
        p.pack(n);
        p.pack(std::string("op"));
        p.pack(ops[pick(ops.size())]);
        p.pack(std::string("args"));
        switch (pick(6)) {
          case 0: p.pack(42); break;
          case 1: p.pack(std::string("x")); break;
          case 2: p.pack_nil(); break;
          case 3: p.pack(std::vector<int>{1, 2}); break;
          default: {
            p.pack_map(3);
            for (const char* k : {"id", "entity", "columns"}) {
              p.pack(std::string(k));
              if (pick(2)) p.pack(std::string("not-a-number"));
              else p.pack(-static_cast<int64_t>(pick(1000)));
            }
          }
        }
      })};
    case 2: {  // a string header that claims 4 GB
      std::string s = "\x83\xa2id\x01\xa2op\xdb\xff\xff\xff\xf0health";
      return {s};
    }
    case 3: {  // nesting far deeper than the limit
      std::string s;
      size_t depth = 20 + pick(5000);
      for (size_t i = 0; i < depth; ++i) s.push_back(static_cast<char>(0x91));  // fixarray of 1
      s.push_back(0x01);
      return {s};
    }
    case 4: {  // a huge array count with no elements
      return {std::string("\xdd\x7f\xff\xff\xff", 5)};
    }
    case 5: {  // extra frames, empty frames
      std::string ok = Packed([&](auto& p) {
        p.pack_map(2);
        p.pack(std::string("id"));
        p.pack(n);
        p.pack(std::string("op"));
        p.pack(std::string("health"));
      });
      if (pick(2)) return {ok, ok};
      return {std::string(), ok, std::string()};
    }
    case 6:  // ingest with ragged columns and hostile values
      return {Packed([&](auto& p) {
        p.pack_map(3);
        p.pack(std::string("id"));
        p.pack(n);
        p.pack(std::string("op"));
        p.pack(std::string("ingest"));
        p.pack(std::string("args"));
        p.pack_map(2);
        p.pack(std::string("columns"));
        p.pack(std::vector<std::string>{"id", "ФИО", "Телефон"});
        p.pack(std::string("data"));
        p.pack_array(static_cast<uint32_t>(1 + pick(3)));
        for (uint64_t c = 0; c < 3 && c < 1 + pick(3); ++c) p.pack(std::vector<std::string>{"\xff\xfe", "", "1"});
      })};
    case 7:  // things that do not exist
      return {Packed([&](auto& p) {
        p.pack_map(3);
        p.pack(std::string("id"));
        p.pack(n);
        p.pack(std::string("op"));
        p.pack(std::string(pick(2) ? "get_entity" : "unmerge"));
        p.pack(std::string("args"));
        p.pack_map(2);
        p.pack(std::string("id"));
        p.pack(uint64_t{1} << 60);
        p.pack(std::string("entity"));
        p.pack(uint64_t{1} << 61);
      })};
    default: {  // a valid request cut short
      std::string s = Packed([&](auto& p) {
        p.pack_map(2);
        p.pack(std::string("id"));
        p.pack(n);
        p.pack(std::string("op"));
        p.pack(std::string("stats"));
      });
      s.resize(1 + pick(s.size() - 1));
      return {s};
    }
  }
}

std::string CodeOf(const zmq::message_t& m) {
  try {
    msgpack::object_handle h = msgpack::unpack(static_cast<const char*>(m.data()), m.size());
    auto map = h.get().as<std::map<std::string, msgpack::object>>();
    if (map.count("ok") && map["ok"].as<bool>()) return "ok";
    return map.at("error").as<std::map<std::string, msgpack::object>>().at("code").as<std::string>();
  } catch (const std::exception&) {
    return "<not a typed reply>";
  }
}

TEST(ServerStorm, EveryMalformedRequestGetsATypedErrorAndHealthStaysUp) {
  fs::path dir = fs::temp_directory_path() / ("doppeld_storm_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const char* env_n = std::getenv("DOPPEL_STORM_REQUESTS");
  const char* env_seed = std::getenv("DOPPEL_STORM_SEED");
  const uint64_t total = env_n ? std::strtoull(env_n, nullptr, 10) : 100000;
  const bool random_seed = env_seed != nullptr && std::string(env_seed) == "random";
  const uint64_t seed = random_seed ? static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())
                        : env_seed ? std::strtoull(env_seed, nullptr, 10)
                                   : 20261204;
  std::printf("storm: %llu requests, seed %llu (DOPPEL_STORM_SEED=%llu repeats it)\n",
              static_cast<unsigned long long>(total), static_cast<unsigned long long>(seed),
              static_cast<unsigned long long>(seed));
  ServerProcess server((dir / "db").string(), {"--max-request-mb", "1"});
  ASSERT_TRUE(server.Start()) << server.Log();

  zmq::context_t ctx(1);
  zmq::socket_t s(ctx, zmq::socket_type::dealer);
  s.set(zmq::sockopt::linger, 0);
  s.connect(server.endpoint());
  std::mt19937_64 rng(seed);
  std::map<std::string, uint64_t> codes;
  uint64_t sent = 0, replies = 0, health_ok = 0, health_checks = 0;
  const uint64_t window = 128;
  auto receive_one = [&](int timeout_ms) {
    zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, std::chrono::milliseconds(timeout_ms)) <= 0) return false;
    zmq::message_t m;
    (void)s.recv(m);
    while (m.more()) (void)s.recv(m);
    ++codes[CodeOf(m)];
    ++replies;
    return true;
  };
  auto start = std::chrono::steady_clock::now();
  while (sent < total) {
    while (sent - replies < window && sent < total) {
      std::vector<std::string> frames = Adversary(rng, sent);
      for (size_t i = 0; i < frames.size(); ++i) {
        s.send(zmq::buffer(frames[i]), i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
      }
      ++sent;
    }
    ASSERT_TRUE(receive_one(10000)) << "no reply after " << sent << " requests";
    if (sent % 5000 == 0 || sent == total) {
      // Drain, then a health check on a fresh connection must answer.
      while (replies < sent) ASSERT_TRUE(receive_one(10000)) << replies << " of " << sent;
      zmq::socket_t h(ctx, zmq::socket_type::dealer);
      h.set(zmq::sockopt::linger, 0);
      h.connect(server.endpoint());
      h.send(zmq::buffer(Packed([](auto& p) {
        p.pack_map(1);
        p.pack(std::string("op"));
        p.pack(std::string("health"));
      })));
      zmq::pollitem_t item{h.handle(), 0, ZMQ_POLLIN, 0};
      ++health_checks;
      if (zmq::poll(&item, 1, std::chrono::milliseconds(10000)) > 0) {
        zmq::message_t m;
        (void)h.recv(m);
        health_ok += CodeOf(m) == "ok";
      }
    }
  }
  while (replies < sent) ASSERT_TRUE(receive_one(10000)) << replies << " of " << sent;
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("storm: %llu replies in %.1f s (%.0f/s):", static_cast<unsigned long long>(replies), seconds,
              replies / seconds);
  for (const auto& [code, count] : codes) std::printf(" %s=%llu", code.c_str(), static_cast<unsigned long long>(count));
  std::printf("; health %llu/%llu\n", static_cast<unsigned long long>(health_ok),
              static_cast<unsigned long long>(health_checks));
  EXPECT_EQ(replies, total);
  EXPECT_EQ(codes.count("<not a typed reply>"), 0u);
  EXPECT_EQ(health_ok, health_checks);
  EXPECT_TRUE(server.Alive());
  EXPECT_EQ(server.Stop(), 0);
  if (!::testing::Test::HasFailure()) fs::remove_all(dir);
}

}  // namespace
}  // namespace doppel::service
