// Issue 14, "one truth for ctx accesses": programs built to make a ctx rewrite that ran
// its own analysis disagree with the verifier (a ctx copy after `+= 0`, the ctx inside
// bpf_loop / for_each_map_elem callbacks and a subprogram, a spilled ctx overwritten
// through a copy of r10, a known-zero stack read where a ctx was spilled on another path,
// a modified ctx pointer), for XDP, tc and socket filters. Each goes through the whole
// pipeline (verify -> rewrite from the verifier's facts -> interpreter and JIT, as
// runtime::PreparedProgram does) and is either rejected with a located message or runs
// identically on both engines without a fault.
#include "tests/callbacks/callback_support.hpp"

#include <linux/bpf.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ebpfjit/skb_packet.hpp"
#include "ebpfjit/xdp_frame.hpp"
#include "runtime/maps/percpu.hpp"
#include "runtime/prepared_program.hpp"

using namespace ebpfjit;
using namespace ebpfjit::runtime;

namespace {

// Offsets of the fields the programs read, per program type. Socket filters see no
// packet pointers: their programs read `len` and write cb[0] instead.
struct Fields {
    int data;
    int data_end;
};
Fields fields_of(ProgramType type) {
    if (type == ProgramType::Xdp) return {int(offsetof(xdp_md, data)), int(offsetof(xdp_md, data_end))};
    return {int(offsetof(__sk_buff, data)), int(offsetof(__sk_buff, data_end))};
}
constexpr int kSkbLen = offsetof(__sk_buff, len);
constexpr int kSkbCb0 = offsetof(__sk_buff, cb);

// `text` with {data} / {end} replaced by the type's field offsets.
std::string with_fields(std::string text, ProgramType type) {
    const Fields f = fields_of(type);
    for (auto [key, value] : {std::pair{std::string("{data}"), f.data}, std::pair{std::string("{end}"), f.data_end}}) {
        for (size_t at = text.find(key); at != std::string::npos; at = text.find(key))
            text.replace(at, key.size(), std::to_string(value));
    }
    return text;
}

// "[%rN+off]" / "[%rN-off]", as the assembler wants it.
std::string mem(int reg, int off) { return fmt::format("[%r{}{}{}]", reg, off < 0 ? '-' : '+', off < 0 ? -off : off); }

struct Pipeline {
    elf::ProgramSpec spec;
    std::unique_ptr<maps::Map> map; // array, 1 entry of 8 bytes (map index 0)
    std::vector<maps::MapDefinition> definitions;
    helpers::ProgramBindings bindings;

    Pipeline(const std::string& text, ProgramType type) {
        spec.name = "attack";
        spec.section = "test";
        spec.type = type;
        spec.program = test::program(text);
        map = test::make_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1);
        definitions.push_back(map->definition());
        bindings = test::bindings({map.get()});
    }

    Result<std::unique_ptr<PreparedProgram>> prepare(VerifyLevel level) const {
        PrepareOptions options;
        options.engine = Engine::Jit;
        options.verify = level;
        return PreparedProgram::prepare(spec, bindings, definitions, options);
    }
};

// What one run left behind: r0 (or the fault), the packet bytes, the map's value, cb[0].
struct Outcome {
    bool ok = false;
    uint64_t r0 = 0;
    std::vector<uint8_t> packet;
    uint64_t map_value = 0;
    uint32_t cb0 = 0;
    std::string error;
    bool operator==(const Outcome& o) const {
        return ok == o.ok && r0 == o.r0 && packet == o.packet && map_value == o.map_value && cb0 == o.cb0;
    }
};

std::vector<uint8_t> frame_bytes() {
    std::vector<uint8_t> f(64);
    for (size_t i = 0; i < f.size(); ++i) f[i] = uint8_t(0x10 + i);
    return f;
}

