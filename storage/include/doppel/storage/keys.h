// Key encodings of the RocksDB store: the one place that knows them.
//
// Integers are fixed-width big-endian so byte order is numeric order and a
// prefix scan walks ids in order. Each column family's keys start with a tag
// byte so one family can hold a few kinds of key without ambiguity:
//
//   meta         "schema_version", "counters"
//   records      'R' rid            -> latest version of a record
//                'V' rid version    -> an older version
//                'I' external id    -> rid
//   membership   'M' rid            -> eid (the record's entity)
//   entities     'E' eid            -> members, golden record; or a redirect
//                                      left by a merge
//   blocks       kind|0x80 keyed    -> posting list: the rids sharing an
//                                      exact key (frozen when too common);
//                                      the hash keyed with SipHash (erasure.cc)
//   suppression  'S' kind hash      -> value, reason, source, date
//                'T' keyed hash     -> a tombstone of an erased person's value
//   history      'H' seq            -> event
//                'h' eid seq        -> "" (an entity's events)
//                'A' seq            -> an audit event, hash-chained
//   contacts     'C' kind hash      -> the value and what calls taught about it
//                'Y' eid            -> the entity's survey answers
//                'O' seq            -> a call outcome, as applied
//                'Q' time seq       -> a data-quality snapshot (reports)
//                'W' client 0 eid   -> when the entity was put on the client's call list
//   meta         "numbering"        -> the numbering-plan register
//
// Index keys never hold personal values: blocks hold DH64 hashes of
// normalized values; suppression and contact keys hold keyed BLAKE2b hashes
// ("hash" above: 32 bytes, keyed by the database's index key), because keys
// also end up in file boundaries, index blocks and the manifest, where an
// erasure could not reach them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace doppel::storage::keys {

void PutU64(std::string& out, uint64_t v);
void PutU32(std::string& out, uint32_t v);
// Reads a big-endian integer at pos; the caller checks the size.
uint64_t GetU64(std::string_view s, size_t pos);
uint32_t GetU32(std::string_view s, size_t pos);

std::string Record(uint64_t rid);
std::string RecordVersion(uint64_t rid, uint32_t version);
std::string RecordId(std::string_view external_id);
std::string Member(uint64_t rid);
std::string Entity(uint64_t eid);
std::string Block(uint8_t kind, uint64_t hash);
std::string History(uint64_t seq);
std::string EntityHistory(uint64_t eid, uint64_t seq);
std::string EntityHistoryPrefix(uint64_t eid);
// `kind` is a core::ContactKind ('P', 'E', 'A'); `hash` the value's keyed hash.
std::string Suppression(char kind, std::string_view hash);
inline constexpr char kSuppressionTag = 'S';
std::string ContactState(char kind, std::string_view hash);
std::string Survey(uint64_t eid);
std::string Assignment(std::string_view client, uint64_t eid);
std::string Tombstone(std::string_view keyed_hash);
inline constexpr char kTombstoneTag = 'T';
std::string Audit(uint64_t seq);
inline constexpr char kAuditTag = 'A';
std::string Outcome(uint64_t seq);
inline constexpr char kOutcomeTag = 'O';
std::string QualityPoint(int64_t time_ms, uint64_t seq);
inline constexpr char kQualityTag = 'Q';
inline constexpr char kContactStateTag = 'C';
inline constexpr char kSurveyTag = 'Y';

}  // namespace doppel::storage::keys
