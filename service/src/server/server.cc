// The front loop and the worker pool.
#include <zmq.h>

#include <cerrno>
#include <cstdio>
#include <fstream>

#include "doppel/core/parallel.h"
#include "msgpack_util.h"
#include "server_internal.h"

namespace doppel::service {

Status ServerOptions::Validate() const {
  if (db_path.empty()) return Status::InvalidArgument("--db must name a directory");
  if (listen.empty()) return Status::InvalidArgument("--listen must name an endpoint");
  if (max_in_flight < 1) return Status::InvalidArgument("max_in_flight must be positive");
  if (max_request_bytes < 1024) return Status::InvalidArgument("max_request_bytes must be at least 1 KiB");
  if (max_rows < 1 || max_group_records < 1) return Status::InvalidArgument("row limits must be positive");
  if (workers < 0) return Status::InvalidArgument("workers must be 0 (one per core) or positive");
  DOPPEL_RETURN_IF_ERROR(normalize.Validate());
  return store.Validate();
}

struct Server::Impl {
  ServerOptions options;
  std::unique_ptr<storage::Store> store;
  zmq::context_t ctx{1};
  zmq::socket_t router{ctx, zmq::socket_type::router};
  zmq::socket_t replies{ctx, zmq::socket_type::pull};
  std::string endpoint;
  std::string reply_endpoint;
  ServerCounters counters;
  std::atomic<size_t> in_flight{0};

  // The worker queue (bounded by max_in_flight through the front thread).
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Job> jobs;
  bool closing = false;

