// Encryption at rest: values of the families that hold personal data are
// sealed with XChaCha20-Poly1305 under a data key from a key file; each
// sealed value names its key id, so keys can rotate (new writes use the
// newest key, every listed key still reads).
//
//   sealed value: 0xE7, key id (1 byte), nonce (24 bytes), ciphertext + tag
//
// A value that does not start with 0xE7 was written unsealed (before the
// key was set) and reads as it is. In a database that was never sealed every
// value reads as it is: a plain value may start with 0xE7 too (the random
// index key did, one database in 256, and then would not open again).
#include <sodium.h>
#include <sys/stat.h>

#include <sstream>

#include "doppel/storage/file.h"
#include "store_internal.h"

namespace doppel::storage {

namespace {

constexpr unsigned char kSealed = 0xE7;
constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;

std::string AdFor(uint8_t id) { return std::string("doppel-value-v1:") + static_cast<char>(id); }

int FromHex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool Sealed(int family) {
  return family == kRecords || family == kEntities || family == kSuppression || family == kContacts;
}

std::string Seal(const Store::Impl& m, std::string_view plain) {
  if (m.data_keys.empty()) return std::string(plain);
  const std::string& key = m.data_keys.at(m.current_key);
  std::string out(2 + kNonce + plain.size() + kTag, '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  p[0] = kSealed;
  p[1] = m.current_key;
  randombytes_buf(p + 2, kNonce);
  std::string ad = AdFor(m.current_key);
  unsigned long long n = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(p + 2 + kNonce, &n, reinterpret_cast<const unsigned char*>(plain.data()),
                                             plain.size(), reinterpret_cast<const unsigned char*>(ad.data()),
                                             ad.size(), nullptr, p + 2,
                                             reinterpret_cast<const unsigned char*>(key.data()));
  out.resize(2 + kNonce + n);
  return out;
}

Result<std::string> Unseal(const Store::Impl& m, std::string stored) {
  if (!m.may_be_sealed || stored.empty() || static_cast<unsigned char>(stored[0]) != kSealed) return stored;
  if (stored.size() < 2 + kNonce + kTag) return Status::Corruption("a sealed value is truncated");
  uint8_t id = static_cast<uint8_t>(stored[1]);
  auto it = m.data_keys.find(id);
  if (it == m.data_keys.end()) {
    return Status::InvalidArgument(m.data_keys.empty()
                                       ? "this database is encrypted at rest: give its data key (--data-key FILE or "
                                         "$DOPPEL_DATA_KEY_FILE)"
                                       : "a value is sealed with data key " + std::to_string(id) +
                                             ", which the key file does not hold");
  }
  const auto* p = reinterpret_cast<const unsigned char*>(stored.data());
  std::string plain(stored.size() - 2 - kNonce - kTag, '\0');
  std::string ad = AdFor(id);
  unsigned long long n = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(plain.data()), &n, nullptr, p + 2 + kNonce, stored.size() - 2 - kNonce,
          reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), p + 2,
          reinterpret_cast<const unsigned char*>(it->second.data())) != 0) {
    return Status::Corruption("a value failed authentication: the data key " + std::to_string(id) +
                              " is wrong, or the file was altered");
  }
  plain.resize(n);
  return plain;
}

Result<std::map<uint8_t, std::string>> LoadDataKeys(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Status::NotFound("no data key file " + path);
  if ((st.st_mode & 077) != 0) {
    return Status::InvalidArgument(path + " holds data keys but others may read it: chmod 600 " + path);
  }
  DOPPEL_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  std::map<uint8_t, std::string> keys;
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string word, hex;
    int id = -1;
    fields >> word >> id >> hex;
    if (word != "key" || id < 1 || id > 255 || hex.size() != 64) {
      return Status::InvalidArgument(path + ":" + std::to_string(n) + ": expected 'key <id 1-255> <64 hex digits>'");
    }
    std::string key(32, '\0');
    for (size_t i = 0; i < 32; ++i) {
      int hi = FromHex(hex[2 * i]), lo = FromHex(hex[2 * i + 1]);
      if (hi < 0 || lo < 0) return Status::InvalidArgument(path + ":" + std::to_string(n) + ": not hex");
      key[i] = static_cast<char>(hi * 16 + lo);
    }
    if (!keys.emplace(static_cast<uint8_t>(id), std::move(key)).second) {
      return Status::InvalidArgument(path + ":" + std::to_string(n) + ": key " + std::to_string(id) + " twice");
    }
  }
  if (keys.empty()) return Status::InvalidArgument(path + " holds no key");
  return keys;
}

Status AddDataKey(const std::string& path) {
  std::map<uint8_t, std::string> keys;
  if (PathExists(path)) {
    DOPPEL_ASSIGN_OR_RETURN(keys, LoadDataKeys(path));
  }
  int id = keys.empty() ? 1 : keys.rbegin()->first + 1;
  if (id > 255) return Status::InvalidArgument(path + " already holds key 255");
  std::string key(32, '\0');
  randombytes_buf(key.data(), key.size());
  keys[static_cast<uint8_t>(id)] = key;
  std::string text = "# Doppel data keys (encryption at rest): the highest id seals new values. Keep secret.\n";
  static const char* digits = "0123456789abcdef";
  for (const auto& [i, k] : keys) {
    text += "key " + std::to_string(i) + " ";
    for (unsigned char c : k) {
      text.push_back(digits[c >> 4]);
      text.push_back(digits[c & 15]);
    }
    text += "\n";
  }
  mode_t old_mask = ::umask(077);
  auto f = AtomicFile::Create(path);
  ::umask(old_mask);
  if (!f.ok()) return f.status();
  (*f)->Write(text);
  DOPPEL_RETURN_IF_ERROR((*f)->Commit());
  if (::chmod(path.c_str(), 0600) != 0) return Status::IoError("cannot set 0600 on " + path);
  return Status::Ok();
}

}  // namespace doppel::storage
