/* The bpf_timer entry points of the C API, from C: a run arms a timer whose callback
 * deletes its element; ebpfjit_object_run_timers fires it. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ebpfjit/ebpfjit.h"
#include "tests/c_check.h"

int main(void) {
    char err[256];
    ebpfjit_open_options opts;
    memset(&opts, 0, sizeof opts);
    opts.program_type = "mem";
    ebpfjit_object *obj = ebpfjit_object_open_opts(EBPFJIT_TIMER_PROGS_DIR "/timer_progs.o", &opts, err, sizeof err);
    CHECK(obj != NULL);
    CHECK(ebpfjit_object_next_timer(obj) == 0);
    ebpfjit_program *prog = ebpfjit_object_program(obj, "arm_hash", err, sizeof err);
    CHECK(prog != NULL);
    uint8_t mem[16] = {0};
    uint64_t r0 = 1;
    CHECK(ebpfjit_program_run_mem(prog, mem, sizeof mem, &r0, err, sizeof err) == 0);
    CHECK(r0 == 0);
    CHECK(ebpfjit_object_next_timer(obj) != 0);
    CHECK(ebpfjit_object_run_timers(obj, UINT64_MAX, err, sizeof err) == 1);
    CHECK(ebpfjit_object_next_timer(obj) == 0);
    ebpfjit_map *hmap = ebpfjit_object_map(obj, "hmap");
    CHECK(hmap != NULL);
    uint32_t key = 5;
    uint8_t value[32];
    CHECK(ebpfjit_map_lookup(hmap, &key, value) == -ENOENT);
    CHECK(ebpfjit_object_run_timers(obj, 0, err, sizeof err) == 0);
    CHECK(ebpfjit_object_run_timers(NULL, 0, err, sizeof err) == -1);
    ebpfjit_object_close(obj);
    return c_check_status();
}
