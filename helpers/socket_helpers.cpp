// Socket helpers over the embedder's SocketTable (include/ebpfjit/socket_table.hpp), with
// net/core/filter.c's semantics: 84 sk_lookup_tcp, 85 sk_lookup_udp, 99 skc_lookup_tcp
// (acquire a reference, or NULL), 86 sk_release (give it back), 124 sk_assign (tc: steer
// the skb to a socket; 46 get_socket_cookie then answers its cookie, in
// skb_meta_helpers.cpp).
//
// A socket pointer is the address of the struct bpf_sock fields of a Socket the run holds
// (Socket::guest_address; ExecutionState::held_sockets, one entry per reference): the
// program reads the fields there (read-only guest memory while held), helpers taking one
// look it up and never dereference a value the program made up (an unverified program
// may pass anything). References a
// program leaks (only possible without Full verification) end with the run.
#include <linux/bpf.h>

#include <algorithm>
#include <cerrno>

#include "helpers/helper_families.hpp"
#include "helpers/helper_table.hpp"
#include "helpers/packet_ctx.hpp"

namespace ebpfjit::helpers {
namespace {

using engine_abi::ExecutionState;

uint64_t err(int e) { return uint64_t(int64_t(-e)); }

// The kernel's bpf_sk_lookup / bpf_skc_lookup for the running program's ctx (tc: the
// device's namespace; XDP: the receiving device's), taking a reference on a match.
uint64_t lookup(SocketProtocol proto, bool full_only, uint64_t ctx, uint64_t tuple, uint64_t len, uint64_t netns,
                uint64_t flags) {
    ExecutionState* st = ExecutionState::current();
    if (!st || !st->sockets || ctx == 0 || tuple == 0) return 0;
    auto sk = st->sockets->lookup(proto, reinterpret_cast<const uint8_t*>(tuple), uint32_t(len), netns, flags,
                                  full_only);
    if (!sk) return 0;
    const uint64_t ptr = sk->guest_address(); // its struct bpf_sock fields
    st->held_sockets.push_back(std::move(sk));
    return ptr;
}

uint64_t sk_lookup_tcp(uint64_t ctx, uint64_t tuple, uint64_t len, uint64_t netns, uint64_t flags) {
    return lookup(SocketProtocol::Tcp, true, ctx, tuple, len, netns, flags);
}
uint64_t sk_lookup_udp(uint64_t ctx, uint64_t tuple, uint64_t len, uint64_t netns, uint64_t flags) {
    return lookup(SocketProtocol::Udp, true, ctx, tuple, len, netns, flags);
}
uint64_t skc_lookup_tcp(uint64_t ctx, uint64_t tuple, uint64_t len, uint64_t netns, uint64_t flags) {
    return lookup(SocketProtocol::Tcp, false, ctx, tuple, len, netns, flags);
}

// Gives one reference back. 0 as the kernel returns; -EINVAL for a pointer the run does
// not hold (rejected at load by Full verification).
uint64_t sk_release(uint64_t sk, uint64_t, uint64_t, uint64_t, uint64_t) {
    ExecutionState* st = ExecutionState::current();
    if (!st) return err(EINVAL);
    auto& held = st->held_sockets;
    auto it = std::find_if(held.begin(), held.end(),
                           [sk](const auto& s) { return s->guest_address() == sk; });
    if (it == held.end()) return err(EINVAL);
    held.erase(it);
    return 0;
}

// bpf_sk_assign: our tc runs are at ingress (the kernel's skb_at_tc_ingress holds), and
// the program's namespace is the device's.
uint64_t sk_assign(uint64_t ctx, uint64_t sk, uint64_t flags, uint64_t, uint64_t) {
    runtime::SkbPacket* skb = skb_of(ctx);
    const ExecutionState* st = ExecutionState::current();
    std::shared_ptr<const Socket> socket = st ? st->held_socket(sk) : nullptr;
    if (!skb || !socket || flags != 0) return err(EINVAL);
    if (socket->spec.netns != -1) return err(ENETUNREACH);
    if (!st->sockets || !st->sockets->hashed(socket.get())) return err(EOPNOTSUPP);
    skb->set_assigned_socket(std::move(socket)); // skb_orphan, then skb->sk = sk
    return 0;
}

constexpr ProgramTypeMask kTc = mask_of(ProgramType::SchedCls);
// The lookups and sk_release: tc, XDP and (sock_addr_func_proto) cgroup sock_addr hooks.
constexpr ProgramTypeMask kTcXdp = kTc | mask_of(ProgramType::Xdp) | mask_of(ProgramType::CgroupSockAddr);

} // namespace

void register_socket_helpers(HelperTable& t) {
    using enum ArgType;
    const RefRole acquires{RefKind::Socket, RefKind::None, -1};
    const RefRole releases{RefKind::None, RefKind::Socket, 0};
    // ctx, tuple (packet or stack, read), its size (> 0), netns, flags.
    const std::array<ArgType, 5> lookup_args{PtrToCtx, PtrToMem, ConstSize, Anything, Anything};
    t.add({BPF_FUNC_sk_lookup_tcp, "sk_lookup_tcp",
           Prototype{.ret = RetType::SocketOrNull, .args = lookup_args, .refs = acquires}, kTcXdp, sk_lookup_tcp});
    t.add({BPF_FUNC_sk_lookup_udp, "sk_lookup_udp",
           Prototype{.ret = RetType::SocketOrNull, .args = lookup_args, .refs = acquires}, kTcXdp, sk_lookup_udp});
    t.add({BPF_FUNC_skc_lookup_tcp, "skc_lookup_tcp",
           Prototype{.ret = RetType::SockCommonOrNull, .args = lookup_args, .refs = acquires}, kTcXdp,
           skc_lookup_tcp});
    t.add({BPF_FUNC_sk_release, "sk_release",
           Prototype{.ret = RetType::Integer, .args = {PtrToSockCommon}, .refs = releases}, kTcXdp, sk_release});
    t.add({BPF_FUNC_sk_assign, "sk_assign", Prototype{RetType::Integer, {PtrToCtx, PtrToSockCommon, Anything}}, kTc,
           sk_assign});
}

} // namespace ebpfjit::helpers
