// See pipeline_generator.hpp for what the programs exercise.
//
// Frame layout of every function (main, tail program, subprograms, callbacks):
//   [fp-128, fp)     16 slots of 8 bytes: spills, fills, partial writes, atomics
//   [fp-136, fp-128) map key (u32 at fp-136)
//   [fp-152, fp-136) 16-byte buffer: map update value, *_load_bytes destination
//   [fp-160, fp-152) mem programs with loops (main function): the input's length (r2)
// Register roles: r6 holds the ctx (the input buffer for mem programs) from the first
// instructions on and is never written again; r10 is the frame pointer; every other
// register is scratch, its content tracked as a Val. A loop's induction variable (r7 or r8)
// is reserved while its body is generated: no step writes it.
//
// Each function's code is built in its own buffer with jump targets relative to it;
// finish() appends the subprograms after the main function and patches calls, callback
// addresses (LDDW src 4) and jumps.
#include "pipeline_generator.hpp"

#include <linux/bpf.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <vector>

#include "byte_reader.hpp"
#include "isa/decoder.hpp"
#include "isa/encoder.hpp"
#include "engine_abi/context_layout.hpp"

namespace ebpfjit::fuzz {
namespace {

using namespace isa;

constexpr uint8_t kCtxReg = 6;
constexpr int kSlots = 16;
constexpr int16_t kKeyOff = -136;
constexpr int16_t kBufOff = -152;
constexpr int16_t kLenOff = -160;

// What a register or a stack slot holds, as far as the generator knows.
enum class Kind : uint8_t {
    None,        // uninitialised, or unknown after a merge: never read
    Scalar,
    Ctx,         // off = constant added to the ctx pointer
    Stack,       // own frame, off = offset from fp
    CallerStack, // points at the caller's slot described by Fn::caller_slot (off 0)
    Packet,      // off from data, range = bytes from data proven in bounds
    PacketEnd,
    PacketMeta,
    MapValue,    // non-null map value pointer, off from the value start
    Key,         // for_each callback key (4 readable bytes)
    Counter,     // a loop's induction variable (index or packet pointer): read, never written
};

struct Val {
    Kind kind = Kind::None;
    int32_t off = 0;
    int32_t range = 0;
};

Val merge(const Val& a, const Val& b) {
    if (a.kind != b.kind || a.off != b.off) return Val{};
    Val out = a;
    out.range = std::min(a.range, b.range);
    return out;
}

bool is_packet(Kind k) { return k == Kind::Packet || k == Kind::PacketEnd || k == Kind::PacketMeta; }
bool is_pointer(Kind k) { return k != Kind::None && k != Kind::Scalar && k != Kind::Counter; }

enum class Role : uint8_t { Main, Local, LoopCallback, EachCallback };

struct FnState {
    std::array<Val, 11> regs{};
    std::array<Val, kSlots> slots{};
    Val caller_slot; // what a CallerStack register points at
};

// A function under construction.
struct Fn {
    Role role = Role::Main;
    std::vector<Instruction> code; // jump targets relative to code[0]
    FnState st;
    int depth = 0;
    bool changes_packet = false;
    // Callbacks run several times and read the ctx from the caller's slot at each entry:
    // they keep that slot as it is (unless hostile).
    bool caller_slot_fixed = false;
};

// Sites in a function's code that name another function, patched by finish().
struct Link {
    size_t site;   // Call (local) or LoadImm64 (CodeAddr) in the main function's code
    size_t callee; // index into Generator::callees_
};

class Generator {
public:
    // `probe`: the index (among this generator's loops) of the loop whose body gets a
    // `ja +0` at its start (loop_reach.cpp counts the body's runs by it), or -1.
    Generator(ByteReader& in, ProgramType type, bool hostile, bool loops, int probe = -1)
        : in_(in), type_(type), hostile_(hostile), loops_(loops), probe_(probe) {}

    Program run(uint32_t steps) {
        Fn main;
        main.role = Role::Main;
        prologue(main);
        body(main, steps);
        epilogue(main);
        return finish(std::move(main));
    }

private:
    // ---- emission -----------------------------------------------------------------
    static int32_t here(const Fn& f) { return static_cast<int32_t>(f.code.size()); }
    static void emit(Fn& f, Instruction insn) { f.code.push_back(insn); }
    static Alu mov(uint8_t dst, Operand src) { return Alu{AluOp::Mov, true, Reg{dst}, src}; }
    static Alu add(uint8_t dst, int32_t imm) { return Alu{AluOp::Add, true, Reg{dst}, Imm{imm}}; }
    void lddw(Fn& f, uint8_t dst, LddwKind kind, int32_t imm, int32_t next = 0) {
        emit(f, LoadImm64{Reg{dst}, kind, imm, next});
        emit(f, LddwSecondSlot{});
    }
    void helper(Fn& f, int32_t id) {
        emit(f, Call{CallKind::Helper, id, -1});
        for (uint8_t r = 1; r <= 5; ++r) f.st.regs[r] = Val{};
        f.st.regs[0] = Val{Kind::Scalar};
    }
    // A forward jump whose target is patched by land().
    size_t jump(Fn& f, Cond cond, uint8_t dst, Operand src) {
        emit(f, Jump{cond, false, Reg{dst}, src, 0});
        return f.code.size() - 1;
    }
    static void land(Fn& f, size_t at) { std::get<Jump>(f.code[at]).target = here(f); }

    bool break_rule() { return hostile_ && in_.below(16) == 0; }
    bool has_ctx() const { return type_ != ProgramType::Mem; }

    int32_t interesting() {
        switch (in_.below(8)) {
        case 0: return 0;
        case 1: return 1;
        case 2: return -1;
        case 3: return INT32_MIN;
        case 4: return int32_t(1u << in_.below(32));
        case 5: return int32_t(in_.below(64));
        default: return int32_t(in_.u32());
        }
    }

    // ---- registers ------------------------------------------------------------------
    // A register whose Val satisfies `pred`, or -1.
    template <class Pred> int find(const Fn& f, Pred pred) {
        const uint32_t start = in_.below(10);
        for (uint32_t k = 0; k < 10; ++k) {
            const uint32_t r = (start + k) % 10;
            if (pred(f.st.regs[r])) return int(r);
        }
        return -1;
    }
    int find_kind(const Fn& f, Kind kind) { return find(f, [kind](const Val& v) { return v.kind == kind; }); }
    // A scratch register to write, never r6 or r10 (nor the `keep` ones).
    uint8_t scratch(const Fn&, int keep1 = -1, int keep2 = -1) {
        static constexpr uint8_t regs[] = {0, 1, 2, 3, 4, 5, 7, 8, 9};
        const uint32_t start = in_.below(9);
        for (uint32_t k = 0;; ++k) {
            const uint8_t r = regs[(start + k) % 9];
            if (r != keep1 && r != keep2 && !(reserved_ >> r & 1)) return r;
        }
    }
    // A scalar register, made one if needed.
    uint8_t scalar_reg(Fn& f, int keep1 = -1, int keep2 = -1) {
        if (int r = find_kind(f, Kind::Scalar); r >= 0) return uint8_t(r);
        const uint8_t r = scratch(f, keep1, keep2);
        emit(f, mov(r, Imm{interesting()}));
        f.st.regs[r] = Val{Kind::Scalar};
        return r;
    }
    // Never clobbers `keep` (a pointer the caller is about to use).
    Operand scalar_operand(Fn& f, int keep = -1) {
        if (in_.flip()) return Reg{scalar_reg(f, keep)};
        return Imm{interesting()};
    }

    // A CallerStack register this function may write through, or -1.
    int writable_caller_slot(Fn& f) {
        if (f.caller_slot_fixed && !break_rule()) return -1;
        return find_kind(f, Kind::CallerStack);
    }

    // ---- stack addressing -------------------------------------------------------------
    static int16_t slot_off(int slot) { return int16_t(-8 * (slot + 1)); }
    // Base register and instruction offset reaching fp + `off` in the own frame: r10, or
    // a copy of it (Kind::Stack) now and then.
    std::pair<uint8_t, int16_t> stack_base(Fn& f, int16_t off) {
        if (in_.below(3) == 0)
            if (int r = find_kind(f, Kind::Stack); r >= 0) return {uint8_t(r), int16_t(off - f.st.regs[r].off)};
        return {10, off};
    }
    int pick_slot(const Fn& f, bool initialised) {
        const uint32_t start = in_.below(kSlots);
        for (int k = 0; k < kSlots; ++k) {
            const int s = int((start + k) % kSlots);
            if (!initialised || f.st.slots[s].kind != Kind::None) return s;
        }
        return -1;
    }

