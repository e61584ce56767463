/* CHECK for the C test programs (tests/elf/c_api_test.c, tests/object/c_api_packet_test.c):
 * a failed check prints one located line and counts; main returns c_check_status(). */
#ifndef EBPFJIT_TESTS_C_CHECK_H
#define EBPFJIT_TESTS_C_CHECK_H

#include <stdio.h>

static int failures = 0;

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);     \
            ++failures;                                                                  \
        }                                                                                \
    } while (0)

/* The exit status: 0 when every check held. */
static inline int c_check_status(void)
{
    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}

#endif
