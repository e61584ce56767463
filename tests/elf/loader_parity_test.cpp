// Loader parity with libbpf 1.x and iproute2 (issue 16): objects those loaders accept load
// here too, and what they refuse is refused with one line naming section, offset and rule.
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <elf.h>
#include <fmt/format.h>
#include <linux/bpf.h>

#include "ebpfjit/ebpfjit.hpp"
#include "elf_test_support.hpp"
#include "loader_assertions.hpp"
#include "runtime/elf/loader.hpp"
#include "runtime/maps/map.hpp"
#include "runtime/maps/percpu.hpp"

using namespace ebpfjit;
using namespace ebpfjit::runtime::elf;
using ebpfjit::runtime::elf::test::object_bytes;
using ebpfjit::runtime::elf::test::object_path;
using ebpfjit::runtime::elf::test::forge_elf_map;
using ebpfjit::runtime::elf::test::RawSections;
using ebpfjit::runtime::elf::test::RawSymbols;

using ebpfjit::runtime::elf::test::contains;
using ebpfjit::runtime::elf::test::require_error;
using ebpfjit::runtime::elf::test::bytes_of;
using ebpfjit::runtime::elf::test::open_object;

namespace {

ObjectDescription read_ok(const std::vector<uint8_t>& bytes, const ReadOptions& options = {}) {
    auto r = read_object(bytes, options);
    if (!r) FAIL(r.error().to_string());
    return std::move(*r);
}

const MapSpec& map_named(const ObjectDescription& d, const std::string& name) {
    auto i = d.find_map(name);
    REQUIRE(i);
    return d.maps[*i];
}

uint64_t u64_at(Object& object, const std::string& map, uint32_t key = 0) {
    auto m = object.map(map);
    REQUIRE(m);
    uint64_t v = 0;
    REQUIRE(m->lookup(bytes_of(key), bytes_of(v)) == 0);
    return v;
}

constexpr Engine kEngines[] = {Engine::Jit, Engine::Interpreter};

} // namespace

TEST_CASE("EM_NONE objects load, as libbpf accepts them from older LLVM", "[elf][parity]") {
    auto bytes = object_bytes("legacy_maps");
    const uint16_t none = EM_NONE;
    std::memcpy(bytes.data() + offsetof(Elf64_Ehdr, e_machine), &none, 2);
    auto d = read_ok(bytes);
    CHECK(d.find_program("legacy_filter") != nullptr);
    auto opened = Object::open_memory(bytes, OpenOptions{});
    REQUIRE(opened);
}

TEST_CASE("perf event array with no key or value size gets u32 ones (cilium/ebpf)", "[elf][parity]") {
    const auto description = read_ok(object_bytes("perf_event_unsized"));
    const auto& events = map_named(description, "events");
    CHECK(events.def.key_size == 4);
    CHECK(events.def.value_size == 4);
    CHECK(events.def.max_entries == maps::possible_cpus());
    Object ok = open_object("perf_event_unsized", OpenOptions{});
    CHECK(ok.program("notify"));
    require_error(read_object(object_bytes("perf_event_wide_key")),
                  {"section '.maps'", "offset", "map 'events'", "are 4 bytes, not 8 and 4"});
}

TEST_CASE("perf event array with max_entries 0 gets one entry per possible CPU", "[elf][parity]") {
    const auto bytes = object_bytes("perf_event_zero");
    SECTION("by default: ebpfjit's possible CPUs") {
        CHECK(map_named(read_ok(bytes), "events").def.max_entries == maps::possible_cpus());
    }
    SECTION("from an injected query") {
        int asked = 0;
        ReadOptions options;
        options.possible_cpus = [&]() -> Result<uint32_t> { ++asked; return 6u; };
        CHECK(map_named(read_ok(bytes, options), "events").def.max_entries == 6);
        CHECK(asked == 1);
    }
    SECTION("a failing query is a one-line error naming the map, section and offset") {
        ReadOptions options;
        options.possible_cpus = []() -> Result<uint32_t> {
            return fail(Error::plain("/sys/devices/system/cpu/possible: unreadable"));
        };
        require_error(read_object(bytes, options), {"section '.maps'", "offset", "map 'events'",
                                                     "max_entries 0", "possible CPU", "unreadable"});
        options.possible_cpus = []() -> Result<uint32_t> { return 0u; };
        require_error(read_object(bytes, options), {"map 'events'", "answered 0"});
    }
    SECTION("through the Object API") {
        OpenOptions options;
        options.possible_cpus = []() -> Result<uint32_t> { return fail(Error::plain("no cpu count")); };
        auto object = Object::open(object_path("perf_event_zero"), options);
        REQUIRE_FALSE(object);
        CHECK(contains(object.error().to_string(), "no cpu count"));
        options.possible_cpus = []() -> Result<uint32_t> { return 3u; };
        Object ok = open_object("perf_event_zero", options);
        auto events = ok.map("events");
        REQUIRE(events);
        CHECK(events->max_entries() == 3);
        CHECK(ok.program("notify"));
    }
}

