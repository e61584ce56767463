/* The C API's skb metadata (what the C++ SkbMetadata / SkbPacket setters give) and the
 * cgroup socket runs, from C. Exit status 0 when every check holds. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "ebpfjit/ebpfjit.h"
#include "ebpfjit/ebpfjit_sock_ctx.h"
#include "tests/c_check.h"

static uint64_t seen(ebpfjit_map *m, unsigned slot)
{
    uint64_t v = 0;
    CHECK(ebpfjit_map_lookup(m, &slot, &v) == 0);
    return v;
}

static void skb_meta(void)
{
    char err[256] = "";
    unsigned char frame[60];
    memset(frame, 0, sizeof frame);
    frame[12] = 0x08;
    ebpfjit_object *obj = ebpfjit_object_open(EBPFJIT_CGROUP_SOCK_PROGS_DIR "/skb_meta_progs.o", NULL, err, sizeof err);
    if (!obj) {
        fprintf(stderr, "%s\n", err);
        CHECK(obj != NULL);
        return;
    }
    ebpfjit_program *prog = ebpfjit_object_program(obj, "tc_meta", err, sizeof err);
    ebpfjit_map *m = ebpfjit_object_map(obj, "skb_seen");
    CHECK(prog != NULL && m != NULL);
    ebpfjit_skb *skb = ebpfjit_skb_new(0);

    ebpfjit_skb_meta meta;
    ebpfjit_skb_meta_init(&meta);
    CHECK(meta.mac_header_length == 14 && meta.hash_valid == -1);
    meta.ifindex = 3;
    meta.ingress_ifindex = 4;
    meta.mark = 0x7;
    meta.priority = 2;
    meta.tstamp = 5000000;
    meta.vlan_present = 1;
    meta.vlan_tci = 42;
    meta.vlan_proto = htons(0x8100);
    CHECK(ebpfjit_skb_load_meta(skb, frame, sizeof frame, &meta, err, sizeof err) == 0);
    CHECK(ebpfjit_skb_tstamp(skb) == 5000000);
    ebpfjit_skb_set_tstamp(skb, 6000000); /* the setter after a load */
    const uint64_t ancestors[] = {1, 100};
    CHECK(ebpfjit_skb_set_socket_cgroups(skb, 9, 1234, 0, ancestors, 2) == 0);
    CHECK(ebpfjit_skb_set_socket_cgroups(skb, 9, 1234, 0, NULL, 2) == -EINVAL);

    int32_t code = -1;
    CHECK(ebpfjit_program_run_tc(prog, skb, &code, NULL, err, sizeof err) == 0);
    CHECK(code == 0); /* TC_ACT_OK */
    CHECK(seen(m, 0) == 6000000);
    CHECK(seen(m, 1) == 0x7);
    CHECK(seen(m, 2) == 2);
    CHECK(seen(m, 3) == 1234); /* bpf_skb_cgroup_id */
    CHECK(seen(m, 4) == 42);
    CHECK(seen(m, 5) == 4);

    ebpfjit_skb_meta out;
    ebpfjit_skb_get_meta(skb, &out);
    CHECK(out.tstamp == 6001000);
    CHECK(ebpfjit_skb_tstamp(skb) == 6001000);
    CHECK(out.mark == 0x107);
    CHECK(out.priority == 5);
    CHECK(out.ifindex == 3 && out.ingress_ifindex == 4);
    CHECK(out.vlan_present == 1 && out.vlan_tci == 42 && out.vlan_proto == htons(0x8100));
    CHECK(out.protocol == htons(0x0800)); /* from the frame's Ethernet type */
    CHECK(out.linear_length == sizeof frame);
    CHECK(ebpfjit_skb_load_meta(skb, frame, sizeof frame, NULL, err, sizeof err) == -1);

    ebpfjit_skb_free(skb);
    ebpfjit_object_close(obj);
}

static void sock_addr(void)
{
    char err[256] = "";
    ebpfjit_object *obj = ebpfjit_object_open(EBPFJIT_CGROUP_SOCK_PROGS_DIR "/sock_addr_progs.o", NULL, err, sizeof err);
    if (!obj) {
        fprintf(stderr, "%s\n", err);
        CHECK(obj != NULL);
        return;
    }
    ebpfjit_program *sendmsg4 = ebpfjit_object_program(obj, "sendmsg4_snat", err, sizeof err);
    ebpfjit_program *post_bind6 = ebpfjit_object_program(obj, "post_bind6_loopback", err, sizeof err);
    CHECK(sendmsg4 != NULL && post_bind6 != NULL);

    ebpfjit_sock_addr_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.addr.user_family = ctx.addr.family = AF_INET;
    ctx.addr.type = SOCK_DGRAM;
    ctx.addr.protocol = IPPROTO_UDP;
    ctx.addr.user_ip4 = htonl(0x0a000035);
    ctx.addr.user_port = htons(53);
    uint32_t verdict = 9;
    CHECK(ebpfjit_program_run_sock_addr(sendmsg4, &ctx, &verdict, err, sizeof err) == 0);
    CHECK(verdict == 1);
    CHECK(ctx.addr.user_ip4 == htonl(0x7f000035));
    CHECK(ctx.addr.msg_src_ip4 == htonl(0x7f000001));

    ebpfjit_sock_ctx sk;
    memset(&sk, 0, sizeof sk);
    sk.sock.family = AF_INET6;
    sk.sock.src_ip6[3] = htonl(2);
    CHECK(ebpfjit_program_run_sock(post_bind6, &sk, &verdict, err, sizeof err) == 0);
    CHECK(verdict == 0);
    sk.sock.src_ip6[3] = htonl(1);
    CHECK(ebpfjit_program_run_sock(post_bind6, &sk, &verdict, err, sizeof err) == 0);
    CHECK(verdict == 1);
    ebpfjit_object_close(obj);
}

int main(void)
{
    skb_meta();
    sock_addr();
    return c_check_status();
}
