#include "verifier/liveness.hpp"

#include "isa/liveness.hpp"

namespace ebpfjit::verifier {

Liveness::Liveness(const isa::Program& program, const helpers::HelperTable* helpers,
                   const std::vector<int32_t>& subprogram_starts, const std::vector<maps::MapDefinition>& maps)
    : stack_(program, subprogram_starts, helpers, maps) {
    // A helper reads the arguments its prototype declares; unknown ids read r1..r5.
    isa::HelperReads reads;
    if (helpers)
        reads = [helpers](int32_t id) -> uint16_t {
            const helpers::Helper* h = helpers->find(id);
            if (!h) return 0x3e;
            uint16_t use = 0;
            for (size_t a = 0; a < h->proto.args.size(); ++a)
                if (h->proto.args[a] != helpers::ArgType::None) use |= uint16_t(1u << (a + 1));
            return use;
        };
    const isa::RegisterLiveness live(program, reads);
    live_in_.assign(program.size(), 0);
    for (size_t pc = 0; pc < program.size(); ++pc)
        live_in_[pc] = uint16_t(live.live_in(pc) | (1u << isa::kFramePointer));
}

} // namespace ebpfjit::verifier
