#include "doppel/storage/keys.h"

namespace doppel::storage::keys {

void PutU64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

void PutU32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

uint64_t GetU64(std::string_view s, size_t pos) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(s[pos + i]);
  return v;
}

uint32_t GetU32(std::string_view s, size_t pos) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(s[pos + i]);
  return v;
}

namespace {
std::string Tagged(char tag, uint64_t a) {
  std::string k(1, tag);
  PutU64(k, a);
  return k;
}
std::string Tagged(char tag, uint64_t a, uint64_t b) {
  std::string k = Tagged(tag, a);
  PutU64(k, b);
  return k;
}
}  // namespace

std::string Record(uint64_t rid) { return Tagged('R', rid); }
std::string RecordVersion(uint64_t rid, uint32_t version) {
  std::string k = Tagged('V', rid);
  PutU32(k, version);
  return k;
}
std::string RecordId(std::string_view external_id) {
  std::string k(1, 'I');
  k.append(external_id);
  return k;
}
std::string Member(uint64_t rid) { return Tagged('M', rid); }
std::string Entity(uint64_t eid) { return Tagged('E', eid); }
std::string Block(uint8_t kind, uint64_t hash) {
  std::string k(1, static_cast<char>(kind));
  PutU64(k, hash);
  return k;
}
std::string History(uint64_t seq) { return Tagged('H', seq); }
std::string EntityHistory(uint64_t eid, uint64_t seq) { return Tagged('h', eid, seq); }
std::string EntityHistoryPrefix(uint64_t eid) { return Tagged('h', eid); }

namespace {
std::string KindValue(char tag, char kind, std::string_view value) {
  std::string k{tag, kind};
  k.append(value);
  return k;
}
}  // namespace

std::string Suppression(char kind, std::string_view value) { return KindValue(kSuppressionTag, kind, value); }
std::string ContactState(char kind, std::string_view value) { return KindValue(kContactStateTag, kind, value); }
std::string Survey(uint64_t eid) { return Tagged(kSurveyTag, eid); }
std::string Assignment(std::string_view client, uint64_t eid) {
  std::string k(1, 'W');
  k.append(client);
  k.push_back('\0');
  PutU64(k, eid);
  return k;
}
std::string Tombstone(std::string_view keyed_hash) {
  std::string k(1, kTombstoneTag);
  k.append(keyed_hash);
  return k;
}
std::string Audit(uint64_t seq) { return Tagged(kAuditTag, seq); }
std::string Outcome(uint64_t seq) { return Tagged(kOutcomeTag, seq); }
std::string QualityPoint(int64_t time_ms, uint64_t seq) {
  return Tagged(kQualityTag, static_cast<uint64_t>(time_ms), seq);
}

}  // namespace doppel::storage::keys
