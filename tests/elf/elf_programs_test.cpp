// Programs from real objects: subprogram linking, several programs per section,
// section-name program types, prog-array initialisation, line info.
#include <catch2/catch.hpp>
#include <linux/bpf.h>

#include "elf_test_support.hpp"

using namespace ebpfjit;
using namespace ebpfjit::runtime::elf;
using ebpfjit::runtime::elf::test::object_path;

namespace {

ObjectDescription load(const std::string& stem, ReadOptions options = {}) {
    auto d = read_object_file(object_path(stem), options);
    if (!d) FAIL(d.error().to_string());
    return std::move(*d);
}

const ProgramSpec& program(const ObjectDescription& d, const std::string& name) {
    const ProgramSpec* p = d.find_program(name);
    if (!p) FAIL("no program " + name);
    return *p;
}

constexpr uint8_t kMov64Reg = 0xbf, kAdd64Imm = 0x07, kExit = 0x95, kCall = 0x85, kLddw = 0x18;

} // namespace

TEST_CASE("Subprograms: a call chain is linked after the entry, in call order", "[elf][link]") {
    const auto d = load("subprograms");
    const auto& p = program(d, "calls_chain");
    CHECK(p.section == "xdp");
    CHECK(p.type == ProgramType::Xdp);
    // [calls_chain: 3 slots][twice_plus3: 3 slots][add3: 3 slots]; unused helpers left out.
    REQUIRE(p.raw.size() == 9);
    CHECK(p.raw[1].opcode == kCall);
    CHECK(p.raw[1].src == 1);
    CHECK(p.raw[1].imm == 3 - 2); // -> slot 3 (twice_plus3)
    CHECK(p.raw[3].opcode == kCall);
    CHECK(p.raw[3].imm == 6 - 4); // -> slot 6 (add3)
    CHECK(p.raw[6].opcode == kMov64Reg); // add3: r0 = r1; r0 += 3; exit
    CHECK(p.raw[7].opcode == kAdd64Imm);
    CHECK(p.raw[7].imm == 3);
    CHECK(p.raw[8].opcode == kExit);

    CHECK(p.program.subprogram_starts == std::vector<int32_t>{0, 3, 6});
    auto* call = std::get_if<isa::Call>(&p.program.insns[1]);
    REQUIRE(call);
    CHECK(call->kind == isa::CallKind::Local);
    CHECK(call->target == 3);
}

TEST_CASE("Subprograms: a call through the .text section symbol (static function)", "[elf][link]") {
    const auto d = load("subprograms");
    const auto& p = program(d, "calls_direct");
    REQUIRE(p.raw.size() == 6); // [calls_direct: 3][add3: 3]
    CHECK(p.raw[1].opcode == kCall);
    CHECK(p.raw[1].imm == 3 - 2);
    CHECK(p.raw[3].opcode == kMov64Reg);
    CHECK(p.raw[4].imm == 3);
}

TEST_CASE("Subprograms: callback address for bpf_loop is LDDW src 4", "[elf][link]") {
    const auto d = load("subprograms");
    const auto& p = program(d, "calls_loop");
    CHECK(p.section == "tc");
    CHECK(p.type == ProgramType::SchedCls);
    // [calls_loop: 11 slots][loop_body: 5 slots]
    REQUIRE(p.raw.size() == 16);
    size_t lddw_slot = 0;
    for (size_t i = 0; i < p.raw.size(); ++i)
        if (p.raw[i].opcode == kLddw) lddw_slot = i;
    REQUIRE(lddw_slot != 0);
    CHECK(p.raw[lddw_slot].src == 4);
    CHECK(int64_t(lddw_slot) + 1 + p.raw[lddw_slot].imm == 11);
    CHECK(p.raw[lddw_slot + 1].imm == 0);
    auto* l = std::get_if<isa::LoadImm64>(&p.program.insns[lddw_slot]);
    REQUIRE(l);
    CHECK(l->kind == isa::LddwKind::CodeAddr);
    CHECK(p.raw[15].opcode == kExit);
}

