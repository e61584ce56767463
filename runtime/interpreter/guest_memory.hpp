// The interpreter's view of memory: the only host ranges a program may touch.
//
//   stack block (one allocation, frames grow down):
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
// Besides the active frames: the regions given to run() (input memory, ctx, packet),
// the bound maps' direct values (LDDW src 2/6), and memory that helpers hand out
// (map values, ringbuf records), recorded as they are returned.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "runtime/interpreter.hpp"

namespace ebpfjit::runtime {

class GuestMemory {
public:
    GuestMemory(uint64_t stack_high, std::span<const MemoryRegion> fixed);

    // Frames [active_low, stack_high) are accessible.
    void set_active_stack_low(uint64_t active_low) { active_low_ = active_low; }
    // Memory handed out by a helper (map value, ringbuf record); stays accessible for the run.
    void add_dynamic(uint64_t start, uint64_t size, bool writable);

    // Whether [addr, addr + size) lies inside one accessible region (writable if `write`).
    bool allows(uint64_t addr, uint64_t size, bool write) const;
    // How many bytes from addr on are accessible within one region (0 if none).
    uint64_t extent_from(uint64_t addr, bool write) const;

private:
    uint64_t stack_high_, active_low_;
    std::vector<MemoryRegion> fixed_;
    std::map<uint64_t, MemoryRegion> dynamic_; // keyed by start; the largest size seen
};

} // namespace ebpfjit::runtime
