// Verifying the clang-built test objects (tests/verifier/c/*.c, built into
// EBPFJIT_VERIFIER_C_OBJECT_DIR): the input a program of such an object gets, as the loader
// gives it (program_verifier_input): the corpus helpers, the object's maps (.rodata
// BPF_F_RDONLY_PROG with its frozen bytes), line info and global functions.
#pragma once

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

} // namespace ebpfjit::verifier::test
