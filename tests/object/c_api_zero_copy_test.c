/* The C API's zero-copy XDP burst (ebpfjit_program_run_xdp_buffers) as a C packet
 * processor with its own buffer pool uses it, on both engines: mixed verdicts, the
 * redirect port, MACs swapped in the embedder's bytes, bounds written back by
 * bpf_xdp_adjust_head, an invalid buffer named by its frame index. Exit status 0 when
 * every check holds; each failed check prints one line. */
#include <stdio.h>
#include <string.h>

#include "ebpfjit/ebpfjit.h"
#include "tests/c_check.h"

#define N_FRAMES 6
#define CAPACITY 512
#define HEADROOM 64
#define LEN 60

static unsigned char pool[N_FRAMES][CAPACITY];

static void make_frame(ebpfjit_xdp_buffer *b, unsigned char *slot, unsigned short ether_type)
{
    static const unsigned char header[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};
    size_t i;
    memset(slot, 0xEE, CAPACITY);
    for (i = 0; i < LEN; i++)
        slot[HEADROOM + i] = (unsigned char)i;
    memcpy(slot + HEADROOM, header, sizeof header);
    slot[HEADROOM + 12] = (unsigned char)(ether_type >> 8);
    slot[HEADROOM + 13] = (unsigned char)ether_type;
    b->base = slot;
    b->capacity = CAPACITY;
    b->headroom = HEADROOM;
    b->length = LEN;
    b->meta_length = 0;
}

static ebpfjit_object *open_object(const char *stem, ebpfjit_engine engine)
{
    char err[256], path[512];
    ebpfjit_open_options opts = {NULL, engine, EBPFJIT_VERIFY_FULL, 0, 0};
    snprintf(path, sizeof path, "%s/%s.o", EBPFJIT_OBJECT_PROGS_DIR, stem);
    ebpfjit_object *obj = ebpfjit_object_open_opts(path, &opts, err, sizeof err);
    if (!obj)
        fprintf(stderr, "open %s failed: %s\n", stem, err);
    return obj;
}

static void dispatch_burst(ebpfjit_engine engine)
{
    char err[256];
    ebpfjit_xdp_buffer bufs[N_FRAMES];
    ebpfjit_xdp_result results[N_FRAMES];
    static const unsigned short types[N_FRAMES] = {0x0800, 0x86dd, 0x0806, 0x0800, 0x86dd, 0x0806};
    unsigned int ifindex = 4, port = 11;
    int i;
    ebpfjit_object *obj = open_object("xdp_dispatch", engine);
    CHECK(obj != NULL);
    if (!obj)
        return;
    ebpfjit_program *prog = ebpfjit_object_program(obj, "dispatch", err, sizeof err);
    CHECK(prog != NULL);
    CHECK(ebpfjit_map_update(ebpfjit_object_map(obj, "ports"), &ifindex, &port, 0) == 0);
    for (i = 0; i < N_FRAMES; i++)
        make_frame(&bufs[i], pool[i], types[i]);
    if (prog) {
        CHECK(ebpfjit_program_run_xdp_buffers(prog, bufs, N_FRAMES, 4, 0, results, err, sizeof err) == 0);
        for (i = 0; i < N_FRAMES; i++) {
            CHECK(bufs[i].base == pool[i] && bufs[i].headroom == HEADROOM && bufs[i].length == LEN);
            CHECK(pool[i][HEADROOM - 1] == 0xEE && pool[i][HEADROOM + LEN] == 0xEE);
            switch (i % 3) {
            case 0: /* IPv4: MACs swapped in place, XDP_TX */
                CHECK(results[i].action == EBPFJIT_XDP_TX);
                CHECK(pool[i][HEADROOM + 5] == 2 && pool[i][HEADROOM + 11] == 1);
                break;
            case 1: /* IPv6: the DEVMAP port of ingress 4 */
                CHECK(results[i].action == EBPFJIT_XDP_REDIRECT);
                CHECK(results[i].redirect_port == 11);
                break;
            default: /* ARP: no stage, XDP_PASS, untouched */
                CHECK(results[i].action == EBPFJIT_XDP_PASS);
                CHECK(pool[i][HEADROOM + 5] == 1);
            }
        }
        /* An invalid buffer: the error names its frame; the frames before it ran. */
        for (i = 0; i < N_FRAMES; i++)
            make_frame(&bufs[i], pool[i], 0x0806);
        bufs[3].meta_length = 40;
        CHECK(ebpfjit_program_run_xdp_buffers(prog, bufs, N_FRAMES, 4, 0, results, err, sizeof err) == -1);
        CHECK(strstr(err, "frame 3: ") != NULL);
        CHECK(results[2].action == EBPFJIT_XDP_PASS);
        CHECK(ebpfjit_program_run_xdp_buffers(prog, bufs, 0, 4, 0, results, err, sizeof err) == 0);
        CHECK(ebpfjit_program_run_xdp_buffers(prog, NULL, 1, 4, 0, results, err, sizeof err) == -1);
    }
    ebpfjit_object_close(obj);
}

/* xdp_adjust: byte 0 the operation (1 = adjust_head), bytes 1-2 the delta. */
static void adjust_head(ebpfjit_engine engine)
{
    char err[256];
    ebpfjit_xdp_buffer buf;
    ebpfjit_xdp_result result;
    ebpfjit_object *obj = open_object("xdp_adjust", engine);
    CHECK(obj != NULL);
    if (!obj)
        return;
    ebpfjit_program *prog = ebpfjit_object_program(obj, "adjust", err, sizeof err);
    CHECK(prog != NULL);
    if (prog) {
        make_frame(&buf, pool[0], 0x0800);
        pool[0][HEADROOM] = 1;
        pool[0][HEADROOM + 1] = (unsigned char)(-HEADROOM & 0xff);
        pool[0][HEADROOM + 2] = 0xff;
        CHECK(ebpfjit_program_run_xdp_buffers(prog, &buf, 1, 1, 0, &result, err, sizeof err) == 0);
        CHECK(result.action == EBPFJIT_XDP_PASS);
        CHECK(buf.headroom == 0 && buf.length == LEN + HEADROOM);
        CHECK(pool[0][0] == 0x5A); /* the program wrote the buffer's first byte */

        make_frame(&buf, pool[0], 0x0800);
        pool[0][HEADROOM] = 1;
        pool[0][HEADROOM + 1] = (unsigned char)((-HEADROOM - 1) & 0xff);
        pool[0][HEADROOM + 2] = 0xff;
        CHECK(ebpfjit_program_run_xdp_buffers(prog, &buf, 1, 1, 0, &result, err, sizeof err) == 0);
        CHECK(result.action == EBPFJIT_XDP_DROP); /* one byte before the buffer: -EINVAL */
        CHECK(buf.headroom == HEADROOM && buf.length == LEN);
    }
    ebpfjit_object_close(obj);
}

int main(void)
{
    char err[256];
    CHECK(ebpfjit_register_worker_thread(err, sizeof err) >= 0);
    dispatch_burst(EBPFJIT_ENGINE_JIT);
    dispatch_burst(EBPFJIT_ENGINE_INTERP);
    adjust_head(EBPFJIT_ENGINE_JIT);
    adjust_head(EBPFJIT_ENGINE_INTERP);
    return c_check_status();
}
