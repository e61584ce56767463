// CO-RE relocations: bpf_core_type_id_local() is answered from the object's own BTF, as
// libbpf does; ctx fields from the uapi, wire headers as compiled; every kind that asks
// about the kernel's own types is refused by name.
#include <bpf/btf.h>
#include <catch2/catch.hpp>
#include <linux/btf.h>

#include "ebpfjit/ebpfjit.hpp"
#include "elf_test_support.hpp"
#include "loader_assertions.hpp"
#include "runtime/elf/core_target.hpp"

using namespace ebpfjit;
using namespace ebpfjit::runtime::elf;
using ebpfjit::runtime::elf::test::object_bytes;
using ebpfjit::runtime::elf::test::object_path;
using ebpfjit::runtime::elf::test::RawSections;

namespace {

constexpr uint8_t kLddw = 0x18;

// The struct's id in the object's .BTF, read by libbpf (the loader's answer must match).
int32_t btf_id_of(const std::string& stem, const char* name) {
    struct btf* btf = btf__parse(object_path(stem).c_str(), nullptr);
    REQUIRE(btf);
    const int32_t id = btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT);
    btf__free(btf);
    REQUIRE(id > 0);
    return id;
}

// The immediates of the program's plain LDDWs (src 0), in order.
std::vector<int32_t> lddw_immediates(const ProgramSpec& p) {
    std::vector<int32_t> imms;
    for (size_t i = 0; i < p.raw.size(); ++i)
        if (p.raw[i].opcode == kLddw) {
            if (p.raw[i].src == 0) imms.push_back(p.raw[i].imm);
            ++i;
        }
    return imms;
}

// Byte offsets of the LDDWs of section `name` in the file.
std::vector<size_t> lddw_offsets(std::vector<uint8_t>& bytes, const std::string& name) {
    RawSections sections{bytes};
    const Elf64_Shdr s = sections.get(*sections.find(name));
    std::vector<size_t> at;
    for (size_t off = s.sh_offset; off + 16 <= s.sh_offset + s.sh_size; off += 8)
        if (bytes[off] == kLddw) {
            at.push_back(off);
            off += 8;
        }
    return at;
}

} // namespace

TEST_CASE("CO-RE: bpf_core_type_id_local() becomes the type's id in the object's BTF", "[elf][link][core]") {
    const int32_t mark = btf_id_of("core_type_id", "hints_mark");
    const int32_t rx_time = btf_id_of("core_type_id", "hints_rx_time");
    auto d = read_object_file(object_path("core_type_id"));
    REQUIRE(d);
    const ProgramSpec* p = d->find_program("type_ids");
    REQUIRE(p);
    CHECK(lddw_immediates(*p) == std::vector<int32_t>{mark, rx_time});
}

TEST_CASE("CO-RE: a stale type id immediate is patched, as libbpf patches it", "[elf][link][core]") {
    const int32_t mark = btf_id_of("core_type_id", "hints_mark");
    const int32_t rx_time = btf_id_of("core_type_id", "hints_rx_time");
    auto bytes = object_bytes("core_type_id");
    const auto at = lddw_offsets(bytes, "xdp");
    REQUIRE(at.size() == 2);
    for (size_t off : at) {
        const int32_t stale = 1000 + int32_t(off); // what linking several objects can leave
        std::memcpy(bytes.data() + off + 4, &stale, 4);
    }
    auto d = read_object(bytes);
    REQUIRE(d);
    CHECK(lddw_immediates(*d->find_program("type_ids")) == std::vector<int32_t>{mark, rx_time});
}

TEST_CASE("CO-RE: a type id relocation on an instruction that has no immediate is refused", "[elf][link][core]") {
    auto bytes = object_bytes("core_type_id");
    const auto at = lddw_offsets(bytes, "xdp");
    REQUIRE(at.size() == 2);
    bytes[at[0]] = 0x61; // ldxw: no immediate to write the id into
    auto d = read_object(bytes);
    REQUIRE_FALSE(d);
    const std::string message = d.error().to_string();
    CHECK(message.find("program 'type_ids'") != std::string::npos);
    CHECK(message.find("local_type_id of 'hints_mark'") != std::string::npos);
    CHECK(message.find("opcode 0x61") != std::string::npos);
}

// ebpfjit's uapi answers: a ctx field exists when a program type may read it here, a
// helper when the builtin table has it, a bpf_fib_lookup member when <linux/bpf.h> has it
// (a "___flavor" suffix matches by name, as libbpf strips it).
TEST_CASE("CO-RE: feature probes of the uapi are answered from ebpfjit's own", "[elf][link][core]") {
    Object object = ebpfjit::runtime::elf::test::open_object("core_uapi", OpenOptions{ProgramType::Mem});
    auto program = object.program("probes");
    REQUIRE(program);
    std::vector<uint8_t> buffer(8);
    auto r0 = program->run(buffer);
    REQUIRE(r0);
    const uint64_t v = *r0;
    CHECK((v >> 0 & 1) == 1);  // __sk_buff.gso_size: tc and socket filters read it
    CHECK((v >> 1 & 1) == 0);  // __sk_buff.flow_keys: flow dissectors only, which ebpfjit does not run
    CHECK((v >> 2 & 1) == 1);  // xdp_md.rx_queue_index
    CHECK((v >> 3 & 1) == 0);  // bpf_fib_lookup.mark: newer than the fib_lookup here
    CHECK((v >> 4 & 1) == 1);  // bpf_fib_lookup.smac
    CHECK((v >> 5 & 1) == 1);  // BPF_FUNC_redirect
    CHECK((v >> 6 & 1) == 0);  // BPF_FUNC_get_func_ip: a tracing helper, not in the table
    CHECK((v >> 7 & 1) == 1);  // struct __sk_buff
    CHECK((v >> 8 & 0xff) == BPF_FUNC_redirect);
    CHECK((v >> 16 & 1) == 1); // __sk_buff.cb[2]: the element names its array
}

