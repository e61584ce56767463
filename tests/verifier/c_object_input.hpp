// Verifying the clang-built test objects (tests/verifier/c/*.c, built into
// EBPFJIT_VERIFIER_C_OBJECT_DIR): the input a program of such an object gets, as the loader
// gives it (program_verifier_input): the corpus helpers, the object's maps (.rodata
// BPF_F_RDONLY_PROG with its frozen bytes), line info and global functions.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <string>

#include "corpus.hpp"
#include "runtime/elf/loader.hpp"
#include "verifier/verifier.hpp"

namespace ebpfjit::verifier::test {

inline VerifierInput c_object_input(const runtime::elf::ObjectDescription& obj, const runtime::elf::ProgramSpec& prog) {
    VerifierInput in = corpus_input(prog.type);
    in.maps.clear();
    for (const auto& m : obj.maps) in.maps.push_back(m.def);
    for (const auto& li : prog.line_info) in.line_info.push_back({li.slot, li.to_string()});
    in.global_functions = prog.global_functions;
    return in;
}

#ifdef EBPFJIT_VERIFIER_C_OBJECT_DIR
// The one program of tests/verifier/c/`object` (.o) verified as the loader would, with
// `adjust` applied to its input first (privileged rules, a termination proof, ...).
template <typename Adjust = void (*)(VerifierInput&)>
Report check_single_program(const std::string& object, Adjust adjust = [](VerifierInput&) {}) {
    auto obj = runtime::elf::read_object_file(std::string(EBPFJIT_VERIFIER_C_OBJECT_DIR) + "/" + object);
    REQUIRE(obj);
    REQUIRE(obj->programs.size() == 1);
    VerifierInput in = c_object_input(*obj, obj->programs[0]);
    adjust(in);
    return check(obj->programs[0].program, in);
}

// Every program of tests/verifier/c/`object` (.o, as this build's clang compiled it) is
// accepted and processes at most the kernel's count for it (`kernel`: program name -> the
// count Linux 6.18 gave for that object, loaded with libbpf), and no program is missing.
inline void check_within_kernel_counts(const std::string& object, const std::map<std::string, uint64_t>& kernel) {
    auto obj = runtime::elf::read_object_file(std::string(EBPFJIT_VERIFIER_C_OBJECT_DIR) + "/" + object);
    REQUIRE(obj);
    REQUIRE(obj->programs.size() == kernel.size());
    for (const auto& prog : obj->programs) {
        Report r = check(prog.program, c_object_input(*obj, prog));
        INFO(prog.name << ": " << r.stats.processed_insns << " processed "
                       << (r.rejection ? r.rejection->headline : std::string()));
        REQUIRE(r.ok());
        REQUIRE(kernel.count(prog.name) == 1);
        CHECK(r.stats.processed_insns <= kernel.at(prog.name));
    }
}
#endif

} // namespace ebpfjit::verifier::test
