// FrameInfo: what every full entry frame (and every callback thunk's frame) keeps on the
// host stack for the code below it; both backends' frame_layout.hpp place it, the code
// reaches it through a fixed register (x86-64 r12, A64 x24) at these offsets.
#pragma once

#include <cstddef>
#include <cstdint>

#include "engine_abi/run_status.hpp"

namespace ebpfjit::engine_abi {

// One region a checked access may touch for the rest of the run, or until the next helper
// call (jit/access_cache.hpp): an access of up to 8 bytes at start + d lies inside when
// d < span (= the region's length - 7, unsigned). Empty: span = 0 (every access misses).
// Loads use entries 0-3, stores and atomics 4-7, chosen by the instruction's index.
inline constexpr uint32_t kAccessCacheEntries = 8;
struct AccessCache {
    uint64_t start;
    uint64_t span;
};

struct FrameInfo {
    uint64_t tail_call_count; // tail calls taken in this run (kernel limit: 33)
    const uint8_t* packet;    // what LD_ABS / LD_IND read (nullptr in a callback thunk)
    uint64_t packet_len;
    RunStatus* status;        // the run's status (faults, budget, checked run)
    // The r10 of this frame chain's first frame, in the eBPF stack (engine_abi/ebpf_stack_layout.hpp):
    // a tail call starts the target there again; checked code's stack windows end there.
    uint8_t* stack_top;
    // Checked code's inline fast path (jit/access_cache.hpp): per entry, the region the
    // previous checked access using it hit (writable in the store and atomic entries).
    AccessCache cache[kAccessCacheEntries];
};

inline constexpr int32_t kInfoTailCallCount = offsetof(FrameInfo, tail_call_count);
inline constexpr int32_t kInfoPacket = offsetof(FrameInfo, packet);
inline constexpr int32_t kInfoPacketLen = offsetof(FrameInfo, packet_len);
inline constexpr int32_t kInfoStatus = offsetof(FrameInfo, status);
inline constexpr int32_t kInfoStackTop = offsetof(FrameInfo, stack_top);
inline constexpr int32_t kInfoAccessCache = offsetof(FrameInfo, cache);
inline constexpr int32_t kCacheStart = offsetof(AccessCache, start);
inline constexpr int32_t kCacheSpan = offsetof(AccessCache, span);
inline constexpr int32_t kFrameInfoSize = sizeof(FrameInfo);

// The code loads and stores every field as one 8-byte word, and A64 reaches them with
// scaled unsigned 12-bit offsets: 8-byte aligned, small.
static_assert(kInfoTailCallCount % 8 == 0 && kInfoPacket % 8 == 0 && kInfoPacketLen % 8 == 0 &&
              kInfoStatus % 8 == 0 && kInfoStackTop % 8 == 0 && kInfoAccessCache % 8 == 0 &&
              kCacheSpan == kCacheStart + 8 && sizeof(AccessCache) == 16);
static_assert(sizeof(FrameInfo) == 5 * 8 + kAccessCacheEntries * 16, "no padding: the fields are what the frames hold");

} // namespace ebpfjit::engine_abi
