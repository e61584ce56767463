// Tunnel metadata helpers (net/core/filter.c): bpf_skb_get_tunnel_key / _opt read the
// skb's tunnel info (SkbMetadata::tunnel, what a collect_md tunnel device received),
// bpf_skb_set_tunnel_key / _opt replace it with what the egress tunnel device is to use
// (SkbPacket::tunnel() with tx = true, read by the embedder after the run).
#include <linux/bpf.h>

#include <arpa/inet.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

#include "helpers/helper_families.hpp"
#include "helpers/helper_table.hpp"
#include "helpers/packet_ctx.hpp"
#include "ebpfjit/skb_packet.hpp"

namespace ebpfjit::helpers {
namespace {

using runtime::SkbPacket;
using runtime::TunnelInfo;

uint64_t err(int e) { return uint64_t(int64_t(-e)); }

// TUNNEL_* bits of ip_tunnel_info's tun_flags (host order here).
constexpr uint16_t kTunnelCsum = 0x01, kTunnelKey = 0x04, kTunnelSeq = 0x08, kTunnelDontFragment = 0x0100,
                   kTunnelNoCache = 0x2000;
constexpr uint32_t kTunnelOptsMax = 255; // IP_TUNNEL_OPTS_MAX

// Sizes of older struct bpf_tunnel_key layouts the kernel still takes.
bool compat_size(uint32_t size) {
    return size == offsetof(bpf_tunnel_key, local_ipv6) || size == offsetof(bpf_tunnel_key, tunnel_label) ||
           size == offsetof(bpf_tunnel_key, tunnel_ext) || size == offsetof(bpf_tunnel_key, remote_ipv6[1]);
}

uint64_t skb_get_tunnel_key(uint64_t ctx, uint64_t to_ptr, uint64_t size_arg, uint64_t flags, uint64_t) {
    auto* to_orig = reinterpret_cast<uint8_t*>(to_ptr);
    const uint32_t size = uint32_t(size_arg);
    SkbPacket* skb = skb_of(ctx);
    const TunnelInfo* info = skb && skb->tunnel() ? &*skb->tunnel() : nullptr;
    int e = EINVAL;
    if (!info || (flags & ~(uint64_t(BPF_F_TUNINFO_IPV6) | uint64_t(BPF_F_TUNINFO_FLAGS)))) {
        e = EINVAL;
    } else if (info->ipv6 != bool(flags & BPF_F_TUNINFO_IPV6)) {
        e = EPROTO;
    } else if (size != sizeof(bpf_tunnel_key) && !compat_size(size)) {
        e = EINVAL;
    } else if (size == offsetof(bpf_tunnel_key, remote_ipv6[1]) && info->ipv6) {
        e = EINVAL;
    } else {
        // The kernel reads key.u.src as `remote` and key.u.dst as `local`; a key this
        // program set (tx) stored remote in dst, so reading it back swaps the two.
        const auto& remote = info->tx ? info->local : info->remote;
        const auto& local = info->tx ? info->remote : info->local;
        bpf_tunnel_key key{};
        key.tunnel_id = uint32_t(info->id);
        key.tunnel_tos = info->tos;
        key.tunnel_ttl = info->ttl;
        if (flags & BPF_F_TUNINFO_FLAGS) key.tunnel_flags = htons(info->flags);
        if (info->ipv6) {
            std::memcpy(key.remote_ipv6, remote.data(), 16);
            std::memcpy(key.local_ipv6, local.data(), 16);
            key.tunnel_label = info->label;
        } else {
            key.remote_ipv4 = remote[0];
            key.local_ipv4 = local[0];
        }
        std::memcpy(to_orig, &key, size);
        return 0;
    }
    std::memset(to_orig, 0, size);
    return err(e);
}

uint64_t skb_set_tunnel_key(uint64_t ctx, uint64_t from_ptr, uint64_t size_arg, uint64_t flags, uint64_t) {
    SkbPacket* skb = skb_of(ctx);
    if (!skb) return err(EINVAL);
    const uint32_t size = uint32_t(size_arg);
    if (flags & ~(uint64_t(BPF_F_TUNINFO_IPV6) | BPF_F_ZERO_CSUM_TX | BPF_F_DONT_FRAGMENT | BPF_F_SEQ_NUMBER))
        return err(EINVAL);
    if (size != sizeof(bpf_tunnel_key) && !compat_size(size)) return err(EINVAL);
    bpf_tunnel_key from{}; // older layouts: the rest reads as zero
    std::memcpy(&from, reinterpret_cast<const void*>(from_ptr), size);
    const bool ipv6 = flags & BPF_F_TUNINFO_IPV6;
    if ((!ipv6 && from.tunnel_label) || from.tunnel_ext) return err(EINVAL);

    TunnelInfo info;
    info.tx = true;
    info.ipv6 = ipv6;
    info.flags = kTunnelKey | kTunnelCsum | kTunnelNoCache;
    if (flags & BPF_F_DONT_FRAGMENT) info.flags |= kTunnelDontFragment;
    if (flags & BPF_F_ZERO_CSUM_TX) info.flags &= uint16_t(~kTunnelCsum);
    if (flags & BPF_F_SEQ_NUMBER) info.flags |= kTunnelSeq;
    info.id = from.tunnel_id;
    info.tos = from.tunnel_tos;
    info.ttl = from.tunnel_ttl;
    if (ipv6) {
        std::memcpy(info.remote.data(), from.remote_ipv6, 16);
        std::memcpy(info.local.data(), from.local_ipv6, 16);
        info.label = from.tunnel_label & 0xfffff; // IPV6_FLOWLABEL_MASK
    } else {
        info.remote[0] = from.remote_ipv4;
        info.local[0] = from.local_ipv4;
    }
    skb->tunnel() = std::move(info);
    return 0;
}

uint64_t skb_get_tunnel_opt(uint64_t ctx, uint64_t to_ptr, uint64_t size_arg, uint64_t, uint64_t) {
    auto* to = reinterpret_cast<uint8_t*>(to_ptr);
    const uint32_t size = uint32_t(size_arg);
    SkbPacket* skb = skb_of(ctx);
    const TunnelInfo* info = skb && skb->tunnel() ? &*skb->tunnel() : nullptr;
    if (!info || info->options.empty()) {
        std::memset(to, 0, size);
        return err(ENOENT);
    }
    const uint32_t n = uint32_t(info->options.size());
    if (size < n) {
        std::memset(to, 0, size);
        return err(ENOMEM);
    }
    std::memcpy(to, info->options.data(), n);
    std::memset(to + n, 0, size - n);
    return n;
}

// Only on top of a key this program set (the kernel's per-CPU metadata dst).
uint64_t skb_set_tunnel_opt(uint64_t ctx, uint64_t from_ptr, uint64_t size_arg, uint64_t, uint64_t) {
    SkbPacket* skb = skb_of(ctx);
    const uint32_t size = uint32_t(size_arg);
    if (!skb || !skb->tunnel() || !skb->tunnel()->tx || (size & 3)) return err(EINVAL);
    if (size > kTunnelOptsMax) return err(ENOMEM);
    const auto* from = reinterpret_cast<const uint8_t*>(from_ptr);
    skb->tunnel()->options.assign(from, from + size);
    return 0;
}

constexpr ProgramTypeMask kTc = mask_of(ProgramType::SchedCls);

} // namespace

void register_tunnel_helpers(HelperTable& t) {
    using enum ArgType;
    t.add({BPF_FUNC_skb_get_tunnel_key, "skb_get_tunnel_key",
           Prototype{RetType::Integer, {PtrToCtx, PtrToUninitMem, ConstSize, Anything}}, kTc, skb_get_tunnel_key});
    t.add({BPF_FUNC_skb_set_tunnel_key, "skb_set_tunnel_key",
           Prototype{RetType::Integer, {PtrToCtx, PtrToMem, ConstSize, Anything}}, kTc, skb_set_tunnel_key});
    t.add({BPF_FUNC_skb_get_tunnel_opt, "skb_get_tunnel_opt",
           Prototype{RetType::Integer, {PtrToCtx, PtrToUninitMem, ConstSize}}, kTc, skb_get_tunnel_opt});
    t.add({BPF_FUNC_skb_set_tunnel_opt, "skb_set_tunnel_opt",
           Prototype{RetType::Integer, {PtrToCtx, PtrToMem, ConstSize}}, kTc, skb_set_tunnel_opt});
}

} // namespace ebpfjit::helpers
