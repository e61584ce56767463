// Pure RFC 9669 / kernel semantics of the ALU, byte-swap and jump-condition instructions,
// free of any machine state: the interpreter executes with them, the verifier folds
// constants with them, and tests (and the JITs' test oracles) call them directly.
// Everything here is defined C++: no signed overflow, no oversized shifts.
#pragma once

#include <bit>
#include <cstdint>
#include <limits>

#include "isa/instruction.hpp"

namespace ebpfjit::isa::semantics {

// ALU64: both operands are full 64-bit values (an immediate is already sign-extended).
constexpr uint64_t alu64(isa::AluOp op, uint64_t dst, uint64_t src) {
    using isa::AluOp;
    const auto sdst = static_cast<int64_t>(dst);
    const auto ssrc = static_cast<int64_t>(src);
    constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
    switch (op) {
    case AluOp::Add: return dst + src;
    case AluOp::Sub: return dst - src;
    case AluOp::Mul: return dst * src;
    case AluOp::Div: return src == 0 ? 0 : dst / src;             // x / 0 = 0
    case AluOp::Mod: return src == 0 ? dst : dst % src;           // x % 0 = x
    case AluOp::SDiv:
        if (src == 0) return 0;
        if (sdst == kMin && ssrc == -1) return dst;               // INT64_MIN / -1 wraps
        return static_cast<uint64_t>(sdst / ssrc);                // truncating, like C
    case AluOp::SMod:
        if (src == 0) return dst;
        if (ssrc == -1) return 0;                                 // also INT64_MIN % -1
        return static_cast<uint64_t>(sdst % ssrc);                // sign of the dividend
    case AluOp::Or: return dst | src;
    case AluOp::And: return dst & src;
    case AluOp::Xor: return dst ^ src;
    case AluOp::Lsh: return dst << (src & 63);
    case AluOp::Rsh: return dst >> (src & 63);
    case AluOp::Arsh: return static_cast<uint64_t>(sdst >> (src & 63)); // C++20: arithmetic
    case AluOp::Neg: return 0 - dst;
    case AluOp::Mov: return src;
    case AluOp::MovSx8: return static_cast<uint64_t>(int64_t{static_cast<int8_t>(src)});
    case AluOp::MovSx16: return static_cast<uint64_t>(int64_t{static_cast<int16_t>(src)});
    case AluOp::MovSx32: return static_cast<uint64_t>(int64_t{static_cast<int32_t>(src)});
    }
    return dst; // unreachable: every AluOp is handled above
}

// ALU32: operates on the low 32 bits; the result is zero-extended into the 64-bit register.
constexpr uint64_t alu32(isa::AluOp op, uint32_t dst, uint32_t src) {
    using isa::AluOp;
    const auto sdst = static_cast<int32_t>(dst);
    const auto ssrc = static_cast<int32_t>(src);
    constexpr int32_t kMin = std::numeric_limits<int32_t>::min();
    uint32_t r = dst;
    switch (op) {
    case AluOp::Add: r = dst + src; break;
    case AluOp::Sub: r = dst - src; break;
    case AluOp::Mul: r = dst * src; break;
    case AluOp::Div: r = src == 0 ? 0 : dst / src; break;
    case AluOp::Mod: r = src == 0 ? dst : dst % src; break;      // dst keeps only its low half
    case AluOp::SDiv:
        if (src == 0) r = 0;
        else if (sdst == kMin && ssrc == -1) r = dst;
        else r = static_cast<uint32_t>(sdst / ssrc);
        break;
    case AluOp::SMod:
        if (src == 0) r = dst;
        else if (ssrc == -1) r = 0;
        else r = static_cast<uint32_t>(sdst % ssrc);
        break;
    case AluOp::Or: r = dst | src; break;
    case AluOp::And: r = dst & src; break;
    case AluOp::Xor: r = dst ^ src; break;
    case AluOp::Lsh: r = dst << (src & 31); break;
    case AluOp::Rsh: r = dst >> (src & 31); break;
    case AluOp::Arsh: r = static_cast<uint32_t>(sdst >> (src & 31)); break;
    case AluOp::Neg: r = 0 - dst; break;
    case AluOp::Mov: r = src; break;
    case AluOp::MovSx8: r = static_cast<uint32_t>(int32_t{static_cast<int8_t>(src)}); break;
    case AluOp::MovSx16: r = static_cast<uint32_t>(int32_t{static_cast<int16_t>(src)}); break;
    case AluOp::MovSx32: r = src; break; // not a valid ALU32 encoding; a plain mov
    }
    return r;
}

// le16/32/64, be16/32/64, bswap16/32/64: truncate to `bits`, swap when the target byte
// order differs from the host's (always for bswap), zero-extend.
constexpr uint64_t endian(isa::EndianOp op, uint8_t bits, uint64_t value) {
    const bool host_is_le = std::endian::native == std::endian::little;
    const bool swap = op == isa::EndianOp::Swap || (op == isa::EndianOp::ToLe) != host_is_le;
    switch (bits) {
    case 16: {
        auto v = static_cast<uint16_t>(value);
        return swap ? std::byteswap(v) : v;
    }
    case 32: {
        auto v = static_cast<uint32_t>(value);
        return swap ? std::byteswap(v) : v;
    }
    default: return swap ? std::byteswap(value) : value;
    }
}

// Jump condition. For JMP32 the caller passes the low 32 bits (is32 = true); an immediate
// operand is sign-extended to 64 bits for JMP and taken as its 32 bits for JMP32.
constexpr bool condition(isa::Cond cond, bool is32, uint64_t a, uint64_t b) {
    using isa::Cond;
    if (is32) {
        a = static_cast<uint32_t>(a);
        b = static_cast<uint32_t>(b);
    }
    const int64_t sa = is32 ? int64_t{static_cast<int32_t>(a)} : static_cast<int64_t>(a);
    const int64_t sb = is32 ? int64_t{static_cast<int32_t>(b)} : static_cast<int64_t>(b);
    switch (cond) {
    case Cond::Always: return true;
    case Cond::Eq: return a == b;
    case Cond::Ne: return a != b;
    case Cond::Gt: return a > b;
    case Cond::Ge: return a >= b;
    case Cond::Lt: return a < b;
    case Cond::Le: return a <= b;
    case Cond::Set: return (a & b) != 0;
    case Cond::SGt: return sa > sb;
    case Cond::SGe: return sa >= sb;
    case Cond::SLt: return sa < sb;
    case Cond::SLe: return sa <= sb;
    }
    return false; // unreachable
}

} // namespace ebpfjit::isa::semantics
