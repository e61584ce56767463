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

TEST_CASE("cli: --allow-ptr-leaks on verify and run, off by default, said in --help", "[object][cli][leaks]") {
    fs::create_directories(kWork);
    const std::string object = "'" + prog_path("ptr_leak") + "' --type mem";
    // Default: the kernel's unprivileged rules, a located rejection.
    CHECK(run_cli("verify " + object) == 1);
    CHECK(slurp(kWork / "stdout").find("leaks addr into map value") != std::string::npos);
    CHECK(slurp(kWork / "stdout").find("insn ") != std::string::npos);
    CHECK(run_cli("run " + object + " --program stack_address_into_map") != 0);
    CHECK(slurp(kWork / "stderr").find("leaks addr into map value") != std::string::npos);
    // Opted in: verified and run on both engines.
    CHECK(run_cli("verify " + object + " --allow-ptr-leaks") == 0);
    for (const char* engine : {"jit", "interp"}) {
        INFO(engine);
        CHECK(run_cli("run " + object + " --program stack_address_into_map --allow-ptr-leaks --engine " + engine) == 0);
        CHECK(slurp(kWork / "stdout") == "r0 = 0 (0x0)\n");
    }
    // The help says what the flag does.
    for (const char* verb : {"verify", "run"}) {
        INFO(verb);
        REQUIRE(run_cli(std::string(verb) + " --help") == 0);
        const std::string help = slurp(kWork / "stdout");
        CHECK(help.find("--allow-ptr-leaks") != std::string::npos);
        CHECK(help.find("privileged rules") != std::string::npos);
        CHECK(help.find("Off by") != std::string::npos);
    }
}
