// Cgroup socket programs the kernel refuses, one rule each (test_cgroup_sock checks that
// ebpfjit refuses them naming the rule and instruction, and, as root, that the kernel does).
#include <linux/bpf.h>
#include <linux/in.h>
#include <stddef.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

// <sys/socket.h> is not for the BPF target; the values are the kernel's.
#define AF_INET 2
#define AF_INET6 10
#define SOCK_DGRAM 2
#define SOCK_RAW 3

char LICENSE[] SEC("license") = "GPL";

// sock_addr_is_valid_access: user_ip6 belongs to the *6 hooks.
SEC("cgroup/connect4")
int connect4_reads_ip6(struct bpf_sock_addr *ctx)
{
    return ctx->user_ip6[0] != 0;
}

// ... and user_ip4 to the *4 hooks.
SEC("cgroup/connect6")
int connect6_writes_ip4(struct bpf_sock_addr *ctx)
{
    ctx->user_ip4 = 1;
    return 1;
}

// msg_src_ip4 is only sendmsg4's.
SEC("cgroup/connect4")
int connect4_writes_msg_src(struct bpf_sock_addr *ctx)
{
    ctx->msg_src_ip4 = 1;
    return 1;
}

// family is read-only.
SEC("cgroup/connect4")
int connect4_writes_family(struct bpf_sock_addr *ctx)
{
    ctx->family = AF_INET6;
    return 1;
}

// user_ip4 is a u32: 8 bytes at offset 4 is misaligned.
SEC("cgroup/connect4")
int connect4_reads_wide_ip4(struct bpf_sock_addr *ctx)
{
    return *(volatile __u64 *)((char *)ctx + offsetof(struct bpf_sock_addr, user_ip4)) != 0;
}

// check_return_code: connect returns 0 or 1.
SEC("cgroup/connect4")
int connect4_returns_2(struct bpf_sock_addr *ctx)
{
    return 2;
}

// recvmsg may not refuse: exactly 1.
SEC("cgroup/recvmsg4")
int recvmsg4_returns_0(struct bpf_sock_addr *ctx)
{
    return 0;
}

// bpf_bind is only connect4's and connect6's.
SEC("cgroup/sendmsg4")
int sendmsg4_binds(struct bpf_sock_addr *ctx)
{
    struct sockaddr_in src = {.sin_family = AF_INET};
    return bpf_bind(ctx, (struct sockaddr *)&src, sizeof(src)) == 0;
}

// bpf_redirect is a packet helper.
SEC("cgroup/connect4")
int connect4_redirects(struct bpf_sock_addr *ctx)
{
    return bpf_redirect(1, 0) == 0;
}

// ctx->sk is not a reference: nothing to release.
SEC("cgroup/connect4")
int connect4_releases_sk(struct bpf_sock_addr *ctx)
{
    struct bpf_sock *sk = ctx->sk;
    if (sk)
        bpf_sk_release(sk);
    return 1;
}

// __sock_filter_check_attach_type: mark is sock_create's and sock_release's only.
SEC("cgroup/post_bind4")
int post_bind4_reads_mark(struct bpf_sock *sk)
{
    return sk->mark == 0;
}

// src_ip6 is post_bind6's.
SEC("cgroup/post_bind4")
int post_bind4_reads_ip6(struct bpf_sock *sk)
{
    return sk->src_ip6[0] == 0;
}

// src_port is read-only (and post_bind's only).
SEC("cgroup/sock_create")
int sock_create_writes_protocol(struct bpf_sock *sk)
{
    sk->protocol = IPPROTO_UDP;
    return 1;
}

// CGROUP_SOCK has no socket lookups.
SEC("cgroup/sock_create")
int sock_create_looks_up(struct bpf_sock *sk)
{
    struct bpf_sock_tuple tuple = {};
    struct bpf_sock *found = bpf_sk_lookup_tcp(sk, &tuple, sizeof(tuple.ipv4), -1, 0);
    if (found)
        bpf_sk_release(found);
    return 1;
}

// check_return_code: CGROUP_SOCK returns 0 or 1.
SEC("cgroup/sock_release")
int sock_release_returns_7(struct bpf_sock *sk)
{
    return 7;
}
