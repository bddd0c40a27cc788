// The request decoder of doppeld (service/src/server/decode.h) on arbitrary
// bytes: the envelope, then the columnar record batch. Invariants:
//  - it never reads past the frame (the input is an exact-size heap copy; the
//    sanitizers catch any read beyond it);
//  - a request it accepts packs and unpacks to the same bytes again;
//  - a decoded batch accounts for every row: kept + rejected = declared, each
//    column holds a value per kept row, each value is UTF-8.
#include <msgpack.hpp>

#include <string>
#include <vector>

#include "decode.h"
#include "doppel/core/unicode.h"
#include "msgpack_util.h"
#include "fuzz.h"

using namespace doppel;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<char> frame(data, data + size);  // exact size: no slack to read into
  service::DecodedRequest req;
  Status s = service::DecodeRequest(std::string_view(frame.data(), frame.size()), 1000, &req);
  if (!s.ok()) {
    FUZZ_CHECK(s.code() == StatusCode::kInvalidArgument || s.code() == StatusCode::kResourceExhausted,
               "unexpected status " + s.ToString());
    FUZZ_CHECK(!s.message().empty(), "an error without a message");
    return 0;
  }
  // Round trip: what was accepted packs to bytes that decode to the same bytes.
  msgpack::sbuffer once;
  msgpack::pack(once, req.handle.get());
  service::DecodedRequest again;
  Status s2 = service::DecodeRequest(std::string_view(once.data(), once.size()), 1000, &again);
  FUZZ_CHECK(s2.ok(), "repacked request refused: " + s2.ToString());
  msgpack::sbuffer twice;
  msgpack::pack(twice, again.handle.get());
  FUZZ_CHECK(once.size() == twice.size() && std::equal(once.data(), once.data() + once.size(), twice.data()),
             "repacking is not stable");
  FUZZ_CHECK(again.op == req.op, "op changed in the round trip");

  if (req.args == nullptr) return 0;
  service::ServerOptions options;
  options.max_rows = 500;
  for (bool need_id : {false, true}) {
    auto batch = service::DecodeBatch(req.args, options, need_id);
    if (!batch.ok()) {
      FUZZ_CHECK(!batch.status().message().empty(), "an error without a message");
      continue;
    }
    const auto& b = batch->batch;
    const msgpack::object* data_col = service::Find(*req.args, "data");  // as the decoder finds it
    FUZZ_CHECK(data_col != nullptr && data_col->type == msgpack::type::ARRAY && data_col->via.array.size > 0,
               "a batch decoded without data");
    const size_t declared = data_col->via.array.ptr[0].via.array.size;
    FUZZ_CHECK(b.num_rows() + batch->rejects.size() == declared, "rows lost: " + std::to_string(b.num_rows()) + " + " +
                                                                     std::to_string(batch->rejects.size()) + " != " +
                                                                     std::to_string(declared));
    FUZZ_CHECK(batch->rejected.size() == declared, "rejected flags");
    for (size_t c = 0; c < b.num_columns(); ++c) {
      for (size_t r = 0; r < b.num_rows(); ++r) {
        FUZZ_CHECK(core::IsValidUtf8(b.Value(r, c)), "value not UTF-8");
      }
    }
  }
  return 0;
}
