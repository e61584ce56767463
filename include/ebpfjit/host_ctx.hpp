// What r1 points to when an XDP, tc or socket-filter program runs: the uapi struct the
// program was compiled against, byte for byte, then the real 64-bit packet pointers the
// rewritten ctx loads read (engine_abi/ctx_layout.hpp has the picture and the field
// table). Public because XdpFrame and SkbPacket hold it by value; an embedder never
// needs its fields.
#pragma once

#include <linux/bpf.h>

#include <cstdint>

namespace ebpfjit {

// Host-side pointer block that follows the uapi struct.
struct HostPointers {
    uint64_t data = 0;
    uint64_t data_end = 0;
    uint64_t data_meta = 0;
    void* owner = nullptr; // the runtime object behind this ctx (helpers use it)
};

struct XdpHostCtx {
    xdp_md uapi{};
    HostPointers ptr;
};

struct SkbHostCtx {
    __sk_buff uapi{};
    HostPointers ptr;
};

} // namespace ebpfjit
