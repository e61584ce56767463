// bpf_map_lookup_elem / bpf_map_update_elem on a SOCKMAP or SOCKHASH (runtime/maps/sock_map.hpp),
// called by the map helpers (map_helpers.cpp) when their map holds sockets: the map keeps
// cookies, these turn the program's socket pointers into cookies and back through the run's
// ExecutionState (its SocketTable and the sockets it holds).
#pragma once

#include <cstdint>

#include "ebpfjit/socket_table.hpp"

namespace ebpfjit::maps {
class SocketMap;
}

namespace ebpfjit::helpers {

// The socket stored at `key`, acquired for the run (a reference the program gives back
// with bpf_sk_release), as its struct bpf_sock address; 0 (NULL) when the slot is empty or
// its socket is no longer in the table.
uint64_t socket_map_lookup(maps::SocketMap& map, const void* key);
// sock_map_sk_state_allowed: a TCP socket only when established or listening; UDP always.
bool socket_map_state_allowed(const Socket& sk);
// sock_map_update_elem: `sk` must be a full socket the run holds (or the skb's): -EINVAL
// otherwise; a TCP socket neither established nor listening: -EOPNOTSUPP; then the map's
// flag rules (SocketMap::store).
int socket_map_update(maps::SocketMap& map, const void* key, uint64_t sk, uint64_t flags);

} // namespace ebpfjit::helpers
