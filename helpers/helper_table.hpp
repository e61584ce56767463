// The one table of helpers, keyed by the kernel's numeric ids (BPF_FUNC_* in <linux/bpf.h>).
// Each entry carries the prototype the verifier checks calls against, the program types
// allowed to call it, and the function the interpreter and the JITs call. The verifier
// knows a helper only through these fields (map types, map access, callback frame,
// references, lock role, tail call, packet changes), never by its id: a new helper is a
// new entry, and tests/helpers/helper_roles_test.cpp checks every entry's consistency.
//
// Calling convention shared by the interpreter and both JITs: a plain C function taking
// r1..r5 as five uint64_t and returning r0. Helpers that need the running program's
// state (packet buffer, tail calls, per-CPU slot) read engine_abi::ExecutionState::current().
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "ebpfjit/program_type.hpp"
#include "engine_abi/kernel_ids.hpp"

namespace ebpfjit::helpers {

using HelperFn = uint64_t (*)(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5);

// Argument kinds, after the kernel's enum bpf_arg_type.
enum class ArgType : uint8_t {
    None,              // argument unused
    Anything,          // any initialised value
    Scalar,            // any scalar
    ConstSize,         // scalar size of the preceding memory argument, > 0
    ConstSizeOrZero,   // same, may be 0
    ConstMapPtr,       // map pointer (LDDW map)
    PtrToMapKey,       // pointer to key_size initialised bytes
    PtrToMapValue,     // pointer to value_size initialised bytes
    PtrToUninitMapValue,
    PtrToMem,          // readable memory; size in the next argument
    PtrToMemOrNull,
    PtrToUninitMem,    // writable memory; size in the next argument
    PtrToCtx,
    PtrToConstStr,     // NUL-terminated read-only string (map value)
    PtrToSpinLock,     // struct bpf_spin_lock inside a map value
    PtrToFunc,         // callback subprogram (LDDW src 4)
    PtrToStackOrNull,  // callback context
    PtrToLong,         // writable 8-byte result
    PtrToInt,          // initialised 4 bytes the helper reads and rewrites (bpf_check_mtu's mtu_len)
    PtrToAllocMem,     // a ringbuf record from bpf_ringbuf_reserve
    ConstAllocSizeOrZero,
    PtrToSockCommon,   // a non-NULL socket from a lookup (the kernel's ARG_PTR_TO_BTF_ID_SOCK_COMMON)
    PtrToTimer,        // the struct bpf_timer inside a map value (ARG_PTR_TO_TIMER); its map is
                       // the call's map: a ConstMapPtr argument must name the same one
};

enum class RetType : uint8_t {
    Integer,        // scalar
    Void,           // r0 undefined afterwards
    MapValueOrNull, // pointer to value_size bytes of the map in r1, or NULL
    AllocMemOrNull, // pointer to `size` (r2) bytes, or NULL (ringbuf_reserve)
    SocketOrNull,     // a full socket, or NULL (sk_lookup_tcp / sk_lookup_udp)
    SockCommonOrNull, // a socket that may be a time-wait socket, or NULL (skc_lookup_tcp)
};

// A set of BPF_MAP_TYPE_* numbers, bit n for type n.
using MapTypeMask = uint64_t;
constexpr MapTypeMask map_type_bit(uint32_t type) {
    return type < engine_abi::map_type::kLimit ? MapTypeMask{1} << type : 0;
}
constexpr MapTypeMask map_types(std::initializer_list<uint32_t> types) {
    MapTypeMask m = 0;
    for (uint32_t t : types) m |= map_type_bit(t);
    return m;
}
// Map types only their own helpers may take (the kernel's check_map_func_compatibility,
// map side): a prog array only bpf_tail_call, a perf event array only the perf event
// helpers, a ringbuf only the ringbuf helpers, a cgroup array only bpf_skb_under_cgroup.
// A helper accepts one of them only if its Prototype::map_types names it.
// Socket maps (SOCKMAP, SOCKHASH) only the map helpers whose Helper::on_socket_maps names
// them (lookup, update, delete).
inline constexpr MapTypeMask kSocketMapTypes =
    map_types({engine_abi::map_type::kSockmap, engine_abi::map_type::kSockhash});
inline constexpr MapTypeMask kReservedMapTypes =
    map_types({engine_abi::map_type::kProgArray, engine_abi::map_type::kPerfEventArray,
               engine_abi::map_type::kRingbuf, engine_abi::map_type::kCgroupArray}) |
    kSocketMapTypes;
// What a ConstMapPtr argument accepts unless the prototype says otherwise.
inline constexpr MapTypeMask kGeneralMapTypes = ~kReservedMapTypes;

// What a helper does to the map of its ConstMapPtr argument, checked against
// BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG. Helpers that return a pointer into the map
// (lookup) leave the check to the accesses through that pointer.
enum MapAccess : uint8_t {
    kMapNoAccess = 0,
    kMapReads = 1,  // copies values out of the map (peek, pop)
    kMapWrites = 2, // changes the map (update, delete, push, pop)
};

// What one register of a callback's frame receives (the kernel's set_*_callback_state).
enum class CallbackParam : uint8_t {
    None,     // not initialised
    Scalar,   // an unknown scalar (bpf_loop's index)
    MapPtr,   // the map of the helper's ConstMapPtr argument
    MapKey,   // a read-only pointer to one of its keys
    MapValue, // a pointer to the value of that key (read-only if the map is BPF_F_RDONLY_PROG)
    Ctx,      // the caller's register of the helper's PtrToStackOrNull argument
};
struct CallbackRole {
    int8_t func_arg = -1;                  // index in args of the PtrToFunc argument; -1: none
    std::array<CallbackParam, 5> params{}; // r1..r5 of the callback's frame
    // bpf_timer_set_callback: the callback runs later, on its own (the kernel's async
    // callback): verified once from a fresh frame 0 that sees none of the caller's state,
    // it must return 0, and the call itself returns at once.
    bool async = false;
};

// Objects a program must give back on every path (the kernel's acquire / release
// functions, reference tracking). A helper acquiring one returns it in r0, or NULL; a
// helper releasing one takes it as argument release_arg.
enum class RefKind : uint8_t {
    None,
    RingbufRecord, // bpf_ringbuf_reserve -> bpf_ringbuf_submit / bpf_ringbuf_discard
    Socket,        // bpf_sk_lookup_* / bpf_skc_lookup_tcp -> bpf_sk_release
};
struct RefRole {
    RefKind acquires = RefKind::None;
    RefKind releases = RefKind::None;
    int8_t release_arg = -1; // index in args of the released object
};

// bpf_spin_lock / bpf_spin_unlock: the PtrToSpinLock argument is taken or given back.
enum class LockRole : uint8_t { None, Lock, Unlock };

// The helper's contract with the verifier. Only ret and args are required; the roles
// default to "none" and the map types to every map no other helper reserves.
struct Prototype {
    RetType ret = RetType::Integer;
    std::array<ArgType, 5> args{};
    MapTypeMask map_types = kGeneralMapTypes; // what the ConstMapPtr argument accepts
    uint8_t map_access = kMapNoAccess;        // MapAccess bits
    CallbackRole callback{};
    RefRole refs{};
    LockRole lock = LockRole::None;
    // bpf_tail_call: the call does not return when it succeeds (both engines jump).
    bool tail_call = false;
    // bpf_map_lookup_elem: on an ARRAY or PERCPU_ARRAY map with a key the verifier knows to
    // be below max_entries, the result is never NULL (the kernel's can_elide_value_nullness;
    // every array holds all its elements, runtime/maps/array_map.cpp, and a pinned map is
    // reused only with the same max_entries, runtime/object_pins.cpp).
    bool array_lookup_not_null = false;
    // bpf_trace_printk: r3..r5 are printed by a format string the verifier does not read,
    // so they must not hold pointers (unless pointer leaks are allowed).
    bool formats_extra_args = false;
    // bpf_probe_read_*: reads host memory at an address the program gives as a number,
    // anywhere in the process. The kernel gives these helpers only with CAP_PERFMON (which
    // also allows pointer leaks), so the verifier allows them only under its privileged rules.
    bool reads_any_address = false;
    // bpf_snprintf (its PtrToConstStr argument), bpf_trace_printk and trace_vprintk (r1, a
    // PtrToMem): a format whose %s, %pks, %pus and %pi4/%pI4/%pi6/%pI6 conversions read
    // memory at an address a data argument gives: privileged rules only, as above (the
    // verifier reads the constant format; a printk format it cannot read is refused).
    bool format_reads_addresses = false;
    // bpf_sk_fullsock: r0 is the PtrToSockCommon argument itself, or NULL (the kernel's
    // is_ptr_cast_function, which gives r0 the argument's reference). Here only sockets
    // without a reference (skb->sk) may be cast: the verifier refuses a referenced one.
    bool casts_socket = false;
    // Map types for which the PtrToUninitMapValue argument is read, not written: a bloom
    // filter's bpf_map_peek_elem tests the value for membership and writes nothing, so
    // the value must be initialised and is not counted as written by the call.
    MapTypeMask value_read_by = 0;
};

// What a map helper becomes on maps whose values are sockets (SOCKMAP, SOCKHASH): the
// kernel's resolve_map_arg_type makes the value argument a socket, is_acquire_function
// makes a lookup acquire the socket it returns, may_update_sockmap lets only some program
// types change such a map. The verifier and the run-time checker use this prototype and
// these program types instead of the helper's own when its ConstMapPtr argument's map
// type is in map_types (on_map_type below); the helper's function handles both.
struct SocketMapRole {
    MapTypeMask map_types = 0; // 0: the helper is the same on every map it takes
    ProgramTypeMask allowed = kAllProgramTypes;
    std::string_view refused = {}; // the kernel's words for a program type not in `allowed`
    RetType ret = RetType::Integer;
    std::array<ArgType, 5> args{};
    RefRole refs{};
};

struct Helper {
    int32_t id;
    std::string_view name; // without the bpf_ prefix, as in BPF_FUNC_<name>
    Prototype proto;
    ProgramTypeMask allowed = kAllProgramTypes;
    HelperFn fn = nullptr;
    // The kernel's bpf_helper_changes_pkt_data(): the call may move or resize the packet,
    // so the verifier must forget every packet pointer (data, data_end, data_meta) it held.
    bool changes_packet_data = false;
    // The helper may read or write the run's ExecutionState (ExecutionState::current():
    // ctx, redirect, tail-call count, callbacks, program type). false only for helpers
    // known to need none of it; the per-CPU slot is the same without a state (the thread's
    // own, maps::current_cpu()). A program whose calls all say false runs without a
    // per-run state (jit::RunNeeds). Embedder helpers keep the safe default.
    bool uses_run_state = true;
    // The expected attach types that may call it, within `allowed` (the kernel's
    // func_proto switches on prog->expected_attach_type: bpf_bind only from connect4/6).
    AttachTypeMask allowed_attach = kAnyAttach;
    SocketMapRole on_socket_maps{};
};

// `h` as it applies to a map of `map_type`: with on_socket_maps' prototype and program
// types when they name that type, else `h` unchanged.
Helper on_map_type(const Helper& h, uint32_t map_type);

class HelperTable {
public:
    // Every helper ebpfjit implements.
    static const HelperTable& builtin();

    const Helper* find(int32_t id) const {
        auto it = by_id_.find(id);
        return it == by_id_.end() ? nullptr : &it->second;
    }
    // Adds or replaces an embedder-defined helper.
    void add(const Helper& h) { by_id_[h.id] = h; }
    const std::unordered_map<int32_t, Helper>& all() const { return by_id_; }

private:
    std::unordered_map<int32_t, Helper> by_id_;
};

// The kernel's name for any BPF_FUNC_* id (implemented or not), or "" if out of range.
std::string_view helper_name(int32_t id);
// "unknown helper #169 (bpf_timer_init: not implemented in ebpfjit)": the kernel's name
// when the id is one of <linux/bpf.h>'s, so a refusal says which helper a program needs.
std::string unknown_helper_message(int32_t id);
// libbpf's poisoned instruction (bpf_core_poison_insn): a CO-RE relocation the target BTF
// could not answer becomes `call 0xbad2310`, which the verifier refuses only where a path
// reaches it (docs/loader.md); the structural check lets it stand in dead code.
inline constexpr int32_t kPoisonedCoreRelocation = 195896080; // 0xbad2310, "bad relo"

} // namespace ebpfjit::helpers
