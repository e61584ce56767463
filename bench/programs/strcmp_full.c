/* strcmp_full: compare two equal 1 MiB NUL-terminated strings byte by byte. */
#include "strcmp_common.h"

BENCH_ENTRY(strcmp_full) { return bench_strcmp(mem, len); }

BENCH_INPUT(strcmp_full, 2 * STR_SIZE) { strcmp_input(mem, len, STR_SIZE); }
