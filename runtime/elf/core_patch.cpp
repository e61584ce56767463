#include "runtime/elf/core_patch.hpp"

#include <cstdint>

#include <fmt/format.h>

#include "helpers/helper_table.hpp"

namespace ebpfjit::runtime::elf {

namespace {

constexpr uint8_t kOpLddw = 0x18; // BPF_LD | BPF_IMM | BPF_DW
constexpr uint8_t kOpCall = 0x85; // BPF_JMP | BPF_CALL
constexpr uint8_t kClassLd = 0x00, kClassLdx = 0x01, kClassSt = 0x02, kClassStx = 0x03, kClassAlu = 0x04,
                  kClassAlu64 = 0x07;
constexpr uint8_t kSrcX = 0x08;

void poison(isa::RawInsn& insn) {
    insn = isa::RawInsn{kOpCall, 0, 0, 0, helpers::kPoisonedCoreRelocation};
}

// BPF_SIZE <-> bytes: W 0x00, H 0x08, B 0x10, DW 0x18.
int size_bytes(uint8_t opcode) {
    switch (opcode & 0x18) {
    case 0x00: return 4;
    case 0x08: return 2;
    case 0x10: return 1;
    default: return 8;
    }
}
int size_code(uint32_t bytes) {
    switch (bytes) {
    case 4: return 0x00;
    case 2: return 0x08;
    case 1: return 0x10;
    case 8: return 0x18;
    default: return -1;
    }
}

} // namespace

std::expected<void, std::string> patch_core_insn(isa::RawInsn& insn, isa::RawInsn* second, const CoreBtfAnswer& res) {
    auto poison_here = [&] {
        if (insn.opcode == kOpLddw && second) poison(*second); // no "unknown opcode" in the second slot
        poison(insn);
    };
    if (res.poison) {
        poison_here();
        return {};
    }
    auto unexpected_value = [&](const char* what, uint64_t got) {
        return std::unexpected(fmt::format("the {} holds {}, but the object's own BTF says {} (the core BTF: {})",
                                           what, int64_t(got), res.orig_val, res.new_val));
    };
    const uint8_t cls = insn.opcode & 0x07;
    switch (cls) {
    case kClassAlu:
    case kClassAlu64:
        if (insn.opcode & kSrcX)
            return std::unexpected(std::string("the ALU instruction has no immediate to patch"));
        if (res.validate && uint64_t(int64_t(insn.imm)) != res.orig_val)
            return unexpected_value("ALU immediate", uint64_t(int64_t(insn.imm)));
        insn.imm = int32_t(uint32_t(res.new_val));
        return {};
    case kClassLdx:
    case kClassSt:
    case kClassStx:
        if (res.validate && uint64_t(int64_t(insn.off)) != res.orig_val)
            return unexpected_value("load/store offset", uint64_t(int64_t(insn.off)));
        if (res.new_val > uint64_t(INT16_MAX))
            return std::unexpected(fmt::format("offset {} does not fit an instruction's offset", res.new_val));
        if (res.fail_memsz_adjust) { // libbpf poisons it: the value read would be wrong
            poison_here();
            return {};
        }
        insn.off = int16_t(res.new_val);
        if (res.new_size != res.orig_size) {
            if (size_bytes(insn.opcode) != int(res.orig_size))
                return std::unexpected(fmt::format("the load/store is {} bytes wide, but the field is {}",
                                                   size_bytes(insn.opcode), res.orig_size));
            const int code = size_code(res.new_size);
            if (code < 0)
                return std::unexpected(fmt::format("the field is {} bytes wide in the core BTF: no load or store "
                                                   "has that size",
                                                   res.new_size));
            insn.opcode = uint8_t((insn.opcode & ~0x18) | code);
        }
        return {};
    case kClassLd: {
        if (insn.opcode != kOpLddw || insn.src != 0 || insn.off != 0 || !second || second->opcode != 0 ||
            second->dst != 0 || second->src != 0 || second->off != 0)
            return std::unexpected(std::string("the LDDW has an unexpected form"));
        const uint64_t imm = uint64_t(uint32_t(insn.imm)) | (uint64_t(uint32_t(second->imm)) << 32);
        if (res.validate && imm != res.orig_val) return unexpected_value("LDDW immediate", imm);
        insn.imm = int32_t(uint32_t(res.new_val));
        second->imm = int32_t(uint32_t(res.new_val >> 32));
        return {};
    }
    default:
        return std::unexpected(fmt::format("opcode 0x{:02x} is neither an ALU instruction with an immediate, an "
                                           "LDDW nor a load or store",
                                           insn.opcode));
    }
}

} // namespace ebpfjit::runtime::elf
