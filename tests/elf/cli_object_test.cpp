// `ebpfjit run OBJECT.o` and `ebpfjit map dump` end to end, through the built executable.
#include <catch2/catch.hpp>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "elf_test_support.hpp"

namespace fs = std::filesystem;
using ebpfjit::runtime::elf::test::object_path;

namespace {

const fs::path kWork = fs::path(EBPFJIT_BINARY_DIR) / "tests" / "elf_cli_work";

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct Outcome {
    int status;
    std::string out, err;
};

Outcome run_cli(const std::string& args) {
    fs::create_directories(kWork);
    const fs::path exe = fs::path(EBPFJIT_BINARY_DIR) / "ebpfjit";
    // Under qemu in the arm64 build (EBPFJIT_TEST_EMULATOR), natively otherwise.
    const std::string cmd = "cd '" + kWork.string() + "' && " + EBPFJIT_TEST_EMULATOR + " '" + exe.string() + "' " +
                            args + " >stdout 2>stderr";
    const int raw = std::system(cmd.c_str());
    REQUIRE(raw != -1);
    return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(kWork / "stdout"), slurp(kWork / "stderr")};
}

} // namespace

TEST_CASE("cli: run a program of an object, with --json map contents", "[elf][cli]") {
    fs::create_directories(kWork);
    std::ofstream(kWork / "input.bin", std::ios::binary) << std::string("\x05\x06\x07", 3);
    auto r = run_cli("run '" + object_path("object_api") +
                     "' --program sum_bytes --type mem --mem input.bin --json maps.json");
    INFO(r.err);
    REQUIRE(r.status == 0);
    CHECK(r.out == "r0 = 54 (0x36)\n"); // (5 + 6 + 7) * 3
    const auto json = nlohmann::json::parse(slurp(kWork / "maps.json"));
    CHECK(json["r0"] == 54);
    const auto& sums = json["maps"]["sums_by_length"];
    CHECK(sums["type"] == "hash");
    REQUIRE(sums["entries"].size() == 1);
    CHECK(sums["entries"][0]["key"] == nlohmann::json{"0x03", "0x00", "0x00", "0x00"});
    CHECK(sums["entries"][0]["value"] == nlohmann::json{"0x12", "0x00", "0x00", "0x00", "0x00", "0x00", "0x00", "0x00"});
    CHECK(json["maps"][".bss"]["entries"][0]["value"][0] == "0x01"); // runs
}

TEST_CASE("cli: object errors are one line and exit 1", "[elf][cli]") {
    auto unknown = run_cli("run '" + object_path("object_api") + "' --program nope --type mem");
    CHECK(unknown.status == 1);
    CHECK(unknown.err == "ebpfjit: error: no program named 'nope' in the object\n");

    auto untyped = run_cli("run '" + object_path("object_api") + "' --program sum_bytes");
    CHECK(untyped.status == 1);
    CHECK(untyped.err.find("section 'mem'") != std::string::npos);

    auto xdp = run_cli("run '" + object_path("multi_prog") + "' --program stage_pass");
    CHECK(xdp.status == 1);
}

TEST_CASE("cli: map dump prints one map or all as JSON", "[elf][cli]") {
    auto r = run_cli("map dump '" + object_path("global_data") + "' --map .rodata");
    INFO(r.err);
    REQUIRE(r.status == 0);
    const auto json = nlohmann::json::parse(r.out);
    REQUIRE(json.size() == 1);
    CHECK(json[".rodata"]["value_size"] == 8);
    CHECK(json[".rodata"]["entries"][0]["value"] ==
          nlohmann::json{"0x64", "0x00", "0x00", "0x00", "0x07", "0x00", "0x00", "0x00"});

    auto all = run_cli("map dump '" + object_path("btf_maps") + "'");
    REQUIRE(all.status == 0);
    CHECK(nlohmann::json::parse(all.out).size() == 8);

    auto missing = run_cli("map dump '" + object_path("btf_maps") + "' --map nope");
    CHECK(missing.status == 1);
    CHECK(missing.err == "ebpfjit: error: no map named 'nope' in the object\n");
}