TEST_CASE("local-storage maps keep max_entries 0, as libbpf and the kernel require", "[elf][parity]") {
    const auto description = read_ok(object_bytes("sk_storage_unused"));
    CHECK(map_named(description, "sk_counts").def.max_entries == 0);
    CHECK(description.find_program("pass_all") != nullptr);
    ReadOptions sized;
    sized.map_max_entries["sk_counts"] = 16;
    require_error(read_object(object_bytes("sk_storage_unused"), sized),
                  {"section '.maps'", "offset", "map 'sk_counts'", "local-storage", "max_entries stays 0"});
    // ebpfjit has no sockets to hang the storage off: creating the map is refused, by name.
    auto object = Object::open(object_path("sk_storage_unused"), OpenOptions{});
    REQUIRE_FALSE(object);
    CHECK(contains(object.error().to_string(), "sk_counts"));
    CHECK(contains(object.error().to_string(), "not supported"));
}

TEST_CASE("old objects: programs named by their untyped global symbol, or by section", "[elf][parity]") {
    auto bytes = object_bytes("multi_prog");
    RawSymbols{bytes}.untype_programs();
    auto d = read_ok(bytes);
    const ProgramSpec* pass = d.find_program("stage_pass");
    const ProgramSpec* drop = d.find_program("stage_drop");
    REQUIRE(pass);
    REQUIRE(drop);
    CHECK(pass->section == "xdp");
    // Each untyped program runs to the next one: same instructions as the typed object.
    auto typed = read_ok(object_bytes("multi_prog"));
    CHECK(pass->raw.size() == typed.find_program("stage_pass")->raw.size());
    CHECK(drop->raw.size() == typed.find_program("stage_drop")->raw.size());
    // "xdp" holds two programs: ambiguous; "xdp/devmap" holds one: its section names it.
    CHECK(d.find_program("xdp") == nullptr);
    REQUIRE(d.find_program("xdp/devmap") != nullptr);
    CHECK(d.find_program("xdp/devmap")->name == "stage_tx");

    auto perf = object_bytes("perf_event_zero");
    RawSymbols{perf}.untype_programs();
    auto one = read_ok(perf);
    REQUIRE(one.programs.size() == 1);
    CHECK(one.programs[0].name == "notify");
    CHECK(one.find_program("tc") == &one.programs[0]);

    // The Object API and its prepared-program cache see one program under both names.
    auto object = Object::open_memory(perf, OpenOptions{});
    REQUIRE(object);
    auto by_symbol = object->program("notify");
    auto by_section = object->program("tc");
    REQUIRE(by_symbol);
    REQUIRE(by_section);
    CHECK(by_section->name() == "notify");
}

TEST_CASE("static functions in program sections are programs (libbpf 1.x)", "[elf][parity]") {
    auto d = read_ok(object_bytes("static_prog"));
    REQUIRE(d.find_program("hidden_entry"));
    REQUIRE(d.find_program("visible_entry"));
    Object object = open_object("static_prog");
    auto hidden = object.program("hidden_entry");
    REQUIRE(hidden);
    for (Engine engine : kEngines) {
        XdpFrame frame;
        REQUIRE(frame.load(std::vector<uint8_t>(64, 0)));
        auto verdict = hidden->run_xdp(frame, RunOptions{engine});
        REQUIRE(verdict);
        CHECK(verdict->action == XdpAction::Drop);
    }
}

