#include "kernel_wrapper.h"
#include "../programs/prime.c"
KERNEL_WRAPPER(prime)
