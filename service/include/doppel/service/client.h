// The C++ client of doppeld.
//
// A Client holds one DEALER socket. Calls are synchronous (Call*) or
// pipelined (Send + Receive, for bulk ingest with several requests in
// flight). A call that gets no reply within the timeout fails with
// `unavailable` and the socket is replaced, so a late reply never answers a
// later call. Error replies become a Status: bad_request -> InvalidArgument,
// not_found -> NotFound, too_large -> ResourceExhausted, busy and
// unavailable -> Unavailable, internal -> Internal. Not thread-safe: one
// Client per thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "doppel/core/status.h"

namespace doppel::service {

struct ClientOptions {
  // How long to wait for a reply. Default: 60000 ms.
  int timeout_ms = 60000;
  // CURVE (a server started with --curve-key): the server's public key and
  // this client's key pair, Z85. When server_key is empty, Connect reads
  // them from the files named by $DOPPEL_SERVER_KEY (server.pub) and
  // $DOPPEL_CLIENT_KEY (client.key), if set. Default: none (plain tcp,
  // loopback only).
  std::string server_key, public_key, secret_key;
};

// A columnar batch for ingest or dedupe: data[c][r] is row r of column c.
struct Batch {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> data;
  std::vector<std::pair<std::string, std::string>> map;  // (role, column) overrides
  std::string source;
  size_t rows() const { return data.empty() ? 0 : data[0].size(); }
};

struct IngestReply {
  std::vector<std::string> ids;
  std::vector<uint64_t> entities;
  std::vector<std::string> actions;  // new, joined, merged, updated, unchanged
  std::vector<uint64_t> rows;        // request row of each accepted record
  std::vector<std::pair<uint64_t, std::string>> rejects;  // (row, reason)
};

class Client {
 public:
  static Result<std::unique_ptr<Client>> Connect(const std::string& endpoint, const ClientOptions& options = {});
  ~Client();

  // Synchronous calls. *Json returns the reply's result as JSON text.
  Result<std::string> HealthJson();
  Result<std::string> StatsJson();
  Result<std::string> GetRecordJson(const std::string& id);
  Result<std::string> GetEntityJson(uint64_t id);
  Result<IngestReply> Ingest(const Batch& batch);
  // Matching against the stored base (fuzzy when doppeld has a model).
  Result<std::string> ResolveJson(const Batch& batch, bool explain);
  Result<std::string> ExplainJson(const std::string& id_l, const std::string& id_r);
  Result<std::string> MergeJson(uint64_t a, uint64_t b, const std::string& reason);
  Result<std::string> UnmergeJson(uint64_t entity, const std::string& reason);
  // The actualization loop (docs/protocol.md). Replies as JSON text.
  // action: add, remove, check or list; reason for add.
  Result<std::string> SuppressJson(const std::string& action, const std::string& value = "",
                                   const std::string& reason = "", const std::string& source = "");
  Result<std::string> CallListJson(const std::string& segment, uint64_t limit, bool all = false,
                                   const std::string& today = "");
  // Sizes and quality of every segment; with a segment, a page of its members.
  Result<std::string> SegmentsJson(const std::string& segment = "", uint64_t offset = 0, uint64_t limit = 100,
                                   const std::string& today = "");
  // Each row maps outcome columns (entity_id, contact, outcome, called_at, ...) to values.
  Result<std::string> OutcomesJson(const std::vector<std::map<std::string, std::string>>& rows,
                                   const std::string& source = "");
  Result<std::string> ReportJson(bool html = false, bool record = true);
  // Erases an entity on request (admin only; see docs/security.md).
  Result<std::string> EraseJson(uint64_t entity, const std::string& reason);
  // The same, typed, for the command line.
  struct OutcomesReply {
    uint64_t applied = 0, records_added = 0, entities_merged = 0, suppressed = 0, detached = 0;
    std::map<std::string, uint64_t> counts;  // confirmed, updated, unreachable, wrong_person, do_not_call
    std::vector<std::pair<uint64_t, std::string>> rejects;  // (row index, reason)
  };
  Result<OutcomesReply> Outcomes(const std::vector<std::map<std::string, std::string>>& rows,
                                 const std::string& source = "");
  struct ReportFiles {
    std::string json, segments_csv, html;
  };
  Result<ReportFiles> Report(bool record = true, const std::string& today = "");
  // The call list and the segment tables as the CLI writes them (CSV).
  Result<std::string> CallListCsv(const std::string& segment, uint64_t limit, bool all = false,
                                  const std::string& today = "");
  Result<std::string> SegmentsCsv(const std::string& segment = "", uint64_t offset = 0, uint64_t limit = 100,
                                  const std::string& today = "");

  // Pipelined ingest: Send returns the request id; Receive waits for the
  // next reply (any order) and returns its id with that request's outcome
  // (the outer Result fails only when no reply came at all).
  Result<uint64_t> SendIngest(const Batch& batch);
  Result<std::pair<uint64_t, Result<IngestReply>>> ReceiveIngest();

  const std::string& endpoint() const;

  struct Impl;

 private:
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace doppel::service
