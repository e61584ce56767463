// progs/tc_sock_fields.c on this machine's kernel (BPF_PROG_TEST_RUN on loopback) and on
// ebpfjit: the kernel looks up real sockets of this process (a TCP listener and a bound
// UDP socket on 127.0.0.1 with SO_MARK and SO_PRIORITY), ebpfjit the same sockets as
// SocketSpecs; the struct bpf_sock fields both programs store must agree. Skipped (with
// a message) when the kernel will not load the object or run it (not root, no BPF).
#include "object_test_support.hpp"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/in.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <optional>

using namespace ebpfjit;
using namespace object_test;

namespace {

constexpr size_t kSeenSize = 112; // struct seen in progs/tc_sock_fields.c

int quiet(enum libbpf_print_level, const char*, va_list) { return 0; }

struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) close(fd);
    }
};

// A socket of this process on 127.0.0.1 (port chosen by the kernel), with mark and
// priority set; its port, or 0 when the kernel refused (then the test skips).
uint16_t open_socket(Fd& s, int type, uint32_t mark, uint32_t priority) {
    s.fd = socket(AF_INET, type, 0);
    if (s.fd < 0) return 0;
    int m = int(mark), p = int(priority);
    if (setsockopt(s.fd, SOL_SOCKET, SO_MARK, &m, sizeof m) != 0) return 0;
    if (setsockopt(s.fd, SOL_SOCKET, SO_PRIORITY, &p, sizeof p) != 0) return 0;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return 0;
    if (type == SOCK_STREAM && listen(s.fd, 1) != 0) return 0;
    socklen_t len = sizeof a;
    if (getsockname(s.fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return 0;
    return ntohs(a.sin_port);
}

// Ethernet + IPv4 127.0.0.1:40000 -> 127.0.0.1:dport, `protocol`, the ports only.
std::vector<uint8_t> loopback_frame(uint8_t protocol, uint16_t dport) {
    std::vector<uint8_t> f = ether_frame(0x0800, 14 + 20 + 20);
    uint8_t* ip = f.data() + 14;
    std::fill(ip, ip + 40, 0);
    ip[0] = 0x45, ip[3] = 40, ip[8] = 64, ip[9] = protocol;
    ip[12] = ip[16] = 127, ip[15] = ip[19] = 1;
    ip[20] = 40000 >> 8, ip[21] = 40000 & 0xff, ip[22] = uint8_t(dport >> 8), ip[23] = uint8_t(dport);
    return f;
}

// The `full` program's verdict and `seen` value on the kernel; nullopt (and a WARN) when
// it will not load or run.
std::optional<std::pair<int64_t, std::vector<uint8_t>>> kernel_full(const std::vector<uint8_t>& frame) {
    libbpf_set_print(quiet);
    bpf_object* obj = bpf_object__open_file(prog_path("tc_sock_fields").c_str(), nullptr);
    if (!obj) return std::nullopt;
    struct Closer {
        bpf_object* o;
        ~Closer() { bpf_object__close(o); }
    } closer{obj};
    if (int e = bpf_object__load(obj); e != 0) {
        WARN("kernel did not load tc_sock_fields.o (" << std::strerror(-e) << "): comparison skipped");
        return std::nullopt;
    }
    bpf_program* prog = bpf_object__find_program_by_name(obj, "full");
    bpf_map* map = bpf_object__find_map_by_name(obj, "seen");
    if (!prog || !map) return std::nullopt;
    std::vector<uint8_t> out(frame.size() + 256);
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_out = out.data(),
                .data_size_in = uint32_t(frame.size()), .data_size_out = uint32_t(out.size()), .repeat = 1);
    if (bpf_prog_test_run_opts(bpf_program__fd(prog), &opts) != 0) {
        WARN("BPF_PROG_TEST_RUN failed (" << std::strerror(errno) << "): comparison skipped");
        return std::nullopt;
    }
    std::vector<uint8_t> seen(kSeenSize);
    uint32_t key = 0;
    if (bpf_map_lookup_elem(bpf_map__fd(map), &key, seen.data()) != 0) return std::nullopt;
    return std::pair{int64_t(int32_t(opts.retval)), seen};
}

std::pair<int64_t, std::vector<uint8_t>> ebpfjit_full(const std::vector<uint8_t>& frame, const SocketSpec& spec,
                                                      Engine engine) {
    Object object = open_object("tc_sock_fields");
    auto sockets = std::make_shared<SocketTable>();
    REQUIRE(sockets->add(spec));
    object.set_socket_table(sockets);
    Program full = program_of(object, "full");
    SkbPacket skb;
    REQUIRE(skb.load(frame));
    auto r = full.run_tc(skb, RunOptions{engine});
    if (!r) FAIL(r.error().to_string());
    std::vector<uint8_t> seen(kSeenSize);
    REQUIRE(map_of(object, "seen").lookup(bytes_of(uint32_t(0)), seen) == 0);
    return {r->code, seen};
}

uint32_t u32_at(const std::vector<uint8_t>& v, size_t off) {
    uint32_t x;
    std::memcpy(&x, v.data() + off, 4);
    return x;
}

} // namespace

TEST_CASE("struct bpf_sock fields agree with the kernel's BPF_PROG_TEST_RUN", "[object][sockets][kernel]") {
    for (int type : {SOCK_STREAM, SOCK_DGRAM}) {
        DYNAMIC_SECTION((type == SOCK_STREAM ? "tcp listener" : "udp bound")) {
            Fd s;
            const uint16_t port = open_socket(s, type, 0x1234, 3);
            if (port == 0) {
                WARN("could not open a marked loopback socket (" << std::strerror(errno) << "): comparison skipped");
                return;
            }
            const bool tcp = type == SOCK_STREAM;
            const auto frame = loopback_frame(tcp ? IPPROTO_TCP : IPPROTO_UDP, port);
            auto kernel = kernel_full(frame);
            if (!kernel) return;
            REQUIRE(kernel->first == 1); // the kernel found its socket
            SocketSpec spec;
            spec.protocol = tcp ? SocketProtocol::Tcp : SocketProtocol::Udp;
            spec.state = tcp ? kTcpListen : kTcpClose;
            spec.local = SocketEndpoint::v4({127, 0, 0, 1}, port);
            spec.mark = 0x1234;
            spec.priority = 3;
            for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
                INFO(engine_name(engine));
                auto ours = ebpfjit_full(frame, spec, engine);
                CHECK(ours.first == kernel->first);
                // Every stored word: struct bpf_sock, the narrow loads, `found`.
                for (size_t off = 0; off < kSeenSize; off += 4) {
                    INFO("offset " << off);
                    CHECK(u32_at(ours.second, off) == u32_at(kernel->second, off));
                }
            }
        }
    }
}
