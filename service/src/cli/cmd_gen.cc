// doppel gen: a synthetic client base with ground truth.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <streambuf>

#include "cli/common.h"
#include "doppel/core/generator.h"
#include "doppel/storage/file.h"

namespace doppel::cli {

namespace {

struct GenFlags {
  uint64_t rows = 10000;
  uint64_t seed = 42;
  std::string locale = "ru";
  double dup_rate = 0.2;
  double household_rate = 0.05;
  double namesake_rate = 0.01;
  std::string out_dir;
  std::string data_dir;
  std::string today;
  bool quiet = false;
};

// An ostream buffer that writes into an AtomicFile.
class AtomicBuf : public std::streambuf {
 public:
  explicit AtomicBuf(storage::AtomicFile* f) : f_(f) { setp(buf_, buf_ + sizeof buf_); }
  ~AtomicBuf() override { sync(); }
  int sync() override {
    f_->Write(std::string_view(pbase(), pptr() - pbase()));
    setp(buf_, buf_ + sizeof buf_);
    return 0;
  }
  int_type overflow(int_type c) override {
    sync();
    if (c != traits_type::eof()) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    if (n > epptr() - pptr()) {
      sync();
      f_->Write(std::string_view(s, static_cast<size_t>(n)));
      return n;
    }
    std::memcpy(pptr(), s, static_cast<size_t>(n));
    pbump(static_cast<int>(n));
    return n;
  }

 private:
  storage::AtomicFile* f_;
  char buf_[1 << 16];
};

std::string DefaultDataDir() {
  if (const char* env = std::getenv("DOPPEL_DATA_DIR"); env != nullptr && *env) return env;
  for (const char* candidate : {"../shared/data", "../../shared/data"}) {
    if (storage::PathExists(candidate)) return candidate;
  }
  return "";
}

}  // namespace

Status GenerateBase(const core::GeneratorOptions& options, const std::string& data_dir_flag,
                    const std::string& out_dir, Progress& progress, core::GeneratorStats* stats) {
  std::string data_dir = data_dir_flag.empty() ? DefaultDataDir() : data_dir_flag;
  if (data_dir == "builtin") data_dir.clear();
  DOPPEL_ASSIGN_OR_RETURN(auto lists, core::LoadGeneratorLists(data_dir, options.locale));
  progress.Note("lists from " + lists.source);
  DOPPEL_RETURN_IF_ERROR(storage::MakeDirs(out_dir));
  DOPPEL_ASSIGN_OR_RETURN(auto base_file, storage::AtomicFile::Create(out_dir + "/base.csv"));
  DOPPEL_ASSIGN_OR_RETURN(auto truth_file, storage::AtomicFile::Create(out_dir + "/truth.csv"));
  {
    AtomicBuf base_buf(base_file.get()), truth_buf(truth_file.get());
    std::ostream base(&base_buf), truth(&truth_buf);
    DOPPEL_ASSIGN_OR_RETURN(*stats, core::Generate(options, lists, base, truth,
                                                   [&](uint64_t rows) { progress.Update(rows); }));
    base.flush();
    truth.flush();
  }
  DOPPEL_RETURN_IF_ERROR(base_file->Commit());
  DOPPEL_RETURN_IF_ERROR(truth_file->Commit());
  return Status::Ok();
}

namespace {

int RunGen(const GenFlags& f) {
  core::GeneratorOptions o;
  o.rows = f.rows;
  o.seed = f.seed;
  o.dup_rate = f.dup_rate;
  o.household_rate = f.household_rate;
  o.namesake_rate = f.namesake_rate;
  auto locale = core::ParseLocale(f.locale);
  if (!locale.ok()) return Fail(locale.status());
  o.locale = *locale;
  if (!f.today.empty()) {
    auto day = core::ParseDay(f.today);
    if (!day.ok()) return Fail(day.status());
    o.today = *day;
  }
  if (Status s = o.Validate(); !s.ok()) return Fail(s);
  core::GeneratorStats stats;
  Progress progress("gen", f.quiet);
  if (Status s = GenerateBase(o, f.data_dir, f.out_dir, progress, &stats); !s.ok()) return Fail(s);
  progress.Done(stats.rows);
  std::printf("Generated %s rows (%s entities: %s duplicate rows, %s relatives, %s namesakes), locale %s, seed %llu\n",
              std::to_string(stats.rows).c_str(), std::to_string(stats.entities).c_str(),
              std::to_string(stats.duplicates).c_str(), std::to_string(stats.relatives).c_str(),
              std::to_string(stats.namesakes).c_str(), f.locale.c_str(), static_cast<unsigned long long>(f.seed));
  std::printf("  %s/base.csv\n  %s/truth.csv\n", f.out_dir.c_str(), f.out_dir.c_str());
  return kExitOk;
}

}  // namespace

Command RegisterGen(CLI::App& app) {
  auto f = std::make_shared<GenFlags>();
  CLI::App* sub = app.add_subcommand("gen", "Generate a synthetic client base with ground truth");
  sub->add_option("--rows", f->rows, "Rows to write (default: 10000)");
  sub->add_option("--seed", f->seed, "Random seed; the same seed gives the same bytes (default: 42)");
  sub->add_option("--locale", f->locale, "ru or en (default: ru)");
  sub->add_option("--dup-rate", f->dup_rate, "Share of rows that duplicate another row's person (default: 0.2)");
  sub->add_option("--household-rate", f->household_rate, "Share of people with a relative at the same address (default: 0.05)");
  sub->add_option("--namesake-rate", f->namesake_rate, "Share of people with a namesake (default: 0.01)");
  sub->add_option("--out", f->out_dir, "Output directory for base.csv and truth.csv")->required();
  sub->add_option("--data-dir", f->data_dir,
                  "Reference lists (../shared/data layout); 'builtin' for the small built-in lists "
                  "(default: $DOPPEL_DATA_DIR, else ../shared/data when present)");
  sub->add_option("--today", f->today, "Reference date for ages and activity dates (default: 2026-12-01)");
  sub->add_flag("-q,--quiet", f->quiet, "No progress on stderr");
  return [f] { return RunGen(*f); };
}

}  // namespace doppel::cli
