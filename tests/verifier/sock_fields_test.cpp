// Reading struct bpf_sock through a socket from the lookup helpers, as the kernel's
// check_mem_access / check_sock_access and net/core/filter.c bpf_sock_is_valid_access
// (sk_lookup_tcp/udp: PTR_TO_SOCKET) and bpf_sock_common_is_valid_access
// (skc_lookup_tcp: PTR_TO_SOCK_COMMON) decide: which offsets and sizes, read-only, and
// the kernel's messages ("R7 invalid sock access off=0 size=8", "R7 cannot write into
// sock"), located at the access. The cases mirror the kernel selftests' verifier_sock.c
// and verifier_ref_tracking.c where they exist.
#include <catch2/catch.hpp>

#include <linux/bpf.h>

#include <string>

#include "corpus.hpp"
#include "helpers/helper_table.hpp"
#include "isa/assembler.hpp"

namespace ebpfjit::verifier::test {

namespace {

constexpr uint32_t kAccessSlot = 13;

// Slots 0-10: a scalar in r8, a 12-byte IPv4 tuple on the stack and `call <helper>`; the
// NULL check, the socket in r7, `access` at slot 13 (r7 the base, r1 free, r8 = 7), then
// the release.
std::string program(int helper, const std::string& access) {
    return R"(
        mov %r8, 7
        mov %r6, %r1
        stdw [%r10-16], 0
        stdw [%r10-8], 0
        mov %r1, %r6
        mov %r2, %r10
        add %r2, -16
        mov %r3, 12
        mov %r4, -1
        mov %r5, 0
        call )" + std::to_string(helper) + R"(
        jeq %r0, 0, out
        mov %r7, %r0
        )" + access + R"(
        mov %r1, %r7
        call 86
    out:
        mov %r0, 0
        exit)";
}

constexpr int kSock = BPF_FUNC_sk_lookup_tcp;
constexpr int kSockUdp = BPF_FUNC_sk_lookup_udp;
constexpr int kCommon = BPF_FUNC_skc_lookup_tcp;

struct FieldCase {
    int helper;
    std::string access;
    const char* says; // "" = accepted; else part of the headline
    Reason reason = Reason::InvalidMemoryAccess;
};

std::string off(size_t o) { return std::to_string(o); }

VerifierInput builtin_input(ProgramType t) {
    VerifierInput in = corpus_input(t);
    in.helpers = &helpers::HelperTable::builtin();
    return in;
}

std::vector<FieldCase> cases() {
    const std::string state = off(offsetof(bpf_sock, state)), dport = off(offsetof(bpf_sock, dst_port));
    return {
        // Accepted through a full socket: every field whole, narrow loads where allowed.
        {kSock, "ldxw %r1, [%r7+" + off(offsetof(bpf_sock, bound_dev_if)) + "]", ""},
        {kSock, "ldxw %r1, [%r7+" + off(offsetof(bpf_sock, family)) + "]", ""},
        {kSock, "ldxh %r1, [%r7+" + off(offsetof(bpf_sock, family)) + "]", ""},
        {kSock, "ldxb %r1, [%r7+" + off(offsetof(bpf_sock, type)) + "]", ""},     // sk->type [narrow load]
        {kSock, "ldxb %r1, [%r7+" + off(offsetof(bpf_sock, protocol)) + "]", ""}, // sk->protocol [narrow load]
        {kSockUdp, "ldxw %r1, [%r7+" + off(offsetof(bpf_sock, mark)) + "]", ""},
        {kSock, "ldxw %r1, [%r7+" + off(offsetof(bpf_sock, priority)) + "]", ""},
        {kSock, "ldxb %r1, [%r7+" + off(offsetof(bpf_sock, src_ip4) + 1) + "]", ""},
        {kSock, "ldxh %r1, [%r7+" + off(offsetof(bpf_sock, src_ip6) + 6) + "]", ""},
        {kSock, "ldxw %r1, [%r7+" + off(offsetof(bpf_sock, src_ip6) + 12) + "]", ""},
        {kSock, "ldxw %r1, [%r7+" + off(offsetof(bpf_sock, src_port)) + "]", ""},
        {kSock, "ldxw %r1, [%r7+" + dport + "]", ""}, // [word load] (backward compatibility)
        {kSock, "ldxh %r1, [%r7+" + dport + "]", ""}, // [half load]
        {kSock, "ldxb %r1, [%r7+" + off(offsetof(bpf_sock, dst_port) + 1) + "]", ""}, // [byte load]
        {kSock, "ldxb %r1, [%r7+" + off(offsetof(bpf_sock, dst_ip6) + 1) + "]", ""},  // dst_ip6 [load 2nd byte]
        {kSock, "ldxw %r1, [%r7+" + off(offsetof(bpf_sock, dst_ip4)) + "]", ""},
        {kSock, "ldxb %r1, [%r7+" + state + "]", ""}, // sk->state [narrow load]
        {kSock, "ldxw %r1, [%r7+" + off(offsetof(bpf_sock, rx_queue_mapping)) + "]", ""},
        // Refused through a full socket.
        {kSock, "ldxdw %r1, [%r7+0]", "R7 invalid sock access off=0 size=8"}, // invalid 64-bit access of member
        {kSock, "ldxh %r1, [%r7+" + off(offsetof(bpf_sock, dst_port) + 2) + "]", "R7 invalid sock access off=50 size=2"},
        {kSock, "ldxb %r1, [%r7+" + off(offsetof(bpf_sock, dst_port) + 2) + "]", "R7 invalid sock access off=50 size=1"},
        {kSock, "ldxw %r1, [%r7+" + off(sizeof(bpf_sock)) + "]", "R7 invalid sock access off=80 size=4"}, // beyond last field
        {kSock, "ldxw %r1, [%r7-4]", "R7 invalid sock access off=-4 size=4"},
        {kSock, "ldxb %r1, [%r7+" + off(offsetof(bpf_sock, mark)) + "]", "R7 invalid sock access off=16 size=1"},
        {kSock, "ldxh %r1, [%r7+" + off(offsetof(bpf_sock, bound_dev_if)) + "]", "R7 invalid sock access off=0 size=2"},
        {kSock, "ldxb %r1, [%r7+" + off(offsetof(bpf_sock, state) + 1) + "]", "R7 invalid sock access off=73 size=1"},
        {kSock, "ldxw %r1, [%r7+" + off(offsetof(bpf_sock, family) + 2) + "]", "R7 invalid sock access off=6 size=4"},
        // Read-only: the kernel's "cannot write into sock" before any field rule.
        {kSock, "stxw [%r7+" + off(offsetof(bpf_sock, mark)) + "], %r8", "R7 cannot write into sock",
         Reason::ReadOnlyMemory}, // write to member
        {kSock, "stw [%r7+" + off(offsetof(bpf_sock, mark)) + "], 42", "R7 cannot write into sock",
         Reason::ReadOnlyMemory},
        {kSock, "lock add [%r7+" + off(offsetof(bpf_sock, mark)) + "], %r8", "atomic operation on sock memory"},
        // A sock_common: the fields a time-wait / request socket has.
        {kCommon, "ldxw %r1, [%r7+" + off(offsetof(bpf_sock, bound_dev_if)) + "]", ""},
        {kCommon, "ldxw %r1, [%r7+" + off(offsetof(bpf_sock, family)) + "]", ""}, // skb->sk: sk->family
        {kCommon, "ldxw %r1, [%r7+" + state + "]", ""},
        {kCommon, "ldxb %r1, [%r7+" + state + "]", ""},
        {kCommon, "ldxw %r1, [%r7+" + off(offsetof(bpf_sock, src_port)) + "]", ""},
        {kCommon, "ldxh %r1, [%r7+" + dport + "]", ""},
        {kCommon, "ldxw %r1, [%r7+" + off(offsetof(bpf_sock, dst_ip6) + 4) + "]", ""},
        {kCommon, "ldxw %r1, [%r7+" + off(offsetof(bpf_sock, rx_queue_mapping)) + "]", ""},
        {kCommon, "ldxw %r1, [%r7+" + off(offsetof(bpf_sock, type)) + "]", "R7 invalid sock_common access off=8 size=4"},
        {kCommon, "ldxb %r1, [%r7+" + off(offsetof(bpf_sock, protocol)) + "]",
         "R7 invalid sock_common access off=12 size=1"},
        {kCommon, "ldxw %r1, [%r7+" + off(offsetof(bpf_sock, mark)) + "]", "R7 invalid sock_common access off=16 size=4"},
        {kCommon, "ldxw %r1, [%r7+" + off(offsetof(bpf_sock, priority)) + "]",
         "R7 invalid sock_common access off=20 size=4"},
        {kCommon, "stxw [%r7+" + state + "], %r8", "R7 cannot write into sock_common", Reason::ReadOnlyMemory},
    };
}

} // namespace