TEST_CASE("CO-RE: an enum value of a helper ebpfjit lacks has no value to patch in", "[elf][link][core]") {
    RawCoreRelocation r;
    r.kind = 11; // BPF_CORE_ENUMVAL_VALUE
    r.type_name = "bpf_func_id";
    r.is_enum = true;
    r.member = "BPF_FUNC_get_func_ip";
    CHECK_FALSE(core_target_value(r));
    r.member = "BPF_FUNC_map_lookup_elem";
    CHECK(core_target_value(r) == std::optional<uint64_t>(BPF_FUNC_map_lookup_elem));
    r.kind = 0; // BPF_CORE_FIELD_BYTE_OFFSET of a kernel-internal struct: not answered here
    r.is_enum = false;
    r.type_name = "sk_buff";
    r.member = "len";
    CHECK_FALSE(core_target_value(r));
}

TEST_CASE("CO-RE: a kernel-type relocation is refused naming its kind, type and access", "[elf][link][core]") {
    auto d = read_object_file(object_path("core_relo"));
    REQUIRE_FALSE(d);
    const std::string message = d.error().to_string();
    CHECK(message.find("byte_off of 'remote_hdr' (access 0:1)") != std::string::npos);
    CHECK(message.find("needs the kernel's BTF") != std::string::npos);
}

// vmlinux.h-style accesses: a partial ctx copy patched to the uapi's offsets, and the wire
// headers (bitfields too) as compiled; the program reads them back from a real packet.
TEST_CASE("CO-RE: ctx fields get the uapi's offsets, wire headers keep theirs", "[elf][link][core]") {
    Object object = ebpfjit::runtime::elf::test::open_object("core_wire", OpenOptions{});
    auto program = object.program("wire_headers");
    REQUIRE(program);
    std::vector<uint8_t> frame(64, 0);
    frame[12] = 0x08; // h_proto: IPv4
    frame[14] = 0x46; // version 4, ihl 6
    frame[22] = 61;   // ttl
    frame[23] = 17;   // protocol: UDP
    for (Engine engine : {Engine::Interpreter, Engine::Jit}) {
        SkbPacket skb;
        REQUIRE(skb.load(frame));
        auto verdict = program->run_tc(skb, RunOptions{engine});
        if (!verdict) FAIL(verdict.error().to_string());
        CHECK(verdict->code == (6 | 4 << 4 | 17 << 8 | 61 << 16));
    }
}

TEST_CASE("CO-RE: which structs answer for the kernel's layout here", "[elf][link][core]") {
    RawCoreRelocation r;
    r.kind = 0; // byte_off
    r.type_name = "__sk_buff___mine";
    r.access = "0:1";
    r.member = "mark";
    CHECK(core_target_value(r) == std::optional<uint64_t>(offsetof(struct __sk_buff, mark)));
    r.member = "cb";
    r.access = "0:4:2"; // cb[2], whatever the member's index in the program's copy
    CHECK(core_target_value(r) == std::optional<uint64_t>(offsetof(struct __sk_buff, cb) + 8));
    r.kind = 1; // byte_sz of that element
    CHECK(core_target_value(r) == std::optional<uint64_t>(4));
    r.access = "0:4:5"; // past cb[4]
    CHECK_FALSE(core_target_value(r));
    r.kind = 0;
    r.type_name = "xdp_md";
    r.member = "data_end";
    r.access = "0:1";
    CHECK(core_target_value(r) == std::optional<uint64_t>(offsetof(struct xdp_md, data_end)));
    r.member = "no_such_field";
    CHECK_FALSE(core_target_value(r));
    // Wire headers keep what clang compiled, if the program's copy has the wire size and
    // the header's own name; a kernel-internal struct is still the kernel's business.
    r.type_name = "udphdr";
    r.member = "dest";
    r.type_size = 8;
    CHECK(core_keeps_compiled_layout(r));
    r.type_size = 6;
    CHECK_FALSE(core_keeps_compiled_layout(r));
    r.type_name = "udphdr___mine";
    r.type_size = 8;
    CHECK_FALSE(core_keeps_compiled_layout(r));
    r.type_name = "sk_buff";
    r.type_size = 232;
    CHECK_FALSE(core_keeps_compiled_layout(r));
    CHECK_FALSE(core_target_value(r));
}
