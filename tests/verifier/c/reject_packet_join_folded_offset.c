// verdict: reject packet out of bounds
// The loop pass's join folds a packet pointer's fixed offset into its variable part (p is
// data + i at the loop's entry, data + j + 8 after the second branch). It counted the
// folded offset twice in the zone (the pointer 8 bytes on read as 16 on), so the joined
// zone held q - p <= -3 where q - p reaches 5, and q - len <= -4 followed through
// p - len <= -1: the load of 4 bytes at q was "proven". With a 9-byte packet
// {0, 0, 0, 7, ...} (i = 3, j = 0, q = data + 13 after 3000 trips) it read 8 bytes past
// data_end: the interpreter faulted on the mem twin of this program. Written in assembly
// so that the registers and branches are exactly these.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
__attribute__((naked)) int folded_offset(void) {
    asm volatile( // REJECT: r4 + 4 <= data_end holds on entry only, not after the second branch
        "r6 = r1;"
        "r7 = *(u32 *)(r6 + 0);"   /* data */
        "r8 = *(u32 *)(r6 + 4);"   /* data_end */
        "r9 = 0;"
        "r1 = r7;"
        "r1 += 8;"
        "if r1 > r8 goto 2f;"
        "r2 = *(u8 *)(r7 + 0);"
        "r2 &= 7;"
        "r2 += 3;"
        "r3 = r7;"
        "r3 += r2;"                /* p = data + i, i in [3, 10] */
        "r1 = r3;"
        "r1 += 1;"
        "if r1 > r8 goto 2f;"      /* p + 1 <= data_end */
        "r4 = r7;"                 /* q = data */
        "r5 = 0;"
        "1:"
        "r0 = *(u32 *)(r4 + 0);"   /* the load at q */
        "r9 += r0;"
        "r1 = r3;"
        "r1 -= r7;"                /* p stays live */
        "r9 += r1;"
        "r5 += 1;"
        "if r5 > 5000 goto 2f;"
        "if r5 < 3000 goto 1b;"    /* beyond what the path walk enumerates */
        "r2 = *(u8 *)(r7 + 2);"
        "r2 &= 7;"
        "r3 = r7;"
        "r3 += r2;"                /* p = data + j, j in [0, 7] */
        "r1 = r3;"
        "r1 += 9;"
        "if r1 > r8 goto 2f;"
        "r3 += 8;"                 /* p + 1 <= data_end, offset 8 */
        "r2 = *(u8 *)(r7 + 3);"
        "r2 &= 7;"
        "r2 += 6;"
        "r4 = r7;"
        "r4 += r2;"                /* q = data + m, m in [6, 13], unchecked */
        "goto 1b;"
        "2:"
        "r0 = 2;"
        "exit;"
        ::: "memory");
}

char LICENSE[] SEC("license") = "GPL";
