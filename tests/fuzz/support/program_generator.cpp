// See program_generator.hpp for the register roles and the frame layout.
#include "program_generator.hpp"

#include <cstdlib>
#include <vector>

#include "byte_reader.hpp"
#include "isa/decoder.hpp"
#include "isa/encoder.hpp"

namespace ebpfjit::fuzz {
namespace {

using namespace isa;

constexpr uint8_t kInputBase = 6;
constexpr uint8_t kLoopCounter = 7;
constexpr int32_t kBpfFuncMapLookup = 1, kBpfFuncMapUpdate = 2, kBpfFuncMapDelete = 3;
constexpr int16_t kKeySlot = -72, kValueSlot = -80;

// Where generated code stands: what it may touch.
struct Context {
    bool callee = false;  // inside a local subprogram: scalars r0-r5, own stack only
    bool in_loop = false; // r7 is live: no nested loop
    int depth = 0;        // nesting of forward-branch blocks
};

class Generator {
public:
    Generator(std::span<const uint8_t> bytes, const GeneratorOptions& options) : in_(bytes), opt_(options) {}

    Program run() {
        emit(mov(kInputBase, Reg{1}));
        if (!break_rule()) bounds_check();
        if (!break_rule()) zero_stack();
        for (uint8_t reg : {0, 2, 3, 4, 5, 8, 9})
            if (!break_rule()) init_scalar(reg);
        emit(mov(kLoopCounter, Imm{0}));
        block(opt_.max_body, Context{});
        for (uint8_t reg : {2, 3, 4, 5, 7, 8, 9}) emit(Alu{AluOp::Xor, true, Reg{0}, Reg{reg}});
        emit(Exit{});
        // Subprograms are appended after the main program's exit; calls are patched.
        for (size_t i = 0; i < pending_calls_.size(); ++i) subprogram(pending_calls_[i]);
        return finish();
    }

private:
    // ---- emission -------------------------------------------------------------------
    int32_t here() const { return static_cast<int32_t>(code_.size()); }
    void emit(Instruction insn) { code_.push_back(insn); }
    static Alu mov(uint8_t dst, Operand src) { return Alu{AluOp::Mov, true, Reg{dst}, src}; }
    void lddw(uint8_t dst, uint64_t value, LddwKind kind = LddwKind::Imm64) {
        emit(LoadImm64{Reg{dst}, kind, static_cast<int32_t>(value), static_cast<int32_t>(value >> 32)});
        emit(LddwSecondSlot{});
    }

    // if (r1 + 64 > r1 + r2) return 0: lets a verifier prove every input access in bounds
    // (a `mem` buffer is checked like a packet). Engines always get kInputSize bytes.
    void bounds_check() {
        emit(mov(3, Reg{1}));
        emit(Alu{AluOp::Add, true, Reg{3}, Reg{2}});
        emit(mov(4, Reg{1}));
        emit(Alu{AluOp::Add, true, Reg{4}, Imm{static_cast<int32_t>(kInputSize)}});
        emit(Jump{Cond::Le, false, Reg{4}, Reg{3}, here() + 3});
        emit(mov(0, Imm{0}));
        emit(Exit{});
    }

    void zero_stack() {
        for (int16_t off = -kStackUsed; off < 0; off += 8) emit(Store{Size::DW, Reg{10}, off, Imm{0}});
    }
    void init_scalar(uint8_t reg) {
        if (in_.flip()) lddw(reg, in_.u64());
        else emit(mov(reg, Imm{static_cast<int32_t>(interesting32())}));
    }
    // Biased towards edge values: 0, ±1, powers of two, INT_MIN, 0xffffffff.
    uint32_t interesting32() {
        switch (in_.below(8)) {
        case 0: return 0;
        case 1: return 1;
        case 2: return 0xffffffffu;
        case 3: return 0x80000000u;
        case 4: return 1u << in_.below(32);
        case 5: return in_.below(64);
        default: return in_.u32();
        }
    }

    // In hostile mode, about one decision in 16 breaks a rule.
    bool break_rule() { return opt_.hostile && in_.below(16) == 0; }

