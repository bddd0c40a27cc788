// Request decoding and the ops other than the commit step of ingest.
#include <chrono>
#include <cstdio>

#include "doppel/core/exact_dedupe.h"
#include "doppel/core/unicode.h"
#include "doppel/kernels/backend.h"
#include "decode.h"
#include "msgpack_util.h"
#include "server_internal.h"

namespace doppel::service {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

ServerCounters::ServerCounters() {
  for (const char* op : {"health", "stats", "ingest", "resolve", "dedupe", "get_record", "get_entity", "explain",
                         "merge", "unmerge", "suppress", "calllist", "segments", "outcomes", "report",
                         "erase", "unknown"}) {
    by_op[op] = 0;
  }
}

void ServerCounters::CountOp(std::string_view op) {
  auto it = by_op.find(std::string(op));
  (it == by_op.end() ? by_op["unknown"] : it->second).fetch_add(1);
}

ErrorCode CodeOf(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument: return ErrorCode::kBadRequest;
    case StatusCode::kNotFound: return ErrorCode::kNotFound;
    case StatusCode::kResourceExhausted: return ErrorCode::kTooLarge;
    case StatusCode::kPermissionDenied: return ErrorCode::kForbidden;
    case StatusCode::kUnavailable:
    case StatusCode::kIoError: return ErrorCode::kUnavailable;
    default: return ErrorCode::kInternal;
  }
}

std::string Handler::Fail(const Job& job, ErrorCode code, const std::string& message) {
  counters_.by_error[static_cast<size_t>(code)].fetch_add(1);
  audit_.outcome = std::string(ErrorCodeName(code));
  return EncodeErrorReply(job.id, code, message);
}

namespace {

void PackRejects(Packer& p, const std::vector<std::pair<uint64_t, std::string>>& rejects) {
  p.pack_array(static_cast<uint32_t>(rejects.size()));
  for (const auto& [index, reason] : rejects) {
    p.pack_map(2);
    Kv(p, "index", index);
    Kv(p, "reason", reason);
  }
}

// What an operator sees of a golden record: the name, contacts masked, the
// birth year only, no document or address.
core::GoldenRecord Masked(core::GoldenRecord g) {
  for (auto& p : g.phones) p = MaskPhone(p);
  for (auto& e : g.emails) e = MaskEmail(e);
  if (!g.address.empty()) g.address = "***";
  if (!g.doc_id.empty()) g.doc_id = "***";
  g.birth_date = g.birth_date / 10000 * 10000;
  return g;
}

void PackGolden(Packer& p, const core::GoldenRecord& g) {
  p.pack_map(11);
  Kv(p, "last_name", g.last);
  Kv(p, "first_name", g.first);
  Kv(p, "middle_name", g.middle);
  Kv(p, "gender", g.gender);
  Kv(p, "phones", g.phones);
  Kv(p, "emails", g.emails);
  Kv(p, "address", g.address);
  Kv(p, "birth_date", g.birth_date);
  Kv(p, "doc_id", g.doc_id);
  Kv(p, "members", g.members);
  // The record each value came from.
  PackString(p, "from");
  p.pack_map(6);
  Kv(p, "name", g.name_from);
  Kv(p, "birth_date", g.birth_date_from);
  Kv(p, "address", g.address_from);
  Kv(p, "doc_id", g.doc_id_from);
  Kv(p, "phones", g.phones_from);
  Kv(p, "emails", g.emails_from);
}

}  // namespace

Handler::Handler(const ServerOptions& options, storage::Store& store, Committer& committer, ServerCounters& counters,
                 std::function<size_t()> in_flight)
    : options_(options),
      store_(store),
      committer_(committer),
      counters_(counters),
      in_flight_(std::move(in_flight)),
      started_ms_(NowMs()) {}

void Handler::Audited(const Job& job, std::string_view op) {
  audit_ = {};
  audit_.time_ms = NowMs();
  audit_.client = job.envelope.client;
  audit_.role = std::string(RoleName(job.envelope.role));
  audit_.op = std::string(op);
  audit_.outcome = "ok";
  audit_on_ = op != "health" && op != "stats";
}

