// `ebpfjit bench --quick --json out.json` runs to completion and reports every program on
// every engine with plausible figures and the answers the workloads are known to give.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <string>

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

nlohmann::json run_quick_bench() {
    const std::string json_path = std::string(EBPFJIT_BINARY_DIR) + "/bench_smoke.json";
    std::remove(json_path.c_str());
    const std::string command = std::string(EBPFJIT_TEST_EMULATOR) + " " + EBPFJIT_BINARY_DIR +
                                "/ebpfjit bench --quick --json " + json_path + " > " + EBPFJIT_BINARY_DIR +
                                "/bench_smoke.md";
    REQUIRE(std::system(command.c_str()) == 0);
    std::ifstream in(json_path);
    REQUIRE(in);
    return nlohmann::json::parse(in);
}

bool finite_positive(const nlohmann::json& v) {
    return v.is_number() && std::isfinite(v.get<double>()) && v.get<double>() > 0;
}

} // namespace

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
