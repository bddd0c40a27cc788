#include "cli/common.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "doppel/core/phone.h"
#include "doppel/core/writers.h"
#include "doppel/storage/file.h"

namespace doppel::cli {

void InputFlags::Register(CLI::App* app) {
  app->add_option("--config", config_path, "TOML file with [input], [columns], [normalize], [dedupe] settings");
  app->add_option("--format", format, "Input format: auto, csv or ndjson (default: auto)");
  app->add_option("--encoding", encoding, "Input encoding: auto, utf-8, cp1251, utf-16le, utf-16be (default: auto)");
  app->add_option("--delimiter", delimiter, "CSV delimiter: one character or 'tab' (default: detected)");
  app->add_flag("--no-header", no_header, "The first CSV row is data, columns are column_1..N");
  app->add_option("--map", maps, "Set a column's role: role=column (repeatable), e.g. --map phone=\"Моб. тел\"")
      ->allow_extra_args(false);
  app->add_flag("--no-infer", no_infer, "Do not infer roles from headers; use --map only");
  app->add_option("--region", region, "Default phone region for numbers without a country code (default: RU)");
  app->add_option("--date-order", date_order, "How to read slash dates like 03/04/1990: dmy or mdy (default: dmy)");
  app->add_option("--today", today, "Today's date for future-date and staleness checks (default: the system date)");
  app->add_option("--threads", threads, "Worker threads (default: all cores)");
  app->add_option("--backend", backend, "Kernel backend: auto, reference, simd or cuda (default: $DOPPEL_BACKEND or auto)");
  app->add_flag("-q,--quiet", quiet, "No progress on stderr");
}

Result<core::JobConfig> InputFlags::Resolve() const {
  core::JobConfig c;
  int32_t today_value = TodayFromClock();
  c.normalize.birth_date.today = today_value;
  c.normalize.other_dates.today = today_value;
  c.profile.today = today_value;
  if (!config_path.empty()) {
    DOPPEL_ASSIGN_OR_RETURN(std::string text, storage::ReadFile(config_path));
    DOPPEL_RETURN_IF_ERROR(core::ApplyConfigToml(text, config_path, &c));
  }
  if (!format.empty()) {
    DOPPEL_ASSIGN_OR_RETURN(c.reader.format, core::ParseInputFormat(format));
  }
  if (!encoding.empty()) {
    DOPPEL_ASSIGN_OR_RETURN(c.reader.encoding, core::ParseEncoding(encoding));
  }
  if (!delimiter.empty()) {
    if (delimiter == "tab" || delimiter == "\\t") c.reader.delimiter = '\t';
    else if (delimiter == "auto") c.reader.delimiter = 0;
    else if (delimiter.size() == 1) c.reader.delimiter = delimiter[0];
    else return Status::InvalidArgument("--delimiter must be one character, 'tab' or 'auto'");
  }
  if (no_header) c.reader.header = false;
  if (no_infer) c.infer_roles = false;
  for (const auto& m : maps) {
    DOPPEL_ASSIGN_OR_RETURN(core::RoleOverride o, core::ParseRoleOverride(m));
    c.columns.push_back(std::move(o));
  }
  if (!region.empty()) c.normalize.phone.default_region = region;
  if (!date_order.empty()) {
    DOPPEL_ASSIGN_OR_RETURN(core::DateOrder order, core::ParseDateOrder(date_order));
    c.normalize.birth_date.slash_order = order;
    c.normalize.other_dates.slash_order = order;
  }
  if (!today.empty()) {
    DOPPEL_ASSIGN_OR_RETURN(int32_t day, core::ParseDay(today));
    c.normalize.birth_date.today = day;
    c.normalize.other_dates.today = day;
    c.profile.today = day;
  }
  if (threads != 0) c.normalize.threads = threads;
  if (!backend.empty()) c.backend = backend;
  DOPPEL_RETURN_IF_ERROR(c.Validate());
  return c;
}

int Fail(const Status& status) { return Fail(status.ToString()); }

int Fail(const std::string& message) {
  std::fprintf(stderr, "doppel: %s\n", message.c_str());
  return kExitFailure;
}

Progress::Progress(std::string what, bool quiet)
    : what_(std::move(what)), quiet_(quiet), tty_(::isatty(2) != 0), start_(std::chrono::steady_clock::now()),
      last_(start_) {}

double Progress::Seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::Update(uint64_t rows, uint64_t bytes, uint64_t total_bytes) {
  if (quiet_) return;
  auto now = std::chrono::steady_clock::now();
  // Every second on a terminal; every 5 seconds into a log.
  if (now - last_ < std::chrono::seconds(tty_ ? 1 : 5)) return;
  last_ = now;
  double secs = Seconds();
  std::string pct;
  if (total_bytes > 0) pct = " (" + std::to_string(static_cast<int>(100.0 * bytes / total_bytes)) + "%)";
  std::fprintf(stderr, "%s%s: %llu rows%s, %.0f rows/s%s", tty_ ? "\r" : "", what_.c_str(),
               static_cast<unsigned long long>(rows), pct.c_str(), secs > 0 ? rows / secs : 0.0, tty_ ? "   " : "\n");
  printed_ = true;
}

void Progress::Note(const std::string& message) const {
  if (!quiet_) std::fprintf(stderr, "%s: %s\n", what_.c_str(), message.c_str());
}

void Progress::Warn(const std::string& message) const {
  std::fprintf(stderr, "%sdoppel: note: %s\n", !quiet_ && tty_ && printed_ ? "\n" : "", message.c_str());
}

void Progress::Done(uint64_t rows) {
  if (quiet_) return;
  double secs = Seconds();
  std::fprintf(stderr, "%s%s: %llu rows in %.2f s (%.0f rows/s)\n", tty_ && printed_ ? "\r" : "", what_.c_str(),
               static_cast<unsigned long long>(rows), secs, secs > 0 ? rows / secs : 0.0);
}

namespace {

// Reads batches on one thread and normalizes them on another (normalizing
// on the pipeline's worker threads), up to three ahead of the consumer:
// the consumer's work on one batch overlaps normalizing the next and
// parsing the one after (parsing is serial; while it waited for the
// normalizer, cores stood idle). Batches cycle through a pool of four,
// free -> parsed -> full -> free; the order is the file's.
class ReadAhead {
 public:
  struct Item {
    core::RecordBatch batch;
    std::vector<core::Reject> rejects;
    std::vector<std::string> names;            // the reader's columns after this batch
    std::shared_ptr<const core::FieldMap> map;  // the map this batch was normalized with
    std::vector<core::NormalizedRecord> records;
    uint64_t bytes_read = 0, bytes_total = 0;
    bool more = false;
    Status status;
  };