std::optional<storage::AuditEvent> Handler::HandOver() {
  if (!audit_on_) return std::nullopt;
  audit_on_ = false;
  return audit_;
}

std::atomic<bool> g_log_requests{false};

void LogRequest(const storage::AuditEvent& e) {
  if (!g_log_requests.load(std::memory_order_relaxed)) return;
  std::fprintf(stderr, "doppeld: debug: op=%s client=%s role=%s outcome=%s entities=%zu records=%zu detail=%s\n",
               e.op.c_str(), e.client.c_str(), e.role.c_str(), e.outcome.c_str(), e.entities.size(),
               e.records.size(), e.detail.empty() ? "{}" : e.detail.c_str());
}

void Handler::FlushAudit() {
  if (!audit_on_) {
    // health and stats are not audited, but a debug log shows them too.
    if (!audit_.op.empty() && (audit_.op == "health" || audit_.op == "stats")) LogRequest(audit_);
    return;
  }
  audit_on_ = false;
  LogRequest(audit_);
  // The trail is best effort against the store failing; the reply has gone.
  (void)store_.Audit(audit_);
}

std::optional<std::string> Handler::Handle(Job& job) {
  audit_on_ = false;
  audit_ = {};
  struct Flush {
    Handler* h;
    ~Flush() { h->FlushAudit(); }
  } flush{this};
  auto fail = [&](ErrorCode code, const std::string& message) { return Fail(job, code, message); };
  auto fail_status = [&](const Status& s) { return fail(CodeOf(s), s.message()); };
  try {
    DecodedRequest request;
    Status decoded = DecodeRequest(job.payload, options_.max_rows + 16, &request);
    job.id = request.id;
    if (!decoded.ok()) return fail_status(decoded);
    const std::optional<std::string_view> op = request.op;
    const msgpack::object* args = request.args;
    counters_.CountOp(*op);
    Audited(job, *op);
    // What the request names, so a refused one is on record with its target.
    if (args != nullptr && args->type == msgpack::type::MAP) {
      for (const char* key : {"id", "entity"}) {
        const msgpack::object* v = Find(*args, key);
        if (v == nullptr) continue;
        if (auto n = AsUint(v)) audit_.entities = {*n};
        else if (auto s = AsString(v)) audit_.records = {std::string(*s)};
      }
    }
    if (!Allowed(job.envelope.role, *op)) {
      return fail(ErrorCode::kForbidden, "role '" + std::string(RoleName(job.envelope.role)) + "' of client '" +
                                             job.envelope.client + "' may not run '" + std::string(*op) + "'");
    }
    const bool masked = job.envelope.role == Role::kOperator;  // operators see contacts masked

    if (*op == "health") {
      storage::StoreStats st = store_.Stats();
      const kernels::GpuInfo& gpu = kernels::QueryGpu();
      return EncodeOkReply(job.id, [&](Packer& p) {
        p.pack_map(10);
        Kv(p, "status", "ok");
        Kv(p, "version", DOPPEL_VERSION);
        Kv(p, "protocol", kProtocolVersion);
        Kv(p, "cpu_target", kernels::CpuTargetName());
        Kv(p, "backend", kernels::BackendName(kernels::ChooseBackend().backend));
        Kv(p, "gpu", gpu.device_count > 0 ? gpu.name : (gpu.compiled ? "none (" + gpu.error + ")" : "not built"));
        Kv(p, "uptime_s", (NowMs() - started_ms_) / 1000.0);
        // Bulk batches the GPU was meant for and the CPU served (routing.h).
        Kv(p, "gpu_fallbacks", kernels::GetGpuFallbacks().batches);
        PackString(p, "db");
        p.pack_map(4);
        Kv(p, "path", store_.path());
        Kv(p, "records", st.records);
        Kv(p, "entities", st.entities);
        Kv(p, "events", st.events);
        PackString(p, "queue");
        p.pack_map(2);
        Kv(p, "in_flight", in_flight_());
        Kv(p, "max", options_.max_in_flight);
      });
    }
    if (*op == "stats") {
      storage::StoreStats st = store_.Stats();
      return EncodeOkReply(job.id, [&](Packer& p) {
        p.pack_map(4);
        PackString(p, "db");
        p.pack_map(7);
        Kv(p, "records", st.records);
        Kv(p, "entities", st.entities);
        Kv(p, "events", st.events);
        Kv(p, "record_versions", st.record_versions);
        Kv(p, "common_keys_skipped", st.common_keys_skipped);
        Kv(p, "sst_bytes", st.sst_bytes);
        Kv(p, "live_data_bytes", st.live_data_bytes);
        PackString(p, "requests");
        p.pack_map(static_cast<uint32_t>(counters_.by_op.size()));
        for (const auto& [name, n] : counters_.by_op) {
          PackString(p, name);
          p.pack_uint64(n.load());
        }
        PackString(p, "errors");
        p.pack_map(kErrorCodeCount);
        for (size_t i = 0; i < kErrorCodeCount; ++i) {
          PackString(p, ErrorCodeName(static_cast<ErrorCode>(i)));
          p.pack_uint64(counters_.by_error[i].load());
        }
        Kv(p, "uptime_s", (NowMs() - started_ms_) / 1000.0);
      });
    }
    if (*op == "get_record") {
      const msgpack::object* id_obj = args ? Find(*args, "id") : nullptr;
      std::optional<std::string> id = id_obj ? ScalarText(*id_obj) : std::nullopt;
      if (!id || id->empty()) return fail(ErrorCode::kBadRequest, "get_record needs args.id (the record id)");
      audit_.records = {*id};
      auto rec = store_.GetRecord(*id);
      if (!rec.ok()) return fail_status(rec.status());
      return EncodeOkReply(job.id, [&](Packer& p) {
        p.pack_map(6);
        Kv(p, "id", rec->id);
        Kv(p, "version", rec->version);
        Kv(p, "source", rec->source);
        Kv(p, "entity", rec->entity);
        PackString(p, "fields");
        p.pack_map(static_cast<uint32_t>(rec->fields.size()));
        for (const auto& [k, v] : rec->fields) {
          PackString(p, k);
          PackString(p, v);
        }
        PackString(p, "normalized");
        const core::MemberSnapshot& m = rec->values;
        p.pack_map(9);
        Kv(p, "last_name", m.last);
        Kv(p, "first_name", m.first);
        Kv(p, "middle_name", m.middle);
        Kv(p, "gender", m.gender);
        Kv(p, "phones", m.phones);
        Kv(p, "emails", m.emails);
        Kv(p, "address", m.address);
        Kv(p, "birth_date", m.birth_date);
        Kv(p, "doc_id", m.doc_id);
      });
    }
    if (*op == "get_entity") {
      auto id = args ? AsUint(Find(*args, "id")) : std::nullopt;
      if (!id) return fail(ErrorCode::kBadRequest, "get_entity needs args.id (an entity number)");
      audit_.entities = {*id};
      auto e = store_.GetEntity(*id);
      if (!e.ok()) return fail_status(e.status());
      return EncodeOkReply(job.id, [&](Packer& p) {
        p.pack_map(8);
        Kv(p, "id", e->id);
        Kv(p, "requested", e->requested);
        PackString(p, "golden");
        PackGolden(p, masked ? Masked(e->golden) : e->golden);
        Kv(p, "members", e->members);
        PackString(p, "merged_from");
        p.pack_array(static_cast<uint32_t>(e->merged_from.size()));
        for (uint64_t m : e->merged_from) p.pack_uint64(m);
        Kv(p, "created_ms", e->created_ms);
        Kv(p, "updated_ms", e->updated_ms);
        PackString(p, "history");
        p.pack_array(static_cast<uint32_t>(e->history.size()));
        for (const auto& ev : e->history) {
          p.pack_map(6);
          Kv(p, "seq", ev.seq);
          Kv(p, "time_ms", ev.time_ms);
          Kv(p, "op", ev.op);
          Kv(p, "source", ev.source);
          Kv(p, "records", ev.records);
          PackString(p, "entities");
          p.pack_array(static_cast<uint32_t>(ev.entities.size()));
          for (uint64_t x : ev.entities) p.pack_uint64(x);
        }
      });
    }
    auto pack_parts = [](Packer& p, const std::vector<core::Contribution>& parts) {
      p.pack_array(static_cast<uint32_t>(parts.size()));
      for (const auto& c : parts) {
        p.pack_map(3);
        Kv(p, "comparison", core::InfoOf(c.comparison).name);
        Kv(p, "level", core::LevelName(c.comparison, c.level));
        Kv(p, "weight", c.weight);
      }
    };
    if (*op == "explain") {
      const msgpack::object* a = args ? Find(*args, "id_l") : nullptr;
      const msgpack::object* b = args ? Find(*args, "id_r") : nullptr;
      auto ia = a ? ScalarText(*a) : std::nullopt, ib = b ? ScalarText(*b) : std::nullopt;
      if (!ia || !ib || ia->empty() || ib->empty()) return fail(ErrorCode::kBadRequest, "explain needs args.id_l and args.id_r");
      audit_.records = {*ia, *ib};
      auto e = store_.Explain(*ia, *ib);
      if (!e.ok()) return fail_status(e.status());
      return EncodeOkReply(job.id, [&](Packer& p) {
        p.pack_map(4);
        Kv(p, "prior_weight", core::PriorWeight(*store_.model()));
        PackString(p, "comparisons");
        pack_parts(p, e->second);
        Kv(p, "weight", e->first.weight);
        Kv(p, "probability", e->first.probability);
      });
    }
    if (auto loop = HandleLoop(*op, args, job)) return *loop;
    if (*op == "merge" || *op == "unmerge") {
      IngestJob wj;
      wj.envelope = job.envelope;
      wj.id = job.id;
      auto reason = args ? AsString(Find(*args, "reason")) : std::nullopt;
      wj.actor = {*op == "merge" ? "merge" : "unmerge", std::string(reason.value_or("")), NowMs()};
      if (*op == "merge") {
        const msgpack::object* ents = args ? Find(*args, "entities") : nullptr;
        if (ents == nullptr || ents->type != msgpack::type::ARRAY || ents->via.array.size != 2) {
          return fail(ErrorCode::kBadRequest, "merge needs args.entities: [a, b]");
        }
        auto x = AsUint(&ents->via.array.ptr[0]), y = AsUint(&ents->via.array.ptr[1]);
        if (!x || !y) return fail(ErrorCode::kBadRequest, "merge: entity ids are numbers");
        wj.kind = IngestJob::Kind::kMerge;
        wj.entity_a = *x, wj.entity_b = *y;
      } else {
        auto x = args ? AsUint(Find(*args, "entity")) : std::nullopt;
        if (!x) return fail(ErrorCode::kBadRequest, "unmerge needs args.entity (the merged-away entity)");
        wj.kind = IngestJob::Kind::kUnmerge;
        wj.entity_a = *x;
      }
      audit_.entities = wj.entity_b ? std::vector<uint64_t>{wj.entity_a, wj.entity_b} : std::vector<uint64_t>{wj.entity_a};
      wj.audit = HandOver();
      committer_.Submit(std::move(wj));
      return std::nullopt;
    }
    if (*op == "ingest" || *op == "dedupe" || *op == "resolve") {
      const bool ingest = *op == "ingest";
      auto decoded = DecodeBatch(args, options_, ingest || *op == "resolve");
      if (!decoded.ok()) return fail_status(decoded.status());
      core::NormalizeOptions normalize = options_.normalize;
      normalize.threads = 1;  // requests already run in parallel on the workers
      std::vector<core::NormalizedRecord> records;
      core::NormalizeBatch(decoded->batch, decoded->map, normalize, &records);
      audit_.detail = "{\"rows\":" + std::to_string(records.size()) + "}";
      if (*op == "resolve") {
        bool explain = false;
        if (const msgpack::object* e = Find(*args, "explain"); e && e->type == msgpack::type::BOOLEAN) {
          explain = e->via.boolean;
        }
        std::vector<storage::RecordInput> inputs(records.size());
        for (size_t r = 0; r < records.size(); ++r) inputs[r].normalized = std::move(records[r]);
        auto res = store_.Resolve(inputs, explain);
        if (!res.ok()) return fail_status(res.status());
        return EncodeOkReply(job.id, [&](Packer& p) {
          p.pack_map(explain ? 6 : 5);
          PackString(p, "ids");
          p.pack_array(static_cast<uint32_t>(inputs.size()));
          for (const auto& in : inputs) PackString(p, in.normalized.id);
          PackString(p, "entities");
          p.pack_array(static_cast<uint32_t>(res->size()));
          for (const auto& x : *res) p.pack_uint64(x.entity);
          PackString(p, "probabilities");
          p.pack_array(static_cast<uint32_t>(res->size()));
          for (const auto& x : *res) p.pack_double(x.probability);
          PackString(p, "matched_records");
          p.pack_array(static_cast<uint32_t>(res->size()));
          for (const auto& x : *res) PackString(p, x.matched_record);
          PackString(p, "rejects");
          PackRejects(p, decoded->rejects);
          if (explain) {
            PackString(p, "explanations");
            p.pack_array(static_cast<uint32_t>(res->size()));
            for (const auto& x : *res) pack_parts(p, x.explanation);
          }
        });
      }
      if (!ingest) {
        core::ExactDeduper dd(core::ExactDedupeOptions{options_.store.keys},
                              kernels::GetKernels(kernels::ChooseBackend().backend));
        dd.Add(records);
        core::ExactDedupeResult res = dd.Finish();
        return EncodeOkReply(job.id, [&](Packer& p) {
          p.pack_map(4);
          PackString(p, "ids");
          p.pack_array(static_cast<uint32_t>(dd.size()));
          for (size_t i = 0; i < dd.size(); ++i) PackString(p, dd.record_id(i));
          PackString(p, "entity_ids");
          p.pack_array(static_cast<uint32_t>(dd.size()));
          for (size_t i = 0; i < dd.size(); ++i) PackString(p, dd.entity_id(i));
          Kv(p, "entities", res.entities);
          PackString(p, "rejects");
          PackRejects(p, decoded->rejects);
        });
      }
      IngestJob ij;
      ij.envelope = job.envelope;
      ij.id = job.id;
      ij.rejects = std::move(decoded->rejects);
      ij.actor = {"ingest", decoded->source, NowMs()};
      ij.inputs.reserve(records.size());
      const core::RecordBatch& b = decoded->batch;
      for (size_t r = 0; r < records.size(); ++r) {
        storage::RecordInput in;
        in.normalized = std::move(records[r]);
        in.fields.reserve(b.num_columns());
        for (size_t c = 0; c < b.num_columns(); ++c) in.fields.emplace_back(b.column_names[c], std::string(b.Value(r, c)));
        ij.inputs.push_back(std::move(in));
        ij.row_of_input.push_back(b.ordinals[r]);
      }
      audit_.detail = "{\"rows\":" + std::to_string(ij.inputs.size()) + "}";
      for (const auto& in : ij.inputs) audit_.records.push_back(in.normalized.id);
      ij.audit = HandOver();
      committer_.Submit(std::move(ij));
      return std::nullopt;
    }
    return fail(ErrorCode::kBadRequest,
                "unknown op '" + std::string(*op) +
                    "' (ops: health, stats, ingest, resolve, dedupe, get_record, get_entity, explain, merge, unmerge, "
                    "suppress, calllist, segments, outcomes, report, erase)");
  } catch (const msgpack::unpack_error& e) {
    return fail(ErrorCode::kBadRequest, std::string("malformed MessagePack: ") + e.what());
  } catch (const msgpack::type_error& e) {
    return fail(ErrorCode::kBadRequest, std::string("wrong type in request: ") + e.what());
  } catch (const std::bad_alloc&) {
    return fail(ErrorCode::kTooLarge, "request too large to decode");
  } catch (const std::exception& e) {
    return fail(ErrorCode::kInternal, std::string("internal error: ") + e.what());
  }
}

}  // namespace doppel::service
