# Counts the set bits of the first 8 input bytes with a bpf-to-bpf call.
ldxdw %r1, [%r1]
call local popcount
exit
popcount:
mov %r0, 0
next:
jeq %r1, 0, out
mov %r2, %r1
and %r2, 1
add %r0, %r2
rsh %r1, 1
ja next
out:
exit
