#include "engine_abi/context_layout.hpp"

#include "engine_abi/cgroup_sock_layout.hpp"

namespace ebpfjit::engine_abi {

namespace {

constexpr ContextLayout kXdp{"xdp_md", sizeof(xdp_md), kXdpCtxFields, ProgramType::Xdp};
constexpr ContextLayout kSocket{"__sk_buff", sizeof(__sk_buff), kSkbCtxFields, ProgramType::SocketFilter};
constexpr ContextLayout kTc{"__sk_buff", sizeof(__sk_buff), kSkbCtxFields, ProgramType::SchedCls};

// The cgroup socket types: one layout per attach type (the fields' attach masks decide).
constexpr size_t kAttachTypes = size_t(AttachType::Inet6Getsockname) + 1;
constexpr std::array<ContextLayout, kAttachTypes> cgroup_layouts(ProgramType type) {
    std::array<ContextLayout, kAttachTypes> out{};
    for (size_t i = 0; i < kAttachTypes; ++i) {
        const auto attach = AttachType(i);
        if (type == ProgramType::CgroupSockAddr)
            out[i] = ContextLayout{"bpf_sock_addr", sizeof(bpf_sock_addr), kSockAddrCtxFields, type, attach,
                                   CtxSizeRule::SockAddr};
        else
            out[i] = ContextLayout{"bpf_sock", sizeof(bpf_sock), kCgroupSockCtxFields, type, attach, CtxSizeRule::Sock};
    }
    return out;
}
constexpr auto kSockAddr = cgroup_layouts(ProgramType::CgroupSockAddr);
constexpr auto kCgroupSock = cgroup_layouts(ProgramType::CgroupSock);

} // namespace

const CtxField* ContextLayout::field_at(int64_t offset, uint32_t size) const {
    for (const CtxField& f : fields)
        if ((f.readable & mask_of(type)) && (f.read_attach & attach_mask_of(attach)) && offset >= f.offset &&
            offset + size <= uint32_t(f.offset + f.size))
            return &f;
    return nullptr;
}

const CtxField* ContextLayout::any_field_at(int64_t offset, uint32_t size) const {
    for (const CtxField& f : fields)
        if (offset >= f.offset && offset + size <= uint32_t(f.offset + f.size)) return &f;
    return nullptr;
}

const ContextLayout* context_layout(ProgramType type, AttachType attach) {
    switch (type) {
    case ProgramType::Xdp: return &kXdp;
    case ProgramType::SchedCls: return &kTc;
    case ProgramType::SocketFilter: return &kSocket;
    case ProgramType::CgroupSockAddr: return &kSockAddr[size_t(attach)];
    case ProgramType::CgroupSock: return &kCgroupSock[size_t(attach)];
    case ProgramType::Mem: return nullptr;
    }
    return nullptr;
}

} // namespace ebpfjit::engine_abi
