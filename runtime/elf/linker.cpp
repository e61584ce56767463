#include "runtime/elf/linker.hpp"

#include <algorithm>
#include <cstring>
#include <elf.h>
#include <fmt/format.h>

#include "ebpfjit/log.hpp"
#include "helpers/helper_table.hpp"
#include "runtime/elf/core_btf_target.hpp"
#include "runtime/elf/core_patch.hpp"
#include "runtime/elf/core_target.hpp"

namespace ebpfjit::runtime::elf {

namespace {

constexpr uint8_t kOpLddw = 0x18;     // BPF_LD | BPF_IMM | BPF_DW
constexpr uint8_t kOpCall = 0x85;     // BPF_JMP | BPF_CALL
constexpr uint8_t kPseudoMapFd = 1;
constexpr uint8_t kPseudoMapValue = 2;
constexpr uint8_t kPseudoCall = 1;    // src of a bpf-to-bpf call
constexpr uint8_t kPseudoFunc = 4;    // LDDW src: address of a subprogram
constexpr uint32_t kRelocNone = 0;    // R_BPF_NONE
constexpr uint32_t kReloc64 = 1;      // R_BPF_64_64: LDDW imm pair
constexpr uint32_t kReloc32 = 10;     // R_BPF_64_32: call imm
constexpr uint64_t kInsnSize = sizeof(isa::RawInsn);

// enum bpf_core_relo_kind, spelled as libbpf's core_relo_kind_str does.
std::string core_kind_name(uint32_t kind) {
    static constexpr const char* kNames[] = {"byte_off",      "byte_sz",        "field_exists", "signed",
                                             "lshift_u64",    "rshift_u64",     "local_type_id", "target_type_id",
                                             "type_exists",   "type_size",      "enumval_exists", "enumval_value",
                                             "type_matches"};
    return kind < std::size(kNames) ? kNames[kind] : fmt::format("unknown kind {}", kind);
}

class Linker {
public:
    Linker(const LinkInputs& in, const Function& entry) : in_(in), entry_(entry) {}

    Result<LinkedProgram> run() {
        place(entry_);
        // Units are appended while we walk them, so index rather than iterate.
        for (size_t u = 0; u < units_.size(); ++u) {
            const Unit unit = units_[u];
            if (auto ok = copy_and_relocate(unit); !ok) return fail(ok.error());
            if (auto ok = apply_core_relocations(unit); !ok) return fail(ok.error());
            collect_lines(unit);
            collect_funcs(unit);
        }
        std::ranges::stable_sort(out_.lines, {}, &LineInfo::slot);
        std::ranges::sort(out_.funcs);
        return std::move(out_);
    }

private:
    struct Unit {
        const Function* fn;
        uint32_t placed; // slot of fn->first in the linked program
    };

    const Section& section_of(const Unit& u) const { return *in_.file.section(u.fn->section); }

    uint32_t place(const Function& fn) {
        for (const auto& u : units_)
            if (u.fn == &fn) return u.placed;
        const auto placed = uint32_t(out_.raw.size());
        units_.push_back({&fn, placed});
        out_.raw.resize(out_.raw.size() + fn.count);
        return placed;
    }

    // The new slot of instruction `insn` of `section`, appending its function if needed.
    Result<uint32_t> slot_of(const Section& from, uint64_t at, size_t section, int64_t insn) {
        for (const auto& fn : in_.functions) {
            if (fn.section != section || insn < fn.first || insn >= int64_t(fn.first) + fn.count) continue;
            return place(fn) + uint32_t(insn - fn.first);
        }
        return fail(section_error(from, at, fmt::format("call target {} of section '{}' is not inside a function",
                                                        insn, in_.file.section(section)->name)));
    }

    Error error(const Section& s, uint64_t at, std::string message) const {
        return section_error(s, at, fmt::format("program '{}': {}", entry_.name, message));
    }

