#include "corpus.hpp"

namespace ebpfjit::verifier::test {

using helpers::ArgType;
using helpers::RetType;

const std::vector<maps::MapDefinition>& corpus_maps() {
    static const std::vector<maps::MapDefinition> maps = [] {
        std::vector<maps::MapDefinition> m(9);
        m[kHashMap] = {1, 4, 8, 64, 0, "hash", nullptr};
        m[kArrayMap] = {2, 4, 16, 4, 0, "array", nullptr};
        m[kProgArray] = {3, 4, 4, 4, 0, "progs", nullptr};
        m[kRingbufMap] = {27, 0, 0, 4096, 0, "events", nullptr};
        m[kGlobalData] = {2, 4, 64, 1, 0, ".data", nullptr};
        m[kPerfArray] = {4, 4, 4, 4, 0, "perf", nullptr};
        m[kReadOnlyMap] = {2, 4, 16, 1, 1u << 7, ".rodata", nullptr};
        m[kDevMap] = {14, 4, 4, 8, 0, "ports", nullptr};
        m[kLockMap] = {2, 4, 16, 2, 0, "locked", nullptr};
        m[kLockMap].spin_lock_offset = 8;
        // .rodata as loaded: a terminated string at 0, an unterminated one from 4.
        const char rodata[16] = {'a', 'b', 'c', 0, 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o'};
        m[kReadOnlyMap].frozen_value = std::make_shared<const std::vector<uint8_t>>(rodata, rodata + 16);
        return m;
    }();
    return maps;
}

const helpers::HelperTable& corpus_helpers() {
    static const helpers::HelperTable table = [] {
        helpers::HelperTable t;
        using A = ArgType;
        const ProgramTypeMask xdp = mask_of(ProgramType::Xdp);
        const ProgramTypeMask skb = mask_of(ProgramType::SchedCls) | mask_of(ProgramType::SocketFilter);
        const ProgramTypeMask net = xdp | skb;
        // The roles (map types, callbacks, references, locks, packet changes) come from the
        // builtin entry of the same id: the verifier reads them, never the id.
        auto add = [&](int32_t id, std::string_view name, RetType ret, std::array<A, 5> args,
                       ProgramTypeMask allowed = kAllProgramTypes) {
            helpers::Helper h{id, name, {ret, args}, allowed, nullptr};
            if (const helpers::Helper* b = helpers::HelperTable::builtin().find(id)) {
                h.proto = b->proto;
                h.proto.ret = ret;
                h.proto.args = args;
                h.changes_packet_data = b->changes_packet_data;
            }
            t.add(h);
        };
        add(1, "map_lookup_elem", RetType::MapValueOrNull, {A::ConstMapPtr, A::PtrToMapKey});
        add(2, "map_update_elem", RetType::Integer, {A::ConstMapPtr, A::PtrToMapKey, A::PtrToMapValue, A::Anything});
        add(3, "map_delete_elem", RetType::Integer, {A::ConstMapPtr, A::PtrToMapKey});
        add(87, "map_push_elem", RetType::Integer, {A::ConstMapPtr, A::PtrToMapValue, A::Anything});
        add(88, "map_pop_elem", RetType::Integer, {A::ConstMapPtr, A::PtrToUninitMapValue});
        add(89, "map_peek_elem", RetType::Integer, {A::ConstMapPtr, A::PtrToUninitMapValue});
        add(5, "ktime_get_ns", RetType::Integer, {});
        add(6, "trace_printk", RetType::Integer, {A::PtrToMem, A::ConstSize});
        add(7, "get_prandom_u32", RetType::Integer, {});
        add(12, "tail_call", RetType::Void, {A::PtrToCtx, A::ConstMapPtr, A::Anything}, net);
        add(25, "perf_event_output", RetType::Integer,
            {A::PtrToCtx, A::ConstMapPtr, A::Anything, A::PtrToMem, A::ConstSizeOrZero}, net);
        add(26, "skb_load_bytes", RetType::Integer, {A::PtrToCtx, A::Anything, A::PtrToUninitMem, A::ConstSize}, skb);
        add(44, "xdp_adjust_head", RetType::Integer, {A::PtrToCtx, A::Anything}, xdp);
        add(51, "redirect_map", RetType::Integer, {A::ConstMapPtr, A::Anything, A::Anything}, xdp);
        add(130, "ringbuf_output", RetType::Integer, {A::ConstMapPtr, A::PtrToMem, A::ConstSizeOrZero, A::Anything});
        add(131, "ringbuf_reserve", RetType::AllocMemOrNull, {A::ConstMapPtr, A::ConstAllocSizeOrZero, A::Anything});
        add(132, "ringbuf_submit", RetType::Void, {A::PtrToAllocMem, A::Anything});
        add(133, "ringbuf_discard", RetType::Void, {A::PtrToAllocMem, A::Anything});
        add(14, "get_current_pid_tgid", RetType::Integer, {}, 0); // allowed nowhere here
        add(164, "for_each_map_elem", RetType::Integer, {A::ConstMapPtr, A::PtrToFunc, A::PtrToStackOrNull, A::Anything});
        add(181, "loop", RetType::Integer, {A::Anything, A::PtrToFunc, A::PtrToStackOrNull, A::Anything});
        add(93, "spin_lock", RetType::Void, {A::PtrToSpinLock});
        add(94, "spin_unlock", RetType::Void, {A::PtrToSpinLock});
        add(165, "snprintf", RetType::Integer,
            {A::PtrToUninitMem, A::ConstSizeOrZero, A::PtrToConstStr, A::PtrToMemOrNull, A::ConstSizeOrZero});
        const ProgramTypeMask tc = mask_of(ProgramType::SchedCls);
        const std::array<A, 5> lookup{A::PtrToCtx, A::PtrToMem, A::ConstSize, A::Anything, A::Anything};
        add(84, "sk_lookup_tcp", RetType::SocketOrNull, lookup, tc | xdp);
        add(85, "sk_lookup_udp", RetType::SocketOrNull, lookup, tc | xdp);
        add(99, "skc_lookup_tcp", RetType::SockCommonOrNull, lookup, tc | xdp);
        add(86, "sk_release", RetType::Integer, {A::PtrToSockCommon}, tc | xdp);
        add(124, "sk_assign", RetType::Integer, {A::PtrToCtx, A::PtrToSockCommon, A::Anything}, tc);
        add(46, "get_socket_cookie", RetType::Integer, {A::PtrToCtx}, skb);
        return t;
    }();
    return table;
}

VerifierInput corpus_input(ProgramType type, Level level) {
    VerifierInput in;
    in.type = type;
    in.level = level;
    in.maps = corpus_maps();
    in.helpers = &corpus_helpers();
    // The corpus states the strict stack rules (the kernel's unprivileged "invalid read
    // from stack"); what the default allow_uninit_stack accepts instead, and the zeroing
    // that makes it safe, is uninit_stack_test.cpp's, case by case for these programs.
    in.allow_uninit_stack = false;
    return in;
}

} // namespace ebpfjit::verifier::test
