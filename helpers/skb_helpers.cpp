// The __sk_buff helpers of tc and socket-filter programs, over runtime::SkbPacket, with
// net/core/filter.c's checks and errors. Offsets are from skb->data (the MAC header).
//
// Checksum bookkeeping: with ChecksumState::Complete the packet's whole-packet sum
// (skb->csum) is kept in step: BPF_F_RECOMPUTE_CSUM on stores, BPF_F_PSEUDO_HDR on l4
// replacements, and bpf_csum_update. CHECKSUM_PARTIAL (a checksum the NIC will finish) is
// not modelled: an skb is NONE or COMPLETE.
#include <linux/bpf.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "helpers/checksum.hpp"
#include "helpers/helper_families.hpp"
#include "helpers/helper_table.hpp"
#include "helpers/packet_ctx.hpp"
#include "ebpfjit/skb_packet.hpp"

namespace ebpfjit::helpers {
namespace {

using runtime::ChecksumState;
using runtime::SkbPacket;

constexpr int kENOTSUPP = 524;          // the kernel's internal ENOTSUPP (not in errno.h)
constexpr uint16_t kCsumMangled0 = 0xffff; // CSUM_MANGLED_0

uint64_t err(int e) { return uint64_t(int64_t(-e)); }

uint64_t skb_load_bytes(uint64_t ctx, uint64_t offset, uint64_t to, uint64_t len, uint64_t) {
    SkbPacket* p = skb_of(ctx);
    auto* out = reinterpret_cast<uint8_t*>(to);
    const uint32_t off = uint32_t(offset), n = uint32_t(len);
    if (!p) {
        std::memset(out, 0, n);
        return err(EINVAL);
    }
    SkbPacket& skb = *p;
    if (off > INT_MAX || uint64_t(off) + n > skb.length()) {
        std::memset(out, 0, n);
        return err(EFAULT);
    }
    std::memcpy(out, skb.bytes().data() + off, n);
    return 0;
}

uint64_t skb_store_bytes(uint64_t ctx, uint64_t offset, uint64_t from, uint64_t len, uint64_t flags) {
    SkbPacket* p = skb_of(ctx);
    if (!p) return err(EINVAL);
    SkbPacket& skb = *p;
    const uint32_t off = uint32_t(offset), n = uint32_t(len);
    if (flags & ~uint64_t(BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH)) return err(EINVAL);
    if (off > INT_MAX) return err(EFAULT);
    if (uint64_t(off) + n > UINT32_MAX || skb.make_writable(off + n) != 0) return err(EFAULT);
    uint8_t* ptr = skb.bytes().data() + off;
    const bool recompute = (flags & BPF_F_RECOMPUTE_CSUM) && skb.checksum_state() == ChecksumState::Complete;
    if (recompute) skb.set_csum(csum::block_sub(skb.csum(), csum::partial(ptr, n, 0), off));
    std::memmove(ptr, reinterpret_cast<const void*>(from), n);
    if (recompute) skb.set_csum(csum::block_add(skb.csum(), csum::partial(ptr, n, 0), off));
    if (flags & BPF_F_INVALIDATE_HASH) skb.clear_hash();
    return 0;
}

// The 16-bit checksum field at `offset`, made writable; nullptr after an -EFAULT.
uint16_t* csum_field(SkbPacket& skb, uint64_t offset) {
    const uint32_t off = uint32_t(offset);
    if (off > 0xffff || (off & 1)) return nullptr;
    if (skb.make_writable(off + 2) != 0) return nullptr;
    return reinterpret_cast<uint16_t*>(skb.bytes().data() + off);
}

uint64_t l3_csum_replace(uint64_t ctx, uint64_t offset, uint64_t from, uint64_t to, uint64_t flags) {
    SkbPacket* p = skb_of(ctx);
    if (!p) return err(EINVAL);
    SkbPacket& skb = *p;
    if (flags & ~uint64_t(BPF_F_HDR_FIELD_MASK)) return err(EINVAL);
    uint16_t* field = csum_field(skb, offset);
    if (!field) return err(EFAULT);
    uint16_t sum;
    std::memcpy(&sum, field, 2);
    switch (flags & BPF_F_HDR_FIELD_MASK) {
    case 0:
        if (from != 0) return err(EINVAL);
        csum::replace_by_diff(&sum, uint32_t(to));
        break;
    case 2: csum::replace2(&sum, uint16_t(from), uint16_t(to)); break;
    case 4: csum::replace4(&sum, uint32_t(from), uint32_t(to)); break;
    default: return err(EINVAL);
    }
    std::memcpy(field, &sum, 2);
    return 0;
}

uint64_t l4_csum_replace(uint64_t ctx, uint64_t offset, uint64_t from, uint64_t to, uint64_t flags) {
    SkbPacket* p = skb_of(ctx);
    if (!p) return err(EINVAL);
    SkbPacket& skb = *p;
    const bool pseudo = flags & BPF_F_PSEUDO_HDR;
    const bool mangled0 = flags & BPF_F_MARK_MANGLED_0;
    const bool enforce = flags & BPF_F_MARK_ENFORCE;
    if (flags & ~uint64_t(BPF_F_MARK_MANGLED_0 | BPF_F_MARK_ENFORCE | BPF_F_PSEUDO_HDR |
                          BPF_F_HDR_FIELD_MASK))
        return err(EINVAL);
    uint16_t* field = csum_field(skb, offset);
    if (!field) return err(EFAULT);
    uint16_t sum;
    std::memcpy(&sum, field, 2);
    if (mangled0 && !enforce && sum == 0) return 0; // UDP: checksum not in use
    const bool complete = skb.checksum_state() == ChecksumState::Complete && pseudo;
    switch (flags & BPF_F_HDR_FIELD_MASK) {
    case 0:
        if (from != 0) return err(EINVAL);
        csum::replace_by_diff(&sum, uint32_t(to));
        if (complete) skb.set_csum(~csum::add(uint32_t(to), ~skb.csum()));
        break;
    case 2:
    case 4: {
        // inet_proto_csum_replace2 widens the 16-bit values and calls ..._replace4.
        const bool two = (flags & BPF_F_HDR_FIELD_MASK) == 2;
        const uint32_t f = two ? uint16_t(from) : uint32_t(from);
        const uint32_t t = two ? uint16_t(to) : uint32_t(to);
        csum::replace4(&sum, f, t);
        if (complete) skb.set_csum(~csum::add(csum::sub(~skb.csum(), f), t));
        break;
    }
    default: return err(EINVAL);
    }
    if (mangled0 && sum == 0) sum = kCsumMangled0;
    std::memcpy(field, &sum, 2);
    return 0;
}

// The seed plus the sum of ~from words and to words (sizes multiples of 4, together at
// most 512 bytes, the kernel's scratch buffer). Equal to the kernel's result modulo 0xffff,
// i.e. identical once folded into a checksum field.
uint64_t csum_diff(uint64_t from, uint64_t from_size, uint64_t to, uint64_t to_size, uint64_t seed) {
    const uint32_t fs = uint32_t(from_size), ts = uint32_t(to_size);
    if (((fs | ts) & 3) || uint64_t(fs) + ts > 512) return err(EINVAL);
    uint32_t sum = uint32_t(seed);
    for (uint32_t i = 0; i < fs; i += 4) {
        uint32_t w;
        std::memcpy(&w, reinterpret_cast<const uint8_t*>(from) + i, 4);
        sum = csum::add(sum, ~w);
    }
    if (ts) sum = csum::partial(reinterpret_cast<const void*>(to), ts, sum);
    return sum;
}

uint64_t csum_update(uint64_t ctx, uint64_t csum, uint64_t, uint64_t, uint64_t) {
    SkbPacket* p = skb_of(ctx);
    if (!p) return err(EINVAL);
    SkbPacket& skb = *p;
    if (skb.checksum_state() != ChecksumState::Complete) return err(kENOTSUPP);
    skb.set_csum(csum::add(skb.csum(), uint32_t(csum)));
    return skb.csum();
}

uint64_t skb_pull_data(uint64_t ctx, uint64_t len, uint64_t, uint64_t, uint64_t) {
    SkbPacket* p = skb_of(ctx);
    if (!p) return err(EINVAL);
    SkbPacket& skb = *p;
    const uint32_t n = uint32_t(len);
    return uint64_t(int64_t(skb.make_writable(n ? n : skb.linear_length())));
}

constexpr ProgramTypeMask kTc = mask_of(ProgramType::SchedCls);
constexpr ProgramTypeMask kTcSocket = kTc | mask_of(ProgramType::SocketFilter);
constexpr ProgramTypeMask kTcXdp = kTc | mask_of(ProgramType::Xdp);

} // namespace

void register_skb_helpers(HelperTable& t) {
    using enum ArgType;
    t.add({BPF_FUNC_skb_load_bytes, "skb_load_bytes",
           Prototype{RetType::Integer, {PtrToCtx, Anything, PtrToUninitMem, ConstSize}}, kTcSocket,
           skb_load_bytes});
    t.add({BPF_FUNC_skb_store_bytes, "skb_store_bytes",
           Prototype{RetType::Integer, {PtrToCtx, Anything, PtrToMem, ConstSize, Anything}}, kTc,
           skb_store_bytes, true});
    t.add({BPF_FUNC_l3_csum_replace, "l3_csum_replace",
           Prototype{RetType::Integer, {PtrToCtx, Anything, Anything, Anything, Anything}}, kTc,
           l3_csum_replace, true});
    t.add({BPF_FUNC_l4_csum_replace, "l4_csum_replace",
           Prototype{RetType::Integer, {PtrToCtx, Anything, Anything, Anything, Anything}}, kTc,
           l4_csum_replace, true});
    t.add({BPF_FUNC_csum_diff, "csum_diff",
           Prototype{RetType::Integer,
                     {PtrToMemOrNull, ConstSizeOrZero, PtrToMemOrNull, ConstSizeOrZero, Anything}},
           kTcXdp, csum_diff});
    t.add({BPF_FUNC_csum_update, "csum_update", Prototype{RetType::Integer, {PtrToCtx, Anything}},
           kTc, csum_update});
    t.add({BPF_FUNC_skb_pull_data, "skb_pull_data", Prototype{RetType::Integer, {PtrToCtx, Anything}},
           kTc, skb_pull_data, true});
}

} // namespace ebpfjit::helpers
