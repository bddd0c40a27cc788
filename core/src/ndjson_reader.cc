// The NDJSON reader: one flat JSON object per line.
#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "doppel/core/unicode.h"
#include "reader_internal.h"

namespace doppel::core {
namespace {

// Parses one JSON object of scalars (and arrays of scalars) into key/value
// strings. Numbers keep their literal text; null is empty; true/false stay.
class FlatJsonParser {
 public:
  explicit FlatJsonParser(std::string_view s) : s_(s) {}

  bool Parse(std::vector<std::pair<std::string, std::string>>* out) {
    out->clear();
    SkipSpace();
    if (!Expect('{')) return Fail("expected '{' at the start of the line");
    SkipSpace();
    if (Peek() == '}') {
      ++i_;
    } else {
      while (true) {
        SkipSpace();
        std::string key, value;
        if (Peek() != '"') return Fail("expected a quoted key");
        if (!ParseString(&key)) return false;
        SkipSpace();
        if (!Expect(':')) return Fail("expected ':' after key \"" + key + "\"");
        SkipSpace();
        if (!ParseValue(key, &value, /*in_array=*/false)) return false;
        out->emplace_back(std::move(key), std::move(value));
        SkipSpace();
        if (Peek() == ',') { ++i_; continue; }
        if (Peek() == '}') { ++i_; break; }
        return Fail("expected ',' or '}'");
      }
    }
    SkipSpace();
    if (i_ != s_.size()) return Fail("unexpected text after the object");
    return true;
  }
  const std::string& error() const { return error_; }

 private:
  char Peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  bool Expect(char c) {
    if (Peek() != c) return false;
    ++i_;
    return true;
  }
  void SkipSpace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\r' || s_[i_] == '\n')) ++i_;
  }
  bool Fail(std::string what) {
    error_ = "malformed JSON at byte " + std::to_string(i_ + 1) + ": " + what;
    return false;
  }
  static int Hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  bool ParseHex4(uint32_t* v) {
    if (i_ + 4 > s_.size()) return Fail("truncated \\u escape");
    *v = 0;
    for (int k = 0; k < 4; ++k) {
      int h = Hex(s_[i_ + k]);
      if (h < 0) return Fail("bad \\u escape");
      *v = *v * 16 + h;
    }
    i_ += 4;
    return true;
  }
  bool ParseString(std::string* out) {
    ++i_;  // opening quote
    while (true) {
      size_t j = i_;
      while (j < s_.size() && s_[j] != '"' && s_[j] != '\\') ++j;
      out->append(s_.substr(i_, j - i_));
      i_ = j;
      if (i_ >= s_.size()) return Fail("unterminated string");
      if (s_[i_] == '"') { ++i_; return true; }
      if (++i_ >= s_.size()) return Fail("unterminated escape");
      char e = s_[i_++];
      switch (e) {
        case '"': out->push_back('"'); break;
        case '\\': out->push_back('\\'); break;
        case '/': out->push_back('/'); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'n': out->push_back('\n'); break;
        case 'r': out->push_back('\r'); break;
        case 't': out->push_back('\t'); break;
        case 'u': {
          uint32_t cp = 0;
          if (!ParseHex4(&cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t lo = 0;
            if (i_ + 1 < s_.size() && s_[i_] == '\\' && s_[i_ + 1] == 'u') {
              i_ += 2;
              if (!ParseHex4(&lo)) return false;
            }
            cp = (lo >= 0xDC00 && lo <= 0xDFFF) ? 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00) : 0xFFFD;
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            cp = 0xFFFD;
          }
          AppendUtf8(*out, cp);
          break;
        }
        default: --i_; return Fail("bad escape");
      }
    }
  }
  bool ParseValue(const std::string& key, std::string* out, bool in_array) {
    char c = Peek();
    if (c == '"') return ParseString(out);
    if (c == '{') return Fail("nested object in field \"" + key + "\" is not supported");
    if (c == '[') {
      if (in_array) return Fail("nested array in field \"" + key + "\" is not supported");
      ++i_;
      SkipSpace();
      if (Peek() == ']') { ++i_; return true; }
      while (true) {
        SkipSpace();
        std::string item;
        if (!ParseValue(key, &item, true)) return false;
        if (!item.empty()) {
          if (!out->empty()) out->append("; ");
          out->append(item);
        }
        SkipSpace();
        if (Peek() == ',') { ++i_; continue; }
        if (Peek() == ']') { ++i_; return true; }
        return Fail("expected ',' or ']' in array \"" + key + "\"");
      }
    }
    auto word = [&](std::string_view w) { return s_.substr(i_, w.size()) == w; };
    if (word("null")) { i_ += 4; return true; }
    if (word("true")) { i_ += 4; out->append("true"); return true; }
    if (word("false")) { i_ += 5; out->append("false"); return true; }
    size_t j = i_;
    while (j < s_.size() && (std::strchr("+-0123456789.eE", s_[j]) != nullptr) && s_[j] != '\0') ++j;
    if (j == i_) return Fail("expected a value for \"" + key + "\"");
    out->append(s_.substr(i_, j - i_));
    i_ = j;
    return true;
  }

