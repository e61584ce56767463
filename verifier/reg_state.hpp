// The abstract value of one register: its type (what region a pointer points into) and,
// for scalars, the value; for pointers, the fixed offset `off` plus a variable part `var`.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/maps/map.hpp"
#include "verifier/scalar.hpp"

namespace ebpfjit::verifier {

enum class RegType : uint8_t {
    NotInit,
    Scalar,
    Ctx,            // the program's context struct
    Stack,          // into frame `frame`; off is relative to that frame's r10
    MapPtr,         // LDDW map reference (a struct bpf_map *)
    MapPtrOrNull,   // lookup in a map-in-map
    MapValue,       // into one value (value_size bytes) of `map`
    MapValueOrNull,
    Packet,         // packet data (or the mem program's buffer); `range` bytes proven readable
    PacketMeta,     // XDP metadata in front of the packet
    PacketEnd,      // one past the last packet byte
    Mem,            // helper-returned memory of mem_size bytes (ringbuf record)
    MemOrNull,
    Func,           // a callback's address (LDDW src 4); off is its first slot
    MapKey,         // a for_each callback's key: key_size read-only bytes of `map`
    // Sockets from the bpf_sk_lookup family (the kernel's PTR_TO_SOCKET / PTR_TO_SOCK_COMMON):
    // referenced objects (AbstractState::refs), opaque to the program: no arithmetic, no
    // loads or stores through them; only helpers taking a socket may use them.
    Socket,
    SocketOrNull,
    SockCommon,     // a socket that may be a time-wait or request socket (skc_lookup_tcp)
    SockCommonOrNull,
};

// What a comparison with the packet's end proved for one packet pointer (the kernel's
// AT_PKT_END / BEYOND_PKT_END ranges): a later comparison of that register with the end
// has one feasible edge. Weaker to stronger; any arithmetic on the pointer forgets it.
enum class EndMark : uint8_t { None, AtEnd, BeyondEnd }; // p >= end, p > end

struct RegState {
    RegType type = RegType::NotInit;
    int32_t off = 0;
    Scalar var = Scalar::unknown(); // scalars: the value; pointers: variable offset
    // Packet pointers sharing an id share their variable offset, so a range proven for
    // one holds for all; an or-null id names all copies of one helper result.
    uint32_t id = 0;
    uint32_t range = 0;            // packet / meta: bytes readable from (base + var)
    EndMark end_mark = EndMark::None; // packet: this register alone (not its copies)
    const maps::MapDefinition* map = nullptr;
    uint32_t mem_size = 0;         // Mem: record size
    uint8_t frame = 0;             // Stack: frame number; MapKey: the callback frame the key dies with
    bool is_mem_length = false;    // mem programs: this scalar is the buffer length (r2)
    // NotInit after a release: 1 + the releasing call's slot, and off = the acquiring slot.
    uint32_t released_at = 0;
    // NotInit after a packet-changing helper (bpf_xdp_adjust_head ...) invalidated the
    // packet pointer this register held: 1 + that call's slot, for the message on a use;
    // `id` then names that invalidation (stale_packet_pair).
    uint32_t invalidated_at = 0;
    // Loop pass only (zone.hpp): the symbol naming this value (scalars) or this
    // pointer's variable offset (packet pointers) in the state's zone; 0: none.
    uint32_t sym = 0;
    // Checkpoints only: some continuation's safety depended on this scalar's exact bounds
    // (precision.hpp). An imprecise scalar matches any scalar when states are compared.
    bool precise = false;

    static RegState scalar(Scalar s) {
        RegState r;
        r.type = RegType::Scalar;
        r.var = s;
        return r;
    }
    static RegState unknown_scalar() { return scalar(Scalar::unknown()); }
    static RegState pointer(RegType t, int32_t off = 0) {
        RegState r;
        r.type = t;
        r.off = off;
        r.var = Scalar::constant(0);
        return r;
    }

    bool is_pointer() const { return type != RegType::NotInit && type != RegType::Scalar; }
    bool is_scalar() const { return type == RegType::Scalar; }
    bool may_be_null() const {
        return type == RegType::MapValueOrNull || type == RegType::MapPtrOrNull ||
               type == RegType::MemOrNull || type == RegType::SocketOrNull ||
               type == RegType::SockCommonOrNull;
    }
    bool is_socket() const { return type == RegType::Socket || type == RegType::SockCommon; }
    // A register whose reference was given back (bpf_sk_release): uninitialised, but
    // remembering where, so a second release or a later use says so.
    bool is_released() const { return type == RegType::NotInit && released_at != 0; }
    bool is_packet_like() const {
        return type == RegType::Packet || type == RegType::PacketMeta || type == RegType::PacketEnd;
    }
    bool is_null_const() const { return is_scalar() && var.is_const() && var.value() == 0; }

    std::string to_string() const;
    friend bool operator==(const RegState&, const RegState&) = default;
};

// Two packet pointers invalidated by one packet-changing helper call: both pointed into
// the same buffer then, so their difference is an offset, not an address.
inline bool stale_packet_pair(const RegState& a, const RegState& b) {
    return a.type == RegType::NotInit && b.type == RegType::NotInit && a.invalidated_at != 0 &&
           b.invalidated_at != 0 && a.id != 0 && a.id == b.id;
}

std::string_view to_string(RegType t);

} // namespace ebpfjit::verifier
