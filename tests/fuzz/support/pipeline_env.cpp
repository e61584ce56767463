// See pipeline_env.hpp.
#include "pipeline_env.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <optional>

#include <fmt/format.h>

#include <linux/bpf.h>

#include "ebpfjit/skb_packet.hpp"
#include "ebpfjit/xdp_frame.hpp"
#include "runtime/maps/map.hpp"
#include "pipeline_generator.hpp"

namespace ebpfjit::fuzz {

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

namespace {

runtime::elf::MapSpec map_spec(uint32_t type, uint32_t value_size, uint32_t entries, const char* name) {
    runtime::elf::MapSpec spec;
    spec.def.type = type;
    spec.def.key_size = kPipelineKeySize;
    spec.def.value_size = value_size;
    spec.def.max_entries = entries;
    spec.def.name = name;
    return spec;
}

} // namespace

runtime::elf::ObjectDescription describe_maps() {
    runtime::elf::ObjectDescription d;
    d.maps.push_back(map_spec(BPF_MAP_TYPE_ARRAY, kPipelineValueSize, kPipelineArrayEntries, "array"));
    d.maps.push_back(map_spec(BPF_MAP_TYPE_HASH, kPipelineValueSize, kPipelineHashEntries, "hash"));
    // A fixed hash seed: bpf_for_each_map_elem visits the entries in the same order in every
    // run and every process, so a finding replays and loop_reach.cpp's counts (one object
    // per program variant) compare the same run.
    d.maps.back().def.flags = BPF_F_ZERO_SEED;
    d.maps.push_back(map_spec(BPF_MAP_TYPE_PROG_ARRAY, 4, kPipelineProgSlots, "progs"));
    return d;
}

PipelineSpecs specs_of(const PipelinePrograms& programs, ProgramType type) {
    PipelineSpecs specs;
    specs.tail.name = "tail", specs.main.name = "main";
    specs.tail.section = specs.main.section = "fuzz";
    specs.tail.type = specs.main.type = type;
    specs.tail.program = programs.tail;
    specs.main.program = programs.main;
    return specs;
}

namespace {

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

runtime::MemoryRegion region_of(std::span<uint8_t> bytes, bool writable) {
    return runtime::MemoryRegion{reinterpret_cast<uint64_t>(bytes.data()), bytes.size(), writable};
}

Result<uint64_t> run_one(const Exec& exec, uint64_t r1, uint64_t r2, std::span<const runtime::MemoryRegion> regions,
                         std::optional<runtime::MemoryRegion> packet, engine_abi::ExecutionState& state) {
    if (exec.bare) return exec.bare->run(r1, r2, regions, packet, state);
    return exec.prepared->run(exec.engine, r1, r2, regions, packet, state);
}

} // namespace

Outcome run_on(const Exec& exec, const Input& in, runtime::ObjectMaps& object) {
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
        if (exec.bare) { // the interpreter path of run_xdp_burst (only the error is wanted)
            auto r0 = exec.bare->run(frame.ctx_address(), 0, frame.regions(), std::nullopt, state);
            if (!r0) out.error = r0.error().to_string();
        } else {
            auto ran = exec.prepared->run_xdp_burst(exec.engine, frames, std::span(&verdict, 1), state, done);
            if (!ran) out.error = ran.error().to_string();
        }
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
        auto r0 = run_one(exec, skb.ctx_address(), 0, regions, packet, state);
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
        auto r0 = run_one(exec, input.start, input.size, std::span(&input, 1), input, state);
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
    out.array = sorted_entries(*object.maps[kPipelineArrayMap]);
    out.hash = sorted_entries(*object.maps[kPipelineHashMap]);
    return out;
}

} // namespace ebpfjit::fuzz
