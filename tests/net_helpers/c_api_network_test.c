/* The network helpers through the C API: a network with devices, routes and neighbours
 * for an XDP router (fib_lookup, check_mtu), socket and tunnel metadata on an skb, and
 * bpf_clone_redirect's copies. Exit status 0 when every check holds. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "ebpfjit/ebpfjit.h"
#include "tests/c_check.h"

/* Ethernet + IPv4 + UDP to 10.1.2.3, 60 bytes (header checksum not needed here). */
static void make_frame(unsigned char *f)
{
    memset(f, 0, 60);
    f[12] = 0x08;
    f[14] = 0x45;
    f[17] = 46; /* tot_len */
    f[22] = 64, f[23] = 17;
    f[26] = 192, f[27] = 168, f[28] = 1, f[29] = 10;
    f[30] = 10, f[31] = 1, f[32] = 2, f[33] = 3;
}

static uint64_t result(ebpfjit_map *results, unsigned slot)
{
    uint64_t v = 0;
    CHECK(ebpfjit_map_lookup(results, &slot, &v) == 0);
    return v;
}

int main(void)
{
    char err[256];
    unsigned char frame[60];
    const unsigned char mac1[6] = {2, 0, 0, 0, 0, 1}, mac2[6] = {2, 0, 0, 0, 0, 2}, gwmac[6] = {0xaa, 0xbb, 0xcc, 0, 0, 1};
    const unsigned char net10[4] = {10, 0, 0, 0}, gw[4] = {192, 168, 2, 254};
    ebpfjit_network *net = ebpfjit_network_new();
    CHECK(net != NULL);
    CHECK(ebpfjit_network_add_device(net, 1, 1500, mac1, 1) == 0);
    CHECK(ebpfjit_network_add_device(net, 2, 1400, mac2, 1) == 0);
    CHECK(ebpfjit_network_add_device(net, 0, 1500, mac1, 1) == -EINVAL);
    CHECK(ebpfjit_network_add_route(net, AF_INET, net10, 8, EBPFJIT_ROUTE_UNICAST, 2, AF_INET, gw, 7, 0) == 0);
    CHECK(ebpfjit_network_add_route(net, AF_INET, net10, 33, EBPFJIT_ROUTE_UNICAST, 2, 0, NULL, 0, 0) == -EINVAL);
    CHECK(ebpfjit_network_add_neighbour(net, 2, AF_INET, gw, gwmac) == 0);
    ebpfjit_network_set_netns_cookie(net, 5);

    ebpfjit_open_options opts = {NULL, EBPFJIT_ENGINE_JIT, EBPFJIT_VERIFY_FULL, 0, 0};
    ebpfjit_object *obj =
        ebpfjit_object_open_network(EBPFJIT_NET_PROGS_DIR "/net_progs.o", &opts, NULL, net, err, sizeof err);
    ebpfjit_network_free(net); /* the object keeps its reference */
    if (!obj) {
        fprintf(stderr, "open failed: %s\n", err);
        return 1;
    }
    ebpfjit_map *results = ebpfjit_object_map(obj, "results");
    CHECK(results != NULL);

    ebpfjit_program *router = ebpfjit_object_program(obj, "xdp_router", err, sizeof err);
    CHECK(router != NULL);
    ebpfjit_xdp_frame *x = ebpfjit_xdp_frame_new(0);
    make_frame(frame);
    CHECK(ebpfjit_xdp_frame_load(x, frame, sizeof frame, 1, 0, err, sizeof err) == 0);
    ebpfjit_xdp_result res;
    CHECK(ebpfjit_program_run_xdp(router, x, &res, err, sizeof err) == 0);
    CHECK(res.action == EBPFJIT_XDP_REDIRECT);
    CHECK(res.redirect_port == 2);
    CHECK(result(results, 0) == 0); /* BPF_FIB_LKUP_RET_SUCCESS */
    CHECK(result(results, 3) == 1500);
    size_t len = 0;
    const uint8_t *out = ebpfjit_xdp_frame_data(x, &len);
    CHECK(len == sizeof frame && memcmp(out, gwmac, 6) == 0 && memcmp(out + 6, mac2, 6) == 0);
    ebpfjit_xdp_frame_free(x);

    ebpfjit_program *meta = ebpfjit_object_program(obj, "tc_meta", err, sizeof err);
    ebpfjit_skb *skb = ebpfjit_skb_new(0);
    CHECK(ebpfjit_skb_load(skb, frame, sizeof frame, 1, err, sizeof err) == 0);
    ebpfjit_skb_set_socket(skb, 1234, 56, 7);
    int32_t code = -1;
    CHECK(ebpfjit_program_run_tc(meta, skb, &code, NULL, err, sizeof err) == 0);
    CHECK(result(results, 5) == 1234);
    CHECK(result(results, 6) == 56);
    CHECK(result(results, 7) == 7);
    CHECK(result(results, 9) == 5);

    ebpfjit_program *tunnel = ebpfjit_object_program(obj, "tc_tunnel", err, sizeof err);
    ebpfjit_tunnel_info info;
    memset(&info, 0, sizeof info);
    info.id = 500;
    info.remote[0] = 0xc0a80001;
    CHECK(ebpfjit_skb_load(skb, frame, sizeof frame, 1, err, sizeof err) == 0);
    CHECK(ebpfjit_skb_set_tunnel(skb, &info) == 0);
    CHECK(ebpfjit_program_run_tc(tunnel, skb, &code, NULL, err, sizeof err) == 0);
    ebpfjit_skb_tunnel(skb, &info);
    CHECK(info.present && info.tx && info.id == 501 && info.remote[0] == 0x0a000009);
    CHECK(info.options_len == 8 && info.options[7] == 8);

    ebpfjit_program *tc_router = ebpfjit_object_program(obj, "tc_router", err, sizeof err);
    CHECK(ebpfjit_skb_load(skb, frame, sizeof frame, 1, err, sizeof err) == 0);
    uint32_t port = 0;
    CHECK(ebpfjit_program_run_tc(tc_router, skb, &code, &port, err, sizeof err) == 0);
    CHECK(code == 7 /* TC_ACT_REDIRECT */ && port == 2);
    CHECK(ebpfjit_skb_clone_count(skb) == 1);
    uint32_t clone_if = 0;
    int ingress = -1;
    const uint8_t *copy = ebpfjit_skb_clone(skb, 0, &len, &clone_if, &ingress);
    CHECK(copy && len == sizeof frame && clone_if == 1 && ingress == 0 && memcmp(copy, frame, len) == 0);
    CHECK(ebpfjit_skb_clone(skb, 1, &len, &clone_if, &ingress) == NULL);
    ebpfjit_skb_free(skb);
    ebpfjit_object_close(obj);
    return c_check_status();
}
