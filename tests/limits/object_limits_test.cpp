// An object with 1,000 programs and 1,000 maps (progs/thousand_programs.c): the loader
// relocates every program to its own map, every program verifies and runs on both
// engines, and `ebpfjit verify` reports each one.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include "ebpfjit/ebpfjit.hpp"

using namespace ebpfjit;

namespace {

const std::string kObject = std::string(EBPFJIT_LIMITS_PROGS_DIR) + "/thousand_programs.o";
constexpr int kPrograms = 1000;

uint64_t slot_zero(Object& object, const std::string& map_name) {
    auto map = object.map(map_name);
    if (!map) FAIL(map.error().to_string());
    const uint32_t zero = 0;
    std::vector<uint8_t> key(sizeof zero), value(map->value_size());
    std::memcpy(key.data(), &zero, sizeof zero);
    REQUIRE(map->lookup(key, value) == 0);
    uint64_t v = 0;
    std::memcpy(&v, value.data(), sizeof v);
    return v;
}

} // namespace

TEST_CASE("limits: an object of 1,000 programs and 1,000 maps loads, verifies and runs", "[limits][object]") {
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        DYNAMIC_SECTION((engine == Engine::Jit ? "jit" : "interp")) {
            auto object = Object::open(kObject, OpenOptions{std::nullopt, engine});
            if (!object) FAIL(object.error().to_string());
            REQUIRE(object->program_names().size() == kPrograms);
            REQUIRE(object->map_names().size() == kPrograms);

            // Program n adds n + 1 to its own map: run each twice, every map shows it.
            for (int n = 0; n < kPrograms; ++n) {
                auto program = object->program(fmt::format("program_{:03}", n));
                if (!program) FAIL(program.error().to_string());
                for (int round = 0; round < 2; ++round) {
                    std::vector<uint8_t> packet(64, 0);
                    XdpFrame frame;
                    REQUIRE(frame.load(packet, {}));
                    auto result = program->run_xdp(frame);
                    if (!result) FAIL(result.error().to_string());
                    REQUIRE(result->action == XdpAction::Pass);
                }
            }
            for (int n = 0; n < kPrograms; ++n) {
                INFO("map_" << n);
                CHECK(slot_zero(*object, fmt::format("map_{:03}", n)) == uint64_t(2 * (n + 1)));
            }
        }
    }
}

TEST_CASE("limits: ebpfjit verify reports all 1,000 programs of one object", "[limits][object][cli]") {
    namespace fs = std::filesystem;
    const fs::path out = fs::path(EBPFJIT_BINARY_DIR) / "tests" / "limits_verify.out";
    const fs::path exe = fs::path(EBPFJIT_BINARY_DIR) / "ebpfjit";
    const std::string cmd = std::string(EBPFJIT_TEST_EMULATOR) + " '" + exe.string() + "' verify '" +
                            kObject + "' >'" + out.string() + "' 2>&1";
    const int raw = std::system(cmd.c_str());
    REQUIRE(raw != -1);
    REQUIRE(WIFEXITED(raw));
    CHECK(WEXITSTATUS(raw) == 0);

    std::ifstream in(out);
    std::string line;
    int ok = 0;
    while (std::getline(in, line))
        if (line.starts_with("program_") && line.find(": ok,") != std::string::npos) ++ok;
    CHECK(ok == kPrograms);
}
