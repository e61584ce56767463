// BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG, as the kernel enforces them: no write into a
// read-only map and no read of a write-only one, whether the program accesses the value
// directly, through a helper that changes or copies out the map (record_func_map), through
// a helper's memory argument, by taking a bpf_spin_lock, or in a for_each callback. Each
// rejection names the instruction; the same programs on writable maps are accepted.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "engine_abi/kernel_ids.hpp"
#include "helpers/helper_table.hpp"
#include "program_builder.hpp"
#include "verifier/verifier.hpp"

namespace ebpfjit::verifier::test {

namespace {

constexpr auto W = Size::W;
constexpr auto DW = Size::DW;
namespace id = engine_abi::helper_id;
namespace type = engine_abi::map_type;
constexpr uint32_t kRo = engine_abi::map_flag::kRdonlyProg;
constexpr uint32_t kWo = engine_abi::map_flag::kWronlyProg;

enum Map : int32_t { kRw, kRodata, kWo_, kRoQueue, kWoQueue, kRwQueue, kRoLocked };

VerifierInput input() {
    VerifierInput in;
    in.type = ProgramType::Xdp;
    in.helpers = &helpers::HelperTable::builtin();
    in.maps = {
        {type::kArray, 4, 16, 1, 0, "rw", nullptr},
        {type::kArray, 4, 16, 1, kRo, ".rodata", nullptr}, // what the loader makes of .rodata
        {type::kArray, 4, 16, 1, kWo, "wo", nullptr},
        {type::kQueue, 0, 8, 4, kRo, "ro_queue", nullptr},
        {type::kQueue, 0, 8, 4, kWo, "wo_queue", nullptr},
        {type::kQueue, 0, 8, 4, 0, "queue", nullptr},
        {type::kArray, 4, 16, 1, kRo, "ro_locked", nullptr},
    };
    in.maps[kRoLocked].spin_lock_offset = 8;
    return in;
}

Report verify(const Builder& b) { return check(b.build(), input()); }

void require_rejected(const Builder& b, Reason reason, size_t insn, std::string_view says) {
    Report r = verify(b);
    REQUIRE_FALSE(r.ok());
    INFO(r.rejection->headline);
    CHECK(r.rejection->reason == reason);
    CHECK(r.rejection->insn == insn);
    CHECK(r.rejection->headline.starts_with(fmt::format("insn {}: ", insn)));
    CHECK(r.rejection->headline.find(says) != std::string::npos);
}
void require_accepted(const Builder& b) {
    Report r = verify(b);
    INFO((r.rejection ? r.rejection->headline : std::string{}));
    CHECK(r.ok());
}

// key 0 at fp-4, a 16-byte value at fp-24; r2 = key, r3 = value.
Builder& key_and_value(Builder& b) {
    return b.st(W, r10, -4, 0).st(DW, r10, -24, 1).st(DW, r10, -16, 2).mov(r2, r10).add(r2, -4).mov(r3, r10).add(
        r3, -24);
}
// r0 = lookup(map, 0), exits with 0 when NULL (label "out").
Builder& lookup(Builder& b, int32_t map) {
    return b.st(W, r10, -4, 0).mov(r2, r10).add(r2, -4).ld_map(r1, map).call(id::kMapLookupElem).j(Cond::Eq, r0, 0,
                                                                                                     "out");
}
Builder& out(Builder& b) { return b.mov(r0, 0).exit().label("out").mov(r0, 0).exit(); }

// update(map) / delete(map): the call is at the returned index.
size_t update(Builder& b, int32_t map) {
    key_and_value(b).ld_map(r1, map).mov(r4, 0);
    const size_t at = b.size();
    b.call(id::kMapUpdateElem).mov(r0, 0).exit();
    return at;
}
size_t remove(Builder& b, int32_t map) {
    b.st(W, r10, -4, 0).mov(r2, r10).add(r2, -4).ld_map(r1, map);
    const size_t at = b.size();
    b.call(id::kMapDeleteElem).mov(r0, 0).exit();
    return at;
}
// push / pop / peek with an 8-byte value at fp-8.
size_t queue_call(Builder& b, int32_t helper, int32_t map) {
    b.st(DW, r10, -8, 7).mov(r2, r10).add(r2, -8).ld_map(r1, map).mov(r3, 0);
    const size_t at = b.size();
    b.call(helper).mov(r0, 0).exit();
    return at;
}

} // namespace

TEST_CASE("helpers that change a BPF_F_RDONLY_PROG map are rejected at the call", "[verifier][map_flags]") {
    { Builder b; size_t at = update(b, kRodata); require_rejected(b, Reason::ReadOnlyMemory, at, "write into map forbidden"); }
    { Builder b; size_t at = remove(b, kRodata); require_rejected(b, Reason::ReadOnlyMemory, at, "write into map forbidden"); }
    { Builder b; size_t at = queue_call(b, id::kMapPushElem, kRoQueue);
      require_rejected(b, Reason::ReadOnlyMemory, at, "write into map forbidden"); }
    { Builder b; size_t at = queue_call(b, id::kMapPopElem, kRoQueue);
      require_rejected(b, Reason::ReadOnlyMemory, at, "write into map forbidden"); }
    { Builder b; size_t at = update(b, kRodata); require_rejected(b, Reason::ReadOnlyMemory, at, "map '.rodata'"); }
}

TEST_CASE("helpers that copy values out of a BPF_F_WRONLY_PROG map are rejected at the call", "[verifier][map_flags]") {
    { Builder b; size_t at = queue_call(b, id::kMapPeekElem, kWoQueue);
      require_rejected(b, Reason::WriteOnlyMemory, at, "read from map forbidden"); }
    { Builder b; size_t at = queue_call(b, id::kMapPopElem, kWoQueue);
      require_rejected(b, Reason::WriteOnlyMemory, at, "read from map forbidden"); }
}

TEST_CASE("the same helpers on maps that allow them are accepted", "[verifier][map_flags]") {
    { Builder b; update(b, kRw); require_accepted(b); }
    { Builder b; update(b, kWo_); require_accepted(b); } // writing a write-only map
    { Builder b; remove(b, kRw); require_accepted(b); }
    { Builder b; queue_call(b, id::kMapPushElem, kRwQueue); require_accepted(b); }
    { Builder b; queue_call(b, id::kMapPushElem, kWoQueue); require_accepted(b); }
    { Builder b; queue_call(b, id::kMapPopElem, kRwQueue); require_accepted(b); }
    { Builder b; queue_call(b, id::kMapPeekElem, kRoQueue); require_accepted(b); }
    { Builder b; queue_call(b, id::kMapPeekElem, kRwQueue); require_accepted(b); }
}

TEST_CASE("direct access checks the flags of the map the value belongs to", "[verifier][map_flags]") {
    { // reading a read-only value, writing a write-only one
      Builder b; lookup(b, kRodata).ldx(DW, r1, r0, 0); out(b); require_accepted(b); }
    { Builder b; lookup(b, kWo_).st(DW, r0, 8, 1); out(b); require_accepted(b); }
    { Builder b; lookup(b, kRw).ldx(DW, r1, r0, 0).stx(DW, r0, 8, r1); out(b); require_accepted(b); }
    { Builder b; lookup(b, kRodata); size_t at = b.size(); b.st(W, r0, 4, 1); out(b);
      require_rejected(b, Reason::ReadOnlyMemory, at, "write into map forbidden, value_size=16 off=4 size=4"); }
    { Builder b; lookup(b, kWo_); size_t at = b.size(); b.ldx(W, r1, r0, 12); out(b);
      require_rejected(b, Reason::WriteOnlyMemory, at, "read from map forbidden, value_size=16 off=12 size=4"); }
    { // LDDW of a .rodata value: the pointer carries the map
      Builder b; b.ld_map_value(r1, kRodata, 8); size_t at = b.size(); b.st(DW, r1, 0, 1).mov(r0, 0).exit();
      require_rejected(b, Reason::ReadOnlyMemory, at, "off=8 size=8"); }
    { // an atomic both reads and writes
      Builder b; lookup(b, kWo_).mov(r1, 1); size_t at = b.size(); b.atomic(isa::AtomicOp::Add, false, true, r0, 0, r1);
      out(b); require_rejected(b, Reason::WriteOnlyMemory, at, "read from map forbidden"); }
    { Builder b; lookup(b, kRodata).mov(r1, 1); size_t at = b.size(); b.atomic(isa::AtomicOp::Add, false, true, r0, 0, r1);
      out(b); require_rejected(b, Reason::ReadOnlyMemory, at, "write into map forbidden"); }
}

TEST_CASE("helper memory arguments pointing into a map value obey its flags", "[verifier][map_flags]") {
    { // update reads its value argument: a value of a write-only map cannot be it
      Builder b; lookup(b, kWo_).mov(r3, r0).mov(r2, r10).add(r2, -4).ld_map(r1, kRw).mov(r4, 0);
      size_t at = b.size(); b.call(id::kMapUpdateElem); out(b);
      require_rejected(b, Reason::WriteOnlyMemory, at, "read from map forbidden"); }
    { // pop writes its destination: not into .rodata
      Builder b; b.ld_map_value(r2, kRodata, 0).ld_map(r1, kRwQueue); size_t at = b.size();
      b.call(id::kMapPopElem).mov(r0, 0).exit();
      require_rejected(b, Reason::ReadOnlyMemory, at, "write into map forbidden"); }
    { // but it may fill a write-only value, which it never reads (the kernel's raw mode)
      Builder b; lookup(b, kWo_).mov(r2, r0).ld_map(r1, kRwQueue).call(id::kMapPopElem); out(b);
      require_accepted(b); }
    { // and a read-only value may be the source of an update elsewhere
      Builder b; b.ld_map_value(r3, kRodata, 0).st(W, r10, -4, 0).mov(r2, r10).add(r2, -4).ld_map(r1, kRw).mov(r4, 0)
          .call(id::kMapUpdateElem).mov(r0, 0).exit();
      require_accepted(b); }
}

TEST_CASE("bpf_spin_lock writes its lock word: not in a read-only map", "[verifier][map_flags]") {
    Builder b; lookup(b, kRoLocked).mov(r1, r0).add(r1, 8); size_t at = b.size(); b.call(id::kSpinLock);
    b.mov(r1, r0).add(r1, 8).call(id::kSpinUnlock); out(b);
    require_rejected(b, Reason::ReadOnlyMemory, at, "write into map forbidden");
}

TEST_CASE("a for_each callback's value argument carries the map's flags", "[verifier][map_flags]") {
    auto for_each = [](Builder& b, int32_t map) -> Builder& {
        return b.st(DW, r10, -8, 0).ld_map(r1, map).ld_func(r2, "cb").mov(r3, r10).add(r3, -8).mov(r4, 0)
            .call(id::kForEachMapElem).mov(r0, 0).exit().label("cb");
    };
    { Builder b; for_each(b, kRodata).ldx(DW, r0, r3, 0).and_(r0, 0).exit(); require_accepted(b); }
    { Builder b; for_each(b, kRw).st(DW, r3, 0, 1).mov(r0, 0).exit(); require_accepted(b); }
    { Builder b; for_each(b, kRodata); size_t at = b.size(); b.st(DW, r3, 0, 1).mov(r0, 0).exit();
      require_rejected(b, Reason::ReadOnlyMemory, at, "write into map forbidden"); }
    { Builder b; for_each(b, kWo_); size_t at = b.size(); b.ldx(DW, r0, r3, 0).and_(r0, 0).exit();
      require_rejected(b, Reason::WriteOnlyMemory, at, "read from map forbidden"); }
}

} // namespace ebpfjit::verifier::test
