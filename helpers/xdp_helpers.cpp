// The xdp_buff helpers, over runtime::XdpFrame (which holds the kernel's limits for the
// head, meta and tail adjustments).
#include <linux/bpf.h>

#include <cerrno>
#include <cstring>

#include "helpers/helper_families.hpp"
#include "helpers/helper_table.hpp"
#include "helpers/packet_ctx.hpp"
#include "ebpfjit/xdp_frame.hpp"

namespace ebpfjit::helpers {
namespace {

using runtime::XdpFrame;

uint64_t result(int r) { return uint64_t(int64_t(r)); }

uint64_t xdp_adjust_head(uint64_t ctx, uint64_t delta, uint64_t, uint64_t, uint64_t) {
    XdpFrame* f = xdp_frame_of(ctx);
    return result(f ? f->adjust_head(int32_t(delta)) : -EINVAL);
}

uint64_t xdp_adjust_meta(uint64_t ctx, uint64_t delta, uint64_t, uint64_t, uint64_t) {
    XdpFrame* f = xdp_frame_of(ctx);
    return result(f ? f->adjust_meta(int32_t(delta)) : -EINVAL);
}

uint64_t xdp_adjust_tail(uint64_t ctx, uint64_t delta, uint64_t, uint64_t, uint64_t) {
    XdpFrame* f = xdp_frame_of(ctx);
    return result(f ? f->adjust_tail(int32_t(delta)) : -EINVAL);
}

uint64_t xdp_get_buff_len(uint64_t ctx, uint64_t, uint64_t, uint64_t, uint64_t) {
    XdpFrame* f = xdp_frame_of(ctx);
    return f ? f->length() : 0;
}

// bpf_xdp_pointer: -EFAULT for offsets or lengths over 0xffff, -EINVAL past the end.
uint8_t* xdp_pointer(XdpFrame* frame, uint32_t offset, uint32_t len, int* error) {
    if (!frame) {
        *error = -EINVAL;
        return nullptr;
    }
    if (offset > 0xffff || len > 0xffff) {
        *error = -EFAULT;
        return nullptr;
    }
    if (offset + len > frame->length()) {
        *error = -EINVAL;
        return nullptr;
    }
    return frame->packet().data() + offset;
}

// On an error `buf` is zeroed, as bpf_skb_load_bytes does (the kernel's bpf_xdp_load_bytes
// leaves it as it was): the verifier counts it as written either way, and what was there
// may be an earlier run's spilled pointer.
uint64_t xdp_load_bytes(uint64_t ctx, uint64_t offset, uint64_t buf, uint64_t len, uint64_t) {
    int error = 0;
    uint8_t* p = xdp_pointer(xdp_frame_of(ctx), uint32_t(offset), uint32_t(len), &error);
    if (!p) {
        std::memset(reinterpret_cast<void*>(buf), 0, uint32_t(len));
        return result(error);
    }
    std::memcpy(reinterpret_cast<void*>(buf), p, uint32_t(len));
    return 0;
}

uint64_t xdp_store_bytes(uint64_t ctx, uint64_t offset, uint64_t buf, uint64_t len, uint64_t) {
    int error = 0;
    uint8_t* p = xdp_pointer(xdp_frame_of(ctx), uint32_t(offset), uint32_t(len), &error);
    if (!p) return result(error);
    std::memmove(p, reinterpret_cast<const void*>(buf), uint32_t(len));
    return 0;
}

constexpr ProgramTypeMask kXdp = mask_of(ProgramType::Xdp);

} // namespace

void register_xdp_helpers(HelperTable& t) {
    using enum ArgType;
    const Prototype adjust{RetType::Integer, {PtrToCtx, Anything}};
    t.add({BPF_FUNC_xdp_adjust_head, "xdp_adjust_head", adjust, kXdp, xdp_adjust_head, true});
    t.add({BPF_FUNC_xdp_adjust_meta, "xdp_adjust_meta", adjust, kXdp, xdp_adjust_meta, true});
    t.add({BPF_FUNC_xdp_adjust_tail, "xdp_adjust_tail", adjust, kXdp, xdp_adjust_tail, true});
    t.add({BPF_FUNC_xdp_get_buff_len, "xdp_get_buff_len", Prototype{RetType::Integer, {PtrToCtx}},
           kXdp, xdp_get_buff_len});
    t.add({BPF_FUNC_xdp_load_bytes, "xdp_load_bytes",
           Prototype{RetType::Integer, {PtrToCtx, Anything, PtrToUninitMem, ConstSize}}, kXdp,
           xdp_load_bytes});
    t.add({BPF_FUNC_xdp_store_bytes, "xdp_store_bytes",
           Prototype{RetType::Integer, {PtrToCtx, Anything, PtrToMem, ConstSize}}, kXdp,
           xdp_store_bytes});
}

} // namespace ebpfjit::helpers
