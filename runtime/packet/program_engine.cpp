#include "runtime/packet/program_engine.hpp"

#include <algorithm>
#include <array>

namespace ebpfjit::runtime::packet {

FrameEngine program_frame_engine(const ebpfjit::Program& program, RunOptions options) {
    return [program, options](uint64_t ctx, std::span<const MemoryRegion> regions,
                     std::span<const uint8_t>) -> Result<FrameRun> {
        std::array<Region, 4> converted{};
        const size_t n = std::min(regions.size(), converted.size());
        for (size_t i = 0; i < n; ++i)
            converted[i] = {reinterpret_cast<void*>(regions[i].start), regions[i].size,
                            regions[i].writable};
        auto r0 = program.run(ctx, 0, std::span<const Region>(converted.data(), n), options);
        if (!r0) return fail(r0.error());
        return FrameRun{*r0, {}};
    };
}

} // namespace ebpfjit::runtime::packet
