// Group commit: one synced write for every ingest that arrived meanwhile.
#include "msgpack_util.h"
#include "server_internal.h"

namespace doppel::service {

ReplySender::ReplySender(zmq::context_t& ctx, const std::string& endpoint) : socket_(ctx, zmq::socket_type::push) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.connect(endpoint);
}

void ReplySender::Send(const Envelope& to, const std::string& payload) {
  socket_.send(zmq::buffer(to.identity), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(to.delimiter ? "1" : "0", 1), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(payload), zmq::send_flags::none);
}

Committer::Committer(storage::Store& store, zmq::context_t& ctx, const std::string& reply_endpoint,
                     size_t max_group_records, ServerCounters& counters)
    : store_(store),
      ctx_(ctx),
      reply_endpoint_(reply_endpoint),
      max_group_records_(max_group_records),
      counters_(counters),
      thread_([this] { Loop(); }) {}

Committer::~Committer() { Shutdown(); }

void Committer::Submit(IngestJob job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void Committer::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

namespace {

void PackIngestResult(Packer& p, const IngestJob& job, const std::vector<storage::IngestOutcome>& outcomes);

std::string IngestReply(const IngestJob& job, const std::vector<storage::IngestOutcome>& outcomes) {
  return EncodeOkReply(job.id, [&](Packer& p) { PackIngestResult(p, job, outcomes); });
}

// Columnar, like the request: one entry per accepted row, in row order.
void PackIngestResult(Packer& p, const IngestJob& job, const std::vector<storage::IngestOutcome>& outcomes) {
  std::array<uint64_t, storage::kIngestActionCount> counts{};
  for (const auto& o : outcomes) ++counts[static_cast<size_t>(o.action)];
  p.pack_map(6);
  PackString(p, "ids");
  p.pack_array(static_cast<uint32_t>(outcomes.size()));
  for (const auto& o : outcomes) PackString(p, o.id);
  PackString(p, "entities");
  p.pack_array(static_cast<uint32_t>(outcomes.size()));
  for (const auto& o : outcomes) p.pack_uint64(o.entity);
  PackString(p, "actions");
  p.pack_array(static_cast<uint32_t>(outcomes.size()));
  for (const auto& o : outcomes) PackString(p, storage::IngestActionName(o.action));
  PackString(p, "rows");
  p.pack_array(static_cast<uint32_t>(job.row_of_input.size()));
  for (size_t r : job.row_of_input) p.pack_uint64(r);
  PackString(p, "counts");
  p.pack_map(static_cast<uint32_t>(counts.size()));
  for (size_t a = 0; a < counts.size(); ++a) {
    PackString(p, storage::IngestActionName(static_cast<storage::IngestAction>(a)));
    p.pack_uint64(counts[a]);
  }
  PackString(p, "rejects");
  p.pack_array(static_cast<uint32_t>(job.rejects.size()));
  for (const auto& [index, reason] : job.rejects) {
    p.pack_map(2);
    Kv(p, "index", index);
    Kv(p, "reason", reason);
  }
}

}  // namespace

void Committer::Loop() {
  ReplySender replies(ctx_, reply_endpoint_);
  while (true) {
    std::vector<IngestJob> jobs;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      // Everything that arrived while the last group was being written, up
      // to the group size: this is where concurrent requests share an fsync.
      size_t records = 0;
      while (!queue_.empty() && (jobs.empty() || records + queue_.front().inputs.size() <= max_group_records_)) {
        records += queue_.front().inputs.size();
        jobs.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    RunGroup(jobs);
    for (auto& job : jobs) replies.Send(job.envelope, job.reply);
  }
}

void Committer::RunGroup(std::vector<IngestJob>& jobs) {
  auto error_reply = [&](IngestJob& job, ErrorCode code, const std::string& message) {
    counters_.by_error[static_cast<size_t>(code)].fetch_add(1);
    job.reply = EncodeErrorReply(job.id, code, message);
    if (job.audit) {
      job.audit->outcome = std::string(ErrorCodeName(code));
      LogRequest(*job.audit);
      (void)store_.Audit(std::move(*job.audit));
      job.audit.reset();
    }
  };
  auto code_of = [](const Status& s) {
    return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kIoError ? ErrorCode::kUnavailable
                                                                                     : ErrorCode::kInternal;
  };
  auto group = store_.BeginGroup();
  if (group == nullptr) {
    for (auto& job : jobs) error_reply(job, ErrorCode::kInternal, "store busy with another write group");
    return;
  }
  std::vector<std::vector<storage::IngestOutcome>> outcomes(jobs.size());
  std::vector<uint64_t> entity_results(jobs.size(), 0);
  for (size_t i = 0; i < jobs.size(); ++i) {
    Result<std::vector<storage::IngestOutcome>> out = std::vector<storage::IngestOutcome>{};
    if (jobs[i].kind == IngestJob::Kind::kStaged) {
      Status st = jobs[i].stage(*group);
      if (!st.ok()) out = st;
    } else if (jobs[i].kind != IngestJob::Kind::kIngest) {
      auto r = jobs[i].kind == IngestJob::Kind::kMerge ? group->Merge(jobs[i].entity_a, jobs[i].entity_b, jobs[i].actor)
                                                       : group->Unmerge(jobs[i].entity_a, jobs[i].actor);
      if (r.ok()) entity_results[i] = *r;
      else out = r.status();
    } else {
      out = group->Ingest(jobs[i].inputs, jobs[i].actor);
    }
    if (!out.ok() && (out.status().code() == StatusCode::kNotFound ||
                      out.status().code() == StatusCode::kInvalidArgument)) {
      // The request is wrong, not the store: answer it and drop the group
      // (it may hold part of nothing, but retrying keeps things simple).
      group.reset();
      for (size_t j = 0; j < jobs.size(); ++j) {
        if (j == i) {
          ErrorCode code = out.status().code() == StatusCode::kNotFound ? ErrorCode::kNotFound : ErrorCode::kBadRequest;
          error_reply(jobs[j], code, out.status().message());
          continue;
        }
        std::vector<IngestJob> one;
        one.push_back(std::move(jobs[j]));
        RunGroup(one);
        jobs[j] = std::move(one[0]);
      }
      return;
    }
    if (!out.ok()) {
      // A failed job may have staged part of itself: drop the whole group
      // and retry the jobs one at a time, so only the culprit fails.
      group.reset();
      if (jobs.size() == 1) {
        error_reply(jobs[0], code_of(out.status()), out.status().message());
        return;
      }
      for (auto& job : jobs) {
        std::vector<IngestJob> one;
        one.push_back(std::move(job));
        RunGroup(one);
        job = std::move(one[0]);
      }
      return;
    }
    outcomes[i] = std::move(*out);
  }
  Status s = group->Commit();
  group.reset();
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (jobs[i].audit) {
      storage::AuditEvent& a = *jobs[i].audit;
      a.outcome = s.ok() ? "ok" : std::string(ErrorCodeName(code_of(s)));
      for (const auto& o : outcomes[i]) {
        if (a.entities.size() >= 100) break;
        a.entities.push_back(o.entity);
      }
      if (entity_results[i] != 0) a.entities.push_back(entity_results[i]);
      LogRequest(a);
      (void)store_.Audit(std::move(a));
      jobs[i].audit.reset();
    }
    if (!s.ok()) {
      error_reply(jobs[i], code_of(s), "the write was not made durable: " + s.message());
    } else if (jobs[i].kind == IngestJob::Kind::kIngest) {
      jobs[i].reply = IngestReply(jobs[i], outcomes[i]);
    } else if (jobs[i].kind == IngestJob::Kind::kStaged) {
      jobs[i].reply = jobs[i].staged_reply();
    } else {
      uint64_t result = entity_results[i];
      bool merge = jobs[i].kind == IngestJob::Kind::kMerge;
      jobs[i].reply = EncodeOkReply(jobs[i].id, [&](Packer& p) {
        p.pack_map(merge ? 1 : 2);
        Kv(p, merge ? "entity" : "survivor", result);
        if (!merge) Kv(p, "restored", jobs[i].entity_a);
      });
    }
  }
}

}  // namespace doppel::service
