// The Doppel wire protocol: MessagePack maps over ZeroMQ (docs/protocol.md).
//
// A request is one frame after the ZeroMQ routing envelope:
//   {"v": 1, "id": <uint|int|str>, "op": "<name>", "args": {...}}
// and every reply, success or failure, carries the same id:
//   {"v": 1, "id": ..., "ok": true,  "result": {...}}
//   {"v": 1, "id": ..., "ok": false, "error": {"code": "<code>", "message": "..."}}
// This header is the part clients and server share; it includes no
// MessagePack or ZeroMQ headers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace doppel::service {

inline constexpr int kProtocolVersion = 1;

enum class ErrorCode : uint8_t { kBadRequest, kNotFound, kTooLarge, kBusy, kUnavailable, kInternal, kForbidden };
inline constexpr size_t kErrorCodeCount = 7;
std::string_view ErrorCodeName(ErrorCode c);  // "bad_request", ...

// A request id as the client sent it: absent, an integer, or a short string.
using RequestId = std::variant<std::monostate, uint64_t, int64_t, std::string>;
std::string RequestIdText(const RequestId& id);

// Finds the "id" of a request without decoding the rest of it (the front
// thread answers "busy" and "too_large" with the right id this way). Returns
// monostate when the payload is not a map or has no usable id.
RequestId PeekRequestId(std::string_view payload);

// Encodes a complete error reply.
std::string EncodeErrorReply(const RequestId& id, ErrorCode code, std::string_view message);

}  // namespace doppel::service
