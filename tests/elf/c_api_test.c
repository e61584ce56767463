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

    /* Pinned maps: two objects opened with one registry share 'shared_counter'. */
    ebpfjit_pin_registry *pins = ebpfjit_pin_registry_new();
    CHECK(pins != NULL);
    ebpfjit_object *a = ebpfjit_object_open_pinned(EBPFJIT_ELF_OBJECT_DIR "/pinned_a.o", NULL, NULL, pins, err,
                                                   sizeof err);
    ebpfjit_object *b = ebpfjit_object_open_pinned(EBPFJIT_ELF_OBJECT_DIR "/pinned_b.o", NULL, NULL, pins, err,
                                                   sizeof err);
    ebpfjit_object *alone = ebpfjit_object_open_pinned(EBPFJIT_ELF_OBJECT_DIR "/pinned_b.o", NULL, NULL, NULL, err,
                                                       sizeof err);
    CHECK(a != NULL && b != NULL && alone != NULL);
    if (a && b && alone) {
        uint32_t zero = 0;
        uint64_t v = 41, seen = 0;
        CHECK(ebpfjit_map_update(ebpfjit_object_map(a, "shared_counter"), &zero, &v, 0) == 0);
        CHECK(ebpfjit_map_lookup(ebpfjit_object_map(b, "shared_counter"), &zero, &seen) == 0);
        CHECK(seen == 41);
        CHECK(ebpfjit_map_lookup(ebpfjit_object_map(alone, "shared_counter"), &zero, &seen) == 0);
        CHECK(seen == 0);
    }
    ebpfjit_object_close(alone);
    ebpfjit_object_close(b);
    ebpfjit_object_close(a);
    ebpfjit_pin_registry_free(pins);

    /* Map sizes before load (bpf_map__set_max_entries): rx_cnt is declared without one. */
    const char *sized_path = EBPFJIT_ELF_OBJECT_DIR "/sized_maps.o";
    CHECK(ebpfjit_object_open_ext(sized_path, NULL, NULL, err, sizeof err) == NULL);
    CHECK(strstr(err, "map 'rx_cnt' has max_entries 0") != NULL);
    const ebpfjit_map_size sizes[] = {{"rx_cnt", 4}, {"seen", 100}};
    const ebpfjit_open_ext ext = {NULL, NULL, sizes, 2, NULL, 0, NULL};
    ebpfjit_object *sized = ebpfjit_object_open_ext(sized_path, NULL, &ext, err, sizeof err);
    CHECK(sized != NULL);
    if (sized) {
        CHECK(ebpfjit_map_max_entries(ebpfjit_object_map(sized, "rx_cnt")) == 4);
        CHECK(ebpfjit_map_max_entries(ebpfjit_object_map(sized, "seen")) == 100);
        uint32_t last = 3, past = 4;
        uint64_t v = 0;
        CHECK(ebpfjit_map_lookup(ebpfjit_object_map(sized, "rx_cnt"), &last, &v) == 0);
        CHECK(ebpfjit_map_lookup(ebpfjit_object_map(sized, "rx_cnt"), &past, &v) == -ENOENT);
    }
    ebpfjit_object_close(sized);
    const ebpfjit_map_size unknown[] = {{"rx_cnt", 4}, {"tx_cnt", 4}};
    const ebpfjit_open_ext bad = {NULL, NULL, unknown, 2, NULL, 0, NULL};
    CHECK(ebpfjit_object_open_ext(sized_path, NULL, &bad, err, sizeof err) == NULL);
    CHECK(strstr(err, "map 'tx_cnt'") != NULL);
    const ebpfjit_map_size twice[] = {{"rx_cnt", 4}, {"rx_cnt", 8}};
    const ebpfjit_open_ext dup = {NULL, NULL, twice, 2, NULL, 0, NULL};
    CHECK(ebpfjit_object_open_ext(sized_path, NULL, &dup, err, sizeof err) == NULL);
    CHECK(strstr(err, "sized twice") != NULL);

    /* CO-RE against a named BTF (libbpf's btf_custom_path): core_custom.o's own struct is
     * read at core_custom_btf.o's offsets; without it the object is refused. */
    const char *core_path = EBPFJIT_ELF_OBJECT_DIR "/core_custom.o";
    char long_err[1024]; /* the refusal names section, offset, kind, type and access */
    CHECK(ebpfjit_object_open_ext(core_path, NULL, NULL, long_err, sizeof long_err) == NULL);
    CHECK(strstr(long_err, "needs the kernel's BTF") != NULL);
    const ebpfjit_open_ext core = {NULL, NULL, NULL, 0, NULL, 0, EBPFJIT_ELF_OBJECT_DIR "/core_custom_btf.o"};
    ebpfjit_object *core_obj = ebpfjit_object_open_ext(core_path, NULL, &core, err, sizeof err);
    CHECK(core_obj != NULL);
    if (core_obj) CHECK(ebpfjit_object_program(core_obj, "read_kind", err, sizeof err) != NULL);
    ebpfjit_object_close(core_obj);
    const ebpfjit_open_ext no_btf = {NULL, NULL, NULL, 0, NULL, 0, "/nonexistent.btf"};
    CHECK(ebpfjit_object_open_ext(core_path, NULL, &no_btf, err, sizeof err) == NULL);
    CHECK(strstr(err, "core BTF '/nonexistent.btf'") != NULL);
    return c_check_status();
}