    // ---- function frames ----------------------------------------------------------------
    void zero_frame(Fn& f) {
        for (int16_t off = kBufOff; off <= kKeyOff; off += 8) emit(f, Store{Size::DW, Reg{10}, off, Imm{0}});
        for (int s = 0; s < kSlots; ++s)
            if (in_.below(4) != 0) {
                emit(f, Store{Size::DW, Reg{10}, slot_off(s), Imm{0}});
                f.st.slots[s] = Val{Kind::Scalar};
            }
    }

    void prologue(Fn& f) {
        f.st.regs[10] = Val{Kind::Stack, 0};
        emit(f, mov(kCtxReg, Reg{1}));
        if (has_ctx()) {
            f.st.regs[1] = f.st.regs[kCtxReg] = Val{Kind::Ctx};
        } else { // mem: r6 = buffer, r9 = its end
            f.st.regs[1] = f.st.regs[kCtxReg] = Val{Kind::Packet};
            emit(f, mov(9, Reg{1}));
            emit(f, Alu{AluOp::Add, true, Reg{9}, Reg{2}});
            f.st.regs[9] = Val{Kind::PacketEnd};
            if (loops_ && f.role == Role::Main) emit(f, Store{Size::DW, Reg{10}, kLenOff, Reg{2}});
        }
        zero_frame(f);
    }

    // r0 = a mix of the scalars: what the engines' results are compared on.
    void epilogue(Fn& f) {
        if (break_rule()) { // return whatever r0 holds, pointer or not
            if (f.st.regs[0].kind == Kind::None) emit(f, mov(0, Imm{0}));
            emit(f, Exit{});
            return;
        }
        if (f.st.regs[0].kind != Kind::Scalar) emit(f, mov(0, Imm{interesting()}));
        for (uint8_t r = 1; r <= 9; ++r)
            if (f.st.regs[r].kind == Kind::Scalar && in_.flip()) emit(f, Alu{AluOp::Xor, true, Reg{0}, Reg{r}});
        if (int s = pick_slot(f, true); s >= 0 && f.st.slots[s].kind == Kind::Scalar) {
            emit(f, Load{Size::DW, false, Reg{1}, Reg{10}, slot_off(s)});
            emit(f, Alu{AluOp::Add, true, Reg{0}, Reg{1}});
        }
        if (f.role == Role::LoopCallback || f.role == Role::EachCallback) {
            // Callbacks return 0 (continue) or 1 (stop).
            emit(f, Alu{AluOp::And, true, Reg{0}, Imm{break_rule() ? 3 : 1}});
        }
        emit(f, Exit{});
    }

    // ---- the body ----------------------------------------------------------------------
    void body(Fn& f, uint32_t steps) {
        for (uint32_t i = 0; i < steps && !in_.done(); ++i) step(f);
    }

    void step(Fn& f) {
        // Without loops_ no byte is read here: older inputs keep their programs.
        if (loops_ && !in_loop_ && in_.below(5) == 0) return loop(f);
        switch (in_.below(24)) {
        case 0: case 1: return ctx_copy(f);
        case 2: case 3: return ctx_load(f);
        case 4: return ctx_store(f);
        case 5: return stack_pointer(f);
        case 6: case 7: return spill(f);
        case 8: return fill(f);
        case 9: return partial_write(f);
        case 10: case 11: return packet_check(f);
        case 12: return atomic_stack(f);
        case 13: return map_op(f);
        case 14: return call_with_callback(f, Role::LoopCallback);
        case 15: return call_with_callback(f, Role::EachCallback);
        case 16: return local_call(f);
        case 17: return tail_call(f);
        case 18: return packet_load_legacy(f);
        case 19: return packet_helper(f);
        case 20: return branch(f);
        case 21: return pointer_arith(f);
        default: return alu(f);
        }
    }

    void alu(Fn& f) {
        static constexpr AluOp ops[] = {AluOp::Add, AluOp::Sub, AluOp::Mul, AluOp::Or, AluOp::And,
                                        AluOp::Xor, AluOp::Lsh, AluOp::Rsh, AluOp::Arsh, AluOp::Mov,
                                        AluOp::Div, AluOp::Mod, AluOp::Neg};
        const AluOp op = ops[in_.below(13)];
        const bool is64 = in_.flip();
        Operand src = scalar_operand(f);
        const uint8_t dst = op == AluOp::Mov ? scratch(f) : scalar_reg(f);
        if (auto* imm = std::get_if<Imm>(&src)) {
            if (op == AluOp::Lsh || op == AluOp::Rsh || op == AluOp::Arsh) imm->v &= is64 ? 63 : 31;
            if ((op == AluOp::Div || op == AluOp::Mod) && imm->v == 0) imm->v = 7;
        }
        if (op == AluOp::Neg) src = Imm{0};
        emit(f, Alu{op, is64, Reg{dst}, src});
        f.st.regs[dst] = Val{Kind::Scalar};
    }

    // dst = a ctx holder, then nothing / += 0 / += K; -= K / += (reg known 0) / hostile += K.
    void ctx_copy(Fn& f) {
        const int src = find_kind(f, has_ctx() ? Kind::Ctx : Kind::Packet);
        if (src < 0) return alu(f);
        const uint8_t dst = scratch(f, src);
        Val v = f.st.regs[src];
        emit(f, mov(dst, Reg{uint8_t(src)}));
        features_ |= kFeatureCtxCopy;
        const uint32_t how = in_.below(6);
        if (how >= 1 && how <= 3) features_ |= kFeatureCtxArith;
        switch (how) {
        case 0: break;
        case 1: emit(f, add(dst, 0)); break;
        case 2: {
            const int32_t k = int32_t(in_.below(64)) * 4;
            emit(f, add(dst, k));
            emit(f, add(dst, -k));
            break;
        }
        case 3: {
            const uint8_t z = scratch(f, dst, src);
            emit(f, mov(z, Imm{0}));
            emit(f, Alu{AluOp::Add, true, Reg{dst}, Reg{z}});
            f.st.regs[z] = Val{Kind::Scalar};
            break;
        }
        case 4:
            if (break_rule()) { // a modified ctx pointer; derefs through it must be rejected
                const int32_t k = int32_t(in_.below(16)) * 4;
                emit(f, add(dst, k));
                v.off += k;
            }
            break;
        default:
            if (break_rule()) { // a 32-bit copy: a scalar, not a pointer
                emit(f, Alu{AluOp::Mov, false, Reg{dst}, Reg{uint8_t(src)}});
                v = Val{Kind::Scalar};
            }
            break;
        }
        f.st.regs[dst] = v;
    }

    const engine_abi::CtxField* pick_field(bool for_write) {
        const engine_abi::ContextLayout* layout = engine_abi::context_layout(type_);
        if (!layout) return nullptr;
        const auto fields = layout->fields;
        const uint32_t start = in_.below(uint32_t(fields.size()));
        for (size_t k = 0; k < fields.size(); ++k) {
            const engine_abi::CtxField& field = fields[(start + k) % fields.size()];
            const ProgramTypeMask mask = for_write ? field.writable : field.readable;
            // skb->sk is a pointer the generator does not model (it has no socket table).
            if (field.kind == engine_abi::CtxFieldKind::SkbSocket) continue;
            if ((mask & mask_of(type_)) || break_rule()) return &field;
        }
        return nullptr;
    }

    void ctx_load(Fn& f) {
        if (!has_ctx()) return alu(f);
        const int base = find_kind(f, Kind::Ctx);
        const engine_abi::CtxField* field = pick_field(false);
        if (base < 0 || !field) return alu(f);
        uint32_t size = field->size, sub = 0;
        if (field->size > 4) sub = 4 * in_.below(field->size / 4), size = 4; // cb[i]
        if (field->kind == engine_abi::CtxFieldKind::Scalar && in_.below(4) == 0) { // narrow
            size = 1u << in_.below(2);
            sub += in_.below(4 / size) * size;
        }
        if (break_rule()) size = 8, sub = 0; // wider than the field
        const uint8_t dst = scratch(f);
        const int32_t off = int32_t(field->offset + sub) - f.st.regs[base].off;
        emit(f, Load{Size(size), false, Reg{dst}, Reg{uint8_t(base)}, int16_t(off)});
        features_ |= kFeatureCtxLoad;
        switch (field->kind) {
        case engine_abi::CtxFieldKind::PacketData: f.st.regs[dst] = Val{Kind::Packet}; break;
        case engine_abi::CtxFieldKind::PacketEnd: f.st.regs[dst] = Val{Kind::PacketEnd}; break;
        case engine_abi::CtxFieldKind::PacketMeta: f.st.regs[dst] = Val{Kind::PacketMeta}; break;
        case engine_abi::CtxFieldKind::Scalar: f.st.regs[dst] = Val{Kind::Scalar}; break;
        case engine_abi::CtxFieldKind::Socket: // bpf_sock_addr only: the generator makes no cgroup programs
        case engine_abi::CtxFieldKind::SkbSocket: // read as 4 bytes here, which the verifier refuses
            f.st.regs[dst] = Val{Kind::Scalar};
            break;
        }
    }

