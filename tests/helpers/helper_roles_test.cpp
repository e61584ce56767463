// The helper table is the verifier's one source of helper facts (it never compares helper
// ids or map-type numbers): every role a prototype declares must be consistent with its
// arguments, so a wrong entry fails here rather than verifying programs wrongly.
#include <catch2/catch.hpp>

#include <algorithm>
#include <linux/bpf.h>

#include <set>

#include "engine_abi/kernel_ids.hpp"
#include "helpers/helper_table.hpp"

using namespace ebpfjit;
using helpers::ArgType;
using helpers::CallbackParam;
using helpers::Helper;
using helpers::RefKind;
using helpers::RetType;

namespace {

namespace id = engine_abi::helper_id;
namespace type = engine_abi::map_type;

const helpers::HelperTable& table() { return helpers::HelperTable::builtin(); }

bool takes(const Helper& h, ArgType a) {
    return std::find(h.proto.args.begin(), h.proto.args.end(), a) != h.proto.args.end();
}
bool accepts(int32_t helper, uint32_t map_type) {
    const Helper* h = table().find(helper);
    REQUIRE(h != nullptr);
    return (h->proto.map_types & helpers::map_type_bit(map_type)) != 0;
}

} // namespace

TEST_CASE("every callback role names a PtrToFunc argument and what the frame receives",
          "[helpers][table][roles]") {
    size_t callbacks = 0;
    for (const auto& [hid, h] : table().all()) {
        INFO("helper " << h.name);
        const auto& cb = h.proto.callback;
        if (cb.func_arg < 0) {
            CHECK_FALSE(takes(h, ArgType::PtrToFunc)); // a callback argument nobody describes
            CHECK(std::all_of(cb.params.begin(), cb.params.end(), [](CallbackParam p) { return p == CallbackParam::None; }));
            continue;
        }
        ++callbacks;
        REQUIRE(size_t(cb.func_arg) < h.proto.args.size());
        CHECK(h.proto.args[size_t(cb.func_arg)] == ArgType::PtrToFunc);
        CHECK(std::count(h.proto.args.begin(), h.proto.args.end(), ArgType::PtrToFunc) == 1);
        for (CallbackParam p : cb.params) {
            // The map is the ConstMapPtr argument's, or the PtrToTimer argument's (a timer's).
            if (p == CallbackParam::MapPtr || p == CallbackParam::MapKey || p == CallbackParam::MapValue)
                CHECK((takes(h, ArgType::ConstMapPtr) || takes(h, ArgType::PtrToTimer)));
            if (p == CallbackParam::Ctx) CHECK(takes(h, ArgType::PtrToStackOrNull));
        }
        CHECK(cb.params[0] != CallbackParam::None); // a callback receives at least one argument
        // An async callback (bpf_timer_set_callback's) is a timer's: its map is the timer's.
        if (cb.async) CHECK(takes(h, ArgType::PtrToTimer));
    }
    CHECK(callbacks == 3); // bpf_loop, bpf_for_each_map_elem, bpf_timer_set_callback
    {
        const auto& timer = table().find(BPF_FUNC_timer_set_callback)->proto.callback;
        CHECK(timer.async);
        CHECK(timer.params[0] == CallbackParam::MapPtr);
        CHECK(timer.params[1] == CallbackParam::MapKey);
        CHECK(timer.params[2] == CallbackParam::MapValue);
        CHECK(timer.params[3] == CallbackParam::None);
        CHECK_FALSE(table().find(id::kForEachMapElem)->proto.callback.async);
        CHECK_FALSE(table().find(id::kLoop)->proto.callback.async);
    }
    const auto& each = table().find(id::kForEachMapElem)->proto.callback.params;
    CHECK(each[0] == CallbackParam::MapPtr);
    CHECK(each[1] == CallbackParam::MapKey);
    CHECK(each[2] == CallbackParam::MapValue);
    CHECK(each[3] == CallbackParam::Ctx);
    const auto& loop = table().find(id::kLoop)->proto.callback.params;
    CHECK(loop[0] == CallbackParam::Scalar);
    CHECK(loop[1] == CallbackParam::Ctx);
}

