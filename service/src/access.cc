#include "doppel/service/access.h"

#include <sys/stat.h>
#include <zmq.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "doppel/storage/file.h"

namespace doppel::service {

namespace {

constexpr std::array<std::pair<std::string_view, Role>, 4> kRoles{
    {{"admin", Role::kAdmin}, {"ingest", Role::kIngest}, {"operator", Role::kOperator}, {"analyst", Role::kAnalyst}}};

bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.';
  });
}

// Writes `text` to `path` atomically with mode 0600.
Status WritePrivate(const std::string& path, const std::string& text) {
  // The temporary file is created 0600 too, so the secret is never readable
  // by others, not even for a moment.
  mode_t old_mask = ::umask(077);
  auto created = storage::AtomicFile::Create(path);
  ::umask(old_mask);
  if (!created.ok()) return created.status();
  auto f = std::move(*created);
  f->Write(text);
  DOPPEL_RETURN_IF_ERROR(f->Sync());
  DOPPEL_RETURN_IF_ERROR(f->Publish());
  if (::chmod(path.c_str(), 0600) != 0) return Status::IoError("cannot set 0600 on " + path);
  return Status::Ok();
}

}  // namespace

std::string_view RoleName(Role r) {
  for (const auto& [n, v] : kRoles) {
    if (v == r) return n;
  }
  return "?";
}

Result<Role> ParseRole(std::string_view name) {
  for (const auto& [n, v] : kRoles) {
    if (n == name) return v;
  }
  return Status::InvalidArgument("unknown role '" + std::string(name) + "' (admin, ingest, operator, analyst)");
}

bool Allowed(Role role, std::string_view op) {
  if (role == Role::kAdmin || op == "health") return true;
  switch (role) {
    case Role::kIngest:
      return op == "ingest" || op == "resolve" || op == "dedupe" || op == "outcomes" || op == "suppress";
    case Role::kOperator:
      return op == "calllist" || op == "outcomes" || op == "get_entity" || op == "suppress";
    case Role::kAnalyst:
      return op == "stats" || op == "segments" || op == "report";
    default:
      return false;
  }
}

bool IsZ85Key(std::string_view key) {
  static constexpr std::string_view kAlphabet =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
  return key.size() == 40 && key.find_first_not_of(kAlphabet) == std::string_view::npos;
}

Result<KeyPair> GenerateKeyPair() {
  char pub[41], sec[41];
  if (zmq_curve_keypair(pub, sec) != 0) {
    return Status::Unimplemented("this libzmq has no CURVE support (built without libsodium)");
  }
  return KeyPair{pub, sec};
}

Status SaveKeyPair(const KeyPair& keys, const std::string& base) {
  DOPPEL_RETURN_IF_ERROR(
      WritePrivate(base + ".key", "# Doppel CURVE key pair: keep secret\npublic=" + keys.public_key +
                                      "\nsecret=" + keys.secret_key + "\n"));
  DOPPEL_ASSIGN_OR_RETURN(auto pub, storage::AtomicFile::Create(base + ".pub"));
  pub->Write("# Doppel CURVE public key\npublic=" + keys.public_key + "\n");
  return pub->Commit();
}

Result<KeyPair> LoadKeyFile(const std::string& path, bool needs_secret) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Status::NotFound("no key file " + path);
  DOPPEL_ASSIGN_OR_RETURN(std::string text, storage::ReadFile(path));
  KeyPair keys;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("public=", 0) == 0) keys.public_key = line.substr(7);
    if (line.rfind("secret=", 0) == 0) keys.secret_key = line.substr(7);
  }
  if (!IsZ85Key(keys.public_key)) return Status::InvalidArgument(path + ": no valid public= key");
  if (!keys.secret_key.empty() && !IsZ85Key(keys.secret_key)) {
    return Status::InvalidArgument(path + ": the secret= key is not a Z85 key");
  }
  if (!keys.secret_key.empty() && (st.st_mode & 077) != 0) {
    return Status::InvalidArgument(path + " holds a secret key but others may read it: chmod 600 " + path);
  }
  if (needs_secret && keys.secret_key.empty()) return Status::InvalidArgument(path + ": no secret= key");
  return keys;
}

Result<AccessList> AccessList::Load(const std::string& path) {
  auto text = storage::ReadFile(path);
  if (!text.ok()) return Status::InvalidArgument("cannot read the client list " + path + ": " + text.status().message());
  AccessList list;
  std::istringstream in(*text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    std::istringstream fields(line);
    ClientEntry e;
    std::string role, extra;
    fields >> e.id >> role >> e.public_key;
    auto where = [&] { return path + ":" + std::to_string(n) + ": "; };
    if (e.public_key.empty() || (fields >> extra)) {
      return Status::InvalidArgument(where() + "expected '<id> <role> <public key>'");
    }
    auto r = ParseRole(role);
    if (!r.ok()) return Status::InvalidArgument(where() + r.status().message());
    e.role = *r;
    Status added = list.Add(std::move(e));
    if (!added.ok()) return Status::InvalidArgument(where() + added.message());
  }
  return list;
}

Status AccessList::Save(const std::string& path) const {
  std::string text = "# Doppel clients: <id> <role> <public key>\n";
  for (const auto& e : entries_) text += e.id + " " + std::string(RoleName(e.role)) + " " + e.public_key + "\n";
  return WritePrivate(path, text);
}

const ClientEntry* AccessList::FindByKey(std::string_view key) const {
  for (const auto& e : entries_) {
    if (e.public_key == key) return &e;
  }
  return nullptr;
}

const ClientEntry* AccessList::FindById(std::string_view id) const {
  for (const auto& e : entries_) {
    if (e.id == id) return &e;
  }
  return nullptr;
}

Status AccessList::Add(ClientEntry e) {
  if (!ValidId(e.id)) return Status::InvalidArgument("client id '" + e.id + "' must be 1-64 of [A-Za-z0-9._-]");
  if (!IsZ85Key(e.public_key)) return Status::InvalidArgument("'" + e.public_key + "' is not a Z85 public key");
  if (FindById(e.id)) return Status::InvalidArgument("client id '" + e.id + "' is already listed");
  if (FindByKey(e.public_key)) return Status::InvalidArgument("that key is already listed");
  entries_.push_back(std::move(e));
  return Status::Ok();
}

bool AccessList::Remove(std::string_view id) {
  auto it = std::find_if(entries_.begin(), entries_.end(), [&](const ClientEntry& e) { return e.id == id; });
  if (it == entries_.end()) return false;
  entries_.erase(it);
  return true;
}

bool IsLoopbackEndpoint(std::string_view ep) {
  if (ep.rfind("ipc://", 0) == 0 || ep.rfind("inproc://", 0) == 0) return true;
  if (ep.rfind("tcp://", 0) != 0) return false;
  std::string_view host = ep.substr(6);
  if (host.rfind("127.", 0) == 0) return true;
  if (host.rfind("localhost:", 0) == 0) return true;
  if (host.rfind("[::1]:", 0) == 0) return true;
  return false;
}

std::string MaskPhone(std::string_view p) {
  if (p.size() <= 6) return std::string(p.size(), '*');
  std::string out(p.substr(0, 5));
  out.append(p.size() - 7, '*');
  out.append(p.substr(p.size() - 2));
  return out;
}

std::string MaskEmail(std::string_view e) {
  size_t at = e.find('@');
  if (at == std::string_view::npos || at == 0) return std::string(e.size(), '*');
  std::string out(1, e[0]);
  out.append("***");
  out.append(e.substr(at));
  return out;
}

}  // namespace doppel::service
