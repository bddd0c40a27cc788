// The CSV reader: a record-at-a-time state machine over a sliding buffer.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

#include "doppel/core/unicode.h"
#include "reader_internal.h"

namespace doppel::core {
namespace {

// A byte repeated in every byte of a word.
constexpr uint64_t Repeat(unsigned char c) { return 0x0101010101010101ULL * c; }

// The high bit of each zero byte of w, and maybe of bytes above one (a
// borrow), so only the lowest set bit is exact: the first zero byte, in
// memory order on a little-endian machine.
constexpr uint64_t ZeroBytes(uint64_t w) { return (w - Repeat(1)) & ~w & Repeat(0x80); }

enum class Parse { kRecord, kBlank, kNeedMore, kEnd, kUnterminated, kTooLong };

class CsvReader final : public BatchReader {
 public:
  CsvReader(std::unique_ptr<internal::InputBuffer> in, const ReaderOptions& options, Encoding encoding,
            char delimiter)
      : in_(std::move(in)), options_(options) {
    format_ = InputFormat::kCsv;
    encoding_ = encoding;
    delimiter_ = delimiter;
    bytes_total_ = in_->source().size();
  }

  Result<bool> Next(RecordBatch* batch, std::vector<Reject>* rejects) override;
  const std::vector<std::string>& column_names() const override { return names_; }

 private:
  // Parses one record at the start of `data` into scratch_/ends_.
  Parse ParseRecord(std::string_view data, size_t* consumed, uint64_t* newlines);
  void RejectRaw(std::vector<Reject>* rejects, std::string_view raw, std::string reason) {
    ++rows_rejected_;
    ++ordinal_;
    rejects->push_back({line_, std::move(reason), std::string(raw)});
  }
  std::string_view Field(size_t k) const {
    size_t b = k == 0 ? 0 : ends_[k - 1];
    return std::string_view(scratch_).substr(b, ends_[k] - b);
  }
  // Whether every field of the current record is valid UTF-8, in one pass
  // over them all: the record's bytes are, and no field starts inside a
  // character (with a continuation byte), so each field holds whole ones.
  bool WholeFieldsOfValidUtf8() const {
    if (!IsValidUtf8(scratch_)) return false;
    for (size_t k = 0; k + 1 < ends_.size(); ++k) {
      if (ends_[k] < scratch_.size() && (static_cast<unsigned char>(scratch_[ends_[k]]) & 0xC0) == 0x80) return false;
    }
    return true;
  }
  bool IsSpace(char c) const { return c == ' ' || (c == '\t' && delimiter_ != '\t'); }
  std::string_view TrimRight(std::string_view v) const {
    while (!v.empty() && IsSpace(v.back())) v.remove_suffix(1);
    return v;
  }

