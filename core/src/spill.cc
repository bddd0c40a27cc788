#include "doppel/core/spill.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>

namespace doppel::core {

// ---- PairBudget -----------------------------------------------------------

bool PairBudget::Take(uint64_t bytes) {
  if (space_ == nullptr) {
    held_.fetch_add(bytes);
    return true;
  }
  uint64_t held = held_.load();
  do {
    if (held + bytes > limit_ || held + bytes < held) return false;
  } while (!held_.compare_exchange_weak(held, held + bytes));
  return true;
}

Status PairBudget::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

void PairBudget::Fail(Status s) {
  std::lock_guard<std::mutex> lock(mu_);
  if (status_.ok()) status_ = std::move(s);
}

// ---- PairRun --------------------------------------------------------------

PairRun PairRun::Make(std::vector<uint64_t> pairs, PairBudget* budget) {
  Builder builder(pairs.size(), budget);
  builder.Append(pairs.data(), pairs.size());
  return builder.Finish();
}

PairRun::Builder::Builder(uint64_t at_most, PairBudget* budget) : at_most_(at_most) {
  run_.budget_ = budget;
  const uint64_t bytes = at_most * sizeof(uint64_t);
  if (budget->Take(bytes)) {
    run_.memory_.reserve(at_most);
    run_.held_ = bytes;
    return;
  }
  auto file = budget->space()->NewFile();
  if (!file.ok()) {
    budget->Fail(Status(file.status().code(), "spilling candidate pairs: " + file.status().message()));
    failed_ = true;
    return;
  }
  run_.file_ = std::move(*file);
}

void PairRun::Builder::Append(const uint64_t* values, size_t count) {
  if (failed_ || count == 0) return;
  if (run_.size_ + count > at_most_) {  // a caller's bug: more than it announced
    run_.budget_->Fail(Status::Internal("a pair run got more pairs than announced"));
    failed_ = true;
    return;
  }
  if (run_.file_ == nullptr) {
    run_.memory_.insert(run_.memory_.end(), values, values + count);
  } else if (Status s = run_.file_->Append(values, count * sizeof(uint64_t)); !s.ok()) {
    run_.budget_->Fail(Status(s.code(), "spilling candidate pairs: " + s.message()));
    failed_ = true;
    return;
  } else {
    run_.budget_->AddSpilled(count * sizeof(uint64_t));
  }
  run_.size_ += count;
}

PairRun PairRun::Builder::Finish() {
  if (failed_) {
    run_.size_ = 0;
    run_.memory_ = {};
  }
  // The budget held for pairs that did not come goes back (their reserved
  // pages were never touched).
  const uint64_t used = run_.memory_.size() * sizeof(uint64_t);
  if (run_.held_ > used) {
    run_.budget_->Give(run_.held_ - used);
    run_.held_ = used;
  }
  return std::move(run_);
}

PairRun::~PairRun() {
  if (budget_ != nullptr && held_ > 0) budget_->Give(held_);
}

PairRun& PairRun::operator=(PairRun&& other) noexcept {
  if (this == &other) return *this;
  if (budget_ != nullptr && held_ > 0) budget_->Give(held_);
  memory_ = std::move(other.memory_);
  file_ = std::move(other.file_);
  size_ = std::exchange(other.size_, 0);
  released_ = std::exchange(other.released_, 0);
  budget_ = std::exchange(other.budget_, nullptr);
  held_ = std::exchange(other.held_, 0);
  return *this;
}

uint64_t PairRun::At(size_t i) const {
  if (file_ == nullptr) return memory_[i];
  uint64_t v = 0;
  if (Status s = file_->ReadAt(i * sizeof v, &v, sizeof v); !s.ok()) {
    budget_->Fail(Status(s.code(), "reading spilled candidate pairs: " + s.message()));
  }
  return v;
}

size_t PairRun::LowerBound(uint64_t v) const {
  if (file_ == nullptr) return static_cast<size_t>(std::lower_bound(memory_.begin(), memory_.end(), v) - memory_.begin());
  size_t lo = 0, hi = size_;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (At(mid) < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

void PairRun::ReleaseBefore(size_t pos) {
  if (file_ != nullptr || pos <= released_) return;
  // Whole pages strictly inside the values (the allocator's header before
  // them stays), handed back to the kernel; reading them again would see
  // zeros, and nothing does.
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const auto begin = reinterpret_cast<uintptr_t>(memory_.data());
  const uintptr_t from = (begin + released_ * sizeof(uint64_t) + page - 1) / page * page;
  const uintptr_t to = (begin + pos * sizeof(uint64_t)) / page * page;
  if (to > from) madvise(reinterpret_cast<void*>(from), to - from, MADV_DONTNEED);
  const uint64_t freed = (pos - released_) * sizeof(uint64_t);
  released_ = pos;
  if (budget_ != nullptr && held_ > 0) {
    const uint64_t give = std::min(freed, held_);
    budget_->Give(give);
    held_ -= give;
  }
}

PairRun::Reader::Reader(const PairRun& run, size_t from, size_t to) : run_(&run), pos_(from), to_(to) {}

bool PairRun::Reader::Next(const uint64_t** at, const uint64_t** end) {
  if (pos_ >= to_) return false;
  if (run_->file_ == nullptr) {
    *at = run_->memory_.data() + pos_;
    *end = run_->memory_.data() + to_;
    pos_ = to_;
    return true;
  }
  constexpr size_t kBlock = 8192;  // 64 KB a read
  const size_t count = std::min(kBlock, to_ - pos_);
  buffer_.resize(count);
  if (Status s = run_->file_->ReadAt(pos_ * sizeof(uint64_t), buffer_.data(), count * sizeof(uint64_t)); !s.ok()) {
    run_->budget_->Fail(Status(s.code(), "reading spilled candidate pairs: " + s.message()));
    pos_ = to_;
    return false;
  }
  pos_ += count;
  *at = buffer_.data();
  *end = buffer_.data() + count;
  return true;
}

// ---- LevelStore -----------------------------------------------------------

// The pairs and, with levels, a level per comparison.
uint64_t LevelStore::Bytes(uint64_t count) const {
  return count * (sizeof(std::pair<uint32_t, uint32_t>) + (with_levels_ ? kComparisonCount : 0));
}

LevelStore::~LevelStore() {
  if (held_ > 0) budget_->Give(held_);
}

void LevelStore::Append(std::vector<std::pair<uint32_t, uint32_t>> pairs, PairLevels levels) {
  Chunk chunk;
  chunk.count = pairs.size();
  pairs_ += pairs.size();
  const uint64_t bytes = Bytes(pairs.size());
  if (budget_->Take(bytes)) {
    held_ += bytes;
    chunk.pairs = std::move(pairs);
    if (with_levels_) chunk.levels = std::move(levels);
    chunks_.push_back(std::move(chunk));
    return;
  }
  Status s;
  if (file_ == nullptr) {
    auto file = budget_->space()->NewFile();
    if (file.ok()) file_ = std::move(*file);
    else s = file.status();
  }
  // The chunk's pairs, then each comparison's levels.
  if (s.ok()) s = file_->Append(pairs.data(), pairs.size() * sizeof(pairs[0]));
  for (size_t c = 0; c < kComparisonCount && s.ok() && with_levels_; ++c) {
    s = file_->Append(levels.levels[c].data(), chunk.count);
  }
  if (!s.ok()) {
    budget_->Fail(Status(s.code(), "spilling compared pairs: " + s.message()));
    return;
  }
  chunk.offset = file_size_;
  chunk.spilled = true;
  file_size_ += bytes;
  budget_->AddSpilled(bytes);
  chunks_.push_back(std::move(chunk));
}

LevelStore::View LevelStore::Get(size_t c, Scratch* scratch) const {
  const Chunk& chunk = chunks_[c];
  if (!chunk.spilled) return {chunk.pairs, &chunk.levels};
  const size_t n = chunk.count;
  scratch->pairs.resize(n);
  uint64_t at = chunk.offset;
  Status s = file_->ReadAt(at, scratch->pairs.data(), n * sizeof(scratch->pairs[0]));
  at += n * sizeof(scratch->pairs[0]);
  for (size_t k = 0; k < kComparisonCount && s.ok(); ++k, at += n) {
    scratch->levels.levels[k].resize(with_levels_ ? n : 0);
    if (with_levels_) s = file_->ReadAt(at, scratch->levels.levels[k].data(), n);
  }
  if (!s.ok()) {
    budget_->Fail(Status(s.code(), "reading spilled compared pairs: " + s.message()));
    scratch->pairs.clear();
    for (auto& l : scratch->levels.levels) l.clear();
  }
  return {scratch->pairs, &scratch->levels};
}

void LevelStore::Release(size_t c) {
  Chunk& chunk = chunks_[c];
  if (chunk.spilled || chunk.pairs.empty()) return;
  const uint64_t bytes = Bytes(chunk.count);
  std::vector<std::pair<uint32_t, uint32_t>>().swap(chunk.pairs);
  chunk.levels = PairLevels();
  budget_->Give(bytes);
  held_ -= bytes;
}

}  // namespace doppel::core
