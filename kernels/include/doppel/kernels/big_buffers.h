// Big arrays on transparent huge pages, or in files beyond a RAM budget.
//
// The allocator of every large per-record array: the match table's columns,
// the compare index, blocking's entries, clustering's arrays.
//
// Matching reads the second record of every candidate pair anywhere in the
// table: its compare row, its name, city and email bytes, its address
// tokens. With 4 KiB pages nearly every such read also misses the TLB (a
// 1M-record table spans tens of thousands of pages); on 2 MiB pages the
// same table is a few dozen. Linux backs memory with huge pages where the
// program asks (madvise), which is the setting of most distributions and of
// these VMs; the whole heap on huge pages would cost 9% more RSS at 1M
// records (docs/performance.md), so only the arrays that are read at random
// ask: a HugeVector's buffers of kHugePageMin bytes or more are mapped on
// their own, 2 MiB-aligned, and advised before first touch. Smaller ones
// come from the ordinary heap, so a RecordBatch's many small columns cost
// nothing more. Where huge pages are off, the advice is ignored and nothing
// changes but the mapping.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <new>
#include <string>
#include <type_traits>
#include <vector>

namespace doppel::kernels {

inline constexpr size_t kHugePage = size_t{2} << 20;
inline constexpr size_t kHugePageMin = size_t{4} << 20;

namespace huge_pages {

inline size_t RoundUp(size_t bytes) { return (bytes + kHugePage - 1) / kHugePage * kHugePage; }

// Whether big buffers in RAM get mappings of their own. Not under
// AddressSanitizer, where they stay on the heap so that overflows past
// their end are caught (a private mapping has no redzone); files over the
// budget (below) are mapped either way. Decided where big_buffers.cc is
// compiled, so code built without the sanitizer flags (CUDA) agrees.
bool Used();

// A buffer of `bytes` (kHugePageMin or more) aligned to `align`: over the
// RAM budget of a BigBufferFiles scope (below) a file's mapping; else a
// 2 MiB-aligned anonymous mapping, advised MADV_HUGEPAGE (on the heap
// without Used()). Throws std::bad_alloc when there is no room for it.
void* Allocate(size_t bytes, size_t align);
void Deallocate(void* p, size_t bytes, size_t align) noexcept;

}  // namespace huge_pages

// Big buffers beyond a RAM budget, in files.
//
// On a base larger than RAM the records themselves do not fit: about 0.4
// KB a record (the match table, the compare index, clustering's arrays),
// 40 GB at a hundred million, and 128 bytes more while a rule's block
// entries are sorted. While a BigBufferFiles scope is open, a big buffer
// that would take the big buffers in RAM past `ram_budget` is mapped
// instead from a fresh unlinked file (MAP_SHARED): the kernel writes its
// pages out and drops them when memory runs short, and reads them back when
// touched, so the process needs disk for them, not RAM. In RAM they are
// read as fast as anonymous memory (without huge pages). The file's blocks
// are reserved when it is made (fallocate), so a full disk means the buffer
// stays in RAM (counted, with the reason, in Stats) rather than a SIGBUS on
// a later write (on filesystems that honour fallocate: not copy-on-write
// ones such as ZFS). A directory in memory (tmpfs, ramfs) is refused the
// same way: its files would take RAM all the same. Buffers outlive the
// scope and their files: a mapping keeps its file until it is unmapped.
//
// Scopes nest (an inner one's settings apply until it closes); they apply
// to every thread's allocations. The NewFile callback runs outside the
// allocator's lock. (core/spill.h ColumnFiles opens one on a spill
// space.)
class BigBufferFiles {
 public:
  // A descriptor of a new unlinked file, open for reading and writing, that
  // the caller then owns; -1 with the reason in *why when there is none.
  using NewFile = std::function<int(std::string* why)>;
  BigBufferFiles(NewFile new_file, uint64_t ram_budget);
  ~BigBufferFiles();
  BigBufferFiles(const BigBufferFiles&) = delete;
  BigBufferFiles& operator=(const BigBufferFiles&) = delete;

  struct Stats {
    uint64_t ram_bytes = 0, file_bytes = 0;  // big buffers held now (whole process)
    uint64_t peak_ram_bytes = 0, peak_file_bytes = 0;  // since the scope opened
    uint64_t fallback_bytes = 0;  // bytes meant for files that stayed in RAM
    std::string fallback_reason;  // why the first of them did
  };
  static Stats Get();

 private:
  struct Saved;
  std::unique_ptr<Saved> saved_;  // the enclosing scope's settings
};

template <typename T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

  using is_always_equal = std::true_type;  // any instance frees any buffer (by address)

  T* allocate(size_t n) {
    if (n > SIZE_MAX / sizeof(T)) throw std::bad_array_new_length();
    const size_t bytes = n * sizeof(T);
    if (bytes < kHugePageMin) return static_cast<T*>(::operator new(bytes, std::align_val_t{alignof(T)}));
    return static_cast<T*>(huge_pages::Allocate(bytes, alignof(T)));
  }
  void deallocate(T* p, size_t n) noexcept {
    const size_t bytes = n * sizeof(T);
    if (bytes < kHugePageMin) ::operator delete(p, std::align_val_t{alignof(T)});
    else huge_pages::Deallocate(p, bytes, alignof(T));
  }
  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const noexcept {
    return true;
  }
  template <typename U>
  bool operator!=(const HugePageAllocator<U>&) const noexcept {
    return false;
  }
};

// A std::vector whose big buffers sit on huge pages (above).
template <typename T>
using HugeVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace doppel::kernels
