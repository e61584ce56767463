/* The socket table from C (ebpfjit_sockets.h): progs/tc_sockets.c steers a TCP packet to
 * the listener an embedder registered, on both engines; without a table the lookup is
 * NULL. Exit status 0 when every check holds. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ebpfjit/ebpfjit_sockets.h"
#include "tests/c_check.h"

/* Ethernet + IPv4 192.168.1.2:40000 -> 10.0.0.1:80, TCP. */
static void make_packet(unsigned char *f)
{
    static const unsigned char ip[20] = {0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0, 192, 168, 1, 2, 10, 0, 0, 1};
    memset(f, 0, 54);
    f[12] = 0x08;
    memcpy(f + 14, ip, sizeof ip);
    f[34] = 40000 >> 8;
    f[35] = 40000 & 0xff;
    f[36] = 0;
    f[37] = 80;
}

static int steer(ebpfjit_program *prog, ebpfjit_skb *skb)
{
    char err[256];
    int32_t code = -1;
    uint32_t port = 0;
    unsigned char frame[54];
    make_packet(frame);
    CHECK(ebpfjit_skb_load(skb, frame, sizeof frame, 1, err, sizeof err) == 0);
    CHECK(ebpfjit_program_run_tc(prog, skb, &code, &port, err, sizeof err) == 0);
    return code;
}

static void run(ebpfjit_engine engine)
{
    char err[256];
    ebpfjit_open_options opts = {NULL, engine, EBPFJIT_VERIFY_FULL, 0, 0};
    ebpfjit_object *obj = ebpfjit_object_open_opts(EBPFJIT_OBJECT_PROGS_DIR "/tc_sockets.o", &opts, err, sizeof err);
    if (!obj) {
        fprintf(stderr, "open failed: %s\n", err);
        ++failures;
        return;
    }
    ebpfjit_program *prog = ebpfjit_object_program(obj, "steer", err, sizeof err);
    ebpfjit_skb *skb = ebpfjit_skb_new(0);
    CHECK(prog != NULL);
    if (!prog) {
        ebpfjit_object_close(obj);
        ebpfjit_skb_free(skb);
        return;
    }
    CHECK(steer(prog, skb) == 100); /* no table: NULL */
    CHECK(ebpfjit_skb_socket_cookie(skb) == 0);

    ebpfjit_socket_table *sockets = ebpfjit_socket_table_new();
    ebpfjit_socket web;
    memset(&web, 0, sizeof web);
    web.protocol = 6;
    web.state = EBPFJIT_TCP_LISTEN;
    web.local_port = 80;
    web.netns = -1;
    uint64_t cookie = 0;
    CHECK(ebpfjit_socket_table_add(sockets, &web, &cookie, err, sizeof err) == 0);
    CHECK(cookie != 0);
    web.remote_port = 1; /* a listener with a peer: refused, one line */
    CHECK(ebpfjit_socket_table_add(sockets, &web, NULL, err, sizeof err) == -1);
    CHECK(strstr(err, "listening") != NULL);
    ebpfjit_object_set_socket_table(obj, sockets);
    ebpfjit_socket_table_free(sockets); /* the object keeps its reference */

    CHECK(steer(prog, skb) == 101);
    CHECK(ebpfjit_skb_socket_cookie(skb) == cookie);

    ebpfjit_object_set_socket_table(obj, NULL);
    CHECK(steer(prog, skb) == 100);
    CHECK(ebpfjit_skb_socket_cookie(skb) == 0);

    ebpfjit_skb_free(skb);
    ebpfjit_object_close(obj);
}

/* progs/tc_sock_fields.c reads struct bpf_sock of an established socket into its `seen`
 * map: the mark and priority given here come back, with the C API's default
 * rx_queue_mapping (-1). */
static void sock_fields(ebpfjit_engine engine)
{
    char err[256];
    ebpfjit_open_options opts = {NULL, engine, EBPFJIT_VERIFY_FULL, 0, 0};
    ebpfjit_object *obj =
        ebpfjit_object_open_opts(EBPFJIT_OBJECT_PROGS_DIR "/tc_sock_fields.o", &opts, err, sizeof err);
    if (!obj) {
        fprintf(stderr, "open failed: %s\n", err);
        ++failures;
        return;
    }
    ebpfjit_program *prog = ebpfjit_object_program(obj, "full", err, sizeof err);
    ebpfjit_map *seen = ebpfjit_object_map(obj, "seen");
    ebpfjit_skb *skb = ebpfjit_skb_new(0);
    CHECK(prog != NULL && seen != NULL);
    if (prog && seen) {
        ebpfjit_socket_table *sockets = ebpfjit_socket_table_new();
        ebpfjit_socket conn;
        memset(&conn, 0, sizeof conn);
        conn.protocol = 6;
        conn.state = EBPFJIT_TCP_ESTABLISHED;
        memcpy(conn.local_addr, (const unsigned char[]){10, 0, 0, 1}, 4);
        conn.local_port = 80;
        memcpy(conn.remote_addr, (const unsigned char[]){192, 168, 1, 2}, 4);
        conn.remote_port = 40000;
        conn.netns = -1;
        conn.mark = 0x42;
        conn.priority = 7;
        CHECK(ebpfjit_socket_table_add(sockets, &conn, NULL, err, sizeof err) == 0);
        ebpfjit_object_set_socket_table(obj, sockets);
        ebpfjit_socket_table_free(sockets);
        CHECK(steer(prog, skb) == 1);
        uint32_t key = 0, value[28]; /* struct seen: struct bpf_sock, then 8 u32 */
        CHECK(ebpfjit_map_value_size(seen) == sizeof value);
        CHECK(ebpfjit_map_lookup(seen, &key, value) == 0);
        CHECK(value[1] == 2);          /* family AF_INET */
        CHECK(value[4] == 0x42);       /* mark */
        CHECK(value[5] == 7);          /* priority */
        CHECK(value[11] == 80);        /* src_port, host order */
        CHECK(value[18] == 1);         /* state TCP_ESTABLISHED */
        CHECK(value[19] == 0xffffffffu); /* rx_queue_mapping -1 */
    }
    ebpfjit_skb_free(skb);
    ebpfjit_object_close(obj);
}

int main(void)
{
    ebpfjit_socket_table *t = ebpfjit_socket_table_new();
    CHECK(ebpfjit_socket_table_remove(t, 42) == -ENOENT);
    ebpfjit_socket_table_free(t);
    run(EBPFJIT_ENGINE_JIT);
    run(EBPFJIT_ENGINE_INTERP);
    sock_fields(EBPFJIT_ENGINE_JIT);
    sock_fields(EBPFJIT_ENGINE_INTERP);
    return c_check_status();
}
