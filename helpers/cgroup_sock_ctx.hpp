// The host ctx behind a cgroup socket program's ctx argument (ebpfjit_sock_ctx.h), checked
// against the run's own ctx and program type as packet_ctx.hpp does for packets: an
// unverified program's wrong pointer is an error value, not a wild dereference.
#pragma once

#include <cstdint>

#include "ebpfjit/ebpfjit_sock_ctx.h"
#include "engine_abi/execution_state.hpp"

namespace ebpfjit::helpers {

inline bool is_cgroup_run_ctx(uint64_t ctx, ProgramType type) {
    const auto* st = engine_abi::ExecutionState::current();
    return st && st->ctx && st->type == type && reinterpret_cast<uint64_t>(st->ctx) == ctx;
}

// r1 points at the first member of both structs.
inline ebpfjit_sock_addr_ctx* sock_addr_ctx_of(uint64_t ctx) {
    return is_cgroup_run_ctx(ctx, ProgramType::CgroupSockAddr) ? reinterpret_cast<ebpfjit_sock_addr_ctx*>(ctx)
                                                                : nullptr;
}
inline ebpfjit_sock_ctx* sock_ctx_of(uint64_t ctx) {
    return is_cgroup_run_ctx(ctx, ProgramType::CgroupSock) ? reinterpret_cast<ebpfjit_sock_ctx*>(ctx) : nullptr;
}

// bpf_get_socket_cookie of a cgroup socket program (the kernel's
// bpf_get_socket_cookie_sock_addr / _sock): the embedder's socket_cookie; 0 otherwise.
inline uint64_t cgroup_socket_cookie(uint64_t ctx) {
    if (const auto* a = sock_addr_ctx_of(ctx)) return a->socket_cookie;
    if (const auto* s = sock_ctx_of(ctx)) return s->socket_cookie;
    return 0;
}

} // namespace ebpfjit::helpers
