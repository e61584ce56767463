// skb->sk for a tc or socket-filter run: the socket bpf_sk_assign set, else the embedder's
// SkbMetadata::socket when the run's SocketTable has a socket with that cookie. Its
// struct bpf_sock address goes into __sk_buff.sk (the verifier's PTR_TO_SOCK_COMMON_OR_NULL)
// and the run keeps the socket (ExecutionState::skb_socket), as the kernel's skb holds its
// socket: programs read its fields and pass it to helpers (bpf_sk_fullsock, a sockmap
// update) without a reference.
#pragma once

#include <optional>

#include "ebpfjit/memory_region.hpp"
#include "ebpfjit/skb_packet.hpp"
#include "engine_abi/execution_state.hpp"

namespace ebpfjit::runtime {

// Sets __sk_buff.sk (0 without a socket) and state.skb_socket; returns the socket's
// read-only fields region for the checked engines, if there is a socket.
std::optional<MemoryRegion> attach_skb_socket(SkbPacket& skb, engine_abi::ExecutionState& state);

} // namespace ebpfjit::runtime
