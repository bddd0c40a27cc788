// Big arrays on transparent huge pages.
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

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

namespace doppel::core {

inline constexpr size_t kHugePage = size_t{2} << 20;
inline constexpr size_t kHugePageMin = size_t{4} << 20;

// Under AddressSanitizer every buffer stays on the heap, where overflows
// past its end are caught (a private mapping has no redzone).
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kHugePagesUsed = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kHugePagesUsed = false;
#else
inline constexpr bool kHugePagesUsed = true;
#endif
#else
inline constexpr bool kHugePagesUsed = true;
#endif

namespace huge_pages {

inline size_t RoundUp(size_t bytes) { return (bytes + kHugePage - 1) / kHugePage * kHugePage; }

// A fresh, 2 MiB-aligned anonymous mapping of RoundUp(bytes), advised.
inline void* Map(size_t bytes) {
  const size_t len = RoundUp(bytes);
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

inline void Unmap(void* p, size_t bytes) { munmap(p, RoundUp(bytes)); }

}  // namespace huge_pages

template <typename T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

  T* allocate(size_t n) {
    if (n > SIZE_MAX / sizeof(T)) throw std::bad_array_new_length();
    const size_t bytes = n * sizeof(T);
    if (!kHugePagesUsed || bytes < kHugePageMin) {
      return static_cast<T*>(::operator new(bytes, std::align_val_t{alignof(T)}));
    }
    return static_cast<T*>(huge_pages::Map(bytes));
  }
  void deallocate(T* p, size_t n) noexcept {
    const size_t bytes = n * sizeof(T);
    if (!kHugePagesUsed || bytes < kHugePageMin) ::operator delete(p, std::align_val_t{alignof(T)});
    else huge_pages::Unmap(p, bytes);
  }
  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const noexcept {
    return true;
  }
};

// A std::vector whose big buffers sit on huge pages (above).
template <typename T>
using HugeVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace doppel::core
