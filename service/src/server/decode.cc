// See decode.h.
#include "decode.h"

#include "doppel/core/roles.h"
#include "doppel/core/unicode.h"
#include "msgpack_util.h"

namespace doppel::service {

Status DecodeRequest(std::string_view payload, size_t max_items, DecodedRequest* out) {
  try {
    out->handle = msgpack::unpack(payload.data(), payload.size(), nullptr, nullptr, DecodeLimits(max_items));
  } catch (const msgpack::unpack_error& e) {
    // The size limits throw subclasses of unpack_error too.
    return Status::InvalidArgument(std::string("malformed MessagePack: ") + e.what());
  } catch (const std::bad_alloc&) {
    return Status::ResourceExhausted("request too large to decode");
  }
  const msgpack::object& req = out->handle.get();
  if (req.type != msgpack::type::MAP) return Status::InvalidArgument("a request must be a MessagePack map");
  out->id = ReadRequestId(Find(req, "id"));
  if (const msgpack::object* v = Find(req, "v")) {
    auto version = AsUint(v);
    if (!version || *version != kProtocolVersion) {
      return Status::InvalidArgument("unsupported protocol version (this server speaks v" +
                                     std::to_string(kProtocolVersion) + ")");
    }
  }
  auto op = AsString(Find(req, "op"));
  if (!op) return Status::InvalidArgument("missing 'op' (a string)");
  out->op = *op;
  const msgpack::object* args = Find(req, "args");
  if (args != nullptr && args->type != msgpack::type::MAP && args->type != msgpack::type::NIL) {
    return Status::InvalidArgument("'args' must be a map");
  }
  out->args = args != nullptr && args->type == msgpack::type::MAP ? args : nullptr;
  return Status::Ok();
}

Result<DecodedBatch> DecodeBatch(const msgpack::object* args, const ServerOptions& options, bool need_id) {
  if (args == nullptr || args->type != msgpack::type::MAP) {
    return Status::InvalidArgument("args must be a map with 'columns' and 'data'");
  }
  const msgpack::object* columns = Find(*args, "columns");
  const msgpack::object* data = Find(*args, "data");
  if (columns == nullptr || columns->type != msgpack::type::ARRAY || columns->via.array.size == 0) {
    return Status::InvalidArgument("args.columns must be a non-empty array of column names");
  }
  if (data == nullptr || data->type != msgpack::type::ARRAY || data->via.array.size != columns->via.array.size) {
    return Status::InvalidArgument("args.data must be an array with one array of values per column");
  }
  DecodedBatch out;
  const uint32_t ncols = columns->via.array.size;
  for (uint32_t c = 0; c < ncols; ++c) {
    auto name = AsString(&columns->via.array.ptr[c]);
    if (!name || !core::IsValidUtf8(*name)) return Status::InvalidArgument("column names must be UTF-8 strings");
    out.batch.column_names.emplace_back(*name);
  }
  uint32_t rows = 0;
  for (uint32_t c = 0; c < ncols; ++c) {
    const msgpack::object& col = data->via.array.ptr[c];
    if (col.type != msgpack::type::ARRAY) return Status::InvalidArgument("args.data[" + std::to_string(c) + "] must be an array");
    if (c == 0) rows = col.via.array.size;
    if (col.via.array.size != rows) {
      return Status::InvalidArgument("column '" + out.batch.column_names[c] + "' has " +
                                     std::to_string(col.via.array.size) + " values, column '" +
                                     out.batch.column_names[0] + "' has " + std::to_string(rows));
    }
  }
  if (rows > options.max_rows) {
    return Status::ResourceExhausted(std::to_string(rows) + " rows in one request; the limit is " +
                                     std::to_string(options.max_rows) + " (split the batch)");
  }
  std::vector<core::RoleOverride> overrides;
  if (const msgpack::object* m = Find(*args, "map")) {
    if (m->type != msgpack::type::MAP) return Status::InvalidArgument("args.map must be a map of role -> column");
    for (uint32_t i = 0; i < m->via.map.size; ++i) {
      auto role_name = AsString(&m->via.map.ptr[i].key);
      if (!role_name) return Status::InvalidArgument("args.map keys must be role names");
      DOPPEL_ASSIGN_OR_RETURN(core::Role role, core::ParseRole(*role_name));
      const msgpack::object& v = m->via.map.ptr[i].val;
      if (auto col = AsString(&v)) {
        overrides.push_back({role, std::string(*col)});
      } else if (v.type == msgpack::type::ARRAY) {
        for (uint32_t k = 0; k < v.via.array.size; ++k) {
          auto c = AsString(&v.via.array.ptr[k]);
          if (!c) return Status::InvalidArgument("args.map values must be column names");
          overrides.push_back({role, std::string(*c)});
        }
      } else {
        return Status::InvalidArgument("args.map values must be column names");
      }
    }
  }
  if (auto src = AsString(Find(*args, "source"))) out.source = std::string(*src);
  DOPPEL_ASSIGN_OR_RETURN(out.map, core::FieldMap::Build(out.batch.column_names, overrides));
  if (need_id && !out.map.Has(core::Role::kRecordId)) {
    return Status::InvalidArgument("ingest needs a record id column (name it 'id' or map record_id=<column>)");
  }

  // Rows with values that are not text are rejected one by one, like bad
  // rows in a file; the rest of the batch goes on.
  out.batch.columns.resize(ncols);
  out.rejected.assign(rows, false);
  std::vector<std::string> row(ncols);
  for (uint32_t r = 0; r < rows; ++r) {
    std::string reason;
    for (uint32_t c = 0; c < ncols && reason.empty(); ++c) {
      auto text = ScalarText(data->via.array.ptr[c].via.array.ptr[r]);
      if (!text) reason = "column '" + out.batch.column_names[c] + "': expected a string, number or nil";
      else if (!core::IsValidUtf8(*text)) reason = "invalid UTF-8 in column '" + out.batch.column_names[c] + "'";
      else row[c] = std::move(*text);
    }
    if (!reason.empty()) {
      out.rejects.emplace_back(r, std::move(reason));
      out.rejected[r] = true;
      continue;
    }
    for (uint32_t c = 0; c < ncols; ++c) out.batch.columns[c].Append(row[c]);
    out.batch.lines.push_back(r + 1);
    out.batch.ordinals.push_back(r);
  }
  return out;
}


}  // namespace doppel::service
