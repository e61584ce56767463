// ebpfjit_program_run_mem's fast path (issue 18 item 2): a handle whose program is lean
// stackless JIT code holds its C entry (jit::CompiledProgram::c_entry), and the run is the
// C API's tests and a tail jump into it. Its answers are the interpreter's, for programs of
// several shapes (progs/c_entry.c); everything the fast path does not take (argument errors,
// an oversized buffer, code with a stack, the interpreter engine) keeps its own path.
#include "c_object.hpp"
#include "object_test_support.hpp"

#include <string_view>

#include "ebpfjit/ebpfjit.h"
#include "ebpfjit/limits.hpp"
#include "runtime/c_api_handles.hpp"
#include "runtime/maps/percpu.hpp"

using namespace object_test;

namespace {

// 96 bytes, each word distinct (many_regs reads twelve of them).
std::vector<uint8_t> input() {
    std::vector<uint8_t> mem(96);
    for (size_t i = 0; i < mem.size(); ++i) mem[i] = static_cast<uint8_t>(i * 37 + 11);
    return mem;
}

} // namespace

TEST_CASE("the C API's C-entry path gives the interpreter's answers", "[object][c_api][c_entry]") {
    CObject jit("c_entry");
    CObject interp("c_entry", EBPFJIT_ENGINE_INTERP);
    std::vector<uint8_t> mem = input();
    char err[256] = "";
    for (const char* name : {"ret_constant", "arith", "read_mem", "many_regs"}) {
        DYNAMIC_SECTION(name) {
            ebpfjit_program* program = jit.program(name);
            // Lean stackless code: the handle has the C entry, so the run takes the fast path.
            REQUIRE(program->c_entry != nullptr);
            ebpfjit_program* oracle = interp.program(name);
            CHECK(oracle->c_entry == nullptr);
            for (size_t size : {mem.size(), size_t{16}, size_t{15}, size_t{0}}) {
                INFO("size " << size);
                uint64_t expected = ~0ull, r0 = ~0ull, via_engine = ~0ull;
                REQUIRE(ebpfjit_program_run_mem(oracle, mem.data(), size, &expected, err, sizeof err) == 0);
                REQUIRE(ebpfjit_program_run_mem(program, mem.data(), size, &r0, err, sizeof err) == 0);
                CHECK(r0 == expected);
                REQUIRE(ebpfjit_program_run_mem_engine(program, EBPFJIT_ENGINE_INTERP, mem.data(), size, &via_engine,
                                                       err, sizeof err) == 0);
                CHECK(via_engine == expected);
            }
        }
    }
    // Spot values, so that the oracle is not the only witness.
    uint64_t r0 = 0;
    REQUIRE(ebpfjit_program_run_mem(jit.program("ret_constant"), mem.data(), mem.size(), &r0, err, sizeof err) == 0);
    CHECK(r0 == 0x1234);
    REQUIRE(ebpfjit_program_run_mem(jit.program("arith"), nullptr, 0, &r0, err, sizeof err) == 0);
    CHECK(r0 == 0xabcdef);
    REQUIRE(ebpfjit_program_run_mem(jit.program("read_mem"), mem.data(), 15, &r0, err, sizeof err) == 0);
    CHECK(r0 == 15);
}

TEST_CASE("the C-entry handle still refuses bad arguments and oversized buffers out of line",
          "[object][c_api][c_entry]") {
    CObject jit("c_entry");
    ebpfjit_program* program = jit.program("ret_constant");
    REQUIRE(program->c_entry != nullptr);
    uint8_t mem[8] = {};
    char err[256] = "";
    uint64_t r0 = 0x5eed;
    CHECK(ebpfjit_program_run_mem(program, mem, sizeof mem, nullptr, err, sizeof err) == -1);
    CHECK(std::string_view(err) == "invalid argument");
    err[0] = '\0';
    CHECK(ebpfjit_program_run_mem(program, nullptr, 8, &r0, err, sizeof err) == -1);
    CHECK(std::string_view(err) == "invalid argument");
    CHECK(r0 == 0x5eed);
    err[0] = '\0';
    CHECK(ebpfjit_program_run_mem(nullptr, mem, sizeof mem, &r0, err, sizeof err) == -1);
    CHECK(std::string_view(err) == "invalid argument");
    // Larger than the verifier's proofs assume: refused before any byte is read.
    err[0] = '\0';
    CHECK(ebpfjit_program_run_mem(program, mem, ebpfjit::kMaxMemSize + 1, &r0, err, sizeof err) == -1);
    CHECK(std::string_view(err).find("larger than a mem program may run over") != std::string_view::npos);
    CHECK(r0 == 0x5eed);
    CHECK(ebpfjit_program_run_mem(program, mem, sizeof mem, &r0, err, sizeof err) == 0);
    CHECK(r0 == 0x1234);
}

