// Cgroup socket programs the kernel accepts, one per attach type (test_cgroup_sock runs
// them on both engines and, as root, loads them into the kernel too). connect4 is a
// connect-time load balancer: 10.0.0.1:80 becomes 127.0.0.1:8080, and the socket's
// cookie, the netns cookie and the socket's protocol (through ctx->sk) are recorded.
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

// <sys/socket.h> is not for the BPF target; the values are the kernel's.
#define AF_INET 2
#define AF_INET6 10
#define SOCK_DGRAM 2
#define SOCK_RAW 3

char LICENSE[] SEC("license") = "GPL";

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
} seen SEC(".maps");

static void record(__u32 slot, __u64 value)
{
    bpf_map_update_elem(&seen, &slot, &value, BPF_ANY);
}

SEC("cgroup/connect4")
int connect4_lb(struct bpf_sock_addr *ctx)
{
    struct bpf_sock *sk = ctx->sk;

    if (!sk)
        return 0;
    record(0, bpf_get_socket_cookie(ctx));
    record(1, bpf_get_netns_cookie(ctx));
    record(2, sk->protocol);
    if (ctx->user_ip4 == bpf_htonl(0x0a000001) && ctx->user_port == bpf_htons(80)) {
        ctx->user_ip4 = bpf_htonl(0x7f000001);
        ctx->user_port = bpf_htons(8080);
    }
    if (ctx->user_port == bpf_htons(81)) { // bind the source first, as a transparent proxy does
        struct sockaddr_in src = {.sin_family = AF_INET, .sin_addr.s_addr = bpf_htonl(0x7f000002)};
        if (bpf_bind(ctx, (struct sockaddr *)&src, sizeof(src)) != 0)
            return 0;
    }
    return ctx->user_port == bpf_htons(22) ? 0 : 1; // refuse ssh
}

SEC("cgroup/connect6")
int connect6_lb(struct bpf_sock_addr *ctx)
{
    if (ctx->user_ip6[0] == bpf_htonl(0xfd000000) && ctx->user_port == bpf_htons(80)) {
        ctx->user_ip6[0] = 0;
        ctx->user_ip6[1] = 0;
        ctx->user_ip6[2] = 0;
        ctx->user_ip6[3] = bpf_htonl(1); // ::1
        ctx->user_port = bpf_htons(8080);
    }
    return 1;
}

SEC("cgroup/sendmsg4")
int sendmsg4_snat(struct bpf_sock_addr *ctx)
{
    if (ctx->type != SOCK_DGRAM)
        return 1;
    if (ctx->user_ip4 == bpf_htonl(0x0a000035)) { // DNS at 10.0.0.53 -> 127.0.0.53, from 127.0.0.1
        ctx->user_ip4 = bpf_htonl(0x7f000035);
        ctx->msg_src_ip4 = bpf_htonl(0x7f000001);
    }
    return 1;
}

SEC("cgroup/sendmsg6")
int sendmsg6_src(struct bpf_sock_addr *ctx)
{
    ctx->msg_src_ip6[3] = bpf_htonl(1);
    return 1;
}

SEC("cgroup/recvmsg4")
int recvmsg4_rev(struct bpf_sock_addr *ctx)
{
    if (ctx->user_ip4 == bpf_htonl(0x7f000035))
        ctx->user_ip4 = bpf_htonl(0x0a000035); // the reply appears to come from the service
    return 1;
}

SEC("cgroup/recvmsg6")
int recvmsg6_rev(struct bpf_sock_addr *ctx)
{
    ctx->user_port = bpf_htons(53);
    return 1;
}

SEC("cgroup/bind4")
int bind4_low_port(struct bpf_sock_addr *ctx)
{
    if (ctx->user_port == bpf_htons(79)) {
        ctx->user_port = bpf_htons(80);
        return 3; // allowed, and no CAP_NET_BIND_SERVICE check for the low port
    }
    return 1;
}

SEC("cgroup/bind6")
int bind6_any(struct bpf_sock_addr *ctx)
{
    return ctx->user_ip6[3] != 0;
}

SEC("cgroup/getpeername4")
int getpeername4_prog(struct bpf_sock_addr *ctx)
{
    ctx->user_ip4 = bpf_htonl(0x0a000001);
    return 1;
}

SEC("cgroup/getsockname6")
int getsockname6_prog(struct bpf_sock_addr *ctx)
{
    ctx->user_port = bpf_htons(1234);
    return 1;
}

SEC("cgroup/post_bind4")
int post_bind4_no_ssh(struct bpf_sock *sk)
{
    if (sk->src_ip4 == bpf_htonl(0x7f000001))
        return 1;
    return sk->src_port == 22 ? 0 : 1; // src_port is host order
}

SEC("cgroup/post_bind6")
int post_bind6_loopback(struct bpf_sock *sk)
{
    return sk->src_ip6[3] == bpf_htonl(1) || sk->family != AF_INET6;
}

SEC("cgroup/sock_create")
int sock_create_mark(struct bpf_sock *sk)
{
    if (sk->type == SOCK_RAW)
        return 0; // no raw sockets in this cgroup
    sk->mark = 0x42;
    sk->priority = sk->protocol == IPPROTO_UDP ? 6 : 0;
    record(3, bpf_get_current_pid_tgid());
    return 1;
}

SEC("cgroup/sock_release")
int sock_release_prog(struct bpf_sock *sk)
{
    return sk->bound_dev_if == 0 ? 1 : 1;
}