    void ctx_store(Fn& f) {
        if (!has_ctx()) return alu(f);
        const int base = find_kind(f, Kind::Ctx);
        const engine_abi::CtxField* field = pick_field(true);
        if (base < 0 || !field) return alu(f);
        uint32_t sub = field->size > 4 ? 4 * in_.below(field->size / 4) : 0;
        const int16_t off = int16_t(int32_t(field->offset + sub) - f.st.regs[base].off);
        features_ |= kFeatureCtxStore;
        if (break_rule()) { // store a pointer into the ctx
            const int src = find(f, [](const Val& v) { return is_pointer(v.kind); });
            if (src >= 0) return emit(f, Store{Size::W, Reg{uint8_t(base)}, off, Reg{uint8_t(src)}});
        }
        emit(f, Store{Size::W, Reg{uint8_t(base)}, off, scalar_operand(f, base)});
    }

    // dst = r10 (or a copy) + a slot offset.
    void stack_pointer(Fn& f) {
        const int src = find_kind(f, Kind::Stack);
        const uint8_t dst = scratch(f);
        const int32_t target = in_.flip() ? 0 : slot_off(int(in_.below(kSlots)));
        emit(f, mov(dst, Reg{uint8_t(src < 0 ? 10 : src)}));
        const int32_t from = src < 0 ? 0 : f.st.regs[src].off;
        if (target != from || in_.flip()) emit(f, add(dst, target - from));
        f.st.regs[dst] = Val{Kind::Stack, target};
    }

    // *(u64 *)(fp + slot) = any value (through r10 or a copy of it).
    void spill(Fn& f) {
        const int src = find(f, [](const Val& v) { return v.kind != Kind::None; });
        if (src < 0) return alu(f);
        const int slot = pick_slot(f, false);
        if (break_rule()) { // a 4-byte spill of whatever it is
            auto [base, off] = stack_base(f, slot_off(slot));
            emit(f, Store{Size::W, Reg{base}, off, Reg{uint8_t(src)}});
            f.st.slots[slot] = Val{};
            return;
        }
        if (f.st.regs[src].kind == Kind::CallerStack || f.st.regs[src].kind == Kind::Key) {
            // Pointers into other frames stay in registers (their targets are not tracked).
            return alu(f);
        }
        if (in_.below(4) == 0) { // through the caller's slot pointer, when there is one
            if (int cs = writable_caller_slot(f); cs >= 0) {
                emit(f, Store{Size::DW, Reg{uint8_t(cs)}, 0, Reg{uint8_t(src)}});
                f.st.caller_slot = f.st.regs[src];
                if (f.st.caller_slot.kind == Kind::Stack) f.st.caller_slot = Val{}; // own frame dies
                return;
            }
        }
        auto [base, off] = stack_base(f, slot_off(slot));
        emit(f, Store{Size::DW, Reg{base}, off, Reg{uint8_t(src)}});
        if (base != 10) features_ |= kFeatureSpillViaCopy;
        if (is_pointer(f.st.regs[src].kind)) features_ |= kFeatureSpillPointer;
        f.st.slots[slot] = f.st.regs[src];
        last_spill_ = slot;
    }

    void fill(Fn& f) {
        if (in_.below(4) == 0) {
            if (int cs = find_kind(f, Kind::CallerStack); cs >= 0 && f.st.caller_slot.kind != Kind::None) {
                const uint8_t dst = scratch(f, cs);
                emit(f, Load{Size::DW, false, Reg{dst}, Reg{uint8_t(cs)}, 0});
                f.st.regs[dst] = f.st.caller_slot;
                return;
            }
        }
        const int slot = pick_slot(f, !break_rule());
        if (slot < 0) return alu(f);
        auto [base, off] = stack_base(f, slot_off(slot));
        const uint8_t dst = scratch(f, base);
        if (break_rule()) { // a 4-byte fill of an 8-byte spill
            emit(f, Load{Size::W, false, Reg{dst}, Reg{base}, int16_t(off + 4 * in_.below(2))});
            f.st.regs[dst] = Val{Kind::Scalar};
            return;
        }
        emit(f, Load{Size::DW, false, Reg{dst}, Reg{base}, off});
        if (base != 10) features_ |= kFeatureSpillViaCopy;
        if (is_pointer(f.st.slots[slot].kind)) features_ |= kFeatureFillPointer;
        f.st.regs[dst] = f.st.slots[slot];
    }

    // A 1, 2 or 4-byte write into a slot, often the one just spilled or its neighbour.
    void partial_write(Fn& f) {
        int slot = pick_slot(f, false);
        if (last_spill_ >= 0 && in_.flip())
            slot = std::clamp(last_spill_ + int(in_.below(3)) - 1, 0, kSlots - 1);
        const uint32_t size = 1u << in_.below(3);
        const int16_t sub = int16_t(in_.below(8 / size) * size);
        if (in_.below(4) == 0) {
            if (int cs = writable_caller_slot(f); cs >= 0) {
                emit(f, Store{Size(size), Reg{uint8_t(cs)}, sub, scalar_operand(f, cs)});
                f.st.caller_slot = f.st.caller_slot.kind == Kind::None ? Val{} : Val{Kind::Scalar};
                return;
            }
        }
        auto [base, off] = stack_base(f, int16_t(slot_off(slot) + sub));
        emit(f, Store{Size(size), Reg{base}, off, scalar_operand(f, base)});
        features_ |= kFeaturePartialWrite;
        f.st.slots[slot] = f.st.slots[slot].kind == Kind::None ? Val{} : Val{Kind::Scalar};
    }

    // p = data; e = data_end (loaded if needed); t = p + N; if t > e skip { accesses }.
    void packet_check(Fn& f) {
        if (type_ == ProgramType::SocketFilter || f.depth >= 4) return ctx_load(f);
        int p = find(f, [](const Val& v) { return v.kind == Kind::Packet && v.off == 0; });
        int e = find_kind(f, Kind::PacketEnd);
        const int ctx = find_kind(f, Kind::Ctx);
        const engine_abi::ContextLayout* layout = engine_abi::context_layout(type_);
        auto load_field = [&](engine_abi::CtxFieldKind kind, Kind as, int keep) -> int {
            if (ctx < 0 || !layout) return -1;
            for (const auto& field : layout->fields)
                if (field.kind == kind) {
                    const uint8_t dst = scratch(f, keep, ctx);
                    emit(f, Load{Size::W, false, Reg{dst}, Reg{uint8_t(ctx)},
                                 int16_t(field.offset - f.st.regs[ctx].off)});
                    f.st.regs[dst] = Val{as};
                    return dst;
                }
            return -1;
        };
        const bool meta = type_ != ProgramType::Mem && in_.below(6) == 0;
        if (meta) { // data_meta + N <= data
            p = load_field(engine_abi::CtxFieldKind::PacketMeta, Kind::PacketMeta, -1);
            e = load_field(engine_abi::CtxFieldKind::PacketData, Kind::Packet, p);
        } else {
            if (p < 0) p = load_field(engine_abi::CtxFieldKind::PacketData, Kind::Packet, e);
            if (e < 0 || e == p) e = load_field(engine_abi::CtxFieldKind::PacketEnd, Kind::PacketEnd, p);
        }
        if (p < 0 || e < 0 || p == e) return alu(f);
        const int32_t n = break_rule() ? int32_t(in_.u8()) : int32_t(1 + in_.below(64));
        const uint8_t t = scratch(f, p, e);
        emit(f, mov(t, Reg{uint8_t(p)}));
        emit(f, add(t, n));
        f.st.regs[t] = Val{meta ? Kind::PacketMeta : Kind::Packet, n};
        const FnState before = f.st;
        size_t skip;
        if (in_.flip()) {
            skip = jump(f, Cond::Gt, t, Reg{uint8_t(e)});
        } else {
            skip = jump(f, Cond::Lt, uint8_t(e), Reg{t});
        }
        if (!break_rule()) f.st.regs[p].range = n;
        features_ |= kFeaturePacketCheck;
        ++f.depth;
        const uint32_t inner = 1 + in_.below(6);
        for (uint32_t i = 0; i < inner && !in_.done(); ++i) {
            if (in_.below(3) == 0) step(f);
            else packet_access(f, meta ? Kind::PacketMeta : Kind::Packet);
        }
        --f.depth;
        land(f, skip);
        for (size_t r = 0; r < f.st.regs.size(); ++r) f.st.regs[r] = merge(before.regs[r], f.st.regs[r]);
        for (size_t s = 0; s < f.st.slots.size(); ++s) f.st.slots[s] = merge(before.slots[s], f.st.slots[s]);
        f.st.caller_slot = merge(before.caller_slot, f.st.caller_slot);
    }

