/* The C API as a C packet processor uses it: open an XDP object on each engine, run
 * frames one by one and in bursts, read verdicts, redirect ports and maps; tc and socket
 * filter runs. Exit status 0 when every check holds; each failed check prints one line. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ebpfjit/ebpfjit.h"
#include "tests/c_check.h"

#define N_FRAMES 8

static void make_frame(unsigned char *f, size_t len, unsigned short ether_type)
{
    static const unsigned char header[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};
    size_t i;
    for (i = 0; i < len; i++)
        f[i] = (unsigned char)i;
    memcpy(f, header, sizeof header);
    f[12] = (unsigned char)(ether_type >> 8);
    f[13] = (unsigned char)ether_type;
}

static void run_dispatcher(ebpfjit_engine engine)
{
    char err[256];
    ebpfjit_open_options opts = {NULL, engine, EBPFJIT_VERIFY_FULL, 0, 0};
    ebpfjit_object *obj = ebpfjit_object_open_opts(EBPFJIT_OBJECT_PROGS_DIR "/xdp_dispatch.o", &opts, err, sizeof err);
    if (!obj) {
        fprintf(stderr, "open failed: %s\n", err);
        ++failures;
        return;
    }
    ebpfjit_program *prog = ebpfjit_object_program(obj, "dispatch", err, sizeof err);
    CHECK(prog != NULL);
    ebpfjit_map *ports = ebpfjit_object_map(obj, "ports");
    CHECK(ports != NULL);
    unsigned int ifindex = 4, port = 11;
    CHECK(ports && ebpfjit_map_update(ports, &ifindex, &port, 0) == 0);
    CHECK(ebpfjit_register_worker_thread(err, sizeof err) >= 0);

    ebpfjit_xdp_frame *frames[N_FRAMES];
    ebpfjit_xdp_result results[N_FRAMES];
    unsigned char bytes[64];
    int i;
    for (i = 0; i < N_FRAMES; i++) {
        frames[i] = ebpfjit_xdp_frame_new(0);
        make_frame(bytes, sizeof bytes, i % 2 ? 0x86dd : 0x0800); /* IPv6 : IPv4 */
        CHECK(ebpfjit_xdp_frame_load(frames[i], bytes, sizeof bytes, 4, 0, err, sizeof err) == 0);
    }
    if (prog) {
        CHECK(ebpfjit_program_run_xdp_burst(prog, frames, N_FRAMES, results, err, sizeof err) == 0);
        for (i = 0; i < N_FRAMES; i++) {
            if (i % 2) {
                CHECK(results[i].action == EBPFJIT_XDP_REDIRECT);
                CHECK(results[i].redirect_port == 11);
            } else {
                size_t len = 0;
                unsigned char *data = ebpfjit_xdp_frame_data(frames[i], &len);
                CHECK(results[i].action == EBPFJIT_XDP_TX);
                CHECK(len == 64 && data[5] == 2 && data[11] == 1); /* MACs swapped */
            }
        }
        CHECK(strcmp(ebpfjit_xdp_action_name(results[0].action), "XDP_TX") == 0);

        ebpfjit_xdp_result one;
        make_frame(bytes, sizeof bytes, 0x0806); /* ARP: empty slot, falls through */
        CHECK(ebpfjit_xdp_frame_load(frames[0], bytes, sizeof bytes, 1, 0, err, sizeof err) == 0);
        CHECK(ebpfjit_program_run_xdp(prog, frames[0], &one, err, sizeof err) == 0);
        CHECK(one.action == EBPFJIT_XDP_PASS && one.r0 == 2);

        uint64_t r0;
        CHECK(ebpfjit_program_run_mem(prog, bytes, sizeof bytes, &r0, err, sizeof err) == -1);
        CHECK(strstr(err, "is of type xdp") != NULL);
        CHECK(ebpfjit_program_run_xdp_burst(prog, frames, 0, results, err, sizeof err) == 0);
    }
    for (i = 0; i < N_FRAMES; i++)
        ebpfjit_xdp_frame_free(frames[i]);

    ebpfjit_map *hits = ebpfjit_object_map(obj, "stage_hits");
    unsigned int key = 0;
    uint64_t value = 0;
    CHECK(hits && ebpfjit_map_lookup(hits, &key, &value) == 0 && value == N_FRAMES / 2);
    key = 1;
    CHECK(hits && ebpfjit_map_lookup(hits, &key, &value) == 0 && value == N_FRAMES / 2);
    ebpfjit_object_close(obj);
}

