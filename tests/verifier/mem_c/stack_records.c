// A `mem` program (r1 = input, r2 = its length; loaded with the type given). Accepted with
// the default rules (allow_uninit_stack: its padding reads are zeroed) and run on both
// engines by uninit_stack_test.cpp; with the strict rules the variable-offset read over the
// padding is the kernel's unprivileged "invalid read from stack" (the line marked REJECT).
#include "stack_records.h"

__attribute__((section("mem"), used)) unsigned long long stack_records(unsigned char *mem, unsigned long long len) {
    return stack_records_body(mem, len);
}

char LICENSE[] __attribute__((section("license"), used)) = "GPL";
