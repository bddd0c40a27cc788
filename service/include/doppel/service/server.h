// doppeld: the ZeroMQ request server in front of the store.
//
// One ROUTER socket takes requests from any number of clients (DEALER or
// REQ). The front thread checks each message's envelope and size, answers
// "busy" when max_in_flight requests are already queued or running, and
// hands the rest to worker threads. Workers decode, normalize and answer;
// ingests go on to one commit thread that resolves them against the store and
// makes each group durable with one synced write before any of its replies
// leaves (group commit). Nothing throws across the message loop: every
// failure is a typed error reply. Stop() (safe from a signal handler) stops
// intake, answers everything in flight, then returns from Run().
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>

#include "doppel/core/normalize.h"
#include "doppel/core/status.h"
#include "doppel/core/config.h"
#include "doppel/storage/store.h"

namespace doppel::service {

struct ServerOptions {
  // Database directory. Default: "var/doppel".
  std::string db_path = "var/doppel";
  // ZeroMQ endpoint to bind; "tcp://127.0.0.1:*" picks a free port.
  // Default: "tcp://127.0.0.1:5555".
  std::string listen = "tcp://127.0.0.1:5555";
  // Worker threads; 0 = one per core. Default: 0.
  int workers = 0;
  // Requests queued or running at once; beyond it the reply is "busy". Default: 256.
  size_t max_in_flight = 256;
  // A larger request frame gets "too_large". Default: 64 MiB.
  size_t max_request_bytes = 64u << 20;
  // Rows per ingest or dedupe request. Default: 100000.
  size_t max_rows = 100000;
  // Records one commit group may hold (more wait for the next). Default: 50000.
  size_t max_group_records = 50000;
  // Write the bound endpoint here once listening (for scripts and tests). Default: "".
  std::string endpoint_file;
  // Normalization (phone region, today). Default: RU, system date.
  core::NormalizeOptions normalize;
  // The store. Default: synced writes, the four exact keys.
  storage::StoreOptions store;
  // CURVE: this server's key pair (a .key file from `doppel keys generate`)
  // and the allow-list of client keys with their roles (access.h). Both or
  // neither; required to listen on anything but loopback. Default: none.
  std::string curve_key_file;
  std::string clients_file;
  // Log every request on stderr (op, client, role, outcome, counts; never
  // personal values). Default: false.
  bool log_requests = false;
  // Staleness, segments and calling windows for the loop's ops. Default: as documented in config.md.
  core::LoopConfig loop;

  Status Validate() const;
};

class Server {
 public:
  // Opens the store and binds the socket; fails with a clear message when
  // either cannot be done (a locked database, a port in use).
  static Result<std::unique_ptr<Server>> Create(const ServerOptions& options);
  ~Server();

  // Serves until Stop(); returns once in-flight requests are answered.
  Status Run();
  // Thread- and signal-safe.
  void Stop() { stop_.store(true); }
  const std::string& endpoint() const;

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> stop_{false};
};

}  // namespace doppel::service
