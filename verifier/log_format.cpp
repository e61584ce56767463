// Verifier log text: the state of the current frame, kernel-style
// "r1=ctx(off=0) r10=fp0 fp-8=pkt(off=14, r=14) fp-16=mmmm0000".
#include <algorithm>
#include <fmt/format.h>

#include "verifier/analyzer.hpp"

namespace ebpfjit::verifier {

std::string Analyzer::format_state(const AbstractState& s) const {
    if (s.frames.empty()) return {};
    const FrameState& f = s.cur();
    std::string out;
    if (s.frames.size() > 1) out += fmt::format("frame{}: ", s.frames.size() - 1);
    for (uint8_t r = 0; r < isa::kNumRegisters; ++r) {
        const RegState& reg = f.regs[r];
        if (reg.type == RegType::NotInit) continue;
        if (!out.empty() && out.back() != ' ') out += ' ';
        out += fmt::format("r{}={}", r, reg.to_string());
    }
    const auto& slots = f.stack.slots();
    for (size_t i = 0; i < slots.size(); ++i) {
        const StackSlot& slot = slots[i];
        const int off = -int(8 * (i + 1));
        if (slot.is_spill()) {
            out += fmt::format(" fp{}={}", off, slot.spilled.to_string());
            continue;
        }
        std::string bytes;
        bool any = false;
        for (ByteKind b : slot.bytes) {
            bytes += b == ByteKind::Invalid ? '?' : b == ByteKind::Misc ? 'm' : '0';
            any |= b != ByteKind::Invalid;
        }
        if (slot.narrow) { // kernel style: the bytes above the spill, then its value
            bytes.erase(0, slot.narrow);
            std::reverse(bytes.begin(), bytes.end());
            out += fmt::format(" fp{}={}{}", off, bytes, slot.spilled.to_string());
            continue;
        }
        if (any) out += fmt::format(" fp{}={}", off, bytes);
    }
    return out;
}

} // namespace ebpfjit::verifier