TEST_CASE("programs that are not stackless get no C entry and run through the C API as before",
          "[object][c_api][c_entry]") {
    CObject jit("c_entry");
    CObject run_paths("run_paths");
    uint8_t mem[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    char err[256] = "";
    uint64_t r0 = 0;
    ebpfjit_program* stacked = jit.program("stacked"); // r10: lean over the eBPF stack
    CHECK(stacked->lean);
    CHECK(stacked->lean.stack);
    CHECK(stacked->c_entry == nullptr);
    REQUIRE(ebpfjit_program_run_mem(stacked, mem, sizeof mem, &r0, err, sizeof err) == 0);
    CHECK(r0 == 8 * 3 + 1);
    ebpfjit_program* cpu_id = run_paths.program("cpu_id"); // reads the run's state: not lean
    CHECK_FALSE(cpu_id->lean);
    CHECK(cpu_id->c_entry == nullptr);
    REQUIRE(ebpfjit_program_run_mem(cpu_id, mem, sizeof mem, &r0, err, sizeof err) == 0);
    CHECK(r0 == ebpfjit::maps::current_cpu());
    // Stackless but above jit::kCEntryMaxSlots: the stackless path, out of line.
    ebpfjit_program* long_stackless = jit.program("long_stackless");
    CHECK(long_stackless->lean);
    CHECK_FALSE(long_stackless->lean.stack);
    CHECK(long_stackless->c_entry == nullptr);
    CObject interp("c_entry", EBPFJIT_ENGINE_INTERP);
    for (size_t size : {size_t{0}, size_t{1}, sizeof mem}) {
        uint64_t expected = 0;
        REQUIRE(ebpfjit_program_run_mem(interp.program("long_stackless"), mem, size, &expected, err, sizeof err) == 0);
        r0 = ~expected;
        REQUIRE(ebpfjit_program_run_mem(long_stackless, mem, size, &r0, err, sizeof err) == 0);
        CHECK(r0 == expected);
    }
    ebpfjit_program* via_stack = run_paths.program("via_stack");
    CHECK(via_stack->c_entry == nullptr);
    REQUIRE(ebpfjit_program_run_mem(via_stack, mem, sizeof mem, &r0, err, sizeof err) == 0);
    CHECK(r0 == 0x0807060504030201u);
}

TEST_CASE("a program with an unreachable-code trap runs lean with a status, without a stack level or C entry",
          "[object][c_api][c_entry][unreachable]") {
    CObject jit("c_entry");
    uint8_t mem[8] = {};
    char err[256] = "";
    ebpfjit_program* trapped = jit.program("trapped");
    CHECK(trapped->lean);
    CHECK(trapped->lean.status);     // the trap may write it: the status path
    CHECK_FALSE(trapped->lean.stack); // no r10: no eBPF stack level
    CHECK(trapped->c_entry == nullptr);
    for (size_t size : {size_t{0}, size_t{3}, sizeof mem}) {
        uint64_t r0 = 0;
        REQUIRE(ebpfjit_program_run_mem(trapped, mem, size, &r0, err, sizeof err) == 0);
        CHECK(r0 == 0x1234 + size);
    }
    // The stackless handles are unchanged: no status, their C entry.
    CHECK_FALSE(jit.program("ret_constant")->lean.status);
}
