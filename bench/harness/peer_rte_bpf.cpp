// DPDK's rte_bpf JIT as a peer (peers.hpp). Built with it only when pkg-config finds
// libdpdk (bench/harness/CMakeLists.txt defines EBPFJIT_HAVE_RTE_BPF); otherwise every
// program reports "not built".
#include "bench/harness/peers.hpp"

#include <cstdio>
#include <string>

#if EBPFJIT_HAVE_RTE_BPF
// Last: DPDK's bpf_def.h defines classic-BPF macros (BPF_LD, ...) our headers must not see.
#include <rte_bpf.h>
#include <rte_errno.h>
#include <rte_log.h>
#endif

namespace ebpfjit::bench {

#if EBPFJIT_HAVE_RTE_BPF

namespace {

// rte_bpf reports why it refuses a program through rte_log only: the first line logged
// during the load is the validator's reason ("validate(0x...) loops detected;",
// "evaluate: src reg value is undefined at pc: 2"); its address prefix is dropped.
std::string first_line(FILE* log) {
    std::fflush(log);
    std::rewind(log);
    char buf[512];
    while (std::fgets(buf, sizeof buf, log)) {
        std::string line = buf;
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == ';')) line.pop_back();
        if (line.empty()) continue;
        if (line.rfind("validate(", 0) == 0)
            if (auto space = line.find(") "); space != std::string::npos) line.erase(0, space + 2);
        return line;
    }
    return "";
}

} // namespace

RteBpfProgram load_rte_bpf(const Workload& w) {
    RteBpfProgram out;
    rte_bpf_prm prm{};
    prm.prog_arg.type = RTE_BPF_ARG_PTR;
    prm.prog_arg.size = w.input.size();
    FILE* log = std::tmpfile();
    if (log) rte_openlog_stream(log);
    rte_bpf* bpf = rte_bpf_elf_load(&prm, w.object_path.c_str(), "mem");
    const int error = rte_errno;
    const std::string reason = log ? first_line(log) : "";
    rte_openlog_stream(nullptr);
    if (log) std::fclose(log);
    if (!bpf) {
        out.unavailable = "refused: " + (reason.empty() ? std::string(rte_strerror(error)) : reason);
        return out;
    }
    out.handle = std::shared_ptr<void>(bpf, [](void* p) { rte_bpf_destroy(static_cast<rte_bpf*>(p)); });
    rte_bpf_jit jit{};
    if (rte_bpf_get_jit(bpf, &jit) != 0 || jit.func == nullptr) {
        out.unavailable = "refused: no JIT code (" + (reason.empty() ? std::string("rte_bpf_get_jit") : reason) + ")";
        return out;
    }
    // rte_bpf's JITs (x86-64, arm64) keep r1, r2 in the first two argument registers.
    // (Through void*: the two function types differ, which is the point.)
    out.entry = reinterpret_cast<uint64_t (*)(void*, uint64_t)>(reinterpret_cast<void*>(jit.func));
    return out;
}

#else

RteBpfProgram load_rte_bpf(const Workload&) {
    RteBpfProgram out;
    out.unavailable = "not built (no libdpdk at configure time; see bench/README.md)";
    return out;
}

#endif

} // namespace ebpfjit::bench
