#include "doppel/core/huge_pages.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <numeric>
#include <sstream>
#include <string>

#include "doppel/core/record_batch.h"

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
  if (!kHugePagesUsed) GTEST_SKIP() << "AddressSanitizer build: every buffer on the heap";
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
  if (!kHugePagesUsed) GTEST_SKIP() << "AddressSanitizer build: every buffer on the heap";
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

}  // namespace
}  // namespace doppel::core
