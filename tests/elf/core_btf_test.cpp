// CO-RE relocations against a BTF the embedder names (OpenOptions::core_btf, libbpf's
// btf_custom_path): core_custom.o's own struct and enum, resolved against the layout
// core_custom_btf.o's BTF gives them, read back from a packet on both engines.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "ebpfjit/ebpfjit.hpp"
#include "elf_test_support.hpp"
#include "loader_assertions.hpp"
#include "runtime/elf/loader.hpp"

using namespace ebpfjit;
using namespace ebpfjit::runtime::elf;
using ebpfjit::runtime::elf::test::object_path;
using ebpfjit::runtime::elf::test::open_object;

namespace {

OpenOptions with_core_btf() {
    OpenOptions options;
    options.core_btf = object_path("core_custom_btf");
    return options;
}

// A record laid out as core_custom_btf.c says, every other byte 0xff: a read at the
// program's own (compiled) offsets gets 0xff bytes, never the values.
std::vector<uint8_t> target_record() {
    std::vector<uint8_t> p(64, 0xff);
    p[18] = 0x5a;                  // kind
    p[16] = 0x34, p[17] = 0x12;    // port (u16 in the target, u32 in the program)
    p[12] = 0xef, p[13] = 0xbe;    // flags
    p[14] = 0xf0 | 0x08 | 5;       // level = 5 (bits 0-2), ipv6only = 1 (bit 3), other bits set
    return p;
}

uint32_t run_on(Object& object, const char* name, Engine engine) {
    auto program = object.program(name);
    if (!program) FAIL(program.error().to_string());
    XdpFrame frame;
    REQUIRE(frame.load(target_record()));
    auto verdict = program->run_xdp(frame, RunOptions{engine});
    if (!verdict) FAIL(verdict.error().to_string());
    return verdict->returned;
}

constexpr uint8_t kLdxH = 0x69; // BPF_LDX | BPF_MEM | BPF_H

} // namespace

TEST_CASE("CO-RE against a core BTF: a program's own struct is read at the target's offsets",
          "[elf][link][core][core_btf]") {
    Object object = open_object("core_custom", with_core_btf());
    for (Engine engine : {Engine::Interpreter, Engine::Jit}) {
        INFO((engine == Engine::Jit ? "jit" : "interpreter"));
        CHECK(run_on(object, "read_kind", engine) == 0x5a);
        CHECK(run_on(object, "read_port", engine) == 0x1234);          // the load narrowed to 2 bytes
        CHECK(run_on(object, "read_flags_flavor", engine) == 0xbeef); // probe_rec___old -> probe_rec
        CHECK(run_on(object, "read_bits", engine) == (1u | 5u << 1)); // bitfields: shifts from the target
    }
}

TEST_CASE("CO-RE against a core BTF: existence, sizes and enum values are the target's",
          "[elf][link][core][core_btf]") {
    Object object = open_object("core_custom", with_core_btf());
    const uint32_t expected = 0u << 0    // field 'gone': not in the target
                              | 1u << 1  // field 'port'
                              | 1u << 2  // struct probe_rec
                              | 0u << 3  // MODE_GONE: not in the target's enum
                              | 1u << 4  // MODE_ON
                              | 7u << 8  // MODE_ON's value there
                              | 2u << 16 // port's size there
                              | 24u << 24; // struct probe_rec's size there
    for (Engine engine : {Engine::Interpreter, Engine::Jit}) CHECK(run_on(object, "probes", engine) == expected);
}

TEST_CASE("CO-RE against a core BTF: a missing field's read is poisoned, refused only where reached",
          "[elf][link][core][core_btf]") {
    Object object = open_object("core_custom", with_core_btf());
    // Guarded by bpf_core_field_exists, which reads 0: the poisoned load is dead code.
    for (Engine engine : {Engine::Interpreter, Engine::Jit}) CHECK(run_on(object, "guarded_gone", engine) == 0x77);
    // Unguarded: refused as the kernel refuses libbpf's poisoned instruction.
    auto reached = object.program("read_gone");
    REQUIRE_FALSE(reached);
    const std::string refusal = reached.error().to_string();
    INFO(refusal);
    CHECK(refusal.find("invalid func unknown#195896080: CO-RE relocation byte_off of 'probe_rec' (access 0:5) 'gone' "
                       "(section 'xdp' offset ") != std::string::npos);

    // The linked program: libbpf's `call 0xbad2310` in place of the load, the narrowed port load.
    ReadOptions read;
    read.core_btf = object_path("core_custom_btf");
    auto d = read_object_file(object_path("core_custom"), read);
    if (!d) FAIL(d.error().to_string());
    const ProgramSpec* gone = d->find_program("read_gone");
    REQUIRE(gone);
    CHECK(std::ranges::any_of(gone->raw, [](const isa::RawInsn& i) { return i.opcode == 0x85 && i.imm == 0xbad2310; }));
    const ProgramSpec* port = d->find_program("read_port");
    REQUIRE(port);
    CHECK(std::ranges::any_of(port->raw, [](const isa::RawInsn& i) { return i.opcode == kLdxH && i.off == 16; }));
}

TEST_CASE("CO-RE against a core BTF: without one, the program's own struct is refused as before",
          "[elf][link][core][core_btf]") {
    auto d = read_object_file(object_path("core_custom"));
    REQUIRE_FALSE(d);
    CHECK(d.error().to_string().find("'probe_rec'") != std::string::npos);
    CHECK(d.error().to_string().find("needs the kernel's BTF") != std::string::npos);
}

TEST_CASE("CO-RE against a core BTF: a file without BTF is a one-line error naming it",
          "[elf][link][core][core_btf]") {
    const std::string text = (std::filesystem::temp_directory_path() / "ebpfjit_core_btf_test.txt").string();
    std::ofstream(text) << "not BTF\n";
    for (const std::string& bad : {std::string("/nonexistent/core.btf"), text}) {
        OpenOptions options;
        options.core_btf = bad;
        auto object = Object::open(object_path("core_custom"), options);
        REQUIRE_FALSE(object);
        const std::string message = object.error().to_string();
        INFO(message);
        CHECK(message.find("core BTF '" + bad + "'") != std::string::npos);
        CHECK(message.find('\n') == std::string::npos);
    }
}
