// The cgroup socket program types from clang-built programs (progs/sock_addr_progs.c the
// kernel accepts, progs/sock_addr_rejects.c it refuses).
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdarg>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ebpfjit/ebpfjit.h"
#include "ebpfjit/ebpfjit.hpp"
#include "ebpfjit/verify.hpp"

using namespace ebpfjit;

namespace {

std::string object(std::string_view stem) { return fmt::format("{}/{}.o", EBPFJIT_CGROUP_SOCK_PROGS_DIR, stem); }

Object open_progs() {
    auto obj = Object::open(object("sock_addr_progs"));
    REQUIRE(obj);
    return std::move(*obj);
}

Program program(Object& obj, std::string_view name, Engine engine) {
    ProgramOptions options;
    options.engine = engine;
    auto p = obj.program(name, options);
    INFO(name << ": " << (p ? "" : p.error().to_string()));
    REQUIRE(p);
    return *p;
}

SockAddrCtx sock_addr(int family, uint32_t ip4_host, uint16_t port_host, int type = SOCK_STREAM) {
    SockAddrCtx ctx{};
    ctx.addr.user_family = uint32_t(family);
    ctx.addr.user_ip4 = htonl(ip4_host);
    ctx.addr.user_port = htons(port_host);
    ctx.addr.family = uint32_t(family);
    ctx.addr.type = uint32_t(type);
    ctx.addr.protocol = type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
    ctx.sock.family = uint32_t(family);
    ctx.sock.type = uint32_t(type);
    ctx.sock.protocol = ctx.addr.protocol;
    return ctx;
}

uint64_t seen(Object& obj, uint32_t slot) {
    auto m = obj.map("seen");
    REQUIRE(m);
    uint64_t v = 0;
    REQUIRE(m->lookup(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&slot), sizeof slot),
                      std::span<uint8_t>(reinterpret_cast<uint8_t*>(&v), sizeof v)) == 0);
    return v;
}

} // namespace

TEST_CASE("cgroup socket sections give libbpf's program and expected attach types", "[cgroup_sock]") {
    Object obj = open_progs();
    struct Want {
        const char* name;
        ProgramType type;
        AttachType attach;
    };
    const Want wants[] = {
        {"connect4_lb", ProgramType::CgroupSockAddr, AttachType::Inet4Connect},
        {"connect6_lb", ProgramType::CgroupSockAddr, AttachType::Inet6Connect},
        {"sendmsg4_snat", ProgramType::CgroupSockAddr, AttachType::Udp4Sendmsg},
        {"sendmsg6_src", ProgramType::CgroupSockAddr, AttachType::Udp6Sendmsg},
        {"recvmsg4_rev", ProgramType::CgroupSockAddr, AttachType::Udp4Recvmsg},
        {"recvmsg6_rev", ProgramType::CgroupSockAddr, AttachType::Udp6Recvmsg},
        {"bind4_low_port", ProgramType::CgroupSockAddr, AttachType::Inet4Bind},
        {"bind6_any", ProgramType::CgroupSockAddr, AttachType::Inet6Bind},
        {"getpeername4_prog", ProgramType::CgroupSockAddr, AttachType::Inet4Getpeername},
        {"getsockname6_prog", ProgramType::CgroupSockAddr, AttachType::Inet6Getsockname},
        {"post_bind4_no_ssh", ProgramType::CgroupSock, AttachType::Inet4PostBind},
        {"post_bind6_loopback", ProgramType::CgroupSock, AttachType::Inet6PostBind},
        {"sock_create_mark", ProgramType::CgroupSock, AttachType::InetSockCreate},
        {"sock_release_prog", ProgramType::CgroupSock, AttachType::InetSockRelease},
    };
    for (const Want& w : wants) {
        Program p = program(obj, w.name, Engine::Interpreter);
        INFO(w.name);
        CHECK(p.type() == w.type);
        CHECK(p.attach_type() == w.attach);
    }
    CHECK(attach_type_from_name("connect4") == AttachType::Inet4Connect);
    CHECK(attach_type_from_name("inet6_post_bind") == AttachType::Inet6PostBind);
    CHECK(to_string(AttachType::Udp6Recvmsg) == "recvmsg6");
    CHECK(program_type_from_name("cgroup_sock_addr") == ProgramType::CgroupSockAddr);
}

