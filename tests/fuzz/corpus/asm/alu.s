mov %r0, 1
add %r0, 2
mul32 %r0, 3
lsh %r0, 4
arsh32 %r0, 1
neg %r0
exit
