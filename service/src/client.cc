#include "doppel/service/client.h"

#include <zmq.hpp>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>

#include "doppel/service/access.h"
#include "msgpack_util.h"

namespace doppel::service {

struct Client::Impl {
  std::string endpoint;
  ClientOptions options;
  zmq::context_t ctx{1};
  std::unique_ptr<zmq::socket_t> socket;
  uint64_t next_id = 1;

  void Reconnect() {
    socket = std::make_unique<zmq::socket_t>(ctx, zmq::socket_type::dealer);
    socket->set(zmq::sockopt::linger, 0);
    if (!options.server_key.empty()) {
      socket->set(zmq::sockopt::curve_serverkey, options.server_key);
      socket->set(zmq::sockopt::curve_publickey, options.public_key);
      socket->set(zmq::sockopt::curve_secretkey, options.secret_key);
    }
    socket->connect(endpoint);
  }

  Result<uint64_t> Send(std::string_view op, const std::function<void(Packer&)>& args) {
    uint64_t id = next_id++;
    msgpack::sbuffer buf;
    Packer p(buf);
    p.pack_map(4);
    PackString(p, "v");
    p.pack_int(kProtocolVersion);
    PackString(p, "id");
    p.pack_uint64(id);
    PackString(p, "op");
    PackString(p, op);
    PackString(p, "args");
    if (args) args(p);
    else p.pack_map(0);
    try {
      socket->send(zmq::buffer(buf.data(), buf.size()), zmq::send_flags::none);
    } catch (const zmq::error_t& e) {
      return Status::Unavailable(std::string("cannot send to ") + endpoint + ": " + e.what());
    }
    return id;
  }