TEST_CASE("connect4: the embedder reads back the rewritten destination, and the verdict", "[cgroup_sock]") {
    const Engine engine = GENERATE(Engine::Jit, Engine::Interpreter);
    INFO((engine == Engine::Jit ? "jit" : "interpreter"));
    Object obj = open_progs();
    Program p = program(obj, "connect4_lb", engine);

    SockAddrCtx ctx = sock_addr(AF_INET, 0x0a000001, 80);
    ctx.socket_cookie = 4242;
    auto v = p.run_sock_addr(ctx, RunOptions{engine});
    REQUIRE(v);
    CHECK(*v == 1);
    CHECK(ntohl(ctx.addr.user_ip4) == 0x7f000001);
    CHECK(ntohs(uint16_t(ctx.addr.user_port)) == 8080);
    CHECK(ctx.addr.sk == &ctx.sock);
    CHECK(ctx.bind_len == 0);
    CHECK(seen(obj, 0) == 4242);                        // bpf_get_socket_cookie(ctx)
    CHECK(seen(obj, 1) == HostNetwork::kInitNetCookie); // bpf_get_netns_cookie
    CHECK(seen(obj, 2) == IPPROTO_TCP);                 // ctx->sk->protocol

    SockAddrCtx other = sock_addr(AF_INET, 0x0a000002, 80); // not the balanced service
    REQUIRE(p.run_sock_addr(other, RunOptions{engine}) == 1u);
    CHECK(ntohl(other.addr.user_ip4) == 0x0a000002);
    CHECK(ntohs(uint16_t(other.addr.user_port)) == 80);

    SockAddrCtx ssh = sock_addr(AF_INET, 0x0a000001, 22);
    CHECK(p.run_sock_addr(ssh, RunOptions{engine}) == 0u);

    SockAddrCtx proxied = sock_addr(AF_INET, 0x0a000009, 81); // bpf_bind to 127.0.0.2 first
    CHECK(p.run_sock_addr(proxied, RunOptions{engine}) == 1u);
    REQUIRE(proxied.bind_len == sizeof(sockaddr_in));
    sockaddr_in bound;
    std::memcpy(&bound, proxied.bind_addr, sizeof bound);
    CHECK(bound.sin_family == AF_INET);
    CHECK(ntohl(bound.sin_addr.s_addr) == 0x7f000002);
    CHECK(bound.sin_port == 0);

    SockAddrCtx v6{}; // an IPv6 socket: __inet_bind refuses the IPv4 address
    v6 = sock_addr(AF_INET, 0x0a000009, 81);
    v6.sock.family = AF_INET6;
    CHECK(p.run_sock_addr(v6, RunOptions{engine}) == 0u);
    CHECK(v6.bind_len == 0);
}

