// extern "C" face of the cgroup socket runs (ebpfjit.h, ebpfjit_sock_ctx.h). Like
// c_api.cpp, no exception reaches a C caller.
#include "ebpfjit/ebpfjit.h"
#include "ebpfjit/ebpfjit_sock_ctx.h"
#include "runtime/c_api_handles.hpp"

#include <exception>
#include <string>

using ebpfjit::c_api::guarded;
using ebpfjit::c_api::set_error;

extern "C" {

int ebpfjit_program_run_sock_addr(ebpfjit_program* program, ebpfjit_sock_addr_ctx* ctx, uint32_t* verdict,
                                  char* err, size_t err_size) {
    return guarded(-1, err, err_size, [&]() -> int {
        if (!program || !ctx || !verdict) return set_error(err, err_size, "invalid argument"), -1;
        auto r = program->program.run_sock_addr(*ctx);
        if (!r) return set_error(err, err_size, r.error().to_string()), -1;
        *verdict = *r;
        return 0;
    });
}

int ebpfjit_program_run_sock(ebpfjit_program* program, ebpfjit_sock_ctx* ctx, uint32_t* verdict, char* err,
                             size_t err_size) {
    return guarded(-1, err, err_size, [&]() -> int {
        if (!program || !ctx || !verdict) return set_error(err, err_size, "invalid argument"), -1;
        auto r = program->program.run_sock(*ctx);
        if (!r) return set_error(err, err_size, r.error().to_string()), -1;
        *verdict = *r;
        return 0;
    });
}

} // extern "C"
