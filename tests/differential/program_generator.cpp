#include "tests/differential/program_generator.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace ebpfjit::differential {

namespace {

using namespace isa;

// Registers: r9 holds the input base in every function; r8 is the loop counter.
constexpr uint8_t kInputBase = 9;
constexpr uint8_t kLoopCounter = 8;

class Generator {
public:
    Generator(std::mt19937_64& rng, const GeneratorOptions& options) : rng_(rng), options_(options) {}

    Program generate() {
        const uint32_t subs = uniform(0, options_.max_subprograms);
        // Layout: entry function first, then subprogram k; calls only go to higher k (no
        // recursion, depth <= subs + 1 <= 8).
        std::vector<std::vector<Instruction>> bodies(subs + 1);
        for (uint32_t k = subs + 1; k-- > 0;) bodies[k] = function(k, subs);
        // Resolve local calls: placeholder Call{Local, imm = callee index}.
        std::vector<int32_t> starts;
        int32_t at = 0;
        for (const auto& b : bodies) {
            starts.push_back(at);
            at += static_cast<int32_t>(b.size());
        }
        Program p;
        for (size_t k = 0; k < bodies.size(); ++k) {
            for (Instruction insn : bodies[k]) {
                const auto pc = static_cast<int32_t>(p.insns.size());
                if (auto* c = std::get_if<Call>(&insn); c && c->kind == CallKind::Local) {
                    const int32_t target = starts[static_cast<size_t>(c->imm)];
                    *c = Call{CallKind::Local, target - pc - 1, target};
                } else if (auto* j = std::get_if<Jump>(&insn)) {
                    j->target += starts[k];
                }
                p.insns.push_back(insn);
            }
        }
        p.subprogram_starts = starts;
        return p;
    }

private:
    uint32_t uniform(uint32_t lo, uint32_t hi) { return std::uniform_int_distribution<uint32_t>(lo, hi)(rng_); }
    bool chance(uint32_t percent) { return uniform(0, 99) < percent; }

    int32_t interesting_imm() {
        static constexpr std::array<int32_t, 12> pool = {0, 1, -1, 2, 7, 31, 32, 63, 64, INT32_MIN, INT32_MAX, 0xffff};
        if (chance(50)) return pool[uniform(0, pool.size() - 1)];
        return static_cast<int32_t>(rng_());
    }
    uint64_t interesting_u64() {
        static constexpr std::array<uint64_t, 8> pool = {0, 1, ~0ull, 0x8000000000000000ull, 0x7fffffffffffffffull,
                                                         0xffffffffull, 0x80000000ull, 0xffffffff80000000ull};
        if (chance(40)) return pool[uniform(0, pool.size() - 1)];
        return rng_();
    }

    void lddw(uint8_t dst, uint64_t value) {
        out_->push_back(LoadImm64{Reg{dst}, LddwKind::Imm64, static_cast<int32_t>(static_cast<uint32_t>(value)),
                                  static_cast<int32_t>(static_cast<uint32_t>(value >> 32))});
        out_->push_back(LddwSecondSlot{});
    }

    // A register that a block may overwrite: r0-r7, plus r8 outside loops.
    uint8_t writable(bool in_loop) { return static_cast<uint8_t>(uniform(0, in_loop ? 7 : 8)); }
    uint8_t readable() { return static_cast<uint8_t>(uniform(0, 8)); }

    void alu(bool in_loop) {
        static constexpr std::array<AluOp, 18> ops = {
            AluOp::Add, AluOp::Sub, AluOp::Mul, AluOp::Div, AluOp::SDiv, AluOp::Or, AluOp::And,
            AluOp::Lsh, AluOp::Rsh, AluOp::Neg, AluOp::Mod, AluOp::SMod, AluOp::Xor, AluOp::Mov,
            AluOp::Arsh, AluOp::MovSx8, AluOp::MovSx16, AluOp::MovSx32};
        const AluOp op = ops[uniform(0, ops.size() - 1)];
        bool is64 = chance(60);
        if (op == AluOp::MovSx32) is64 = true;
        const uint8_t dst = writable(in_loop);
        const bool movsx = op == AluOp::MovSx8 || op == AluOp::MovSx16 || op == AluOp::MovSx32;
        Operand src = Imm{interesting_imm()};
        if (op == AluOp::Neg) src = Imm{0};
        else if (movsx || chance(50)) src = Reg{readable()};
        out_->push_back(Alu{op, is64, Reg{dst}, src});
    }

    void endian(bool in_loop) {
        static constexpr std::array<uint8_t, 3> widths = {16, 32, 64};
        const auto op = static_cast<EndianOp>(uniform(0, 2));
        out_->push_back(Endian{op, widths[uniform(0, 2)], Reg{writable(in_loop)}});
    }

    // base r9 (input work area) or r10 (the first kStackBytes of the frame).
    std::pair<uint8_t, int16_t> address(uint32_t width) {
        if (chance(50)) {
            const uint32_t slots = kWorkBytes / width;
            return {kInputBase, static_cast<int16_t>(uniform(0, slots - 1) * width)};
        }
        const uint32_t slots = kStackBytes / width;
        return {kFramePointer, static_cast<int16_t>(-static_cast<int32_t>((uniform(0, slots - 1) + 1) * width))};
    }

    void memory(bool in_loop) {
        static constexpr std::array<Size, 4> sizes = {Size::B, Size::H, Size::W, Size::DW};
        const Size size = sizes[uniform(0, 3)];
        const auto [base, off] = address(static_cast<uint32_t>(size));
        switch (uniform(0, 2)) {
        case 0: out_->push_back(Load{size, size != Size::DW && chance(30), Reg{writable(in_loop)}, Reg{base}, off}); break;
        case 1: out_->push_back(Store{size, Reg{base}, off, Reg{readable()}}); break;
        default: out_->push_back(Store{size, Reg{base}, off, Imm{interesting_imm()}}); break;
        }
    }