  std::unique_ptr<internal::InputBuffer> in_;
  ReaderOptions options_;
  std::vector<std::string> names_;
  bool have_header_ = false;
  std::string scratch_;       // unescaped field bytes of the current record
  std::vector<size_t> ends_;  // end offset of each field in scratch_
  std::string decoded_;       // the current record's fields as UTF-8
  std::vector<size_t> decoded_ends_;
  uint64_t line_ = 1;         // physical line where the next record starts
  uint64_t ordinal_ = 0;
};

Parse CsvReader::ParseRecord(std::string_view data, size_t* consumed, uint64_t* newlines) {
  const size_t n = data.size();
  const bool at_eof = in_->eof();
  const char d = delimiter_;
  scratch_.clear();
  ends_.clear();
  *newlines = 0;
  if (n == 0) return at_eof ? Parse::kEnd : Parse::kNeedMore;
  if (data[0] == '\n' || data[0] == '\r') {
    if (data[0] == '\r' && n < 2 && !at_eof) return Parse::kNeedMore;
    *consumed = (data[0] == '\r' && n >= 2 && data[1] == '\n') ? 2 : 1;
    *newlines = 1;
    return Parse::kBlank;
  }
  // The next delimiter or line break at or after j, eight bytes at a time
  // (a field's bytes are mostly neither), then one at a time.
  const uint64_t delimiters = Repeat(static_cast<unsigned char>(d));
  auto scan_plain = [&](size_t j) {
    for (; std::endian::native == std::endian::little && j + 8 <= n; j += 8) {
      uint64_t w;
      std::memcpy(&w, data.data() + j, 8);
      const uint64_t hits = ZeroBytes(w ^ delimiters) | ZeroBytes(w ^ Repeat('\n')) | ZeroBytes(w ^ Repeat('\r'));
      if (hits != 0) return j + static_cast<size_t>(std::countr_zero(hits)) / 8;
    }
    while (j < n) {
      char c = data[j];
      if (c == d || c == '\n' || c == '\r') break;
      ++j;
    }
    return j;
  };
  size_t i = 0;
  while (true) {
    if (options_.trim) {
      while (i < n && IsSpace(data[i])) ++i;
    }
    if (i < n && data[i] == '"') {
      ++i;
      while (true) {
        const void* q = std::memchr(data.data() + i, '"', n - i);
        if (q == nullptr) {
          if (n > options_.max_record_bytes) return Parse::kTooLong;
          return at_eof ? Parse::kUnterminated : Parse::kNeedMore;
        }
        size_t qi = static_cast<const char*>(q) - data.data();
        // A stray quote must not swallow the rows up to the next quote.
        if (qi > options_.max_record_bytes) return Parse::kTooLong;
        *newlines += internal::CountLineBreaks(data, i, qi);
        scratch_.append(data.substr(i, qi - i));
        if (qi + 1 == n && !at_eof) return Parse::kNeedMore;  // "" split across chunks?
        if (qi + 1 < n && data[qi + 1] == '"') {
          scratch_.push_back('"');
          i = qi + 2;
          continue;
        }
        i = qi + 1;
        break;
      }
      // Text after the closing quote is kept as it stands ("a"b -> ab).
      size_t j = scan_plain(i);
      if (j > options_.max_record_bytes) return Parse::kTooLong;
      if (j == n && !at_eof) return Parse::kNeedMore;
      std::string_view extra = data.substr(i, j - i);
      scratch_.append(options_.trim ? TrimRight(extra) : extra);
      i = j;
    } else {
      size_t j = scan_plain(i);
      if (j > options_.max_record_bytes) return Parse::kTooLong;
      if (j == n && !at_eof) return Parse::kNeedMore;
      std::string_view v = data.substr(i, j - i);
      scratch_.append(options_.trim ? TrimRight(v) : v);
      i = j;
    }
    ends_.push_back(scratch_.size());
    if (i == n) {  // end of input without a final line break
      *consumed = n;
      return Parse::kRecord;
    }
    char c = data[i];
    if (c == d) {
      ++i;
      continue;
    }
    *newlines += 1;
    if (c == '\n') {
      *consumed = i + 1;
    } else if (i + 1 < n) {  // \r or \r\n
      *consumed = data[i + 1] == '\n' ? i + 2 : i + 1;
    } else {
      if (!at_eof) return Parse::kNeedMore;
      *consumed = i + 1;
    }
    return Parse::kRecord;
  }
}

Result<bool> CsvReader::Next(RecordBatch* batch, std::vector<Reject>* rejects) {
  batch->Clear();
  batch->columns.resize(names_.size());
  batch->column_names = names_;
  size_t rows = 0;
  while (rows < options_.batch_rows && batch->byte_size() < options_.batch_bytes) {
    std::string_view data = in_->data();
    size_t consumed = 0;
    uint64_t newlines = 0;
    Parse r = ParseRecord(data, &consumed, &newlines);
    if (r == Parse::kNeedMore) {
      DOPPEL_ASSIGN_OR_RETURN(bool more, in_->Fill());
      (void)more;  // at end of input ParseRecord sees eof() and finishes
      continue;
    }
    if (r == Parse::kEnd) break;
    if (r == Parse::kBlank) {
      in_->Consume(consumed);
      bytes_read_ = in_->consumed();
      line_ += newlines;
      ++blank_lines_;
      continue;
    }
    if (r == Parse::kUnterminated || r == Parse::kTooLong) {
      // Reject the first physical line of the record and resume after it.
      size_t len = 0;
      size_t eol = internal::FindLineBreak(data, 0, in_->eof(), /*cr_is_break=*/true, &len);
      size_t line_end = eol == std::string_view::npos ? data.size() : eol;
      std::string reason =
          r == Parse::kUnterminated
              ? "unterminated quoted field in column " + std::to_string(ends_.size() + 1) +
                    " (no closing quote before the end of the file)"
              : "record longer than " + std::to_string(options_.max_record_bytes) + " bytes at column " +
                    std::to_string(ends_.size() + 1) + " (an unterminated quoted field?)";
      RejectRaw(rejects, data.substr(0, std::min(line_end, options_.max_record_bytes)), std::move(reason));
      in_->Consume(eol == std::string_view::npos ? data.size() : eol + len);
      if (eol == std::string_view::npos) DOPPEL_RETURN_IF_ERROR(in_->SkipRestOfLine(/*cr_is_break=*/true));
      bytes_read_ = in_->consumed();
      line_ += 1;
      continue;
    }
    std::string_view raw = data.substr(0, consumed);
    while (!raw.empty() && (raw.back() == '\n' || raw.back() == '\r')) raw.remove_suffix(1);

    if (!have_header_) {
      have_header_ = true;
      names_.clear();
      if (options_.header) {
        for (size_t k = 0; k < ends_.size(); ++k) {
          std::string name;
          if (!internal::DecodeField(Field(k), encoding_, name)) {
            name.clear();
            std::string_view f = Field(k);
            for (size_t p = 0; p < f.size();) AppendUtf8(name, NextCodePoint(f, p));
          }
          names_.push_back(std::move(name));
        }
        internal::MakeUniqueNames(names_);
      } else {
        for (size_t k = 0; k < ends_.size(); ++k) names_.push_back("column_" + std::to_string(k + 1));
      }
      batch->columns.resize(names_.size());
      batch->column_names = names_;
      if (options_.header) {
        in_->Consume(consumed);
        bytes_read_ = in_->consumed();
        line_ += newlines;
        continue;
      }
    }

    if (ends_.size() != names_.size()) {
      RejectRaw(rejects, raw,
                "expected " + std::to_string(names_.size()) + " fields, found " + std::to_string(ends_.size()));
    } else if (encoding_ != Encoding::kCp1251 && WholeFieldsOfValidUtf8()) {
      // The common case: the fields are already UTF-8, appended as parsed.
      for (size_t k = 0; k < ends_.size(); ++k) batch->columns[k].Append(Field(k));
      batch->lines.push_back(line_);
      batch->ordinals.push_back(ordinal_++);
      ++rows;
      ++rows_read_;
    } else {
      // Decode every field before appending any, so a bad row leaves no trace.
      decoded_.clear();
      decoded_ends_.clear();
      size_t bad = ends_.size();
      for (size_t k = 0; k < ends_.size() && bad == ends_.size(); ++k) {
        if (!internal::DecodeField(Field(k), encoding_, decoded_)) bad = k;
        decoded_ends_.push_back(decoded_.size());
      }
      if (bad != ends_.size()) {
        RejectRaw(rejects, raw, internal::BadBytesReason(names_[bad], Field(bad)));
      } else {
        size_t b = 0;
        for (size_t k = 0; k < ends_.size(); ++k) {
          batch->columns[k].Append(std::string_view(decoded_).substr(b, decoded_ends_[k] - b));
          b = decoded_ends_[k];
        }
        batch->lines.push_back(line_);
        batch->ordinals.push_back(ordinal_++);
        ++rows;
        ++rows_read_;
      }
    }
    in_->Consume(consumed);
    bytes_read_ = in_->consumed();
    line_ += newlines;
  }
  return rows > 0 || !(in_->eof() && in_->data().empty());
}

}  // namespace

std::unique_ptr<BatchReader> MakeCsvReader(std::unique_ptr<internal::InputBuffer> in, const ReaderOptions& options,
                                           Encoding encoding, char delimiter) {
  return std::make_unique<CsvReader>(std::move(in), options, encoding, delimiter);
}

}  // namespace doppel::core