static void run_skb_programs(ebpfjit_engine engine)
{
    char err[256];
    ebpfjit_open_options opts = {NULL, engine, EBPFJIT_VERIFY_FULL, 0, 0};
    ebpfjit_object *obj = ebpfjit_object_open_opts(EBPFJIT_OBJECT_PROGS_DIR "/skb_progs.o", &opts, err, sizeof err);
    if (!obj) {
        fprintf(stderr, "open failed: %s\n", err);
        ++failures;
        return;
    }
    ebpfjit_program *tc = ebpfjit_object_program(obj, "tc_steer", err, sizeof err);
    ebpfjit_program *filter = ebpfjit_object_program(obj, "udp_snap", err, sizeof err);
    ebpfjit_skb *skb = ebpfjit_skb_new(0);
    unsigned char bytes[100];
    make_frame(bytes, sizeof bytes, 0x0800);
    bytes[23] = 17;
    CHECK(ebpfjit_skb_load(skb, bytes, sizeof bytes, 2, err, sizeof err) == 0);
    int32_t code = -1;
    uint32_t port = 0, keep = 0;
    CHECK(tc && ebpfjit_program_run_tc(tc, skb, &code, &port, err, sizeof err) == 0);
    CHECK(code == 7 /* TC_ACT_REDIRECT */ && port == 7);
    CHECK(filter && ebpfjit_program_run_socket_filter(filter, skb, &keep, err, sizeof err) == 0);
    CHECK(keep == 64);
    CHECK(filter && ebpfjit_program_run_tc(filter, skb, &code, &port, err, sizeof err) == -1);
    ebpfjit_skb_free(skb);
    ebpfjit_object_close(obj);
}

int main(void)
{
    char err[256];
    ebpfjit_open_options bad = {NULL, (ebpfjit_engine)7, EBPFJIT_VERIFY_FULL, 0, 0};
    CHECK(ebpfjit_object_open_opts(EBPFJIT_OBJECT_PROGS_DIR "/xdp_dispatch.o", &bad, err, sizeof err) == NULL);
    CHECK(strcmp(err, "unknown engine") == 0);

    run_dispatcher(EBPFJIT_ENGINE_JIT);
    run_dispatcher(EBPFJIT_ENGINE_INTERP);
    run_skb_programs(EBPFJIT_ENGINE_JIT);
    run_skb_programs(EBPFJIT_ENGINE_INTERP);

    /* An interpreter-only object refuses a JIT run, with a message. */
    ebpfjit_open_options interp = {"mem", EBPFJIT_ENGINE_INTERP, EBPFJIT_VERIFY_FULL, 0, 0};
    ebpfjit_object *obj = ebpfjit_object_open_opts(EBPFJIT_OBJECT_PROGS_DIR "/mem_sum.o", &interp, err, sizeof err);
    CHECK(obj != NULL);
    if (obj) {
        ebpfjit_program *prog = ebpfjit_object_program(obj, "sum16", err, sizeof err);
        unsigned char mem[16] = {1, 2, 3};
        uint64_t r0 = 0;
        CHECK(prog && ebpfjit_program_run_mem_engine(prog, EBPFJIT_ENGINE_INTERP, mem, sizeof mem, &r0, err, sizeof err) == 0);
        CHECK(r0 == ((6 * 7) ^ (6 >> 3)));
        CHECK(prog && ebpfjit_program_run_mem_engine(prog, EBPFJIT_ENGINE_JIT, mem, sizeof mem, &r0, err, sizeof err) == -1);
        CHECK(strstr(err, "interpreter only") != NULL);
        ebpfjit_object_close(obj);
    }

    return c_check_status();
}
