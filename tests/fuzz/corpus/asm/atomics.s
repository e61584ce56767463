stdw [%r10-8], 1
mov %r1, 2
lock add [%r10-8], %r1
lock fetch xor [%r10-8], %r1
ldxdw %r0, [%r10-8]
be16 %r0
exit