  ReadAhead(core::BatchReader& reader, const core::JobConfig& config, bool ndjson)
      : reader_(reader), config_(config), ndjson_(ndjson) {
    for (auto& item : pool_) free_.push_back(&item);
    parser_ = std::thread([this] { Parse(); });
    try {
      normalizer_ = std::thread([this] { Normalize(); });
    } catch (...) {
      Stop();  // no thread left running on a half-made object
      throw;
    }
  }
  ~ReadAhead() { Stop(); }
  // The next batch in file order; hand it back with Release when done.
  Item* Next() { return Take(full_); }
  void Release(Item* item) { Put(free_, item); }

 private:
  // Pops the front of `queue` when there is one; nullptr once stopped
  // (the consumer is gone: no more work for anyone).
  Item* Take(std::deque<Item*>& queue) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return stop_ || !queue.empty(); });
    if (stop_) return nullptr;
    Item* item = queue.front();
    queue.pop_front();
    return item;
  }
  void Put(std::deque<Item*>& queue, Item* item) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue.push_back(item);
    }
    cv_.notify_all();
  }
  static bool Last(const Item& item) { return !item.more || !item.status.ok(); }
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (parser_.joinable()) parser_.join();
    if (normalizer_.joinable()) normalizer_.join();
  }

  void Parse() {
    std::shared_ptr<const core::FieldMap> map;
    size_t mapped_columns = SIZE_MAX;
    while (true) {
      Item* item = Take(free_);
      if (item == nullptr) return;  // stopped
      item->rejects.clear();
      item->records.clear();
      auto more = reader_.Next(&item->batch, &item->rejects);
      item->status = more.ok() ? Status::Ok() : more.status();
      item->more = more.ok() && *more;
      item->names = reader_.column_names();
      item->bytes_read = reader_.bytes_read();
      item->bytes_total = reader_.bytes_total();
      if (item->status.ok() && item->names.size() != mapped_columns) {
        // NDJSON keys may first appear deep in the file: a --map naming one
        // is kept pending instead of failing.
        auto built = core::FieldMap::Build(item->names, config_.columns, config_.infer_roles, ndjson_);
        if (built.ok()) {
          map = std::make_shared<const core::FieldMap>(std::move(*built));
          mapped_columns = item->names.size();
        } else {
          item->status = built.status();
        }
      }
      item->map = map;
      const bool last = Last(*item);
      Put(parsed_, item);
      if (last) return;
    }
  }

  void Normalize() {
    while (true) {
      Item* item = Take(parsed_);
      if (item == nullptr) return;  // stopped
      if (item->status.ok() && item->more) {
        core::NormalizeBatch(item->batch, *item->map, config_.normalize, &item->records);
      }
      const bool last = Last(*item);
      Put(full_, item);
      if (last) return;
    }
  }

  core::BatchReader& reader_;
  const core::JobConfig& config_;
  const bool ndjson_;
  std::array<Item, 4> pool_;
  std::deque<Item*> free_, parsed_, full_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread parser_, normalizer_;
};

