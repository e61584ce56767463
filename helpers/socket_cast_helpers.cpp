// 95 bpf_sk_fullsock (tc): the socket pointer itself when it names a full socket, NULL for
// a time-wait one (net/core/filter.c). Its argument is usually skb->sk, which the run
// holds without a reference (ExecutionState::skb_socket); the verifier refuses a
// referenced one (Prototype::casts_socket), whose cast would share its reference.
#include <linux/bpf.h>

#include "helpers/helper_families.hpp"
#include "helpers/helper_table.hpp"
#include "engine_abi/execution_state.hpp"

namespace ebpfjit::helpers {
namespace {

uint64_t sk_fullsock(uint64_t sk, uint64_t, uint64_t, uint64_t, uint64_t) {
    const engine_abi::ExecutionState* st = engine_abi::ExecutionState::current();
    auto socket = st ? st->socket_at(sk) : nullptr;
    return socket && !socket->time_wait() ? sk : 0;
}

} // namespace

void register_socket_cast_helpers(HelperTable& t) {
    using enum ArgType;
    t.add({BPF_FUNC_sk_fullsock, "sk_fullsock",
           Prototype{.ret = RetType::SocketOrNull, .args = {PtrToSockCommon}, .casts_socket = true},
           mask_of(ProgramType::SchedCls), sk_fullsock});
}

} // namespace ebpfjit::helpers
