/* The C API from C: open an object, run a mem program, read and write its maps.
 * Exit status 0 when every check holds; each failed check prints one line. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ebpfjit/ebpfjit.h"
#include "tests/c_check.h"

int main(void)
{
    char err[256];
    const char *path = EBPFJIT_ELF_OBJECT_DIR "/object_api.o";

    CHECK(ebpfjit_object_open(path, NULL, err, sizeof err) == NULL); /* section "mem" needs a type */
    CHECK(strstr(err, "section 'mem'") != NULL);
    CHECK(ebpfjit_object_open(path, "bogus", err, sizeof err) == NULL);
    CHECK(strcmp(err, "unknown program type 'bogus'") == 0);

    ebpfjit_object *obj = ebpfjit_object_open(path, "mem", err, sizeof err);
    if (!obj) {
        fprintf(stderr, "open failed: %s\n", err);
        return 1;
    }
    CHECK(ebpfjit_object_program(obj, "missing", err, sizeof err) == NULL);
    CHECK(strcmp(err, "no program named 'missing' in the object") == 0);
    CHECK(ebpfjit_object_map(obj, "missing") == NULL);

    ebpfjit_program *prog = ebpfjit_object_program(obj, "sum_bytes", err, sizeof err);
    CHECK(prog != NULL);
    CHECK(ebpfjit_object_program(obj, "sum_bytes", err, sizeof err) == prog);
    unsigned char packet[5] = {10, 20, 30, 40, 50};
    uint64_t r0 = 0;
    CHECK(prog && ebpfjit_program_run_mem(prog, packet, sizeof packet, &r0, err, sizeof err) == 0);
    CHECK(r0 == 450); /* 150 * multiplier 3 */

    ebpfjit_map *sums = ebpfjit_object_map(obj, "sums_by_length");
    CHECK(sums != NULL);
    if (sums) {
        CHECK(ebpfjit_map_key_size(sums) == 4);
        CHECK(ebpfjit_map_value_size(sums) == 8);
        uint32_t key = 5;
        uint64_t value = 0;
        CHECK(ebpfjit_map_lookup(sums, &key, &value) == 0);
        CHECK(value == 150);
        uint64_t preset = 7;
        CHECK(ebpfjit_map_update(sums, &key, &preset, 1 /* BPF_NOEXIST */) == -EEXIST);
        uint32_t first = 0, next = 0;
        CHECK(ebpfjit_map_get_next_key(sums, NULL, &first) == 0);
        CHECK(first == 5);
        CHECK(ebpfjit_map_get_next_key(sums, &first, &next) == -ENOENT);
        CHECK(ebpfjit_map_delete(sums, &key) == 0);
        CHECK(ebpfjit_map_lookup(sums, &key, &value) == -ENOENT);
    }

    ebpfjit_map *bss = ebpfjit_object_map(obj, ".bss");
    CHECK(bss != NULL);
    if (bss) {
        uint32_t zero = 0;
        uint64_t runs = 0;
        CHECK(ebpfjit_map_lookup(bss, &zero, &runs) == 0);
        CHECK(runs == 1);
    }
    ebpfjit_object_close(obj);
    return c_check_status();
}
