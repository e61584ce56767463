// bpf_map_peek_elem's value argument: a queue or stack writes it (the verifier counts it
// as written, and the helper zeroes it when the map is empty), a bloom filter only reads
// it (a membership test). So an unwritten value is a bloom filter's uninitialised read,
// and a bloom peek does not make the bytes readable.
#include <linux/bpf.h>

#include <catch2/catch.hpp>

#include "engine_abi/kernel_ids.hpp"
#include "helpers/helper_table.hpp"
#include "program_builder.hpp"
#include "verifier/verifier.hpp"

namespace ebpfjit::verifier::test {

namespace {

constexpr auto DW = Size::DW;

VerifierInput input(uint32_t map_type) {
    VerifierInput in;
    in.type = ProgramType::Xdp;
    in.helpers = &helpers::HelperTable::builtin();
    in.allow_uninit_stack = false; // the kernel's unprivileged rule: an unwritten byte is never read
    in.maps = {{map_type, 0, 8, 16, 0, "values", nullptr}};
    return in;
}

// peek(map, fp-8) with fp-8 never written, then r0 = *(u64*)(fp-8).
Builder peek_unwritten_then_read() {
    Builder b;
    b.ld_map(r1, 0).mov(r2, r10).add(r2, -8).call(BPF_FUNC_map_peek_elem);
    b.ldx(DW, r0, r10, -8).exit();
    return b;
}

std::string headline(const Report& r) { return r.rejection ? r.rejection->headline : std::string{}; }

} // namespace

TEST_CASE("a queue's or stack's peek writes its value, a bloom filter's reads it", "[verifier][maps]") {
    for (uint32_t type : {engine_abi::map_type::kQueue, engine_abi::map_type::kStack}) {
        Report r = check(peek_unwritten_then_read().build(), input(type));
        INFO("map type " << type << ": " << headline(r));
        CHECK(r.ok());
    }
    Report bloom = check(peek_unwritten_then_read().build(), input(engine_abi::map_type::kBloomFilter));
    REQUIRE_FALSE(bloom.ok());
    CHECK(bloom.rejection->insn == 4); // the call (LDDW takes two slots): its value is read
    CHECK(bloom.rejection->reason == Reason::UninitializedStackRead);

    // Written first, a bloom filter's peek is accepted and the value stays as written.
    Builder b;
    b.st(DW, r10, -8, 7).ld_map(r1, 0).mov(r2, r10).add(r2, -8).call(BPF_FUNC_map_peek_elem);
    b.ldx(DW, r0, r10, -8).exit();
    Report written = check(b.build(), input(engine_abi::map_type::kBloomFilter));
    INFO(headline(written));
    CHECK(written.ok());
}

} // namespace ebpfjit::verifier::test