TEST_CASE("several .rodata and .data sections, mergeable strings included", "[elf][parity]") {
    auto d = read_ok(object_bytes("multi_rodata"));
    for (const char* section : {".rodata", ".rodata.tuning", ".rodata.str1.1"}) {
        INFO(section);
        CHECK(map_named(d, section).frozen);
        CHECK((map_named(d, section).def.flags & BPF_F_RDONLY_PROG) != 0);
    }
    for (const char* section : {".data", ".data.stats", ".bss"}) {
        INFO(section);
        CHECK_FALSE(map_named(d, section).frozen);
    }
    Object object = open_object("multi_rodata");
    uint64_t expected = 1000 + 3 * 'e' + 7 + 6; // queue 0, seen 5 -> 6
    for (Engine engine : kEngines) {
        auto program = object.program("read_sections");
        REQUIRE(program);
        XdpFrame frame;
        REQUIRE(frame.load(std::vector<uint8_t>(64, 0)));
        auto verdict = program->run_xdp(frame, RunOptions{engine});
        if (!verdict) FAIL(verdict.error().to_string());
        CHECK(verdict->returned == expected);
        ++expected; // seen counts on
    }
}

TEST_CASE("__ksym kfunc references are refused, naming the kfunc", "[elf][parity][bad]") {
    require_error(read_object(object_bytes("kfunc_call")),
                  {"section 'xdp'", "offset 0x", "kfunc 'bpf_rcu_read_lock'", "__ksym", "not available"});
}

TEST_CASE("iproute2 bpf_elf_map: ids, pinning, map-in-map and numbered tail-call sections", "[elf][parity]") {
    const auto bytes = object_bytes("iproute2_legacy");
    SECTION("a numbered section takes its type from the loader") {
        require_error(read_object(bytes), {"section '2/1'", "offset 0x0", "tail_one", "program type from the loader",
                                           "--type"});
    }
    ReadOptions options;
    options.type_override = ProgramType::SchedCls;
    auto d = read_ok(bytes, options);
    const MapSpec& inner = map_named(d, "map_inner");
    const MapSpec& outer = map_named(d, "map_outer");
    const MapSpec& jmp = map_named(d, "jmp_map");
    CHECK(inner.legacy_id == 11);
    CHECK(jmp.legacy_id == 2);
    REQUIRE(outer.def.inner);
    CHECK(outer.def.inner->type == BPF_MAP_TYPE_ARRAY);
    CHECK(outer.def.inner->value_size == 8);
    CHECK(outer.def.inner->max_entries == 4);
    CHECK(outer.initial_maps == std::vector<MapSlot>{{1, *d.find_map("map_inner")}});
    CHECK(jmp.initial_programs == std::vector<ProgramSlot>{{1, "tail_one"}});
    CHECK(map_named(d, "global_hits").pinning == MapPinning::ByName);
    CHECK(inner.pinning == MapPinning::None);

    SECTION("runs: inner map through the outer, then the tail call from section 2/1") {
        Object object = open_object("iproute2_legacy", OpenOptions{ProgramType::SchedCls});
        auto program = object.program("classifier"); // iproute2 users name the section
        REQUIRE(program);
        CHECK(program->name() == "cls_main");
        uint64_t runs = 0;
        for (Engine engine : kEngines) {
            SkbPacket skb;
            REQUIRE(skb.load(std::vector<uint8_t>(60, 0)));
            auto verdict = program->run_tc(skb, RunOptions{engine});
            if (!verdict) FAIL(verdict.error().to_string());
            CHECK(verdict->code == 42); // tail_one's return
            ++runs;
            CHECK(u64_at(object, "map_inner") == runs);
            CHECK(u64_at(object, "global_hits") == runs);
        }
    }
}

