// The one table of helpers, keyed by the kernel's numeric ids (BPF_FUNC_* in <linux/bpf.h>).
// Each entry carries the prototype the verifier checks calls against, the program types
// allowed to call it, and the function the interpreter and the JITs call.
//
// Calling convention shared by the interpreter and both JITs: a plain C function taking
// r1..r5 as five uint64_t and returning r0. Helpers that need the running program's
// state (packet buffer, tail calls, per-CPU slot) read runtime::ExecutionState::current().
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "ebpfjit/program_type.hpp"

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
};

enum class RetType : uint8_t {
    Integer,        // scalar
    Void,           // r0 undefined afterwards
    MapValueOrNull, // pointer to value_size bytes of the map in r1, or NULL
    AllocMemOrNull, // pointer to `size` (r2) bytes, or NULL (ringbuf_reserve)
};

struct Prototype {
    RetType ret = RetType::Integer;
    std::array<ArgType, 5> args{};
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
};

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

} // namespace ebpfjit::helpers
