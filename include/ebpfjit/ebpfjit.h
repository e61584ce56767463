/* The C embedding API: the same operations as ebpfjit.hpp, for C packet processors.
 *
 *   char err[256];
 *   ebpfjit_object *obj = ebpfjit_object_open("counter.o", NULL, err, sizeof err);
 *   if (!obj) { fprintf(stderr, "%s\n", err); return 1; }
 *   ebpfjit_program *prog = ebpfjit_object_program(obj, "count_packets", err, sizeof err);
 *   uint64_t r0;
 *   if (ebpfjit_program_run_mem(prog, buf, len, &r0, err, sizeof err) != 0) ...
 *   ebpfjit_map *hits = ebpfjit_object_map(obj, "hits");
 *   ebpfjit_map_lookup(hits, &key, &value);            (0 or a negative errno)
 *   ebpfjit_object_close(obj);                         (programs and maps go with it)
 *
 * Error buffers may be NULL; messages are one line, truncated to the buffer. No C++
 * exception crosses this API.
 */
#ifndef EBPFJIT_EBPFJIT_H
#define EBPFJIT_EBPFJIT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ebpfjit_object ebpfjit_object;
typedef struct ebpfjit_program ebpfjit_program; /* owned by its object */
typedef struct ebpfjit_map ebpfjit_map;         /* owned by its object */

/* program_type: NULL to take each program's type from its ELF section, or one of
 * "mem", "xdp", "tc", "socket" to override it. NULL on failure. */
ebpfjit_object *ebpfjit_object_open(const char *path, const char *program_type, char *err, size_t err_size);
void ebpfjit_object_close(ebpfjit_object *object);

/* NULL when the object has no such program (or it cannot be prepared). */
ebpfjit_program *ebpfjit_object_program(ebpfjit_object *object, const char *name, char *err, size_t err_size);
/* NULL when the object has no such map. */
ebpfjit_map *ebpfjit_object_map(ebpfjit_object *object, const char *name);

/* mem programs: r1 = mem, r2 = size. Returns 0 and sets *r0, or -1 with err set. */
int ebpfjit_program_run_mem(ebpfjit_program *program, void *mem, size_t size, uint64_t *r0, char *err,
                            size_t err_size);

/* bpf(2) syscall semantics: whole values (per-CPU maps: every CPU's value, 8-byte
 * rounded); 0 or a negative errno. key NULL in get_next_key gives the first key. */
uint32_t ebpfjit_map_key_size(const ebpfjit_map *map);
uint32_t ebpfjit_map_value_size(const ebpfjit_map *map);
int ebpfjit_map_lookup(const ebpfjit_map *map, const void *key, void *value);
int ebpfjit_map_update(ebpfjit_map *map, const void *key, const void *value, uint64_t flags);
int ebpfjit_map_delete(ebpfjit_map *map, const void *key);
int ebpfjit_map_get_next_key(const ebpfjit_map *map, const void *key, void *next_key);

#ifdef __cplusplus
}
#endif

#endif /* EBPFJIT_EBPFJIT_H */
