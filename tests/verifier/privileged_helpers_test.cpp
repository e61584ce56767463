// Helpers that read host memory at an address the program gives as a number (issue 14:
// "cannot touch memory it was not given"): bpf_probe_read_{kernel,user}[_str] and
// bpf_snprintf's %s / %pks / %pus / %pI4 / %pI6 conversions read any byte of the process
// (safely: an unmapped address gives -EFAULT), and the bytes come back to the program. The
// kernel gives these helpers only with CAP_PERFMON, which also allows pointer leaks; here
// they need the privileged rules (VerifierInput::allow_ptr_leaks), and are refused by
// default with a located reason.
#include <catch2/catch.hpp>

#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "helpers/helper_table.hpp"
#include "isa/assembler.hpp"
#include "runtime/interpreter.hpp"
#include "verifier/verifier.hpp"

namespace ebpfjit::verifier::test {

namespace {

// .rodata as loaded: formats at 0 ("%s"), 3 ("%d"), 6 ("%%s"), 10 ("%-8pI4"), 17 ("%pks").
const char kRodata[32] = "%s\0%d\0%%s\0%-8pI4\0%pks";

std::vector<maps::MapDefinition> rodata_maps() {
    std::vector<maps::MapDefinition> m(1);
    m[0] = {2, 4, 32, 1, 1u << 7, ".rodata", nullptr}; // array, BPF_F_RDONLY_PROG
    m[0].frozen_value = std::make_shared<const std::vector<uint8_t>>(kRodata, kRodata + sizeof kRodata);
    return m;
}

VerifierInput input(bool privileged, const std::vector<maps::MapDefinition>& maps) {
    VerifierInput in;
    in.type = ProgramType::Mem;
    in.helpers = &helpers::HelperTable::builtin();
    in.allow_ptr_leaks = privileged;
    in.maps = maps;
    return in;
}

// r1 = mem; its first 8 bytes are an address; probe_read_kernel copies 8 bytes from there.
constexpr const char* kProbeRead = R"(
    jlt %r2, 8, out
    ldxdw %r3, [%r1+0]
    mov %r1, %r10
    add %r1, -8
    mov %r2, 8
    call 113
    ldxdw %r0, [%r10-8]
    exit
out:
    mov %r0, 0
    exit)";

// The program's `lddw %rN, 0` becomes LDDW src 2: map 0's value + fmt_off (the format).
isa::Program at_format(Result<isa::Program> program, int32_t fmt_off) {
    REQUIRE(program);
    for (auto& insn : program->insns)
        if (auto* l = std::get_if<isa::LoadImm64>(&insn); l && l->kind == isa::LddwKind::Imm64) {
            l->kind = isa::LddwKind::MapValue;
            l->imm = 0;
            l->next_imm = fmt_off;
        }
    return *program;
}

// Each .rodata format in `make`'s program: accepted by default when no conversion reads an
// address, else refused at the call (`call_insn`) and accepted under the privileged rules.
void check_formats(const std::function<isa::Program(int32_t)>& make, uint32_t call_insn) {
    const auto maps = rodata_maps();
    struct Case { int off; bool reads; };
    for (const Case c : {Case{0, true}, Case{3, false}, Case{6, false}, Case{10, true}, Case{17, true}}) {
        INFO("format at " << c.off << ": " << kRodata + c.off);
        const isa::Program program = make(c.off);
        Report r = check(program, input(false, maps));
        INFO((r.rejection ? r.rejection->headline : std::string("accepted")));
        if (!c.reads) {
            CHECK(r.ok());
            continue;
        }
        REQUIRE_FALSE(r.ok());
        CHECK(r.rejection->reason == Reason::HelperArgument);
        CHECK(r.rejection->insn == call_insn);
        CHECK(r.rejection->headline.find("reads memory at an address the program gives") != std::string::npos);
        CHECK(check(program, input(true, maps)).ok());
    }
}

// snprintf(fp-32, 16, .rodata + fmt_off, &args, 8) with args[0] = an address from mem.
isa::Program with_format(int32_t fmt_off) {
    auto program = isa::assemble(R"(
        jlt %r2, 8, out
        ldxdw %r3, [%r1+0]
        stxdw [%r10-8], %r3
        mov %r1, %r10
        add %r1, -32
        mov %r2, 16
        lddw %r3, 0
        mov %r4, %r10
        add %r4, -8
        mov %r5, 8
        call 165
        ldxb %r0, [%r10-32]
        exit
    out:
        mov %r0, 0
        exit)");
    return at_format(std::move(program), fmt_off);
}

// trace_printk(.rodata + fmt_off, 8, an address from mem): r3 holds a number, as it must
// under the unprivileged rules, so a %s would read the host's bytes there.
isa::Program printk_with_format(int32_t fmt_off) {
    auto program = isa::assemble(R"(
        jlt %r2, 8, out
        ldxdw %r3, [%r1+0]
        lddw %r1, 0
        mov %r2, 8
        call 6
    out:
        mov %r0, 0
        exit)");
    return at_format(std::move(program), fmt_off);
}

} // namespace

TEST_CASE("bpf_probe_read_*: refused by default, the privileged rules allow it", "[verifier][leaks][helpers]") {
    auto program = isa::assemble(kProbeRead);
    REQUIRE(program);
    Report r = check(*program, input(false, {}));
    REQUIRE_FALSE(r.ok());
    INFO(r.rejection->headline);
    CHECK(r.rejection->reason == Reason::HelperNotAllowed);
    CHECK(r.rejection->insn == 5);
    CHECK(r.rejection->headline.find("reads host memory at any address") != std::string::npos);
    CHECK(check(*program, input(true, {})).ok());

    // What it would do: read the host's bytes at the address the input names.
    const uint64_t secret = 0x5ec2e75ec2e75ec2ULL;
    uint8_t mem[8];
    const uint64_t where = reinterpret_cast<uint64_t>(&secret);
    std::memcpy(mem, &where, 8);
    runtime::Interpreter interp(*program, helpers::ProgramBindings{});
    auto ran = interp.run_mem(mem);
    REQUIRE(ran);
    CHECK(*ran == secret);
}

TEST_CASE("bpf_snprintf: a format that reads an address is refused by default", "[verifier][leaks][helpers]") {
    check_formats(with_format, 11);
}

TEST_CASE("bpf_trace_printk: a format the verifier cannot read, or one that reads an address, is refused by default",
          "[verifier][leaks][helpers]") {
    check_formats(printk_with_format, 5);
    // A format on the stack: the verifier cannot read it, so it cannot rule %s out.
    auto stack_format = isa::assemble(R"(
        stdw [%r10-8], 0x7325
        mov %r1, %r10
        add %r1, -8
        mov %r2, 8
        mov %r3, 4096
        call 6
        mov %r0, 0
        exit)");
    REQUIRE(stack_format);
    Report r = check(*stack_format, input(false, {}));
    REQUIRE_FALSE(r.ok());
    INFO(r.rejection->headline);
    CHECK(r.rejection->insn == 5);
    CHECK(r.rejection->headline.find("must be a constant of a read-only map") != std::string::npos);
    CHECK(check(*stack_format, input(true, {})).ok());
}

} // namespace ebpfjit::verifier::test
