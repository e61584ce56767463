// Loader conventions real objects depend on beyond libbpf's: Cilium's CONFIG() inlining
// (ReadOptions / OpenOptions::inline_globals) and libbpf's autoload (only_programs), which
// xdp-tools uses to load XDP programs beside tracing programs ebpfjit has no type for.
#include <catch2/catch.hpp>
#include <cstdint>
#include <variant>
#include <vector>

#include "ebpfjit/ebpfjit.hpp"
#include "elf_test_support.hpp"
#include "loader_assertions.hpp"
#include "runtime/elf/loader.hpp"

using namespace ebpfjit;
using namespace ebpfjit::runtime::elf;
using ebpfjit::runtime::elf::test::object_bytes;
using ebpfjit::runtime::elf::test::object_path;

using ebpfjit::runtime::elf::test::contains;

namespace {

std::vector<isa::LoadImm64> lddws(const ProgramSpec& p) {
    std::vector<isa::LoadImm64> out;
    for (const auto& insn : p.program.insns)
        if (auto* l = std::get_if<isa::LoadImm64>(&insn)) out.push_back(*l);
    return out;
}

constexpr uint64_t kConfigSum = 1500 + 8080 + 0x11223344; // mtu + port + magic >> 32

} // namespace

TEST_CASE("CONFIG() loads stay map-value loads unless their section is inlined", "[elf][cilium]") {
    const auto bytes = object_bytes("inline_config");
    auto plain = read_object(bytes, ReadOptions{.type_override = ProgramType::Mem});
    if (!plain) FAIL(plain.error().to_string());
    for (const auto& l : lddws(plain->programs.at(0))) CHECK(l.kind == isa::LddwKind::MapValue);

    ReadOptions options{.type_override = ProgramType::Mem};
    options.inline_globals = {".rodata.config"};
    auto inlined = read_object(bytes, options);
    if (!inlined) FAIL(inlined.error().to_string());
    const auto loads = lddws(inlined->programs.at(0));
    REQUIRE(loads.size() == 3);
    for (const auto& l : loads) CHECK(l.kind == isa::LddwKind::Imm64);
    // Each holds its own variable's value, read at the variable's size (the u16 port is not
    // followed by the magic's bytes).
    std::vector<uint64_t> values;
    for (const auto& l : loads) values.push_back(l.value());
    std::ranges::sort(values);
    CHECK(values == std::vector<uint64_t>{1500, 8080, 0x1122334455667788ull});
}

TEST_CASE("an inlined CONFIG() program verifies and runs; a plain one returns an address", "[elf][cilium]") {
    OpenOptions options;
    options.program_type = ProgramType::Mem;
    {
        auto object = Object::open(object_path("inline_config"), options);
        if (!object) FAIL(object.error().to_string());
        auto refused = object->program("config_sum");
        REQUIRE_FALSE(refused); // the unprivileged rules: r0 would be a map-value address
        INFO(refused.error().to_string());
        CHECK(contains(refused.error().to_string(), "map_value"));
    }
    options.inline_globals = {".rodata.config"};
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        options.engine = engine;
        auto object = Object::open(object_path("inline_config"), options);
        if (!object) FAIL(object.error().to_string());
        auto program = object->program("config_sum");
        if (!program) FAIL(program.error().to_string());
        std::vector<uint8_t> memory(8);
        auto r0 = program->run(memory);
        REQUIRE(r0);
        CHECK(*r0 == kConfigSum);
    }
}

TEST_CASE("inline_globals skips sections the object lacks and refuses data without BTF", "[elf][cilium]") {
    ReadOptions options{.type_override = ProgramType::Mem};
    options.inline_globals = {".rodata.config", ".rodata.absent"};
    CHECK(read_object(object_bytes("inline_config"), options));
    // Code is not data: naming a program section is one located line.
    options.inline_globals = {"mem"};
    auto code = read_object(object_bytes("inline_config"), options);
    REQUIRE_FALSE(code);
    CHECK(contains(code.error().to_string(), "section 'mem'"));
    CHECK(contains(code.error().to_string(), "data section"));
}

TEST_CASE("only_programs builds the chosen programs, as libbpf's autoload", "[elf][parity]") {
    const auto bytes = object_bytes("mixed_types");
    auto all = read_object(bytes);
    REQUIRE_FALSE(all); // every program is built by default, and tp_btf/ has no type here
    CHECK(contains(all.error().to_string(), "tp_btf/xdp_redirect_err"));

    ReadOptions options;
    options.only_programs = {"redirect_all"};
    auto chosen = read_object(bytes, options);
    if (!chosen) FAIL(chosen.error().to_string());
    REQUIRE(chosen->programs.size() == 1);
    CHECK(chosen->programs[0].name == "redirect_all");
    CHECK(chosen->programs[0].type == ProgramType::Xdp);

    options.only_programs = {"xdp"}; // by section, as iproute2 users name programs
    auto by_section = read_object(bytes, options);
    REQUIRE(by_section);
    CHECK(by_section->programs.at(0).name == "redirect_all");

    options.only_programs = {"redirect_none"};
    auto missing = read_object(bytes, options);
    REQUIRE_FALSE(missing);
    CHECK(contains(missing.error().to_string(), "no program named 'redirect_none'"));

    OpenOptions open;
    open.only_programs = {"redirect_all"};
    auto object = Object::open(object_path("mixed_types"), open);
    if (!object) FAIL(object.error().to_string());
    CHECK(object->program_names() == std::vector<std::string>{"redirect_all"});
    CHECK(object->program("redirect_all"));
}
