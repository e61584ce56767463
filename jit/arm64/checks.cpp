// Run-time checks for code the verifier did not prove (LoweredSlot::checked_access /
// checked_call; the protocol is drawn in engine_abi/checked_calls.hpp). An access first compares
// its range with the region the previous check through its cache entry hit (jit/access_cache.hpp:
// the inline fast path, kIndex/kLimit its temporaries); only a miss calls the access
// stub. Each check that calls out is a `bl` to one of three out-of-line stubs per
// program, which save every register a C call may clobber and the program still needs
// (r0-r5, the checked address, the callx target, the frame record), call the C++ checker
// and, on a refusal, leave through the abort path (the fault is already recorded in
// RunStatus):
//
//   inline, before the access          stub
//   ──────────────────────────         ─────────────────────────────────────────────
//   x11 = base + off  (kCheckAddr;     sp -= 80: [sp] = x0..x4 (r1..r5), x7 (r0),
//     off 0: base, x11 on a miss)      x11 x16, x29 x30
//   <cache compare: hit ─► back>
//   x12 = access_what (kCheckWhat)     x0.. = arguments; blr jit_check_access / ...
//   bl   access_stub                   tst w0, #0xff; restore (ldp keeps flags);
//   back: <the access, unchecked>      b.eq abort; ret
//
// (The miss stays inline, unlike x86-64's: a conditional branch to code after the
// program would reach only 1 MiB.)
//
//   helper call: x11 = helper id, x12 = pc; bl helper_check_stub; blr helper; mov x7, x0;
//                bl helper_result_stub (empties every cache entry; r0 = x7 goes to
//                jit_record_helper_result)
#include <algorithm>

#include "jit/access_cache.hpp"
#include "jit/arm64/emitter.hpp"
#include "jit/arm64/frame_layout.hpp"
#include "engine_abi/run_status.hpp"

