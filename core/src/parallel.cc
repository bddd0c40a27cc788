#include "doppel/core/parallel.h"

#include <unistd.h>

#include <algorithm>
#include <thread>
#include <vector>

namespace doppel::core {

size_t ResolveThreads(int requested) {
  if (requested > 0) return static_cast<size_t>(requested);
  size_t hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : hw;
}

uint64_t PhysicalMemoryBytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) : 0;
}

void ParallelFor(size_t n, size_t threads, size_t grain, const std::function<void(size_t, size_t)>& fn) {
  if (n == 0) return;
  grain = std::max<size_t>(grain, 1);
  size_t chunks = std::min(std::max<size_t>(threads, 1), (n + grain - 1) / grain);
  if (chunks <= 1) {
    fn(0, n);
    return;
  }
  size_t step = (n + chunks - 1) / chunks;
  std::vector<std::thread> workers;
  workers.reserve(chunks - 1);
  for (size_t c = 1; c < chunks; ++c) {
    size_t b = c * step, e = std::min(n, b + step);
    if (b >= e) break;
    workers.emplace_back([&fn, b, e] { fn(b, e); });
  }
  fn(0, std::min(n, step));
  for (auto& w : workers) w.join();
}

}  // namespace doppel::core
