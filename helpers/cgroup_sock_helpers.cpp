// Helpers only the cgroup socket program types have: 64 bind (connect4 / connect6).
// Their share of the common helpers (get_socket_cookie, get_netns_cookie, sk_lookup_*,
// get_current_*, perf_event_output) is in those helpers' own entries, whose allowlists
// follow the kernel's sock_addr_func_proto / sock_filter_func_proto.
#include <linux/bpf.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>

#include "helpers/cgroup_sock_ctx.hpp"
#include "helpers/helper_families.hpp"
#include "helpers/helper_table.hpp"

namespace ebpfjit::helpers {
namespace {

uint64_t err(int e) { return uint64_t(int64_t(-e)); }

// bpf_bind(ctx, addr, addr_len), net/core/filter.c: the argument checks of the kernel's
// helper; the bind itself (__inet_bind / inet6_bind) is the embedder's, which finds the
// request in ebpfjit_sock_addr_ctx::bind_addr / bind_len after the run.
uint64_t bind(uint64_t ctx, uint64_t addr, uint64_t addr_len, uint64_t, uint64_t) {
    ebpfjit_sock_addr_ctx* sa = sock_addr_ctx_of(ctx);
    if (!sa || addr == 0) return err(EINVAL);
    const int64_t len = int64_t(int32_t(addr_len));
    if (len < int64_t(offsetof(sockaddr, sa_family) + sizeof(sa_family_t))) return err(EINVAL);
    sa_family_t family;
    std::memcpy(&family, reinterpret_cast<const uint8_t*>(addr) + offsetof(sockaddr, sa_family), sizeof family);
    constexpr int64_t kSin6LenRfc2133 = 24; // SIN6_LEN_RFC2133: sockaddr_in6 without scope id
    if (family == AF_INET) {
        if (len < int64_t(sizeof(sockaddr_in))) return err(EINVAL);
    } else if (family == AF_INET6) {
        if (len < kSin6LenRfc2133) return err(EINVAL);
    } else {
        return err(EAFNOSUPPORT);
    }
    // __inet_bind refuses an address of the other family than the socket's.
    if (sa->sock.family != 0 && sa->sock.family != family) return err(EAFNOSUPPORT);
    const size_t n = std::min<size_t>(size_t(len), sizeof sa->bind_addr);
    std::memcpy(sa->bind_addr, reinterpret_cast<const void*>(addr), n);
    sa->bind_len = uint32_t(n);
    return 0;
}

} // namespace

void register_cgroup_sock_helpers(HelperTable& t) {
    using enum ArgType;
    Helper h{BPF_FUNC_bind, "bind", Prototype{RetType::Integer, {PtrToCtx, PtrToMem, ConstSize}},
             mask_of(ProgramType::CgroupSockAddr), bind};
    h.allowed_attach = attach_mask_of(AttachType::Inet4Connect) | attach_mask_of(AttachType::Inet6Connect);
    t.add(h);
}

} // namespace ebpfjit::helpers
