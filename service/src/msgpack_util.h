// MessagePack helpers shared by the server and the C++ client. Private to
// service/ (the only layer that includes MessagePack).
#pragma once

#define MSGPACK_NO_BOOST 1
#include <msgpack.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "doppel/core/status.h"
#include "doppel/service/protocol.h"

namespace doppel::service {

using Packer = msgpack::packer<msgpack::sbuffer>;

// Limits that keep a hostile payload from allocating without bound while it
// is decoded.
msgpack::unpack_limit DecodeLimits(size_t max_items);

// A map lookup by string key; nullptr when absent or when `map` is no map.
const msgpack::object* Find(const msgpack::object& map, std::string_view key);
std::optional<std::string_view> AsString(const msgpack::object* o);
std::optional<uint64_t> AsUint(const msgpack::object* o);
// A scalar as text: strings as they are, nil as "", numbers and booleans
// written out; nullopt for arrays, maps and binary.
std::optional<std::string> ScalarText(const msgpack::object& o);

void PackString(Packer& p, std::string_view s);
void PackRequestId(Packer& p, const RequestId& id);

// One "key": value pair of a map (integers, doubles, strings, string lists).
template <typename T>
void Kv(Packer& p, std::string_view key, const T& value) {
  PackString(p, key);
  if constexpr (std::is_convertible_v<const T&, std::string_view>) PackString(p, value);
  else p.pack(value);
}

// A complete reply: {"v": 1, "id": id, "ok": true, "result": <result(p)>}.
std::string EncodeOkReply(const RequestId& id, const std::function<void(Packer&)>& result);
RequestId ReadRequestId(const msgpack::object* o);

// Renders a decoded object as JSON (for the command line).
std::string ToJson(const msgpack::object& o, bool pretty = true);

}  // namespace doppel::service
