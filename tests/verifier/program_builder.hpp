// A tiny in-test assembler: builds isa::Program values directly, with labels, so the
// corpus reads like the disassembly it checks.
#pragma once

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "isa/instruction.hpp"

namespace ebpfjit::verifier::test {

using isa::AluOp;
using isa::Cond;
using isa::Size;

struct R {
    uint8_t n;
};
inline constexpr R r0{0}, r1{1}, r2{2}, r3{3}, r4{4}, r5{5}, r6{6}, r7{7}, r8{8}, r9{9}, r10{10};

class Builder {
public:
    Builder& label(const std::string& name) {
        labels_[name] = int32_t(insns_.size());
        return *this;
    }
    // ALU
    Builder& alu(AluOp op, R d, int32_t imm, bool is64 = true) {
        return push(isa::Alu{op, is64, {d.n}, isa::Imm{imm}});
    }
    Builder& alu(AluOp op, R d, R s, bool is64 = true) { return push(isa::Alu{op, is64, {d.n}, isa::Reg{s.n}}); }
    Builder& mov(R d, int32_t imm) { return alu(AluOp::Mov, d, imm); }
    Builder& mov(R d, R s) { return alu(AluOp::Mov, d, s); }
    Builder& mov32(R d, int32_t imm) { return alu(AluOp::Mov, d, imm, false); }
    Builder& mov32(R d, R s) { return alu(AluOp::Mov, d, s, false); }
    Builder& add(R d, int32_t imm) { return alu(AluOp::Add, d, imm); }
    Builder& add(R d, R s) { return alu(AluOp::Add, d, s); }
    Builder& sub(R d, int32_t imm) { return alu(AluOp::Sub, d, imm); }
    Builder& sub(R d, R s) { return alu(AluOp::Sub, d, s); }
    Builder& and_(R d, int32_t imm) { return alu(AluOp::And, d, imm); }
    Builder& lsh(R d, int32_t imm) { return alu(AluOp::Lsh, d, imm); }
    Builder& rsh(R d, int32_t imm) { return alu(AluOp::Rsh, d, imm); }
    Builder& endian(isa::EndianOp op, uint8_t bits, R d) { return push(isa::Endian{op, bits, {d.n}}); }
    // Memory
    Builder& ldx(Size s, R d, R base, int16_t off) { return push(isa::Load{s, false, {d.n}, {base.n}, off}); }
    Builder& ldxs(Size s, R d, R base, int16_t off) { return push(isa::Load{s, true, {d.n}, {base.n}, off}); }
    Builder& stx(Size s, R base, int16_t off, R src) { return push(isa::Store{s, {base.n}, off, isa::Reg{src.n}}); }
    Builder& st(Size s, R base, int16_t off, int32_t imm) { return push(isa::Store{s, {base.n}, off, isa::Imm{imm}}); }
    Builder& atomic(isa::AtomicOp op, bool fetch, bool is64, R base, int16_t off, R src) {
        return push(isa::Atomic{op, fetch, is64, {base.n}, off, {src.n}});
    }
    Builder& ld_abs(Size s, int32_t imm) { return push(isa::PacketLoad{s, false, {0}, imm}); }
    Builder& ld_ind(Size s, R src, int32_t imm) { return push(isa::PacketLoad{s, true, {src.n}, imm}); }
    Builder& lddw(R d, uint64_t v) {
        push(isa::LoadImm64{{d.n}, isa::LddwKind::Imm64, int32_t(uint32_t(v)), int32_t(uint32_t(v >> 32))});
        return push(isa::LddwSecondSlot{});
    }
    Builder& ld_map(R d, int32_t index) {
        push(isa::LoadImm64{{d.n}, isa::LddwKind::MapFd, index, 0});
        return push(isa::LddwSecondSlot{});
    }
    // LDDW src 4: the address of the callback subprogram at `l`.
    Builder& ld_func(R d, const std::string& l) {
        fixups_.emplace_back(insns_.size(), l);
        push(isa::LoadImm64{{d.n}, isa::LddwKind::CodeAddr, 0, 0});
        return push(isa::LddwSecondSlot{});
    }
    Builder& ld_map_value(R d, int32_t index, int32_t off) {
        push(isa::LoadImm64{{d.n}, isa::LddwKind::MapValue, index, off});
        return push(isa::LddwSecondSlot{});
    }
    // Control flow
    Builder& ja(const std::string& l) { return jump(isa::Jump{Cond::Always, false, {0}, isa::Imm{0}, 0}, l); }
    Builder& j(Cond c, R d, int32_t imm, const std::string& l, bool is32 = false) {
        return jump(isa::Jump{c, is32, {d.n}, isa::Imm{imm}, 0}, l);
    }
    Builder& j(Cond c, R d, R s, const std::string& l, bool is32 = false) {
        return jump(isa::Jump{c, is32, {d.n}, isa::Reg{s.n}, 0}, l);
    }
    Builder& call(int32_t helper) { return push(isa::Call{isa::CallKind::Helper, helper, -1}); }
    Builder& call_local(const std::string& l) {
        fixups_.emplace_back(insns_.size(), l);
        return push(isa::Call{isa::CallKind::Local, 0, 0});
    }
    Builder& callx(R r) { return push(isa::CallX{{r.n}}); }
    Builder& exit() { return push(isa::Exit{}); }
    Builder& raw(isa::Instruction i) { return push(std::move(i)); }

    isa::Program build() const {
        isa::Program p;
        p.insns = insns_;
        p.subprogram_starts.push_back(0);
        for (auto [idx, l] : fixups_) {
            auto it = labels_.find(l);
            if (it == labels_.end()) throw std::runtime_error("unknown label " + l);
            if (auto* jmp = std::get_if<isa::Jump>(&p.insns[idx])) jmp->target = it->second;
            if (auto* f = std::get_if<isa::LoadImm64>(&p.insns[idx])) {
                f->imm = it->second - int32_t(idx) - 1;
                p.subprogram_starts.push_back(it->second);
            }
            if (auto* c = std::get_if<isa::Call>(&p.insns[idx])) {
                c->target = it->second;
                c->imm = it->second - int32_t(idx) - 1;
                p.subprogram_starts.push_back(it->second);
            }
        }
        std::sort(p.subprogram_starts.begin(), p.subprogram_starts.end());
        p.subprogram_starts.erase(std::unique(p.subprogram_starts.begin(), p.subprogram_starts.end()),
                                  p.subprogram_starts.end());
        return p;
    }
    size_t size() const { return insns_.size(); }

private:
    Builder& push(isa::Instruction i) {
        insns_.push_back(std::move(i));
        return *this;
    }
    Builder& jump(isa::Jump jmp, const std::string& l) {
        fixups_.emplace_back(insns_.size(), l);
        return push(jmp);
    }
    std::vector<isa::Instruction> insns_;
    std::map<std::string, int32_t> labels_;
    std::vector<std::pair<size_t, std::string>> fixups_;
};

} // namespace ebpfjit::verifier::test
