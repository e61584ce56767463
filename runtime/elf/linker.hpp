// Per-program static linking, as libbpf does it before BPF_PROG_LOAD:
//
//   linked program = [ entry function | subprogram A | subprogram B | ... ]
//                      slot 0           appended in the order first reached
//
// Only subprograms reachable from the entry (by bpf-to-bpf calls or function-pointer
// LDDWs) are appended; call and LDDW src 4 immediates are rewritten relative to the
// new layout, map and global-data LDDWs get the object's map indices.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ebpfjit/error.hpp"
#include "isa/instruction.hpp"
#include "runtime/elf/btf_info.hpp"
#include "runtime/elf/elf_file.hpp"
#include "runtime/elf/inline_globals.hpp"
#include "runtime/elf/map_table.hpp"
#include "runtime/elf/object_description.hpp"

namespace ebpfjit::runtime::elf {

// A function's instructions: slots [first, first + count) of an executable section.
struct Function {
    size_t section = 0;
    uint32_t first = 0;
    uint32_t count = 0;
    std::string name;
    bool entry = false; // a program (global function outside .text), not only a subprogram
};

struct LinkInputs {
    const ElfFile& file;
    const MapTable& maps;
    const BtfExt& btf_ext;
    const std::vector<Function>& functions; // every function of every executable section
    const std::set<std::string, std::less<>>& kernel_symbols; // externs declared __ksym (.ksyms in BTF)
    // Variables whose LDDWs become immediates (Cilium's CONFIG(); ReadOptions::inline_globals).
    const InlinedGlobals& inlined;
    // The object's own BTF (the local side of CO-RE relocations), and the BTF the embedder
    // names for the relocations ebpfjit's own uapi does not answer (ReadOptions::core_btf;
    // libbpf's btf_custom_path). Null: none; such relocations are refused.
    const struct btf* local_btf = nullptr;
    const struct btf* core_btf = nullptr;
};

struct LinkedProgram {
    std::vector<isa::RawInsn> raw;
    std::vector<LineInfo> lines; // sorted by slot
    std::vector<std::pair<uint32_t, uint32_t>> funcs; // slot, BTF FUNC type id (func_info), by slot
    std::vector<std::pair<uint32_t, std::string>> poisoned; // slot, relocation (core BTF, no match)
};

Result<LinkedProgram> link_program(const LinkInputs& in, const Function& entry);

} // namespace ebpfjit::runtime::elf