TEST_CASE("forged bpf_elf_map definitions: one line naming section, offset and rule", "[elf][parity][bad]") {
    ReadOptions options;
    options.type_override = ProgramType::SchedCls;
    auto clean = object_bytes("iproute2_legacy");
    const uint64_t inner_at = RawSymbols{clean}.value_of("map_inner");
    const uint64_t outer_at = RawSymbols{clean}.value_of("map_outer");
    auto hex = [](uint64_t v) { return fmt::format("offset 0x{:x}", v); };
    struct Case {
        const char* what;
        const char* map;
        size_t field;
        uint32_t value;
        std::vector<std::string> expect;
    };
    const std::vector<Case> cases = {
        {"inner index out of range", "map_inner", 8, 9,
         {"section 'maps'", hex(inner_at + 32), "inner_idx 9 is out of range", "max_elem 2"}},
        {"inner id naming nothing", "map_outer", 7, 99,
         {"section 'maps'", hex(outer_at + 28), "inner_id 99 names no map"}},
        {"map of maps without inner id", "map_outer", 7, 0, {"section 'maps'", "needs inner_id"}},
        {"key size 0", "map_inner", 1, 0, {"section 'maps'", hex(inner_at), "key_size 0"}},
        {"value size 0", "map_inner", 2, 0, {"section 'maps'", hex(inner_at), "value_size 0"}},
        {"custom pinning id", "map_inner", 6, 7, {"section 'maps'", hex(inner_at + 24), "pinning 7"}},
        {"inner id on a plain map", "map_inner", 7, 11, {"section 'maps'", "not a map of maps"}},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.what) {
            auto bytes = clean;
            forge_elf_map(bytes, c.map, c.field, c.value);
            auto r = read_object(bytes, options);
            REQUIRE_FALSE(r);
            const std::string message = r.error().to_string();
            INFO(message);
            CHECK(message.find('\n') == std::string::npos);
            for (const auto& p : c.expect) CHECK(contains(message, p));
        }
    }
    SECTION("definition size not a multiple of 4") {
        auto bytes = clean;
        RawSections sections{bytes};
        Elf64_Shdr maps = sections.get(*sections.find("maps"));
        maps.sh_size -= 14; // 4 symbols over 130 bytes: no whole definition size
        sections.put(*sections.find("maps"), maps);
        require_error(read_object(bytes, options), {"section 'maps'", "offset 0x0", "map definition size"});
    }
    SECTION("tail-call key past the prog array") {
        // Rename section "2/1" to "2/9" in the section name table.
        auto bytes = clean;
        RawSections sections{bytes};
        const Elf64_Shdr names = sections.get(sections.header().e_shstrndx);
        const Elf64_Shdr tail = sections.get(*sections.find("2/1"));
        bytes[names.sh_offset + tail.sh_name + 2] = '9';
        require_error(read_object(bytes, options),
                      {"section '2/9'", "offset 0x0", "tail-call key 9 is out of range", "jmp_map"});
    }
}

