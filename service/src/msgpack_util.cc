#include "msgpack_util.h"

#include <charconv>
#include <cstdio>

#include "doppel/core/writers.h"

namespace doppel::service {

std::string_view ErrorCodeName(ErrorCode c) {
  switch (c) {
    case ErrorCode::kBadRequest: return "bad_request";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kTooLarge: return "too_large";
    case ErrorCode::kBusy: return "busy";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kInternal: return "internal";
    case ErrorCode::kForbidden: return "forbidden";
  }
  return "internal";
}

std::string RequestIdText(const RequestId& id) {
  if (auto* u = std::get_if<uint64_t>(&id)) return std::to_string(*u);
  if (auto* i = std::get_if<int64_t>(&id)) return std::to_string(*i);
  if (auto* s = std::get_if<std::string>(&id)) return *s;
  return "-";
}

msgpack::unpack_limit DecodeLimits(size_t max_items) {
  // Arrays and maps at most max_items long, strings at most 1 MiB each,
  // nesting at most 16 deep.
  return msgpack::unpack_limit(max_items, max_items, 1u << 20, 1u << 20, 1u << 20, 16);
}

const msgpack::object* Find(const msgpack::object& map, std::string_view key) {
  if (map.type != msgpack::type::MAP) return nullptr;
  for (uint32_t i = 0; i < map.via.map.size; ++i) {
    const auto& kv = map.via.map.ptr[i];
    if (kv.key.type == msgpack::type::STR && std::string_view(kv.key.via.str.ptr, kv.key.via.str.size) == key) {
      return &kv.val;
    }
  }
  return nullptr;
}

std::optional<std::string_view> AsString(const msgpack::object* o) {
  if (o == nullptr || o->type != msgpack::type::STR) return std::nullopt;
  return std::string_view(o->via.str.ptr, o->via.str.size);
}

std::optional<uint64_t> AsUint(const msgpack::object* o) {
  if (o == nullptr) return std::nullopt;
  if (o->type == msgpack::type::POSITIVE_INTEGER) return o->via.u64;
  if (o->type == msgpack::type::STR) {  // ids typed as text by loose clients
    uint64_t v = 0;
    const char* b = o->via.str.ptr;
    auto [end, ec] = std::from_chars(b, b + o->via.str.size, v);
    if (ec == std::errc() && end == b + o->via.str.size && o->via.str.size > 0) return v;
  }
  return std::nullopt;
}

std::optional<std::string> ScalarText(const msgpack::object& o) {
  switch (o.type) {
    case msgpack::type::STR: return std::string(o.via.str.ptr, o.via.str.size);
    case msgpack::type::NIL: return std::string();
    case msgpack::type::BOOLEAN: return std::string(o.via.boolean ? "true" : "false");
    case msgpack::type::POSITIVE_INTEGER: return std::to_string(o.via.u64);
    case msgpack::type::NEGATIVE_INTEGER: return std::to_string(o.via.i64);
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64: {
      char buf[64];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, o.via.f64);
      return ec == std::errc() ? std::string(buf, end) : std::string();
    }
    default: return std::nullopt;
  }
}

void PackString(Packer& p, std::string_view s) {
  p.pack_str(static_cast<uint32_t>(s.size()));
  p.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
}

void PackRequestId(Packer& p, const RequestId& id) {
  if (auto* u = std::get_if<uint64_t>(&id)) p.pack_uint64(*u);
  else if (auto* i = std::get_if<int64_t>(&id)) p.pack_int64(*i);
  else if (auto* s = std::get_if<std::string>(&id)) PackString(p, *s);
  else p.pack_nil();
}

RequestId ReadRequestId(const msgpack::object* o) {
  if (o == nullptr) return {};
  if (o->type == msgpack::type::POSITIVE_INTEGER) return o->via.u64;
  if (o->type == msgpack::type::NEGATIVE_INTEGER) return o->via.i64;
  if (o->type == msgpack::type::STR && o->via.str.size <= 256) return std::string(o->via.str.ptr, o->via.str.size);
  return {};
}

