// A packet in the embedder's own buffer, run in place (zero copy; the layout is drawn in
// ebpfjit/xdp_buffer.h, the C struct this names). Nothing is copied in or out; the
// program reads and writes the embedder's bytes, and bpf_xdp_adjust_head/meta/tail move
// the packet's bounds within the buffer.
//
// The whole buffer is room to grow. The kernel keeps its own structures at both ends of
// a driver's page (struct xdp_frame in front, skb_shared_info behind) and so forbids those
// bytes; an embedder's buffer holds none of ours, so here the limits are the buffer's
// ends. Every other kernel limit holds: the packet keeps at least ETH_HLEN bytes, the
// metadata is at most 32 bytes in multiples of 4, and the helpers fail with the kernel's
// codes (-EINVAL, -EACCES) and leave the packet as it was.
#pragma once

#include "ebpfjit/xdp_buffer.h"

namespace ebpfjit {

// { base, capacity, headroom, length, meta_length }: the C API's struct itself.
using XdpBuffer = ::ebpfjit_xdp_buffer;

} // namespace ebpfjit
