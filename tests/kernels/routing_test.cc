// The cuda backend's routing rules (kernels/src/routing.h), without a GPU:
// a "device" here is a function that works or throws, and the CPU's answer
// is what the caller gets whenever the device does not give one.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "routing.h"

namespace doppel::kernels::routing {
namespace {

struct Calls {
  int gpu = 0, cpu = 0, budget = 0;
};

TEST(Routing, SmallBatchesStayOnTheCpu) {
  FallbackLog log;
  Calls c;
  Route(false, 100, [&] { return ++c.budget, uint64_t{1000}; }, log, [&] { ++c.gpu; }, [&] { ++c.cpu; });
  EXPECT_EQ(c.gpu, 0);
  EXPECT_EQ(c.cpu, 1);
  EXPECT_EQ(c.budget, 0);  // the device is not even asked
  EXPECT_EQ(log.Get().batches, 0u);
}

TEST(Routing, ABatchThatFitsRunsOnTheGpuAlone) {
  FallbackLog log;
  Calls c;
  Route(true, 1000, [&] { return ++c.budget, uint64_t{1000}; }, log, [&] { ++c.gpu; }, [&] { ++c.cpu; });
  EXPECT_EQ(c.gpu, 1);
  EXPECT_EQ(c.cpu, 0);
  EXPECT_EQ(c.budget, 1);
  // Size unknown in advance: the budget is not asked, the device decides.
  Route(true, 0, [&] { return ++c.budget, uint64_t{0}; }, log, [&] { ++c.gpu; }, [&] { ++c.cpu; });
  EXPECT_EQ(c.gpu, 2);
  EXPECT_EQ(c.budget, 1);
  EXPECT_EQ(log.Get().batches, 0u);
}

TEST(Routing, ABatchLargerThanTheDeviceRunsOnTheCpu) {
  FallbackLog log;
  Calls c;
  Route(true, uint64_t{3} << 30, [] { return uint64_t{1} << 30; }, log, [&] { ++c.gpu; }, [&] { ++c.cpu; });
  EXPECT_EQ(c.gpu, 0);
  EXPECT_EQ(c.cpu, 1);
  const GpuFallbacks f = log.Get();
  EXPECT_EQ(f.batches, 1u);
  EXPECT_EQ(f.first_reason, "a batch needs 3.0 GiB of device memory, 1.0 GiB available");
}

TEST(Routing, ADeviceErrorHandsTheBatchToTheCpuAndIsCounted) {
  FallbackLog log;
  int answer = 0;
  for (int i = 0; i < 3; ++i) {
    Route(
        true, 0, [] { return uint64_t{0}; }, log,
        [&] {
          answer = -1;  // a device that fails part way
          throw std::runtime_error("CUDA cudaMalloc: out of memory");
        },
        [&] { answer = 42; });
    EXPECT_EQ(answer, 42);
  }
  const GpuFallbacks f = log.Get();
  EXPECT_EQ(f.batches, 3u);
  EXPECT_EQ(f.first_reason, "device error: CUDA cudaMalloc: out of memory");  // the first one is kept
}

TEST(Routing, MemoryLimitsParse) {
  EXPECT_EQ(ParseMemory(nullptr), 0u);
  EXPECT_EQ(ParseMemory(""), 0u);
  EXPECT_EQ(ParseMemory("123"), 123u);
  EXPECT_EQ(ParseMemory("4G"), uint64_t{4} << 30);
  EXPECT_EQ(ParseMemory("512M"), uint64_t{512} << 20);
  EXPECT_EQ(ParseMemory("1.5GiB"), uint64_t{3} << 29);
  EXPECT_EQ(ParseMemory("8GB"), uint64_t{8} << 30);
  EXPECT_EQ(ParseMemory("64k"), uint64_t{64} << 10);
  EXPECT_EQ(ParseMemory("lots"), 0u);
  EXPECT_EQ(ParseMemory("4X"), 0u);
  EXPECT_EQ(ParseMemory("-1G"), 0u);
  EXPECT_EQ(ParseMemory("4BB"), 0u);
  EXPECT_EQ(ParseMemory("4i"), 0u);
  EXPECT_EQ(ParseMemory("4096B"), 4096u);
  EXPECT_EQ(ParseMemory("nan"), 0u);
  EXPECT_EQ(ParseMemory("inf"), 0u);
  EXPECT_EQ(ParseMemory("1e30"), 0u);
  EXPECT_EQ(ParseMemory("16T"), uint64_t{16} << 40);
}

}  // namespace
}  // namespace doppel::kernels::routing
