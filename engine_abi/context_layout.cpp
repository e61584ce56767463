#include "engine_abi/context_layout.hpp"

namespace ebpfjit::engine_abi {

namespace {

constexpr ContextLayout kXdp{"xdp_md", sizeof(xdp_md), kXdpCtxFields, ProgramType::Xdp};
constexpr ContextLayout kSocket{"__sk_buff", sizeof(__sk_buff), kSkbCtxFields, ProgramType::SocketFilter};
constexpr ContextLayout kTc{"__sk_buff", sizeof(__sk_buff), kSkbCtxFields, ProgramType::SchedCls};

} // namespace

const CtxField* ContextLayout::field_at(int64_t offset, uint32_t size) const {
    for (const CtxField& f : fields)
        if ((f.readable & mask_of(type)) && offset >= f.offset && offset + size <= uint32_t(f.offset + f.size))
            return &f;
    return nullptr;
}

const ContextLayout* context_layout(ProgramType type) {
    switch (type) {
    case ProgramType::Xdp: return &kXdp;
    case ProgramType::SchedCls: return &kTc;
    case ProgramType::SocketFilter: return &kSocket;
    case ProgramType::Mem: return nullptr;
    }
    return nullptr;
}

} // namespace ebpfjit::engine_abi
