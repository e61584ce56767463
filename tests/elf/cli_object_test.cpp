// `ebpfjit run OBJECT.o` and `ebpfjit map dump` end to end, through the built executable.
#include <catch2/catch.hpp>
#include <sys/wait.h>

#include <algorithm>
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

TEST_CASE("cli: libbpf / iproute2 loader rules through verify", "[elf][cli][parity]") {
    auto one_line = [](const std::string& err) { return std::count(err.begin(), err.end(), '\n') == 1; };
    // kfuncs: refused by name, one line, exit 1.
    auto kfunc = run_cli("verify '" + object_path("kfunc_call") + "'");
    INFO(kfunc.err);
    CHECK(kfunc.status == 1);
    CHECK(one_line(kfunc.err));
    CHECK(kfunc.err.find("section 'xdp'") != std::string::npos);
    CHECK(kfunc.err.find("kfunc 'bpf_rcu_read_lock'") != std::string::npos);

    // iproute2 objects: the numbered section needs --type; with it, a program named by section.
    auto untyped = run_cli("verify '" + object_path("iproute2_legacy") + "'");
    INFO(untyped.err);
    CHECK(untyped.status == 1);
    CHECK(one_line(untyped.err));
    CHECK(untyped.err.find("section '2/1'") != std::string::npos);
    auto typed = run_cli("verify '" + object_path("iproute2_legacy") + "' --type tc --program classifier");
    INFO(typed.err);
    CHECK(typed.status == 0);
    CHECK(typed.out.find("cls_main (") == 0);
    CHECK(typed.out.find("tail_one") == std::string::npos);

    // EM_NONE: a patched copy verifies like the original.
    auto bytes = ebpfjit::runtime::elf::test::object_bytes("perf_event_zero");
    bytes[offsetof(Elf64_Ehdr, e_machine)] = 0;
    bytes[offsetof(Elf64_Ehdr, e_machine) + 1] = 0;
    fs::create_directories(kWork);
    std::ofstream(kWork / "em_none.o", std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                                std::streamsize(bytes.size()));
    auto none = run_cli("verify em_none.o");
    INFO(none.err);
    CHECK(none.status == 0);
    CHECK(none.out.find("notify (") == 0);
}

TEST_CASE("cli: --map-max-entries sizes maps before load", "[elf][cli][map-sizes]") {
    auto one_line = [](const std::string& err) { return std::count(err.begin(), err.end(), '\n') == 1; };
    const std::string object = "'" + object_path("sized_maps") + "'";
    auto unsized = run_cli("verify " + object);
    INFO(unsized.err);
    CHECK(unsized.status == 1);
    CHECK(one_line(unsized.err));
    CHECK(unsized.err.find("map 'rx_cnt' has max_entries 0") != std::string::npos);

    auto ok = run_cli("verify " + object + " --map-max-entries rx_cnt=4 --map-max-entries seen=16");
    INFO(ok.err);
    CHECK(ok.status == 0);
    CHECK(ok.out.find("count_rx (xdp") == 0);

    auto unknown = run_cli("verify " + object + " --map-max-entries rx_cnt=4 --map-max-entries nope=2");
    INFO(unknown.err);
    CHECK(unknown.status == 1);
    CHECK(one_line(unknown.err));
    CHECK(unknown.err.find("map 'nope'") != std::string::npos);

    for (const char* bad : {"rx_cnt", "=4", "rx_cnt=", "rx_cnt=0", "rx_cnt=4x", "rx_cnt=4294967296"}) {
        auto r = run_cli("verify " + object + " --map-max-entries '" + bad + "'");
        INFO(bad << ": " << r.err);
        CHECK(r.status != 0);
        CHECK(one_line(r.err));
        CHECK(r.err.find(std::string("--map-max-entries '") + bad + "'") != std::string::npos);
    }
    auto twice = run_cli("verify " + object + " --map-max-entries rx_cnt=4 --map-max-entries rx_cnt=8");
    CHECK(twice.status == 1);
    CHECK(twice.err.find("sized twice") != std::string::npos);

    // run takes it too (the sized map is created; the program is not a mem program).
    auto run = run_cli("run " + object + " --program count_rx --map-max-entries rx_cnt=4");
    INFO(run.err);
    CHECK(run.status == 1);
    CHECK(run.err.find("of type xdp") != std::string::npos);
    auto raw = run_cli("run nothing.bin --map-max-entries rx_cnt=4");
    CHECK(raw.status == 1);
    CHECK(raw.err.find("needs a BPF object") != std::string::npos);
}

TEST_CASE("cli: verify --program builds that program alone; --inline-globals", "[elf][cli][cilium]") {
    const std::string mixed = "'" + object_path("mixed_types") + "'";
    auto whole = run_cli("verify " + mixed);
    INFO(whole.err);
    CHECK(whole.status == 1);
    CHECK(whole.err.find("tp_btf/xdp_redirect_err") != std::string::npos);
    auto one = run_cli("verify " + mixed + " --program redirect_all");
    INFO(one.err);
    CHECK(one.status == 0);
    CHECK(one.out.find("redirect_all (xdp") == 0);

    const std::string config = "'" + object_path("inline_config") + "' --type mem";
    auto plain = run_cli("verify " + config);
    CHECK(plain.status == 1);
    CHECK(plain.out.find("config_sum (mem") == 0);
    CHECK(plain.out.find("rejected") != std::string::npos);
    auto inlined = run_cli("verify " + config + " --inline-globals .rodata.config");
    INFO(inlined.out << inlined.err);
    CHECK(inlined.status == 0);
    auto ran = run_cli("run " + config + " --program config_sum --inline-globals .rodata.config");
    INFO(ran.err);
    CHECK(ran.status == 0);
    CHECK(ran.out.find("r0 = " + std::to_string(1500 + 8080 + 0x11223344)) != std::string::npos);
}

TEST_CASE("cli: --core-btf resolves a program's own structs; a bad file is one line, exit 1", "[elf][cli][core_btf]") {
    auto ok = run_cli("verify --core-btf '" + object_path("core_custom_btf") + "' '" + object_path("core_custom") +
                      "' --program read_port");
    INFO(ok.err);
    CHECK(ok.status == 0);
    CHECK(ok.out.find("read_port (xdp, ") == 0);

    auto bad = run_cli("verify --core-btf /nonexistent/vmlinux '" + object_path("core_custom") + "'");
    CHECK(bad.status == 1);
    CHECK(bad.out.empty());
    CHECK(bad.err.find("core BTF '/nonexistent/vmlinux'") != std::string::npos);
    CHECK(std::count(bad.err.begin(), bad.err.end(), '\n') == 1);

    auto run_bad = run_cli("run '" + object_path("core_custom") + "' --program read_kind --core-btf '" +
                           object_path("core_custom") + ".nope'");
    CHECK(run_bad.status == 1);
    CHECK(std::count(run_bad.err.begin(), run_bad.err.end(), '\n') == 1);
}