    // A load, store or pointer step inside a proven packet range.
    void packet_access(Fn& f, Kind kind) {
        const int p = find(f, [kind](const Val& v) { return v.kind == kind && v.range > v.off; });
        if (p < 0) return alu(f);
        const Val v = f.st.regs[p];
        const uint32_t avail = uint32_t(v.range - v.off);
        uint32_t size = 1u << in_.below(4);
        while (size > avail) size /= 2;
        int32_t off = int32_t(in_.below(avail - size + 1));
        if (in_.flip()) off -= off % int32_t(size);
        if (break_rule()) off = int32_t(avail) - int32_t(size) + 1 + int32_t(in_.below(8));
        features_ |= kFeaturePacketAccess;
        switch (in_.below(4)) {
        case 0: { // a pointer further in
            const uint8_t q = scratch(f, p);
            emit(f, mov(q, Reg{uint8_t(p)}));
            emit(f, add(q, off));
            f.st.regs[q] = Val{kind, v.off + off, v.range};
            break;
        }
        case 1:
            emit(f, Store{Size(size), Reg{uint8_t(p)}, int16_t(off), scalar_operand(f, p)});
            break;
        default: {
            const uint8_t dst = scratch(f, p);
            emit(f, Load{Size(size), false, Reg{dst}, Reg{uint8_t(p)}, int16_t(off)});
            f.st.regs[dst] = Val{Kind::Scalar};
            break;
        }
        }
    }

    // Atomic on a stack slot (maybe holding a spilled pointer) or the caller's slot.
    void atomic_stack(Fn& f) {
        if (in_.below(3) == 0)
            if (int mv = find_kind(f, Kind::MapValue); mv >= 0) return atomic_at(f, uint8_t(mv), f.st.regs[mv].off, nullptr);
        int slot = pick_slot(f, !break_rule());
        if (slot < 0) return alu(f);
        if (in_.below(4) == 0)
            if (int cs = writable_caller_slot(f); cs >= 0 && f.st.caller_slot.kind != Kind::None)
                return atomic_at(f, uint8_t(cs), 0, &f.st.caller_slot);
        auto [base, off] = stack_base(f, slot_off(slot));
        atomic_at(f, base, -off, &f.st.slots[slot]);
    }

    // `*(base + off)` op= src for a target 8-byte cell `cell` (nullptr: a map value, off =
    // the base's offset in it; the access then stays inside the 16-byte value).
    void atomic_at(Fn& f, uint8_t base, int32_t base_off, Val* cell) {
        static constexpr AtomicOp ops[] = {AtomicOp::Add, AtomicOp::Or, AtomicOp::And, AtomicOp::Xor,
                                           AtomicOp::Xchg, AtomicOp::CmpXchg};
        AtomicOp op = ops[in_.below(6)];
        if (op == AtomicOp::CmpXchg && base == 0) op = AtomicOp::Xchg; // cmpxchg needs r0 for itself
        // 32-bit atomics on a spilled pointer are partial reads of it: mostly 64-bit there.
        const bool is64 = in_.below(3) != 0 || (cell && is_pointer(cell->kind) && !break_rule());
        const bool fetch = op == AtomicOp::Xchg || op == AtomicOp::CmpXchg || in_.flip();
        int16_t off;
        if (cell) {
            off = int16_t(-base_off + (is64 ? 0 : 4 * int32_t(in_.below(2))));
        } else {
            const int32_t room = int32_t(kPipelineValueSize) - base_off - (is64 ? 8 : 4);
            if (room < 0) return alu(f);
            off = int16_t((in_.below(uint32_t(room) + 1)) & ~(is64 ? 7 : 3));
        }
        if (op == AtomicOp::CmpXchg && f.st.regs[0].kind != Kind::Scalar) {
            emit(f, mov(0, Imm{interesting()}));
            f.st.regs[0] = Val{Kind::Scalar};
        }
        uint8_t src = scalar_reg(f, base, op == AtomicOp::CmpXchg ? 0 : -1);
        if (src == base || (op == AtomicOp::CmpXchg && src == 0)) { // the found scalar is taken
            src = scratch(f, base, 0);
            emit(f, mov(src, Imm{interesting()}));
            f.st.regs[src] = Val{Kind::Scalar};
        }
        if (break_rule()) // a pointer as the operand: xchg would store it
            if (int ptr = find(f, [](const Val& v) { return is_pointer(v.kind); }); ptr >= 0 && ptr != base)
                src = uint8_t(ptr);
        emit(f, Atomic{op, fetch, is64, Reg{base}, off, Reg{src}});
        if (!cell) features_ |= kFeatureAtomicMapValue;
        else features_ |= is_pointer(cell->kind) ? kFeatureAtomicSpilledPointer : kFeatureAtomicStack;
        if (cell) *cell = Val{Kind::Scalar};
        if (fetch) f.st.regs[op == AtomicOp::CmpXchg ? 0 : src] = Val{Kind::Scalar};
    }

    void map_op(Fn& f) {
        const int32_t map = in_.flip() ? int32_t(kPipelineArrayMap) : int32_t(kPipelineHashMap);
        emit(f, Store{Size::W, Reg{10}, kKeyOff, Imm{int32_t(in_.below(kPipelineHashEntries))}});
        const uint32_t what = in_.below(4);
        if (what == 2) { // update from the buffer
            emit(f, Store{Size::DW, Reg{10}, kBufOff, Reg{scalar_reg(f)}});
            lddw(f, 1, LddwKind::MapFd, map);
            emit(f, mov(2, Reg{10}));
            emit(f, add(2, kKeyOff));
            emit(f, mov(3, Reg{10}));
            emit(f, add(3, kBufOff));
            emit(f, mov(4, Imm{int32_t(in_.below(3))}));
            return helper(f, BPF_FUNC_map_update_elem);
        }
        if (what == 3) {
            lddw(f, 1, LddwKind::MapFd, map);
            emit(f, mov(2, Reg{10}));
            emit(f, add(2, kKeyOff));
            return helper(f, BPF_FUNC_map_delete_elem);
        }
        lddw(f, 1, LddwKind::MapFd, map);
        emit(f, mov(2, Reg{10}));
        emit(f, add(2, kKeyOff));
        helper(f, BPF_FUNC_map_lookup_elem);
        features_ |= kFeatureMapLookup;
        const FnState before = f.st; // r0: a scalar here (the null case)
        const bool unchecked = break_rule();
        const size_t skip = jump(f, unchecked ? Cond::Always : Cond::Eq, 0, Imm{0});
        if (unchecked) land(f, skip);
        f.st.regs[0] = Val{Kind::MapValue};
        ++f.depth;
        const uint32_t inner = 1 + in_.below(4);
        for (uint32_t i = 0; i < inner && !in_.done(); ++i) value_access(f);
        --f.depth;
        if (!unchecked) land(f, skip);
        for (size_t r = 0; r < f.st.regs.size(); ++r) f.st.regs[r] = merge(before.regs[r], f.st.regs[r]);
        for (size_t s = 0; s < f.st.slots.size(); ++s) f.st.slots[s] = merge(before.slots[s], f.st.slots[s]);
        f.st.caller_slot = merge(before.caller_slot, f.st.caller_slot);
        emit(f, mov(0, Imm{interesting()}));
        f.st.regs[0] = Val{Kind::Scalar};
    }

