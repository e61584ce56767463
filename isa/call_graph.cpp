// Depth-first with an explicit stack: a chain of thousands of subprograms must not
// recurse on the host stack before the depth limit is even checked.
#include "isa/call_graph.hpp"

#include <algorithm>

namespace ebpfjit::isa {

std::expected<std::vector<uint32_t>, CallGraphViolation> call_frames(
    const std::vector<std::vector<CallEdge>>& callees, uint32_t max_frames) {
    std::vector<uint32_t> frames(callees.size(), 0);
    if (callees.empty()) return frames;
    enum class Mark : uint8_t { New, Active, Done };
    std::vector<Mark> mark(callees.size(), Mark::New);
    struct Visit {
        uint32_t sub;
        size_t next_edge;
    };
    std::vector<Visit> stack{{0, 0}};
    mark[0] = Mark::Active;
    while (!stack.empty()) {
        Visit& v = stack.back();
        if (v.next_edge < callees[v.sub].size()) {
            const CallEdge e = callees[v.sub][v.next_edge++];
            if (mark[e.callee] == Mark::Active) return std::unexpected(CallGraphViolation{true, e.slot, e.callee, 0});
            if (mark[e.callee] == Mark::New) {
                mark[e.callee] = Mark::Active;
                stack.push_back({e.callee, 0});
            }
            continue;
        }
        uint32_t deepest = 0;
        for (const CallEdge& e : callees[v.sub]) deepest = std::max(deepest, frames[e.callee]);
        frames[v.sub] = 1 + deepest;
        mark[v.sub] = Mark::Done;
        stack.pop_back();
    }
    if (frames[0] <= max_frames) return frames;
    // Walk the deepest chain down to the call that opens the first frame beyond the limit.
    uint32_t s = 0, depth = 1;
    while (true) {
        const CallEdge* down = nullptr;
        for (const CallEdge& e : callees[s])
            if (depth + frames[e.callee] > max_frames) {
                down = &e;
                break;
            }
        if (!down || depth + 1 > max_frames)
            return std::unexpected(CallGraphViolation{false, down ? down->slot : 0, down ? down->callee : 0, frames[0]});
        s = down->callee;
        ++depth;
    }
}

} // namespace ebpfjit::isa
