// Erasure support: tombstone hashes and the compaction that takes erased
// bytes out of the live files. (The erasure itself is a WriteGroup step in
// store.cc.)
#include <rocksdb/db.h>
#include <sodium.h>

#include "codec.h"
#include "doppel/core/unicode.h"
#include "doppel/storage/keys.h"
#include "doppel/storage/store.h"
#include "store_internal.h"

namespace doppel::storage {

std::string BlockKey(const Store::Impl& m, uint8_t kind, uint64_t hash) {
  unsigned char in[9], out[crypto_shorthash_BYTES];
  in[0] = kind;
  for (int i = 0; i < 8; ++i) in[1 + i] = static_cast<unsigned char>(hash >> (56 - 8 * i));
  crypto_shorthash(out, in, sizeof in, reinterpret_cast<const unsigned char*>(m.tombstone_key.data()));
  uint64_t keyed = 0;
  for (unsigned char b : out) keyed = (keyed << 8) | b;
  return keys::Block(static_cast<uint8_t>(kind | 0x80), keyed);
}

std::string SuppressionKey(const Store::Impl& m, char kind, std::string_view value) {
  return keys::Suppression(kind, TombstoneHash(m.tombstone_key, kind, value));
}

std::string ContactStateKey(const Store::Impl& m, char kind, std::string_view value) {
  return keys::ContactState(kind, TombstoneHash(m.tombstone_key, kind, value));
}

std::string TombstoneHash(std::string_view key, char kind, std::string_view value) {
  std::string message(1, kind);
  message.append(value);
  unsigned char h[32];
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                     reinterpret_cast<const unsigned char*>(key.data()), key.size());
  return std::string(reinterpret_cast<const char*>(h), sizeof h);
}

namespace {
std::string NameKey(std::string_view last, std::string_view first, int32_t birth) {
  if (last.empty() || first.empty() || birth <= 0) return {};
  return core::Fold(last) + "|" + core::Fold(first) + "|" + std::to_string(birth);
}
}  // namespace

std::string EncodeStoredContact(std::string_view value, const core::ContactState& state) {
  codec::Writer w;
  w.U8(1);  // format (a leading 0xE7 would read as a sealed value)
  w.Str(value);
  w.Str(core::EncodeContactState(state));
  return std::move(w.str());
}

Result<std::pair<std::string, core::ContactState>> DecodeStoredContact(std::string_view bytes) {
  codec::Reader r(bytes);
  if (r.U8() != 1) return Status::Corruption("contact state: unknown format");
  std::string value = r.Str(), state = r.Str();
  if (!r.ok() || !r.done()) return Status::Corruption("contact state: damaged value");
  DOPPEL_ASSIGN_OR_RETURN(core::ContactState st, core::DecodeContactState(state));
  return std::make_pair(std::move(value), std::move(st));
}

std::vector<std::pair<char, std::string>> TombstoneValues(const core::MemberSnapshot& m) {
  std::vector<std::pair<char, std::string>> out;
  for (const auto& p : m.phones) out.emplace_back('P', p);
  for (const auto& e : m.emails) out.emplace_back('E', e);
  if (std::string n = NameKey(m.last, m.first, m.birth_date); !n.empty()) out.emplace_back('N', std::move(n));
  return out;
}

std::vector<std::pair<char, std::string>> TombstoneValues(const core::NormalizedRecord& r) {
  return TombstoneValues(core::MemberSnapshot::From(r, 0));
}

Status Store::CompactAfterErasure() {
  Impl& m = *impl_;
  rocksdb::FlushOptions fo;
  fo.wait = true;
  DOPPEL_RETURN_IF_ERROR(FromRocks(m.db->Flush(fo, m.handles), "flush"));
  rocksdb::CompactRangeOptions co;
  co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (auto* h : m.handles) {
    DOPPEL_RETURN_IF_ERROR(FromRocks(m.db->CompactRange(co, h, nullptr, nullptr), "compact"));
  }
  // Write-ahead logs whose data are now in table files go too.
  DOPPEL_RETURN_IF_ERROR(FromRocks(m.db->FlushWAL(true), "flush the log"));
  return Status::Ok();
}

}  // namespace doppel::storage
