#include "runtime/context/skb_socket.hpp"

#include "engine_abi/sock_layout.hpp"

namespace ebpfjit::runtime {

std::optional<MemoryRegion> attach_skb_socket(SkbPacket& skb, engine_abi::ExecutionState& state) {
    std::shared_ptr<const Socket> sk = skb.assigned_socket();
    if (!sk && skb.socket() && state.sockets) sk = state.sockets->find(skb.socket()->cookie);
    skb.ctx()->uapi.sk = sk ? reinterpret_cast<bpf_sock*>(sk->guest_address()) : nullptr;
    state.skb_socket = sk;
    if (!sk) return std::nullopt;
    return MemoryRegion{sk->guest_address(), engine_abi::kBpfSockSize, false};
}

} // namespace ebpfjit::runtime
