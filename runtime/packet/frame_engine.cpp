#include "runtime/packet/frame_engine.hpp"

#include <optional>

#include "runtime/maps/percpu.hpp"

namespace ebpfjit::runtime::packet {

FrameEngine interpreter_frame_engine(Interpreter& interpreter) {
    // Interpreter::run builds a fresh machine per call, so one instance serves every worker.
    Interpreter* shared = &interpreter;
    return [shared](uint64_t ctx, std::span<const MemoryRegion> regions,
                    std::span<const uint8_t> packet) -> Result<FrameRun> {
        ExecutionState state;
        state.cpu = maps::current_cpu();
        std::optional<MemoryRegion> ld_abs;
        if (!packet.empty())
            ld_abs = MemoryRegion{reinterpret_cast<uint64_t>(packet.data()), packet.size(), false};
        auto r0 = shared->run(ctx, 0, regions, ld_abs, state);
        if (!r0) return fail(r0.error());
        return FrameRun{*r0, state.redirect};
    };
}

} // namespace ebpfjit::runtime::packet
