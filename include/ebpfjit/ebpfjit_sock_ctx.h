/* The host ctx of the cgroup socket program types (docs/cgroup-sock.md), for the C and the
 * C++ API alike (C++: ebpfjit::SockAddrCtx, ebpfjit::SockCtx, Program::run_sock_addr,
 * Program::run_sock).
 *
 * A BPF_PROG_TYPE_CGROUP_SOCK_ADDR program (sections cgroup/connect4, sendmsg6, recvmsg4,
 * bind6, getpeername4, ...) runs as the kernel runs it at that hook: r1 points at `addr`,
 * a struct bpf_sock_addr the embedder fills (user_family, user_ip4 or user_ip6 in network
 * order, user_port in network order in the low 16 bits, family, type, protocol,
 * msg_src_ip4/6 for sendmsg) and reads back after the run: a program may rewrite
 * user_ip4/user_ip6/user_port (and msg_src_ip4/6 in sendmsg), as connect-time load
 * balancers do. addr.sk is set by the run to point at `sock` (the socket the hook is
 * about; read-only to the program).
 *
 * A BPF_PROG_TYPE_CGROUP_SOCK program (cgroup/sock_create, sock_release, post_bind4/6)
 * runs over `sock` of ebpfjit_sock_ctx: sock_create / sock_release may write
 * bound_dev_if, mark and priority, which the embedder reads back.
 *
 * The verdict is r0: 1 lets the operation go on, 0 refuses it (the kernel's -EPERM);
 * bind programs may return 2 or 3 (bit 1: skip the port's CAP_NET_BIND_SERVICE check). */
#ifndef EBPFJIT_SOCK_CTX_H
#define EBPFJIT_SOCK_CTX_H

#include <linux/bpf.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ebpfjit_sock_addr_ctx {
    struct bpf_sock_addr addr; /* first: r1 points here */
    struct bpf_sock sock;      /* what addr.sk points at during the run */
    uint64_t socket_cookie;    /* bpf_get_socket_cookie's answer (0: none) */
    /* bpf_bind (connect4/connect6 only): the address the program asked the socket to be
     * bound to, as the helper got it (a struct sockaddr_in or sockaddr_in6); bind_len 0:
     * no successful call. The embedder performs the bind. */
    uint8_t bind_addr[28];
    uint32_t bind_len;
} ebpfjit_sock_addr_ctx;

typedef struct ebpfjit_sock_ctx {
    struct bpf_sock sock;   /* first: r1 points here */
    uint64_t socket_cookie; /* bpf_get_socket_cookie's answer (0: none) */
} ebpfjit_sock_ctx;

#ifdef __cplusplus
}
#endif

#endif
