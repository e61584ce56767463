// The one table of opcode properties. The decoder, the encoder and the tests all read it;
// nothing else in isa/ knows which opcode bytes exist or which fields they reserve.
//
// Opcode byte layout (RFC 9669 section 3):
//
//   ALU / ALU64 / JMP / JMP32      LD / LDX / ST / STX
//   +--------+-----+-------+      +------+------+-------+
//   | op : 4 | s:1 | cls:3 |      | md:3 | sz:2 | cls:3 |
//   +--------+-----+-------+      +------+------+-------+
//   s = BPF_K (imm) or BPF_X (reg)
//
// Several forms can share one opcode byte; another raw field then selects the form
// (the *selector*): `off` for sdiv/smod and movsx, `imm` for byte swaps and atomics,
// `src` for LDDW kinds and call kinds.
#pragma once

// The constants below carry the kernel's names. <linux/bpf.h> defines them as macros
// (same values); a translation unit must not include it before this header.
#ifdef BPF_LD
#error "isa/opcodes.hpp: <linux/bpf.h> was included first; its BPF_* macros clash with these names"
#endif

#include <cstdint>
#include <optional>
#include <span>

#include "isa/instruction.hpp"

namespace ebpfjit::isa {

// Instruction classes.
inline constexpr uint8_t BPF_LD = 0x00;
inline constexpr uint8_t BPF_LDX = 0x01;
inline constexpr uint8_t BPF_ST = 0x02;
inline constexpr uint8_t BPF_STX = 0x03;
inline constexpr uint8_t BPF_ALU = 0x04;
inline constexpr uint8_t BPF_JMP = 0x05;
inline constexpr uint8_t BPF_JMP32 = 0x06;
inline constexpr uint8_t BPF_ALU64 = 0x07;

// Load/store sizes.
inline constexpr uint8_t BPF_W = 0x00;
inline constexpr uint8_t BPF_H = 0x08;
inline constexpr uint8_t BPF_B = 0x10;
inline constexpr uint8_t BPF_DW = 0x18;

// Load/store modes.
inline constexpr uint8_t BPF_IMM = 0x00;
inline constexpr uint8_t BPF_ABS = 0x20;
inline constexpr uint8_t BPF_IND = 0x40;
inline constexpr uint8_t BPF_MEM = 0x60;
inline constexpr uint8_t BPF_MEMSX = 0x80;
inline constexpr uint8_t BPF_ATOMIC = 0xc0;

// Operand source.
inline constexpr uint8_t BPF_K = 0x00;
inline constexpr uint8_t BPF_X = 0x08;
inline constexpr uint8_t BPF_TO_LE = 0x00; // BPF_END with BPF_ALU
inline constexpr uint8_t BPF_TO_BE = 0x08;

// ALU operations.
inline constexpr uint8_t BPF_ADD = 0x00;
inline constexpr uint8_t BPF_SUB = 0x10;
inline constexpr uint8_t BPF_MUL = 0x20;
inline constexpr uint8_t BPF_DIV = 0x30;
inline constexpr uint8_t BPF_OR = 0x40;
inline constexpr uint8_t BPF_AND = 0x50;
inline constexpr uint8_t BPF_LSH = 0x60;
inline constexpr uint8_t BPF_RSH = 0x70;
inline constexpr uint8_t BPF_NEG = 0x80;
inline constexpr uint8_t BPF_MOD = 0x90;
inline constexpr uint8_t BPF_XOR = 0xa0;
inline constexpr uint8_t BPF_MOV = 0xb0;
inline constexpr uint8_t BPF_ARSH = 0xc0;
inline constexpr uint8_t BPF_END = 0xd0;

// Jump operations.
inline constexpr uint8_t BPF_JA = 0x00;
inline constexpr uint8_t BPF_JEQ = 0x10;
inline constexpr uint8_t BPF_JGT = 0x20;
inline constexpr uint8_t BPF_JGE = 0x30;
inline constexpr uint8_t BPF_JSET = 0x40;
inline constexpr uint8_t BPF_JNE = 0x50;
inline constexpr uint8_t BPF_JSGT = 0x60;
inline constexpr uint8_t BPF_JSGE = 0x70;
inline constexpr uint8_t BPF_CALL = 0x80;
inline constexpr uint8_t BPF_EXIT = 0x90;
inline constexpr uint8_t BPF_JLT = 0xa0;
inline constexpr uint8_t BPF_JLE = 0xb0;
inline constexpr uint8_t BPF_JSLT = 0xc0;
inline constexpr uint8_t BPF_JSLE = 0xd0;

// Atomic operations (imm of BPF_STX | BPF_ATOMIC).
inline constexpr int32_t BPF_FETCH = 0x01;
inline constexpr int32_t BPF_XCHG = 0xe0 | BPF_FETCH;
inline constexpr int32_t BPF_CMPXCHG = 0xf0 | BPF_FETCH;

// src field of LDDW and of BPF_CALL.
inline constexpr uint8_t BPF_PSEUDO_MAP_FD = 1;
inline constexpr uint8_t BPF_PSEUDO_MAP_VALUE = 2;
inline constexpr uint8_t BPF_PSEUDO_BTF_ID = 3;
inline constexpr uint8_t BPF_PSEUDO_FUNC = 4;
inline constexpr uint8_t BPF_PSEUDO_MAP_IDX = 5;
inline constexpr uint8_t BPF_PSEUDO_MAP_IDX_VALUE = 6;
inline constexpr uint8_t BPF_PSEUDO_CALL = 1;
inline constexpr uint8_t BPF_PSEUDO_KFUNC_CALL = 2;

constexpr uint8_t bpf_class(uint8_t code) { return code & 0x07; }
constexpr uint8_t bpf_size(uint8_t code) { return code & 0x18; }
constexpr uint8_t bpf_mode(uint8_t code) { return code & 0xe0; }
constexpr uint8_t bpf_op(uint8_t code) { return code & 0xf0; }
constexpr uint8_t bpf_src(uint8_t code) { return code & 0x08; }

// Which IR struct an opcode form decodes to.
enum class InsnKind : uint8_t { Alu, Endian, Load, Store, LoadImm64, Atomic, Jump, Call, CallX, Exit, PacketLoad };

// Raw fields, as a bit mask (which fields a form requires to be zero).
enum RawField : uint8_t { kFieldDst = 1, kFieldSrc = 2, kFieldOff = 4, kFieldImm = 8 };

// The raw field that picks one form among those sharing an opcode byte.
enum class Selector : uint8_t { None, Off, Imm, Src };

// What a form means, in the IR's terms. The decoder maps raw -> key, the encoder maps an
// Instruction -> key (form_key) -> raw; both go through the table below.
struct FormKey {
    InsnKind kind;
    uint8_t op = 0;    // AluOp / EndianOp / Cond / AtomicOp / CallKind / LddwKind
    uint8_t width = 0; // bytes accessed (Load, Store, Atomic, PacketLoad); bits (Endian)
    bool wide = false; // ALU64, JMP (not JMP32), 64-bit atomic, bswap
    bool reg = false;  // second operand is a register (BPF_X)
    bool flag = false; // Load: sign-extend; Atomic: fetch; PacketLoad: indirect
    friend bool operator==(const FormKey&, const FormKey&) = default;
};

struct OpcodeForm {
    uint8_t opcode;
    Selector selector = Selector::None;
    int32_t selector_value = 0; // value the selector field holds in this form
    uint8_t zero_fields = 0;    // RawField mask: fields the kernel reserves (must be zero)
    FormKey key;
};

// Every valid form, one row each.
std::span<const OpcodeForm> opcode_forms();

// True when some form uses this opcode byte.
bool opcode_exists(uint8_t opcode);

// The form a raw instruction selects, or nullptr (unknown opcode or selector value).
const OpcodeForm* find_form(const RawInsn& raw);

// The form encoding `key`, or nullptr when no instruction has that meaning.
const OpcodeForm* find_form(const FormKey& key);

// The key of an IR instruction; nullopt for an LddwSecondSlot (it has no opcode of its own).
std::optional<FormKey> form_key(const Instruction& insn);

// Name of a raw field, for messages.
const char* field_name(RawField f);
const char* selector_name(Selector s);

} // namespace ebpfjit::isa
