#include "runtime/elf/core_btf_target.hpp"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/btf.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "runtime/elf/core_names.hpp"
#include "runtime/elf/core_relo_kinds.hpp"

namespace ebpfjit::runtime::elf {

namespace {

using namespace core_kind;

constexpr size_t kSpecMaxLen = 64; // libbpf's BPF_CORE_SPEC_MAX_LEN
constexpr int kMaxDepth = 32;      // libbpf's recursion limits

bool field_kind(uint32_t k) { return k <= kFieldRshiftU64; }
bool type_kind(uint32_t k) { return (k >= kTypeIdLocal && k <= kTypeSize) || k == kTypeMatches; }
bool enumval_kind(uint32_t k) { return k == kEnumvalExists || k == kEnumvalValue; }

// Outcomes of the matching steps, as libbpf's int results: an error, no match, a match.
enum class Match { Error, No, Yes };

std::string_view name_of(const struct btf* b, uint32_t name_off) {
    const char* s = btf__name_by_offset(b, name_off);
    return s ? std::string_view(s) : std::string_view{};
}

// Modifiers (const, volatile, restrict, type tags) and typedefs skipped; *id the type reached.
const struct btf_type* skip_mods(const struct btf* b, uint32_t id, uint32_t* res = nullptr) {
    const struct btf_type* t = btf__type_by_id(b, id);
    for (int depth = 0; t && (btf_is_mod(t) || btf_is_typedef(t)); ++depth) {
        if (depth > 64) return nullptr;
        id = t->type;
        t = btf__type_by_id(b, id);
    }
    if (res) *res = id;
    return t;
}

std::optional<uint64_t> resolve_size(const struct btf* b, uint32_t id) {
    const int64_t size = btf__resolve_size(b, id);
    return size < 0 ? std::nullopt : std::optional(uint64_t(size));
}

// libbpf's bpf_core_accessor / bpf_core_spec.
struct Accessor {
    uint32_t type_id = 0;
    uint32_t idx = 0;
    const char* name = nullptr; // null: an array index (or the root's)
};

struct Spec {
    const struct btf* btf = nullptr;
    uint32_t root_type_id = 0;
    std::vector<Accessor> acc;  // high level: named fields and array indices
    std::vector<uint32_t> raw;  // low level: every step of the access string
    uint64_t bit_offset = 0;
};

// A zero-length array that is the last member of the struct holding it.
bool is_flex_array(const struct btf* b, const Accessor& holder, const struct btf_array* a) {
    if (!holder.name || a->nelems > 0) return false;
    const struct btf_type* t = btf__type_by_id(b, holder.type_id);
    return t && holder.idx + 1u == btf_vlen(t);
}

// libbpf's bpf_core_parse_spec over the object's own BTF.
std::expected<Spec, std::string> parse_local_spec(const struct btf* b, const RawCoreRelocation& r) {
    Spec spec;
    spec.btf = b;
    spec.root_type_id = r.type_id;
    const std::string_view access = r.access;
    auto bad = [&](std::string_view why) {
        return std::unexpected(fmt::format("access string '{}' does not fit type [{}] in the object's BTF: {}", r.access,
                                           r.type_id, why));
    };
    if (access.empty() || access.front() == ':') return bad("malformed");
    if (type_kind(r.kind)) {
        if (access != "0") return bad("a type relocation's access string is \"0\"");
        return spec;
    }
    spec.raw = core_access_indices(access);
    if (spec.raw.empty()) return bad("malformed");
    if (spec.raw.size() > kSpecMaxLen) return bad("too deep");
    uint32_t id = 0;
    const struct btf_type* t = skip_mods(b, r.type_id, &id);
    if (!t) return bad("no such type");
    spec.acc.push_back({id, spec.raw[0], nullptr});
    if (enumval_kind(r.kind)) {
        if (!btf_is_any_enum(t) || spec.raw.size() > 1 || spec.raw[0] >= btf_vlen(t)) return bad("no such enumerator");
        const uint32_t name_off =
            btf_is_enum(t) ? btf_enum(t)[spec.raw[0]].name_off : btf_enum64(t)[spec.raw[0]].name_off;
        spec.acc[0].name = btf__name_by_offset(b, name_off);
        if (!spec.acc[0].name) return bad("enumerator without a name");
        return spec;
    }
    if (!field_kind(r.kind)) return bad(fmt::format("unknown relocation kind {}", r.kind));
    const auto root_size = resolve_size(b, id);
    if (!root_size) return bad("the root type has no size");
    spec.bit_offset = uint64_t(spec.raw[0]) * *root_size * 8;
    for (size_t i = 1; i < spec.raw.size(); ++i) {
        t = skip_mods(b, id, &id);
        if (!t) return bad("no such type");
        const uint32_t idx = spec.raw[i];
        if (btf_is_composite(t)) {
            if (idx >= btf_vlen(t)) return bad("no such member");
            spec.bit_offset += btf_member_bit_offset(t, idx);
            const struct btf_member& m = btf_members(t)[idx];
            if (m.name_off) {
                const char* name = btf__name_by_offset(b, m.name_off);
                if (!name || !*name) return bad("member without a name");
                spec.acc.push_back({id, idx, name});
            }
            id = m.type;
        } else if (btf_is_array(t)) {
            const struct btf_array* a = btf_array(t);
            if (!skip_mods(b, a->type, &id)) return bad("no such type");
            if (!is_flex_array(b, spec.acc.back(), a) && idx >= a->nelems) return bad("index past the array");
            spec.acc.push_back({id, idx, nullptr});
            const auto size = resolve_size(b, id);
            if (!size) return bad("an element without a size");
            spec.bit_offset += uint64_t(idx) * *size * 8;
        } else {
            return bad(fmt::format("step {} reaches a type that is neither struct, union nor array", i));
        }
    }
    return spec;
}

// libbpf's bpf_core_fields_are_compat: may the local field be read as the target's?
Match fields_are_compat(const struct btf* lb, uint32_t lid, const struct btf* tb, uint32_t tid) {
    for (int depth = 0; depth < kMaxDepth; ++depth) {
        const struct btf_type* lt = skip_mods(lb, lid, &lid);
        const struct btf_type* tt = skip_mods(tb, tid, &tid);
        if (!lt || !tt) return Match::Error;
        if (btf_is_composite(lt) && btf_is_composite(tt)) return Match::Yes;
        if (!btf_kind_core_compat(lt, tt)) return Match::No;
        switch (btf_kind(lt)) {
        case BTF_KIND_PTR:
        case BTF_KIND_FLOAT: return Match::Yes;
        case BTF_KIND_FWD:
        case BTF_KIND_ENUM64:
        case BTF_KIND_ENUM: {
            const std::string_view ln = name_of(lb, lt->name_off), tn = name_of(tb, tt->name_off);
            return essential_len(ln) == 0 || essential_len(tn) == 0 || same_essential_name(ln, tn) ? Match::Yes
                                                                                                   : Match::No;
        }
        case BTF_KIND_INT: return btf_int_offset(lt) == 0 && btf_int_offset(tt) == 0 ? Match::Yes : Match::No;
        case BTF_KIND_ARRAY:
            lid = btf_array(lt)->type;
            tid = btf_array(tt)->type;
            continue;
        default: return Match::No;
        }
    }
    return Match::Error;
}

// libbpf's __bpf_core_types_are_compat (TYPE_EXISTS, TYPE_SIZE, TYPE_ID_TARGET).
Match types_are_compat(const struct btf* lb, uint32_t lid, const struct btf* tb, uint32_t tid, int level) {
    const struct btf_type* lt = btf__type_by_id(lb, lid);
    const struct btf_type* tt = btf__type_by_id(tb, tid);
    if (!lt || !tt) return Match::Error;
    if (!btf_kind_core_compat(lt, tt)) return Match::No;
    for (int depth = 0; depth < kMaxDepth; ++depth) {
        lt = skip_mods(lb, lid, &lid);
        tt = skip_mods(tb, tid, &tid);
        if (!lt || !tt) return Match::Error;
        if (!btf_kind_core_compat(lt, tt)) return Match::No;
        switch (btf_kind(lt)) {
        case BTF_KIND_UNKN:
        case BTF_KIND_STRUCT:
        case BTF_KIND_UNION:
        case BTF_KIND_ENUM:
        case BTF_KIND_FWD:
        case BTF_KIND_ENUM64: return Match::Yes;
        case BTF_KIND_INT: return btf_int_offset(lt) == 0 && btf_int_offset(tt) == 0 ? Match::Yes : Match::No;
        case BTF_KIND_PTR:
            lid = lt->type;
            tid = tt->type;
            continue;
        case BTF_KIND_ARRAY:
            lid = btf_array(lt)->type;
            tid = btf_array(tt)->type;
            continue;
        case BTF_KIND_FUNC_PROTO: {
            if (btf_vlen(lt) != btf_vlen(tt)) return Match::No;
            for (uint16_t i = 0; i < btf_vlen(lt); ++i) {
                if (level <= 0) return Match::Error;
                uint32_t lp = 0, tp = 0;
                skip_mods(lb, btf_params(lt)[i].type, &lp);
                skip_mods(tb, btf_params(tt)[i].type, &tp);
                const Match m = types_are_compat(lb, lp, tb, tp, level - 1);
                if (m != Match::Yes) return m;
            }
            skip_mods(lb, lt->type, &lid);
            skip_mods(tb, tt->type, &tid);
            continue;
        }
        default: return Match::No;
        }
    }
    return Match::Error;
}

// libbpf's bpf_core_names_match: an anonymous target matches only an anonymous local.
bool names_match(const struct btf* lb, uint32_t loff, const struct btf* tb, uint32_t toff) {
    const std::string_view ln = name_of(lb, loff), tn = name_of(tb, toff);
    if (tn.empty()) return ln.empty();
    return same_essential_name(ln, tn);
}

Match types_match(const struct btf* lb, uint32_t lid, const struct btf* tb, uint32_t tid, bool behind_ptr, int level);

// Every local member has a target member of the same name whose type matches.
Match composites_match(const struct btf* lb, const struct btf_type* lt, const struct btf* tb,
                       const struct btf_type* tt, bool behind_ptr, int level) {
    if (btf_vlen(lt) > btf_vlen(tt)) return Match::No;
    for (uint16_t i = 0; i < btf_vlen(lt); ++i) {
        const struct btf_member& lm = btf_members(lt)[i];
        bool matched = false;
        for (uint16_t j = 0; j < btf_vlen(tt) && !matched; ++j) {
            const struct btf_member& tm = btf_members(tt)[j];
            if (!names_match(lb, lm.name_off, tb, tm.name_off)) continue;
            const Match m = types_match(lb, lm.type, tb, tm.type, behind_ptr, level - 1);
            if (m == Match::Error) return m;
            matched = m == Match::Yes;
        }
        if (!matched) return Match::No;
    }
    return Match::Yes;
}

// Every local enumerator has a target one of the same name; the sizes agree.
bool enums_match(const struct btf* lb, const struct btf_type* lt, const struct btf* tb, const struct btf_type* tt) {
    if (lt->size != tt->size || btf_vlen(lt) > btf_vlen(tt)) return false;
    auto name_off = [](const struct btf_type* t, uint16_t i) {
        return btf_is_enum(t) ? btf_enum(t)[i].name_off : btf_enum64(t)[i].name_off;
    };
    for (uint16_t i = 0; i < btf_vlen(lt); ++i) {
        bool matched = false;
        for (uint16_t j = 0; j < btf_vlen(tt) && !matched; ++j)
            matched = names_match(lb, name_off(lt, i), tb, name_off(tt, j));
        if (!matched) return false;
    }
    return true;
}

// libbpf's __bpf_core_types_match (TYPE_MATCHES).
Match types_match(const struct btf* lb, uint32_t lid, const struct btf* tb, uint32_t tid, bool behind_ptr, int level) {
    if (level <= 0) return Match::Error;
    for (int depth = 0; depth < kMaxDepth; ++depth) {
        const struct btf_type* lt = skip_mods(lb, lid, &lid);
        const struct btf_type* tt = skip_mods(tb, tid, &tid);
        if (!lt || !tt) return Match::Error;
        if (!names_match(lb, lt->name_off, tb, tt->name_off)) return Match::No;
        const uint16_t lk = btf_kind(lt), tk = btf_kind(tt);
        auto yes = [](bool b) { return b ? Match::Yes : Match::No; };
        switch (lk) {
        case BTF_KIND_UNKN: return yes(lk == tk);
        case BTF_KIND_FWD: {
            const bool lf = btf_kflag(lt);
            if (behind_ptr) {
                if (lk == tk) return yes(lf == btf_kflag(tt));
                return yes((tk == BTF_KIND_STRUCT && !lf) || (tk == BTF_KIND_UNION && lf));
            }
            return yes(lk == tk && lf == btf_kflag(tt));
        }
        case BTF_KIND_ENUM:
        case BTF_KIND_ENUM64: return yes(btf_is_any_enum(tt) && enums_match(lb, lt, tb, tt));
        case BTF_KIND_STRUCT:
        case BTF_KIND_UNION:
            if (behind_ptr) {
                if (lk == tk) return Match::Yes;
                return yes(tk == BTF_KIND_FWD && (lk == BTF_KIND_UNION) == btf_kflag(tt));
            }
            if (lk != tk) return Match::No;
            return composites_match(lb, lt, tb, tt, behind_ptr, level);
        case BTF_KIND_INT:
            return yes(lk == tk && lt->size == tt->size &&
                       (btf_int_encoding(lt) & BTF_INT_SIGNED) == (btf_int_encoding(tt) & BTF_INT_SIGNED));
        case BTF_KIND_PTR:
            if (lk != tk) return Match::No;
            behind_ptr = true;
            lid = lt->type;
            tid = tt->type;
            continue;
        case BTF_KIND_ARRAY:
            if (lk != tk || btf_array(lt)->nelems != btf_array(tt)->nelems) return Match::No;
            lid = btf_array(lt)->type;
            tid = btf_array(tt)->type;
            continue;
        case BTF_KIND_FUNC_PROTO:
            if (lk != tk || btf_vlen(lt) != btf_vlen(tt)) return Match::No;
            for (uint16_t i = 0; i < btf_vlen(lt); ++i) {
                const Match m = types_match(lb, btf_params(lt)[i].type, tb, btf_params(tt)[i].type, behind_ptr,
                                            level - 1);
                if (m != Match::Yes) return m;
            }
            lid = lt->type;
            tid = tt->type;
            continue;
        default: return Match::No;
        }
    }
    return Match::Error;
}

// libbpf's bpf_core_match_member: the target member named as the local accessor's, found
// through anonymous structs and unions, its type compatible. Extends `spec`.
Match match_member(const struct btf* lb, const Accessor& local, const struct btf* tb, uint32_t tid, Spec& spec,
                   uint32_t& next_tid) {
    const struct btf_type* tt = skip_mods(tb, tid, &tid);
    if (!tt) return Match::Error;
    if (!btf_is_composite(tt)) return Match::No;
    const struct btf_type* lt = btf__type_by_id(lb, local.type_id);
    const struct btf_member& lm = btf_members(lt)[local.idx];
    const std::string_view local_name = name_of(lb, lm.name_off);
    for (uint16_t i = 0; i < btf_vlen(tt); ++i) {
        const struct btf_member& m = btf_members(tt)[i];
        if (spec.raw.size() == kSpecMaxLen) return Match::Error;
        const uint32_t bit_offset = btf_member_bit_offset(tt, i);
        spec.bit_offset += bit_offset;
        spec.raw.push_back(i);
        const char* targ_name = btf__name_by_offset(tb, m.name_off);
        if (!targ_name || !*targ_name) { // an embedded struct or union: look inside
            const Match found = match_member(lb, local, tb, m.type, spec, next_tid);
            if (found != Match::No) return found;
        } else if (local_name == targ_name) {
            spec.acc.push_back({tid, i, targ_name});
            next_tid = m.type;
            const Match compat = fields_are_compat(lb, lm.type, tb, m.type);
            if (compat == Match::No) spec.acc.pop_back();
            return compat;
        }
        spec.bit_offset -= bit_offset;
        spec.raw.pop_back();
    }
    return Match::No;
}

// libbpf's bpf_core_spec_match: the local spec in target candidate `tid`.
Match spec_match(const Spec& local, uint32_t kind, const struct btf* tb, uint32_t tid, Spec& targ) {
    targ = Spec{};
    targ.btf = tb;
    targ.root_type_id = tid;
    if (type_kind(kind)) {
        return kind == kTypeMatches ? types_match(local.btf, local.root_type_id, tb, tid, false, kMaxDepth)
                                    : types_are_compat(local.btf, local.root_type_id, tb, tid, kMaxDepth);
    }
    if (enumval_kind(kind)) {
        const struct btf_type* tt = skip_mods(tb, tid, &tid);
        if (!tt || !btf_is_any_enum(tt)) return Match::No;
        const std::string_view local_name = local.acc[0].name;
        for (uint16_t i = 0; i < btf_vlen(tt); ++i) {
            const uint32_t name_off = btf_is_enum(tt) ? btf_enum(tt)[i].name_off : btf_enum64(tt)[i].name_off;
            const char* name = btf__name_by_offset(tb, name_off);
            if (!name) continue;
            if (same_essential_name(local_name, name)) {
                targ.acc.push_back({tid, i, name});
                targ.raw.push_back(i);
                return Match::Yes;
            }
        }
        return Match::No;
    }
    for (size_t i = 0; i < local.acc.size(); ++i) {
        const Accessor& la = local.acc[i];
        const struct btf_type* tt = skip_mods(tb, tid, &tid);
        if (!tt) return Match::Error;
        if (la.name) {
            const Match m = match_member(local.btf, la, tb, tid, targ, tid);
            if (m != Match::Yes) return m;
            continue;
        }
        if (i > 0) { // an array element: the target's array must hold it
            if (!btf_is_array(tt)) return Match::No;
            const struct btf_array* a = btf_array(tt);
            if (!is_flex_array(tb, targ.acc.back(), a) && la.idx >= a->nelems) return Match::No;
            if (!skip_mods(tb, a->type, &tid)) return Match::Error;
        }
        if (targ.raw.size() == kSpecMaxLen) return Match::Error;
        targ.acc.push_back({tid, la.idx, nullptr});
        targ.raw.push_back(la.idx);
        const auto size = resolve_size(tb, tid);
        if (!size) return Match::Error;
        targ.bit_offset += uint64_t(la.idx) * *size * 8;
    }
    return Match::Yes;
}

// One side's value (libbpf's bpf_core_calc_{field,type,enumval}_relo). spec null: no
// candidate. poison: the instruction is to be poisoned.
struct Side {
    uint64_t value = 0;
    uint32_t size = 0;    // load/store size of a non-bitfield byte_off
    uint32_t type_id = 0; // the field's type for that size
    bool poison = false;
    bool validate = true;
};

std::expected<Side, std::string> calc_field(uint32_t kind, const Spec* spec) {
    Side out;
    if (kind == kFieldExists) {
        out.value = spec ? 1 : 0;
        return out;
    }
    if (!spec) {
        out.poison = true;
        return out;
    }
    const Accessor& acc = spec->acc.back();
    const struct btf* b = spec->btf;
    if (!acc.name) { // a[n]
        const auto size = resolve_size(b, acc.type_id);
        if (!size) return std::unexpected(std::string("an array element without a size"));
        if (kind == kFieldByteOffset) {
            out.value = spec->bit_offset / 8;
            out.size = uint32_t(*size);
            out.type_id = acc.type_id;
        } else if (kind == kFieldByteSize) {
            out.value = *size;
        } else {
            return std::unexpected(std::string("the relocation kind cannot apply to an array element"));
        }
        return out;
    }
    const struct btf_type* t = btf__type_by_id(b, acc.type_id);
    const struct btf_member& m = btf_members(t)[acc.idx];
    uint32_t field_type_id = 0;
    const struct btf_type* mt = skip_mods(b, m.type, &field_type_id);
    if (!mt) return std::unexpected(std::string("a member without a type"));
    const uint64_t bit_off = spec->bit_offset;
    uint64_t bit_sz = btf_member_bitfield_size(t, acc.idx);
    const bool bitfield = bit_sz > 0;
    uint64_t byte_sz = 0, byte_off = 0;
    if (bitfield) {
        byte_sz = mt->size;
        if (byte_sz == 0) return std::unexpected(std::string("a bitfield of a type without a size"));
        byte_off = bit_off / 8 / byte_sz * byte_sz;
        while (bit_off + bit_sz - byte_off * 8 > byte_sz * 8) { // the smallest load holding the bits
            if (byte_sz >= 8) return std::unexpected(std::string("the bitfield cannot be read with a 64-bit load"));
            byte_sz *= 2;
            byte_off = bit_off / 8 / byte_sz * byte_sz;
        }
    } else {
        const auto size = resolve_size(b, field_type_id);
        if (!size) return std::unexpected(std::string("a member without a size"));
        byte_sz = *size;
        byte_off = bit_off / 8;
        bit_sz = byte_sz * 8;
    }
    out.validate = !bitfield; // clang and libbpf may choose other loads for a bitfield
    switch (kind) {
    case kFieldByteOffset:
        out.value = byte_off;
        if (!bitfield) {
            out.size = uint32_t(byte_sz);
            out.type_id = field_type_id;
        }
        break;
    case kFieldByteSize: out.value = byte_sz; break;
    case kFieldSigned:
        out.value = (btf_is_any_enum(mt) && btf_kflag(mt)) || (btf_is_int(mt) && (btf_int_encoding(mt) & BTF_INT_SIGNED));
        out.validate = true;
        break;
    case kFieldLshiftU64: out.value = 64 - (bit_off + bit_sz - byte_off * 8); break; // little endian
    case kFieldRshiftU64:
        out.value = 64 - bit_sz;
        out.validate = true;
        break;
    default: return std::unexpected(fmt::format("unknown field relocation kind {}", kind));
    }
    return out;
}

std::expected<Side, std::string> calc_type(uint32_t kind, const Spec* spec) {
    Side out;
    if (!spec) return out; // type relocations read 0 when the type is not there
    switch (kind) {
    case kTypeIdTarget:
        out.value = spec->root_type_id;
        out.validate = false; // ids change when objects are linked
        break;
    case kTypeExists:
    case kTypeMatches: out.value = 1; break;
    case kTypeSize: {
        const auto size = resolve_size(spec->btf, spec->root_type_id);
        if (!size) return std::unexpected(std::string("the type has no size"));
        out.value = *size;
        break;
    }
    default: return std::unexpected(fmt::format("unsupported type relocation kind {}", kind));
    }
    return out;
}

std::expected<Side, std::string> calc_enumval(uint32_t kind, const Spec* spec) {
    Side out;
    if (kind == kEnumvalExists) {
        out.value = spec ? 1 : 0;
        return out;
    }
    if (!spec) {
        out.poison = true;
        return out;
    }
    const struct btf_type* t = btf__type_by_id(spec->btf, spec->acc[0].type_id);
    const uint32_t i = spec->acc[0].idx;
    // A 32-bit enumerator's value is sign-extended, as libbpf assigns it (its __s32 val).
    out.value = btf_is_enum(t) ? uint64_t(int64_t(btf_enum(t)[i].val)) : btf_enum64_value(btf_enum64(t) + i);
    return out;
}

std::expected<Side, std::string> calc_side(uint32_t kind, const Spec* spec) {
    if (field_kind(kind)) return calc_field(kind, spec);
    if (type_kind(kind)) return calc_type(kind, spec);
    return calc_enumval(kind, spec);
}

// libbpf's bpf_core_calc_relo: both sides, and whether a load/store may change size.
std::expected<CoreBtfAnswer, std::string> calc_relo(uint32_t kind, const Spec& local, const Spec* targ) {
    auto orig = calc_side(kind, &local);
    if (!orig) return std::unexpected(orig.error());
    CoreBtfAnswer res;
    res.validate = orig->validate;
    if (orig->poison) { // the object's own field must be there
        res.poison = true;
        return res;
    }
    auto now = calc_side(kind, targ);
    if (!now) return std::unexpected(now.error());
    res.orig_val = orig->value;
    res.new_val = now->value;
    res.poison = now->poison;
    if (field_kind(kind) && !res.poison) {
        res.orig_size = orig->size;
        res.new_size = now->size;
        if (res.orig_size != res.new_size) {
            // Safe only for pointers (a 32-bit kernel's) and unsigned integers (zero-extended).
            const struct btf_type* ot = btf__type_by_id(local.btf, orig->type_id);
            const struct btf_type* nt = btf__type_by_id(targ->btf, now->type_id);
            const bool pointers = ot && nt && btf_is_ptr(ot) && btf_is_ptr(nt);
            const bool unsigned_ints = ot && nt && btf_is_int(ot) && btf_is_int(nt) &&
                                       btf_int_encoding(ot) != BTF_INT_SIGNED && btf_int_encoding(nt) != BTF_INT_SIGNED;
            res.fail_memsz_adjust = !pointers && !unsigned_ints;
        }
    }
    return res;
}

} // namespace

Result<BtfPtr> load_core_btf(const std::string& path) {
    errno = 0;
    struct btf* b = btf__parse(path.c_str(), nullptr);
    if (!b) {
        const int err = errno ? errno : EINVAL;
        char reason[128] = {};
        libbpf_strerror(err, reason, sizeof reason); // libbpf's own codes (bad ELF, ...) too
        return fail(Error::plain(fmt::format("core BTF '{}': cannot read BTF from it (neither an ELF object with a "
                                             ".BTF section nor a raw BTF file): {}",
                                             path, reason)));
    }
    return BtfPtr(b);
}

std::expected<CoreBtfAnswer, std::string> resolve_core_relocation(const struct btf* local, const RawCoreRelocation& r,
                                                                  const struct btf* target) {
    auto local_spec = parse_local_spec(local, r);
    if (!local_spec) return std::unexpected(local_spec.error());
    if (r.kind == kTypeIdLocal) {
        CoreBtfAnswer res;
        res.validate = false;
        res.orig_val = res.new_val = r.type_id;
        return res;
    }
    const struct btf_type* local_type = btf__type_by_id(local, r.type_id);
    const std::string_view local_name = local_type ? name_of(local, local_type->name_off) : std::string_view{};
    if (local_name.empty())
        return std::unexpected(std::string("a relocation against an anonymous type has no candidate to look for"));

    // The candidates: the target's types of a compatible kind and the same essential name.
    std::optional<CoreBtfAnswer> chosen;
    std::optional<Spec> chosen_spec;
    const uint32_t count = btf__type_cnt(target);
    for (uint32_t id = 1; id < count; ++id) {
        const struct btf_type* t = btf__type_by_id(target, id);
        if (!t || !btf_kind_core_compat(t, local_type)) continue;
        const std::string_view name = name_of(target, t->name_off);
        if (name.empty() || !same_essential_name(local_name, name)) continue;
        Spec cand;
        const Match m = spec_match(*local_spec, r.kind, target, id, cand);
        if (m == Match::Error)
            return std::unexpected(fmt::format("matching candidate [{}] '{}' of the core BTF failed", id, name));
        if (m == Match::No) continue;
        auto res = calc_relo(r.kind, *local_spec, &cand);
        if (!res) return std::unexpected(res.error());
        if (!chosen) {
            chosen = *res;
            chosen_spec = std::move(cand);
        } else if (cand.bit_offset != chosen_spec->bit_offset) {
            return std::unexpected(fmt::format("field offset ambiguity: candidates of the core BTF put it at bit {} "
                                               "and at bit {}",
                                               chosen_spec->bit_offset, cand.bit_offset));
        } else if (res->poison != chosen->poison || res->new_val != chosen->new_val) {
            return std::unexpected(fmt::format("relocation decision ambiguity: candidates of the core BTF answer {} "
                                               "and {}",
                                               chosen->new_val, res->new_val));
        }
    }
    if (chosen) return *chosen;
    return calc_relo(r.kind, *local_spec, nullptr);
}

} // namespace ebpfjit::runtime::elf
