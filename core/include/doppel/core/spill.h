// Spilling: candidate-pair lists that need not fit in memory.
//
// Fuzzy matching holds two kinds of per-pair data: each blocking rule's
// sorted pair list (until their union) and the union's pairs with their
// comparison levels (until scoring). Together they are about 25 bytes a
// candidate pair, more than the records themselves on a large base. A
// PairBudget says how many of those bytes may stay in RAM; what does not fit
// goes to temporary files the caller provides (core does no I/O of its own:
// storage::TempFileSpace makes unlinked files in a directory, gone even after
// kill -9). The results do not depend on what spilled: the same pairs come
// back in the same order.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "doppel/core/comparison.h"
#include "doppel/core/status.h"
#include "doppel/kernels/big_buffers.h"

namespace doppel::core {

// A temporary file: appended to once, then read at offsets (from several
// threads at a time).
class SpillFile {
 public:
  virtual ~SpillFile() = default;
  virtual Status Append(const void* data, size_t bytes) = 0;
  virtual Status ReadAt(uint64_t offset, void* data, size_t bytes) const = 0;
  // Maps everything appended so far, read-only, for as long as the file
  // lives (appends after it are not seen through the map).
  virtual Result<std::span<const char>> Map() = 0;
  // Hands the mapped pages read so far back to the system: the map stays
  // valid and reads fault them in again from the file. Keeps a pass over a
  // large map from growing the process's resident memory by all of it.
  virtual void ReleaseMapped() {}
};

// Where spill files come from.
class SpillSpace {
 public:
  virtual ~SpillSpace() = default;
  virtual Result<std::unique_ptr<SpillFile>> NewFile() = 0;
  // An unlinked file opened for reading and writing, as a descriptor the
  // caller owns (for mapping: ColumnFiles below).
  virtual Result<int> NewFileDescriptor() = 0;
};

// The records' big buffers (huge_pages.h) over `ram_budget` come from
// unlinked files of `space` while this lives.
class ColumnFiles {
 public:
  ColumnFiles(SpillSpace* space, uint64_t ram_budget)
      : scope_(
            [space](std::string* why) {
              auto fd = space->NewFileDescriptor();
              if (fd.ok()) return *fd;
              *why = fd.status().message();
              return -1;
            },
            ram_budget) {}

 private:
  kernels::BigBufferFiles scope_;
};

// The RAM pair lists may hold together, shared by the lists of one run
// (thread-safe), and where the rest goes. Without a space nothing spills.
class PairBudget {
 public:
  // Everything in memory.
  PairBudget() = default;
  PairBudget(uint64_t bytes, SpillSpace* space) : limit_(bytes), space_(space) {}

  // Takes `bytes` of the budget if they fit (true) or, with no space to
  // spill to, regardless (true); false means: spill them.
  bool Take(uint64_t bytes);
  void Give(uint64_t bytes) { held_.fetch_sub(bytes); }
  SpillSpace* space() const { return space_; }
  // Bytes written to spill files so far.
  uint64_t spilled() const { return spilled_.load(); }
  void AddSpilled(uint64_t bytes) { spilled_.fetch_add(bytes); }
  // The first spill error; later work stops at it.
  Status status() const;
  void Fail(Status s);

 private:
  uint64_t limit_ = UINT64_MAX;
  SpillSpace* space_ = nullptr;
  std::atomic<uint64_t> held_{0}, spilled_{0};
  mutable std::mutex mu_;
  Status status_;
};

// A sorted list of packed pairs (kernels::PackPair), in memory or in a file.
class PairRun {
 public:
  PairRun() = default;
  // A whole list as one piece through a Builder: in memory if the budget
  // allows, else in a spill file. Errors go to budget->Fail().
  static PairRun Make(std::vector<uint64_t> pairs, PairBudget* budget);
  ~PairRun();

  // Builds a run from pieces, up to a size known in advance (below).
  class Builder;
  PairRun(PairRun&& other) noexcept { *this = std::move(other); }
  PairRun& operator=(PairRun&& other) noexcept;

  size_t size() const { return size_; }
  bool spilled() const { return file_ != nullptr; }
  // Value i (one read from a file).
  uint64_t At(size_t i) const;
  // The first position whose value is >= v (log2(size) reads from a file).
  size_t LowerBound(uint64_t v) const;

  // Reads [from, to) in order, a block at a time.
  class Reader {
   public:
    Reader(const PairRun& run, size_t from, size_t to);
    // The next block, as [*at, *end); false when none is left.
    bool Next(const uint64_t** at, const uint64_t** end);

   private:
    const PairRun* run_;
    size_t pos_, to_;
    std::vector<uint64_t> buffer_;
  };

  // In memory: drops the pages of values before `pos` (they will not be
  // read again), so a list consumed front to back frees as it goes.
  void ReleaseBefore(size_t pos);

 private:
  std::vector<uint64_t> memory_;
  size_t size_ = 0, released_ = 0;
  std::unique_ptr<SpillFile> file_;
  PairBudget* budget_ = nullptr;
  uint64_t held_ = 0;  // budget bytes this run holds
};

// Builds a run from pieces appended in order, so that the whole list never
// needs to exist in memory before it spills: the budget is asked at once for
// `at_most` pairs (an upper bound on what will come), and the pieces go to
// memory (reserved, touched only as filled; what is not used goes back to
// the budget) or straight to a spill file. Errors go to budget->Fail().
class PairRun::Builder {
 public:
  Builder(uint64_t at_most, PairBudget* budget);
  void Append(const uint64_t* values, size_t count);
  // The run; its size is what was appended (0 after an error).
  PairRun Finish();

 private:
  PairRun run_;
  uint64_t at_most_ = 0;
  bool failed_ = false;
};

// The candidate pairs with their comparison levels, in order, a chunk at a
// time: in memory while the budget allows, else in one spill file. A store
// without levels keeps the pairs alone (8 bytes a pair instead of 17), for
// a backend that computes the levels again where it scores (the GPU).
class LevelStore {
 public:
  explicit LevelStore(PairBudget* budget, bool with_levels = true) : budget_(budget), with_levels_(with_levels) {}
  bool with_levels() const { return with_levels_; }
  ~LevelStore();
  LevelStore(const LevelStore&) = delete;
  LevelStore& operator=(const LevelStore&) = delete;

  // `levels` is ignored (and may be empty) in a store without levels.
  void Append(std::vector<std::pair<uint32_t, uint32_t>> pairs, PairLevels levels);
  size_t chunks() const { return chunks_.size(); }
  uint64_t pairs() const { return pairs_; }
  // Chunk c's pairs and levels (empty without levels): views of memory,
  // or of `scratch` read back from the file.
  struct View {
    std::span<const std::pair<uint32_t, uint32_t>> pairs;
    const PairLevels* levels = nullptr;
  };
  struct Scratch {
    std::vector<std::pair<uint32_t, uint32_t>> pairs;
    PairLevels levels;
  };
  View Get(size_t c, Scratch* scratch) const;
  // Frees chunk c's memory (it will not be read again).
  void Release(size_t c);

 private:
  struct Chunk {
    std::vector<std::pair<uint32_t, uint32_t>> pairs;  // empty when spilled
    PairLevels levels;
    uint64_t offset = 0, count = 0;
    bool spilled = false;
  };
  uint64_t Bytes(uint64_t count) const;  // what a chunk of `count` pairs holds
  PairBudget* budget_;
  bool with_levels_ = true;
  std::vector<Chunk> chunks_;
  std::unique_ptr<SpillFile> file_;
  uint64_t file_size_ = 0, pairs_ = 0, held_ = 0;
};

}  // namespace doppel::core