    // Inside a non-null lookup: loads, stores, atomics on the value; spill and fill of
    // the value pointer; storing a pointer into it (hostile).
    void value_access(Fn& f) {
        const int v = find_kind(f, Kind::MapValue);
        if (v < 0) return step(f);
        const int32_t base_off = f.st.regs[v].off;
        switch (in_.below(6)) {
        case 0: return atomic_at(f, uint8_t(v), base_off, nullptr);
        case 1: { // spill the value pointer, fill it elsewhere
            const int slot = pick_slot(f, false);
            emit(f, Store{Size::DW, Reg{10}, slot_off(slot), Reg{uint8_t(v)}});
            const uint8_t dst = scratch(f, v);
            emit(f, Load{Size::DW, false, Reg{dst}, Reg{10}, slot_off(slot)});
            f.st.slots[slot] = f.st.regs[dst] = f.st.regs[v];
            return;
        }
        case 2: {
            const int src = break_rule() ? find(f, [](const Val& x) { return is_pointer(x.kind); }) : -1;
            const int16_t off = int16_t(8 * in_.below(2) - base_off);
            if (src >= 0) return emit(f, Store{Size::DW, Reg{uint8_t(v)}, off, Reg{uint8_t(src)}});
            return emit(f, Store{Size::DW, Reg{uint8_t(v)}, off, scalar_operand(f, v)});
        }
        case 3: return step(f);
        default: {
            const uint32_t size = 1u << in_.below(4);
            int32_t off = int32_t(in_.below(kPipelineValueSize - size + 1)) & ~int32_t(size - 1);
            if (break_rule()) off = int32_t(kPipelineValueSize) - int32_t(size) + 1 + int32_t(in_.below(8));
            const uint8_t dst = scratch(f, v);
            emit(f, Load{Size(size), false, Reg{dst}, Reg{uint8_t(v)}, int16_t(off - base_off)});
            f.st.regs[dst] = Val{Kind::Scalar};
            return;
        }
        }
    }

    // ---- calls ------------------------------------------------------------------------------
    // The slot that holds the ctx (r6) for a callee to find: spilled now, through r10 or
    // a copy. Returns its index.
    int spill_ctx(Fn& f) {
        const int slot = int(in_.below(kSlots));
        auto [base, off] = stack_base(f, slot_off(slot));
        emit(f, Store{Size::DW, Reg{base}, off, Reg{kCtxReg}});
        f.st.slots[slot] = f.st.regs[kCtxReg];
        return slot;
    }

    // After a call into generated code: r1-r5 dead, r0 scalar, the slot the callee could
    // write is what the callee left (merged with before for callbacks, which may not run).
    void after_call(Fn& f, int slot, const Fn& callee, bool maybe_not_run) {
        for (uint8_t r = 1; r <= 5; ++r) f.st.regs[r] = Val{};
        f.st.regs[0] = Val{Kind::Scalar};
        f.st.slots[slot] = maybe_not_run ? merge(f.st.slots[slot], callee.st.caller_slot) : callee.st.caller_slot;
        if (callee.changes_packet) invalidate_packet(f);
    }

    void invalidate_packet(Fn& f) {
        f.changes_packet = true;
        for (auto& r : f.st.regs)
            if (is_packet(r.kind)) r = Val{};
        for (auto& s : f.st.slots)
            if (is_packet(s.kind)) s = Val{};
        if (is_packet(f.st.caller_slot.kind)) f.st.caller_slot = Val{};
    }

    // As the kernel: LD_ABS / LD_IND and subprograms never mix in one program (hostile
    // programs mix them now and then; the verifier must refuse).
    bool may_call(const Fn& f) {
        if (f.role != Role::Main || callees_.size() >= 4) return false;
        return !has_ld_abs_ || break_rule();
    }

    // bpf_loop(n, cb, &slot_with_ctx, 0) or bpf_for_each_map_elem(map, cb, &slot, 0).
    void call_with_callback(Fn& f, Role role) {
        if (!may_call(f)) return alu(f);
        const int slot = spill_ctx(f);
        if (role == Role::LoopCallback) {
            if (break_rule()) emit(f, mov(1, Reg{scalar_reg(f)}));
            else emit(f, mov(1, Imm{int32_t(1 + in_.below(4))}));
        } else {
            lddw(f, 1, LddwKind::MapFd, in_.flip() ? int32_t(kPipelineArrayMap) : int32_t(kPipelineHashMap));
        }
        const size_t site = f.code.size();
        lddw(f, 2, LddwKind::CodeAddr, 0);
        emit(f, mov(3, Reg{10}));
        emit(f, add(3, slot_off(slot)));
        emit(f, mov(4, Imm{0}));
        Fn callee = make_callee(role, f.st.slots[slot]);
        links_.push_back(Link{site, callees_.size()});
        emit(f, Call{CallKind::Helper, role == Role::LoopCallback ? BPF_FUNC_loop : BPF_FUNC_for_each_map_elem, -1});
        after_call(f, slot, callee, true);
        features_ |= role == Role::LoopCallback ? kFeatureLoop : kFeatureForEach;
        callees_.push_back(std::move(callee.code));
    }

    // callee(ctx, &slot, scalar): a static subprogram.
    void local_call(Fn& f) {
        if (!may_call(f)) return alu(f);
        const int slot = pick_slot(f, false);
        emit(f, mov(1, Reg{kCtxReg}));
        if (in_.flip()) emit(f, add(1, 0));
        emit(f, mov(2, Reg{10}));
        emit(f, add(2, slot_off(slot)));
        emit(f, mov(3, Imm{interesting()}));
        Fn callee = make_callee(Role::Local, f.st.slots[slot]);
        links_.push_back(Link{f.code.size(), callees_.size()});
        emit(f, Call{CallKind::Local, 0, 0});
        after_call(f, slot, callee, false);
        features_ |= kFeatureLocalCall;
        callees_.push_back(std::move(callee.code));
    }

    Fn make_callee(Role role, const Val& caller_slot) {
        Fn c;
        c.role = role;
        c.caller_slot_fixed = role != Role::Local;
        c.st.regs[10] = Val{Kind::Stack, 0};
        c.st.caller_slot = caller_slot;
        switch (role) {
        case Role::Local:
            c.st.regs[1] = Val{has_ctx() ? Kind::Ctx : Kind::Packet};
            c.st.regs[2] = Val{Kind::CallerStack};
            c.st.regs[3] = Val{Kind::Scalar};
            emit(c, mov(kCtxReg, Reg{1}));
            c.st.regs[kCtxReg] = c.st.regs[1];
            break;
        case Role::LoopCallback:
            c.st.regs[1] = Val{Kind::Scalar};
            c.st.regs[2] = Val{Kind::CallerStack};
            emit(c, Load{Size::DW, false, Reg{kCtxReg}, Reg{2}, 0});
            c.st.regs[kCtxReg] = caller_slot;
            break;
        case Role::EachCallback:
            c.st.regs[2] = Val{Kind::Key};
            c.st.regs[3] = Val{Kind::MapValue};
            c.st.regs[4] = Val{Kind::CallerStack};
            emit(c, Load{Size::DW, false, Reg{kCtxReg}, Reg{4}, 0});
            c.st.regs[kCtxReg] = caller_slot;
            if (in_.flip()) { // read the key
                emit(c, Load{Size::W, false, Reg{0}, Reg{2}, 0});
                c.st.regs[0] = Val{Kind::Scalar};
            }
            break;
        case Role::Main: break;
        }
        zero_frame(c);
        body(c, 2 + in_.below(10));
        epilogue(c);
        return c;
    }

    // bpf_tail_call(ctx, prog_array, index): slot 0 holds the tail program.
    void tail_call(Fn& f) {
        if (f.role != Role::Main || !has_ctx()) return alu(f);
        // The index first: making a scalar may take any scratch register, r1 and r2 too.
        if (in_.below(4) == 0) emit(f, mov(3, Reg{scalar_reg(f)}));
        else emit(f, mov(3, Imm{int32_t(in_.below(kPipelineProgSlots + 1))}));
        const int ctx = find(f, [](const Val& v) { return v.kind == Kind::Ctx && v.off == 0; });
        emit(f, mov(1, Reg{uint8_t(ctx >= 0 && ctx != 3 ? ctx : kCtxReg)}));
        lddw(f, 2, LddwKind::MapFd, int32_t(kPipelineProgArray));
        helper(f, BPF_FUNC_tail_call);
        f.st.regs[0] = Val{}; // bpf_tail_call returns nothing (RET_VOID) when it falls through
        features_ |= kFeatureTailCall;
    }

    // LD_ABS / LD_IND (tc and socket filters): r6 is the ctx, r0 the result, r1-r5 dead.
    void packet_load_legacy(Fn& f) {
        if (f.role != Role::Main || (type_ != ProgramType::SocketFilter && type_ != ProgramType::SchedCls))
            return ctx_load(f);
        if (!callees_.empty() && !break_rule()) return ctx_load(f);
        has_ld_abs_ = true;
        static constexpr Size sizes[] = {Size::B, Size::H, Size::W};
        const Size size = sizes[in_.below(3)];
        const bool indirect = in_.flip();
        int32_t imm = int32_t(in_.below(72));
        if (in_.below(8) == 0) imm = in_.flip() ? -0x200000 + int32_t(in_.below(16)) : int32_t(in_.u32());
        const uint8_t src = indirect ? scalar_reg(f) : 0;
        emit(f, PacketLoad{size, indirect, Reg{src}, imm});
        features_ |= kFeatureLdAbs;
        for (uint8_t r = 1; r <= 5; ++r) f.st.regs[r] = Val{};
        f.st.regs[0] = Val{Kind::Scalar};
    }

