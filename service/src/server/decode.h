// Decoding a request: the envelope ({"v", "id", "op", "args"}) and the
// columnar record batch of ingest, resolve and dedupe. The only code that
// reads a client's bytes before an op runs, so the fuzz targets
// (tests/fuzz/request_fuzz.cc) call exactly these. Private to service/.
#pragma once

#include <msgpack.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "doppel/core/normalize.h"
#include "doppel/core/record_batch.h"
#include "doppel/core/status.h"
#include "doppel/service/protocol.h"
#include "doppel/service/server.h"

namespace doppel::service {

// A decoded envelope. `args` points into `handle` (nullptr when absent or nil).
struct DecodedRequest {
  msgpack::object_handle handle;
  RequestId id;
  std::string_view op;
  const msgpack::object* args = nullptr;
};

// Unpacks `payload` with limits (at most `max_items` array or map entries,
// 1 MiB strings, nesting 16) and checks the envelope. The id is filled as
// soon as it is read, so even a refused request is answered under its id.
// Errors: InvalidArgument (malformed MessagePack, wrong types, unknown
// version, over a size or nesting limit), ResourceExhausted (out of memory
// while decoding).
Status DecodeRequest(std::string_view payload, size_t max_items, DecodedRequest* out);

// A columnar batch from a request: {"columns": [...], "data": [[...], ...],
// "map": {role: column | [columns]}, "source": "..."}.
struct DecodedBatch {
  core::RecordBatch batch;
  core::FieldMap map;
  std::vector<std::pair<uint64_t, std::string>> rejects;  // (row index, reason)
  std::vector<bool> rejected;
  std::string source;
};

// Decodes args {"columns": [...], "data": [[...] per column], "map", "source"}.
// Rows with values that are not text (or not UTF-8) are rejected one by one
// into `rejects`; the batch holds the others, in order.
Result<DecodedBatch> DecodeBatch(const msgpack::object* args, const ServerOptions& options, bool need_id);

}  // namespace doppel::service