TEST_CASE("pinned maps are shared by name between objects of one registry", "[elf][parity][pin]") {
    auto run_once = [](Object& object, const char* name) {
        auto program = object.program(name);
        REQUIRE(program);
        XdpFrame frame;
        REQUIRE(frame.load(std::vector<uint8_t>(64, 0)));
        auto verdict = program->run_xdp(frame);
        if (!verdict) FAIL(verdict.error().to_string());
        CHECK(verdict->action == XdpAction::Pass);
    };
    SECTION("with a registry: one map") {
        OpenOptions options;
        options.pins = std::make_shared<PinRegistry>();
        Object a = open_object("pinned_a", options);
        Object b = open_object("pinned_b", options);
        run_once(a, "add_a");
        run_once(b, "add_b");
        CHECK(u64_at(a, "shared_counter") == 11);
        CHECK(u64_at(b, "shared_counter") == 11);
        CHECK(u64_at(a, "private_counter") == 1);
        CHECK(u64_at(b, "private_counter") == 1);
        CHECK(options.pins->pinned() == std::vector<std::string>{"shared_counter"});
        // The map outlives the first object; a later object finds its contents.
        { Object gone = std::move(a); }
        Object c = open_object("pinned_a", options);
        CHECK(u64_at(c, "shared_counter") == 11);
        // Unpinned, it lives on in the objects that use it; the next object gets a new one.
        CHECK(options.pins->unpin("shared_counter"));
        CHECK_FALSE(options.pins->unpin("shared_counter"));
        Object d = open_object("pinned_b", options);
        CHECK(u64_at(d, "shared_counter") == 0);
        CHECK(u64_at(b, "shared_counter") == 11);
    }
    SECTION("without a registry: pinning has no effect, each object has its own map") {
        Object a = open_object("pinned_a");
        Object b = open_object("pinned_b");
        run_once(a, "add_a");
        run_once(b, "add_b");
        CHECK(u64_at(a, "shared_counter") == 1);
        CHECK(u64_at(b, "shared_counter") == 10);
    }
    SECTION("an incompatible definition is refused, naming the field") {
        OpenOptions options;
        options.pins = std::make_shared<PinRegistry>();
        Object a = open_object("pinned_a", options);
        auto bad = Object::open(object_path("pinned_mismatch"), options);
        REQUIRE_FALSE(bad);
        const std::string message = bad.error().to_string();
        INFO(message);
        CHECK(message.find('\n') == std::string::npos);
        CHECK(contains(message, "section '.maps'"));
        CHECK(contains(message, "offset 0x"));
        CHECK(contains(message, "map 'shared_counter'"));
        CHECK(contains(message, "value_size 4 (object) != 8 (pinned)"));
    }
    SECTION("iproute2 PIN_GLOBAL_NS shares too") {
        OpenOptions options{ProgramType::SchedCls};
        options.pins = std::make_shared<PinRegistry>();
        Object first = open_object("iproute2_legacy", options);
        Object second = open_object("iproute2_legacy", options);
        const uint32_t key = 0;
        const uint64_t value = 77;
        auto hits = first.map("global_hits");
        REQUIRE(hits);
        REQUIRE(hits->update(bytes_of(key), bytes_of(value), BPF_ANY) == 0);
        CHECK(u64_at(second, "global_hits") == 77);
        // map_inner is not pinned: each object has its own.
        CHECK(&first.map("map_inner")->native() != &second.map("map_inner")->native());
    }
    SECTION("Cilium's CILIUM_PIN_REPLACE: every load makes a fresh map, which takes the pin") {
        auto d = read_object(object_bytes("pin_replace"));
        if (!d) FAIL(d.error().to_string());
        CHECK(map_named(*d, "replaced_state").pinning == MapPinning::Replace);
        OpenOptions options;
        options.pins = std::make_shared<PinRegistry>();
        Object first = open_object("pin_replace", options);
        const uint32_t key = 0;
        const uint64_t value = 5;
        REQUIRE(first.map("replaced_state")->update(bytes_of(key), bytes_of(value), BPF_ANY) == 0);
        REQUIRE(first.map("shared_state")->update(bytes_of(key), bytes_of(value), BPF_ANY) == 0);
        Object second = open_object("pin_replace", options);
        CHECK(u64_at(second, "replaced_state") == 0); // fresh, not the pinned one
        CHECK(u64_at(second, "shared_state") == 5);   // PIN_GLOBAL_NS: reused
        CHECK(u64_at(first, "replaced_state") == 5);  // the first object keeps its own
        CHECK(&first.map("replaced_state")->native() != &second.map("replaced_state")->native());
        CHECK(options.pins->pinned() == std::vector<std::string>{"replaced_state", "shared_state"});
        // One pin for the name, whichever object made it last.
        CHECK(options.pins->unpin("replaced_state"));
        CHECK_FALSE(options.pins->unpin("replaced_state"));
    }
}

TEST_CASE("an atomic add on an LPM-trie value behind an IPv4 key, on both engines", "[elf][parity][alignment]") {
    Object object = open_object("lpm_atomic");
    auto prefixes = object.map("prefixes");
    REQUIRE(prefixes);
    struct {
        uint32_t prefixlen = 32;
        uint8_t addr[4] = {10, 0, 0, 1};
    } key;
    const uint64_t zero = 0;
    REQUIRE(prefixes->update(bytes_of(key), bytes_of(zero), BPF_ANY) == 0);
    void* value = prefixes->native().lookup(&key);
    REQUIRE(value != nullptr);
    CHECK(reinterpret_cast<uintptr_t>(value) % 8 == 0);
    uint64_t expected = 0;
    for (Engine engine : kEngines) {
        auto program = object.program("count_prefix");
        REQUIRE(program);
        XdpFrame frame;
        REQUIRE(frame.load(std::vector<uint8_t>(64, 0)));
        auto verdict = program->run_xdp(frame, RunOptions{engine});
        if (!verdict) FAIL(verdict.error().to_string());
        CHECK(verdict->action == XdpAction::Pass);
        ++expected;
        uint64_t hits = 0;
        REQUIRE(prefixes->lookup(bytes_of(key), bytes_of(hits)) == 0);
        CHECK(hits == expected);
    }
}
