mov %r0, 0
mov %r1, 10
loop:
add %r0, %r1
sub %r1, 1
jne %r1, 0, loop
jsgt %r0, 5, +1
mov %r0, -1
exit
