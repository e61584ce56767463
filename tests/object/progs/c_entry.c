// mem programs that run "lean stackless" (no eBPF stack, no per-run state, no checks:
// jit::wants_c_entry), so that ebpfjit_program_run_mem tail-jumps into their C entry
// (jit::CompiledProgram::c_entry), and one that uses its stack and so has none.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("mem") __u64 ret_constant(void *mem, __u64 len) { return 0x1234; }

// Arithmetic on r2 (the length) only: r1 is a pointer, which r0 must not return.
SEC("mem") __u64 arith(void *mem, __u64 len) { return (len * 7) ^ (len >> 1) ^ 0xabcdef; }

// Reads of the buffer, bounds-checked against len so that the verifier proves them.
SEC("mem") __u64 read_mem(__u8 *mem, __u64 len)
{
    if (len < 16)
        return len;
    return *(__u64 *)mem + *(__u32 *)(mem + 8) + ((__u64)mem[15] << 56);
}

// Twelve words live at once: more than r0-r5 hold, so clang takes r6-r9 (and the lean
// frame saves them) without spilling to the stack.
SEC("mem") __u64 many_regs(__u64 *mem, __u64 len)
{
    if (len < 96)
        return 0;
    __u64 a = mem[0], b = mem[1], c = mem[2], d = mem[3], e = mem[4], f = mem[5];
    __u64 g = mem[6], h = mem[7], i = mem[8], j = mem[9], k = mem[10], l = mem[11];
    return (a * b + c) ^ (d * e + f) ^ (g * h + i) ^ (j * k + l) ^ (a + l) * (b + k) ^ (c + j) * (d + i) ^
           (e + h) * (f + g);
}

// r10: a run takes the thread's eBPF stack level, so no C entry.
SEC("mem") __u64 stacked(__u8 *mem, __u64 len)
{
    volatile __u64 slot = len * 3;
    return slot + 1;
}

// Lean stackless but longer than jit::kCEntryMaxSlots (256; this is ~500): no C entry, and the C API
// runs it through the stackless path out of line. The xor-shift keeps clang from folding
// the unrolled steps into one.
SEC("mem") __u64 long_stackless(void *mem, __u64 len)
{
    __u64 x = len;
#pragma unroll
    for (int i = 0; i < 100; i++)
        x = (x ^ (x >> 7)) * 3 + i;
    return x;
}

// An unreachable-code trap (docs/hardening.md): the branch is always taken (the verifier
// knows the constant), so the slot it skips ends in a trap, which writes RunStatus if it
// is ever reached: lean, a status but no eBPF stack level, no C entry. In assembly so that
// clang cannot fold the branch away.
SEC("mem") __u64 trapped(void *mem, __u64 len)
{
    __u64 r;
    asm volatile("%[r] = 0x1234\n\t"
                 "if %[r] != 5 goto +1\n\t"
                 "%[r] = 7\n\t"
                 : [r] "=r"(r));
    return r + len;
}
