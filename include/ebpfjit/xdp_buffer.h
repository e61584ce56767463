/* A packet in the embedder's own buffer, run in place (zero copy): a DPDK mbuf's data
 * room, an AF_XDP umem chunk, a ring slot. C and C++ share this one struct
 * (ebpfjit_xdp_buffer in ebpfjit.h, ebpfjit::XdpBuffer in ebpfjit/xdp_buffer.hpp), so a
 * burst of them goes from the C API to the runtime without a conversion.
 *
 *   base                                                                  base+capacity
 *   |<----------- headroom ----------->|                                          |
 *   |  free room to grow  |<-meta_len->|<---------- length ---------->| tailroom  |
 *                         data_meta    data                           data_end
 *
 * The fields are in-out: after a run, headroom, length and meta_length describe the
 * packet as the program left it (as an mbuf's data_off and data_len would). */
#ifndef EBPFJIT_XDP_BUFFER_H
#define EBPFJIT_XDP_BUFFER_H

#include <stdint.h>

typedef struct ebpfjit_xdp_buffer {
    uint8_t *base;        /* the buffer's first byte (not the packet's) */
    uint32_t capacity;    /* bytes from base the program may use */
    uint32_t headroom;    /* the packet's first byte is base + headroom */
    uint32_t length;      /* the packet's bytes */
    uint32_t meta_length; /* metadata bytes right before the packet: 0..32, a multiple of 4 */
} ebpfjit_xdp_buffer;

#endif