    Result<void> copy_and_relocate(const Unit& unit) {
        const Section& sec = section_of(unit);
        const Function& fn = *unit.fn;
        std::memcpy(&out_.raw[unit.placed], sec.data.data() + fn.first * kInsnSize, fn.count * kInsnSize);

        const uint64_t begin = fn.first * kInsnSize, end = begin + fn.count * kInsnSize;
        std::vector<const Relocation*> relocs(fn.count, nullptr); // by instruction of fn
        for (const Relocation& rel : in_.file.relocations_for(sec.index)) {
            if (rel.offset < begin || rel.offset >= end || rel.type == kRelocNone) continue;
            if (rel.offset % kInsnSize != 0)
                return fail(error(sec, rel.offset, "relocation is not at an instruction boundary"));
            relocs[(rel.offset - begin) / kInsnSize] = &rel;
        }

        for (uint32_t i = 0; i < fn.count; ++i) {
            const uint32_t slot = unit.placed + i;
            const uint64_t at = begin + i * kInsnSize;
            isa::RawInsn& insn = out_.raw[slot];
            const bool lddw = insn.opcode == kOpLddw;
            if (lddw && i + 1 >= fn.count)
                return fail(error(sec, at, "LDDW is missing its second slot"));
            if (relocs[i]) {
                if (auto ok = apply(sec, at, *relocs[i], slot); !ok) return ok;
            } else if (insn.opcode == kOpCall && insn.src == kPseudoCall) {
                // A call inside one section may be resolved by clang without a relocation.
                if (auto ok = retarget(sec, at, slot, sec.index, int64_t(fn.first) + i + insn.imm + 1); !ok) return ok;
            } else if (lddw && insn.src == kPseudoFunc) {
                if (auto ok = retarget(sec, at, slot, sec.index, int64_t(fn.first) + i + insn.imm + 1); !ok) return ok;
            } else if (lddw && insn.src != 0) {
                return fail(error(sec, at, fmt::format("LDDW src {} without a relocation", unsigned(insn.src))));
            }
            if (lddw) {
                if (relocs[i + 1])
                    return fail(error(sec, at + kInsnSize, "relocation in the second slot of an LDDW"));
                ++i;
            }
        }
        return {};
    }

    // Points the call / function LDDW at `slot` to instruction `target` of `section`.
    Result<void> retarget(const Section& sec, uint64_t at, uint32_t slot, size_t section, int64_t target) {
        auto to = slot_of(sec, at, section, target);
        if (!to) return fail(to.error());
        out_.raw[slot].imm = int32_t(int64_t(*to) - int64_t(slot) - 1);
        return {};
    }

    Result<void> apply(const Section& sec, uint64_t at, const Relocation& rel, uint32_t slot) {
        const Symbol& sym = in_.file.symbols()[rel.symbol];
        isa::RawInsn& insn = out_.raw[slot];
        const std::string sym_name = sym.name.empty() ? fmt::format("#{}", rel.symbol) : sym.name;
        if (sym.section == SHN_UNDEF) {
            // libbpf resolves __ksym externs against the running kernel's BTF; there is no
            // kernel here, so a kfunc call or kernel variable cannot be linked.
            if (in_.kernel_symbols.contains(sym.name))
                return fail(error(sec, at, insn.opcode == kOpCall
                                              ? fmt::format("call to kfunc '{}' (declared __ksym): kernel functions "
                                                            "are not available in ebpfjit", sym_name)
                                              : fmt::format("reference to kernel symbol '{}' (declared __ksym): "
                                                            "kernel variables are not available in ebpfjit",
                                                            sym_name)));
            return fail(error(sec, at, fmt::format("relocation to unknown symbol '{}'", sym_name)));
        }
        const Section* target = sym.section < SHN_LORESERVE ? in_.file.section(sym.section) : nullptr;
        if (!target)
            return fail(error(sec, at, fmt::format("relocation to symbol '{}' in unsupported section {}", sym_name,
                                                   sym.section)));

        if (insn.opcode == kOpCall) {
            if (rel.type != kReloc32 || insn.src != kPseudoCall)
                return fail(error(sec, at, fmt::format("unexpected relocation type {} on a call", rel.type)));
            if (!target->executable() || sym.value % kInsnSize != 0)
                return fail(error(sec, at, fmt::format("call to '{}', which is not a function", sym_name)));
            // libbpf's rule: callee = symbol's instruction + imm + 1 (imm is -1 for a named function).
            return retarget(sec, at, slot, target->index, int64_t(sym.value / kInsnSize) + insn.imm + 1);
        }
        if (insn.opcode != kOpLddw)
            return fail(error(sec, at, fmt::format("relocation on opcode 0x{:02x}, which is neither a call nor LDDW",
                                                   insn.opcode)));
        if (rel.type != kReloc64)
            return fail(error(sec, at, fmt::format("unexpected relocation type {} on an LDDW", rel.type)));
        isa::RawInsn& next = out_.raw[slot + 1];
        // Section symbols carry the offset in the instruction's imm; named symbols in st_value.
        const int64_t offset = int64_t(sym.value) + insn.imm;

        if (target->executable()) { // callback: address of a subprogram
            if (offset < 0 || offset % kInsnSize != 0)
                return fail(error(sec, at, fmt::format("function pointer to '{}' is misaligned", sym_name)));
            insn.src = kPseudoFunc;
            next.imm = 0;
            return retarget(sec, at, slot, target->index, offset / int64_t(kInsnSize));
        }
        if (auto map = in_.maps.map_at(target->index, uint64_t(sym.type == STT_SECTION ? offset : sym.value))) {
            insn.src = kPseudoMapFd;
            insn.imm = int32_t(*map);
            next.imm = 0;
            return {};
        }
        if (auto inlined = in_.inlined.find(target->index); inlined != in_.inlined.end()) {
            auto var = offset < 0 ? inlined->second.end() : inlined->second.find(uint64_t(offset));
            if (var == inlined->second.end())
                return fail(error(sec, at, fmt::format("offset {} of '{}' in section '{}' starts no variable, so it "
                                                       "cannot be inlined", offset, sym_name, target->name)));
            insn.src = 0; // an immediate LDDW, as Cilium's loader leaves it
            insn.imm = int32_t(uint32_t(var->second.value));
            next.imm = int32_t(uint32_t(var->second.value >> 32));
            return {};
        }
        if (auto map = in_.maps.data_map(target->index)) {
            if (offset < 0 || uint64_t(offset) > target->size)
                return fail(error(sec, at, fmt::format("offset {} of '{}' is outside section '{}'", offset, sym_name,
                                                       target->name)));
            insn.src = kPseudoMapValue;
            insn.imm = int32_t(*map);
            next.imm = int32_t(offset);
            return {};
        }
        return fail(error(sec, at, fmt::format("relocation to '{}' in section '{}', which holds no map or data",
                                               sym_name, target->name)));
    }