  void SendToClient(const Envelope& to, const std::string& payload) {
    // ROUTER_MANDATORY makes a vanished client an error here rather than a
    // silent drop; the reply has nowhere to go, so it is counted and dropped.
    try {
      router.send(zmq::buffer(to.identity), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
      if (to.delimiter) router.send(zmq::buffer("", 0), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
      router.send(zmq::buffer(payload), zmq::send_flags::dontwait);
    } catch (const zmq::error_t&) {
      counters.unroutable.fetch_add(1);
    }
  }

  void Reject(const Envelope& to, const RequestId& id, ErrorCode code, const std::string& message) {
    counters.by_error[static_cast<size_t>(code)].fetch_add(1);
    SendToClient(to, EncodeErrorReply(id, code, message));
  }

  // Takes one message off the ROUTER and queues it, or answers it at once.
  void Accept(std::vector<zmq::message_t>& parts) {
    counters.requests.fetch_add(1);
    Envelope env;
    env.identity = parts[0].to_string();
    size_t payload_index = 1;
    if (parts.size() >= 2 && parts[1].size() == 0) {
      env.delimiter = true;
      payload_index = 2;
    }
    if (parts.size() != payload_index + 1) {
      Reject(env, {}, ErrorCode::kBadRequest,
             "expected one payload frame after the envelope, got " + std::to_string(parts.size() - payload_index));
      return;
    }
    zmq::message_t& payload = parts[payload_index];
    std::string_view bytes(static_cast<const char*>(payload.data()), payload.size());
    if (bytes.empty()) {
      Reject(env, {}, ErrorCode::kBadRequest, "empty request");
      return;
    }
    if (bytes.size() > options.max_request_bytes) {
      Reject(env, PeekRequestId(bytes), ErrorCode::kTooLarge,
             "request of " + std::to_string(bytes.size()) + " bytes; the limit is " +
                 std::to_string(options.max_request_bytes));
      return;
    }
    if (in_flight.load() >= options.max_in_flight) {
      counters.busy.fetch_add(1);
      Reject(env, PeekRequestId(bytes), ErrorCode::kBusy,
             "server busy: " + std::to_string(options.max_in_flight) + " requests in flight; retry later");
      return;
    }
    in_flight.fetch_add(1);
    {
      std::lock_guard<std::mutex> lock(mu);
      jobs.push_back(Job{std::move(env), PeekRequestId(bytes), std::string(bytes)});
    }
    cv.notify_one();
  }

  void Worker(Committer* committer) {
    ReplySender sender(ctx, reply_endpoint);
    Handler handler(options, *store, *committer, counters, [this] { return in_flight.load(); });
    while (true) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return closing || !jobs.empty(); });
        if (jobs.empty()) return;
        job = std::move(jobs.front());
        jobs.pop_front();
      }
      std::optional<std::string> reply = handler.Handle(job);
      if (reply) sender.Send(job.envelope, *reply);
    }
  }

  // Forwards every reply waiting on the inproc socket.
  void DrainReplies() {
    while (true) {
      zmq::message_t identity, flag, payload;
      auto got = replies.recv(identity, zmq::recv_flags::dontwait);
      if (!got) return;
      (void)replies.recv(flag);
      (void)replies.recv(payload);
      Envelope to{identity.to_string(), flag.to_string() == "1"};
      SendToClient(to, payload.to_string());
      in_flight.fetch_sub(1);
    }
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() = default;

const std::string& Server::endpoint() const { return impl_->endpoint; }

Result<std::unique_ptr<Server>> Server::Create(const ServerOptions& options) {
  DOPPEL_RETURN_IF_ERROR(options.Validate());
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  DOPPEL_ASSIGN_OR_RETURN(impl->store, storage::Store::Open(options.db_path, options.store));
  try {
    zmq::socket_t& r = impl->router;
    r.set(zmq::sockopt::router_mandatory, 1);
    // Hard cap: libzmq drops a peer whose frame exceeds it (no reply is
    // possible). Below it, frames over max_request_bytes get "too_large".
    r.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(options.max_request_bytes) * 4 + (1 << 20));
    r.set(zmq::sockopt::rcvhwm, 1000);
    r.set(zmq::sockopt::sndhwm, 1000);
    r.set(zmq::sockopt::linger, 2000);
    r.bind(options.listen);
    impl->endpoint = r.get(zmq::sockopt::last_endpoint);
    impl->reply_endpoint = "inproc://doppeld-replies";
    impl->replies.bind(impl->reply_endpoint);
  } catch (const zmq::error_t& e) {
    return Status::Unavailable("cannot listen on " + options.listen + ": " + e.what());
  }
  if (!options.endpoint_file.empty()) {
    std::ofstream f(options.endpoint_file + ".tmp");
    f << impl->endpoint << "\n";
    f.close();
    if (!f || std::rename((options.endpoint_file + ".tmp").c_str(), options.endpoint_file.c_str()) != 0) {
      return Status::IoError("cannot write " + options.endpoint_file);
    }
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Status Server::Run() {
  Impl& m = *impl_;
  Committer committer(*m.store, m.ctx, m.reply_endpoint, m.options.max_group_records, m.counters);
  size_t nworkers = core::ResolveThreads(m.options.workers);
  std::vector<std::thread> workers;
  for (size_t i = 0; i < nworkers; ++i) workers.emplace_back([&] { m.Worker(&committer); });

  bool accepting = true;
  while (true) {
    if (accepting && stop_.load()) {
      accepting = false;  // stop intake; answer what is in flight
    }
    if (!accepting && m.in_flight.load() == 0) break;
    zmq_pollitem_t items[2] = {{m.replies.handle(), 0, ZMQ_POLLIN, 0}, {m.router.handle(), 0, ZMQ_POLLIN, 0}};
    int rc = zmq_poll(items, accepting ? 2 : 1, 100);
    if (rc < 0) {
      if (zmq_errno() == EINTR) continue;
      break;
    }
    if (items[0].revents & ZMQ_POLLIN) m.DrainReplies();
    if (accepting && (items[1].revents & ZMQ_POLLIN)) {
      // A bounded burst, so replies keep flowing under a flood of requests.
      for (int burst = 0; burst < 256; ++burst) {
        std::vector<zmq::message_t> parts;
        try {
          zmq::message_t part;
          if (!m.router.recv(part, zmq::recv_flags::dontwait)) break;
          parts.push_back(std::move(part));
          while (parts.back().more() && parts.size() < 64) {
            zmq::message_t next;
            (void)m.router.recv(next);
            parts.push_back(std::move(next));
          }
          // Swallow the rest of an absurdly long multipart message.
          bool truncated = parts.back().more();
          while (parts.back().more()) {
            zmq::message_t next;
            (void)m.router.recv(next);
            parts.back() = std::move(next);
          }
          if (truncated) parts.resize(65);  // reported as "too many frames" below
        } catch (const zmq::error_t&) {
          break;
        }
        if (parts.size() < 2) continue;  // no payload at all: nothing to answer
        m.Accept(parts);
      }
    }
  }
  {
    std::lock_guard<std::mutex> lock(m.mu);
    m.closing = true;
  }
  m.cv.notify_all();
  for (auto& w : workers) w.join();
  committer.Shutdown();
  m.DrainReplies();
  return Status::Ok();
}

}  // namespace doppel::service