namespace ebpfjit::jit::arm64 {


namespace {
constexpr int32_t kStubFrame = 80;

void save(a64::Assembler& a) {
    a.stp(a64::x0, a64::x1, a64::ptr_pre(a64::sp, -kStubFrame));
    a.stp(a64::x2, a64::x3, a64::ptr(a64::sp, 16));
    a.stp(a64::x4, gpx(0), a64::ptr(a64::sp, 32));
    a.stp(kCheckAddr, kCallTarget, a64::ptr(a64::sp, 48));
    a.stp(a64::x29, a64::x30, a64::ptr(a64::sp, 64));
}

void restore(a64::Assembler& a) {
    a.ldp(a64::x29, a64::x30, a64::ptr(a64::sp, 64));
    a.ldp(kCheckAddr, kCallTarget, a64::ptr(a64::sp, 48));
    a.ldp(a64::x4, gpx(0), a64::ptr(a64::sp, 32));
    a.ldp(a64::x2, a64::x3, a64::ptr(a64::sp, 16));
    a.ldp(a64::x0, a64::x1, a64::ptr_post(a64::sp, kStubFrame));
}
} // namespace

void Emitter::emit_access_check(const a64::GpX& base, int32_t off, uint32_t size, engine_abi::AccessKind kind) {
    // The address: the base register itself when there is no offset (its copy in
    // kCheckAddr, which the stub reads, is then made on the miss path only).
    a64::GpX addr = base;
    if (off != 0) {
        if (!try_add_sub_imm(false, kCheckAddr, base, off)) {
            load_constant(kOffset, static_cast<uint64_t>(int64_t{off}));
            a_.add(kCheckAddr, base, kOffset);
        }
        addr = kCheckAddr;
    }
    // kIndex = addr - start (below the region: a huge value), < span: inside. The entry is
    // in two spare registers or in FrameInfo (access_cache.cpp).
    const uint32_t entry = slot_->access_cache_entry;
    const int32_t cache = access_cache_offset(entry);
    const asmjit::Label back = a_.newLabel();
    const Lowered::AccessCacheRegs regs = lowered_.access_cache_regs[entry];
    if (regs) {
        a_.sub(kIndex, addr, gpx(regs.start));
        a_.cmp(kIndex, gpx(regs.span));
    } else {
        a_.ldp(kIndex, kLimit, a64::ptr(kFrameInfo, cache + engine_abi::kCacheStart));
        a_.sub(kIndex, addr, kIndex);
        a_.cmp(kIndex, kLimit);
    }
    branch(asmjit::arm::CondCode::kLO, back);
    if (off == 0) a_.mov(kCheckAddr, base);
    load_constant(kCheckWhat, access_what(pc_, kind, size, entry, lowered_.access_cache_width[entry]));
    record(access_stub_, Reach::Imm26, "bl");
    a_.bl(access_stub_);
    // The stub may have filled the entry: its registers follow FrameInfo.
    if (regs) a_.ldp(gpx(regs.start), gpx(regs.span), a64::ptr(kFrameInfo, cache + engine_abi::kCacheStart));
    bind(back);
}

// Every entry empty: every access misses until the stub fills its entry (access_cache.hpp).
void Emitter::emit_empty_access_cache() {
    for (uint32_t e = 0; e < engine_abi::kAccessCacheEntries; ++e) {
        a_.stp(a64::xzr, a64::xzr, a64::ptr(kFrameInfo, access_cache_offset(e) + engine_abi::kCacheStart));
        if (const Lowered::AccessCacheRegs regs = lowered_.access_cache_regs[e]) {
            a_.mov(gpx(regs.start), a64::xzr);
            a_.mov(gpx(regs.span), a64::xzr);
        }
    }
}

void Emitter::emit_helper_check(const a64::GpX& id) {
    if (id != kCheckAddr) a_.mov(kCheckAddr, id);
    load_constant(kCheckWhat, pc_);
    record(helper_check_stub_, Reach::Imm26, "bl");
    a_.bl(helper_check_stub_);
}

void Emitter::emit_helper_result() {
    record(helper_result_stub_, Reach::Imm26, "bl");
    a_.bl(helper_result_stub_);
}

void Emitter::emit_stub_call(const void* fn) {
    load_constant(kTableBase, reinterpret_cast<uint64_t>(fn));
    a_.blr(kTableBase);
    a_.tst(a64::w0, 0xff);
    restore(a_);
    branch(asmjit::arm::CondCode::kEQ, abort_);
    a_.ret(a64::x30);
}

void Emitter::emit_check_stubs() {
    if (!lowered_.needs_guest_memory) return;
    const auto checked = reinterpret_cast<uint64_t>(options_.checked);
    auto any_slot = [&](bool LoweredSlot::*flag) {
        return std::any_of(lowered_.slots.begin(), lowered_.slots.end(),
                           [flag](const LoweredSlot& s) { return s.*flag; });
    };
    if (any_slot(&LoweredSlot::checked_access)) {
        bind(access_stub_);
        save(a_);
        a_.mov(a64::x0, kCheckAddr);
        a_.mov(a64::x1, kCheckWhat);
        a_.mov(a64::x2, gpx(10));
        a_.mov(a64::x3, kFrameInfo);
        load_constant(a64::x4, checked);
        emit_stub_call(reinterpret_cast<const void*>(&engine_abi::jit_check_access));
    }

    if (!lowered_.loop_versions.empty()) emit_range_stub();

    if (!any_slot(&LoweredSlot::checked_call)) return;
    bind(helper_check_stub_);
    save(a_);
    a_.mov(a64::x0, a64::sp); // r1..r5
    a_.mov(a64::x1, kCheckWhat); // pc
    a_.mov(a64::x2, kCheckAddr); // helper id
    a_.mov(a64::x3, gpx(10));
    a_.mov(a64::x4, kFrameInfo);
    load_constant(a64::x5, checked);
    emit_stub_call(reinterpret_cast<const void*>(&engine_abi::jit_check_helper_call));

    bind(helper_result_stub_);
    // The helper may have changed what is accessible (adjust_head, a map delete, ...):
    // the next access through each entry asks the checker again (a span of 0 never hits).
    for (uint32_t e = 0; e < engine_abi::kAccessCacheEntries; ++e) {
        a_.str(a64::xzr, a64::ptr(kFrameInfo, access_cache_offset(e) + engine_abi::kCacheSpan));
        if (const Lowered::AccessCacheRegs regs = lowered_.access_cache_regs[e]) a_.mov(gpx(regs.span), a64::xzr);
    }
    save(a_);
    a_.mov(a64::x0, gpx(0));
    a_.mov(a64::x1, kFrameInfo);
    emit_stub_call(reinterpret_cast<const void*>(&engine_abi::jit_record_helper_result));
}

// A loop version's range check (hoisted_checks.cpp): the address in kCheckAddr, the
// length and write bit in kCheckWhat. Returns with Z set when the checker refuses (it
// records nothing): the caller then runs the checked loop.
void Emitter::emit_range_stub() {
    bind(range_stub_);
    save(a_);
    a_.mov(a64::x0, kCheckAddr);
    a_.mov(a64::x1, kCheckWhat);
    a_.mov(a64::x2, gpx(10));
    a_.mov(a64::x3, kFrameInfo);
    load_constant(a64::x4, reinterpret_cast<uint64_t>(options_.checked));
    load_constant(kTableBase, reinterpret_cast<uint64_t>(&engine_abi::jit_check_range));
    a_.blr(kTableBase);
    a_.tst(a64::w0, 0xff);
    restore(a_); // ldp keeps the flags
    a_.ret(a64::x30);
}

// Registers some path reads before writing them start at 0, as in the interpreter
// (only in programs the verifier did not check: Lowered::zero_at_entry).
void Emitter::emit_zero_at_entry() {
    for (uint8_t r = 0; r <= 9; ++r)
        if ((lowered_.zero_at_entry >> r) & 1) a_.mov(gpx(r), a64::xzr);
}

} // namespace ebpfjit::jit::arm64
