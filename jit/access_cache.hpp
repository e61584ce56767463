// The inline fast path of a checked access (engine_abi/checked_calls.hpp): before calling the
// access stub, the code compares the access with the region the previous check through
// the same cache entry hit (FrameInfo::cache: loads use entries 0-3 and stores and atomics
// 4-7, the entry chosen by the access's place among the checked ones of its kind, so that
// the few accesses of a loop keep a region each), and calls the stub only on a miss. The
// stub's checker (CheckedRun::check_access) fills the entry after an allowed access: the
// entry number and width travel in pack_access's bits 40-51 (access_what).
//
//   x86-64                                  A64
//   lea  r10, [base + off]   ; addr         (add  x11, base, #off)   ; addr: base if off = 0
//   sub  r10, START                         (ldp  x5, x6, [x24, #entry])     ; START, SPAN
//   cmp  r10, SPAN                          sub  x5, addr, START
//   jae  miss                               cmp  x5, SPAN
// back:                                     b.lo back
//   <the access>                            (mov x11, base); x12 = access_what(...) ; miss
//   ...                                     bl access_stub
// miss: (after the code)                    (ldp START, SPAN, [x24, #entry])
//   lea r11, [base + off]                 back:
//   mov r10, access_what(...)               <the access>
//   call access_stub
//   (mov START, [r12 + entry.start]; mov SPAN, [r12 + entry.span])
//   jmp back
//
// START and SPAN are the entry's FrameInfo words ([r12 + entry.start], [r12 + entry.span];
// A64 loads both with the ldp), or, for at most two entries of a program, a pair of
// spare registers (Lowered::access_cache_regs, jit/access_cache.cpp: the host registers
// of r6-r9 when the program never uses them, for the entries with the most checked sites
// in loops). Then a hit reads no memory: on a byte loop with a checked load and store the
// check is three ALU instructions and one branch. The registers follow the FrameInfo
// words exactly: reloaded after the entry's own stub call (the only place that fills it),
// emptied (span 0) wherever the words are. Only programs of one subprogram use them (a
// local call's callee would restore a caller's stale copy; a callback thunk runs with
// registers of its own).
//
// span = the region's length - (width - 1), width being the widest access that uses the
// entry (Lowered::access_cache_width, at most 8): d = addr - start < span puts
// [addr, addr + size) inside the region for every access of the entry.
//
// Why this is exact, never wider than the stub:
// - Only regions that stay accessible until the next helper call are cached: the run's
//   regions (input, ctx, packet buffer), the programs' direct values (.data, .rodata,
//   .bss) and the memory helpers handed out (GuestMemory::lasting_region). Never the
//   stack windows: a local call's frame dies when it returns, with no helper call between.
// - The store and atomic entries hold only writable regions, and no load uses them, so a
//   read-only region (ctx, a read-only run region) a load hit never satisfies a store.
// - Every checked helper call empties every entry on its return (the helper-result stub):
//   helpers are what change the allowed set mid-run (bpf_xdp_adjust_head/meta/tail, map
//   deletes, ringbuf submit, the scoped key/value grants of a callback). A program with
//   one checked access checks every helper call (lowering's mark_checked_calls).
// - The cache is emptied at the body entry of every checked program (tail calls land
//   there with the caller's FrameInfo) and in every callback thunk (a FrameInfo of its
//   own): a cache another program filled, maybe before helper calls no stub saw, is
//   never used.
// - No wrap-around: only regions inside [kMinCachedStart, 2^63), at least as long as the
//   entry's width, are cached. Below such a region, addr - start wraps to at least 2^64 - start > 2^63 >
//   span: a miss. An empty entry has span 0: every access misses.
// - Alignment is not checked on either path (an atomic's fault is the hardware's, as
//   before), so a hit and a stub call behave the same.
#pragma once

#include <cstdint>
#include <iterator>

#include "ebpfjit/memory_region.hpp"
#include "engine_abi/checked_calls.hpp"
#include "engine_abi/frame_info.hpp"
#include "jit/lowering.hpp"

namespace ebpfjit::jit {

// Below this no host memory is mapped (Linux's mmap_min_addr is 4096 or more).
inline constexpr uint64_t kMinCachedStart = 4096;
inline constexpr uint64_t kMaxCachedEnd = uint64_t{1} << 63;
inline constexpr uint64_t kMaxAccessSize = 8;

static_assert(sizeof(Lowered::access_cache_width) == engine_abi::kAccessCacheEntries);

constexpr int32_t access_cache_offset(uint32_t entry) {
    return engine_abi::kInfoAccessCache + static_cast<int32_t>(entry * sizeof(engine_abi::AccessCache));
}
// What the stub passes to the checker: pack_access, and the entry to fill (bits 40-47)
// with the widest access using it (bits 48-51). The checker reads the pc as 32 bits from
// bit 8, so it never sees them.
constexpr uint64_t access_what(uint32_t pc, engine_abi::AccessKind kind, uint32_t size, uint32_t entry, uint32_t width) {
    return engine_abi::pack_access(pc, kind, size) | uint64_t{entry} << 40 | uint64_t{width} << 48;
}

// After an allowed access of `write` kind inside `region`, through entry `what >> 40`:
// the next access using that entry may hit the region inline.
inline void remember_region(uint64_t frame_info, uint64_t what, bool write, const runtime::MemoryRegion& region) {
    const auto entry = static_cast<uint32_t>(what >> 40) & 0xff;
    const uint64_t width = (what >> 48) & 0xf;
    if (entry >= engine_abi::kAccessCacheEntries || (entry >= engine_abi::kAccessCacheEntries / 2) != write) return;
    if (width == 0 || width > kMaxAccessSize) return;
    if (region.start < kMinCachedStart || region.size < width || region.start >= kMaxCachedEnd ||
        region.size > kMaxCachedEnd - region.start)
        return;
    if (write && !region.writable) return;
    engine_abi::AccessCache& cache = reinterpret_cast<engine_abi::FrameInfo*>(frame_info)->cache[entry];
    cache.start = region.start;
    cache.span = region.size - (width - 1);
}

} // namespace ebpfjit::jit
