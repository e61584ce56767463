// `ebpfjit bench --quick --json out.json` runs to completion and reports every program on
// every engine with plausible figures and the answers the workloads are known to give.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace {

const std::vector<std::string> kSuite{"log2_int",    "memcpy", "prime",           "strcmp_full",
                                      "strcmp_fail", "switch", "memory_a_plus_b", "simple"};
const std::vector<std::string> kMaps{"map_array_lookup",
                                     "map_array_update",
                                     "map_percpu_array_lookup",
                                     "map_percpu_array_update",
                                     "map_hash_lookup",
                                     "map_hash_update",
                                     "map_hash_update_delete",
                                     "map_percpu_hash_lookup",
                                     "map_percpu_hash_update",
                                     "map_percpu_hash_update_delete",
                                     "map_lru_hash_lookup",
                                     "map_lru_hash_update",
                                     "map_lru_hash_update_delete",
                                     "helper_ktime_get_ns"};

// `flags`: the bench's options besides --quick and --json; `tag` names the output files.
nlohmann::json run_quick_bench(const std::string& flags = "--structural-fallback", const std::string& tag = "") {
    const std::string json_path = std::string(EBPFJIT_BINARY_DIR) + "/bench_smoke" + tag + ".json";
    std::remove(json_path.c_str());
    const std::string command = std::string(EBPFJIT_TEST_EMULATOR) + " " + EBPFJIT_BINARY_DIR +
                                "/ebpfjit bench --quick " + flags + " --json " + json_path + " > " + EBPFJIT_BINARY_DIR +
                                "/bench_smoke" + tag + ".md";
    REQUIRE(std::system(command.c_str()) == 0);
    std::ifstream in(json_path);
    REQUIRE(in);
    return nlohmann::json::parse(in);
}

bool finite_positive(const nlohmann::json& v) {
    return v.is_number() && std::isfinite(v.get<double>()) && v.get<double>() > 0;
}

} // namespace

// With --structural-fallback (the bench ran structurally verified programs as trusted code
// before: no flag was needed for every program to run on every engine; now programs the
// full verifier refuses run only when asked, with their run-time checks).
TEST_CASE("ebpfjit bench --quick reports every program on every engine") {
    const nlohmann::json report = run_quick_bench();
    REQUIRE(report.contains("results"));
    std::map<std::pair<std::string, std::string>, nlohmann::json> by_key;
    for (const auto& r : report["results"]) by_key[{r["program"], r["engine"]}] = r;

    auto check_record = [&](const std::string& program, const std::string& engine) {
        INFO(program << " on " << engine);
        auto it = by_key.find({program, engine});
        REQUIRE(it != by_key.end());
        const auto& r = it->second;
        CHECK(finite_positive(r["ns_per_run_median"]));
        CHECK(finite_positive(r["ns_per_run_min"]));
        CHECK(r["ns_per_run_min"].get<double>() <= r["ns_per_run_median"].get<double>());
        CHECK(r["runs"].get<uint64_t>() >= 1);
        REQUIRE(r.contains("compile_us"));
        REQUIRE(r.contains("verify_us"));
        if (engine == "jit") CHECK(finite_positive(r["compile_us"]));
        else CHECK(r["compile_us"].is_null());
        if (engine == "native") CHECK(r["verify_us"].is_null());
        else CHECK(finite_positive(r["verify_us"]));
        return r["result"].get<uint64_t>();
    };

    for (const auto& program : kSuite) {
        const uint64_t native = check_record(program, "native");
        CHECK(check_record(program, "interp") == native);
        CHECK(check_record(program, "jit") == native);
    }
    for (const auto& program : kMaps) CHECK(check_record(program, "interp") == check_record(program, "jit"));

    // Answers the workloads are known to give (so a broken native build cannot hide).
    CHECK(by_key[{"prime", "native"}]["result"] == 1230);
    CHECK(by_key[{"simple", "native"}]["result"] == 0x1234);
    CHECK(by_key[{"memory_a_plus_b", "native"}]["result"] == 123456789ull + 987654321ull);
    CHECK(by_key[{"strcmp_full", "native"}]["result"] == 0);
    CHECK(by_key[{"strcmp_fail", "native"}]["result"] != 0);
    CHECK(by_key[{"helper_ktime_get_ns", "jit"}]["result"] == 0); // never went backwards
    CHECK(by_key[{"map_hash_update_delete", "jit"}]["result"] == 0); // every op succeeded
}