    // Packet-moving helpers and *_load_bytes into the frame's buffer.
    void packet_helper(Fn& f) {
        if (!has_ctx() || in_loop_) return alu(f); // a loop keeps its packet pointer valid
        const int ctx = find(f, [](const Val& v) { return v.kind == Kind::Ctx && v.off == 0; });
        if (ctx < 0) return alu(f);
        features_ |= kFeaturePacketHelper;
        emit(f, mov(1, Reg{uint8_t(ctx)}));
        const uint32_t which = in_.below(3);
        if (which == 0) { // load bytes [off, off + len) into fp-152
            emit(f, mov(2, Imm{int32_t(in_.below(80))}));
            emit(f, mov(3, Reg{10}));
            emit(f, add(3, kBufOff));
            emit(f, mov(4, Imm{int32_t(1 + in_.below(16))}));
            return helper(f, type_ == ProgramType::Xdp ? BPF_FUNC_xdp_load_bytes : BPF_FUNC_skb_load_bytes);
        }
        if (type_ == ProgramType::SocketFilter) return;
        if (type_ == ProgramType::SchedCls) {
            emit(f, mov(2, Imm{int32_t(in_.below(80))}));
            helper(f, BPF_FUNC_skb_pull_data);
        } else {
            static constexpr int32_t deltas[] = {-16, -4, 0, 4, 14, 20, -200};
            emit(f, mov(2, Imm{deltas[in_.below(7)]}));
            helper(f, which == 1 ? BPF_FUNC_xdp_adjust_head : BPF_FUNC_xdp_adjust_tail);
        }
        invalidate_packet(f);
    }

    // if (scalar cond x) skip { steps }.
    void branch(Fn& f) {
        if (f.depth >= 3) return alu(f);
        const uint8_t a = scalar_reg(f);
        const FnState before = f.st;
        static constexpr Cond conds[] = {Cond::Eq, Cond::Ne, Cond::Gt, Cond::Ge, Cond::Lt,
                                         Cond::Le, Cond::SGt, Cond::SLt, Cond::Set};
        // The operand's bytes first, then the condition's (one order for every compiler: the
        // seeds were written by a g++ build, which evaluated the arguments right to left).
        const Operand b = scalar_operand(f);
        const size_t skip = jump(f, conds[in_.below(9)], a, b);
        ++f.depth;
        const uint32_t inner = 1 + in_.below(5);
        for (uint32_t i = 0; i < inner && !in_.done(); ++i) step(f);
        --f.depth;
        land(f, skip);
        for (size_t r = 0; r < f.st.regs.size(); ++r) f.st.regs[r] = merge(before.regs[r], f.st.regs[r]);
        for (size_t s = 0; s < f.st.slots.size(); ++s) f.st.slots[s] = merge(before.slots[s], f.st.slots[s]);
        f.st.caller_slot = merge(before.caller_slot, f.st.caller_slot);
    }

    // Arithmetic on a copy of a pointer that is not the ctx: stack, packet, map value.
    void pointer_arith(Fn& f) {
        const int src = find(f, [](const Val& v) {
            return v.kind == Kind::Stack || v.kind == Kind::Packet || v.kind == Kind::MapValue;
        });
        if (src < 0) return ctx_copy(f);
        Val v = f.st.regs[src];
        const uint8_t dst = scratch(f, src);
        int32_t k = int32_t(in_.below(9)) * 4 - 16;
        if (v.kind == Kind::Stack) k = std::clamp(v.off + k, -128, -8) - v.off;
        if (v.kind != Kind::Stack) k = std::max(k, 0);
        emit(f, mov(dst, Reg{uint8_t(src)}));
        emit(f, add(dst, k));
        v.off += k;
        f.st.regs[dst] = v;
    }

    // ---- loops (only with loops_) ----------------------------------------------------------
    // A counted loop, a loop bounded by the input's length (mem) or data_end (xdp, tc), or
    // the same with a stride from the data. The induction variable is r7 or r8, reserved
    // while the body is generated. The body is generated once, for the state at the loop's
    // entry (a later iteration may find other kinds in registers and slots: the verifier
    // judges that); after the loop the state is that entry state merged with the body's.
    void loop(Fn& f) {
        const uint8_t counter = in_.flip() ? 7 : 8;
        const uint32_t shape = in_.below(8);
        in_loop_ = true;
        current_loop_ = int(loop_kinds_.size());
        loop_kinds_.push_back(0); // its feature, set by close_loop
        reserved_ = uint16_t(1u << counter);
        const bool mem_main = type_ == ProgramType::Mem && f.role == Role::Main && f.st.regs[kCtxReg].kind == Kind::Packet;
        const bool direct_packet = (type_ == ProgramType::Xdp || type_ == ProgramType::SchedCls) &&
                                   f.st.regs[kCtxReg].kind == Kind::Ctx && f.st.regs[kCtxReg].off == 0;
        if (shape == 0 || (!mem_main && !direct_packet)) counted_loop(f, counter);
        else if (shape >= 3) data_loop(f, counter, counter == 7 ? 8 : 7, shape, mem_main);
        else if (mem_main) length_loop(f, counter, shape == 2);
        else packet_loop(f, counter, shape == 2);
        reserved_ = 0;
        in_loop_ = false;
        for (auto& r : f.st.regs)
            if (r.kind == Kind::Counter) r = Val{Kind::Scalar};
        for (auto& slot : f.st.slots)
            if (slot.kind == Kind::Counter) slot = Val{Kind::Scalar};
        if (f.st.caller_slot.kind == Kind::Counter) f.st.caller_slot = Val{Kind::Scalar};
    }

    // The body's steps, the back edge to `head`, the exit jump landed, the states merged.
    void close_loop(Fn& f, int32_t head, size_t exit, const FnState& at_head, uint32_t feature) {
        close_loop(f, head, std::vector<size_t>{exit}, at_head, feature, true);
    }
    // `exits`: forward jumps out of the loop, landed after the back edge; `steps`: whether
    // generated steps join the body (a copy loop stays the bare idiom now and then).
    void close_loop(Fn& f, int32_t head, const std::vector<size_t>& exits, const FnState& at_head, uint32_t feature,
                    bool steps) {
        features_ |= feature;
        loop_kinds_[size_t(current_loop_)] = feature;
        ++f.depth;
        const uint32_t n = steps ? 1 + in_.below(3) : 0;
        for (uint32_t i = 0; i < n && !in_.done(); ++i) step(f);
        --f.depth;
        emit(f, Jump{Cond::Always, false, Reg{0}, Imm{0}, head});
        for (size_t exit : exits) land(f, exit);
        for (size_t r = 0; r < f.st.regs.size(); ++r) f.st.regs[r] = merge(at_head.regs[r], f.st.regs[r]);
        for (size_t s = 0; s < f.st.slots.size(); ++s) f.st.slots[s] = merge(at_head.slots[s], f.st.slots[s]);
        f.st.caller_slot = merge(at_head.caller_slot, f.st.caller_slot);
    }

    // for (c = 0; c < N; c++) body, N a constant in [1, 16].
    void counted_loop(Fn& f, uint8_t c) {
        const int32_t n = int32_t(1 + in_.below(16));
        emit(f, mov(c, Imm{0}));
        f.st.regs[c] = Val{Kind::Counter};
        const int32_t head = here(f);
        const FnState at_head = f.st;
        const size_t exit = jump(f, Cond::Ge, c, Imm{n});
        probe(f);
        emit(f, add(c, 1));
        close_loop(f, head, exit, at_head, kFeatureCountedLoop);
    }

    // mem: for (i = 0; i < len; i += step) { b = mem[i]; body }, len reloaded from its stack
    // slot; step 1, or 1 + (b & 7) (`stride`). Hostile: `i <= len`, or after a stride a
    // byte at the new i read unchecked.
    void length_loop(Fn& f, uint8_t i, bool stride) {
        emit(f, mov(i, Imm{0}));
        f.st.regs[i] = Val{Kind::Counter};
        const int32_t head = here(f);
        const FnState at_head = f.st;
        const uint8_t len = scratch(f);
        emit(f, Load{Size::DW, false, Reg{len}, Reg{10}, kLenOff});
        const size_t exit = jump(f, break_rule() ? Cond::Gt : Cond::Ge, i, Reg{len});
        probe(f);
        const uint8_t b = scratch(f);
        emit(f, mov(b, Reg{kCtxReg}));
        emit(f, Alu{AluOp::Add, true, Reg{b}, Reg{i}});
        emit(f, Load{Size::B, false, Reg{b}, Reg{b}, 0});
        emit(f, add(i, 1));
        if (stride) {
            emit(f, Alu{AluOp::And, true, Reg{b}, Imm{7}});
            emit(f, Alu{AluOp::Add, true, Reg{i}, Reg{b}});
            if (break_rule()) { // the next record's first byte, unchecked
                emit(f, mov(b, Reg{kCtxReg}));
                emit(f, Alu{AluOp::Add, true, Reg{b}, Reg{i}});
                emit(f, Load{Size::B, false, Reg{b}, Reg{b}, 0});
            }
        }
        f.st.regs[len] = Val{Kind::Scalar};
        f.st.regs[b] = Val{Kind::Scalar};
        close_loop(f, head, exit, at_head, stride ? kFeatureStrideLoop : kFeatureLengthLoop);
    }

