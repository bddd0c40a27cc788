// Shared machinery of the CSV and NDJSON readers: the sliding input buffer and
// the per-field decoding into UTF-8.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "doppel/core/reader.h"

namespace doppel::core::internal {

// A window over the source: [pos, size) is unparsed. Fill() compacts the
// consumed prefix away and appends the next chunk.
class InputBuffer {
 public:
  InputBuffer(std::unique_ptr<ByteSource> source, std::string prefix, size_t chunk)
      : source_(std::move(source)), buf_(std::move(prefix)), chunk_(chunk) {}

  // Reads more bytes; returns false when the source is exhausted.
  Result<bool> Fill();
  // Discards input up to and including the next line break, reading more as
  // needed (for the tail of an over-long line). Memory stays at one chunk.
  Status SkipRestOfLine(bool cr_is_break);
  std::string_view data() const { return std::string_view(buf_).substr(pos_); }
  const char* begin() const { return buf_.data() + pos_; }
  const char* end() const { return buf_.data() + buf_.size(); }
  void Consume(size_t n) { pos_ += n; }
  bool eof() const { return eof_; }
  uint64_t consumed() const { return base_ + pos_; }
  const ByteSource& source() const { return *source_; }

 private:
  std::unique_ptr<ByteSource> source_;
  std::string buf_;
  size_t pos_ = 0;
  uint64_t base_ = 0;  // source offset of buf_[0]
  size_t chunk_;
  bool eof_ = false;
};

// Finds the first line break at or after `from`: "\n", "\r\n", or (when
// cr_is_break) a lone "\r". Sets *len to its length. Returns npos when there
// is none, and also for a "\r" that ends `data` while more input may follow
// (its "\n" may be in the next chunk).
size_t FindLineBreak(std::string_view data, size_t from, bool at_eof, bool cr_is_break, size_t* len);

// Counts the line breaks in data[begin, end) ("\r\n" once; a lone "\r" too),
// looking one byte past `end` to pair a final "\r" with its "\n".
uint64_t CountLineBreaks(std::string_view data, size_t begin, size_t end);

// Appends `raw` to `out` as UTF-8. Returns false (and appends nothing useful)
// when the bytes are not valid in `encoding`.
bool DecodeField(std::string_view raw, Encoding encoding, std::string& out);

// "invalid UTF-8 in column 'phone'" plus a hint when the file may be 1251.
std::string BadBytesReason(std::string_view column, std::string_view raw);

// Column names from a header row: trimmed, blanks named column_N, repeats
// suffixed _2, _3...
void MakeUniqueNames(std::vector<std::string>& names);

}  // namespace doppel::core::internal