  std::string_view s_;
  size_t i_ = 0;
  std::string error_;
};

class NdjsonReader final : public BatchReader {
 public:
  NdjsonReader(std::unique_ptr<internal::InputBuffer> in, const ReaderOptions& options, Encoding encoding)
      : in_(std::move(in)), options_(options) {
    format_ = InputFormat::kNdjson;
    encoding_ = encoding;
    delimiter_ = 0;
    bytes_total_ = in_->source().size();
  }

  Result<bool> Next(RecordBatch* batch, std::vector<Reject>* rejects) override;
  const std::vector<std::string>& column_names() const override { return names_; }

 private:
  size_t ColumnFor(const std::string& key, RecordBatch* batch, size_t rows) {
    auto it = index_.find(key);
    if (it != index_.end()) return it->second;
    size_t k = names_.size();
    names_.push_back(key);
    index_.emplace(key, k);
    batch->column_names.push_back(key);
    batch->columns.emplace_back();
    for (size_t r = 0; r < rows; ++r) batch->columns[k].Append({});
    return k;
  }

  std::unique_ptr<internal::InputBuffer> in_;
  ReaderOptions options_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, size_t> index_;
  std::vector<std::pair<std::string, std::string>> fields_;
  std::vector<int> filled_;
  std::string utf8_;
  uint64_t line_ = 1;
  uint64_t ordinal_ = 0;
};

Result<bool> NdjsonReader::Next(RecordBatch* batch, std::vector<Reject>* rejects) {
  batch->Clear();
  batch->columns.resize(names_.size());
  batch->column_names = names_;
  size_t rows = 0;
  while (rows < options_.batch_rows && batch->byte_size() < options_.batch_bytes) {
    std::string_view data = in_->data();
    size_t eol = data.find('\n');
    if (eol == std::string_view::npos && !in_->eof()) {
      if (data.size() <= options_.max_record_bytes) {
        DOPPEL_ASSIGN_OR_RETURN(bool more, in_->Fill());
        (void)more;
        continue;
      }
    }
    if (data.empty()) break;
    size_t take = eol == std::string_view::npos ? data.size() : eol + 1;
    std::string_view raw = data.substr(0, take);
    while (!raw.empty() && (raw.back() == '\n' || raw.back() == '\r')) raw.remove_suffix(1);
    auto finish_line = [&] {
      in_->Consume(take);
      bytes_read_ = in_->consumed();
      ++line_;
    };
    auto reject = [&](std::string reason) {
      ++rows_rejected_;
      ++ordinal_;
      rejects->push_back({line_, std::move(reason), std::string(raw)});
    };
    if (Trim(raw).empty()) {
      ++blank_lines_;
      finish_line();
      continue;
    }
    if (raw.size() > options_.max_record_bytes) {
      raw = raw.substr(0, options_.max_record_bytes);
      reject("line longer than " + std::to_string(options_.max_record_bytes) + " bytes (kept here cut to that size)");
      in_->Consume(take);
      if (eol == std::string_view::npos) DOPPEL_RETURN_IF_ERROR(in_->SkipRestOfLine(/*cr_is_break=*/false));
      bytes_read_ = in_->consumed();
      ++line_;
      continue;
    }
    utf8_.clear();
    if (!internal::DecodeField(raw, encoding_, utf8_)) {
      reject("invalid UTF-8 in the line");
      finish_line();
      continue;
    }
    FlatJsonParser parser(utf8_);
    if (!parser.Parse(&fields_)) {
      reject(parser.error());
      finish_line();
      continue;
    }
    filled_.assign(names_.size(), 0);
    for (auto& [key, value] : fields_) {
      size_t k = ColumnFor(key, batch, rows);
      if (k >= filled_.size()) filled_.resize(k + 1, 0);
      if (filled_[k]) {
        batch->columns[k].Truncate(rows);  // a repeated key: the last one wins
      }
      batch->columns[k].Append(value);
      filled_[k] = 1;
    }
    for (size_t k = 0; k < names_.size(); ++k) {
      if (!filled_[k]) batch->columns[k].Append({});
    }
    batch->lines.push_back(line_);
    batch->ordinals.push_back(ordinal_++);
    ++rows;
    ++rows_read_;
    finish_line();
  }
  return rows > 0 || !in_->data().empty() || !in_->eof();
}

}  // namespace

std::unique_ptr<BatchReader> MakeNdjsonReader(std::unique_ptr<internal::InputBuffer> in,
                                              const ReaderOptions& options, Encoding encoding) {
  return std::make_unique<NdjsonReader>(std::move(in), options, encoding);
}

}  // namespace doppel::core