    // libbpf's bpf_core_apply_relo, against ebpfjit's own uapi (core_target.hpp): the
    // type id of bpf_core_type_id_local(), whether a helper, a ctx field or a
    // bpf_fib_lookup member exists here, where a ctx field is; accesses to the wire-format
    // headers keep what clang compiled in. What only the kernel's BTF can answer (other
    // types' layouts, kernel-internal types) is resolved against the core BTF the embedder
    // named (core_btf_target.hpp, libbpf's rules and patching), or without one refuses the
    // object naming the relocation.
    Result<void> apply_core_relocations(const Unit& unit) {
        const Section& sec = section_of(unit);
        auto it = in_.btf_ext.core_relocations.find(sec.name);
        if (it == in_.btf_ext.core_relocations.end()) return {};
        const uint64_t begin = unit.fn->first * kInsnSize, end = begin + unit.fn->count * kInsnSize;
        for (const RawCoreRelocation& r : it->second) {
            const uint64_t off = r.insn_offset;
            if (off < begin || off >= end) continue;
            std::string what = fmt::format("{} of '{}' (access {})", core_kind_name(r.kind),
                                           r.type_name.empty() ? "(anon)" : r.type_name, r.access);
            if (!r.member.empty()) what += fmt::format(" '{}'", r.member);
            const auto value = core_target_value(r);
            if (!value && core_keeps_compiled_layout(r)) continue; // the answer is already there
            if (!value && in_.core_btf && in_.local_btf) {
                if (auto ok = apply_from_core_btf(unit, r, what); !ok) return ok;
                continue;
            }
            if (!value)
                return fail(error(sec, off, fmt::format("CO-RE relocations are not supported beyond ebpfjit's own "
                                                        "uapi (bpf_func_id, __sk_buff, xdp_md, bpf_fib_lookup) and "
                                                        "the wire-format headers: {} needs the kernel's BTF", what)));
            if (off % kInsnSize != 0)
                return fail(error(sec, off, fmt::format("CO-RE relocation {} is not at an instruction boundary", what)));
            const uint32_t slot = unit.placed + uint32_t((off - begin) / kInsnSize);
            isa::RawInsn& insn = out_.raw[slot];
            const uint8_t cls = insn.opcode & 0x07;
            if ((cls == 0x04 || cls == 0x07) && (insn.opcode & 0x08) == 0) { // BPF_ALU(64) | BPF_K
                if (*value > UINT32_MAX)
                    return fail(error(sec, off, fmt::format("CO-RE relocation {}: value {} does not fit a 32-bit "
                                                            "immediate", what, *value)));
                insn.imm = int32_t(uint32_t(*value));
            } else if (insn.opcode == kOpLddw && insn.src == 0 && off + kInsnSize < end) {
                insn.imm = int32_t(uint32_t(*value));
                out_.raw[slot + 1].imm = int32_t(uint32_t(*value >> 32));
            } else if ((cls == 0x01 || cls == 0x02 || cls == 0x03) && r.kind == 0) { // LDX/ST/STX: a field's offset
                if (*value > uint64_t(INT16_MAX))
                    return fail(error(sec, off, fmt::format("CO-RE relocation {}: offset {} does not fit an "
                                                            "instruction's offset", what, *value)));
                insn.off = int16_t(*value);
            } else {
                return fail(error(sec, off, fmt::format("CO-RE relocation {} on opcode 0x{:02x}, which is neither an "
                                                        "ALU instruction with an immediate, an LDDW nor a memory "
                                                        "access (byte_off)",
                                                        what, insn.opcode)));
            }
        }
        return {};
    }

