// Peers (`ebpfjit bench --peers`): other eBPF engines on the same suite programs and the
// same inputs, every answer checked against native like ours.
//
//   rte_bpf  DPDK's librte_bpf JIT: rte_bpf_elf_load(section "mem") with the input as
//            its pointer argument, then the JIT's entry called as (mem, len) (its x86-64
//            JIT keeps r1, r2 in rdi, rsi). Optional at build time (pkg-config libdpdk):
//            without it the column says "not built".
//   kernel   the running kernel's JIT through BPF_PROG_TEST_RUN, on the XDP wrapper of
//            each program (bench/kernel_compare/kernel_wrapper.h, KERNEL_RUN_WRAPPER):
//            needs root, else "skipped: not root".
// Where a peer cannot run a program the Record says why ("refused: <reason>").
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "bench/harness/suite.hpp"
#include "bench/harness/workloads.hpp"

namespace ebpfjit::bench {

// An rte_bpf program ready to run, or why not (`unavailable`).
struct RteBpfProgram {
    std::shared_ptr<void> handle; // the struct rte_bpf, destroyed with the last copy
    uint64_t (*entry)(void* mem, uint64_t len) = nullptr;
    std::string unavailable;
};
RteBpfProgram load_rte_bpf(const Workload& w);

// One kernel measurement (timing as runtime::measure: median of batch means), or an
// unavailable Record. A wrong r0 (any run's) is an Error.
Result<Record> run_kernel_peer(const Workload& w, uint64_t expected, bool quick);

} // namespace ebpfjit::bench
