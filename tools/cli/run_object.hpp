// `ebpfjit run OBJECT.o --program NAME ...`: the ELF-object path of the run verb.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

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
};

bool looks_like_elf(const std::string& path);
int run_object(const RunObjectRequest& request);

} // namespace ebpfjit::cli
