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
  if (curve_key_file.empty() != clients_file.empty()) {
    return Status::InvalidArgument("CURVE needs both the server key (--curve-key) and the client list (--clients)");
  }
  if (curve_key_file.empty() && !IsLoopbackEndpoint(listen)) {
    return Status::InvalidArgument("refusing to listen on " + listen +
                                   " without encryption: personal data would cross the network in clear. Listen "
                                   "on 127.0.0.1, or give --curve-key and --clients (see docs/security.md)");
  }
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

  // CURVE: the allow-list and the ZAP handler that enforces it.
  std::optional<AccessList> access;
  std::thread zap;
  std::atomic<bool> zap_stop{false};

  ~Impl() {
    zap_stop.store(true);
    if (zap.joinable()) zap.join();
  }

  // The ZAP handler (RFC 27): every CURVE handshake asks it whether the
  // client's public key is allowed; the answer carries the client's id as
  // the User-Id of its messages. Anything unexpected is refused.
  void ZapLoop(zmq::socket_t& socket) {
    while (!zap_stop.load()) {
      zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
      if (zmq::poll(&item, 1, std::chrono::milliseconds(100)) <= 0) continue;
      std::vector<zmq::message_t> frames;
      do {
        zmq::message_t f;
        if (!socket.recv(f, zmq::recv_flags::dontwait)) break;
        frames.push_back(std::move(f));
      } while (frames.back().more());
      std::string version = frames.size() > 0 ? frames[0].to_string() : "";
      std::string request_id = frames.size() > 1 ? frames[1].to_string() : "";
      std::string status = "400", text = "refused", user;
      if (frames.size() >= 7 && version == "1.0" && frames[5].to_string() == "CURVE" && frames[6].size() == 32) {
        char z85[41];
        zmq_z85_encode(z85, static_cast<const uint8_t*>(frames[6].data()), 32);
        if (const ClientEntry* e = access->FindByKey(z85)) {
          status = "200";
          text = "OK";
          user = e->id;
        } else {
          text = "unknown client key";
        }
      }
      socket.send(zmq::buffer(std::string("1.0")), zmq::send_flags::sndmore);
      socket.send(zmq::buffer(request_id), zmq::send_flags::sndmore);
      socket.send(zmq::buffer(status), zmq::send_flags::sndmore);
      socket.send(zmq::buffer(text), zmq::send_flags::sndmore);
      socket.send(zmq::buffer(user), zmq::send_flags::sndmore);
      socket.send(zmq::buffer("", 0), zmq::send_flags::none);
    }
  }

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
    if (access) {
      // Set by the ZAP handler for this connection: the client's id.
      const char* user = zmq_msg_gets(parts.back().handle(), "User-Id");
      const ClientEntry* e = user != nullptr ? access->FindById(user) : nullptr;
      if (e == nullptr) {
        Reject(env, {}, ErrorCode::kForbidden, "unknown client");
        return;
      }
      env.client = e->id;
      env.role = e->role;
    }
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
  g_log_requests.store(options.log_requests);
  DOPPEL_ASSIGN_OR_RETURN(impl->store, storage::Store::Open(options.db_path, options.store));
  for (const auto& w : impl->store->warnings()) std::fprintf(stderr, "doppeld: warning: %s\n", w.c_str());
  if (!options.curve_key_file.empty()) {
    DOPPEL_ASSIGN_OR_RETURN(KeyPair server_key, LoadKeyFile(options.curve_key_file, /*needs_secret=*/true));
    DOPPEL_ASSIGN_OR_RETURN(AccessList access, AccessList::Load(options.clients_file));
    if (access.entries().empty()) {
      return Status::InvalidArgument(options.clients_file + " lists no client: nobody could connect");
    }
    impl->access = std::move(access);
    // The handler is bound before the server socket, so no handshake can
    // happen without it.
    auto zap_socket = std::make_shared<zmq::socket_t>(impl->ctx, zmq::socket_type::rep);
    try {
      zap_socket->set(zmq::sockopt::linger, 0);
      zap_socket->bind("inproc://zeromq.zap.01");
      impl->router.set(zmq::sockopt::curve_server, 1);
      impl->router.set(zmq::sockopt::curve_secretkey, server_key.secret_key);
      impl->router.set(zmq::sockopt::zap_domain, "doppel");
    } catch (const zmq::error_t& e) {
      return Status::Unavailable(std::string("cannot set up CURVE: ") + e.what());
    }
    Impl* raw = impl.get();
    impl->zap = std::thread([raw, zap_socket] { raw->ZapLoop(*zap_socket); });
  }
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