    // ---- operands -------------------------------------------------------------------
    uint8_t scalar(const Context& ctx) {
        static constexpr uint8_t main_regs[] = {0, 2, 3, 4, 5, 8, 9};
        static constexpr uint8_t callee_regs[] = {0, 1, 2, 3, 4, 5};
        return ctx.callee ? callee_regs[in_.below(6)] : main_regs[in_.below(7)];
    }
    // Source registers may also read the loop counter.
    uint8_t source(const Context& ctx) {
        if (!ctx.callee && in_.below(8) == 0) return kLoopCounter;
        return scalar(ctx);
    }
    Operand operand(const Context& ctx) {
        if (in_.flip()) return Reg{source(ctx)};
        return Imm{static_cast<int32_t>(interesting32())};
    }
    static Size size_of(uint32_t n) {
        static constexpr Size sizes[] = {Size::B, Size::H, Size::W, Size::DW};
        return sizes[n % 4];
    }
    // An in-bounds (base, offset) for an access of `bytes`, aligned to its width.
    std::pair<uint8_t, int16_t> address(const Context& ctx, uint32_t bytes) {
        if (break_rule()) {
            static constexpr uint8_t bases[] = {kInputBase, 10, 0, 2, 6, 1};
            return {bases[in_.below(6)], static_cast<int16_t>(in_.u32())};
        }
        const uint32_t slots = 64 / bytes;
        const auto slot = static_cast<int16_t>(in_.below(slots) * bytes);
        if (ctx.callee || in_.flip()) return {10, static_cast<int16_t>(slot - 64)};
        return {kInputBase, slot};
    }

    // ---- instruction kinds ------------------------------------------------------------
    void block(uint32_t budget, const Context& ctx) {
        const int32_t end = here() + static_cast<int32_t>(budget);
        while (here() < end && !in_.done()) {
            switch (in_.below(ctx.callee ? 8 : 12)) {
            case 0: case 1: case 2: alu(ctx); break;
            case 3: endian(ctx); break;
            case 4: load(ctx); break;
            case 5: store(ctx); break;
            case 6: atomic(ctx); break;
            case 7: branch(ctx); break;
            case 8: if (!ctx.in_loop) loop(ctx); else alu(ctx); break;
            case 9: if (opt_.use_local_calls) local_call(ctx); else alu(ctx); break;
            default: if (opt_.use_maps) map_call(ctx); else load(ctx); break;
            }
        }
    }

    void alu(const Context& ctx) {
        const auto op = static_cast<AluOp>(in_.below(18));
        bool is64 = in_.flip();
        const uint8_t dst = scalar(ctx);
        Operand src = operand(ctx);
        switch (op) {
        case AluOp::Neg: src = Imm{0}; break;
        case AluOp::MovSx8: case AluOp::MovSx16: src = Reg{source(ctx)}; break;
        case AluOp::MovSx32: is64 = true; src = Reg{source(ctx)}; break;
        case AluOp::Lsh: case AluOp::Rsh: case AluOp::Arsh:
            if (auto* imm = std::get_if<Imm>(&src)) imm->v &= is64 ? 63 : 31;
            break;
        case AluOp::Div: case AluOp::SDiv: case AluOp::Mod: case AluOp::SMod:
            if (auto* imm = std::get_if<Imm>(&src); imm && imm->v == 0) imm->v = 1;
            break;
        default: break;
        }
        emit(Alu{op, is64, Reg{dst}, src});
    }

    void endian(const Context& ctx) {
        static constexpr uint8_t widths[] = {16, 32, 64};
        emit(Endian{static_cast<EndianOp>(in_.below(3)), widths[in_.below(3)], Reg{scalar(ctx)}});
    }

    void load(const Context& ctx) {
        const Size size = size_of(in_.u8());
        const bool sx = size != Size::DW && in_.below(4) == 0;
        auto [base, off] = address(ctx, static_cast<uint32_t>(size));
        emit(Load{size, sx, Reg{scalar(ctx)}, Reg{base}, off});
    }

    void store(const Context& ctx) {
        const Size size = size_of(in_.u8());
        auto [base, off] = address(ctx, static_cast<uint32_t>(size));
        emit(Store{size, Reg{base}, off, operand(ctx)});
    }

    void atomic(const Context& ctx) {
        const bool is64 = in_.flip();
        auto [base, off] = address(ctx, is64 ? 8 : 4);
        const auto op = static_cast<AtomicOp>(in_.below(6));
        const bool fetch = op == AtomicOp::Xchg || op == AtomicOp::CmpXchg || in_.flip();
        emit(Atomic{op, fetch, is64, Reg{base}, off, Reg{scalar(ctx)}});
    }

    // if (cond) skip a nested block: a forward jump to the block's end.
    void branch(const Context& ctx) {
        if (ctx.depth >= 4) return alu(ctx);
        auto cond = static_cast<Cond>(in_.below(12));
        const bool is32 = cond != Cond::Always && in_.flip();
        const uint8_t dst = cond == Cond::Always ? 0 : source(ctx);
        const Operand src = cond == Cond::Always ? Operand{Imm{0}} : operand(ctx);
        const int32_t at = here();
        emit(Jump{cond, is32, Reg{dst}, src, 0});
        Context inner = ctx;
        ++inner.depth;
        block(1 + in_.below(12), inner);
        std::get<Jump>(code_[at]).target = here();
    }

