// ParallelFor over its process-wide pool: every index exactly once, nested
// calls, calls from several threads at once, and worker threads that stay.
#include "doppel/core/parallel.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace doppel::core {
namespace {

TEST(ParallelFor, EveryIndexOnceWhateverTheThreads) {
  for (size_t threads : {1, 2, 3, 8}) {
    for (size_t n : {0, 1, 7, 1000, 4097}) {
      std::vector<std::atomic<int>> seen(n);
      ParallelFor(n, threads, 16, [&](size_t b, size_t e) {
        ASSERT_LE(b, e);
        ASSERT_LE(e, n);
        for (size_t i = b; i < e; ++i) seen[i].fetch_add(1);
      });
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(seen[i].load(), 1) << "n " << n << " threads " << threads << " i " << i;
    }
  }
}

TEST(ParallelFor, NestedCallsFinish) {
  // Every outer chunk runs an inner ParallelFor as wide as the pool: the
  // callers must be able to finish their inner jobs alone.
  std::atomic<size_t> sum{0};
  ParallelFor(8, 8, 1, [&](size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) {
      ParallelFor(100, 8, 1, [&](size_t ib, size_t ie) {
        for (size_t j = ib; j < ie; ++j) sum.fetch_add(j);
      });
    }
  });
  EXPECT_EQ(sum.load(), 8u * (99u * 100u / 2));
}

TEST(ParallelFor, CallsFromSeveralThreadsAtOnce) {
  std::vector<std::thread> callers;
  std::vector<size_t> sums(6, 0);
  for (size_t c = 0; c < sums.size(); ++c) {
    callers.emplace_back([&, c] {
      for (int round = 0; round < 50; ++round) {
        std::vector<size_t> out(500, 0);
        ParallelFor(out.size(), 3, 10, [&](size_t b, size_t e) {
          for (size_t i = b; i < e; ++i) out[i] = i * (c + 1);
        });
        for (size_t v : out) sums[c] += v;
      }
    });
  }
  for (auto& t : callers) t.join();
  for (size_t c = 0; c < sums.size(); ++c) EXPECT_EQ(sums[c], 50u * (c + 1) * (499u * 500u / 2));
}

// Counts the threads whose thread_local state had to be built.
std::atomic<int> fresh_threads{0};
struct PerThread {
  PerThread() { fresh_threads.fetch_add(1); }
};

TEST(ParallelFor, WorkersStayFromCallToCall) {
  // The same threads serve call after call, so per-thread state (the
  // kernels' scratch, the sorter) is built once, not once per batch: 200
  // calls on 4 threads would build it 600 times on threads started per call.
  for (int call = 0; call < 200; ++call) {
    ParallelFor(64, 4, 1, [&](size_t, size_t) {
      thread_local PerThread state;
      (void)state;
    });
  }
  EXPECT_LT(fresh_threads.load(), 100);
}

// The memory limit of a container or systemd unit: the smallest along the
// cgroup's path to the root, in cgroup v1 and v2 layouts ("max", or no
// file, is no limit).
TEST(CgroupMemoryLimit, TheSmallestAlongThePathInEitherLayout) {
  namespace fs = std::filesystem;
  char tmpl[] = "/tmp/doppel-cgroup-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const fs::path root = tmpl;
  auto put = [&](const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text << "\n";
  };
  // v1: a huge root, a 400 MB parent, a 500 MB child.
  put(root / "memory/memory.limit_in_bytes", "9223372036854771712");
  put(root / "memory/jobs/memory.limit_in_bytes", "400000000");
  put(root / "memory/jobs/doppel/memory.limit_in_bytes", "500000000");
  EXPECT_EQ(CgroupMemoryLimit("12:cpu,cpuacct:/other\n5:memory:/jobs/doppel\n", root), 400000000u);
  EXPECT_EQ(CgroupMemoryLimit("5:memory:/\n", root), 9223372036854771712u);
  EXPECT_EQ(CgroupMemoryLimit("3:cpu:/jobs\n", root), UINT64_MAX);  // no memory controller
  // v2: "max" all the way up, then a limit on the unit.
  put(root / "user.slice/job.scope/memory.max", "max");
  EXPECT_EQ(CgroupMemoryLimit("0::/user.slice/job.scope\n", root), UINT64_MAX);
  put(root / "user.slice/memory.max", "2147483648");
  EXPECT_EQ(CgroupMemoryLimit("0::/user.slice/job.scope\n", root), 2147483648u);
  EXPECT_EQ(CgroupMemoryLimit("", root), UINT64_MAX);
  fs::remove_all(root);
  // This process: never more than the machine has.
  EXPECT_GT(PhysicalMemoryBytes(), 0u);
  EXPECT_LE(PhysicalMemoryBytes(), static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE));
}

}  // namespace
}  // namespace doppel::core
