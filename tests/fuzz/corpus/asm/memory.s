ldxw %r0, [%r1]
stxdw [%r10-8], %r0
stdw [%r10-16], 7
ldxdw %r2, [%r10-16]
add %r0, %r2
exit
