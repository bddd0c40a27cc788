#include "doppel/kernels/big_buffers.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <unordered_map>

namespace doppel::kernels {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kMapped = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kMapped = false;
#else
constexpr bool kMapped = true;
#endif
#else
constexpr bool kMapped = true;
#endif

// tmpfs and ramfs (linux/magic.h): files there are memory too.
constexpr long kTmpfsMagic = 0x01021994, kRamfsMagic = 0x858458f6;

// The scope's settings and the big buffers held. Big buffers are few
// (hundreds in a run) and each costs a system call already, so one lock is
// cheap; it is not held while a file is made.
struct Registry {
  std::mutex mu;
  BigBufferFiles::NewFile new_file;  // set while a BigBufferFiles scope is open
  uint64_t budget = UINT64_MAX;
  std::unordered_map<void*, size_t> files;  // file-backed buffer -> mapped length
  BigBufferFiles::Stats stats;

  void AddRam(uint64_t len) {
    stats.ram_bytes += len;
    stats.peak_ram_bytes = std::max(stats.peak_ram_bytes, stats.ram_bytes);
  }
};

Registry& Reg() {
  static Registry* r = new Registry;  // never destroyed: buffers may be freed after static teardown
  return *r;
}

void* MapAnonymous(size_t len) {
  void* raw = mmap(nullptr, len + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = (start + kHugePage - 1) / kHugePage * kHugePage;
  if (aligned > start) munmap(raw, aligned - start);
  const uintptr_t end = start + len + kHugePage;
  if (end > aligned + len) munmap(reinterpret_cast<void*>(aligned + len), end - (aligned + len));
  void* p = reinterpret_cast<void*>(aligned);
#ifdef MADV_HUGEPAGE
  madvise(p, len, MADV_HUGEPAGE);  // a kernel without THP says EINVAL: 4 KiB pages then
#endif
  return p;
}

// A shared mapping of a fresh file of `len` bytes, its blocks reserved;
// nullptr with the reason when there is none.
void* MapFile(const BigBufferFiles::NewFile& new_file, size_t len, std::string* why) {
  const int fd = new_file(why);
  if (fd < 0) return nullptr;
  void* p = nullptr;
  struct statfs fs {};
  if (fstatfs(fd, &fs) == 0 && (static_cast<long>(fs.f_type) == kTmpfsMagic ||
                                static_cast<long>(fs.f_type) == kRamfsMagic)) {
    *why = "the spill directory is in memory (tmpfs), where files take RAM too; set --spill-dir to a disk";
  } else if (int err = posix_fallocate(fd, 0, static_cast<off_t>(len)); err != 0) {  // returns the error
    *why = "cannot reserve " + std::to_string(len >> 20) + " MiB for a column file: " + std::strerror(err);
  } else if (p = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0); p == MAP_FAILED) {
    *why = std::string("cannot map a column file: ") + std::strerror(errno);
    p = nullptr;
  }
  close(fd);  // a mapping keeps its file
  return p;
}

}  // namespace

namespace huge_pages {

bool Used() { return kMapped; }

void* Allocate(size_t bytes, size_t align) {
  const size_t len = RoundUp(bytes);
  Registry& r = Reg();
  BigBufferFiles::NewFile new_file;
  {
    std::lock_guard lock(r.mu);
    if (r.new_file && r.stats.ram_bytes + len > r.budget) new_file = r.new_file;
    else r.AddRam(len);
  }
  if (new_file) {
    std::string why;
    void* p = nullptr;
    try {
      p = MapFile(new_file, len, &why);
    } catch (...) {  // the reason's string
      why = "out of memory while making a column file";
    }
    std::lock_guard lock(r.mu);
    if (p != nullptr) {
      try {
        r.files.emplace(p, len);
      } catch (...) {
        munmap(p, len);
        throw std::bad_alloc();
      }
      r.stats.file_bytes += len;
      r.stats.peak_file_bytes = std::max(r.stats.peak_file_bytes, r.stats.file_bytes);
      return p;
    }
    r.stats.fallback_bytes += len;
    if (r.stats.fallback_reason.empty()) r.stats.fallback_reason = why;
    r.AddRam(len);
  }
  try {
    if (!kMapped) return ::operator new(bytes, std::align_val_t{align});
    return MapAnonymous(len);
  } catch (...) {
    std::lock_guard lock(r.mu);
    r.stats.ram_bytes -= len;
    throw;
  }
}

void Deallocate(void* p, size_t bytes, size_t align) noexcept {
  Registry& r = Reg();
  const size_t len = RoundUp(bytes);
  bool file = false;
  {
    std::lock_guard lock(r.mu);
    if (auto it = r.files.find(p); it != r.files.end()) {
      file = true;
      r.stats.file_bytes -= it->second;
      r.files.erase(it);
    } else {
      r.stats.ram_bytes -= len;
    }
  }
  if (file || kMapped) munmap(p, len);
  else ::operator delete(p, std::align_val_t{align});
}

}  // namespace huge_pages

// A scope's settings replace the enclosing one's until it closes.
struct BigBufferFiles::Saved {
  NewFile new_file;
  uint64_t budget;
};

BigBufferFiles::BigBufferFiles(NewFile new_file, uint64_t ram_budget) {
  Registry& r = Reg();
  std::lock_guard lock(r.mu);
  saved_ = std::make_unique<Saved>(Saved{std::move(r.new_file), r.budget});
  r.new_file = std::move(new_file);
  r.budget = ram_budget;
  r.stats.peak_ram_bytes = r.stats.ram_bytes;
  r.stats.peak_file_bytes = r.stats.file_bytes;
  r.stats.fallback_bytes = 0;
  r.stats.fallback_reason.clear();
}

BigBufferFiles::~BigBufferFiles() {
  Registry& r = Reg();
  std::lock_guard lock(r.mu);
  r.new_file = std::move(saved_->new_file);
  r.budget = saved_->budget;
}

BigBufferFiles::Stats BigBufferFiles::Get() {
  Registry& r = Reg();
  std::lock_guard lock(r.mu);
  return r.stats;
}

}  // namespace doppel::kernels
