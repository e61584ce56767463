// `ebpfjit run ... --fire-timers`: the CLI runs a program's armed bpf_timers after the run
// (the library's Object::run_expired_timers), before the maps are written.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

namespace {

const fs::path kWork = fs::path(EBPFJIT_BINARY_DIR) / "tests" / "timers_cli_work";

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct Outcome {
    int status;
    std::string out;
};

Outcome ebpfjit(const std::string& args) {
    fs::create_directories(kWork);
    const fs::path exe = fs::path(EBPFJIT_BINARY_DIR) / "ebpfjit";
    const std::string cmd = "cd '" + kWork.string() + "' && " + EBPFJIT_TEST_EMULATOR + " '" + exe.string() + "' " +
                            args + " >stdout 2>stderr";
    const int raw = std::system(cmd.c_str());
    REQUIRE(raw != -1);
    return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(kWork / "stdout")};
}

// How many entries hmap holds in a --json dump (arm_hash writes only key 5).
size_t hmap_entries(const nlohmann::json& dump) { return dump.at("maps").at("hmap").at("entries").size(); }

} // namespace

TEST_CASE("run --fire-timers runs the armed timers' callbacks after the run", "[timers][cli]") {
    const std::string object = std::string(EBPFJIT_TIMER_PROGS_DIR) + "/timer_progs.o";
    for (const char* engine : {"jit", "interp"}) {
        INFO(engine);
        // Without it the 10 s timer is not due yet: nothing runs, the element stays.
        Outcome quiet = ebpfjit("run '" + object + "' --program arm_hash --type mem --engine " + engine +
                                " --json maps.json");
        REQUIRE(quiet.status == 0);
        CHECK(quiet.out.find("timers:") == std::string::npos);
        CHECK(hmap_entries(nlohmann::json::parse(slurp(kWork / "maps.json"))) == 1);
        Outcome fired = ebpfjit("run '" + object + "' --program arm_hash --type mem --engine " + engine +
                                " --fire-timers --json maps.json");
        REQUIRE(fired.status == 0);
        CHECK(fired.out.find("timers: 1 callback ran\n") != std::string::npos);
        CHECK(fired.out.find("r0 = 0 (0x0)") != std::string::npos);
        CHECK(hmap_entries(nlohmann::json::parse(slurp(kWork / "maps.json"))) == 0); // the callback deleted it
    }
}
