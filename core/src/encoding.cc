#include "doppel/core/encoding.h"

#include <algorithm>

#include "doppel/core/unicode.h"

namespace doppel::core {

std::string_view EncodingName(Encoding e) {
  switch (e) {
    case Encoding::kAuto: return "auto";
    case Encoding::kUtf8: return "utf-8";
    case Encoding::kCp1251: return "windows-1251";
    case Encoding::kUtf16Le: return "utf-16le";
    case Encoding::kUtf16Be: return "utf-16be";
  }
  return "?";
}

Result<Encoding> ParseEncoding(std::string_view name) {
  std::string n;
  for (char c : name) n.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
  if (n == "auto") return Encoding::kAuto;
  if (n == "utf-8" || n == "utf8") return Encoding::kUtf8;
  if (n == "cp1251" || n == "windows-1251" || n == "win1251" || n == "1251") return Encoding::kCp1251;
  if (n == "utf-16le" || n == "utf16le") return Encoding::kUtf16Le;
  if (n == "utf-16be" || n == "utf16be") return Encoding::kUtf16Be;
  return Status::InvalidArgument("unknown encoding '" + std::string(name) +
                                 "' (use auto, utf-8, cp1251, utf-16le or utf-16be)");
}

namespace {

// Unicode code points of Windows-1251 bytes 0x80..0xBF; 0xC0..0xFF map to
// U+0410..U+044F.
constexpr char16_t kCp1251High[64] = {
    0x0402, 0x0403, 0x201A, 0x0453, 0x201E, 0x2026, 0x2020, 0x2021,  // 80
    0x20AC, 0x2030, 0x0409, 0x2039, 0x040A, 0x040C, 0x040B, 0x040F,  // 88
    0x0452, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,  // 90
    0xFFFD, 0x2122, 0x0459, 0x203A, 0x045A, 0x045C, 0x045B, 0x045F,  // 98
    0x00A0, 0x040E, 0x045E, 0x0408, 0x00A4, 0x0490, 0x00A6, 0x00A7,  // A0
    0x0401, 0x00A9, 0x0404, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x0407,  // A8
    0x00B0, 0x00B1, 0x0406, 0x0456, 0x0491, 0x00B5, 0x00B6, 0x00B7,  // B0
    0x0451, 0x2116, 0x0454, 0x00BB, 0x0458, 0x0405, 0x0455, 0x0457,  // B8
};

}  // namespace

void Cp1251ToUtf8(std::string_view in, std::string& out) {
  out.reserve(out.size() + in.size() * 2);
  for (unsigned char c : in) {
    if (c < 0x80) out.push_back(static_cast<char>(c));
    else if (c >= 0xC0) AppendUtf8(out, 0x0410 + (c - 0xC0));
    else AppendUtf8(out, kCp1251High[c - 0x80]);
  }
}

DetectedEncoding DetectEncoding(std::string_view s) {
  auto starts = [&](std::string_view p) { return s.substr(0, p.size()) == p; };
  if (starts("\xEF\xBB\xBF")) return {Encoding::kUtf8, 3};
  if (starts("\xFF\xFE")) return {Encoding::kUtf16Le, 2};
  if (starts("\xFE\xFF")) return {Encoding::kUtf16Be, 2};
  size_t valid = ValidUtf8Prefix(s);
  if (valid == s.size()) return {Encoding::kUtf8, 0};
  // A sample cut inside a multi-byte sequence is still UTF-8.
  std::string_view tail = s.substr(valid);
  if (tail.size() < 4) {
    auto c = static_cast<unsigned char>(tail[0]);
    size_t len = (c >= 0xF0 && c <= 0xF4) ? 4 : (c >= 0xE0 && c <= 0xEF) ? 3 : (c >= 0xC2 && c <= 0xDF) ? 2 : 0;
    bool continuation = len > tail.size();
    for (size_t k = 1; continuation && k < tail.size(); ++k) {
      continuation = (static_cast<unsigned char>(tail[k]) & 0xC0) == 0x80;
    }
    if (continuation) return {Encoding::kUtf8, 0};
  }
  size_t high = 0, cyrillic = 0;
  for (unsigned char c : s) {
    if (c < 0x80) continue;
    ++high;
    if (c >= 0xC0 || c == 0xA8 || c == 0xB8 || c == 0xB9 /* № */) ++cyrillic;
  }
  if (high > 0 && cyrillic * 10 >= high * 7) return {Encoding::kCp1251, 0};
  return {Encoding::kUtf8, 0};
}

namespace {

class Utf16Source final : public ByteSource {
 public:
  Utf16Source(std::unique_ptr<ByteSource> inner, bool big_endian, std::string prefix)
      : inner_(std::move(inner)), big_endian_(big_endian), in_(std::move(prefix)) {}

  Result<size_t> Read(char* buf, size_t n) override {
    while (out_.size() - out_pos_ < n && !eof_) {
      size_t have = in_.size();
      in_.resize(have + kChunk);
      DOPPEL_ASSIGN_OR_RETURN(size_t got, inner_->Read(in_.data() + have, kChunk));
      in_.resize(have + got);
      if (got == 0) eof_ = true;
      Convert();
    }
    size_t k = std::min(n, out_.size() - out_pos_);
    std::memcpy(buf, out_.data() + out_pos_, k);
    out_pos_ += k;
    if (out_pos_ == out_.size()) out_.clear(), out_pos_ = 0;
    return k;
  }
  uint64_t size() const override { return inner_->size(); }
  std::string name() const override { return inner_->name(); }

 private:
  static constexpr size_t kChunk = 1 << 20;

  char16_t Unit(size_t i) const {
    auto a = static_cast<unsigned char>(in_[i]), b = static_cast<unsigned char>(in_[i + 1]);
    return static_cast<char16_t>(big_endian_ ? (a << 8 | b) : (b << 8 | a));
  }

  void Convert() {
    if (out_pos_ > 0) out_.erase(0, out_pos_), out_pos_ = 0;
    size_t i = 0;
    while (i + 2 <= in_.size()) {
      char16_t u = Unit(i);
      if (u >= 0xD800 && u <= 0xDBFF) {
        if (i + 4 > in_.size()) {
          if (!eof_) break;
          AppendUtf8(out_, 0xFFFD);
          i += 2;
          continue;
        }
        char16_t lo = Unit(i + 2);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
          AppendUtf8(out_, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
          i += 4;
        } else {
          AppendUtf8(out_, 0xFFFD);
          i += 2;
        }
        continue;
      }
      AppendUtf8(out_, (u >= 0xDC00 && u <= 0xDFFF) ? 0xFFFD : u);
      i += 2;
    }
    in_.erase(0, i);
    if (eof_ && !in_.empty()) AppendUtf8(out_, 0xFFFD), in_.clear();  // odd trailing byte
  }

  std::unique_ptr<ByteSource> inner_;
  bool big_endian_;
  std::string in_;
  std::string out_;
  size_t out_pos_ = 0;
  bool eof_ = false;
};

}  // namespace

std::unique_ptr<ByteSource> MakeUtf16ToUtf8Source(std::unique_ptr<ByteSource> inner, bool big_endian,
                                                  std::string prefix) {
  return std::make_unique<Utf16Source>(std::move(inner), big_endian, std::move(prefix));
}

}  // namespace doppel::core
