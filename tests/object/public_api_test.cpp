// What the CLI prints, through the entry points an embedder has (include/ebpfjit/ only):
// verify_object (one report per program; a rejection is a report), MapRef::to_json (the
// map dump) and possible_cpus / set_possible_cpus (worker slots of per-CPU maps).
#include "object_test_support.hpp"

#include <nlohmann/json.hpp>

#include "ebpfjit/verify.hpp"

using namespace ebpfjit;
using namespace object_test;

namespace {

bool mentions(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

} // namespace

TEST_CASE("verify_object: the verdict, headline, log and stats of each program", "[object][verify]") {
    VerifyOptions options;
    options.program_type = ProgramType::Mem;
    auto reports = verify_object(prog_path("ptr_leak"), options);
    REQUIRE(reports);
    REQUIRE(reports->size() == 1);
    const VerifyReport& rejected = reports->front();
    CHECK(rejected.program == "stack_address_into_map");
    CHECK(rejected.type == ProgramType::Mem);
    CHECK(rejected.instructions > 0);
    CHECK_FALSE(rejected.accepted);
    CHECK(mentions(rejected.headline, "leaks addr into map value"));
    CHECK(rejected.insn < rejected.instructions); // located at the store
    CHECK_FALSE(rejected.reason.empty());
    CHECK(rejected.stats.processed_insns > 0);

    // The kernel's privileged rules: accepted, no headline; log level 2 traces every insn.
    options.allow_ptr_leaks = true;
    options.log_level = 2;
    reports = verify_object(prog_path("ptr_leak"), options);
    REQUIRE(reports);
    REQUIRE(reports->size() == 1);
    const VerifyReport& accepted = reports->front();
    CHECK(accepted.accepted);
    CHECK(accepted.headline.empty());
    CHECK_FALSE(accepted.log.empty());
    CHECK(accepted.stats.processed_insns > 0);

    // Structural verification does not track pointers: the leak is not its business.
    options = {};
    options.program_type = ProgramType::Mem;
    options.level = VerifyLevel::Structural;
    reports = verify_object(prog_path("ptr_leak"), options);
    REQUIRE(reports);
    CHECK(reports->front().accepted);
}

TEST_CASE("verify_object: every program or one; errors name the object", "[object][verify]") {
    Object object = open_object("xdp_count");
    const auto names = object.program_names();
    auto all = verify_object(prog_path("xdp_count"));
    REQUIRE(all);
    REQUIRE(all->size() == names.size());
    for (size_t i = 0; i < names.size(); ++i) {
        INFO(names[i]);
        CHECK((*all)[i].program == names[i]);
        CHECK((*all)[i].type == ProgramType::Xdp);
        CHECK((*all)[i].accepted);
    }

    VerifyOptions only;
    only.program = names.front();
    auto one = verify_object(prog_path("xdp_count"), only);
    REQUIRE(one);
    REQUIRE(one->size() == 1);
    CHECK(one->front().program == names.front());

    only.program = "nope";
    auto unknown = verify_object(prog_path("xdp_count"), only);
    REQUIRE_FALSE(unknown);
    CHECK(mentions(unknown.error().to_string(), "no program named 'nope'"));
    CHECK(mentions(unknown.error().to_string(), "xdp_count.o"));

    auto missing = verify_object(prog_path("no_such_object"));
    REQUIRE_FALSE(missing);
    CHECK(mentions(missing.error().to_string(), "no_such_object.o"));
}

TEST_CASE("MapRef::to_json: the dump `ebpfjit map` prints", "[object][maps]") {
    Object object = open_object("ptr_leak", OpenOptions{ProgramType::Mem});
    auto map = object.map("addresses");
    REQUIRE(map);
    const uint32_t key = 0;
    const uint64_t value = 0x2a;
    REQUIRE(map->update({reinterpret_cast<const uint8_t*>(&key), sizeof key},
                        {reinterpret_cast<const uint8_t*>(&value), sizeof value}) == 0);
    const auto json = nlohmann::json::parse(map->to_json());
    CHECK(json["name"] == "addresses");
    CHECK(json["type"] == "array");
    CHECK(json["key_size"] == 4);
    CHECK(json["value_size"] == 8);
    CHECK(json["max_entries"] == 1);
    REQUIRE(json["entries"].size() == 1);
    CHECK(json["entries"][0]["key"] == nlohmann::json({"0x00", "0x00", "0x00", "0x00"}));
    CHECK(json["entries"][0]["value"] ==
          nlohmann::json({"0x2a", "0x00", "0x00", "0x00", "0x00", "0x00", "0x00", "0x00"}));
    CHECK(nlohmann::json::parse(map->to_json(2)) == json);
    CHECK(mentions(map->to_json(2), "\n"));
    CHECK_FALSE(mentions(map->to_json(), "\n"));
}

TEST_CASE("possible_cpus: per-CPU map slots through the public API", "[object][maps]") {
    CHECK(possible_cpus() >= 1);
    auto zero = set_possible_cpus(0);
    REQUIRE_FALSE(zero);
    CHECK(mentions(zero.error().to_string(), "at least 1"));
}
