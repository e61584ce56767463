// The map helpers through the table, called with the r1..r5 convention as the
// interpreter and the JITs call them.
#include "helpers/helper_families.hpp"
#include "map_test_util.hpp"
#include "runtime/maps/percpu.hpp"
#include "runtime/maps/ringbuf_map.hpp"

using namespace maptest;
using ebpfjit::helpers::HelperTable;

namespace {

const HelperTable& table() {
    static HelperTable t = [] {
        HelperTable h;
        ebpfjit::helpers::register_map_helpers(h);
        return h;
    }();
    return t;
}

uint64_t call(int32_t id, uint64_t r1 = 0, uint64_t r2 = 0, uint64_t r3 = 0, uint64_t r4 = 0) {
    const auto* h = table().find(id);
    REQUIRE(h != nullptr);
    REQUIRE(h->fn != nullptr);
    return h->fn(r1, r2, r3, r4, 0);
}
template <class T>
uint64_t u(T* p) { return reinterpret_cast<uint64_t>(p); }
int64_t s(uint64_t r) { return static_cast<int64_t>(r); }

} // namespace

TEST_CASE("map helpers: every id is registered with the kernel's name and prototype") {
    using ebpfjit::helpers::ArgType;
    using ebpfjit::helpers::RetType;
    const int32_t ids[] = {BPF_FUNC_map_lookup_elem, BPF_FUNC_map_update_elem,
                           BPF_FUNC_map_delete_elem, BPF_FUNC_map_push_elem,
                           BPF_FUNC_map_pop_elem, BPF_FUNC_map_peek_elem, BPF_FUNC_spin_lock,
                           BPF_FUNC_spin_unlock, BPF_FUNC_map_lookup_percpu_elem,
                           BPF_FUNC_ringbuf_output, BPF_FUNC_ringbuf_reserve,
                           BPF_FUNC_ringbuf_submit, BPF_FUNC_ringbuf_discard,
                           BPF_FUNC_ringbuf_query, BPF_FUNC_tail_call};
    CHECK(table().all().size() == std::size(ids));
    for (int32_t id : ids) REQUIRE(table().find(id) != nullptr);
    auto* lookup = table().find(BPF_FUNC_map_lookup_elem);
    CHECK(lookup->name == "map_lookup_elem");
    CHECK(lookup->proto.ret == RetType::MapValueOrNull);
    CHECK(lookup->proto.args[0] == ArgType::ConstMapPtr);
    CHECK(lookup->proto.args[1] == ArgType::PtrToMapKey);
    CHECK(table().find(BPF_FUNC_ringbuf_reserve)->proto.ret == RetType::AllocMemOrNull);
    CHECK(table().find(BPF_FUNC_ringbuf_submit)->proto.args[0] == ArgType::PtrToAllocMem);
    CHECK(table().find(BPF_FUNC_spin_lock)->proto.args[0] == ArgType::PtrToSpinLock);
    CHECK_FALSE(table().find(BPF_FUNC_spin_lock)->allowed &
                ebpfjit::mask_of(ebpfjit::ProgramType::SocketFilter));
}

TEST_CASE("map helpers: lookup/update/delete return values") {
    auto m = make(def(BPF_MAP_TYPE_HASH, 4, 8, 2));
    uint32_t k = 1;
    uint64_t v = 5;
    CHECK(call(BPF_FUNC_map_lookup_elem, u(m.get()), u(&k)) == 0);
    CHECK(call(BPF_FUNC_map_update_elem, u(m.get()), u(&k), u(&v), BPF_NOEXIST) == 0);
    CHECK(s(call(BPF_FUNC_map_update_elem, u(m.get()), u(&k), u(&v), BPF_NOEXIST)) == -EEXIST);
    uint64_t p = call(BPF_FUNC_map_lookup_elem, u(m.get()), u(&k));
    REQUIRE(p != 0);
    CHECK(*reinterpret_cast<uint64_t*>(p) == 5);
    CHECK(call(BPF_FUNC_map_delete_elem, u(m.get()), u(&k)) == 0);
    CHECK(s(call(BPF_FUNC_map_delete_elem, u(m.get()), u(&k))) == -ENOENT);
}

