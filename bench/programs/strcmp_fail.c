/* strcmp_fail: two 1 MiB strings that differ part-way (at 3/4 of their length). */
#include "strcmp_common.h"

BENCH_ENTRY(strcmp_fail) { return bench_strcmp(mem, len); }

BENCH_INPUT(strcmp_fail, 2 * STR_SIZE) { strcmp_input(mem, len, STR_SIZE / 4 * 3); }
