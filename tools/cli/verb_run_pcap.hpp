// `ebpfjit run OBJECT.o --program NAME --pcap IN.pcap ...`: the packet side of the run
// verb. verb_run.cpp adds these options to its subcommand and hands over when --pcap is
// set (its own --json then names the packet run's report).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "ebpfjit/engine.hpp"

namespace ebpfjit::cli {

struct PcapRunOptions {
    std::string pcap;
    std::string out;
    std::string redirect_dir;
    std::string json; // the run verb's --json: {packets, verdicts, maps, ns_per_packet, mpps}
    std::string map_init;
    uint32_t threads = 1;
    uint32_t repeat = 1;
    uint32_t ingress_ifindex = 1;
    uint32_t rx_queue = 0;
    Hardening hardening = {}; // the run verb's --harden, --retpoline, --max-insns
    bool allow_ptr_leaks = false; // the run verb's --allow-ptr-leaks
    std::map<std::string, uint32_t> map_max_entries = {}; // the run verb's --map-max-entries
    std::vector<std::string> inline_globals = {}; // --inline-globals SECTION
    std::string core_btf = {}; // the run verb's --core-btf FILE
    bool fire_timers = false; // the run verb's --fire-timers
};

void add_pcap_run_options(CLI::App& run, PcapRunOptions& options);

// object: the .o path; program: --program; engine: "interp" | "jit".
int run_pcap(const std::string& object, const std::string& program, const std::string& engine,
             const PcapRunOptions& options);

} // namespace ebpfjit::cli
