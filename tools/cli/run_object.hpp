// `ebpfjit run OBJECT.o --program NAME ...`: the ELF-object path of the run verb.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ebpfjit/ebpfjit.hpp"
#include "ebpfjit/engine.hpp"
#include "ebpfjit/program_type.hpp"

namespace ebpfjit::cli {

struct RunObjectRequest {
    std::string object;
    std::string program;                 // empty: the object's only program
    std::optional<ProgramType> type;     // --type given explicitly: override the section's
    std::vector<uint8_t> memory;         // r1/r2 for mem programs
    std::string json;                    // --json FILE: final map contents
    Engine engine = Engine::Jit;         // --engine
    Hardening hardening = {};                 // --harden, --retpoline, --max-insns
    bool allow_ptr_leaks = false;             // --allow-ptr-leaks
    std::map<std::string, uint32_t> map_max_entries = {}; // --map-max-entries NAME=N
    std::vector<std::string> inline_globals = {}; // --inline-globals SECTION
    std::string core_btf = {};                // --core-btf FILE
    bool fire_timers = false;                 // --fire-timers
};

bool looks_like_elf(const std::string& path);
// After a run of an object whose maps hold bpf_timers: the callbacks due now (every armed
// one with `all`, as if its time had come) run; prints "timers: N callbacks ran" when any did.
Result<void> run_object_timers(Object& object, bool all);
int run_object(const RunObjectRequest& request);

} // namespace ebpfjit::cli