    // One relocation answered by the core BTF, the instruction patched as libbpf patches it.
    Result<void> apply_from_core_btf(const Unit& unit, const RawCoreRelocation& r, const std::string& what) {
        const Section& sec = section_of(unit);
        const uint64_t off = r.insn_offset;
        const uint64_t begin = unit.fn->first * kInsnSize, end = begin + unit.fn->count * kInsnSize;
        if (off % kInsnSize != 0)
            return fail(error(sec, off, fmt::format("CO-RE relocation {} is not at an instruction boundary", what)));
        auto answer = resolve_core_relocation(in_.local_btf, r, in_.core_btf);
        if (!answer) return fail(error(sec, off, fmt::format("CO-RE relocation {} against the core BTF: {}", what,
                                                             answer.error())));
        const uint32_t slot = unit.placed + uint32_t((off - begin) / kInsnSize);
        isa::RawInsn* second = off + kInsnSize < end ? &out_.raw[slot + 1] : nullptr;
        if (auto ok = patch_core_insn(out_.raw[slot], second, *answer); !ok)
            return fail(error(sec, off, fmt::format("CO-RE relocation {} against the core BTF: {}", what, ok.error())));
        if (out_.raw[slot].imm == helpers::kPoisonedCoreRelocation && out_.raw[slot].opcode == 0x85) {
            out_.poisoned.emplace_back(slot, fmt::format("{} (section '{}' offset {})", what, sec.name, off));
            logger().debug("program '{}': section '{}' offset {}: CO-RE relocation {} has no match in the core BTF: "
                           "instruction {} poisoned (refused only where a path reaches it)",
                           entry_.name, sec.name, off, what, slot);
        }
        return {};
    }

    void collect_lines(const Unit& unit) {
        auto it = in_.btf_ext.lines.find(section_of(unit).name);
        if (it == in_.btf_ext.lines.end()) return;
        const uint64_t begin = unit.fn->first * kInsnSize, end = begin + unit.fn->count * kInsnSize;
        for (const RawLineInfo& l : it->second) {
            if (l.insn_offset < begin || l.insn_offset >= end || l.insn_offset % kInsnSize != 0) continue;
            if (l.line == 0) continue; // compiler-generated code with no source line
            out_.lines.push_back({uint32_t(unit.placed + (l.insn_offset - begin) / kInsnSize), l.file, l.line,
                                  l.column, l.source});
        }
    }

    // func_info records move with their function, as line_info's do.
    void collect_funcs(const Unit& unit) {
        auto it = in_.btf_ext.funcs.find(section_of(unit).name);
        if (it == in_.btf_ext.funcs.end()) return;
        const uint64_t begin = unit.fn->first * kInsnSize, end = begin + unit.fn->count * kInsnSize;
        for (const RawFuncInfo& f : it->second) {
            if (f.insn_offset < begin || f.insn_offset >= end || f.insn_offset % kInsnSize != 0) continue;
            out_.funcs.emplace_back(uint32_t(unit.placed + (f.insn_offset - begin) / kInsnSize), f.type_id);
        }
    }

    const LinkInputs& in_;
    const Function& entry_;
    std::vector<Unit> units_;
    LinkedProgram out_;
};

} // namespace

Result<LinkedProgram> link_program(const LinkInputs& in, const Function& entry) {
    return Linker(in, entry).run();
}

} // namespace ebpfjit::runtime::elf
