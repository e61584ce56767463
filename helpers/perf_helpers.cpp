// bpf_perf_event_output into a PerfEventArray (runtime/maps/perf_event_array.hpp).
// Packet programs may append the first ctxlen bytes of the packet (flags bits 32-51,
// BPF_F_CTXLEN_MASK), as bpf_xdp_event_output / bpf_skb_event_output do; `mem` programs
// use the tracing variant, where only the index bits are allowed.
#include <linux/bpf.h>

#include <cerrno>

#include "helpers/helper_families.hpp"
#include "helpers/helper_table.hpp"
#include "helpers/packet_ctx.hpp"
#include "ebpfjit/skb_packet.hpp"
#include "ebpfjit/xdp_frame.hpp"
#include "engine_abi/execution_state.hpp"
#include "runtime/maps/perf_event_array.hpp"

namespace ebpfjit::helpers {
namespace {

// The packet bytes a packet program's ctx exposes to ctxlen; empty for `mem` or a ctx
// that is not the run's.
std::span<const uint8_t> packet_of(uint64_t ctx, ProgramType type) {
    switch (type) {
    case ProgramType::Xdp:
        if (auto* f = xdp_frame_of(ctx)) return f->packet();
        return {};
    case ProgramType::SchedCls:
    case ProgramType::SocketFilter:
        if (auto* s = skb_of(ctx)) return s->bytes();
        return {};
    case ProgramType::Mem:
    case ProgramType::CgroupSockAddr:
    case ProgramType::CgroupSock: return {};
    }
    return {};
}

uint64_t perf_event_output(uint64_t ctx, uint64_t map, uint64_t flags, uint64_t data, uint64_t size) {
    const auto* st = engine_abi::ExecutionState::current();
    const ProgramType type = st ? st->type : ProgramType::Mem;
    auto* events = dynamic_cast<maps::PerfEventArray*>(reinterpret_cast<maps::Map*>(map));
    if (!events) return uint64_t(-EINVAL);

    // bpf_event_output_data_proto (mem and the cgroup socket hooks): no ctx bytes to append.
    const bool packet = type == ProgramType::Xdp || type == ProgramType::SchedCls || type == ProgramType::SocketFilter;
    const uint64_t allowed = packet ? (BPF_F_CTXLEN_MASK | BPF_F_INDEX_MASK) : BPF_F_INDEX_MASK;
    if (flags & ~allowed) return uint64_t(-EINVAL);
    std::span<const uint8_t> extra;
    if (packet) {
        const uint64_t ctxlen = (flags & BPF_F_CTXLEN_MASK) >> 32;
        auto pkt = packet_of(ctx, type);
        if (ctxlen > pkt.size()) return uint64_t(-EFAULT);
        extra = pkt.first(ctxlen);
    }
    uint64_t index = flags & BPF_F_INDEX_MASK;
    if (index == BPF_F_CURRENT_CPU) index = st ? st->cpu : 0;
    std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(data), size_t(size));
    return uint64_t(int64_t(events->output(uint32_t(index), bytes, extra)));
}

} // namespace

void register_perf_helpers(HelperTable& t) {
    t.add({BPF_FUNC_perf_event_output, "perf_event_output",
           Prototype{.ret = RetType::Integer,
                     .args = {ArgType::PtrToCtx, ArgType::ConstMapPtr, ArgType::Anything, ArgType::PtrToMem,
                              ArgType::ConstSizeOrZero},
                     .map_types = map_types({engine_abi::map_type::kPerfEventArray})},
           kAllProgramTypes, perf_event_output});
}

} // namespace ebpfjit::helpers