// Default options, as a user gets them: each program is either fully verified (and
// measured, with the answer native gives and no run-time checks left) or refused with
// the verifier's reason; never structural without the flag. Peers are reported for every
// program: measured with native's answer, or not measured with a reason.
TEST_CASE("ebpfjit bench --quick --peers: full verification or a refusal, per program") {
    const nlohmann::json report = run_quick_bench("--peers", "_default");
    std::map<std::pair<std::string, std::string>, nlohmann::json> by_key;
    for (const auto& r : report["results"]) by_key[{r["program"], r["engine"]}] = r;
    int full = 0;
    for (const auto& program : kSuite) {
        INFO(program);
        REQUIRE(by_key.count({program, "native"}));
        const uint64_t native = by_key[{program, "native"}]["result"];
        for (const char* engine : {"interp", "jit"}) {
            INFO(engine);
            REQUIRE(by_key.count({program, engine}));
            const auto& r = by_key[{program, engine}];
            const std::string level = r["verify_level"];
            if (level == "full") {
                CHECK(r["unavailable"].is_null());
                CHECK(finite_positive(r["ns_per_run_median"]));
                CHECK(r["result"].get<uint64_t>() == native);
                if (std::string(engine) == "jit") {
                    CHECK(r["checked_accesses"] == 0);
                    CHECK(r["checked_calls"] == 0);
                    ++full;
                }
            } else {
                CHECK(level == "refused");
                CHECK(r["ns_per_run_median"].is_null());
                CHECK(r["unavailable"].get<std::string>().rfind("refused: ", 0) == 0);
                CHECK(!r["full_verification_refused"].get<std::string>().empty());
            }
        }
        // The C API's column exists exactly where the program was prepared.
        if (by_key[{program, "jit"}]["verify_level"] == "full") {
            REQUIRE(by_key.count({program, "jit-c"}));
            CHECK(by_key[{program, "jit-c"}]["result"].get<uint64_t>() == native);
            CHECK(finite_positive(by_key[{program, "jit-c"}]["ns_per_run_median"]));
        } else {
            CHECK(by_key.count({program, "jit-c"}) == 0);
        }
        for (const char* peer : {"rte_bpf", "kernel"}) {
            INFO(peer);
            REQUIRE(by_key.count({program, peer}));
            const auto& r = by_key[{program, peer}];
            if (r["unavailable"].is_null()) {
                CHECK(finite_positive(r["ns_per_run_median"]));
                CHECK(r["result"].get<uint64_t>() == native);
            } else {
                const std::string why = r["unavailable"];
                CHECK((why.rfind("refused: ", 0) == 0 || why.rfind("skipped: ", 0) == 0 ||
                       why.rfind("not built", 0) == 0));
                CHECK(why.size() > 10);
            }
        }
    }
    // simple and memory_a_plus_b have no loop: the full verifier proves them.
    CHECK(full >= 2);
    // The report's tally counts the same programs (its cells also say how loops end).
    std::ifstream md(std::string(EBPFJIT_BINARY_DIR) + "/bench_smoke_default.md");
    const std::string text((std::istreambuf_iterator<char>(md)), std::istreambuf_iterator<char>());
    CHECK(text.find(fmt::format("Verified: {} full,", full)) != std::string::npos);
    CHECK(by_key[{"simple", "jit"}]["verify_level"] == "full");
    CHECK(by_key[{"memory_a_plus_b", "jit"}]["verify_level"] == "full");
    // How their loops end: none to walk; memcpy's 1 MiB byte loop by a ranking (no budget).
    CHECK(by_key[{"simple", "jit"}]["termination"] == "walked");
    if (by_key[{"memcpy", "jit"}]["verify_level"] == "full") CHECK(by_key[{"memcpy", "jit"}]["termination"] == "ranked");
}
