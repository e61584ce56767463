/* A record array on the stack, filled field by field (its padding never written) and read
 * back at a variable index: issue 17's `r[(x) & 7].tag`. Plain C, built twice: by clang
 * -target bpf into a `mem` program (stack_records.c) and natively into the test
 * (uninit_stack_test.cpp), whose result is the one both engines must give. */
#ifndef EBPFJIT_STACK_RECORDS_H
#define EBPFJIT_STACK_RECORDS_H

struct stack_record {
    unsigned char tag;    /* 3 bytes of padding follow, never written */
    unsigned int value;
};

static inline unsigned long long stack_records_body(const unsigned char *mem, unsigned long long len) {
    struct stack_record r[8];
    if (len < 10) return 0;
    for (int i = 0; i < 8; ++i) {
        r[i].tag = mem[i];
        r[i].value = (unsigned int)mem[i] * 1000u + (unsigned int)i;
    }
    unsigned char x = mem[8], y = mem[9];
    /* Variable offsets whose range covers the padding bytes: */
    return (unsigned long long)r[x & 7].tag * 100000000ull + r[y & 7].value; /* REJECT (strict) */
}

#endif