Outcome run_once(const PreparedProgram& p, Pipeline& pipe, ::ebpfjit::Engine engine) {
    uint32_t key = 0;
    uint64_t zero = 0;
    REQUIRE(pipe.map->update(&key, &zero, BPF_ANY) == 0);
    engine_abi::ExecutionState state;
    state.cpu = maps::current_cpu();
    Outcome out;
    Result<uint64_t> r0 = 0;
    if (pipe.spec.type == ProgramType::Xdp) {
        XdpFrame frame;
        REQUIRE(frame.load(frame_bytes()));
        auto regions = frame.regions();
        r0 = p.run(engine, frame.ctx_address(), 0, regions, std::nullopt, state);
        auto bytes = frame.packet();
        out.packet.assign(bytes.begin(), bytes.end());
    } else {
        SkbPacket skb;
        REQUIRE(skb.load(frame_bytes()));
        auto regions = skb.regions();
        auto bytes = skb.bytes();
        const MemoryRegion packet{reinterpret_cast<uint64_t>(bytes.data()), bytes.size(), false};
        r0 = p.run(engine, skb.ctx_address(), 0, regions, packet, state);
        out.packet.assign(skb.bytes().begin(), skb.bytes().end());
        std::memcpy(&out.cb0, reinterpret_cast<const uint8_t*>(skb.ctx_address()) + kSkbCb0, 4);
    }
    out.ok = bool(r0);
    if (r0) out.r0 = *r0;
    else out.error = r0.error().to_string();
    const void* v = pipe.map->lookup(&key);
    REQUIRE(v != nullptr);
    std::memcpy(&out.map_value, v, 8);
    return out;
}

// Both engines, same input, same outcome; returns the interpreter's.
Outcome run_both(const PreparedProgram& p, Pipeline& pipe) {
    Outcome interp = run_once(p, pipe, ::ebpfjit::Engine::Interpreter);
    Outcome jit = run_once(p, pipe, ::ebpfjit::Engine::Jit);
    INFO("interpreter: " << (interp.ok ? fmt::format("r0 = {}", interp.r0) : interp.error));
    INFO("jit: " << (jit.ok ? fmt::format("r0 = {}", jit.r0) : jit.error));
    CHECK(interp == jit);
    return interp;
}

// Accepted at Full, then identical on both engines without a fault.
Outcome accepted_and_runs(const std::string& text, ProgramType type) {
    INFO(to_string(type) << ":\n" << text);
    Pipeline pipe(text, type);
    auto p = pipe.prepare(VerifyLevel::Full);
    if (!p) FAIL("rejected: " << p.error().to_string());
    Outcome o = run_both(**p, pipe);
    CHECK(o.ok);
    return o;
}

// Rejected at Full, at instruction `insn`, with `says` in the message.
void rejected(const std::string& text, ProgramType type, uint32_t insn, const std::string& says) {
    INFO(to_string(type) << ":\n" << text);
    Pipeline pipe(text, type);
    auto p = pipe.prepare(VerifyLevel::Full);
    REQUIRE_FALSE(p);
    CHECK(p.error().insn == insn);
    CHECK_THAT(p.error().message, Catch::Contains(says));
}

// At Structural level the same program is typed conservatively and every access is
// checked at run time: whatever it does, both engines agree and nothing escapes the
// run's memory (a fault is a located error, not a crash).
void structural_runs_identically(const std::string& text, ProgramType type) {
    INFO(to_string(type) << " (structural):\n" << text);
    Pipeline pipe(text, type);
    auto p = pipe.prepare(VerifyLevel::Structural);
    if (!p) return; // refused by the conservative typing: nothing runs
    run_both(**p, pipe);
}

const ProgramType kPacketTypes[] = {ProgramType::Xdp, ProgramType::SchedCls};
const ProgramType kAllTypes[] = {ProgramType::Xdp, ProgramType::SchedCls, ProgramType::SocketFilter};

// r0 = packet byte 12 through a ctx copy made with `+= 0`.
const char* kCopyAddZero = R"(
    mov %r6, %r1
    add %r6, 0
    ldxw %r2, [%r6+{data}]
    ldxw %r3, [%r6+{end}]
    mov %r4, %r2
    add %r4, 14
    mov %r0, 0
    jgt %r4, %r3, out
    ldxb %r0, [%r2+12]
