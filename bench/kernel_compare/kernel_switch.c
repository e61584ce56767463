#include "kernel_wrapper.h"
#include "../programs/switch.c"
KERNEL_WRAPPER(switch)
