// The CSV/NDJSON reader (core/reader.h) on arbitrary bytes.
// Byte 0 picks options (header, delimiter, format, chunking); the rest is the
// file. Invariants:
//  - it never fails on content: every bad row is a reject, never an error;
//  - every value handed out is valid UTF-8 and rows come in line order;
//  - short reads do not matter: a source that hands out 1..16 bytes per
//    read (as a pipe may) gives the same columns, rows, lines and rejects as
//    one that hands out everything at once, so records, quotes, multi-byte
//    characters and CRLFs split across reads are all put back together.
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "doppel/core/reader.h"
#include "doppel/core/unicode.h"
#include "fuzz.h"

namespace {

using namespace doppel;
using doppel::fuzz::Show;

struct Read {
  bool ok = true;
  std::string error;
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
  std::vector<uint64_t> lines;
  std::vector<std::string> rejects;  // "line|reason|raw"
  core::Encoding encoding = core::Encoding::kUtf8;
  char delimiter = ',';
  core::InputFormat format = core::InputFormat::kCsv;
};

// Hands out at most `step` bytes per Read, varying the step as it goes.
class TrickleSource final : public core::ByteSource {
 public:
  TrickleSource(std::string data, size_t step) : data_(std::move(data)), step_(step) {}
  Result<size_t> Read(char* buf, size_t n) override {
    size_t k = std::min({n, data_.size() - pos_, 1 + (step_ + pos_) % 16});
    std::memcpy(buf, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }
  uint64_t size() const override { return data_.size(); }
  std::string name() const override { return "<trickle>"; }

 private:
  std::string data_;
  size_t step_, pos_ = 0;
};

Read ReadAll(std::unique_ptr<core::ByteSource> source, const core::ReaderOptions& options) {
  Read out;
  auto reader = core::OpenReader(std::move(source), options);
  if (!reader.ok()) {
    out.ok = false;
    out.error = reader.status().ToString();
    return out;
  }
  out.encoding = (*reader)->encoding();
  out.delimiter = (*reader)->delimiter();
  out.format = (*reader)->format();
  core::RecordBatch batch;
  std::vector<core::Reject> rejects;
  for (;;) {
    auto more = (*reader)->Next(&batch, &rejects);
    if (!more.ok()) {
      out.ok = false;
      out.error = more.status().ToString();
      return out;
    }
    FUZZ_CHECK(batch.num_rows() <= options.batch_rows, "batch over batch_rows");
    for (size_t r = 0; r < batch.num_rows(); ++r) {
      std::vector<std::string> row;
      for (size_t c = 0; c < batch.num_columns(); ++c) {
        std::string_view v = batch.Value(r, c);
        FUZZ_CHECK(core::IsValidUtf8(v), "value not UTF-8: " + Show(v));
        row.emplace_back(v);
      }
      FUZZ_CHECK(out.lines.empty() || batch.lines[r] > out.lines.back(), "rows out of line order");
      out.lines.push_back(batch.lines[r]);
      out.rows.push_back(std::move(row));
    }
    if (!*more) break;
  }
  for (const auto& rej : rejects) {
    FUZZ_CHECK(rej.line >= 1, "reject without a line");
    FUZZ_CHECK(!rej.reason.empty(), "reject without a reason");
    out.rejects.push_back(std::to_string(rej.line) + "|" + rej.reason + "|" + rej.raw);
  }
  out.columns = (*reader)->column_names();
  for (const auto& c : out.columns) FUZZ_CHECK(core::IsValidUtf8(c), "column name not UTF-8: " + Show(c));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  const std::string bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  core::ReaderOptions o;
  o.header = (flags & 1) == 0;
  static const char kDelims[4] = {0, ',', ';', '\t'};
  o.delimiter = kDelims[(flags >> 1) & 3];
  o.format = (flags & 8) ? core::InputFormat::kNdjson : ((flags & 16) ? core::InputFormat::kCsv : core::InputFormat::kAuto);
  o.batch_rows = 1 + (flags >> 5);  // 1..8: many batch boundaries
  o.max_record_bytes = 512;         // over-long records happen too
  o.chunk_bytes = 4096;             // the smallest allowed: fast, and inputs up to 4 KiB
  Read whole = ReadAll(std::make_unique<core::MemorySource>(bytes), o);
  Read chunked = ReadAll(std::make_unique<TrickleSource>(bytes, flags), o);
  FUZZ_CHECK(chunked.ok == whole.ok, "short reads changed the outcome: " + whole.error + " / " + chunked.error);
  if (!whole.ok) {
    // Only options can fail an open (never the content).
    FUZZ_CHECK(!whole.error.empty(), "an error without a message");
    return 0;
  }
  FUZZ_CHECK(chunked.columns == whole.columns, "columns differ with short reads");
  FUZZ_CHECK(chunked.rows == whole.rows, "rows differ with short reads");
  FUZZ_CHECK(chunked.lines == whole.lines, "lines differ with short reads");
  FUZZ_CHECK(chunked.rejects == whole.rejects, "rejects differ with short reads");
  return 0;
}
