#include "doppel/core/huge_pages.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <atomic>
#include <numeric>
#include <thread>
#include <sstream>
#include <string>

#include "doppel/core/record_batch.h"
#include "doppel/core/spill.h"

namespace doppel::core {
namespace {

// The VmFlags of the mapping that holds p, from /proc/self/smaps ("" when
// not found): "hg" is there when the range was advised MADV_HUGEPAGE.
std::string VmFlagsOf(const void* p) {
  std::ifstream smaps("/proc/self/smaps");
  const auto at = reinterpret_cast<uintptr_t>(p);
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> lo >> dash >> hi && dash == '-') {
      inside = lo <= at && at < hi;
      continue;
    }
    if (inside && line.rfind("VmFlags:", 0) == 0) return line;
  }
  return "";
}

// The file a mapping that holds p maps ("" for anonymous memory or when
// not found): the sixth field of its /proc/self/maps line.
std::string MappedFileOf(const void* p) {
  std::ifstream maps("/proc/self/maps");
  const auto at = reinterpret_cast<uintptr_t>(p);
  std::string line;
  while (std::getline(maps, line)) {
    uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream in(line);
    if (!(in >> std::hex >> lo >> dash >> hi) || dash != '-' || at < lo || at >= hi) continue;
    std::string perms, offset, dev, inode, path;
    in >> perms >> offset >> dev >> inode;
    std::getline(in >> std::ws, path);
    return path;
  }
  return "";
}

// Unlinked files in a test directory (or, with `fail`, none: as a full or
// unwritable spill directory would).
class TestSpace final : public SpillSpace {
 public:
  // In the working directory (ctest's: the build tree), which is on disk
  // where /tmp may be tmpfs.
  explicit TestSpace(bool fail = false) : fail_(fail) {
    char tmpl[] = "doppel-bigbuf-XXXXXX";
    if (const char* d = mkdtemp(tmpl)) dir_ = d;
  }
  bool InMemory() const {
    struct statfs fs {};
    return statfs(dir_.c_str(), &fs) == 0 &&
           (static_cast<long>(fs.f_type) == 0x01021994 || static_cast<long>(fs.f_type) == 0x858458f6);
  }
  ~TestSpace() override { rmdir(dir_.c_str()); }
  Result<std::unique_ptr<SpillFile>> NewFile() override { return Status::Unimplemented("not used"); }
  Result<int> NewFileDescriptor() override {
    if (fail_) return Status::IoError("no room in the test space");
    ++made;
    const std::string path = dir_ + "/col-XXXXXX";
    std::vector<char> name(path.begin(), path.end());
    name.push_back('\0');
    const int fd = mkstemp(name.data());
    if (fd < 0) return Status::IoError(std::strerror(errno));
    unlink(name.data());
    return fd;
  }
  std::atomic<int> made{0};

 private:
  bool fail_;
  std::string dir_;
};

// Whether this kernel can advise huge pages at all (built with transparent
// huge pages, and its smaps showing VmFlags).
bool CanAdvise() {
  if (!std::ifstream("/sys/kernel/mm/transparent_hugepage/enabled")) return false;
  int probe = 0;
  return !VmFlagsOf(&probe).empty();
}

bool HasFlag(const std::string& flags, const std::string& flag) {
  std::istringstream words(flags);
  for (std::string w; words >> w;) {
    if (w == flag) return true;
  }
  return false;
}

TEST(HugePages, BigBuffersAreAlignedAndAdvisedSmallOnesAreNot) {
  if (!huge_pages::Used()) GTEST_SKIP() << "AddressSanitizer build: every buffer on the heap";
  if (!CanAdvise()) GTEST_SKIP() << "no transparent huge pages in this kernel";
  HugeVector<uint64_t> small(1000, 7);
  HugeVector<uint64_t> big(kHugePageMin / sizeof(uint64_t) + 3, 9);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(big.data()) % kHugePage, 0u);
  EXPECT_TRUE(HasFlag(VmFlagsOf(big.data()), "hg")) << VmFlagsOf(big.data());
  EXPECT_FALSE(HasFlag(VmFlagsOf(small.data()), "hg")) << VmFlagsOf(small.data());
  EXPECT_EQ(big.back(), 9u);
  EXPECT_EQ(small.front(), 7u);
}