TEST_CASE("every acquired reference has a release partner", "[helpers][table][roles]") {
    std::set<RefKind> acquired, released;
    for (const auto& [hid, h] : table().all()) {
        INFO("helper " << h.name);
        const auto& refs = h.proto.refs;
        if (refs.acquires != RefKind::None) {
            acquired.insert(refs.acquires);
            CHECK(h.proto.ret != RetType::Integer); // the reference is returned
            CHECK(h.proto.ret != RetType::Void);
        }
        if (refs.releases != RefKind::None) {
            released.insert(refs.releases);
            REQUIRE(refs.release_arg >= 0);
            REQUIRE(size_t(refs.release_arg) < h.proto.args.size());
            // each kind is given back through the argument type that names it
            CHECK(h.proto.args[size_t(refs.release_arg)] ==
                  (refs.releases == RefKind::Socket ? ArgType::PtrToSockCommon : ArgType::PtrToAllocMem));
        } else {
            CHECK(refs.release_arg == -1);
            CHECK_FALSE(takes(h, ArgType::PtrToAllocMem)); // such an argument is always a release
        }
    }
    CHECK(acquired == released);
    CHECK(acquired.count(RefKind::RingbufRecord) == 1);
    CHECK(table().find(id::kRingbufReserve)->proto.refs.acquires == RefKind::RingbufRecord);
    CHECK(table().find(id::kRingbufSubmit)->proto.refs.releases == RefKind::RingbufRecord);
    CHECK(table().find(id::kRingbufDiscard)->proto.refs.releases == RefKind::RingbufRecord);
    CHECK(acquired.count(RefKind::Socket) == 1);
    for (int32_t lookup : {BPF_FUNC_sk_lookup_tcp, BPF_FUNC_sk_lookup_udp, BPF_FUNC_skc_lookup_tcp})
        CHECK(table().find(lookup)->proto.refs.acquires == RefKind::Socket);
    CHECK(table().find(BPF_FUNC_sk_release)->proto.refs.releases == RefKind::Socket);
    CHECK(table().find(BPF_FUNC_sk_assign)->proto.refs.releases == RefKind::None); // it takes its own reference
}

TEST_CASE("map types: a helper taking a map names some, reserved types only their own helpers",
          "[helpers][table][roles]") {
    helpers::MapTypeMask claimed = 0;
    for (const auto& [hid, h] : table().all()) {
        INFO("helper " << h.name);
        const helpers::MapTypeMask m = h.proto.map_types;
        if (takes(h, ArgType::ConstMapPtr)) CHECK(m != 0);
        // A helper either takes the general maps or is one of a reserved type's own helpers;
        // the general map helpers take socket maps too, with their socket prototype.
        const helpers::MapTypeMask reserved = m & helpers::kReservedMapTypes & ~h.on_socket_maps.map_types;
        if (reserved != 0) CHECK((m & ~helpers::kReservedMapTypes) == 0);
        CHECK((h.on_socket_maps.map_types & ~m) == 0); // the socket prototype's maps are taken
        if (takes(h, ArgType::ConstMapPtr)) claimed |= m & helpers::kReservedMapTypes;
        // A helper that touches a map's contents takes a map.
        if (h.proto.map_access != helpers::kMapNoAccess) CHECK(takes(h, ArgType::ConstMapPtr));
    }
    CHECK(claimed == helpers::kReservedMapTypes); // every reserved type is usable by some helper
    CHECK(accepts(id::kTailCall, type::kProgArray));
    CHECK_FALSE(accepts(id::kTailCall, type::kArray));
    CHECK_FALSE(accepts(id::kMapLookupElem, type::kProgArray));
    CHECK(accepts(id::kPerfEventOutput, type::kPerfEventArray));
    CHECK_FALSE(accepts(id::kMapUpdateElem, type::kPerfEventArray));
    CHECK(accepts(id::kRingbufReserve, type::kRingbuf));
    CHECK_FALSE(accepts(id::kRingbufReserve, type::kHash));
    CHECK_FALSE(accepts(id::kMapUpdateElem, type::kRingbuf));
    CHECK(accepts(id::kForEachMapElem, type::kLruPercpuHash));
    CHECK_FALSE(accepts(id::kForEachMapElem, type::kQueue));
    CHECK(accepts(id::kMapLookupElem, type::kHashOfMaps));
    CHECK_FALSE(accepts(id::kMapUpdateElem, type::kArrayOfMaps));
    CHECK_FALSE(accepts(id::kMapDeleteElem, type::kHashOfMaps));
    // Socket maps: lookup, update and delete only (check_map_func_compatibility).
    for (int32_t hid : {id::kMapLookupElem, id::kMapUpdateElem, id::kMapDeleteElem})
        CHECK(accepts(hid, type::kSockhash));
    for (int32_t hid : {id::kMapPushElem, id::kForEachMapElem, id::kTailCall}) CHECK_FALSE(accepts(hid, type::kSockmap));
}