TEST_CASE("map helpers: push/pop/peek and lookup_percpu_elem") {
    auto q = make(def(BPF_MAP_TYPE_QUEUE, 0, 4, 1));
    uint32_t v = 3, out = 0;
    CHECK(s(call(BPF_FUNC_map_peek_elem, u(q.get()), u(&out))) == -ENOENT);
    CHECK(call(BPF_FUNC_map_push_elem, u(q.get()), u(&v), BPF_ANY) == 0);
    CHECK(s(call(BPF_FUNC_map_push_elem, u(q.get()), u(&v), BPF_ANY)) == -E2BIG);
    CHECK(call(BPF_FUNC_map_peek_elem, u(q.get()), u(&out)) == 0);
    CHECK(call(BPF_FUNC_map_pop_elem, u(q.get()), u(&out)) == 0);
    CHECK(out == 3);
    CHECK(s(call(BPF_FUNC_map_pop_elem, u(q.get()), u(&out))) == -ENOENT);
    // Empty: the value is zeroed (the verifier counts it as written), as the kernel does.
    out = 0xa5a5a5a5;
    CHECK(s(call(BPF_FUNC_map_pop_elem, u(q.get()), u(&out))) == -ENOENT);
    CHECK(out == 0);
    out = 0xa5a5a5a5;
    CHECK(s(call(BPF_FUNC_map_peek_elem, u(q.get()), u(&out))) == -ENOENT);
    CHECK(out == 0);
    // A bloom filter's peek reads the value and leaves it as it was, found or not.
    auto bloom = make(def(BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 16));
    CHECK(call(BPF_FUNC_map_push_elem, u(bloom.get()), u(&v), BPF_ANY) == 0);
    out = 3;
    CHECK(call(BPF_FUNC_map_peek_elem, u(bloom.get()), u(&out)) == 0);
    CHECK(out == 3);
    out = 0xa5a5a5a5;
    const int64_t absent = s(call(BPF_FUNC_map_peek_elem, u(bloom.get()), u(&out)));
    CHECK((absent == -ENOENT || absent == 0)); // a false positive is allowed
    CHECK(out == 0xa5a5a5a5);

    auto pc = make(def(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1));
    uint32_t k = 0;
    const uint32_t cpus = ebpfjit::maps::possible_cpus();
    for (uint32_t cpu = 0; cpu < cpus; ++cpu)
        CHECK(call(BPF_FUNC_map_lookup_percpu_elem, u(pc.get()), u(&k), cpu) ==
              u(pc->lookup_percpu(&k, cpu)));
    CHECK(call(BPF_FUNC_map_lookup_percpu_elem, u(pc.get()), u(&k), cpus) == 0);
    CHECK(call(BPF_FUNC_map_lookup_percpu_elem, u(pc.get()), u(&k), uint64_t{1} << 32) == 0);
    auto plain = make(def(BPF_MAP_TYPE_ARRAY, 4, 8, 1));
    CHECK(call(BPF_FUNC_map_lookup_percpu_elem, u(plain.get()), u(&k), 0) == 0);
}

TEST_CASE("map helpers: spin_lock/unlock and ringbuf family") {
    uint32_t lock = 0;
    CHECK(call(BPF_FUNC_spin_lock, u(&lock)) == 0);
    CHECK(lock != 0);
    CHECK(call(BPF_FUNC_spin_unlock, u(&lock)) == 0);
    CHECK(lock == 0);

    auto rb = make(def(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096));
    CHECK(call(BPF_FUNC_ringbuf_reserve, u(rb.get()), 16, 1) == 0);
    uint64_t rec = call(BPF_FUNC_ringbuf_reserve, u(rb.get()), 16, 0);
    REQUIRE(rec != 0);
    std::memset(reinterpret_cast<void*>(rec), 0x5a, 16);
    CHECK(call(BPF_FUNC_ringbuf_query, u(rb.get()), BPF_RB_AVAIL_DATA) == 24);
    CHECK(call(BPF_FUNC_ringbuf_submit, rec, 0) == 0);
    uint64_t rec2 = call(BPF_FUNC_ringbuf_reserve, u(rb.get()), 8, 0);
    REQUIRE(rec2 != 0);
    call(BPF_FUNC_ringbuf_discard, rec2, 0);
    uint32_t data = 0x11223344;
    CHECK(call(BPF_FUNC_ringbuf_output, u(rb.get()), u(&data), 4, 0) == 0);
    CHECK(s(call(BPF_FUNC_ringbuf_output, u(rb.get()), u(&data), 4, 8)) == -EINVAL);
    CHECK(s(call(BPF_FUNC_ringbuf_output, u(rb.get()), u(&data), 5000, 0)) == -EAGAIN);
    CHECK(call(BPF_FUNC_ringbuf_query, u(rb.get()), BPF_RB_RING_SIZE) == 4096);
    CHECK(call(BPF_FUNC_ringbuf_query, u(rb.get()), BPF_RB_PROD_POS) == 24 + 16 + 16);
    CHECK(call(BPF_FUNC_ringbuf_query, u(rb.get()), BPF_RB_CONS_POS) == 0);
    CHECK(call(BPF_FUNC_ringbuf_query, u(rb.get()), 99) == 0);
    std::vector<uint32_t> sizes;
    auto& ring = dynamic_cast<ebpfjit::maps::RingbufMap&>(*rb);
    CHECK(ring.consume([&](const void*, uint32_t n) { sizes.push_back(n); return 0; }) == 2);
    CHECK(sizes == std::vector<uint32_t>{16, 4});
}
