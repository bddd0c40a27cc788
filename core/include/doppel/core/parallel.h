// Data-parallel loops over index ranges.
//
// ParallelFor splits [0, n) into contiguous chunks, one task per chunk, and
// waits for all. Each index is handled by exactly one task and outputs are
// written by index, so results never depend on the thread count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace doppel::core {

// Threads to use: `requested` if positive, else the hardware concurrency.
size_t ResolveThreads(int requested);

// The memory this process may use: the machine's physical memory, or its
// cgroup's limit (a container's) when lower; 0 if unknown.
uint64_t PhysicalMemoryBytes();

// A memory budget: `bytes`, or when 0 ("auto") a quarter of
// PhysicalMemoryBytes() (unlimited when that is unknown).
uint64_t MemoryBudget(uint64_t bytes);

// The smallest memory limit of a process's cgroup and its ancestors, from
// the text of its /proc/<pid>/cgroup and the cgroup mount (cgroup v2's
// memory.max or v1's memory/.../memory.limit_in_bytes); UINT64_MAX when
// none is set.
uint64_t CgroupMemoryLimit(const std::string& self_cgroup, const std::string& cgroup_root);

// Runs fn(begin, end) over chunks of [0, n) on up to `threads` threads (the
// caller's thread included), and returns when all are done. Chunks are at
// least `grain` long. The other threads come from a pool that lives for the
// whole process, so thread_local state carries over from call to call;
// calls may nest and may come from several threads at once.
void ParallelFor(size_t n, size_t threads, size_t grain, const std::function<void(size_t, size_t)>& fn);

}  // namespace doppel::core
