# r0 = fib(r6) for r6 = 40, iteratively (a loop bounded by a counter).
mov %r6, 40
mov %r0, 0
mov %r1, 1
loop:
jeq %r6, 0, done
mov %r2, %r0
add %r2, %r1
mov %r0, %r1
mov %r1, %r2
sub %r6, 1
ja loop
done:
exit
