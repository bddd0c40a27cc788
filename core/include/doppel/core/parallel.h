// Data-parallel loops over index ranges.
//
// ParallelFor splits [0, n) into contiguous chunks, one task per chunk, and
// waits for all. Each index is handled by exactly one task and outputs are
// written by index, so results never depend on the thread count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

namespace doppel::core {

// Threads to use: `requested` if positive, else the hardware concurrency.
size_t ResolveThreads(int requested);

// This machine's physical memory in bytes (0 if unknown).
uint64_t PhysicalMemoryBytes();

// Runs fn(begin, end) over chunks of [0, n) on up to `threads` threads (the
// caller's thread included), and returns when all are done. Chunks are at
// least `grain` long. The other threads come from a pool that lives for the
// whole process, so thread_local state carries over from call to call;
// calls may nest and may come from several threads at once.
void ParallelFor(size_t n, size_t threads, size_t grain, const std::function<void(size_t, size_t)>& fn);

}  // namespace doppel::core