    void atomic(bool in_loop) {
        const bool is64 = chance(50);
        const auto [base, off] = address(is64 ? 8 : 4);
        const auto op = static_cast<AtomicOp>(uniform(0, 5));
        const bool fetch = op == AtomicOp::Xchg || op == AtomicOp::CmpXchg || chance(50);
        // fetch forms write src (or r0): keep them off r8 inside loops
        uint8_t src = fetch ? writable(in_loop) : readable();
        if (op == AtomicOp::CmpXchg && in_loop) src = readable();
        out_->push_back(Atomic{op, fetch, is64, Reg{base}, off, Reg{src}});
    }

    void straight(uint32_t n, bool in_loop) {
        for (uint32_t i = 0; i < n; ++i) {
            const uint32_t pick = uniform(0, 99);
            if (pick < 55) alu(in_loop);
            else if (pick < 62) endian(in_loop);
            else if (pick < 88) memory(in_loop);
            else atomic(in_loop);
        }
    }

    // A forward branch over part of a block.
    void branch_block(bool in_loop) {
        const auto jump_at = out_->size();
        out_->push_back(Jump{}); // patched below
        straight(uniform(1, options_.block_size), in_loop);
        const auto cond = static_cast<Cond>(uniform(1, 11));
        const bool is32 = chance(30);
        Operand src = chance(50) ? Operand{Reg{readable()}} : Operand{Imm{interesting_imm()}};
        (*out_)[jump_at] = Jump{cond, is32, Reg{readable()}, src, static_cast<int32_t>(out_->size())};
    }

    // r8 = n; head: body (no writes to r8, forward branches only inside); r8 -= 1; if r8 != 0 goto head
    void loop_block() {
        out_->push_back(Alu{AluOp::Mov, true, Reg{kLoopCounter}, Imm{static_cast<int32_t>(uniform(1, 5))}});
        const auto head = static_cast<int32_t>(out_->size());
        straight(uniform(1, options_.block_size), true);
        if (chance(50)) branch_block(true);
        out_->push_back(Alu{AluOp::Sub, true, Reg{kLoopCounter}, Imm{1}});
        out_->push_back(Jump{Cond::Ne, false, Reg{kLoopCounter}, Imm{0}, head});
    }

    void call_block(uint32_t self, uint32_t subs) {
        if (self >= subs) return;
        const uint32_t callee = uniform(self + 1, subs);
        out_->push_back(Alu{AluOp::Mov, true, Reg{1}, Reg{kInputBase}});
        // r2 = any data register but r1, which now holds an address (addresses differ
        // between the engines' input copies, so they must never become data).
        uint8_t arg = static_cast<uint8_t>(uniform(0, 7));
        if (arg == 1) arg = 8;
        out_->push_back(Alu{AluOp::Mov, true, Reg{2}, Reg{arg}});
        out_->push_back(Call{CallKind::Local, static_cast<int32_t>(callee), -1});
        // r1-r5 are undefined after a call: define them again.
        for (uint8_t r = 1; r <= 5; ++r) out_->push_back(Alu{AluOp::Mov, true, Reg{r}, Imm{interesting_imm()}});
    }

    std::vector<Instruction> function(uint32_t self, uint32_t subs) {
        std::vector<Instruction> body;
        out_ = &body;
        // Prologue: the input base, every register defined, the used stack initialised.
        out_->push_back(Alu{AluOp::Mov, true, Reg{kInputBase}, Reg{1}});
        for (uint8_t r = 0; r <= 8; ++r) {
            if (self != 0 && r == 2) continue; // the caller's argument
            if (chance(30)) lddw(r, interesting_u64());
            else out_->push_back(Alu{AluOp::Mov, true, Reg{r}, Imm{interesting_imm()}});
        }
        for (int16_t off = -8; off >= -static_cast<int16_t>(kStackBytes); off -= 8)
            out_->push_back(Store{Size::DW, Reg{kFramePointer}, off, Reg{static_cast<uint8_t>(uniform(0, 8))}});

        for (uint32_t b = 0; b < options_.blocks; ++b) {
            const uint32_t pick = uniform(0, 99);
            if (pick < 35) straight(uniform(1, options_.block_size), false);
            else if (pick < 65) branch_block(false);
            else if (pick < 85) loop_block();
            else call_block(self, subs);
        }

        // Epilogue: fold r1-r9 into r0; the entry also dumps its stack into the input.
        for (uint8_t r = 1; r <= 8; ++r) {
            out_->push_back(Alu{AluOp::Lsh, true, Reg{0}, Imm{static_cast<int32_t>(uniform(1, 7))}});
            out_->push_back(Alu{AluOp::Xor, true, Reg{0}, Reg{r}});
        }
        if (self == 0) {
            for (int16_t off = -8; off >= -static_cast<int16_t>(kStackBytes); off -= 8) {
                out_->push_back(Load{Size::DW, false, Reg{1}, Reg{kFramePointer}, off});
                out_->push_back(Store{Size::DW, Reg{kInputBase}, static_cast<int16_t>(kWorkBytes + (-off - 8)), Reg{1}});
            }
        }
        out_->push_back(Exit{});
        return body;
    }

    std::mt19937_64& rng_;
    const GeneratorOptions& options_;
    std::vector<Instruction>* out_ = nullptr;
};

} // namespace

isa::Program generate_program(std::mt19937_64& rng, const GeneratorOptions& options) {
    return Generator(rng, options).generate();
}

} // namespace ebpfjit::differential