TEST_CASE("Subprograms: only entry functions outside .text are programs", "[elf][link]") {
    const auto d = load("subprograms");
    std::vector<std::string> names;
    for (const auto& p : d.programs) names.push_back(p.name);
    CHECK(names == std::vector<std::string>{"calls_chain", "calls_direct", "calls_loop"});
    CHECK(d.find_program("keep_unused") == nullptr);
    CHECK(d.find_program("twice_plus3") == nullptr);
}

TEST_CASE("Line info follows instructions into appended subprograms", "[elf][link]") {
    const auto d = load("subprograms");
    const auto& p = program(d, "calls_chain");
    REQUIRE_FALSE(p.line_info.empty());
    const LineInfo* first = p.line_for(0);
    REQUIRE(first);
    CHECK(first->file == "subprograms.c");
    CHECK(first->to_string().find("twice_plus3(ctx->rx_queue_index)") != std::string::npos);
    const LineInfo* in_add3 = p.line_for(7);
    REQUIRE(in_add3);
    CHECK(in_add3->to_string() == "subprograms.c:" + std::to_string(in_add3->line) + ": return x + 3;");
    CHECK(in_add3->slot >= 6);
}

TEST_CASE("Several programs per section, selected by name, typed by section", "[elf][link]") {
    const auto d = load("multi_prog");
    REQUIRE(d.programs.size() == 6);
    CHECK(program(d, "stage_pass").section == "xdp");
    CHECK(program(d, "stage_drop").section == "xdp");
    CHECK(program(d, "dispatch").section == "xdp");
    CHECK(program(d, "stage_tx").section == "xdp/devmap");
    CHECK(program(d, "stage_tx").type == ProgramType::Xdp);
    CHECK(program(d, "sock_a").type == ProgramType::SocketFilter);
    CHECK(program(d, "cls_a").type == ProgramType::SchedCls);
    // Each stage is its own two-instruction program: r0 = verdict; exit.
    const std::pair<const char*, int32_t> stages[] = {{"stage_pass", XDP_PASS}, {"stage_drop", XDP_DROP},
                                                      {"stage_tx", XDP_TX}};
    for (auto [name, verdict] : stages) {
        const auto& p = program(d, name);
        REQUIRE(p.raw.size() == 2);
        CHECK(p.raw[0].imm == verdict);
        CHECK(p.raw[1].opcode == kExit);
    }
}

TEST_CASE("Prog array initialised declaratively through .rel.maps", "[elf][link]") {
    const auto d = load("multi_prog");
    auto index = d.find_map("jump_table");
    REQUIRE(index);
    const auto& jt = d.maps[*index];
    CHECK(jt.def.type == BPF_MAP_TYPE_PROG_ARRAY);
    CHECK(jt.def.key_size == 4);
    CHECK(jt.def.value_size == 4);
    CHECK(jt.def.max_entries == 4);
    const std::vector<ProgramSlot> expected = {{0, "stage_pass"}, {1, "stage_drop"}, {3, "stage_tx"}};
    CHECK(jt.initial_programs == expected);

    const auto& dispatch = program(d, "dispatch");
    bool found = false;
    for (const auto& insn : dispatch.program.insns)
        if (auto* l = std::get_if<isa::LoadImm64>(&insn))
            found = l->kind == isa::LddwKind::MapFd && l->imm == int32_t(*index);
    CHECK(found);
}

TEST_CASE("Unknown section names need a type override", "[elf][link]") {
    auto without = read_object_file(object_path("custom_section"));
    REQUIRE_FALSE(without);
    const std::string message = without.error().to_string();
    CHECK(message.find("kprobe/do_something") != std::string::npos);
    CHECK(message.find("'probe'") != std::string::npos);

    const auto d = load("custom_section", ReadOptions{ProgramType::Mem});
    REQUIRE(d.programs.size() == 1);
    CHECK(d.programs[0].type == ProgramType::Mem);
    CHECK(d.programs[0].raw.size() == 2);
    CHECK(d.programs[0].raw[0].imm == 42);
}

TEST_CASE("CO-RE relocations are refused, naming the program", "[elf][link]") {
    auto d = read_object_file(object_path("core_relo"));
    REQUIRE_FALSE(d);
    const std::string message = d.error().to_string();
    CHECK(message.find("program 'core_prog'") != std::string::npos);
    CHECK(message.find("CO-RE relocations are not supported") != std::string::npos);
    CHECK(message.find("section 'xdp'") != std::string::npos);
}
