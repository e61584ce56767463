#include "runtime/elf/core_target.hpp"

#include <linux/bpf.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>
#include <vector>

#include "engine_abi/context_layout.hpp"
#include "helpers/helper_table.hpp"
#include "runtime/elf/core_names.hpp"
#include "runtime/elf/core_relo_kinds.hpp"

namespace ebpfjit::runtime::elf {

namespace {

using namespace core_kind;

// struct bpf_fib_lookup as bpf_fib_lookup (helpers/route_helpers.cpp) reads and writes it:
// <linux/bpf.h>'s members; each offsetof below fails the build if the header lacks it. But
// tbid: it shares h_vlan_proto's 4 bytes, where route_helpers.cpp reads it, and older
// headers (the aarch64 cross sysroot's) do not name it.
#define EBPFJIT_FIB_MEMBER(m) (static_cast<void>(offsetof(bpf_fib_lookup, m)), std::string_view{#m})
constexpr std::array kFibLookupMembers = {
    EBPFJIT_FIB_MEMBER(family),       EBPFJIT_FIB_MEMBER(l4_protocol), EBPFJIT_FIB_MEMBER(sport),
    EBPFJIT_FIB_MEMBER(dport),        EBPFJIT_FIB_MEMBER(tot_len),     EBPFJIT_FIB_MEMBER(mtu_result),
    EBPFJIT_FIB_MEMBER(ifindex),      EBPFJIT_FIB_MEMBER(tos),         EBPFJIT_FIB_MEMBER(flowinfo),
    EBPFJIT_FIB_MEMBER(rt_metric),    EBPFJIT_FIB_MEMBER(ipv4_src),    EBPFJIT_FIB_MEMBER(ipv6_src),
    EBPFJIT_FIB_MEMBER(ipv4_dst),     EBPFJIT_FIB_MEMBER(ipv6_dst),    EBPFJIT_FIB_MEMBER(h_vlan_proto),
    EBPFJIT_FIB_MEMBER(h_vlan_TCI),   std::string_view{"tbid"},        EBPFJIT_FIB_MEMBER(smac),
    EBPFJIT_FIB_MEMBER(dmac),
};
#undef EBPFJIT_FIB_MEMBER

template <typename Fields>
bool has_ctx_field(const Fields& fields, std::string_view name) {
    return std::ranges::any_of(fields, [&](const auto& f) { return f.name == name; });
}

// A ctx field exists when some program type may read it here (the verifier's table): a
// field ebpfjit does not model reads as absent, as on a kernel older than the field.
std::optional<bool> field_exists(std::string_view type, std::string_view member) {
    if (type == "__sk_buff") return has_ctx_field(engine_abi::kSkbCtxFields, member);
    if (type == "xdp_md") return has_ctx_field(engine_abi::kXdpCtxFields, member);
    if (type == "bpf_fib_lookup") return std::ranges::find(kFibLookupMembers, member) != kFibLookupMembers.end();
    return std::nullopt;
}

// Where a ctx field is in the uapi struct (the ctx tables, which any kernel's BTF agrees
// with: the uapi only grows at the end), whatever the object's own copy says: it may be
// partial, or a "___flavor". A member itself ("0:i") or an element of a u32 array member
// ("0:i:k", cb[k]); the field's own offset, size, signedness (all unsigned) and the shifts
// of a whole-field load. nullopt: a field ebpfjit does not model, or another path.
template <typename Fields>
std::optional<uint64_t> ctx_field_value(const Fields& fields, const RawCoreRelocation& r) {
    const auto field = std::ranges::find_if(fields, [&](const auto& f) { return f.name == r.member; });
    const std::vector<uint32_t> path = core_access_indices(r.access);
    if (field == fields.end() || path.size() < 2 || path.size() > 3 || path[0] != 0) return std::nullopt;
    uint64_t offset = field->offset, size = field->size;
    if (path.size() == 3) { // an element of a u32 array (cb, remote_ip6, local_ip6)
        if (field->size <= field->width || uint64_t(path[2]) * 4 >= field->size) return std::nullopt;
        offset += uint64_t(path[2]) * 4;
        size = 4;
    }
    switch (r.kind) {
    case kFieldByteOffset: return offset;
    case kFieldByteSize: return size;
    case kFieldSigned: return 0;
    case kFieldLshiftU64:
    case kFieldRshiftU64: return 64 - 8 * size;
    default: return std::nullopt;
    }
}

// enum bpf_func_id: BPF_FUNC_<name> is there when the builtin helper table has the helper.
std::optional<int32_t> helper_id(std::string_view enumerator) {
    constexpr std::string_view kPrefix = "BPF_FUNC_";
    if (!enumerator.starts_with(kPrefix)) return std::nullopt;
    enumerator.remove_prefix(kPrefix.size());
    for (int32_t id = 1; id < __BPF_FUNC_MAX_ID; ++id)
        if (helpers::helper_name(id) == enumerator)
            return helpers::HelperTable::builtin().find(id) ? std::optional(id) : std::nullopt;
    return std::nullopt;
}

bool known_struct(std::string_view name) { return name == "__sk_buff" || name == "xdp_md" || name == "bpf_fib_lookup"; }

// Wire-format headers: the layout is the packet's, the same in every kernel's BTF.
struct WireHeader {
    std::string_view name;
    uint32_t size;
};
constexpr std::array kWireHeaders = {
    WireHeader{"ethhdr", 14},   WireHeader{"iphdr", 20},    WireHeader{"ipv6hdr", 40},  WireHeader{"tcphdr", 20},
    WireHeader{"udphdr", 8},    WireHeader{"icmphdr", 8},   WireHeader{"icmp6hdr", 8},  WireHeader{"sctphdr", 12},
    WireHeader{"in6_addr", 16}, WireHeader{"vlan_hdr", 4},  WireHeader{"arphdr", 8},
};

// enum bpf_core_relo_kind: the field kinds (byte_off .. rshift_u64) and the type kinds
// whose answer is the local type's own (exists, size, matches).
bool layout_kind(uint32_t kind) {
    return kind <= kFieldRshiftU64 || kind == kTypeExists || kind == kTypeSize || kind == kTypeMatches;
}

} // namespace

bool core_keeps_compiled_layout(const RawCoreRelocation& r) {
    // No "___flavor" here: a program's own variant of a header may lay it out otherwise.
    if (r.is_enum || !layout_kind(r.kind)) return false;
    return std::ranges::any_of(kWireHeaders,
                               [&](const WireHeader& h) { return h.name == r.type_name && h.size == r.type_size; });
}

std::optional<uint64_t> core_target_value(const RawCoreRelocation& r) {
    if (r.kind == kTypeIdLocal) return r.type_id;
    const std::string_view type = essential_name(r.type_name);
    if (r.is_enum) {
        if (type != "bpf_func_id") return std::nullopt;
        if (r.kind == kTypeExists) return 1;
        const auto id = helper_id(r.member);
        if (r.kind == kEnumvalExists) return id ? 1 : 0;
        if (r.kind == kEnumvalValue && id) return uint64_t(*id);
        return std::nullopt;
    }
    if (!known_struct(type)) return std::nullopt;
    if (r.kind == kTypeExists) return 1;
    if (r.kind == kFieldExists) return field_exists(type, r.member).value_or(false) ? 1 : 0;
    if (type == "__sk_buff") return ctx_field_value(engine_abi::kSkbCtxFields, r);
    if (type == "xdp_md") return ctx_field_value(engine_abi::kXdpCtxFields, r);
    return std::nullopt;
}

} // namespace ebpfjit::runtime::elf
