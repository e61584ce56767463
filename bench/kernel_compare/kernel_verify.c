/* kernel_verify OBJECT: loads every program of a BPF object into the running kernel with
 * the verifier's statistics log (log level 4: no per-insn trace, so the time is the
 * verifier's own) and prints, per program, "name ok|rejected processed=N usec=T",
 * followed by the log's last lines when rejected. Needs root (CAP_BPF). */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PROGRAMS 32
static char log_bufs[MAX_PROGRAMS][1 << 18];

static int quiet(enum libbpf_print_level level, const char *fmt, va_list args) {
    (void)level, (void)fmt, (void)args;
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s OBJECT\n", argv[0]);
        return 2;
    }
    libbpf_set_print(quiet);
    struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
    if (!obj) {
        fprintf(stderr, "%s: cannot open: %s\n", argv[1], strerror(errno));
        return 2;
    }
    struct bpf_program *prog;
    int n = 0;
    bpf_object__for_each_program(prog, obj) {
        if (n == MAX_PROGRAMS) break;
        bpf_program__set_log_level(prog, 4);
        bpf_program__set_log_buf(prog, log_bufs[n], sizeof log_bufs[n]);
        log_bufs[n++][0] = 0;
    }
    int err = bpf_object__load(obj);
    n = 0;
    bpf_object__for_each_program(prog, obj) {
        if (n == MAX_PROGRAMS) break;
        const char *log_buf = log_bufs[n++];
        const char *p = strstr(log_buf, "processed ");
        const char *t = strstr(log_buf, "verification time ");
        printf("%s %s processed=%ld usec=%ld\n", bpf_program__name(prog), err ? "rejected" : "ok",
               p ? strtol(p + 10, NULL, 10) : -1L, t ? strtol(t + 18, NULL, 10) : -1L);
        if (err) {
            size_t n = strlen(log_buf);
            printf("%s", n > 600 ? log_buf + n - 600 : log_buf);
        }
    }
    bpf_object__close(obj);
    return err ? 1 : 0;
}
