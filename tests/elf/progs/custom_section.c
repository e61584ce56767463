// A section name libbpf gives no type we run ("kprobe/..."): needs a type override.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("kprobe/do_something")
int probe(void *ctx)
{
    return 42;
}
