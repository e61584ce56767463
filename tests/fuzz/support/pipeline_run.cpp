// The whole-pipeline run behind fuzz_pipeline_soundness (see that file for the input
// format and the oracle): generate, prepare through runtime::PreparedProgram (verify Full,
// ctx rewrite, JIT), run on the interpreter and the JIT, compare. Shared with the seed
// maker (make_pipeline_seeds.cpp), which must not abort on a finding.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <linux/bpf.h>

#include "isa/disassembler.hpp"
#include "ebpfjit/skb_packet.hpp"
#include "ebpfjit/xdp_frame.hpp"
#include "runtime/maps/map.hpp"
#include "runtime/maps/prog_array.hpp"
#include "runtime/object_maps.hpp"
#include "runtime/prepared_program.hpp"
#include "verifier/verifier.hpp"
#include "pipeline_generator.hpp"
#include "pipeline_run.hpp"
#include <fmt/format.h>

namespace ebpfjit::fuzz {

namespace {

constexpr size_t kHeader = 34;

struct Input {
    ProgramType type = ProgramType::Mem;
    bool hostile = false;
    bool blind = false;
    bool loops = false;
    std::vector<uint8_t> packet;
    std::array<uint8_t, 32> seed{};
    std::span<const uint8_t> program_bytes;
};

Input parse(const uint8_t* data, size_t size) {
    Input in;
    std::array<uint8_t, kHeader> head{};
    std::memcpy(head.data(), data, std::min(size, kHeader));
    static constexpr ProgramType types[] = {ProgramType::Xdp, ProgramType::SchedCls, ProgramType::SocketFilter,
                                            ProgramType::Mem};
    in.type = types[head[0] & 3];
    in.hostile = head[0] & 4;
    in.blind = head[0] & 8;
    in.loops = head[0] & 16;
    std::memcpy(in.seed.data(), head.data() + 2, in.seed.size());
    in.packet.resize(head[1] % 160);
    for (size_t i = 0; i < in.packet.size(); ++i) in.packet[i] = uint8_t(in.seed[i % 32] + i / 32 * 7);
    if (size > kHeader) in.program_bytes = {data + kHeader, size - kHeader};
    return in;
}

runtime::elf::MapSpec map_spec(uint32_t type, uint32_t value_size, uint32_t entries, const char* name) {
    runtime::elf::MapSpec spec;
    spec.def.type = type;
    spec.def.key_size = kPipelineKeySize;
    spec.def.value_size = value_size;
    spec.def.max_entries = entries;
    spec.def.name = name;
    return spec;
}

// The object an ELF with the generator's three maps would describe (same indices).
runtime::elf::ObjectDescription describe_maps() {
    runtime::elf::ObjectDescription d;
    d.maps.push_back(map_spec(BPF_MAP_TYPE_ARRAY, kPipelineValueSize, kPipelineArrayEntries, "array"));
    d.maps.push_back(map_spec(BPF_MAP_TYPE_HASH, kPipelineValueSize, kPipelineHashEntries, "hash"));
    d.maps.push_back(map_spec(BPF_MAP_TYPE_PROG_ARRAY, 4, kPipelineProgSlots, "progs"));
    return d;
}

// The same starting contents before each engine's run.
void fill_maps(runtime::ObjectMaps& object, const std::array<uint8_t, 32>& seed) {
    maps::Map& array = *object.maps[kPipelineArrayMap];
    maps::Map& hash = *object.maps[kPipelineHashMap];
    for (uint32_t key = 0; key < kPipelineHashEntries; ++key) {
        std::array<uint8_t, kPipelineValueSize> value{};
        for (size_t i = 0; i < value.size(); ++i) value[i] = uint8_t(seed[(key * 4 + i) % 32] ^ i);
        if (key < kPipelineArrayEntries && array.update(&key, value.data(), BPF_ANY) != 0) std::abort();
        hash.remove(&key);
        if ((seed[key] & 1) && hash.update(&key, value.data(), BPF_ANY) != 0) std::abort();
    }
}

using Entries = std::vector<std::pair<std::vector<uint8_t>, std::vector<uint8_t>>>;

Entries dump(maps::Map& map) {
    Entries entries;
    const auto& def = map.definition();
    map.for_each([&](const void* key, void* value) {
        auto k = static_cast<const uint8_t*>(key);
        auto v = static_cast<const uint8_t*>(value);
        entries.emplace_back(std::vector<uint8_t>(k, k + def.key_size), std::vector<uint8_t>(v, v + def.value_size));
        return true;
    });
    std::sort(entries.begin(), entries.end());
    return entries;
}

// The instruction budget of programs whose loops only a budget bounds (see run_pipeline).
constexpr uint64_t kLoopBudget = 1'000'000;
// The verifier's processed-instruction limit for generated programs (the kernel's 1M is
// minutes of loop-pass work under the fuzz build's instrumentation; libFuzzer gives an
// input 10 s). Programs it rejects for that are rejections, not findings.
constexpr uint64_t kFuzzComplexityLimit = 100'000;

struct Outcome {
    std::string error; // empty on success
    uint64_t r0 = 0;
    uint32_t redirect = 0;
    std::vector<uint8_t> packet;
    std::vector<uint8_t> meta;
    std::vector<uint8_t> ctx; // the skb's uapi fields (mark, cb[], ...) after the run
    Entries array, hash;
};

runtime::MemoryRegion region_of(std::span<uint8_t> bytes, bool writable) {
    return runtime::MemoryRegion{reinterpret_cast<uint64_t>(bytes.data()), bytes.size(), writable};
}

// One run as ebpfjit::Program::run / run_xdp / run_tc / run_socket_filter make it.
Outcome run_on(Engine engine, const runtime::PreparedProgram& program, const Input& in, runtime::ObjectMaps& object) {
    fill_maps(object, in.seed);
    Outcome out;
    engine_abi::ExecutionState state;
    switch (in.type) {
    case ProgramType::Xdp: {
        runtime::XdpFrame frame;
        if (!frame.load(std::span<const uint8_t>(in.packet), {.ingress_ifindex = 3, .rx_queue_index = 1})) std::abort();
        runtime::XdpFrame* frames[1] = {&frame};
        runtime::XdpVerdict verdict;
        size_t done = 0;
        auto ran = program.run_xdp_burst(engine, frames, std::span(&verdict, 1), state, done);
        if (!ran) out.error = ran.error().to_string();
        out.r0 = verdict.returned | uint64_t(verdict.action) << 32; // the verdict keeps r0's low half
        out.redirect = verdict.redirect.ifindex;
        out.packet.assign(frame.packet().begin(), frame.packet().end());
        out.meta.assign(frame.metadata().begin(), frame.metadata().end());
        break;
    }
    case ProgramType::SchedCls:
    case ProgramType::SocketFilter: {
        runtime::SkbPacket skb;
        runtime::SkbMetadata meta;
        meta.ifindex = 2;
        meta.mark = in.seed[0];
        meta.hash = in.seed[1] * 0x01010101u;
        // Now and then a non-linear skb: direct access sees only the first part.
        if (in.seed[2] & 1) meta.linear_length = std::min<uint32_t>(uint32_t(in.packet.size()), in.seed[3] % 64 + 14);
        if (!skb.load(std::span<const uint8_t>(in.packet), meta)) return out; // too short for an skb: nothing ran
        const auto regions = skb.regions();
        const runtime::MemoryRegion packet = region_of(skb.bytes(), false);
        auto r0 = program.run(engine, skb.ctx_address(), 0, regions, packet, state);
        if (r0) out.r0 = *r0;
        else out.error = r0.error().to_string();
        out.packet.assign(skb.bytes().begin(), skb.bytes().end());
        auto* uapi = reinterpret_cast<const uint8_t*>(&skb.ctx()->uapi);
        out.ctx.assign(uapi, uapi + sizeof(skb.ctx()->uapi));
        break;
    }
    case ProgramType::Mem: {
        std::vector<uint8_t> mem = in.packet;
        const runtime::MemoryRegion input = region_of(mem, true);
        auto r0 = program.run(engine, input.start, input.size, std::span(&input, 1), input, state);
        if (r0) out.r0 = *r0;
        else out.error = r0.error().to_string();
        out.packet = std::move(mem);
        break;
    }
    case ProgramType::CgroupSockAddr:
    case ProgramType::CgroupSock: // the generator makes packet and mem programs only
        out.error = fmt::format("the pipeline does not run {} programs", to_string(in.type));
        break;
    }
    out.array = dump(*object.maps[kPipelineArrayMap]);
    out.hash = dump(*object.maps[kPipelineHashMap]);
    return out;
}

std::string describe(const char* what, const Input& in, const runtime::elf::ProgramSpec& main,
                     const runtime::elf::ProgramSpec& tail, bool tail_installed, const Outcome& interp,
                     const Outcome* jit) {
    std::string out = fmt::format("FINDING: {} ({} program, {}-byte packet{})\n", what, to_string(in.type),
                                  in.packet.size(), in.blind ? ", blinded JIT" : "");
    out += fmt::format("  interp: r0={:#x} error='{}'\n", interp.r0, interp.error);
    if (jit) out += fmt::format("  jit:    r0={:#x} error='{}'\n", jit->r0, jit->error);
    out += "main program (as verified):\n" + isa::disassemble(main.program) + "\n";
    if (tail_installed) out += "tail program (prog array slot 0):\n" + isa::disassemble(tail.program) + "\n";
    return out;
}

} // namespace

PipelineResult run_pipeline(std::span<const uint8_t> bytes) {
    const uint8_t* data = bytes.data();
    const size_t size = bytes.size();
    PipelineResult result;
    const Input in = parse(data, size);
    const PipelinePrograms programs = generate_pipeline_programs(in.program_bytes, in.type, in.hostile, in.loops);
    result.type = in.type;
    result.features = programs.features;

    const runtime::elf::ObjectDescription description = describe_maps();
    auto object = runtime::create_object_maps(description, nullptr); // no pinning
    if (!object) std::abort();
    std::vector<maps::MapDefinition> definitions;
    for (const auto& spec : description.maps) definitions.push_back(spec.def);

    runtime::PrepareOptions options;
    options.engine = Engine::Jit;
    options.verify = VerifyLevel::Full;
    options.hardening.blind_constants = in.blind;
    options.complexity_limit = kFuzzComplexityLimit;

    runtime::elf::ProgramSpec tail_spec, main_spec;
    tail_spec.name = "tail", main_spec.name = "main";
    tail_spec.section = main_spec.section = "fuzz";
    tail_spec.type = main_spec.type = in.type;
    tail_spec.program = programs.tail;
    main_spec.program = programs.main;

    // The tail program first, as Object::open prepares prog-array targets before anything runs.
    auto tail = runtime::PreparedProgram::prepare(tail_spec, object->bindings, definitions, options);
    auto* progs = maps::as_prog_array(object->maps[kPipelineProgArray].get());
    if (!progs) std::abort();
    if (tail) {
        const engine_abi::ProgramEntry* entry = (*tail)->tail_call_entry();
        const uint32_t slot = 0;
        if (progs->update(&slot, &entry, BPF_ANY) != 0) std::abort();
    }
    // The verifier's verdict once, with what PreparedProgram gives it: a rejection ends the
    // input (verifying a loop-pass program is the costly part of an input).
    const verifier::Report verdict =
        verifier::check(main_spec.program, runtime::verifier_input(main_spec, object->bindings, definitions, options));
    if (!verdict.ok()) {
        result.rejection = verdict.error().message;
        return result;
    }
    // A loop the loop pass proved memory safe but not terminating runs under the default
    // instruction budget (2^32): far too long for a fuzz input. Such programs run under a
    // small one, and a run it stops is no finding (docs/loop-verification.md).
    const bool budget_loops = !verdict.facts.budget_loops.empty();
    if (budget_loops) options.hardening.instruction_budget = kLoopBudget;
    auto main = runtime::PreparedProgram::prepare(main_spec, object->bindings, definitions, options);
    if (!main) {
        // Refused after the verifier accepted it (by the ctx rewrite or the JIT): an embedder
        // cannot run a program the verifier proved safe.
        result.rejection = main.error().message;
        result.finding = fmt::format("FINDING: the verifier accepts the program but preparing it failed: {} "
                                     "({} program)\nmain program (as verified):\n{}\n",
                                     main.error().to_string(), to_string(in.type),
                                     isa::disassemble(main_spec.program));
        return result;
    }
    result.verified = true;

    const Outcome interp = run_on(Engine::Interpreter, **main, in, *object);
    auto budget_stop = [&](const Outcome& o) { return budget_loops && o.error.find("instruction budget of") != std::string::npos; };
    if (budget_stop(interp)) return result; // (the JIT charges back edges, not instructions)
    if (!interp.error.empty()) {
        result.finding = describe("a verified program faulted in the interpreter", in, main_spec, tail_spec,
                                  bool(tail), interp, nullptr);
        return result;
    }
    const Outcome jit = run_on(Engine::Jit, **main, in, *object);
    if (budget_stop(jit)) return result;
    const char* what = nullptr;
    if (!jit.error.empty()) what = "the JIT failed where the interpreter did not";
    else if (jit.r0 != interp.r0) what = "r0 differs between the interpreter and the JIT";
    else if (jit.redirect != interp.redirect) what = "the redirect port differs";
    else if (jit.packet != interp.packet) what = "the packet differs";
    else if (jit.meta != interp.meta) what = "the XDP metadata differs";
    else if (jit.ctx != interp.ctx) what = "the skb's ctx fields differ";
    else if (jit.array != interp.array) what = "the array map differs";
    else if (jit.hash != interp.hash) what = "the hash map differs";
    if (what) result.finding = describe(what, in, main_spec, tail_spec, bool(tail), interp, &jit);
    return result;
}

} // namespace ebpfjit::fuzz

