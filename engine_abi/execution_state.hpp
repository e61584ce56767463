// Per-run state a helper may need (packet buffer, tail-call count, per-CPU slot).
// A RunScope (runtime/run/run_scope.hpp) sets ExecutionState::current() for the running thread,
// on either engine.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "ebpfjit/program_type.hpp"
#include "ebpfjit/socket_table.hpp"
#include "ebpfjit/verdict.hpp"

namespace ebpfjit::maps { class Map; }

namespace ebpfjit {
class HostNetwork; // ebpfjit/host_network.hpp
}

namespace ebpfjit::engine_abi {

// Memory a helper hands to a callback (bpf_for_each_map_elem's key and value): the
// interpreter makes it accessible to the callback; the JIT needs nothing.
struct CallbackMemory {
    const void* start = nullptr;
    uint64_t size = 0;
    bool writable = false;
    // A map value stays valid for the whole run, as a lookup's value does (the verifier lets
    // a callback keep it in its caller's stack); a key lives in the helper's buffer and is
    // withdrawn when the callback returns.
    bool for_the_run = false;
};

// How a helper (bpf_loop, bpf_for_each_map_elem) calls back into the running program.
// `fn` is the value the program loaded with LDDW src 4; each engine installs its own
// invoker for the run (see runtime/interpreter/callbacks.hpp and runtime/run/jit_callbacks.hpp):
//
//   program ──call helper──► helper (C++) ──state.invoke_callback(fn, r1..r5)──► engine
//                                 ▲                                               │
//                                 └──────── r0 of the callback subprogram ◄───────┘
//
// invoke() returns false when the run must end (a fault or the frame limit inside the
// callback): the helper stops at once and returns; the engine reports the error.
struct CallbackInvoker {
    bool (*invoke)(void* engine, uint64_t fn, const std::array<uint64_t, 5>& args,
                   std::span<const CallbackMemory> memory, uint64_t& r0) = nullptr;
    void* engine = nullptr;
};

struct ExecutionState {
    ProgramType type = ProgramType::Mem;
    void* ctx = nullptr;      // r1 at entry
    uint32_t cpu = 0;         // this worker's per-CPU slot
    uint32_t tail_calls = 0;  // tail calls taken so far in this run (kernel limit: 33)
    RedirectDecision redirect; // set by bpf_redirect / bpf_redirect_map
    CallbackInvoker callbacks; // set by the engine for its run (additive)
    const HostNetwork* network = nullptr; // OpenOptions::network; nullptr = none supplied
    // The embedder's sockets (bpf_sk_lookup_*; nullptr: none, every lookup is NULL) and the
    // references this run holds: a socket pointer the program got is the address of one
    // of these Sockets' struct bpf_sock fields (Socket::guest_address), which the program
    // may read while it holds the socket, and helpers taking one accept only those.
    const SocketTable* sockets = nullptr;
    std::vector<std::shared_ptr<const Socket>> held_sockets;

    // The skb's own socket (skb->sk: __sk_buff.sk holds its fields' address), kept for the
    // whole run without a reference, as the kernel's skb keeps its socket; nullptr: none.
    std::shared_ptr<const Socket> skb_socket;

    // The held socket whose address is `ptr`, or nullptr (never a wild dereference).
    std::shared_ptr<const Socket> held_socket(uint64_t ptr) const {
        for (const auto& s : held_sockets)
            if (s->guest_address() == ptr) return s;
        return nullptr;
    }
    // A socket the program may name: a held one or the skb's own.
    std::shared_ptr<const Socket> socket_at(uint64_t ptr) const {
        if (skb_socket && skb_socket->guest_address() == ptr) return skb_socket;
        return held_socket(ptr);
    }

    // Runs callback `fn` with r1..r5; false: no engine hook, or the run is ending.
    bool invoke_callback(uint64_t fn, const std::array<uint64_t, 5>& args,
                         std::span<const CallbackMemory> memory, uint64_t& r0) {
        return callbacks.invoke != nullptr && callbacks.invoke(callbacks.engine, fn, args, memory, r0);
    }

    // The state of the calling thread's current run, or nullptr outside a run.
    static ExecutionState*& current() {
        thread_local ExecutionState* state = nullptr;
        return state;
    }
};

} // namespace ebpfjit::engine_abi