out:
    exit
)";

} // namespace

TEST_CASE("a ctx copy after += 0 is rewritten: packet reads work on both engines", "[context][ctx_facts]") {
    for (ProgramType type : kPacketTypes) {
        Outcome o = accepted_and_runs(with_fields(kCopyAddZero, type), type);
        CHECK(o.r0 == 0x10 + 12);
        structural_runs_identically(with_fields(kCopyAddZero, type), type);
    }
    const std::string socket = fmt::format(R"(
        mov %r6, %r1
        add %r6, 0
        ldxw %r0, [%r6+{}]
        stxw [%r6+{}], %r0
        exit
    )", kSkbLen, kSkbCb0);
    Outcome o = accepted_and_runs(socket, ProgramType::SocketFilter);
    CHECK(o.r0 == 64);
    CHECK(o.cb0 == 64);
}

TEST_CASE("the ctx inside a bpf_loop callback is rewritten there", "[context][ctx_facts]") {
    // bpf_loop(1, cb, &slot, 0) with the ctx spilled in the caller's slot (callback_ctx
    // must be stack, as in the kernel): the callback fills the ctx through r2, a stack
    // pointer that is not r10, then writes 0x55 over packet byte 0, or (socket filter)
    // copies len into cb[0].
    for (ProgramType type : kAllTypes) {
        const bool socket = type == ProgramType::SocketFilter;
        std::string body = socket ? fmt::format("ldxw %r3, [%r2+{}]\nstxw [%r2+{}], %r3\n", kSkbLen, kSkbCb0)
                                  : "ldxw %r3, [%r2+{data}]\nldxw %r4, [%r2+{end}]\nmov %r5, %r3\nadd %r5, 1\n"
                                    "jgt %r5, %r4, done\nstb [%r3+0], 0x55\n";
        const std::string text = with_fields("stxdw [%r10-8], %r1\nmov %r1, 1\nldfunc %r2, cb\nmov %r3, %r10\n"
                                             "add %r3, -8\nmov %r4, 0\ncall 181\nmov %r0, 0\nexit\ncb:\n"
                                             "ldxdw %r2, [%r2+0]\n" + body + "done:\nmov %r0, 0\nexit\n",
                                             type);
        Outcome o = accepted_and_runs(text, type);
        if (socket) CHECK(o.cb0 == 64);
        else CHECK(o.packet.at(0) == 0x55);
        structural_runs_identically(text, type);
    }
}

TEST_CASE("the ctx inside a for_each_map_elem callback is rewritten there", "[context][ctx_facts]") {
    // for_each over the 1-entry array with callback_ctx = &slot holding the ctx; the
    // callback fills it through r4 and stores packet byte 12 (socket filter: len) into
    // the map value.
    for (ProgramType type : kAllTypes) {
        const bool socket = type == ProgramType::SocketFilter;
        std::string body = socket ? fmt::format("ldxw %r5, [%r4+{}]\nstxdw [%r3+0], %r5\n", kSkbLen)
                                  : "ldxw %r5, [%r4+{data}]\nldxw %r6, [%r4+{end}]\nmov %r7, %r5\nadd %r7, 14\n"
                                    "jgt %r7, %r6, done\nldxb %r5, [%r5+12]\nstxdw [%r3+0], %r5\n";
        const std::string text = with_fields("stxdw [%r10-8], %r1\nldmap %r1, 0\nldfunc %r2, cb\nmov %r3, %r10\n"
                                             "add %r3, -8\nmov %r4, 0\ncall 164\nmov %r0, 0\nexit\ncb:\n"
                                             "ldxdw %r4, [%r4+0]\n" + body + "done:\nmov %r0, 0\nexit\n",
                                             type);
        Outcome o = accepted_and_runs(text, type);
        CHECK(o.map_value == (socket ? 64u : 0x10u + 12));
        structural_runs_identically(text, type);
    }
}

