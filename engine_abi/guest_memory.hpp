// The memory a running program may touch, as both engines check it: the interpreter on
// every access, JIT code on the accesses the verifier did not prove (runtime/run/checked_run.hpp).
//
//   the interpreter's stack block (one allocation, frames grow down, contiguous):
//
//     hi ─► ┌────────────┐ ◄─ r10 of frame 0 (entry)
//           │  frame 0   │ 512 bytes
//           ├────────────┤ ◄─ r10 of frame 1
//           │  frame 1   │
//           ├────────────┤ ◄─ r10 of the current frame (depth d)
//           │  frame d   │
//           ├────────────┤ ◄─ active_low: below this nothing is accessible
//           │  (unused)  │
//     lo ─► └────────────┘
//
// Native frames are not contiguous (saved registers and return addresses lie between the
// 512-byte windows, jit/x86_64/frame_layout.hpp), so the JIT lists its active windows
// one by one instead (set_stack_windows).
//
// Besides the active frames: the regions given to run() (input memory, ctx, packet),
// the bound maps' direct values (LDDW src 2/6), and memory that helpers hand out
// (map values, ringbuf records), recorded as they are returned.
// This is a lower layer of runtime/ (like runtime/maps): jit/ uses it too.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "ebpfjit/memory_region.hpp"

namespace ebpfjit::engine_abi {

class GuestMemory {
public:
    GuestMemory(uint64_t stack_high, std::span<const MemoryRegion> fixed);

    // Frames [active_low, stack_high) are accessible (the interpreter's contiguous block).
    void set_active_stack_low(uint64_t active_low) { active_low_ = active_low; }
    // The accessible stack is exactly these windows (replacing [active_low, stack_high)).
    void set_stack_windows(std::span<const MemoryRegion> windows);
    // A region accessible for the whole run (e.g. a tail-call target's global data).
    void add_fixed(const MemoryRegion& region) { fixed_.push_back(region); }
    // Memory handed out by a helper (map value, ringbuf record); stays accessible for the run.
    void add_dynamic(uint64_t start, uint64_t size, bool writable);
    // Scoped grants (a callback's key and value): the region recorded at `start`, if any,
    // and putting back what was there before (nullopt: nothing).
    std::optional<MemoryRegion> dynamic_at(uint64_t start) const;
    void restore_dynamic(uint64_t start, std::optional<MemoryRegion> previous);

    // Whether [addr, addr + size) lies inside one accessible region (writable if `write`).
    bool allows(uint64_t addr, uint64_t size, bool write) const;
    // The region outside the stack that holds [addr, addr + size) (writable if `write`):
    // one that stays accessible until a helper call changes the set (jit/access_cache.hpp).
    std::optional<MemoryRegion> lasting_region(uint64_t addr, uint64_t size, bool write) const;
    // How many bytes from addr on are accessible within one region (0 if none).
    uint64_t extent_from(uint64_t addr, bool write) const;

private:
    uint64_t stack_high_, active_low_;
    std::vector<MemoryRegion> windows_; // when set: the stack, instead of [active_low, stack_high)
    std::vector<MemoryRegion> fixed_;
    std::map<uint64_t, MemoryRegion> dynamic_; // keyed by start; the largest size seen
};

} // namespace ebpfjit::engine_abi
