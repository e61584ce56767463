# r0 = sum of the input bytes (r1 = pointer, r2 = length), then also stored as a
# 64-bit word in the stack and reloaded.
mov %r0, 0
loop:
jeq %r2, 0, done
ldxb %r3, [%r1]
add %r0, %r3
add %r1, 1
sub %r2, 1
ja loop
done:
stxdw [%r10-8], %r0
ldxdw %r0, [%r10-8]
exit
