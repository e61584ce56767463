#include "runtime/elf/global_functions.hpp"

#include <bpf/btf.h>
#include <fmt/format.h>

namespace ebpfjit::runtime::elf {

namespace {

constexpr uint32_t kMaxArgs = 5; // MAX_BPF_FUNC_REG_ARGS

// The ctx struct a program type's r1 points to, by the name its BTF gives it (the kernel's
// btf_get_prog_ctx_type matches the uapi names the same way); none for mem programs.
const char* ctx_struct_name(ProgramType type) {
    switch (type) {
    case ProgramType::Xdp: return "xdp_md";
    case ProgramType::SchedCls:
    case ProgramType::SocketFilter: return "__sk_buff";
    case ProgramType::CgroupSockAddr: return "bpf_sock_addr";
    case ProgramType::CgroupSock: return "bpf_sock";
    case ProgramType::Mem: return nullptr;
    }
    return nullptr;
}

// Type `id` without typedefs, const, volatile, restrict and type tags (btf_type_skip_modifiers).
uint32_t skip_modifiers(const struct btf* btf, uint32_t id) {
    for (int guard = 0; guard < 64 && id != 0; ++guard) {
        const struct btf_type* t = btf__type_by_id(btf, id);
        if (!t || !(btf_is_mod(t) || btf_is_typedef(t) || btf_is_type_tag(t))) return id;
        id = t->type;
    }
    return id;
}

const char* kind_name(const struct btf_type* t) {
    switch (btf_kind(t)) {
    case BTF_KIND_UNKN: return "UNKNOWN";
    case BTF_KIND_INT: return "INT";
    case BTF_KIND_PTR: return "PTR";
    case BTF_KIND_ARRAY: return "ARRAY";
    case BTF_KIND_STRUCT: return "STRUCT";
    case BTF_KIND_UNION: return "UNION";
    case BTF_KIND_ENUM: return "ENUM";
    case BTF_KIND_FWD: return "FWD";
    case BTF_KIND_FUNC_PROTO: return "FUNC_PROTO";
    case BTF_KIND_FLOAT: return "FLOAT";
    case BTF_KIND_ENUM64: return "ENUM64";
    default: return "OTHER";
    }
}

bool is_scalar_type(const struct btf_type* t) { return btf_is_int(t) || btf_is_any_enum(t); }

// A pointer to the program type's ctx struct (btf_get_prog_ctx_type).
bool points_to_ctx(const struct btf* btf, const struct btf_type* ptr, ProgramType type) {
    const char* want = ctx_struct_name(type);
    if (!want) return false;
    const struct btf_type* to = btf__type_by_id(btf, skip_modifiers(btf, ptr->type));
    if (!to || !btf_is_struct(to)) return false;
    const char* name = btf__name_by_offset(btf, to->name_off);
    return name && std::string_view(name) == want;
}

verifier::GlobalFunction describe(const struct btf* btf, uint32_t slot, const struct btf_type* func,
                                  ProgramType type) {
    verifier::GlobalFunction g;
    g.start = slot;
    const char* name = btf__name_by_offset(btf, func->name_off);
    g.name = name ? name : "";
    const struct btf_type* proto = btf__type_by_id(btf, func->type);
    if (!proto || !btf_is_func_proto(proto)) {
        g.unsupported = fmt::format("Global function {}() has no prototype in BTF.", g.name);
        return g;
    }
    const uint32_t nargs = btf_vlen(proto);
    if (nargs > kMaxArgs) {
        g.unsupported = fmt::format("Global function {}() with {} > {} args. Buggy compiler.", g.name, nargs, kMaxArgs);
        return g;
    }
    const uint32_t ret_id = skip_modifiers(btf, proto->type);
    const struct btf_type* ret = btf__type_by_id(btf, ret_id);
    g.returns_void = ret_id == 0;
    if (!g.returns_void && (!ret || !is_scalar_type(ret))) {
        g.unsupported = fmt::format("Global function {}() doesn't return scalar. Only those are supported.", g.name);
        return g;
    }
    const struct btf_param* params = btf_params(proto);
    for (uint32_t i = 0; i < nargs; ++i) {
        const uint32_t id = skip_modifiers(btf, params[i].type);
        const struct btf_type* t = btf__type_by_id(btf, id);
        if (id != 0 && t && btf_is_ptr(t) && points_to_ctx(btf, t, type)) {
            g.args.push_back({verifier::GlobalArgKind::Ctx, 0});
            continue;
        }
        if (id != 0 && t && is_scalar_type(t)) {
            g.args.push_back({verifier::GlobalArgKind::Scalar, 0});
            continue;
        }
        if (id != 0 && t && btf_is_ptr(t)) {
            const uint32_t to = skip_modifiers(btf, t->type);
            const __s64 size = to == 0 ? -1 : btf__resolve_size(btf, to);
            if (size <= 0 || size > (int64_t(1) << 29)) {
                const struct btf_type* pointee = btf__type_by_id(btf, to);
                const char* pname = pointee ? btf__name_by_offset(btf, pointee->name_off) : nullptr;
                g.unsupported = fmt::format("arg#{} reference type('{} {}') size cannot be determined", i,
                                            to == 0 || !pointee ? "UNKNOWN" : kind_name(pointee),
                                            pname && *pname ? pname : (to == 0 ? "void" : ""));
                return g;
            }
            g.args.push_back({verifier::GlobalArgKind::Memory, uint32_t(size)});
            continue;
        }
        g.unsupported = fmt::format("Arg#{} type {} in {}() is not supported yet.", i,
                                    t && id != 0 ? kind_name(t) : "UNKNOWN", g.name);
        return g;
    }
    return g;
}

} // namespace

std::vector<verifier::GlobalFunction> global_functions(const struct btf* btf,
                                                       const std::vector<std::pair<uint32_t, uint32_t>>& funcs,
                                                       ProgramType type) {
    std::vector<verifier::GlobalFunction> out;
    if (!btf) return out;
    for (const auto& [slot, type_id] : funcs) {
        if (slot == 0) continue;
        const struct btf_type* func = btf__type_by_id(btf, type_id);
        // A FUNC's vlen is its linkage; static functions stay inline, as in the kernel.
        if (!func || !btf_is_func(func) || btf_vlen(func) != BTF_FUNC_GLOBAL) continue;
        if (!out.empty() && out.back().start == slot) continue;
        out.push_back(describe(btf, slot, func, type));
    }
    return out;
}

} // namespace ebpfjit::runtime::elf
