// Who may talk to doppeld and what they may do: CURVE key pairs, the
// allow-list of client keys with their roles, and the permission of each
// role for each op.
//
// Roles:
//   admin     everything
//   ingest    ingest, resolve, dedupe, outcomes, suppression changes
//   operator  call lists and outcomes; get_entity with contacts masked
//   analyst   aggregates only: stats, segments without members, reports
// `health` is open to every known key. Without CURVE (loopback only) the
// one local client is admin.
//
// Key files hold Z85 keys as `public=...` and `secret=...` lines; a file
// with a secret must not be readable by group or others (0600), or it is
// refused. The allow-list is a text file, one client per line:
//   <id> <role> <public key>
// with `#` comments at the start of a line. It is written atomically with
// 0600 permissions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "doppel/core/status.h"

namespace doppel::service {

enum class Role : uint8_t { kAdmin, kIngest, kOperator, kAnalyst };
std::string_view RoleName(Role r);  // "admin", "ingest", "operator", "analyst"
Result<Role> ParseRole(std::string_view name);

// Whether `role` may run `op` at all (finer limits, like masking and the
// analyst's aggregates-only segments, are applied by the op itself).
bool Allowed(Role role, std::string_view op);

struct KeyPair {
  std::string public_key;  // Z85, 40 characters
  std::string secret_key;  // Z85, 40 characters; empty for a public-key file
};
Result<KeyPair> GenerateKeyPair();
// Writes NAME.key (public and secret, 0600) and NAME.pub (public only).
Status SaveKeyPair(const KeyPair& keys, const std::string& path_without_extension);
// Reads a .key (needs_secret) or .pub file; refuses a secret readable by others.
Result<KeyPair> LoadKeyFile(const std::string& path, bool needs_secret);
bool IsZ85Key(std::string_view key);

struct ClientEntry {
  std::string id;  // a short name: letters, digits, '-', '_', '.'
  Role role = Role::kAnalyst;
  std::string public_key;
};

class AccessList {
 public:
  // Fails closed: a missing file, an unreadable line, an unknown role, a bad
  // key or a duplicate id or key is an error naming the line.
  static Result<AccessList> Load(const std::string& path);
  Status Save(const std::string& path) const;

  const ClientEntry* FindByKey(std::string_view public_key) const;
  const ClientEntry* FindById(std::string_view id) const;
  Status Add(ClientEntry entry);  // refuses a known id or key
  bool Remove(std::string_view id);
  const std::vector<ClientEntry>& entries() const { return entries_; }

 private:
  std::vector<ClientEntry> entries_;
};

// Whether an endpoint only accepts local peers (tcp on 127.0.0.0/8, ::1 or
// localhost; ipc; inproc). Anything else needs CURVE.
bool IsLoopbackEndpoint(std::string_view endpoint);

// "+79161234567" -> "+7916*****67"; "ivan.petrov@mail.ru" -> "i***@mail.ru".
std::string MaskPhone(std::string_view e164);
std::string MaskEmail(std::string_view email);

}  // namespace doppel::service
