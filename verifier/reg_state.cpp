#include "verifier/reg_state.hpp"

#include <fmt/format.h>

namespace ebpfjit::verifier {

std::string_view to_string(RegType t) {
    switch (t) {
    case RegType::NotInit: return "uninit";
    case RegType::Scalar: return "scalar";
    case RegType::Ctx: return "ctx";
    case RegType::Stack: return "fp";
    case RegType::MapPtr: return "map_ptr";
    case RegType::MapPtrOrNull: return "map_ptr_or_null";
    case RegType::MapValue: return "map_value";
    case RegType::MapValueOrNull: return "map_value_or_null";
    case RegType::Packet: return "pkt";
    case RegType::PacketMeta: return "pkt_meta";
    case RegType::PacketEnd: return "pkt_end";
    case RegType::Mem: return "mem";
    case RegType::MemOrNull: return "mem_or_null";
    case RegType::Func: return "func";
    case RegType::MapKey: return "map_key";
    case RegType::Socket: return "sock";
    case RegType::SocketOrNull: return "sock_or_null";
    case RegType::SockCommon: return "sock_common";
    case RegType::SockCommonOrNull: return "sock_common_or_null";
    }
    return "?";
}

std::string RegState::to_string() const {
    switch (type) {
    case RegType::NotInit:
        if (is_released()) return fmt::format("uninit (released at insn {}, acquired at insn {})", released_at - 1, off);
        if (invalidated_at) return fmt::format("uninit (packet pointer invalidated at insn {})", invalidated_at - 1);
        return "uninit";
    case RegType::Scalar: {
        std::string s = var.is_const() ? var.to_string() : "scalar(" + var.to_string() + ")";
        if (is_mem_length) s += " (mem length)";
        return s;
    }
    case RegType::Stack:
        if (var.is_const()) return fmt::format("fp{}{}", frame ? fmt::format("[{}]", frame) : "", off);
        return fmt::format("fp{}(off={}, {})", frame ? fmt::format("[{}]", frame) : "", off,
                           var.to_string());
    case RegType::PacketEnd: return "pkt_end";
    case RegType::Func: return fmt::format("func(pc{})", off);
    case RegType::MapPtr:
    case RegType::MapPtrOrNull:
        return fmt::format("{}(ks={}, vs={})", verifier::to_string(type), map ? map->key_size : 0,
                           map ? map->value_size : 0);
    default: break;
    }
    std::string out = fmt::format("{}(", verifier::to_string(type));
    if (id) out += fmt::format("id={}, ", id);
    if (type == RegType::MapValue || type == RegType::MapValueOrNull || type == RegType::MapKey)
        out += fmt::format("ks={}, vs={}, ", map ? map->key_size : 0, map ? map->value_size : 0);
    if (type == RegType::Mem || type == RegType::MemOrNull) out += fmt::format("size={}, ", mem_size);
    out += fmt::format("off={}", off);
    if (type == RegType::Packet || type == RegType::PacketMeta) out += fmt::format(", r={}", range);
    if (end_mark != EndMark::None) out += end_mark == EndMark::AtEnd ? ", at end" : ", beyond end";
    if (!var.is_const() || var.value() != 0) out += ", " + var.to_string();
    return out + ")";
}

} // namespace ebpfjit::verifier
