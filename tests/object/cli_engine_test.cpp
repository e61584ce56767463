// `ebpfjit run OBJECT.o --engine jit|interp` through the built executable: the same r0
// and the same final maps on both engines, and the value worked out here.
#include "object_test_support.hpp"

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include <fmt/format.h>

namespace fs = std::filesystem;
using namespace object_test;

namespace {

const fs::path kWork = fs::path(EBPFJIT_BINARY_DIR) / "tests" / "object_cli_work";

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

int run_cli(const std::string& args) {
    const fs::path exe = fs::path(EBPFJIT_BINARY_DIR) / "ebpfjit";
    // Under qemu in the arm64 build (EBPFJIT_TEST_EMULATOR), natively otherwise.
    const std::string cmd = "cd '" + kWork.string() + "' && " + EBPFJIT_TEST_EMULATOR + " '" + exe.string() + "' " +
                            args + " >stdout 2>stderr";
    const int raw = std::system(cmd.c_str());
    REQUIRE(raw != -1);
    return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

} // namespace

TEST_CASE("cli: run OBJECT.o gives the same r0 and maps on --engine jit and interp", "[object][cli]") {
    fs::create_directories(kWork);
    const std::string input = "0123456789abcdefXYZ";
    std::ofstream(kWork / "input.bin", std::ios::binary) << input;
    uint64_t sum = 0;
    for (int i = 0; i < 16; ++i) sum += uint8_t(input[i]);
    const uint32_t expected = uint32_t((sum * 7) ^ (sum >> 3));

    nlohmann::json maps[2];
    const char* engines[2] = {"jit", "interp"};
    for (int e = 0; e < 2; ++e) {
        INFO(engines[e]);
        const int status = run_cli("run '" + prog_path("mem_sum") + "' --program sum16 --type mem --mem input.bin "
                                   "--json maps.json --engine " + engines[e]);
        INFO(slurp(kWork / "stderr"));
        REQUIRE(status == 0);
        CHECK(slurp(kWork / "stdout") == fmt::format("r0 = {} ({:#x})\n", expected, expected));
        maps[e] = nlohmann::json::parse(slurp(kWork / "maps.json"));
    }
    CHECK(maps[0] == maps[1]);
    CHECK(maps[0]["maps"]["by_first_byte"]["entries"].size() == 1);
}
