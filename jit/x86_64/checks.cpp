// Run-time checks for code the verifier did not prove (LoweredSlot::checked_access /
// checked_call; the protocol is drawn in engine_abi/checked_calls.hpp). An access first compares
// its range with the region the previous check through its cache entry hit (jit/access_cache.hpp:
// the inline fast path); only a miss calls the access stub. Each check that calls out
// goes to one of three out-of-line stubs per program, which save every caller-saved
// register (eBPF r0-r5 and the scratch registers), call the C++ checker and, on a
// refusal, leave through the abort path (the fault is already recorded in RunStatus):
//
//   inline, before the access          stub (rsp 16-byte aligned again after 9 pushes)
//   ──────────────────────────         ───────────────────────────────────────────────
//   lea  r10, [base + off]             push rax r11 r10 r9 r8 rcx rdx rsi rdi
//   <cache compare: hit ─► back>       ; [rsp] = rdi..r8 = r1..r5, the helper arguments
//   (miss, after the code:)            mov rdi.., call jit_check_access / ...
//   lea  r11, [base + off]             test al, al; pop (the same, reversed); jz abort; ret
//   mov  r10, access_what(pc, ...)
//   call access_stub; (reload the entry's registers); jmp back
//   back: <the access, as unchecked code>
//
//   helper call:  r11 = pc << 32 | helper id; call helper_check_stub; call helper;
//                 call helper_result_stub (empties every cache entry; r0 = rax goes to
//                 jit_record_helper_result)
#include <algorithm>

#include "engine_abi/run_status.hpp"
#include "jit/access_cache.hpp"
#include "jit/x86_64/emitter.hpp"
#include "jit/x86_64/frame_layout.hpp"

