// The safe loop programs give the native C result on the interpreter and the JIT at every
// input size from 0 to 1 MiB, loaded through the public API.
//   [structural]  verified at Structural (every unproven access checked at run time): runs
//                 today and checks the programs, the inputs and the native references.
//   [full]        default options (Full verification): the acceptance test of issue 17.
#include "loop_programs.hpp"

using namespace ebpfjit;
using namespace loops_test;

namespace {

using NativeFn = uint64_t (*)(uint8_t*, uint64_t);

void check_against_native(const std::string& stem, NativeFn native, VerifyLevel level) {
    OpenOptions options;
    options.program_type = ProgramType::Mem; // section "mem" is ours: the type is given
    options.verify = level;
    auto object = Object::open(object_path(stem), options);
    if (!object) FAIL(object.error().to_string());
    auto program = object->program("loop_" + stem);
    if (!program) FAIL(program.error().to_string());
    for (size_t size : input_sizes()) {
        const std::vector<uint8_t> input = input_of_size(size);
        std::vector<uint8_t> native_copy = input;
        const uint64_t expected = native(native_copy.data(), native_copy.size());
        for (Engine engine : {Engine::Interpreter, Engine::Jit}) {
            INFO(stem << " on " << engine_name(engine) << ", " << size << " input bytes");
            std::vector<uint8_t> copy = input;
            auto r0 = program->run(copy, RunOptions{engine});
            if (!r0) FAIL(r0.error().to_string());
            CHECK(*r0 == expected);
            CHECK(copy == input); // the programs only read their input
        }
    }
}

} // namespace

#define EBPFJIT_LOOP_SAFE_CASES(name, region)                                                                      \
    TEST_CASE(#name ": native, interpreter and JIT agree, verified at Structural", "[structural][" #name "]") {     \
        check_against_native(#name, &loop_##name, VerifyLevel::Structural);                                        \
    }                                                                                                              \
    TEST_CASE(#name ": verified at Full (default options); native, interpreter and JIT agree", "[full][" #name "]") { \
        check_against_native(#name, &loop_##name, VerifyLevel::Full);                                              \
    }
EBPFJIT_LOOP_PROGRAMS(EBPFJIT_LOOP_SAFE_CASES)

TEST_CASE("the inputs are deterministic and plant the pattern", "[structural]") {
    CHECK(input_of_size(4096) == input_of_size(4096));
    CHECK(input_of_size(64) != std::vector<uint8_t>(64, 0));
    std::vector<uint8_t> big = input_of_size(65536);
    CHECK(loop_count_pattern(big.data(), big.size()) > 100);
}
