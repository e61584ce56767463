// The typed IR: one small struct per instruction kind, gathered in a std::variant.
//
// A Program is a vector indexed by *slot* (8-byte instruction word), exactly like the
// kernel's "insn idx": LDDW occupies two slots, and its second slot holds an
// LddwSecondSlot filler. Jump and call targets are absolute slot indices, so every
// later pass (verifier, lowering, backends, interpreter) names instructions the same way
// as error messages and the kernel's logs do.
#pragma once

#include <cstddef>
#include <cstdint>
#include <variant>
#include <vector>

namespace ebpfjit::isa {

inline constexpr uint8_t kNumRegisters = 11; // r0..r10
inline constexpr uint8_t kFramePointer = 10; // r10: read-only frame pointer
// The JIT's hidden auxiliary register (the kernel's BPF_REG_AX): never decoded, never
// verified, written only by jit::blind_constants and read by the very next instructions.
inline constexpr uint8_t kAuxRegister = 11;
inline constexpr uint32_t kStackSize = 512;  // bytes per frame
inline constexpr uint32_t kMaxCallDepth = 8; // frames, including the entry frame

struct Reg {
    uint8_t n; // 0..10 (11: kAuxRegister, inside the JIT only)
    friend bool operator==(Reg, Reg) = default;
};
struct Imm {
    int32_t v;
    friend bool operator==(Imm, Imm) = default;
};
// Second operand of ALU, jump and store instructions: a register or a 32-bit immediate.
using Operand = std::variant<Reg, Imm>;

// Access width in bytes.
enum class Size : uint8_t { B = 1, H = 2, W = 4, DW = 8 };

enum class AluOp : uint8_t {
    Add, Sub, Mul, Div, SDiv, Or, And, Lsh, Rsh, Neg, Mod, SMod, Xor, Mov, Arsh,
    MovSx8, MovSx16, MovSx32, // mov with sign extension from 8/16/32 bits (cpu v4)
};

// ALU and ALU64 classes. Neg ignores src (decoded as Imm{0}).
struct Alu {
    AluOp op;
    bool is64;
    Reg dst;
    Operand src;
    friend bool operator==(const Alu&, const Alu&) = default;
};

enum class EndianOp : uint8_t { ToLe, ToBe, Swap }; // le16/32/64, be16/32/64, bswap16/32/64
struct Endian {
    EndianOp op;
    uint8_t bits; // 16, 32 or 64
    Reg dst;
    friend bool operator==(const Endian&, const Endian&) = default;
};

// LDX (MEM and MEMSX): dst = *(size *)(base + off), sign-extended for ldsx.
struct Load {
    Size size;
    bool sign_extend;
    Reg dst;
    Reg base;
    int16_t off;
    friend bool operator==(const Load&, const Load&) = default;
};

// ST (Imm) and STX (Reg): *(size *)(base + off) = src.
struct Store {
    Size size;
    Reg base;
    int16_t off;
    Operand src;
    friend bool operator==(const Store&, const Store&) = default;
};

// LDDW source forms (the src field of the first slot), as the kernel names them.
enum class LddwKind : uint8_t {
    Imm64 = 0,       // dst = imm64
    MapFd = 1,       // dst = map pointer, imm = map fd / index into the program's maps
    MapValue = 2,    // dst = address of map value at next_imm offset, imm = map fd
    VariableAddr = 3,// dst = address of variable (imm = BTF id)
    CodeAddr = 4,    // dst = address of instruction imm (relative to next slot)
    MapIdx = 5,      // like MapFd, imm = index into the fd_array
    MapIdxValue = 6, // like MapValue, imm = index into the fd_array
};
struct LoadImm64 {
    Reg dst;
    LddwKind kind;
    int32_t imm;      // imm of the first slot
    int32_t next_imm; // imm of the second slot
    uint64_t value() const {
        return (uint64_t(uint32_t(next_imm)) << 32) | uint32_t(imm);
    }
    friend bool operator==(const LoadImm64&, const LoadImm64&) = default;
};

enum class AtomicOp : uint8_t { Add, Or, And, Xor, Xchg, CmpXchg };
// Atomic read-modify-write on *(size *)(base + off). Xchg and CmpXchg always fetch;
// CmpXchg compares with r0 and loads the old value into r0.
struct Atomic {
    AtomicOp op;
    bool fetch; // old value is loaded into src (r0 for CmpXchg)
    bool is64;  // DW (0xdb) or W (0xc3)
    Reg base;
    int16_t off;
    Reg src;
    friend bool operator==(const Atomic&, const Atomic&) = default;
};

enum class Cond : uint8_t { Always, Eq, Gt, Ge, Set, Ne, SGt, SGe, Lt, Le, SLt, SLe };
// JMP and JMP32 classes. `Always` with is32 is ja32 (gotol, 32-bit offset in imm).
struct Jump {
    Cond cond;
    bool is32;
    Reg dst;
    Operand src;
    int32_t target; // absolute slot index of the destination
    friend bool operator==(const Jump&, const Jump&) = default;
};

enum class CallKind : uint8_t { Helper = 0, Local = 1, Kfunc = 2 };
struct Call {
    CallKind kind;
    int32_t imm;    // helper id (Helper), BTF id (Kfunc), relative offset (Local)
    int32_t target; // Local: absolute slot index of the callee; otherwise -1
    friend bool operator==(const Call&, const Call&) = default;
};

// callx: call the helper whose id is in a register (conformance suite / uBPF semantics).
struct CallX {
    Reg reg; // encoded in the dst field
    friend bool operator==(const CallX&, const CallX&) = default;
};

struct Exit {
    friend bool operator==(const Exit&, const Exit&) = default;
};

// Legacy LD_ABS / LD_IND: r0 = ntoh(*(size *)(skb->data + [src +] imm)); out of range
// ends the program with r0 = 0.
struct PacketLoad {
    Size size;
    bool indirect; // LD_IND adds src
    Reg src;
    int32_t imm;
    friend bool operator==(const PacketLoad&, const PacketLoad&) = default;
};

// Filler for the second slot of an LDDW, so that vector index == slot index.
struct LddwSecondSlot {
    friend bool operator==(const LddwSecondSlot&, const LddwSecondSlot&) = default;
};

using Instruction = std::variant<Alu, Endian, Load, Store, LoadImm64, Atomic, Jump, Call,
                                 CallX, Exit, PacketLoad, LddwSecondSlot>;

// One raw 8-byte instruction word in its little-endian layout.
struct RawInsn {
    uint8_t opcode;
    uint8_t dst : 4;
    uint8_t src : 4;
    int16_t off;
    int32_t imm;
};
static_assert(sizeof(RawInsn) == 8);

struct Program {
    std::vector<Instruction> insns; // index == slot index
    // Entry slot of every subprogram: 0 first, then each local-call target and each
    // callback address (LDDW src 4) target, as the kernel's add_subprog; sorted, unique.
    std::vector<int32_t> subprogram_starts;

    size_t size() const { return insns.size(); }
};

} // namespace ebpfjit::isa