namespace ebpfjit::jit::x86_64 {


namespace {
// Push order; the last five leave r1..r5 at [rsp], in order, for jit_check_helper_call.
const x86::Gpq kStubSaved[9] = {x86::rax, x86::r11, x86::r10, x86::r9, x86::r8,
                                x86::rcx, x86::rdx, x86::rsi, x86::rdi};
} // namespace

void Emitter::emit_access_check(uint8_t base, int16_t off, uint32_t size, engine_abi::AccessKind kind) {
    const uint32_t entry = slot_->access_cache_entry;
    const int32_t cache = access_cache_offset(entry);
    const AccessMiss stub{a_.newLabel(), a_.newLabel(),
                          access_what(pc_, kind, size, entry, lowered_.access_cache_width[entry]), base, off,
                          entry};
    // scratch B = addr - start (below the region: a huge value), < span: inside. One
    // branch: on a byte loop the checks' branches are what limits it. The entry is in two
    // spare registers or in FrameInfo (access_cache.cpp); the stub's address register
    // (scratch A) is made on the miss path only (emit_access_misses).
    a_.lea(kScratchB, x86::ptr(gpq(base), off));
    if (const Lowered::AccessCacheRegs regs = lowered_.access_cache_regs[entry]) {
        a_.sub(kScratchB, gpq(regs.start));
        a_.cmp(kScratchB, gpq(regs.span));
    } else {
        a_.sub(kScratchB, x86::qword_ptr(kFrameInfo, cache + engine_abi::kCacheStart));
        a_.cmp(kScratchB, x86::qword_ptr(kFrameInfo, cache + engine_abi::kCacheSpan));
    }
    jump(x86::Inst::kIdJae, stub.miss);
    a_.bind(stub.back);
    access_misses_.push_back(stub);
}

// The misses' stub calls, out of the hot code: the stub fills the cache when it allows.
void Emitter::emit_access_misses() {
    for (const AccessMiss& m : access_misses_) {
        a_.bind(m.miss);
        a_.lea(kScratchA, x86::ptr(gpq(m.base), m.off)); // addr (the base is unchanged since)
        a_.mov(kScratchB, m.what);
        a_.call(access_stub_);
        // The stub may have filled the entry: its registers follow FrameInfo.
        if (const Lowered::AccessCacheRegs regs = lowered_.access_cache_regs[m.entry]) {
            a_.mov(gpq(regs.start), x86::qword_ptr(kFrameInfo, access_cache_offset(m.entry) + engine_abi::kCacheStart));
            a_.mov(gpq(regs.span), x86::qword_ptr(kFrameInfo, access_cache_offset(m.entry) + engine_abi::kCacheSpan));
        }
        jump(x86::Inst::kIdJmp, m.back);
    }
    access_misses_.clear();
}

// Every entry empty: every access misses until the stub fills its entry (access_cache.hpp).
void Emitter::emit_empty_access_cache() {
    for (uint32_t e = 0; e < engine_abi::kAccessCacheEntries; ++e) {
        a_.mov(x86::qword_ptr(kFrameInfo, access_cache_offset(e) + engine_abi::kCacheStart), 0);
        a_.mov(x86::qword_ptr(kFrameInfo, access_cache_offset(e) + engine_abi::kCacheSpan), 0);
        if (const Lowered::AccessCacheRegs regs = lowered_.access_cache_regs[e]) {
            a_.xor_(gpq(regs.start).r32(), gpq(regs.start).r32());
            a_.xor_(gpq(regs.span).r32(), gpq(regs.span).r32());
        }
    }
}

// `id_reg`: the register holding the id (callx), or rax when `id` is the constant.
void Emitter::emit_helper_check(const x86::Gpq& id_reg, int32_t id) {
    // One register carries both (r9, a third scratch once, is the blinding register now).
    if (id_reg == x86::rax) {
        a_.mov(kScratchA, (uint64_t{pc_} << 32) | static_cast<uint32_t>(id));
    } else {
        if (id_reg != kScratchA) a_.mov(kScratchA, id_reg);
        // The id is below the callx table's size: low half; the pc (< 2^31) goes high.
        a_.shl(kScratchA, 32);
        a_.or_(kScratchA, static_cast<int32_t>(pc_));
        a_.rol(kScratchA, 32);
    }
    a_.call(helper_check_stub_);
}

void Emitter::emit_helper_result() { a_.call(helper_result_stub_); }

void Emitter::emit_stub_call(const void* fn) {
    a_.call(asmjit::imm(reinterpret_cast<uint64_t>(fn)));
    a_.test(x86::al, x86::al);
    for (size_t i = std::size(kStubSaved); i-- > 0;) a_.pop(kStubSaved[i]);
    jump(x86::Inst::kIdJz, abort_);
    a_.ret();
}

void Emitter::emit_check_stubs() {
    if (!lowered_.needs_guest_memory) return;
    const auto checked = reinterpret_cast<uint64_t>(options_.checked);
    auto save = [&] {
        for (const auto& r : kStubSaved) a_.push(r);
    };
    auto any_slot = [&](bool LoweredSlot::*flag) {
        return std::any_of(lowered_.slots.begin(), lowered_.slots.end(),
                           [flag](const LoweredSlot& s) { return s.*flag; });
    };
    if (any_slot(&LoweredSlot::checked_access)) {
        emit_access_misses();
        a_.bind(access_stub_);
        save();
        a_.mov(x86::rdi, kScratchA); // addr
        a_.mov(x86::rsi, kScratchB); // what
        a_.mov(x86::rdx, x86::rbp);  // r10
        a_.mov(x86::rcx, kFrameInfo);
        a_.movabs(x86::r8, checked);
        emit_stub_call(reinterpret_cast<const void*>(&engine_abi::jit_check_access));
    }

    if (!lowered_.loop_versions.empty()) emit_range_stub();

    if (!any_slot(&LoweredSlot::checked_call)) return;
    a_.bind(helper_check_stub_);
    save();
    a_.mov(x86::rdi, x86::rsp);   // r1..r5
    a_.mov(x86::rsi, kScratchA);  // pc
    a_.shr(x86::rsi, 32);
    a_.mov(x86::edx, kScratchA.r32()); // helper id
    a_.mov(x86::rcx, x86::rbp);   // r10
    a_.mov(x86::r8, kFrameInfo);
    a_.movabs(x86::r9, checked);
    emit_stub_call(reinterpret_cast<const void*>(&engine_abi::jit_check_helper_call));

    a_.bind(helper_result_stub_);
    // The helper may have changed what is accessible (adjust_head, a map delete, ...):
    // the next access through each entry asks the checker again (a span of 0 never hits).
    for (uint32_t e = 0; e < engine_abi::kAccessCacheEntries; ++e) {
        a_.mov(x86::qword_ptr(kFrameInfo, access_cache_offset(e) + engine_abi::kCacheSpan), 0);
        if (const Lowered::AccessCacheRegs regs = lowered_.access_cache_regs[e]) a_.mov(gpq(regs.span), 0);
    }
    save();
    a_.mov(x86::rdi, x86::rax); // r0
    a_.mov(x86::rsi, kFrameInfo);
    emit_stub_call(reinterpret_cast<const void*>(&engine_abi::jit_record_helper_result));
}

// A loop version's range check (hoisted_checks.cpp): addr in scratch A, the length and
// write bit in scratch B. Returns with ZF set when the checker refuses (it records
// nothing): the caller then runs the checked loop.
void Emitter::emit_range_stub() {
    a_.bind(range_stub_);
    for (const auto& r : kStubSaved) a_.push(r);
    a_.mov(x86::rdi, kScratchA); // addr
    a_.mov(x86::rsi, kScratchB); // length | write
    a_.mov(x86::rdx, x86::rbp);  // r10
    a_.mov(x86::rcx, kFrameInfo);
    a_.movabs(x86::r8, reinterpret_cast<uint64_t>(options_.checked));
    a_.call(asmjit::imm(reinterpret_cast<uint64_t>(&engine_abi::jit_check_range)));
    a_.test(x86::al, x86::al);
    for (size_t i = std::size(kStubSaved); i-- > 0;) a_.pop(kStubSaved[i]); // pops keep the flags
    a_.ret();
}

// Registers some path reads before writing them start at 0, as in the interpreter
// (only in programs the verifier did not check: Lowered::zero_at_entry).
void Emitter::emit_zero_at_entry() {
    for (uint8_t r = 0; r <= 9; ++r)
        if ((lowered_.zero_at_entry >> r) & 1) a_.xor_(gpd(r), gpd(r));
}

} // namespace ebpfjit::jit::x86_64