namespace {

// {"v": 1, "id": id, "ok": ok, <key>: <body(p)>}
std::string EncodeReply(const RequestId& id, bool ok, const std::function<void(Packer&)>& body) {
  msgpack::sbuffer buf;
  Packer p(buf);
  p.pack_map(4);
  Kv(p, "v", kProtocolVersion);
  PackString(p, "id");
  PackRequestId(p, id);
  Kv(p, "ok", ok);
  PackString(p, ok ? "result" : "error");
  body(p);
  return std::string(buf.data(), buf.size());
}

}  // namespace

std::string EncodeOkReply(const RequestId& id, const std::function<void(Packer&)>& result) {
  return EncodeReply(id, true, result);
}

std::string EncodeErrorReply(const RequestId& id, ErrorCode code, std::string_view message) {
  return EncodeReply(id, false, [&](Packer& p) {
    p.pack_map(2);
    Kv(p, "code", ErrorCodeName(code));
    Kv(p, "message", message);
  });
}

// ---- PeekRequestId: a bounds-checked walk over the top-level map ------------

namespace {

class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}
  bool Has(size_t n) const { return n <= s_.size() - pos_; }
  uint8_t Byte() { return static_cast<uint8_t>(s_[pos_++]); }
  uint64_t Big(int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | Byte();
    return v;
  }
  // Reads a map header; false when the next item is not a map.
  bool MapHeader(uint64_t* n) {
    if (!Has(1)) return false;
    uint8_t b = Byte();
    if ((b & 0xF0) == 0x80) return *n = b & 0x0F, true;
    if (b == 0xDE && Has(2)) return *n = Big(2), true;
    if (b == 0xDF && Has(4)) return *n = Big(4), true;
    return false;
  }
  // Reads a string; false when the next item is not one.
  bool Str(std::string_view* out) {
    if (!Has(1)) return false;
    uint8_t b = Byte();
    uint64_t n;
    if ((b & 0xE0) == 0xA0) n = b & 0x1F;
    else if (b == 0xD9 && Has(1)) n = Big(1);
    else if (b == 0xDA && Has(2)) n = Big(2);
    else if (b == 0xDB && Has(4)) n = Big(4);
    else return false;
    if (!Has(n)) return false;
    *out = s_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  // Skips one item of any type; false on malformed or too-deep input.
  bool Skip(int depth = 0) {
    if (depth > 32 || !Has(1)) return false;
    uint8_t b = Byte();
    auto skip_bytes = [&](uint64_t n) { return Has(n) ? (pos_ += n, true) : false; };
    auto skip_items = [&](uint64_t n) {
      for (uint64_t i = 0; i < n; ++i) {
        if (!Skip(depth + 1)) return false;
      }
      return true;
    };
    if (b <= 0x7F || b >= 0xE0 || b == 0xC0 || b == 0xC2 || b == 0xC3) return true;
    if ((b & 0xF0) == 0x80) return skip_items(2ull * (b & 0x0F));
    if ((b & 0xF0) == 0x90) return skip_items(b & 0x0F);
    if ((b & 0xE0) == 0xA0) return skip_bytes(b & 0x1F);
    switch (b) {
      case 0xC4: return Has(1) && skip_bytes(Big(1));
      case 0xC5: return Has(2) && skip_bytes(Big(2));
      case 0xC6: return Has(4) && skip_bytes(Big(4));
      case 0xC7: return Has(1) && skip_bytes(Big(1) + 1);
      case 0xC8: return Has(2) && skip_bytes(Big(2) + 1);
      case 0xC9: return Has(4) && skip_bytes(Big(4) + 1);
      case 0xCA: return skip_bytes(4);
      case 0xCB: return skip_bytes(8);
      case 0xCC: case 0xD0: return skip_bytes(1);
      case 0xCD: case 0xD1: return skip_bytes(2);
      case 0xCE: case 0xD2: return skip_bytes(4);
      case 0xCF: case 0xD3: return skip_bytes(8);
      case 0xD4: return skip_bytes(2);
      case 0xD5: return skip_bytes(3);
      case 0xD6: return skip_bytes(5);
      case 0xD7: return skip_bytes(9);
      case 0xD8: return skip_bytes(17);
      case 0xD9: return Has(1) && skip_bytes(Big(1));
      case 0xDA: return Has(2) && skip_bytes(Big(2));
      case 0xDB: return Has(4) && skip_bytes(Big(4));
      case 0xDC: return Has(2) && skip_items(Big(2));
      case 0xDD: return Has(4) && skip_items(Big(4));
      case 0xDE: return Has(2) && skip_items(2 * Big(2));
      case 0xDF: return Has(4) && skip_items(2 * Big(4));
      default: return false;
    }
  }
  // Reads an id value: an integer or a string of at most 256 bytes.
  RequestId Id() {
    if (!Has(1)) return {};
    uint8_t b = static_cast<uint8_t>(s_[pos_]);
    if (b <= 0x7F) return static_cast<uint64_t>(Byte());
    if (b >= 0xE0) return static_cast<int64_t>(static_cast<int8_t>(Byte()));
    std::string_view str;
    size_t save = pos_;
    if (Str(&str)) return str.size() <= 256 ? RequestId(std::string(str)) : RequestId();
    pos_ = save;
    ++pos_;
    switch (b) {
      case 0xCC: return Has(1) ? RequestId(Big(1)) : RequestId();
      case 0xCD: return Has(2) ? RequestId(Big(2)) : RequestId();
      case 0xCE: return Has(4) ? RequestId(Big(4)) : RequestId();
      case 0xCF: return Has(8) ? RequestId(Big(8)) : RequestId();
      case 0xD0: return Has(1) ? RequestId(static_cast<int64_t>(static_cast<int8_t>(Big(1)))) : RequestId();
      case 0xD1: return Has(2) ? RequestId(static_cast<int64_t>(static_cast<int16_t>(Big(2)))) : RequestId();
      case 0xD2: return Has(4) ? RequestId(static_cast<int64_t>(static_cast<int32_t>(Big(4)))) : RequestId();
      case 0xD3: return Has(8) ? RequestId(static_cast<int64_t>(Big(8))) : RequestId();
      default: return {};
    }
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

RequestId PeekRequestId(std::string_view payload) {
  Scanner sc(payload);
  uint64_t n = 0;
  if (!sc.MapHeader(&n)) return {};
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view key;
    if (!sc.Str(&key)) return {};
    if (key == "id") return sc.Id();
    if (!sc.Skip()) return {};
  }
  return {};
}

// ---- JSON rendering -----------------------------------------------------------

namespace {

void Json(const msgpack::object& o, core::JsonWriter& j) {
  switch (o.type) {
    case msgpack::type::NIL: j.Null(); break;
    case msgpack::type::BOOLEAN: j.Bool(o.via.boolean); break;
    case msgpack::type::POSITIVE_INTEGER: j.Uint(o.via.u64); break;
    case msgpack::type::NEGATIVE_INTEGER: j.Int(o.via.i64); break;
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64: j.Double(o.via.f64, 15); break;
    case msgpack::type::STR: j.String(std::string_view(o.via.str.ptr, o.via.str.size)); break;
    case msgpack::type::BIN: {
      char note[48];
      std::snprintf(note, sizeof note, "<%u bytes>", static_cast<unsigned>(o.via.bin.size));
      j.String(note);
      break;
    }
    case msgpack::type::ARRAY:
      j.BeginArray();
      for (uint32_t i = 0; i < o.via.array.size; ++i) Json(o.via.array.ptr[i], j);
      j.EndArray();
      break;
    case msgpack::type::MAP:
      j.BeginObject();
      for (uint32_t i = 0; i < o.via.map.size; ++i) {
        const auto& kv = o.via.map.ptr[i];
        auto key = ScalarText(kv.key);
        j.Key(key ? *key : "?");
        Json(kv.val, j);
      }
      j.EndObject();
      break;
    default: j.Null(); break;
  }
}

}  // namespace

std::string ToJson(const msgpack::object& o, bool pretty) {
  core::JsonWriter j(pretty);
  Json(o, j);
  std::string s = j.str();
  if (!s.empty() && s.back() != '\n') s.push_back('\n');
  return s;
}

}  // namespace doppel::service
