// The server's parts: jobs, the worker-side request handler and the commit
// thread. Private to service/.
#pragma once

#include <zmq.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "doppel/service/access.h"
#include "doppel/service/protocol.h"
#include "doppel/service/server.h"
#include "doppel/storage/store.h"

namespace doppel::service {

// A request as the front thread hands it on, and the reply's way back.
struct Envelope {
  std::string identity;
  bool delimiter = false;  // the client is a REQ socket: echo the empty frame
  std::string client = "local";  // the client's id in the allow-list (CURVE), else "local"
  Role role = Role::kAdmin;      // what it may do (see access.h)
};

struct Job {
  Envelope envelope;
  RequestId id;
  std::string payload;
};

// The error code a failed status is reported with.
ErrorCode CodeOf(const Status& s);

// Debug logging of requests (ServerOptions::log_requests): one line per
// request from its audit event. Ids and counts only, never values.
void LogRequest(const storage::AuditEvent& e);
extern std::atomic<bool> g_log_requests;

// Sends replies to the front thread over an inproc PUSH socket; one per
// thread (ZeroMQ sockets are not thread-safe).
class ReplySender {
 public:
  ReplySender(zmq::context_t& ctx, const std::string& endpoint);
  void Send(const Envelope& to, const std::string& payload);

 private:
  zmq::socket_t socket_;
};

// Request counters for `stats` (atomics: workers update them concurrently).
struct ServerCounters {
  std::map<std::string, std::atomic<uint64_t>> by_op;
  std::array<std::atomic<uint64_t>, kErrorCodeCount> by_error{};
  std::atomic<uint64_t> busy{0}, unroutable{0}, requests{0};
  ServerCounters();
  void CountOp(std::string_view op);
};

// A write the commit thread performs: an ingest (records), or a manual merge
// or unmerge of entities.
struct IngestJob {
  // kStaged: any other write (suppression, call outcomes) as a function that
  // stages it into the group; it may run again when a group is retried.
  enum class Kind : uint8_t { kIngest, kMerge, kUnmerge, kStaged };
  Kind kind = Kind::kIngest;
  uint64_t entity_a = 0, entity_b = 0;  // merge: both; unmerge: a
  Envelope envelope;
  RequestId id;
  std::vector<storage::RecordInput> inputs;
  std::vector<std::pair<uint64_t, std::string>> rejects;  // (row index, reason)
  storage::Actor actor;
  std::vector<size_t> row_of_input;  // request row index of each input
  std::string reply;                 // set by the committer
  std::function<Status(storage::Store::WriteGroup&)> stage;  // kStaged
  std::function<std::string()> staged_reply;                 // kStaged, after the commit
  // The audit event the committer appends once it knows the outcome.
  std::optional<storage::AuditEvent> audit;
};

// Group commit: collects ingest jobs and writes each group with one synced
// write, then replies to every job in it.
class Committer {
 public:
  Committer(storage::Store& store, zmq::context_t& ctx, const std::string& reply_endpoint, size_t max_group_records,
            ServerCounters& counters);
  ~Committer();
  void Submit(IngestJob job);
  // Finishes what is queued, then stops the thread.
  void Shutdown();

 private:
  void Loop();
  void RunGroup(std::vector<IngestJob>& jobs);

  storage::Store& store_;
  zmq::context_t& ctx_;
  std::string reply_endpoint_;
  size_t max_group_records_;
  ServerCounters& counters_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<IngestJob> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

// Decodes a request and runs it. Returns the reply, or nullopt when the job
// went to the committer (which replies itself).
class Handler {
 public:
  Handler(const ServerOptions& options, storage::Store& store, Committer& committer, ServerCounters& counters,
          std::function<size_t()> in_flight);
  std::optional<std::string> Handle(Job& job);

 private:
  // The audit event of the request being handled: every op but health and
  // stats is audited, with its outcome; ops that go to the committer hand
  // the event over with the job.
  storage::AuditEvent audit_;
  bool audit_on_ = false;
  // A typed error reply, counted and noted as the request's audit outcome.
  std::string Fail(const Job& job, ErrorCode code, const std::string& message);
  void Audited(const Job& job, std::string_view op);
  std::optional<storage::AuditEvent> HandOver();
  void FlushAudit();

  // The actualization loop's ops (loop_ops.cc): suppress, calllist,
  // outcomes, report. Outer nullopt: not one of them.
  std::optional<std::optional<std::string>> HandleLoop(std::string_view op, const msgpack::object* args, Job& job);
  const ServerOptions& options_;
  storage::Store& store_;
  Committer& committer_;
  ServerCounters& counters_;
  std::function<size_t()> in_flight_;
  int64_t started_ms_;
};

int64_t NowMs();

}  // namespace doppel::service
