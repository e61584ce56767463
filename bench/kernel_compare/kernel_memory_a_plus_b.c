#include "kernel_wrapper.h"
#include "../programs/memory_a_plus_b.c"
KERNEL_WRAPPER(memory_a_plus_b)
