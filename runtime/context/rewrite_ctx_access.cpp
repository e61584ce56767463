#include "runtime/context/rewrite_ctx_access.hpp"

#include <optional>

#include <fmt/format.h>

#include "engine_abi/ctx_layout.hpp"

namespace ebpfjit::runtime {
namespace {

using namespace ebpfjit::isa;

struct Access {
    int16_t off;
    uint32_t size;
    bool write;
};

std::optional<Access> access_of(const Instruction& insn) {
    if (const auto* l = std::get_if<Load>(&insn))
        return Access{l->off, uint32_t(l->size), false};
    if (const auto* s = std::get_if<Store>(&insn))
        return Access{s->off, uint32_t(s->size), true};
    if (const auto* a = std::get_if<Atomic>(&insn))
        return Access{a->off, a->is64 ? 8u : 4u, true};
    return std::nullopt;
}

// Checks one ctx access against the layout and rewrites it in place if it reads a
// packet pointer.
Result<void> convert(Instruction& insn, uint32_t pc, const Access& acc, const engine_abi::HostCtxLayout& layout,
                     ProgramType type) {
    auto bad = [&](std::string why) {
        return fail(Error::at_insn(pc, fmt::format("invalid {} access to {} at offset {}, size {}: {}",
                                                   acc.write ? "write" : "read", layout.struct_name,
                                                   acc.off, acc.size, why)));
    };
    if (std::holds_alternative<Atomic>(insn)) return bad("atomic operations on the context");
    const engine_abi::HostCtxField* f = engine_abi::find_host_ctx_field(layout, acc.off, acc.size);
    if (!f) return bad(fmt::format("no field of {} covers it", layout.struct_name));
    if (acc.off % acc.size != 0) return bad("misaligned");
    ProgramTypeMask allowed = acc.write ? f->writable : f->readable;
    if (!(allowed & mask_of(type)))
        return bad(fmt::format("field {} is not {} for {} programs", f->name,
                               acc.write ? "writable" : "readable", to_string(type)));
    if (acc.write) {
        if (!f->narrow_write && acc.size != f->size)
            return bad(fmt::format("field {} must be written whole", f->name));
        return {};
    }
    if (f->kind == engine_abi::CtxFieldKind::Scalar) {
        if (!f->read_size_ok(acc.size))
            return bad(fmt::format("field {} is a u{}, read {} bytes", f->name, 8 * f->width, acc.size));
        return {};
    }
    if (f->kind == engine_abi::CtxFieldKind::SkbSocket) { // the pointer is in place
        if (acc.size != 8 || acc.off != f->offset) return bad(fmt::format("field {} must be read whole", f->name));
        return {};
    }
    auto& load = std::get<Load>(insn);
    if (acc.size != 4 || acc.off != f->offset || load.sign_extend)
        return bad(fmt::format("packet pointer {} must be read with a 4-byte load", f->name));
    load.size = Size::DW;
    load.off = int16_t(f->host_offset);
    return {};
}

} // namespace

Result<isa::Program> rewrite_ctx_access(const isa::Program& program, ProgramType type, const verifier::Facts& facts) {
    const engine_abi::HostCtxLayout* layout = engine_abi::host_ctx_layout(type);
    if (!layout || program.insns.empty()) return program;
    if (facts.ctx_access.size() != program.size())
        return fail(Error::plain(fmt::format("no ctx-access facts for this {}-slot {} program: verify it "
                                             "for this program type first",
                                             program.size(), to_string(type))));

    isa::Program out = program;
    for (uint32_t pc = 0; pc < out.size(); ++pc) {
        const verifier::CtxAccess* ctx = facts.ctx_access_at(pc);
        if (!ctx) continue;
        auto acc = access_of(out.insns[pc]);
        const engine_abi::HostCtxField* f = acc ? engine_abi::find_host_ctx_field(*layout, acc->off, acc->size) : nullptr;
        if (!acc || !f || f->offset != ctx->field_offset || f->size != ctx->field_size)
            return fail(Error::at_insn(pc, fmt::format("the verifier recorded a ctx access to the field at offset "
                                                       "{} here, which this instruction does not make",
                                                       ctx->field_offset)));
        if (auto ok = convert(out.insns[pc], pc, *acc, *layout, type); !ok) return fail(ok.error());
    }
    return out;
}

} // namespace ebpfjit::runtime
