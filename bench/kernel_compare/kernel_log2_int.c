#include "kernel_wrapper.h"
#include "../programs/log2_int.c"
KERNEL_WRAPPER(log2_int)
