#include "doppel/core/parallel.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace doppel::core {

size_t ResolveThreads(int requested) {
  if (requested > 0) return static_cast<size_t>(requested);
  size_t hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : hw;
}

namespace {

// The number in a cgroup file ("max" or no file: none).
uint64_t ReadLimit(const std::string& path) {
  std::ifstream in(path);
  std::string word;
  if (!(in >> word) || word.empty() || !std::isdigit(static_cast<unsigned char>(word[0]))) return UINT64_MAX;
  return std::strtoull(word.c_str(), nullptr, 10);
}

}  // namespace

uint64_t CgroupMemoryLimit(const std::string& self_cgroup, const std::string& cgroup_root) {
  std::istringstream self(self_cgroup);
  uint64_t limit = UINT64_MAX;
  for (std::string line; std::getline(self, line);) {
    // "0::/path" (v2) or "N:memory,...:/path" (v1).
    const size_t a = line.find(':'), b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1);
    std::string path = line.substr(b + 1);
    std::string root, file;
    if (controllers.empty()) {
      root = cgroup_root;
      file = "memory.max";
    } else if (("," + controllers + ",").find(",memory,") != std::string::npos) {
      root = cgroup_root + "/memory";
      file = "memory.limit_in_bytes";
    } else {
      continue;
    }
    // Every ancestor's limit applies too, so the walk goes up to the root.
    // (In a container with its own cgroup namespace the path is "/" and the
    // mount's root is the container's cgroup.)
    while (true) {
      limit = std::min(limit, ReadLimit(root + (path == "/" ? "" : path) + "/" + file));
      if (path.empty() || path == "/") break;
      const size_t slash = path.rfind('/');
      path = slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
    }
  }
  return limit;
}

uint64_t PhysicalMemoryBytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  const uint64_t ram = pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) : 0;
  std::ifstream in("/proc/self/cgroup");
  std::ostringstream self;
  self << in.rdbuf();
  // A limit of 0 is no memory, not "unknown" (0 here): one page.
  const uint64_t limit =
      std::max<uint64_t>(CgroupMemoryLimit(self.str(), "/sys/fs/cgroup"), page > 0 ? static_cast<uint64_t>(page) : 1);
  return ram == 0 ? (limit == UINT64_MAX ? 0 : limit) : std::min(ram, limit);
}

uint64_t MemoryBudget(uint64_t bytes) {
  if (bytes > 0) return bytes;
  const uint64_t physical = PhysicalMemoryBytes();
  return physical > 0 ? physical / 4 : UINT64_MAX;
}

namespace {

// One ParallelFor call: chunks of [0, n) that the caller and pool workers
// claim one at a time.
struct Job {
  const std::function<void(size_t, size_t)>* fn = nullptr;
  size_t n = 0, step = 0, chunks = 0;
  std::atomic<size_t> next{0};  // the next unclaimed chunk
  size_t users = 0;             // workers working on it (under the pool's lock)

  // Runs one unclaimed chunk; false when none is left.
  bool RunOne() {
    const size_t c = next.fetch_add(1, std::memory_order_relaxed);
    if (c >= chunks) return false;
    const size_t b = c * step, e = std::min(n, b + step);
    if (b < e) (*fn)(b, e);
    return true;
  }
};

// Worker threads that live for the whole process, so that per-thread state
// (the blocking sorter, the Jaro-Winkler scratch) survives from one batch to
// the next and no call pays for starting threads. The caller of a job works
// on it too and can finish it alone, so a ParallelFor inside a ParallelFor
// never waits for a worker that is busy with its parent.
class Pool {
 public:
  static Pool& Get() {
    static Pool* pool = new Pool;  // never destroyed: its workers sleep until exit
    return *pool;
  }

  void Run(Job& job, size_t helpers) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (; workers_ < helpers; ++workers_) std::thread([this] { Work(); }).detach();
      queue_.push_back(&job);
    }
    if (helpers == 1) wake_.notify_one();
    else wake_.notify_all();
    while (job.RunOne()) {
    }
    // Every chunk is claimed. Unlist the job so no worker takes it up, and
    // wait for those inside it; after that nothing refers to it.
    std::unique_lock<std::mutex> lock(mu_);
    auto it = std::find(queue_.begin(), queue_.end(), &job);
    if (it != queue_.end()) queue_.erase(it);
    left_.wait(lock, [&] { return job.users == 0; });
  }

 private:
  void Work() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      wake_.wait(lock, [&] { return !queue_.empty(); });
      Job* job = queue_.front();
      if (job->next.load(std::memory_order_relaxed) >= job->chunks) {
        queue_.pop_front();  // all claimed; its caller waits for the rest
        continue;
      }
      ++job->users;
      lock.unlock();
      while (job->RunOne()) {
      }
      lock.lock();
      if (--job->users == 0) left_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable wake_, left_;
  std::deque<Job*> queue_;
  size_t workers_ = 0;
};

}  // namespace

void ParallelFor(size_t n, size_t threads, size_t grain, const std::function<void(size_t, size_t)>& fn) {
  if (n == 0) return;
  grain = std::max<size_t>(grain, 1);
  const size_t chunks = std::min(std::max<size_t>(threads, 1), (n + grain - 1) / grain);
  if (chunks <= 1) {
    fn(0, n);
    return;
  }
  Job job;
  job.fn = &fn;
  job.n = n;
  job.step = (n + chunks - 1) / chunks;
  job.chunks = chunks;
  Pool::Get().Run(job, chunks - 1);
}

}  // namespace doppel::core
