#include "kernel_wrapper.h"
#include "../programs/simple.c"
KERNEL_WRAPPER(simple)