TEST_CASE("the ctx passed to a subprogram in r3 after += 0 is rewritten there", "[context][ctx_facts]") {
    for (ProgramType type : kAllTypes) {
        const bool socket = type == ProgramType::SocketFilter;
        std::string body = socket ? fmt::format("ldxw %r0, [%r3+{}]\n", kSkbLen)
                                  : "ldxw %r4, [%r3+{data}]\nldxw %r5, [%r3+{end}]\nmov %r0, 0\nmov %r2, %r4\n"
                                    "add %r2, 14\njgt %r2, %r5, done\nldxb %r0, [%r4+13]\n";
        const std::string text = with_fields(
            "mov %r3, %r1\nadd %r3, 0\ncall local sub\nexit\nsub:\n" + body + "done:\nexit\n", type);
        Outcome o = accepted_and_runs(text, type);
        CHECK(o.r0 == (socket ? 64u : 0x10u + 13));
        structural_runs_identically(text, type);
    }
}

TEST_CASE("a spilled ctx overwritten through a copy of r10 is no ctx when refilled", "[context][ctx_facts]") {
    // The slot at fp-8 gets the ctx, then (through r7 = r10) a pointer B bytes below the
    // frame top, with fp-24 zeroed: the refilled r2 is that stack pointer, and
    // `ldxw [r2 + data]` a 4-byte read of known-zero stack (fp-24). Rewritten as a ctx
    // load it would be an 8-byte read 24 (xdp) / 192 (skb) bytes further up: the spilled
    // pointer itself, or above the frame. r0 = 2 + the loaded value, which then offsets
    // a stack write: the verifier knows it is 0.
    for (ProgramType type : kAllTypes) {
        const int read_at = type == ProgramType::SocketFilter ? kSkbLen : fields_of(type).data;
        const std::string text = fmt::format(R"(
            stdw [%r10-24], 0
            stxdw [%r10-8], %r1
            mov %r7, %r10
            mov %r8, %r10
            add %r8, -{}
            stxdw [%r7-8], %r8
            ldxdw %r2, [%r10-8]
            ldxw %r0, [%r2+{}]
            mov %r4, %r10
            add %r4, %r0
            stdw [%r4-16], 7
            add %r0, 2
            exit
        )", read_at + 24, read_at);
        Outcome o = accepted_and_runs(text, type);
        CHECK(o.r0 == 2);
        structural_runs_identically(text, type);
        // Overwritten with zero instead: the refilled register is NULL.
        const std::string null_fill = fmt::format(R"(
            stxdw [%r10-8], %r1
            mov %r7, %r10
            stdw [%r7-8], 0
            ldxdw %r2, [%r10-8]
            ldxw %r0, [%r2+{}]
            exit
        )", read_at);
        rejected(null_fill, type, 4, "NULL");
        structural_runs_identically(null_fill, type);
    }
}

TEST_CASE("a slot holding the ctx on one path and a stack pointer on another is rejected at the access",
          "[context][ctx_facts]") {
    // Both paths meet at a pruning point; the stack path's slot holds a pointer to
    // known-zero stack. Pruning must not merge them (pointer types differ), and the load
    // through the refilled slot is the kernel's "same insn cannot be used with different
    // pointers", whichever path comes first.
    for (ProgramType type : kAllTypes) {
        const int read_at = type == ProgramType::SocketFilter ? kSkbLen : fields_of(type).data;
        for (const char* first : {"jeq %r0, 0, stack", "jne %r0, 0, stack"}) {
            const std::string text = fmt::format(R"(
                mov %r6, %r1
                call 7
                stdw [%r10-24], 0
                stdw [%r10-16], 0
                stxdw [%r10-8], %r6
                {}
                ja join
            stack:
                mov %r8, %r10
                add %r8, -{}
                stxdw [%r10-8], %r8
            join:
                ldxdw %r2, [%r10-8]
                ldxw %r0, [%r2+{}]
                mov %r0, 0
                exit
            )", first, read_at + 24, read_at);
            rejected(text, type, 11, "same insn cannot be used with different pointers");
            structural_runs_identically(text, type);
        }
    }
    // The same shape with the ctx on both paths is accepted (and pruned at the join).
    const std::string both = with_fields(R"(
        mov %r6, %r1
        call 7
        stxdw [%r10-8], %r6
        jeq %r0, 0, join
        stxdw [%r10-8], %r6
    join:
        ldxdw %r2, [%r10-8]
        ldxw %r3, [%r2+{data}]
        ldxw %r4, [%r2+{end}]
        mov %r5, %r3
        add %r5, 1
        mov %r0, 0
        jgt %r5, %r4, out
        ldxb %r0, [%r3+0]
    out:
        exit
    )", ProgramType::Xdp);
    CHECK(accepted_and_runs(both, ProgramType::Xdp).r0 == 0x10);
}