TEST_CASE("the other hooks: rewrites and verdicts on both engines", "[cgroup_sock]") {
    const Engine engine = GENERATE(Engine::Jit, Engine::Interpreter);
    INFO((engine == Engine::Jit ? "jit" : "interpreter"));
    Object obj = open_progs();
    const RunOptions run{engine};

    SockAddrCtx c6 = sock_addr(AF_INET6, 0, 80);
    c6.addr.user_ip6[0] = htonl(0xfd000000);
    REQUIRE(program(obj, "connect6_lb", engine).run_sock_addr(c6, run) == 1u);
    CHECK(c6.addr.user_ip6[0] == 0);
    CHECK(c6.addr.user_ip6[3] == htonl(1));
    CHECK(ntohs(uint16_t(c6.addr.user_port)) == 8080);

    SockAddrCtx dns = sock_addr(AF_INET, 0x0a000035, 53, SOCK_DGRAM);
    REQUIRE(program(obj, "sendmsg4_snat", engine).run_sock_addr(dns, run) == 1u);
    CHECK(ntohl(dns.addr.user_ip4) == 0x7f000035);
    CHECK(ntohl(dns.addr.msg_src_ip4) == 0x7f000001);

    SockAddrCtx reply = sock_addr(AF_INET, 0x7f000035, 53, SOCK_DGRAM);
    REQUIRE(program(obj, "recvmsg4_rev", engine).run_sock_addr(reply, run) == 1u);
    CHECK(ntohl(reply.addr.user_ip4) == 0x0a000035);

    SockAddrCtx b = sock_addr(AF_INET, 0, 79);
    REQUIRE(program(obj, "bind4_low_port", engine).run_sock_addr(b, run) == 3u);
    CHECK(ntohs(uint16_t(b.addr.user_port)) == 80);

    SockCtx pb{};
    pb.sock.family = AF_INET;
    pb.sock.src_ip4 = htonl(0x0a000001);
    pb.sock.src_port = 22;
    Program post_bind = program(obj, "post_bind4_no_ssh", engine);
    CHECK(post_bind.run_sock(pb, run) == 0u);
    pb.sock.src_port = 8080;
    CHECK(post_bind.run_sock(pb, run) == 1u);

    SockCtx created{};
    created.sock.family = AF_INET;
    created.sock.type = SOCK_DGRAM;
    created.sock.protocol = IPPROTO_UDP;
    REQUIRE(program(obj, "sock_create_mark", engine).run_sock(created, run) == 1u);
    CHECK(created.sock.mark == 0x42);
    CHECK(created.sock.priority == 6);
    SockCtx raw{};
    raw.sock.type = SOCK_RAW;
    CHECK(program(obj, "sock_create_mark", engine).run_sock(raw, run) == 0u);
    CHECK(raw.sock.mark == 0);

    // The wrong run for the type is an error, not a run.
    SockCtx wrong{};
    auto refused = program(obj, "connect4_lb", engine).run_sock(wrong, run);
    REQUIRE_FALSE(refused);
    CHECK_THAT(refused.error().to_string(), Catch::Contains("cgroup_sock_addr; run_sock cannot run it"));
}

TEST_CASE("the C API runs sock_addr and sock programs", "[cgroup_sock]") {
    char err[256] = {};
    ebpfjit_object* obj = ebpfjit_object_open(object("sock_addr_progs").c_str(), nullptr, err, sizeof err);
    INFO(err);
    REQUIRE(obj);
    ebpfjit_program* connect4 = ebpfjit_object_program(obj, "connect4_lb", err, sizeof err);
    ebpfjit_program* create = ebpfjit_object_program(obj, "sock_create_mark", err, sizeof err);
    REQUIRE(connect4);
    REQUIRE(create);

    ebpfjit_sock_addr_ctx ctx = sock_addr(AF_INET, 0x0a000001, 80);
    uint32_t verdict = 7;
    REQUIRE(ebpfjit_program_run_sock_addr(connect4, &ctx, &verdict, err, sizeof err) == 0);
    CHECK(verdict == 1);
    CHECK(ntohl(ctx.addr.user_ip4) == 0x7f000001);
    CHECK(ntohs(uint16_t(ctx.addr.user_port)) == 8080);

    ebpfjit_sock_ctx sk{};
    sk.sock.protocol = IPPROTO_TCP;
    REQUIRE(ebpfjit_program_run_sock(create, &sk, &verdict, err, sizeof err) == 0);
    CHECK(verdict == 1);
    CHECK(sk.sock.mark == 0x42);

    CHECK(ebpfjit_program_run_sock(connect4, &sk, &verdict, err, sizeof err) == -1);
    CHECK_THAT(std::string(err), Catch::Contains("run_sock cannot run it"));
    CHECK(ebpfjit_program_run_sock_addr(connect4, nullptr, &verdict, err, sizeof err) == -1);
    ebpfjit_object_close(obj);
}