    // ---- issue 17's loop kinds over the mem input (mem_main) or the packet (xdp, tc) ----
    // i (the counter) indexes from the start; mem reloads its length from fp-160, the
    // packet reloads data and data_end from the ctx (r6) at each check. `acc` (the other
    // of r7/r8) is reserved too: the CRC, the count, the TLV sum, or the packet base of a
    // copy. Hostile: one check off by one, a histogram index past the table, or a TLV
    // length left unmasked.
    void data_loop(Fn& f, uint8_t i, uint8_t acc, uint32_t shape, bool mem) {
        if (!mem && (!ctx_field(engine_abi::CtxFieldKind::PacketData) || !ctx_field(engine_abi::CtxFieldKind::PacketEnd)))
            return counted_loop(f, i);
        reserved_ |= uint16_t(1u << acc);
        std::vector<size_t> exits;
        uint32_t feature = 0;
        if (shape == 7) return copy_loop(f, i, acc, mem);
        if (shape == 5) zero_slots(f); // the histogram's table
        emit(f, Alu{AluOp::Mov, false, Reg{acc}, Imm{shape == 3 ? -1 : 0}});
        emit(f, mov(i, Imm{0}));
        f.st.regs[i] = f.st.regs[acc] = Val{Kind::Counter};
        const int32_t head = here(f);
        const FnState at_head = f.st;
        switch (shape) {
        case 3: { // crc = ~0; for each byte: crc ^= b, two bit steps of CRC-32
            exits.push_back(check(f, i, 1, mem));
            probe(f);
            const uint8_t b = byte_at(f, i, 0, mem);
            emit(f, Alu{AluOp::Xor, false, Reg{acc}, Reg{b}});
            for (int k = 0; k < 2; ++k) {
                emit(f, mov(b, Reg{acc}));
                emit(f, Alu{AluOp::And, false, Reg{b}, Imm{1}});
                emit(f, Alu{AluOp::Neg, false, Reg{b}, Imm{0}});
                emit(f, Alu{AluOp::And, false, Reg{b}, Imm{int32_t(0xEDB88320u)}});
                emit(f, Alu{AluOp::Rsh, false, Reg{acc}, Imm{1}});
                emit(f, Alu{AluOp::Xor, false, Reg{acc}, Reg{b}});
            }
            feature = kFeatureCrcLoop;
            break;
        }
        case 4: { // count += (b[i] & 3) == k0 && (b[i + 1] & 3) == k1
            exits.push_back(check(f, i, 2, mem));
            probe(f);
            const int32_t k0 = int32_t(in_.below(4)), k1 = int32_t(in_.below(4));
            const uint8_t b0 = byte_at(f, i, 0, mem);
            emit(f, Alu{AluOp::And, true, Reg{b0}, Imm{3}});
            const size_t miss0 = jump(f, Cond::Ne, b0, Imm{k0});
            const uint8_t b1 = byte_at(f, i, 1, mem, b0);
            emit(f, Alu{AluOp::And, true, Reg{b1}, Imm{3}});
            const size_t miss1 = jump(f, Cond::Ne, b1, Imm{k1});
            emit(f, add(acc, 1));
            land(f, miss0);
            land(f, miss1);
            feature = kFeaturePatternLoop;
            break;
        }
        case 5: { // table[(b & 15)]++ in the slots [fp-128, fp)
            exits.push_back(check(f, i, 1, mem));
            probe(f);
            const uint8_t b = byte_at(f, i, 0, mem);
            emit(f, Alu{AluOp::And, true, Reg{b}, Imm{break_rule() ? 31 : 15}});
            emit(f, Alu{AluOp::Lsh, true, Reg{b}, Imm{3}});
            emit(f, Alu{AluOp::Add, true, Reg{b}, Reg{10}});
            const uint8_t v = scratch(f, b);
            emit(f, Load{Size::DW, false, Reg{v}, Reg{b}, -128});
            emit(f, add(v, 1));
            emit(f, Store{Size::DW, Reg{b}, -128, Reg{v}});
            f.st.regs[b] = Val{};
            f.st.regs[v] = Val{Kind::Scalar};
            feature = kFeatureHistogramLoop;
            break;
        }
        default: { // TLV: l = b[i + 1] & 15; if (i + 2 + l > len) break; sum += b[i + 1 + l]; i += 2 + l
            exits.push_back(check(f, i, 2, mem));
            probe(f);
            const uint8_t l = byte_at(f, i, 1, mem);
            if (!break_rule()) emit(f, Alu{AluOp::And, true, Reg{l}, Imm{15}});
            const uint8_t t = scratch(f, l);
            emit(f, mov(t, Reg{i}));
            emit(f, add(t, 2));
            emit(f, Alu{AluOp::Add, true, Reg{t}, Reg{l}});
            f.st.regs[t] = Val{Kind::Scalar};
            exits.push_back(check(f, t, 0, mem, l));
            const size_t empty = jump(f, Cond::Eq, l, Imm{0});
            const uint8_t v = scratch(f, l, t);
            load_base(f, v, mem);
            emit(f, Alu{AluOp::Add, true, Reg{v}, Reg{i}});
            emit(f, Alu{AluOp::Add, true, Reg{v}, Reg{l}});
            emit(f, Load{Size::B, false, Reg{v}, Reg{v}, 1});
            emit(f, Alu{AluOp::Add, true, Reg{acc}, Reg{v}});
            f.st.regs[v] = Val{Kind::Scalar};
            land(f, empty);
            emit(f, mov(i, Reg{t})); // the stride: 2 + l, from the data
            feature = kFeatureTlvLoop;
            break;
        }
        }
        if (shape != 6) emit(f, add(i, 1));
        close_loop(f, head, exits, at_head, feature, true);
    }

    // for (i = 0; i != n; i++) dst[i] = src[i], n constant in [1, 128], between the slots
    // [fp-128, fp) and the mem input or the packet (either way), behind one check that n
    // bytes are there: clang's shape of a byte copy, the JIT's block-op idiom (the packet's
    // base is `acc`, loaded once). Now and then generated steps join the body.
    void copy_loop(Fn& f, uint8_t i, uint8_t acc, bool mem) {
        const int32_t n = int32_t(1 + in_.below(128));
        const bool to_stack = in_.flip();
        if (!to_stack) zero_slots(f); // the bytes copied out are initialised
        uint8_t base = kCtxReg;
        size_t skip;
        const uint8_t e = scratch(f);
        const int32_t need = break_rule() ? n - 1 : n;
        if (mem) {
            emit(f, Load{Size::DW, false, Reg{e}, Reg{10}, kLenOff});
            skip = jump(f, Cond::Lt, e, Imm{need});
        } else {
            base = acc;
            load_base(f, acc, false);
            const uint8_t t = scratch(f, e);
            emit(f, mov(t, Reg{acc}));
            emit(f, add(t, need));
            emit(f, Load{Size::W, false, Reg{e}, Reg{kCtxReg}, int16_t(ctx_field(engine_abi::CtxFieldKind::PacketEnd)->offset)});
            skip = jump(f, Cond::Gt, t, Reg{e});
            f.st.regs[t] = Val{};
        }
        f.st.regs[e] = Val{};
        emit(f, mov(i, Imm{0}));
        f.st.regs[i] = f.st.regs[acc] = Val{Kind::Counter};
        const int32_t head = here(f);
        const FnState at_head = f.st;
        probe(f);
        const uint8_t s = scratch(f), b = scratch(f, s);
        emit(f, mov(s, Reg{to_stack ? base : uint8_t(10)}));
        emit(f, Alu{AluOp::Add, true, Reg{s}, Reg{i}});
        emit(f, Load{Size::B, false, Reg{b}, Reg{s}, int16_t(to_stack ? 0 : -128)});
        emit(f, mov(s, Reg{to_stack ? uint8_t(10) : base}));
        emit(f, Alu{AluOp::Add, true, Reg{s}, Reg{i}});
        emit(f, Store{Size::B, Reg{s}, int16_t(to_stack ? -128 : 0), Reg{b}});
        f.st.regs[s] = Val{};
        f.st.regs[b] = Val{Kind::Scalar};
        emit(f, add(i, 1));
        const size_t done = jump(f, Cond::Eq, i, Imm{n});
        close_loop(f, head, {skip, done}, at_head, kFeatureCopyLoop, in_.below(4) == 0);
    }