// Growing across the threshold, copying, moving and shrinking keep the
// values: the allocator only changes where they live.
TEST(HugePages, AVectorKeepsItsValuesAcrossTheThreshold) {
  HugeVector<uint32_t> v;
  const size_t n = 3 * kHugePageMin / sizeof(uint32_t);
  for (size_t i = 0; i < n; ++i) v.push_back(static_cast<uint32_t>(i * 2654435761u));
  for (size_t i = 0; i < n; i += 9973) ASSERT_EQ(v[i], static_cast<uint32_t>(i * 2654435761u));
  HugeVector<uint32_t> copy = v;
  EXPECT_EQ(copy, v);
  HugeVector<uint32_t> moved = std::move(copy);
  EXPECT_EQ(moved, v);
  moved.resize(10);
  moved.shrink_to_fit();
  EXPECT_EQ(moved.size(), 10u);
  EXPECT_EQ(moved[9], v[9]);
  EXPECT_FALSE(HasFlag(VmFlagsOf(moved.data()), "hg"));
}

// A table-sized string column lands on huge pages and reads back as written.
TEST(HugePages, StringColumnsOfATableUseThem) {
  if (!huge_pages::Used()) GTEST_SKIP() << "AddressSanitizer build: every buffer on the heap";
  if (!CanAdvise()) GTEST_SKIP() << "no transparent huge pages in this kernel";
  StringColumn col;
  const std::string value = "aleksandrovna";
  // Well over the threshold for the bytes and for the offsets (8 bytes a row).
  const size_t rows = 2 * kHugePageMin / sizeof(uint64_t);
  for (size_t i = 0; i < rows; ++i) col.Append(value);
  EXPECT_EQ(col.size(), rows);
  EXPECT_EQ(col.Get(rows - 1), value);
  EXPECT_TRUE(HasFlag(VmFlagsOf(col.bytes().data()), "hg"));
  EXPECT_TRUE(HasFlag(VmFlagsOf(col.offsets().data()), "hg"));
}

// Over the budget, big buffers come from the space's files: the same
// values through growing, copying and shrinking, counted while they live,
// and their files gone with them. Small buffers stay on the heap.
TEST(BigBufferFiles, BuffersOverTheBudgetAreMappedFromFiles) {
  TestSpace space;
  if (space.InMemory()) GTEST_SKIP() << "the test directory is on tmpfs, where column files are refused";
  const BigBufferFiles::Stats before = BigBufferFiles::Get();
  {
    const ColumnFiles scope(&space, 0);
    HugeVector<uint64_t> small(1000, 5);
    EXPECT_EQ(MappedFileOf(small.data()).find("col-"), std::string::npos);
    HugeVector<uint64_t> v;
    const size_t n = 3 * kHugePageMin / sizeof(uint64_t);
    for (size_t i = 0; i < n; ++i) v.push_back(i * 0x9E3779B97F4A7C15ull);
    EXPECT_NE(MappedFileOf(v.data()).find("col-"), std::string::npos) << MappedFileOf(v.data());
    EXPECT_NE(MappedFileOf(v.data()).find("(deleted)"), std::string::npos) << MappedFileOf(v.data());
    EXPECT_GT(space.made.load(), 1);  // a file for each size it grew through
    for (size_t i = 0; i < n; i += 7919) ASSERT_EQ(v[i], i * 0x9E3779B97F4A7C15ull);
    const HugeVector<uint64_t> copy = v;
    EXPECT_EQ(copy, v);
    const BigBufferFiles::Stats during = BigBufferFiles::Get();
    EXPECT_GE(during.file_bytes, before.file_bytes + 2 * n * sizeof(uint64_t));
    EXPECT_GE(during.peak_file_bytes, during.file_bytes);
    EXPECT_EQ(during.fallback_bytes, 0u);
    v.resize(10);
    v.shrink_to_fit();
    EXPECT_EQ(v[9], 9 * 0x9E3779B97F4A7C15ull);
  }
  EXPECT_EQ(BigBufferFiles::Get().file_bytes, before.file_bytes);
  // Without a scope, big buffers are anonymous memory again.
  HugeVector<uint64_t> after(kHugePageMin / sizeof(uint64_t) + 1, 3);
  EXPECT_EQ(MappedFileOf(after.data()).find("col-"), std::string::npos);
}