// Phone numbers shaped like numbers (not placeholders, not text) and how
// many of them the numbering plan refused.
struct PhoneTally {
  uint64_t numbers = 0, refused = 0;
};

// `home`: "+" and the default region's calling code. A refused number that
// parsed to another country's code was written with that code, so the
// default region had no part in refusing it: not counted.
void CountPhones(const std::vector<core::NormalizedRecord>& records, const std::string& home, PhoneTally* t) {
  for (const auto& r : records) {
    for (const auto& p : r.phones) {
      const core::Reason why = p.verdict.reason;
      if (p.verdict.usable()) {
        ++t->numbers;
      } else if (why == core::Reason::kPhoneInvalid || why == core::Reason::kPhoneTooShort ||
                 why == core::Reason::kPhoneTooLong) {
        if (!p.e164.empty() && p.e164.compare(0, home.size(), home) != 0) continue;
        ++t->numbers;
        ++t->refused;
      }
    }
  }
}

// Most numbers refused is what a base from another country looks like when
// read with the default region (US numbers read as Russian ones): said on
// stderr, even with -q, since matching then loses its best evidence.
void NoteWrongPhoneRegion(const PhoneTally& t, const std::string& region, const std::string& path,
                          const Progress& progress) {
  if (t.numbers < 100 || t.refused * 2 <= t.numbers) return;
  progress.Warn(path + ": " + core::Percent(t.refused, t.numbers) + " of " + core::WithThousands(t.numbers) +
                " phone numbers are not valid in region " + region +
                ", the region for numbers without a country code; if the base is from another country, say so "
                "with --region (e.g. --region US) or [normalize] phone_region");
}

}  // namespace

