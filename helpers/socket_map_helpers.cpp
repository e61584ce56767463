#include "helpers/socket_map_ops.hpp"

#include <cerrno>

#include "engine_abi/execution_state.hpp"
#include "runtime/maps/sock_map.hpp"

namespace ebpfjit::helpers {

using engine_abi::ExecutionState;

uint64_t socket_map_lookup(maps::SocketMap& map, const void* key) {
    ExecutionState* st = ExecutionState::current();
    const uint64_t cookie = map.cookie_at(key);
    if (!st || !st->sockets || cookie == 0) return 0;
    auto sk = st->sockets->find(cookie);
    if (!sk) return 0; // removed from the table: the kernel unlinks a closed socket
    const uint64_t ptr = sk->guest_address();
    st->held_sockets.push_back(std::move(sk));
    return ptr;
}

bool socket_map_state_allowed(const Socket& sk) {
    return sk.spec.protocol != SocketProtocol::Tcp || sk.spec.state == kTcpEstablished ||
           sk.spec.state == kTcpListen;
}

int socket_map_update(maps::SocketMap& map, const void* key, uint64_t sk, uint64_t flags) {
    const ExecutionState* st = ExecutionState::current();
    auto socket = st ? st->socket_at(sk) : nullptr;
    if (!socket || socket->time_wait()) return -EINVAL; // !sk || !sk_fullsock(sk)
    if (!socket_map_state_allowed(*socket)) return -EOPNOTSUPP;
    return map.store(key, socket->spec.cookie, flags);
}

} // namespace ebpfjit::helpers
