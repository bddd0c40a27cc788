#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "doppel/core/unicode.h"
#include "reader_internal.h"

namespace doppel::core {

std::unique_ptr<BatchReader> MakeCsvReader(std::unique_ptr<internal::InputBuffer> in, const ReaderOptions& options,
                                           Encoding encoding, char delimiter);
std::unique_ptr<BatchReader> MakeNdjsonReader(std::unique_ptr<internal::InputBuffer> in,
                                              const ReaderOptions& options, Encoding encoding);

Result<InputFormat> ParseInputFormat(std::string_view name) {
  if (name == "auto") return InputFormat::kAuto;
  if (name == "csv" || name == "tsv") return InputFormat::kCsv;
  if (name == "ndjson" || name == "jsonl" || name == "json") return InputFormat::kNdjson;
  return Status::InvalidArgument("unknown input format '" + std::string(name) + "' (use auto, csv or ndjson)");
}

Status ReaderOptions::Validate() const {
  if (batch_rows == 0) return Status::InvalidArgument("batch_rows must be positive");
  if (batch_bytes < 1024) return Status::InvalidArgument("batch_bytes must be at least 1024");
  if (max_record_bytes < 64) return Status::InvalidArgument("max_record_bytes must be at least 64");
  if (chunk_bytes < 4096) return Status::InvalidArgument("chunk_bytes must be at least 4096");
  if (delimiter == '"' || delimiter == '\n' || delimiter == '\r') {
    return Status::InvalidArgument("the delimiter cannot be a quote or a line break");
  }
  return Status::Ok();
}

namespace internal {

Result<bool> InputBuffer::Fill() {
  if (eof_) return false;
  if (pos_ > 0) {
    buf_.erase(0, pos_);
    base_ += pos_;
    pos_ = 0;
  }
  size_t have = buf_.size();
  buf_.resize(have + chunk_);
  auto got = source_->Read(buf_.data() + have, chunk_);
  if (!got.ok()) {
    buf_.resize(have);
    return got.status();
  }
  buf_.resize(have + *got);
  if (*got == 0) {
    eof_ = true;
    return false;
  }
  return true;
}

Status InputBuffer::SkipRestOfLine(bool cr_is_break) {
  while (true) {
    std::string_view d = data();
    size_t len = 0;
    size_t eol = FindLineBreak(d, 0, eof(), cr_is_break, &len);
    if (eol != std::string_view::npos) {
      Consume(eol + len);
      return Status::Ok();
    }
    // Keep a final '\r': its '\n' may come with the next chunk.
    Consume(!d.empty() && d.back() == '\r' && !eof() ? d.size() - 1 : d.size());
    DOPPEL_ASSIGN_OR_RETURN(bool more, Fill());
    if (!more && data().empty()) return Status::Ok();
  }
}

size_t FindLineBreak(std::string_view data, size_t from, bool at_eof, bool cr_is_break, size_t* len) {
  for (size_t i = from; i < data.size(); ++i) {
    char c = data[i];
    if (c == '\n') {
      *len = 1;
      return i;
    }
    if (c == '\r') {
      if (i + 1 < data.size()) {
        if (data[i + 1] == '\n') {
          *len = 2;
          return i;
        }
        if (cr_is_break) {
          *len = 1;
          return i;
        }
      } else if (at_eof && cr_is_break) {
        *len = 1;
        return i;
      } else {
        return std::string_view::npos;
      }
    }
  }
  return std::string_view::npos;
}

uint64_t CountLineBreaks(std::string_view data, size_t begin, size_t end) {
  uint64_t n = 0;
  for (size_t i = begin; i < end; ++i) {
    if (data[i] == '\n') ++n;
    else if (data[i] == '\r' && (i + 1 >= data.size() || data[i + 1] != '\n')) ++n;
  }
  return n;
}

bool DecodeField(std::string_view raw, Encoding encoding, std::string& out) {
  if (encoding == Encoding::kCp1251) {
    Cp1251ToUtf8(raw, out);
    return true;
  }
  if (!IsValidUtf8(raw)) return false;
  out.append(raw);
  return true;
}

std::string BadBytesReason(std::string_view column, std::string_view raw) {
  std::string reason = "invalid UTF-8 in column '" + std::string(column) + "'";
  if (DetectEncoding(raw).encoding == Encoding::kCp1251) {
    reason += " (looks like Windows-1251: try --encoding cp1251)";
  }
  return reason;
}

void MakeUniqueNames(std::vector<std::string>& names) {
  std::set<std::string> taken;
  for (size_t i = 0; i < names.size(); ++i) {
    std::string n(Trim(names[i]));
    if (n.empty()) n = "column_" + std::to_string(i + 1);
    // "phone_2,phone,phone" -> phone_2, phone, phone_3: suffix until unused.
    std::string candidate = n;
    for (int k = 2; taken.count(candidate) > 0; ++k) candidate = n + "_" + std::to_string(k);
    taken.insert(candidate);
    names[i] = std::move(candidate);
  }
}

}  // namespace internal

char DetectDelimiter(std::string_view sample) {
  static constexpr std::array<char, 4> kCandidates = {',', ';', '\t', '|'};
  char best = ',';
  double best_score = 0;
  // Fallback when no candidate splits most lines alike (a broken quote early
  // in the file): the one that splits the header into the most fields.
  char widest = ',';
  int widest_fields = 1;
  for (char d : kCandidates) {
    // Count fields per line, quote-aware, over the first 50 lines.
    std::vector<int> counts;
    int fields = 1;
    bool quoted = false, any = false;
    for (size_t i = 0; i < sample.size() && counts.size() < 50; ++i) {
      char c = sample[i];
      if (c == '"') quoted = !quoted;
      else if (!quoted && c == d) ++fields, any = true;
      else if (!quoted && (c == '\n' || c == '\r')) {
        if (c == '\r' && i + 1 < sample.size() && sample[i + 1] == '\n') ++i;
        counts.push_back(fields);
        fields = 1;
      } else if (!quoted) any = true;
    }
    if (any && counts.size() < 50) counts.push_back(fields);  // last line, maybe partial
    if (counts.empty() || counts[0] < 2) continue;
    if (counts[0] > widest_fields) widest_fields = counts[0], widest = d;
    // Score: how many lines agree with the header's count, times that count.
    int agree = static_cast<int>(std::count(counts.begin(), counts.end(), counts[0]));
    double share = static_cast<double>(agree) / counts.size();
    if (share < 0.6) continue;
    double score = share * counts[0];
    if (score > best_score) best_score = score, best = d;
  }
  return best_score > 0 ? best : widest;
}

namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  for (size_t i = 0; i < suffix.size(); ++i) {
    char c = s[s.size() - suffix.size() + i];
    if (c >= 'A' && c <= 'Z') c += 32;
    if (c != suffix[i]) return false;
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<BatchReader>> OpenReader(std::unique_ptr<ByteSource> source, const ReaderOptions& options) {
  DOPPEL_RETURN_IF_ERROR(options.Validate());
  // Detection looks at the first MiB (less when chunks are smaller, which
  // tests use to cross chunk boundaries).
  const size_t kSample = std::min<size_t>(1 << 20, options.chunk_bytes);
  auto read_sample = [kSample](ByteSource& src, std::string& sample) -> Status {
    size_t have = sample.size();
    while (have < kSample) {
      sample.resize(kSample);
      DOPPEL_ASSIGN_OR_RETURN(size_t got, src.Read(sample.data() + have, kSample - have));
      have += got;
      sample.resize(have);
      if (got == 0) break;
    }
    return Status::Ok();
  };
  std::string sample;
  DOPPEL_RETURN_IF_ERROR(read_sample(*source, sample));

  DetectedEncoding detected = DetectEncoding(sample);
  Encoding encoding = options.encoding == Encoding::kAuto ? detected.encoding : options.encoding;
  // Skip a BOM that matches the encoding in use.
  if (detected.bom_bytes > 0 && detected.encoding == encoding) sample.erase(0, detected.bom_bytes);
  std::string name = source->name();
  if (encoding == Encoding::kUtf16Le || encoding == Encoding::kUtf16Be) {
    source = MakeUtf16ToUtf8Source(std::move(source), encoding == Encoding::kUtf16Be, std::move(sample));
    sample.clear();
    DOPPEL_RETURN_IF_ERROR(read_sample(*source, sample));
    encoding = Encoding::kUtf8;
  }

  InputFormat format = options.format;
  if (format == InputFormat::kAuto) {
    if (EndsWith(name, ".ndjson") || EndsWith(name, ".jsonl") || EndsWith(name, ".json")) {
      format = InputFormat::kNdjson;
    } else {
      size_t i = sample.find_first_not_of(" \t\r\n");
      format = (i != std::string::npos && sample[i] == '{') ? InputFormat::kNdjson : InputFormat::kCsv;
    }
  }
  char delimiter = options.delimiter != 0 ? options.delimiter : DetectDelimiter(sample);
  auto in = std::make_unique<internal::InputBuffer>(std::move(source), std::move(sample), options.chunk_bytes);
  if (format == InputFormat::kNdjson) return MakeNdjsonReader(std::move(in), options, encoding);
  return MakeCsvReader(std::move(in), options, encoding, delimiter);
}

}  // namespace doppel::core