    void zero_slots(Fn& f) {
        for (int slot = 0; slot < kSlots; ++slot) {
            emit(f, Store{Size::DW, Reg{10}, slot_off(slot), Imm{0}});
            f.st.slots[slot] = Val{Kind::Scalar};
        }
    }

    // dst = the start of the mem input (r6) or of the packet (data, from the ctx).
    void load_base(Fn& f, uint8_t dst, bool mem) {
        if (mem) emit(f, mov(dst, Reg{kCtxReg}));
        else emit(f, Load{Size::W, false, Reg{dst}, Reg{kCtxReg}, int16_t(ctx_field(engine_abi::CtxFieldKind::PacketData)->offset)});
    }

    // A fresh register = the byte at start + x + k (`keep` survives).
    uint8_t byte_at(Fn& f, uint8_t x, int16_t k, bool mem, int keep = -1) {
        const uint8_t b = scratch(f, keep);
        load_base(f, b, mem);
        emit(f, Alu{AluOp::Add, true, Reg{b}, Reg{x}});
        emit(f, Load{Size::B, false, Reg{b}, Reg{b}, k});
        f.st.regs[b] = Val{Kind::Scalar};
        return b;
    }

    // The loop's exit unless x + need bytes are there: mem `x + need > len`, packet
    // `data + x + need > data_end` (hostile: one byte short). Keeps x and `keep`.
    size_t check(Fn& f, uint8_t x, int32_t need, bool mem, int keep = -1) {
        const uint16_t reserved = reserved_;
        reserved_ |= uint16_t(1u << x | (keep >= 0 ? 1u << keep : 0u));
        const uint8_t t = scratch(f);
        const uint8_t e = scratch(f, t);
        reserved_ = reserved;
        if (break_rule()) need -= 1;
        if (mem) {
            emit(f, Load{Size::DW, false, Reg{e}, Reg{10}, kLenOff});
            emit(f, mov(t, Reg{x}));
        } else {
            load_base(f, t, false);
            emit(f, Alu{AluOp::Add, true, Reg{t}, Reg{x}});
            emit(f, Load{Size::W, false, Reg{e}, Reg{kCtxReg}, int16_t(ctx_field(engine_abi::CtxFieldKind::PacketEnd)->offset)});
        }
        if (need != 0) emit(f, add(t, need));
        f.st.regs[t] = f.st.regs[e] = Val{};
        return jump(f, Cond::Gt, t, Reg{e});
    }

    // xdp, tc: for (p = data; p + 1 <= data_end; p += step) { b = *p; body }, data_end
    // reloaded from the ctx each time; step as length_loop. Hostile: `p <= data_end`, or
    // after a stride the byte at the new p read unchecked.
    void packet_loop(Fn& f, uint8_t p, bool stride) {
        const engine_abi::CtxField* data = ctx_field(engine_abi::CtxFieldKind::PacketData);
        const engine_abi::CtxField* end = ctx_field(engine_abi::CtxFieldKind::PacketEnd);
        if (!data || !end) return counted_loop(f, p);
        emit(f, Load{Size::W, false, Reg{p}, Reg{kCtxReg}, int16_t(data->offset)});
        f.st.regs[p] = Val{Kind::Counter};
        const int32_t head = here(f);
        const FnState at_head = f.st;
        const uint8_t e = scratch(f);
        emit(f, Load{Size::W, false, Reg{e}, Reg{kCtxReg}, int16_t(end->offset)});
        const uint8_t t = scratch(f, e);
        emit(f, mov(t, Reg{p}));
        if (!break_rule()) emit(f, add(t, 1));
        const size_t exit = jump(f, Cond::Gt, t, Reg{e});
        probe(f);
        emit(f, Load{Size::B, false, Reg{t}, Reg{p}, 0});
        emit(f, add(p, 1));
        if (stride) {
            emit(f, Alu{AluOp::And, true, Reg{t}, Imm{7}});
            emit(f, Alu{AluOp::Add, true, Reg{p}, Reg{t}});
            if (break_rule()) emit(f, Load{Size::B, false, Reg{t}, Reg{p}, 0}); // unchecked
        }
        f.st.regs[e] = Val{};
        f.st.regs[t] = Val{Kind::Scalar};
        close_loop(f, head, exit, at_head, stride ? kFeatureStrideLoop : kFeatureLengthLoop);
    }

    // The loop-reach probe: a `ja +0` first in the body of loop number probe_ (reads no
    // byte: the program is otherwise the same).
    void probe(Fn& f) {
        if (current_loop_ == probe_) emit(f, Jump{Cond::Always, false, Reg{0}, Imm{0}, here(f) + 1});
    }

    const engine_abi::CtxField* ctx_field(engine_abi::CtxFieldKind kind) const {
        const engine_abi::ContextLayout* layout = engine_abi::context_layout(type_);
        if (!layout) return nullptr;
        for (const auto& field : layout->fields)
            if (field.kind == kind) return &field;
        return nullptr;
    }

    // ---- assembly ----------------------------------------------------------------------
    Program finish(Fn main) {
        std::vector<Instruction> code = std::move(main.code);
        std::vector<int32_t> bases;
        for (auto& callee : callees_) {
            const int32_t base = int32_t(code.size());
            bases.push_back(base);
            for (Instruction& insn : callee) {
                if (auto* j = std::get_if<Jump>(&insn)) j->target += base;
                code.push_back(insn);
            }
        }
        for (const Link& link : links_) {
            const int32_t target = bases[link.callee];
            const int32_t rel = target - int32_t(link.site) - 1;
            if (auto* call = std::get_if<Call>(&code[link.site])) call->imm = rel, call->target = target;
            else std::get<LoadImm64>(code[link.site]).imm = rel;
        }
        Program raw;
        raw.insns = std::move(code);
        auto words = try_encode(raw);
        if (!words) std::abort(); // the generator wrote something the ISA cannot say
        auto decoded = decode(*words);
        if (!decoded) std::abort();
        return std::move(*decoded);
    }

    ByteReader& in_;
    ProgramType type_;
    bool hostile_;
    bool loops_;
    int probe_;
    bool in_loop_ = false;  // generating a loop's body: no nested loop, no packet-moving helper
    int current_loop_ = -1; // the loop being generated (index into loop_kinds_)
    std::vector<uint32_t> loop_kinds_; // each loop's feature, in emission order
    uint16_t reserved_ = 0; // registers scratch() never hands out (a loop's induction variable)
    int last_spill_ = -1;
    bool has_ld_abs_ = false;
    uint32_t features_ = 0;

public:
    uint32_t features() const { return features_; }
    const std::vector<uint32_t>& loop_kinds() const { return loop_kinds_; }

private:
    std::vector<std::vector<Instruction>> callees_;
    std::vector<Link> links_;
};

} // namespace

PipelinePrograms generate_pipeline_programs(std::span<const uint8_t> bytes, ProgramType type, bool hostile,
                                            bool loops, int probe_loop) {
    ByteReader in(bytes);
    PipelinePrograms out;
    Generator main(in, type, hostile, loops, probe_loop);
    out.main = main.run(48);
    const int main_loops = int(main.loop_kinds().size());
    Generator tail(in, type, hostile, loops, probe_loop < main_loops ? -1 : probe_loop - main_loops);
    out.tail = tail.run(12);
    out.features = main.features() | tail.features();
    out.loops = main.loop_kinds();
    out.loops.insert(out.loops.end(), tail.loop_kinds().begin(), tail.loop_kinds().end());
    return out;
}

const char* pipeline_feature_name(uint32_t bit_index) {
    static constexpr const char* names[kFeatureCount] = {
        "ctx_copy", "ctx_arith", "ctx_load", "ctx_store", "packet_check", "packet_access", "spill_pointer",
        "spill_via_r10_copy", "fill_pointer", "partial_write", "atomic_stack", "atomic_spilled_pointer",
        "atomic_map_value", "map_lookup", "bpf_loop", "for_each_map_elem", "local_call", "tail_call",
        "ld_abs", "packet_helper", "counted_loop", "length_loop", "stride_loop", "crc_loop", "pattern_loop",
        "histogram_loop", "tlv_loop", "copy_loop"};
    return bit_index < kFeatureCount ? names[bit_index] : "?";
}

} // namespace ebpfjit::fuzz
