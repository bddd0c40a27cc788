// A small binary value format for the store: varints and length-prefixed
// strings behind a leading format byte. Private to storage/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace doppel::storage::codec {

class Writer {
 public:
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void Varint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  // Zig-zag, so small negative numbers stay short.
  void Svarint(int64_t v) { Varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void Str(std::string_view s) {
    Varint(s.size());
    out_.append(s);
  }
  void Strs(const std::vector<std::string>& v) {
    Varint(v.size());
    for (const auto& s : v) Str(s);
  }
  std::string& str() { return out_; }

 private:
  std::string out_;
};

// Reads what Writer wrote. Any overrun sets ok() to false and returns zeros,
// so a damaged value is reported (by the caller) instead of read past.
class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}
  uint8_t U8() {
    if (pos_ >= s_.size()) return Fail();
    return static_cast<uint8_t>(s_[pos_++]);
  }
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= s_.size()) return Fail();
      auto b = static_cast<uint8_t>(s_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return v;
    }
    return Fail();
  }
  int64_t Svarint() {
    uint64_t u = Varint();
    return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
  }
  std::string Str() {
    uint64_t n = Varint();
    if (!ok_ || n > s_.size() - pos_) {
      Fail();
      return {};
    }
    std::string v(s_.substr(pos_, n));
    pos_ += n;
    return v;
  }
  std::vector<std::string> Strs() {
    uint64_t n = Varint();
    std::vector<std::string> v;
    if (n > s_.size()) {  // cannot hold n strings
      Fail();
      return v;
    }
    for (uint64_t i = 0; i < n && ok_; ++i) v.push_back(Str());
    return v;
  }
  bool ok() const { return ok_; }
  bool done() const { return pos_ == s_.size(); }

 private:
  uint8_t Fail() {
    ok_ = false;
    pos_ = s_.size();
    return 0;
  }
  std::string_view s_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace doppel::storage::codec