Result<PipelineResult> RunPipeline(
    const std::string& path, const core::JobConfig& config, Progress& progress,
    const std::function<Status(const core::FieldMap&, const std::vector<std::string>&)>& on_schema,
    const std::function<void(const BatchView&)>& on_batch,
    const std::function<void(const std::vector<core::Reject>&)>& on_rejects) {
  PipelineResult out;
  PhoneTally phones;
  const std::string home = "+" + std::to_string(core::CallingCodeOfRegion(config.normalize.phone.default_region));
  DOPPEL_ASSIGN_OR_RETURN(auto source, storage::OpenFileSource(path));
  DOPPEL_ASSIGN_OR_RETURN(out.reader, core::OpenReader(std::move(source), config.reader));
  const bool ndjson = out.reader->format() == core::InputFormat::kNdjson;
  {
    ReadAhead ahead(*out.reader, config, ndjson);
    const core::FieldMap* mapped = nullptr;
    while (true) {
      ReadAhead::Item* item = ahead.Next();
      // Hands the item back however this iteration ends.
      std::unique_ptr<ReadAhead::Item, std::function<void(ReadAhead::Item*)>> hold(
          item, [&](ReadAhead::Item* it) { ahead.Release(it); });
      DOPPEL_RETURN_IF_ERROR(item->status);
      if (item->map.get() != mapped) {
        out.map = *item->map;
        DOPPEL_RETURN_IF_ERROR(on_schema(out.map, item->names));
        mapped = item->map.get();
      }
      if (!item->rejects.empty()) {
        out.rejected += item->rejects.size();
        on_rejects(item->rejects);
      }
      if (!item->more) break;
      out.records += item->records.size();
      CountPhones(item->records, home, &phones);
      on_batch(BatchView{item->batch, out.map, item->names, item->records});
      progress.Update(out.records + out.rejected, item->bytes_read, item->bytes_total);
    }
  }
  NoteWrongPhoneRegion(phones, config.normalize.phone.default_region, path, progress);
  if (ndjson) {
    const auto& names = out.reader->column_names();
    for (const auto& o : config.columns) {
      if (!o.column.empty() && std::find(names.begin(), names.end(), o.column) == names.end()) {
        std::fprintf(stderr, "doppel: warning: --map %s=%s: no record had the key '%s'\n",
                     std::string(core::RoleName(o.role)).c_str(), o.column.c_str(), o.column.c_str());
      }
    }
  }
  return out;
}

namespace {
// At exit, when the cuda backend sent batches back to the CPU: said even
// with -q, since the run was slower than asked for (the results are the
// same).
void NoteGpuFallbacks() {
  const kernels::GpuFallbacks f = kernels::GetGpuFallbacks();
  if (f.batches == 0) return;
  std::fprintf(stderr, "doppel: note: %s GPU batch%s ran on the CPU instead (same results); the first: %s\n",
               core::WithThousands(f.batches).c_str(), f.batches == 1 ? "" : "es", f.first_reason.c_str());
}
}  // namespace

const kernels::KernelTable& ChooseKernels(const core::JobConfig& config) {
  kernels::BackendChoice choice = kernels::ChooseBackend(config.backend);
  if (!choice.note.empty()) std::fprintf(stderr, "doppel: %s\n", choice.note.c_str());
  if (choice.backend == kernels::Backend::kCuda) {
    static const bool registered = std::atexit(NoteGpuFallbacks) == 0;
    (void)registered;
  }
  kernels::SetActiveBackend(choice.backend);  // for the text normalizers too
  return kernels::GetKernels(choice.backend);
}

void AppendRejectRows(std::string& out, const std::vector<core::Reject>& rejects) {
  for (const auto& r : rejects) core::AppendCsvRow(out, {std::to_string(r.line), r.reason, r.raw});
}

int32_t TodayFromClock() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status AuditCli(storage::Store& store, std::string op, std::vector<uint64_t> entities, std::string detail,
                int64_t time_ms) {
  storage::AuditEvent e;
  e.time_ms = time_ms != 0 ? time_ms : NowMs();
  const char* user = std::getenv("USER");
  e.client = std::string("cli:") + (user != nullptr ? user : "?");
  e.role = "admin";
  e.op = std::move(op);
  if (entities.size() > 100) entities.resize(100);
  e.entities = std::move(entities);
  e.outcome = "ok";
  e.detail = std::move(detail);
  return store.Audit(std::move(e));
}

}  // namespace doppel::cli
