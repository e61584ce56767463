// The inline fast path of a checked access (jit/checked_run.hpp): before calling the
// access stub, the code compares the access with the region the previous check of the
// same kind hit (FrameInfo::read for loads, FrameInfo::write for stores and atomics), and
// calls the stub only on a miss. The stub's checker (CheckedRun::check_access) fills the
// cache after an allowed access.
//
//   x86-64                                  A64
//   lea  r11, [base + off]   ; addr         add  x11, base, #off
//   mov  r10, r11                           ldp  x5, x6, [x24, #cache]   ; start, length
//   sub  r10, [r12 + cache.start]           subs x5, x11, x5
//   jb   miss                               b.lo miss
//   add  r10, size                          add  x5, x5, #size
//   cmp  r10, [r12 + cache.length]          cmp  x5, x6
//   ja   miss                               b.hi miss
// back:                                   back:
//   <the access>                            <the access>
//   ...                                     ...
// miss: (after the code)                  miss:
//   mov r10, pack_access(...)               x12 = pack_access(...)
//   call access_stub; jmp back              bl access_stub; b back
//
// Why this is exact, never wider than the stub:
// - Only regions that stay accessible until the next helper call are cached: the run's
//   regions (input, ctx, packet buffer), the programs' direct values (.data, .rodata,
//   .bss) and the memory helpers handed out (GuestMemory::lasting_region). Never the
//   stack windows: a local call's frame dies when it returns, with no helper call between.
// - The write cache holds only writable regions, so a read-only region (.rodata, ctx) a
//   load hit never satisfies a store.
// - Every checked helper call empties both caches on its return (the helper-result stub):
//   helpers are what change the allowed set mid-run (bpf_xdp_adjust_head/meta/tail, map
//   deletes, ringbuf submit, the scoped key/value grants of a callback). A program with
//   one checked access checks every helper call (lowering's mark_checked_calls).
// - The cache is emptied at the body entry of every checked program (tail calls land
//   there with the caller's FrameInfo) and in every callback thunk (a FrameInfo of its
//   own): a cache another program filled, maybe before helper calls no stub saw, is
//   never used.
// - No wrap-around: a cached start is at least kMinCachedStart, so addr - start + size
//   stays below 2^64; an empty cache (start = kNoRegion, length 0) misses every access.
// - Alignment is not checked on either path (an atomic's fault is the hardware's, as
//   before), so a hit and a stub call behave the same.
#pragma once

#include <cstdint>

#include "ebpfjit/memory_region.hpp"
#include "jit/frame_info.hpp"

namespace ebpfjit::jit {

inline constexpr uint64_t kNoRegion = ~uint64_t{0};
// Below this no host memory is mapped (Linux's mmap_min_addr is 4096 or more).
inline constexpr uint64_t kMinCachedStart = 4096;

// After an allowed access of `write` kind inside `region`: the next one may hit it inline.
inline void remember_region(uint64_t frame_info, bool write, const runtime::MemoryRegion& region) {
    if (region.start < kMinCachedStart || region.size == 0 || region.start + region.size < region.start) return;
    if (write && !region.writable) return;
    auto* info = reinterpret_cast<FrameInfo*>(frame_info);
    AccessCache& cache = write ? info->write : info->read;
    cache.start = region.start;
    cache.length = region.size;
}

} // namespace ebpfjit::jit
