/* The C face of socket_table.hpp: the sockets bpf_sk_lookup_tcp / bpf_sk_lookup_udp /
 * bpf_skc_lookup_tcp find, and the socket bpf_sk_assign gave a tc packet.
 *
 *   ebpfjit_socket_table *sockets = ebpfjit_socket_table_new();
 *   ebpfjit_socket web = {0};
 *   web.protocol = 6; web.state = EBPFJIT_TCP_LISTEN; web.local_port = 80; web.netns = -1;
 *   uint64_t cookie;
 *   ebpfjit_socket_table_add(sockets, &web, &cookie, err, sizeof err);
 *   ebpfjit_object_set_socket_table(obj, sockets);       (before runs start)
 *   ebpfjit_socket_table_free(sockets);                  (the object keeps its own reference)
 *   ... ebpfjit_program_run_tc(prog, skb, ...);
 *   ebpfjit_skb_socket_cookie(skb): the socket bpf_sk_assign chose (0: none)
 *
 * Without a table every lookup returns NULL, as the kernel does when no socket matches.
 */
#ifndef EBPFJIT_EBPFJIT_SOCKETS_H
#define EBPFJIT_EBPFJIT_SOCKETS_H

#include "ebpfjit/ebpfjit.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ebpfjit_socket_table ebpfjit_socket_table;

/* TCP states (include/net/tcp_states.h) the table distinguishes */
#define EBPFJIT_TCP_ESTABLISHED 1
#define EBPFJIT_TCP_TIME_WAIT 6
#define EBPFJIT_TCP_CLOSE 7
#define EBPFJIT_TCP_LISTEN 10

typedef struct {
    int protocol;             /* 6 (TCP) or 17 (UDP) */
    int ipv6;                 /* 0: IPv4, addresses in the first 4 bytes */
    int state;                /* TCP: EBPFJIT_TCP_LISTEN, _TIME_WAIT or a connected state; UDP: unused */
    uint8_t local_addr[16];   /* network byte order; all zero = any */
    uint16_t local_port;      /* host byte order */
    uint8_t remote_addr[16];  /* all zero with remote_port 0: listening / unconnected */
    uint16_t remote_port;
    uint64_t cookie;          /* bpf_get_socket_cookie's answer; 0 = the table picks one */
    int32_t netns;            /* -1: the program's namespace; n >= 0: netns id n */
    uint32_t mark;            /* struct bpf_sock's mark and priority as programs read them */
    uint32_t priority;        /* (docs/sockets.md; rx_queue_mapping reads -1 from C) */
} ebpfjit_socket;

ebpfjit_socket_table *ebpfjit_socket_table_new(void);
/* Drops the caller's reference; objects using the table keep theirs. */
void ebpfjit_socket_table_free(ebpfjit_socket_table *table);
/* 0 and *cookie (may be NULL), or -1 with err set (an inconsistent socket, a taken cookie). */
int ebpfjit_socket_table_add(ebpfjit_socket_table *table, const ebpfjit_socket *socket, uint64_t *cookie,
                             char *err, size_t err_size);
/* 0, or -ENOENT when no socket has this cookie (-EINVAL: NULL table; -EIO: an internal
 * error, such as the table's lock failing). A program holding it keeps it until released. */
int ebpfjit_socket_table_remove(ebpfjit_socket_table *table, uint64_t cookie);
/* The table this object's programs look sockets up in (NULL: none). Not while they run. */
void ebpfjit_object_set_socket_table(ebpfjit_object *object, ebpfjit_socket_table *table);
/* The cookie of the skb's socket (set by bpf_sk_assign during a tc run), 0 when it has none. */
uint64_t ebpfjit_skb_socket_cookie(const ebpfjit_skb *skb);

#ifdef __cplusplus
}
#endif

#endif /* EBPFJIT_EBPFJIT_SOCKETS_H */