namespace {

struct Rejected {
    const char* program;
    const char* reason;  // VerifyReport::reason
    const char* message; // in the headline
};

// The kernel refuses each of these (progs/sock_addr_rejects.c); so must we, naming why.
const Rejected kRejected[] = {
    {"connect4_reads_ip6", "context access", "ctx field user_ip6 of bpf_sock_addr is not accessible in cgroup/connect4"},
    {"connect6_writes_ip4", "context access", "ctx field user_ip4 of bpf_sock_addr is not accessible in cgroup/connect6"},
    {"connect4_writes_msg_src", "context access", "msg_src_ip4 of bpf_sock_addr is not accessible in cgroup/connect4"},
    {"connect4_writes_family", "context access", "ctx field family is read-only in cgroup/connect4"},
    {"connect4_reads_wide_ip4", "context access", "no bpf_sock_addr field at offset 4 size 8"},
    {"connect4_returns_2", "return value", "R0 has smin=2 smax=2 should have been in [0, 1]"},
    {"recvmsg4_returns_0", "return value", "R0 has smin=0 smax=0 should have been in [1, 1]"},
    {"sendmsg4_binds", "helper not allowed", "helper bind#64 is not allowed in cgroup_sock_addr programs attached to cgroup/sendmsg4"},
    {"connect4_redirects", "helper not allowed", "helper redirect#23 is not allowed in cgroup_sock_addr programs"},
    {"connect4_releases_sk", "reference release", "must be referenced when passed to release function sk_release"},
    {"post_bind4_reads_mark", "context access", "ctx field mark of bpf_sock is not accessible in cgroup/post_bind4"},
    {"post_bind4_reads_ip6", "context access", "ctx field src_ip6 of bpf_sock is not accessible in cgroup/post_bind4"},
    {"sock_create_writes_protocol", "context access", "ctx field protocol is read-only in cgroup/sock_create"},
    {"sock_create_looks_up", "helper not allowed", "helper sk_lookup_tcp#84 is not allowed in cgroup_sock programs"},
    {"sock_release_returns_7", "return value", "R0 has smin=7 smax=7 should have been in [0, 1]"},
};

} // namespace

TEST_CASE("rejections name the rule and the instruction", "[cgroup_sock]") {
    auto reports = verify_object(object("sock_addr_rejects"));
    REQUIRE(reports);
    REQUIRE(reports->size() == std::size(kRejected));
    for (const Rejected& r : kRejected) {
        INFO(r.program);
        const VerifyReport* rep = nullptr;
        for (const VerifyReport& x : *reports)
            if (x.program == r.program) rep = &x;
        REQUIRE(rep);
        CHECK_FALSE(rep->accepted);
        CHECK(rep->reason == r.reason);
        CHECK_THAT(rep->headline, Catch::StartsWith(fmt::format("insn {}: ", rep->insn)));
        CHECK_THAT(rep->headline, Catch::Contains(r.message));
        CHECK(rep->insn < rep->instructions);
    }
    auto good = verify_object(object("sock_addr_progs"));
    REQUIRE(good);
    for (const VerifyReport& x : *good) {
        INFO(x.program << ": " << x.headline);
        CHECK(x.accepted);
    }
}

namespace {

int quiet(enum libbpf_print_level, const char*, va_list) { return 0; }

// The kernel's verdict on one program of the object, loaded alone (libbpf autoload);
// nullopt when the object cannot be opened.
std::optional<bool> kernel_accepts(const std::string& path, const std::string& name) {
    bpf_object* obj = bpf_object__open_file(path.c_str(), nullptr);
    if (!obj) return std::nullopt;
    bpf_program* p;
    bpf_object__for_each_program(p, obj) bpf_program__set_autoload(p, name == bpf_program__name(p));
    const int e = bpf_object__load(obj);
    bpf_object__close(obj);
    return e == 0;
}

} // namespace

TEST_CASE("the kernel's verifier gives the same verdicts (root only)", "[cgroup_sock][kernel]") {
    libbpf_set_print(quiet);
    if (geteuid() != 0) {
        WARN("not root: kernel comparison skipped");
        return;
    }
    if (kernel_accepts(object("sock_addr_progs"), "sock_release_prog") != true) {
        WARN("the kernel does not load a trivial cgroup/sock_release program: comparison skipped");
        return;
    }
    for (const char* stem : {"sock_addr_progs", "sock_addr_rejects"}) {
        auto reports = verify_object(object(stem));
        REQUIRE(reports);
        for (const VerifyReport& r : *reports) {
            auto kernel = kernel_accepts(object(stem), r.program);
            INFO(stem << " " << r.program << ": " << r.headline);
            REQUIRE(kernel);
            CHECK(*kernel == r.accepted);
        }
    }
}
