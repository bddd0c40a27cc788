// Streaming readers for CSV and NDJSON client bases.
//
// A reader pulls bytes from a ByteSource a chunk at a time and hands out
// RecordBatches of at most `batch_rows` rows, so memory stays bounded whatever
// the file size. Bad rows (wrong field count, undecodable bytes, unterminated
// quotes, malformed JSON) never stop the read: each becomes a Reject with its
// line number, reason and raw bytes, and reading goes on with the next line.
//
// CSV: RFC 4180 with the liberties real exports take: delimiter , ; tab or |
// (detected), CRLF/LF/CR, quoted newlines, "" escapes, UTF-8 with or without
// BOM, Windows-1251 and UTF-16 (detected or chosen). NDJSON: one JSON object
// per line; scalar values become strings, arrays of scalars are joined with
// "; ", new keys add columns. A reader is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "doppel/core/byte_source.h"
#include "doppel/core/encoding.h"
#include "doppel/core/record_batch.h"
#include "doppel/core/status.h"

namespace doppel::core {

enum class InputFormat : uint8_t { kAuto, kCsv, kNdjson };
Result<InputFormat> ParseInputFormat(std::string_view name);

struct ReaderOptions {
  // csv, ndjson, or auto (by file extension, else by the first byte). Default: kAuto.
  InputFormat format = InputFormat::kAuto;
  // Text encoding; auto detects BOMs, UTF-8 and Windows-1251. Default: kAuto.
  Encoding encoding = Encoding::kAuto;
  // Field delimiter for CSV; 0 detects one of , ; \t |. Default: 0.
  char delimiter = 0;
  // The first CSV row names the columns; else they are column_1..N. Default: true.
  bool header = true;
  // Strip spaces and tabs around unquoted CSV fields (FEBRL writes ", "). Default: true.
  bool trim = true;
  // Rows per batch. Default: 16384.
  size_t batch_rows = 16384;
  // A batch is also closed once its fields hold this many bytes. Default: 64 MiB.
  size_t batch_bytes = 64u << 20;
  // A record (quoted newlines included) longer than this is rejected as an
  // unterminated quote and reading resumes at its next line. Default: 1 MiB.
  size_t max_record_bytes = 1u << 20;
  // Bytes read from the source per call. Default: 4 MiB.
  size_t chunk_bytes = 4u << 20;

  Status Validate() const;
};

struct Reject {
  uint64_t line = 0;   // 1-based physical line where the bad record starts
  std::string reason;  // one line of English, e.g. "expected 7 fields, found 8"
  std::string raw;     // the record's bytes as found in the file (not re-encoded)
};

class BatchReader {
 public:
  virtual ~BatchReader() = default;

  // Fills `batch` with the next rows and appends this batch's bad rows to
  // `rejects`. Returns false once the input is exhausted (batch then empty).
  virtual Result<bool> Next(RecordBatch* batch, std::vector<Reject>* rejects) = 0;

  // Column names known so far (NDJSON may add columns as new keys appear).
  virtual const std::vector<std::string>& column_names() const = 0;
  InputFormat format() const { return format_; }
  Encoding encoding() const { return encoding_; }
  char delimiter() const { return delimiter_; }
  // Bytes consumed and the total when known, for progress.
  uint64_t bytes_read() const { return bytes_read_; }
  uint64_t bytes_total() const { return bytes_total_; }
  uint64_t rows_read() const { return rows_read_; }
  uint64_t rows_rejected() const { return rows_rejected_; }
  uint64_t blank_lines() const { return blank_lines_; }

 protected:
  InputFormat format_ = InputFormat::kCsv;
  Encoding encoding_ = Encoding::kUtf8;
  char delimiter_ = ',';
  uint64_t bytes_read_ = 0;
  uint64_t bytes_total_ = 0;
  uint64_t rows_read_ = 0;
  uint64_t rows_rejected_ = 0;
  uint64_t blank_lines_ = 0;
};

// Opens a reader over `source`, detecting what the options leave to auto.
// `name_hint` (a path) selects the format by extension (.ndjson, .jsonl, .json).
Result<std::unique_ptr<BatchReader>> OpenReader(std::unique_ptr<ByteSource> source, const ReaderOptions& options);

// Detects the CSV delimiter from the first lines of a sample: the candidate
// that splits the most lines into the same number (>1) of fields wins.
char DetectDelimiter(std::string_view sample);

}  // namespace doppel::core
