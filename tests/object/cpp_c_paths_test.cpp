// The C++ and C run paths of a mem program agree (issue 18 item 2): Program::run(mem) calls
// the program's C entry inline when it has one (ebpfjit.hpp), as ebpfjit_program_run_mem
// tail-jumps into it, and both fall back to their own out-of-line paths otherwise. For
// programs with and without a C entry, on each engine an object can be prepared for and
// each engine a run can ask for, the two paths give the same r0, or fail with the same
// text: a faulting run (the instruction budget), an oversized buffer, an engine the
// program was not prepared for.
#include "c_object.hpp"
#include "object_test_support.hpp"

#include <string>

#include "ebpfjit/ebpfjit.h"
#include "ebpfjit/limits.hpp"
#include "runtime/c_api_handles.hpp"
#include "runtime/object_impl.hpp"

using namespace ebpfjit;
using namespace object_test;

namespace {

// What one run gave: r0, or the error's text (the C API's buffer; Error::to_string).
struct Outcome {
    bool ok = false;
    uint64_t r0 = 0;
    std::string error;
    bool operator==(const Outcome&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
    return o.ok ? os << "r0 " << o.r0 : os << "error '" << o.error << "'";
}

Outcome cpp_run(const Program& program, std::span<uint8_t> mem, const RunOptions& options) {
    auto r0 = program.run(mem, options);
    if (r0) return {true, *r0, ""};
    return {false, 0, r0.error().to_string()};
}

// `engine`: nullopt is ebpfjit_program_run_mem (the program's own engine), else
// ebpfjit_program_run_mem_engine.
Outcome c_run(ebpfjit_program* program, std::span<uint8_t> mem, std::optional<ebpfjit_engine> engine) {
    char err[512] = "";
    uint64_t r0 = 0x5eed5eed;
    const int rc = engine ? ebpfjit_program_run_mem_engine(program, *engine, mem.data(), mem.size(), &r0, err,
                                                           sizeof err)
                          : ebpfjit_program_run_mem(program, mem.data(), mem.size(), &r0, err, sizeof err);
    if (rc == 0) return {true, r0, ""};
    CHECK(r0 == 0x5eed5eed); // a failed run leaves *r0 alone
    return {false, 0, err};
}

std::optional<ebpfjit_engine> c_engine(std::optional<Engine> engine) {
    if (!engine) return std::nullopt;
    return *engine == Engine::Jit ? EBPFJIT_ENGINE_JIT : EBPFJIT_ENGINE_INTERP;
}

// 96 bytes, each word distinct (c_entry.c's many_regs reads twelve of them).
std::vector<uint8_t> input() {
    std::vector<uint8_t> mem(96);
    for (size_t i = 0; i < mem.size(); ++i) mem[i] = static_cast<uint8_t>(i * 37 + 11);
    return mem;
}

struct Case {
    const char* stem;
    const char* name;
    bool c_entry; // on the JIT: lean stackless code of at most jit::kCEntryMaxSlots slots
};

const Case kCases[] = {
    {"c_entry", "ret_constant", true}, {"c_entry", "arith", true},          {"c_entry", "read_mem", true},
    {"c_entry", "many_regs", true},    {"run_paths", "constant", true},     {"c_entry", "stacked", false},
    {"c_entry", "long_stackless", false}, {"run_paths", "cpu_id", false}, {"run_paths", "via_stack", false},
};

} // namespace

TEST_CASE("Program::run and ebpfjit_program_run_mem agree, with and without a C entry, on both engines",
          "[object][c_api][c_entry][run_paths]") {
    std::vector<uint8_t> mem = input();
    for (Engine prepared : {Engine::Jit, Engine::Interpreter}) {
        const ebpfjit_engine c_prepared = prepared == Engine::Jit ? EBPFJIT_ENGINE_JIT : EBPFJIT_ENGINE_INTERP;
        for (const Case& c : kCases) {
            DYNAMIC_SECTION(engine_name(prepared) << " " << c.name) {
                Object object = open_object(c.stem, OpenOptions{ProgramType::Mem, prepared});
                CObject c_object(c.stem, c_prepared);
                const Program program = program_of(object, c.name);
                ebpfjit_program* handle = c_object.program(c.name);
                // Both handles hold a C entry exactly when the JIT made one (Program copies
                // it from its state when made: ebpfjit.hpp's inline run calls it).
                const bool has = prepared == Engine::Jit && c.c_entry;
                CHECK((state_of(program).lean_mem.c_entry != nullptr) == has);
                CHECK((handle->c_entry != nullptr) == has);
                for (std::optional<Engine> asked :
                     {std::optional<Engine>{}, std::optional<Engine>{Engine::Jit}, std::optional{Engine::Interpreter}}) {
                    for (size_t size : {mem.size(), size_t{16}, size_t{15}, size_t{8}, size_t{0}}) {
                        INFO("asked " << (asked ? engine_name(*asked) : "default") << ", size " << size);
                        const std::span<uint8_t> bytes(mem.data(), size);
                        const Outcome cpp = cpp_run(program, bytes, RunOptions{asked});
                        const Outcome c = c_run(handle, bytes, c_engine(asked));
                        CHECK(cpp == c);
                        // Jit asked of an interpreter-only program is the one refusal here.
                        CHECK(cpp.ok == (prepared == Engine::Jit || asked != Engine::Jit));
                    }
                }
            }
        }
    }
    // Spot values, so that agreement is not the only witness.
    Object object = open_object("c_entry", OpenOptions{ProgramType::Mem});
    auto constant = program_of(object, "ret_constant").run(mem);
    REQUIRE(constant.has_value());
    CHECK(*constant == 0x1234);
    auto arith = program_of(object, "arith").run({});
    REQUIRE(arith.has_value());
    CHECK(*arith == 0xabcdef);
    auto short_read = program_of(object, "read_mem").run(std::span(mem.data(), 15));
    REQUIRE(short_read.has_value());
    CHECK(*short_read == 15);
}

TEST_CASE("Program::run and ebpfjit_program_run_mem fail alike", "[object][c_api][c_entry][run_paths]") {
    uint8_t mem[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    SECTION("an oversized buffer, refused before the C entry") {
        Object object = open_object("c_entry", OpenOptions{ProgramType::Mem});
        CObject c_object("c_entry", EBPFJIT_ENGINE_JIT);
        const Program program = program_of(object, "ret_constant");
        REQUIRE(state_of(program).lean_mem.c_entry != nullptr);
        const std::span<uint8_t> oversized(mem, kMaxMemSize + 1); // never read: refused first
        for (std::optional<Engine> asked : {std::optional<Engine>{}, std::optional{Engine::Interpreter}}) {
            const Outcome cpp = cpp_run(program, oversized, RunOptions{asked});
            CHECK_FALSE(cpp.ok);
            CHECK(cpp.error.find("larger than a mem program may run over") != std::string::npos);
            CHECK(c_run(c_object.program("ret_constant"), oversized, c_engine(asked)) == cpp);
        }
        // The same handles still run at the limit's side of it.
        CHECK(cpp_run(program, mem, {}) == Outcome{true, 0x1234, ""});
    }
    SECTION("a run that exceeds its instruction budget, on both engines") {
        OpenOptions tiny{ProgramType::Mem};
        tiny.hardening.instruction_budget = 3;
        Object object = open_object("run_paths", tiny);
        CObject c_object("run_paths", EBPFJIT_ENGINE_JIT, 3);
        const Program program = program_of(object, "four_calls");
        CHECK(state_of(program).lean_mem.c_entry == nullptr); // a budget reads the status
        for (std::optional<Engine> asked : {std::optional<Engine>{}, std::optional{Engine::Interpreter}}) {
            INFO("asked " << (asked ? engine_name(*asked) : "default"));
            const Outcome cpp = cpp_run(program, mem, RunOptions{asked});
            CHECK_FALSE(cpp.ok);
            CHECK(cpp.error.find("instruction budget of 3 exceeded") != std::string::npos);
            CHECK(c_run(c_object.program("four_calls"), mem, c_engine(asked)) == cpp);
        }
    }
}