// Within the budget nothing goes to files; a buffer that outlives its
// scope stays valid.
TEST(BigBufferFiles, TheBudgetDecidesAndBuffersOutliveTheScope) {
  TestSpace space;
  if (space.InMemory()) GTEST_SKIP() << "the test directory is on tmpfs, where column files are refused";
  HugeVector<uint32_t> kept;
  {
    const ColumnFiles scope(&space, uint64_t{1} << 40);
    HugeVector<uint32_t> v(kHugePageMin, 1);
    EXPECT_EQ(space.made.load(), 0);
    EXPECT_EQ(MappedFileOf(v.data()).find("col-"), std::string::npos);
  }
  {
    const ColumnFiles scope(&space, 0);
    kept.assign(kHugePageMin, 7);
    EXPECT_EQ(space.made.load(), 1);
  }
  kept[kept.size() - 1] = 8;
  EXPECT_EQ(kept[0], 7u);
  EXPECT_EQ(kept.back(), 8u);
}

// A space that cannot give a file leaves the buffer in RAM, counted with
// the reason: the run goes on, and says so.
TEST(BigBufferFiles, AFailingSpaceKeepsBuffersInRamAndSaysWhy) {
  TestSpace space(/*fail=*/true);
  const ColumnFiles scope(&space, 0);
  HugeVector<uint8_t> v(kHugePageMin, 4);
  EXPECT_EQ(v.back(), 4);
  const BigBufferFiles::Stats st = BigBufferFiles::Get();
  EXPECT_GE(st.fallback_bytes, kHugePageMin);
  EXPECT_NE(st.fallback_reason.find("no room in the test space"), std::string::npos) << st.fallback_reason;
}

// Scopes nest: the inner one's budget applies until it closes, then the
// outer one's again.
TEST(BigBufferFiles, AnInnerScopeGivesWayToTheOuterOne) {
  TestSpace space;
  if (space.InMemory()) GTEST_SKIP() << "the test directory is on tmpfs, where column files are refused";
  const ColumnFiles outer(&space, 0);
  {
    const ColumnFiles inner(&space, uint64_t{1} << 40);
    HugeVector<uint8_t> v(kHugePageMin, 1);
    EXPECT_EQ(MappedFileOf(v.data()).find("col-"), std::string::npos);
  }
  HugeVector<uint8_t> w(kHugePageMin, 2);
  EXPECT_NE(MappedFileOf(w.data()).find("col-"), std::string::npos) << MappedFileOf(w.data());
}

// Threads allocating and freeing at once, some buffers in RAM and some in
// files: every value intact, and the counts back where they started.
TEST(BigBufferFiles, ManyThreadsAtOnceKeepTheCountsRight) {
  TestSpace space;
  if (space.InMemory()) GTEST_SKIP() << "the test directory is on tmpfs, where column files are refused";
  const BigBufferFiles::Stats before = BigBufferFiles::Get();
  {
    const ColumnFiles scope(&space, before.ram_bytes + 3 * kHugePageMin);
    std::vector<std::thread> threads;
    std::atomic<int> bad{0};
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([t, &bad] {
        for (int round = 0; round < 6; ++round) {
          HugeVector<uint32_t> v(kHugePageMin / sizeof(uint32_t) * (1 + (t + round) % 3),
                                 static_cast<uint32_t>(t * 100 + round));
          v.back() += 1;
          if (v.front() != static_cast<uint32_t>(t * 100 + round) || v.back() != v.front() + 1) ++bad;
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(bad.load(), 0);
    EXPECT_GT(space.made.load(), 0);
  }
  const BigBufferFiles::Stats after = BigBufferFiles::Get();
  EXPECT_EQ(after.ram_bytes, before.ram_bytes);
  EXPECT_EQ(after.file_bytes, before.file_bytes);
}

}  // namespace
}  // namespace doppel::core
