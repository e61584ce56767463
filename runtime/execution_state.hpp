// Per-run state a helper may need (packet buffer, tail-call count, per-CPU slot).
// The interpreter and the JIT entry set ExecutionState::current() for the running thread.
#pragma once

#include <cstdint>

#include "ebpfjit/program_type.hpp"

namespace ebpfjit::maps { class Map; }

namespace ebpfjit::runtime {

// Where bpf_redirect / bpf_redirect_map asked the packet to go; the kernel keeps the same
// thing per CPU (struct bpf_redirect_info). Read by the embedder after an XDP_REDIRECT or
// TC_ACT_REDIRECT verdict; reset at the start of each run.
struct RedirectDecision {
    bool set = false;
    uint32_t ifindex = 0;            // the port (for bpf_redirect_map: the DEVMAP slot's value)
    uint64_t flags = 0;              // BPF_F_INGRESS (tc); BPF_F_BROADCAST, BPF_F_EXCLUDE_INGRESS
    const maps::Map* map = nullptr;  // bpf_redirect_map: the DEVMAP, else nullptr
    uint32_t key = 0;                // bpf_redirect_map: the slot
};

struct ExecutionState {
    ProgramType type = ProgramType::Mem;
    void* ctx = nullptr;      // r1 at entry
    uint32_t cpu = 0;         // this worker's per-CPU slot
    uint32_t tail_calls = 0;  // tail calls taken so far in this run (kernel limit: 33)
    RedirectDecision redirect; // set by bpf_redirect / bpf_redirect_map

    // The state of the calling thread's current run, or nullptr outside a run.
    static ExecutionState*& current() {
        thread_local ExecutionState* state = nullptr;
        return state;
    }
};

} // namespace ebpfjit::runtime
