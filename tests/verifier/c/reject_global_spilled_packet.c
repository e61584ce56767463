// verdict: reject helper argument
// The caller spills a packet pointer into the struct it passes to a global function: the
// callee may have written any bytes there, so what the caller reads back is a number.
// Unprivileged, passing the spilled pointer is refused at the call (the callee could read
// it as data); privileged (allow_ptr_leaks), the dereference after the call is
// (global_functions_test.cpp).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct cursor {
    unsigned char *pos;
    __u64 seen;
};

__attribute__((noinline)) int visit(struct cursor *c) {
    if (!c) return 0;
    c->seen += 1;
    return 1;
}

SEC("xdp")
int global_spilled_packet(struct xdp_md *ctx) {
    unsigned char *data = (void *)(long)ctx->data;
    unsigned char *end = (void *)(long)ctx->data_end;
    struct cursor c = {data, 0};
    if (data + 1 > end) return XDP_PASS;
    visit(&c); // REJECT
    unsigned char *p = c.pos;
    return *p == 1 ? XDP_DROP : XDP_PASS; // privileged: rejected here
}

char LICENSE[] SEC("license") = "GPL";