  // Waits for the next reply; returns its id and the decoded object.
  Result<std::pair<uint64_t, msgpack::object_handle>> Receive() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options.timeout_ms);
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        Reconnect();  // a late reply must not answer a later request
        return Status::Unavailable("no reply from " + endpoint + " within " + std::to_string(options.timeout_ms) +
                                   " ms");
      }
      zmq::pollitem_t item{socket->handle(), 0, ZMQ_POLLIN, 0};
      try {
        zmq::poll(&item, 1, left);
      } catch (const zmq::error_t& e) {
        if (e.num() == EINTR) continue;
        return Status::Unavailable(std::string("poll: ") + e.what());
      }
      if (!(item.revents & ZMQ_POLLIN)) continue;
      zmq::message_t msg;
      (void)socket->recv(msg);
      while (msg.more()) (void)socket->recv(msg);  // a reply is one frame; keep the last
      try {
        msgpack::object_handle h = msgpack::unpack(static_cast<const char*>(msg.data()), msg.size());
        const msgpack::object& reply = h.get();
        auto id = AsUint(Find(reply, "id"));
        if (!id) {
          // An error about a request the server could not read (no id).
          if (const msgpack::object* err = Find(reply, "error")) {
            auto message = AsString(Find(*err, "message"));
            return Status::InvalidArgument("server: " + std::string(message ? *message : "error without id"));
          }
          continue;
        }
        return std::make_pair(*id, std::move(h));
      } catch (const std::exception& e) {
        return Status::Corruption(std::string("unreadable reply: ") + e.what());
      }
    }
  }

  // The result object of a reply, or the error it carries as a Status.
  static Result<const msgpack::object*> ResultOf(const msgpack::object& reply) {
    const msgpack::object* ok = Find(reply, "ok");
    if (ok != nullptr && ok->type == msgpack::type::BOOLEAN && ok->via.boolean) {
      const msgpack::object* result = Find(reply, "result");
      if (result == nullptr) return Status::Corruption("reply without result");
      return result;
    }
    const msgpack::object* err = Find(reply, "error");
    std::string code = "internal", message = "malformed error reply";
    if (err != nullptr) {
      if (auto c = AsString(Find(*err, "code"))) code = std::string(*c);
      if (auto m = AsString(Find(*err, "message"))) message = std::string(*m);
    }
    std::string text = "server: " + code + ": " + message;
    if (code == "bad_request") return Status::InvalidArgument(text);
    if (code == "not_found") return Status::NotFound(text);
    if (code == "too_large") return Status::ResourceExhausted(text);
    if (code == "busy" || code == "unavailable") return Status::Unavailable(text);
    if (code == "forbidden") return Status::PermissionDenied(text);
    return Status::Internal(text);
  }

  Result<msgpack::object_handle> Call(std::string_view op, const std::function<void(Packer&)>& args) {
    DOPPEL_ASSIGN_OR_RETURN(uint64_t id, Send(op, args));
    while (true) {
      DOPPEL_ASSIGN_OR_RETURN(auto got, Receive());
      if (got.first == id) return std::move(got.second);
    }
  }

  // A string field of an op's result.
  Result<std::string> CallText(std::string_view op, const std::function<void(Packer&)>& args, std::string_view key) {
    DOPPEL_ASSIGN_OR_RETURN(msgpack::object_handle h, Call(op, args));
    DOPPEL_ASSIGN_OR_RETURN(const msgpack::object* result, ResultOf(h.get()));
    auto text = AsString(Find(*result, key));
    if (!text) return Status::Corruption("reply to " + std::string(op) + " has no '" + std::string(key) + "'");
    return std::string(*text);
  }

  Result<std::string> CallJson(std::string_view op, const std::function<void(Packer&)>& args) {
    DOPPEL_ASSIGN_OR_RETURN(msgpack::object_handle h, Call(op, args));
    DOPPEL_ASSIGN_OR_RETURN(const msgpack::object* result, ResultOf(h.get()));
    return ToJson(*result);
  }

  static void PackBatch(Packer& p, const Batch& b) {
    p.pack_map(4);
    PackString(p, "columns");
    p.pack_array(static_cast<uint32_t>(b.columns.size()));
    for (const auto& c : b.columns) PackString(p, c);
    PackString(p, "data");
    p.pack_array(static_cast<uint32_t>(b.data.size()));
    for (const auto& col : b.data) {
      p.pack_array(static_cast<uint32_t>(col.size()));
      for (const auto& v : col) PackString(p, v);
    }
    PackString(p, "map");
    std::map<std::string, std::vector<std::string>> by_role;
    for (const auto& [role, column] : b.map) by_role[role].push_back(column);
    p.pack_map(static_cast<uint32_t>(by_role.size()));
    for (const auto& [role, cols] : by_role) {
      PackString(p, role);
      p.pack_array(static_cast<uint32_t>(cols.size()));
      for (const auto& c : cols) PackString(p, c);
    }
    PackString(p, "source");
    PackString(p, b.source);
  }

  static Result<IngestReply> DecodeIngest(const msgpack::object& reply) {
    DOPPEL_ASSIGN_OR_RETURN(const msgpack::object* r, ResultOf(reply));
    IngestReply out;
    auto array = [&](const char* key) -> const msgpack::object* {
      const msgpack::object* a = Find(*r, key);
      return a != nullptr && a->type == msgpack::type::ARRAY ? a : nullptr;
    };
    const msgpack::object *ids = array("ids"), *entities = array("entities"), *actions = array("actions"),
                          *rows = array("rows"), *rejects = array("rejects");
    if (!ids || !entities || !actions || !rows || !rejects) return Status::Corruption("malformed ingest reply");
    for (uint32_t i = 0; i < ids->via.array.size; ++i) {
      auto id = AsString(&ids->via.array.ptr[i]);
      auto e = AsUint(&entities->via.array.ptr[i]);
      auto a = AsString(&actions->via.array.ptr[i]);
      auto row = AsUint(&rows->via.array.ptr[i]);
      if (!id || !e || !a || !row) return Status::Corruption("malformed ingest reply");
      out.ids.emplace_back(*id);
      out.entities.push_back(*e);
      out.actions.emplace_back(*a);
      out.rows.push_back(*row);
    }
    for (uint32_t i = 0; i < rejects->via.array.size; ++i) {
      const msgpack::object& rj = rejects->via.array.ptr[i];
      auto row = AsUint(Find(rj, "index"));
      auto reason = AsString(Find(rj, "reason"));
      out.rejects.emplace_back(row.value_or(0), std::string(reason.value_or("")));
    }
    return out;
  }
};

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() = default;

