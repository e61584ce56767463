// Per-run state a helper may need (packet buffer, tail-call count, per-CPU slot).
// The interpreter and the JIT entry set ExecutionState::current() for the running thread.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "ebpfjit/program_type.hpp"
#include "ebpfjit/verdict.hpp"

namespace ebpfjit::maps { class Map; }

namespace ebpfjit {
class HostNetwork; // ebpfjit/host_network.hpp
}

namespace ebpfjit::runtime {

using ebpfjit::HostNetwork;

// tc redirect kinds beyond bpf_redirect's, as filter.c's internal ri->flags bits.
inline constexpr uint64_t kRedirectNeigh = 1ULL << 1;   // bpf_redirect_neigh: L2 filled in by the stack
inline constexpr uint64_t kRedirectPeer = 1ULL << 2;    // bpf_redirect_peer: to the device's peer, ingress
inline constexpr uint64_t kRedirectNexthop = 1ULL << 3; // bpf_redirect_neigh with a nexthop (below)

using ebpfjit::RedirectDecision; // ebpfjit/verdict.hpp: the embedder reads it

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
// invoker for the run (see runtime/interpreter/callbacks.hpp and jit/callback_invoker.hpp):
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

} // namespace ebpfjit::runtime
