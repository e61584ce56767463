lddw %r0, 0x123456789abcdef0
call local sub
exit
sub:
mov %r0, 4
exit