    // r7 = n; do { body } while (--r7 != 0): at most 8 iterations, never nested.
    void loop(const Context& ctx) {
        if (break_rule()) emit(mov(kLoopCounter, Reg{source(ctx)})); // a count from data
        else emit(mov(kLoopCounter, Imm{static_cast<int32_t>(1 + in_.below(8))}));
        const int32_t start = here();
        Context inner = ctx;
        inner.in_loop = true;
        block(1 + in_.below(24), inner);
        emit(Alu{AluOp::Sub, true, Reg{kLoopCounter}, Imm{1}});
        emit(Jump{Cond::Ne, false, Reg{kLoopCounter}, Imm{0}, start});
        emit(mov(kLoopCounter, Imm{0})); // r7 is an ordinary value again
    }

    // r1-r5 = scalars; call a fresh subprogram; r1-r5 are dead afterwards: re-initialise.
    void local_call(const Context& ctx) {
        if (ctx.callee || pending_calls_.size() >= 4) return alu(ctx);
        for (uint8_t arg = 1; arg <= 5; ++arg) emit(mov(arg, operand(ctx)));
        pending_calls_.push_back(here());
        emit(Call{CallKind::Local, 0, -1});
        reinit_caller_saved();
    }

    void subprogram(int32_t call_site) {
        const int32_t start = here();
        auto& call = std::get<Call>(code_[call_site]);
        call.target = start;
        call.imm = start - (call_site + 1);
        zero_stack();
        emit(mov(0, Imm{static_cast<int32_t>(interesting32())}));
        Context ctx;
        ctx.callee = true;
        block(1 + in_.below(40), ctx);
        emit(Exit{});
    }

    void reinit_caller_saved() {
        for (uint8_t reg = 1; reg <= 5; ++reg) emit(mov(reg, Imm{static_cast<int32_t>(interesting32())}));
    }

    void map_call(const Context& ctx) {
        if (ctx.callee) return alu(ctx);
        const uint32_t map = in_.flip() ? kArrayMapIndex : kHashMapIndex;
        emit(Store{Size::W, Reg{10}, kKeySlot, Imm{static_cast<int32_t>(in_.below(kMapKeys))}});
        switch (in_.below(3)) {
        case 0: { // lookup, then touch the value through r0 when found
            lddw(1, map, LddwKind::MapFd);
            emit(mov(2, Reg{10}));
            emit(Alu{AluOp::Add, true, Reg{2}, Imm{kKeySlot}});
            emit(Call{CallKind::Helper, kBpfFuncMapLookup, -1});
            const int32_t at = here();
            const bool unchecked = break_rule(); // use the value without the null check
            emit(Jump{unchecked ? Cond::Always : Cond::Eq, false, Reg{0}, Imm{0}, 0});
            const uint8_t reg = in_.flip() ? 8 : 9;
            switch (in_.below(3)) {
            case 0: emit(Load{Size::DW, false, Reg{reg}, Reg{0}, 0}); break;
            case 1: emit(Store{Size::DW, Reg{0}, 0, Reg{reg}}); break;
            default: emit(Atomic{AtomicOp::Add, in_.flip(), true, Reg{0}, 0, Reg{reg}}); break;
            }
            std::get<Jump>(code_[at]).target = unchecked ? at + 1 : here();
            emit(mov(0, Imm{static_cast<int32_t>(interesting32())})); // r0 held a pointer
            break;
        }
        case 1: // update with BPF_ANY / BPF_NOEXIST / BPF_EXIST
            emit(Store{Size::DW, Reg{10}, kValueSlot, Reg{scalar(ctx)}});
            lddw(1, map, LddwKind::MapFd);
            emit(mov(2, Reg{10}));
            emit(Alu{AluOp::Add, true, Reg{2}, Imm{kKeySlot}});
            emit(mov(3, Reg{10}));
            emit(Alu{AluOp::Add, true, Reg{3}, Imm{kValueSlot}});
            emit(mov(4, Imm{static_cast<int32_t>(in_.below(3))}));
            emit(Call{CallKind::Helper, kBpfFuncMapUpdate, -1});
            break;
        default:
            lddw(1, map, LddwKind::MapFd);
            emit(mov(2, Reg{10}));
            emit(Alu{AluOp::Add, true, Reg{2}, Imm{kKeySlot}});
            emit(Call{CallKind::Helper, kBpfFuncMapDelete, -1});
            break;
        }
        reinit_caller_saved();
    }

    // Canonical form via the decoder (fills subprogram_starts); a rejection is our bug.
    Program finish() {
        Program raw;
        raw.insns = std::move(code_);
        auto words = try_encode(raw);
        if (!words) std::abort();
        auto decoded = decode(*words);
        if (!decoded) std::abort();
        return std::move(*decoded);
    }

    ByteReader in_;
    GeneratorOptions opt_;
    std::vector<Instruction> code_;
    std::vector<int32_t> pending_calls_;
};

} // namespace

isa::Program generate_program(std::span<const uint8_t> bytes, const GeneratorOptions& options) {
    return Generator(bytes, options).run();
}

} // namespace ebpfjit::fuzz