TEST_CASE("socket maps: lookup acquires a socket, update takes one, only some types change them",
          "[helpers][table][roles]") {
    const helpers::Helper lookup = helpers::on_map_type(*table().find(id::kMapLookupElem), type::kSockhash);
    CHECK(lookup.proto.ret == helpers::RetType::SocketOrNull);
    CHECK(lookup.proto.refs.acquires == RefKind::Socket);
    const helpers::Helper update = helpers::on_map_type(*table().find(id::kMapUpdateElem), type::kSockmap);
    CHECK(update.proto.args[2] == ArgType::PtrToSockCommon);
    CHECK((update.allowed & mask_of(ProgramType::SchedCls)) != 0);
    CHECK((update.allowed & mask_of(ProgramType::CgroupSockAddr)) == 0);
    // Other maps keep the helper's own prototype.
    const helpers::Helper plain = helpers::on_map_type(*table().find(id::kMapUpdateElem), type::kHash);
    CHECK(plain.proto.args[2] == ArgType::PtrToMapValue);
    CHECK((plain.allowed & mask_of(ProgramType::CgroupSockAddr)) != 0);
}

TEST_CASE("map access: the kernel's writing helpers write, the copying ones read", "[helpers][table][roles]") {
    auto access = [](int32_t helper) { return table().find(helper)->proto.map_access; };
    // record_func_map's list of writes into a BPF_F_RDONLY_PROG map
    for (int32_t w : {id::kMapUpdateElem, id::kMapDeleteElem, id::kMapPushElem, id::kMapPopElem}) {
        INFO("helper " << w);
        CHECK((access(w) & helpers::kMapWrites) != 0);
    }
    CHECK((access(id::kMapPeekElem) & helpers::kMapReads) != 0);
    CHECK((access(id::kMapPopElem) & helpers::kMapReads) != 0);
    // lookup hands out a pointer: the accesses through it are checked, not the call
    CHECK(access(id::kMapLookupElem) == helpers::kMapNoAccess);
    CHECK(access(id::kForEachMapElem) == helpers::kMapNoAccess);
}

TEST_CASE("lock roles pair, and only spin lock arguments take them", "[helpers][table][roles]") {
    size_t locks = 0, unlocks = 0;
    for (const auto& [hid, h] : table().all()) {
        INFO("helper " << h.name);
        CHECK((h.proto.lock != helpers::LockRole::None) == takes(h, ArgType::PtrToSpinLock));
        locks += h.proto.lock == helpers::LockRole::Lock;
        unlocks += h.proto.lock == helpers::LockRole::Unlock;
    }
    CHECK(locks == 1);
    CHECK(unlocks == 1);
}

TEST_CASE("changes_packet_data helpers are packet-program-only and take the ctx", "[helpers][table][roles]") {
    size_t changing = 0;
    for (const auto& [hid, h] : table().all()) {
        INFO("helper " << h.name);
        if (!h.changes_packet_data) continue;
        ++changing;
        CHECK((h.allowed & mask_of(ProgramType::Mem)) == 0);
        CHECK(h.allowed != 0);
        CHECK(h.proto.args[0] == ArgType::PtrToCtx);
    }
    CHECK(changing == 14); // 7 + change_head, change_tail, change_proto, adjust_room, vlan_push, vlan_pop, clone_redirect
}

TEST_CASE("exactly one helper is the tail call, and it takes a prog array", "[helpers][table][roles]") {
    size_t tail_calls = 0;
    for (const auto& [hid, h] : table().all()) {
        if (!h.proto.tail_call) continue;
        ++tail_calls;
        CHECK(h.id == id::kTailCall);
        CHECK(h.fn == nullptr); // both engines turn it into a jump
        CHECK(h.proto.map_types == helpers::map_type_bit(type::kProgArray));
    }
    CHECK(tail_calls == 1);
}

TEST_CASE("program-type allowlists name only program types that exist", "[helpers][table][roles]") {
    for (const auto& [hid, h] : table().all()) {
        INFO("helper " << h.name);
        CHECK(h.allowed != 0);
        CHECK((h.allowed & ~kAllProgramTypes) == 0);
    }
}