Result<std::unique_ptr<Client>> Client::Connect(const std::string& endpoint, const ClientOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->endpoint = endpoint;
  impl->options = options;
  ClientOptions& o = impl->options;
  if (o.server_key.empty()) {
    const char* server = std::getenv("DOPPEL_SERVER_KEY");
    const char* mine = std::getenv("DOPPEL_CLIENT_KEY");
    if (server != nullptr && *server != '\0') {
      if (mine == nullptr || *mine == '\0') {
        return Status::InvalidArgument("DOPPEL_SERVER_KEY is set but DOPPEL_CLIENT_KEY (this client's .key) is not");
      }
      DOPPEL_ASSIGN_OR_RETURN(KeyPair s, LoadKeyFile(server, /*needs_secret=*/false));
      DOPPEL_ASSIGN_OR_RETURN(KeyPair c, LoadKeyFile(mine, /*needs_secret=*/true));
      o.server_key = s.public_key;
      o.public_key = c.public_key;
      o.secret_key = c.secret_key;
    }
  }
  if (!o.server_key.empty() &&
      (!IsZ85Key(o.server_key) || !IsZ85Key(o.public_key) || !IsZ85Key(o.secret_key))) {
    return Status::InvalidArgument("CURVE keys must be 40-character Z85 strings");
  }
  try {
    impl->Reconnect();
  } catch (const zmq::error_t& e) {
    return Status::InvalidArgument("cannot connect to '" + endpoint + "': " + e.what());
  }
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

const std::string& Client::endpoint() const { return impl_->endpoint; }

Result<std::string> Client::HealthJson() { return impl_->CallJson("health", nullptr); }
Result<std::string> Client::StatsJson() { return impl_->CallJson("stats", nullptr); }

Result<std::string> Client::GetRecordJson(const std::string& id) {
  return impl_->CallJson("get_record", [&](Packer& p) {
    p.pack_map(1);
    PackString(p, "id");
    PackString(p, id);
  });
}

Result<std::string> Client::GetEntityJson(uint64_t id) {
  return impl_->CallJson("get_entity", [&](Packer& p) {
    p.pack_map(1);
    PackString(p, "id");
    p.pack_uint64(id);
  });
}

Result<IngestReply> Client::Ingest(const Batch& batch) {
  DOPPEL_ASSIGN_OR_RETURN(msgpack::object_handle h,
                          impl_->Call("ingest", [&](Packer& p) { Impl::PackBatch(p, batch); }));
  return Impl::DecodeIngest(h.get());
}

Result<std::string> Client::ResolveJson(const Batch& batch, bool explain) {
  return impl_->CallJson("resolve", [&](Packer& p) {
    // The batch map plus "explain": repack with one more key.
    msgpack::sbuffer inner;
    Packer q(inner);
    Impl::PackBatch(q, batch);
    msgpack::object_handle h = msgpack::unpack(inner.data(), inner.size());
    const msgpack::object& m = h.get();
    p.pack_map(m.via.map.size + 1);
    for (uint32_t i = 0; i < m.via.map.size; ++i) {
      p.pack(m.via.map.ptr[i].key);
      p.pack(m.via.map.ptr[i].val);
    }
    Kv(p, "explain", explain);
  });
}

Result<std::string> Client::ExplainJson(const std::string& id_l, const std::string& id_r) {
  return impl_->CallJson("explain", [&](Packer& p) {
    p.pack_map(2);
    Kv(p, "id_l", id_l);
    Kv(p, "id_r", id_r);
  });
}

Result<std::string> Client::MergeJson(uint64_t a, uint64_t b, const std::string& reason) {
  return impl_->CallJson("merge", [&](Packer& p) {
    p.pack_map(2);
    PackString(p, "entities");
    p.pack_array(2);
    p.pack_uint64(a);
    p.pack_uint64(b);
    Kv(p, "reason", reason);
  });
}

Result<std::string> Client::UnmergeJson(uint64_t entity, const std::string& reason) {
  return impl_->CallJson("unmerge", [&](Packer& p) {
    p.pack_map(2);
    Kv(p, "entity", entity);
    Kv(p, "reason", reason);
  });
}

Result<std::string> Client::SuppressJson(const std::string& action, const std::string& value,
                                         const std::string& reason, const std::string& source) {
  return impl_->CallJson("suppress", [&](Packer& p) {
    p.pack_map(4);
    Kv(p, "action", action);
    Kv(p, "value", value);
    Kv(p, "reason", reason);
    Kv(p, "source", source);
  });
}

namespace {

// The arguments of the loop's ops; `csv` asks for the table the CLI writes.
std::function<void(Packer&)> CallListArgs(const std::string& segment, uint64_t limit, bool all,
                                          const std::string& today, bool csv) {
  return [=](Packer& p) {
    p.pack_map(5);
    Kv(p, "segment", segment);
    Kv(p, "limit", limit);
    Kv(p, "all", all);
    Kv(p, "today", today);
    Kv(p, "csv", csv);
  };
}

std::function<void(Packer&)> SegmentsArgs(const std::string& segment, uint64_t offset, uint64_t limit,
                                          const std::string& today, bool csv) {
  return [=](Packer& p) {
    p.pack_map(5);
    Kv(p, "segment", segment);
    Kv(p, "offset", offset);
    Kv(p, "limit", limit);
    Kv(p, "today", today);
    Kv(p, "csv", csv);
  };
}

std::function<void(Packer&)> OutcomesArgs(const std::vector<std::map<std::string, std::string>>& rows,
                                          const std::string& source) {
  return [&rows, source](Packer& p) {
    p.pack_map(2);
    Kv(p, "source", source);
    PackString(p, "rows");
    p.pack_array(static_cast<uint32_t>(rows.size()));
    for (const auto& row : rows) {
      p.pack_map(static_cast<uint32_t>(row.size()));
      for (const auto& [k, v] : row) Kv(p, k, v);
    }
  };
}

std::function<void(Packer&)> ReportArgs(bool html, bool record, const std::string& today) {
  return [=](Packer& p) {
    p.pack_map(3);
    Kv(p, "html", html);
    Kv(p, "record", record);
    Kv(p, "today", today);
  };
}

}  // namespace

Result<std::string> Client::CallListJson(const std::string& segment, uint64_t limit, bool all,
                                         const std::string& today) {
  return impl_->CallJson("calllist", CallListArgs(segment, limit, all, today, false));
}

Result<std::string> Client::SegmentsJson(const std::string& segment, uint64_t offset, uint64_t limit,
                                         const std::string& today) {
  return impl_->CallJson("segments", SegmentsArgs(segment, offset, limit, today, false));
}

Result<std::string> Client::OutcomesJson(const std::vector<std::map<std::string, std::string>>& rows,
                                         const std::string& source) {
  return impl_->CallJson("outcomes", OutcomesArgs(rows, source));
}

Result<std::string> Client::EraseJson(uint64_t entity, const std::string& reason) {
  return impl_->CallJson("erase", [&](Packer& p) {
    p.pack_map(2);
    Kv(p, "entity", entity);
    Kv(p, "reason", reason);
  });
}

Result<std::string> Client::ReportJson(bool html, bool record) {
  return impl_->CallJson("report", ReportArgs(html, record, ""));
}

Result<Client::OutcomesReply> Client::Outcomes(const std::vector<std::map<std::string, std::string>>& rows,
                                                const std::string& source) {
  DOPPEL_ASSIGN_OR_RETURN(msgpack::object_handle h, impl_->Call("outcomes", OutcomesArgs(rows, source)));
  DOPPEL_ASSIGN_OR_RETURN(const msgpack::object* r, Impl::ResultOf(h.get()));
  OutcomesReply out;
  out.applied = AsUint(Find(*r, "applied")).value_or(0);
  out.records_added = AsUint(Find(*r, "records_added")).value_or(0);
  out.entities_merged = AsUint(Find(*r, "entities_merged")).value_or(0);
  out.suppressed = AsUint(Find(*r, "suppressed")).value_or(0);
  out.detached = AsUint(Find(*r, "detached")).value_or(0);
  if (const msgpack::object* c = Find(*r, "counts"); c != nullptr && c->type == msgpack::type::MAP) {
    for (uint32_t i = 0; i < c->via.map.size; ++i) {
      auto k = AsString(&c->via.map.ptr[i].key);
      if (k) out.counts[std::string(*k)] = AsUint(&c->via.map.ptr[i].val).value_or(0);
    }
  }
  if (const msgpack::object* rj = Find(*r, "rejects"); rj != nullptr && rj->type == msgpack::type::ARRAY) {
    for (uint32_t i = 0; i < rj->via.array.size; ++i) {
      const msgpack::object& one = rj->via.array.ptr[i];
      out.rejects.emplace_back(AsUint(Find(one, "index")).value_or(0),
                               std::string(AsString(Find(one, "reason")).value_or("")));
    }
  }
  return out;
}

Result<Client::ReportFiles> Client::Report(bool record, const std::string& today) {
  DOPPEL_ASSIGN_OR_RETURN(msgpack::object_handle h, impl_->Call("report", ReportArgs(true, record, today)));
  DOPPEL_ASSIGN_OR_RETURN(const msgpack::object* r, Impl::ResultOf(h.get()));
  ReportFiles out;
  auto json = AsString(Find(*r, "json")), csv = AsString(Find(*r, "segments_csv")), html = AsString(Find(*r, "html"));
  if (!json || !csv || !html) return Status::Corruption("malformed report reply");
  out.json = std::string(*json);
  out.segments_csv = std::string(*csv);
  out.html = std::string(*html);
  return out;
}

Result<std::string> Client::CallListCsv(const std::string& segment, uint64_t limit, bool all,
                                        const std::string& today) {
  return impl_->CallText("calllist", CallListArgs(segment, limit, all, today, true), "csv");
}

Result<std::string> Client::SegmentsCsv(const std::string& segment, uint64_t offset, uint64_t limit,
                                        const std::string& today) {
  return impl_->CallText("segments", SegmentsArgs(segment, offset, limit, today, true), "csv");
}

Result<uint64_t> Client::SendIngest(const Batch& batch) {
  return impl_->Send("ingest", [&](Packer& p) { Impl::PackBatch(p, batch); });
}

Result<std::pair<uint64_t, Result<IngestReply>>> Client::ReceiveIngest() {
  DOPPEL_ASSIGN_OR_RETURN(auto got, impl_->Receive());
  return std::make_pair(got.first, Impl::DecodeIngest(got.second.get()));
}

}  // namespace doppel::service