TEST_CASE("struct bpf_sock reads through a looked-up socket get the kernel's verdicts", "[verifier][refs][sock]") {
    for (const FieldCase& c : cases()) {
        INFO("helper " << c.helper << ": " << c.access);
        auto prog = isa::assemble(program(c.helper, c.access));
        REQUIRE(prog.has_value());
        for (ProgramType type : {ProgramType::SchedCls, ProgramType::Xdp}) {
            Report r = check(*prog, builtin_input(type));
            INFO((r.rejection ? r.rejection->headline : std::string("accepted")));
            if (std::string(c.says).empty()) {
                CHECK(r.ok());
                continue;
            }
            REQUIRE_FALSE(r.ok());
            CHECK(to_string(r.rejection->reason) == to_string(c.reason));
            CHECK(r.rejection->insn == kAccessSlot);
            CHECK(r.rejection->headline.find(c.says) != std::string::npos);
        }
    }
}

TEST_CASE("a struct bpf_sock field read is a bounded scalar of its size", "[verifier][refs][sock]") {
    // A u8 state compared above 255 leaves the fall-through infeasible: reading r5 there
    // (uninitialised) would be rejected if the load were not known to fit a byte.
    auto prog = isa::assemble(program(kSock, R"(ldxb %r1, [%r7+72]
        jgt %r1, 255, bad
        ja done
    bad:
        mov %r0, %r5
    done:)"));
    REQUIRE(prog.has_value());
    Report r = check(*prog, builtin_input(ProgramType::SchedCls));
    INFO((r.rejection ? r.rejection->headline : std::string("accepted")));
    CHECK(r.ok());
    auto wide = isa::assemble(program(kSock, R"(ldxw %r1, [%r7+72]
        jgt %r1, 255, bad
        ja done
    bad:
        mov %r0, %r5
    done:)"));
    REQUIRE(wide.has_value());
    CHECK_FALSE(check(*wide, builtin_input(ProgramType::SchedCls)).ok()); // 4 bytes may exceed 255
}

} // namespace ebpfjit::verifier::test
