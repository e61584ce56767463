/* simple: return a constant; measures the cost of entering and leaving a program. */
#include "bench_program.h"

BENCH_ENTRY(simple) { return 0x1234; }

BENCH_INPUT(simple, 8) { (void)mem; (void)len; }