TEST_CASE("a modified ctx pointer cannot be dereferenced", "[context][ctx_facts]") {
    for (ProgramType type : kAllTypes) {
        const int field = type == ProgramType::SocketFilter ? kSkbLen : fields_of(type).data_end;
        // ctx + 4 then [+ field - 4]: the same bytes, but the rewrite knows fields by
        // insn.off alone, as the kernel's convert_ctx_access does.
        const std::string plus = fmt::format("mov %r6, %r1\nadd %r6, 4\nldxw %r0, {}\nexit\n", mem(6, field - 4));
        rejected(plus, type, 2, "dereference of modified ctx ptr R6 off=4 disallowed");
        structural_runs_identically(plus, type);
        const std::string minus = fmt::format("mov %r6, %r1\nadd %r6, -4\nldxw %r0, {}\nexit\n", mem(6, field + 4));
        rejected(minus, type, 2, "negative offset ctx ptr R6 off=-4 disallowed");
        // Modified inside a callback, too.
        const std::string in_callback = fmt::format(
            "stxdw [%r10-8], %r1\nmov %r1, 1\nldfunc %r2, cb\nmov %r3, %r10\nadd %r3, -8\nmov %r4, 0\n"
            "call 181\nmov %r0, 0\nexit\n"
            "cb:\nldxdw %r2, [%r2+0]\nadd %r2, 12\nldxw %r0, {}\nmov %r0, 0\nexit\n",
            mem(2, field - 12));
        rejected(in_callback, type, 12, "dereference of modified ctx ptr R2 off=12 disallowed");
    }
}

TEST_CASE("the verifier records ctx facts on every path, callback and subprogram bodies included",
          "[context][ctx_facts][verifier]") {
    const std::string text = with_fields(R"(
        mov %r6, %r1
        add %r6, 0
        ldxw %r7, [%r6+{end}]
        stxdw [%r10-8], %r1
        mov %r1, 1
        ldfunc %r2, cb
        mov %r3, %r10
        add %r3, -8
        mov %r4, 0
        call 181
        mov %r1, %r6
        call local sub
        mov %r0, 2
        exit
    cb:
        ldxdw %r2, [%r2+0]
        ldxw %r0, [%r2+{data}]
        mov %r0, 0
        exit
    sub:
        ldxw %r0, [%r1+12]
        stxdw [%r10-8], %r0
        exit
    )", ProgramType::Xdp);
    isa::Program p = test::program(text);
    verifier::VerifierInput in;
    in.type = ProgramType::Xdp;
    in.helpers = &helpers::HelperTable::builtin();
    verifier::Report r = verifier::check(p, in);
    REQUIRE(r.ok());
    REQUIRE(r.facts.ctx_access.size() == p.size());
    std::vector<std::pair<uint32_t, uint16_t>> seen;
    for (uint32_t pc = 0; pc < p.size(); ++pc)
        if (const auto* a = r.facts.ctx_access_at(pc)) seen.emplace_back(pc, a->field_offset);
    // Slots: ldfunc is an LDDW (2 slots), so cb starts at 15 (16: its ctx load; 15
    // fills the ctx from the caller's stack, not a ctx access) and sub at 19.
    CHECK(seen == std::vector<std::pair<uint32_t, uint16_t>>{{2, 4}, {16, 0}, {19, 12}});
}
