// A tail-called program reading stack bytes it never wrote reads 0 on both engines, not
// what its caller left there (the target's Facts::stack_zero range is zeroed on entry,
// by the JITs' entry code and by the interpreter's tail call).
#include "object_test_support.hpp"

#include <linux/if_ether.h>

using namespace ebpfjit;
using namespace object_test;

TEST_CASE("a tail-called program reads 0 where its caller left data", "[object][tail_call][stack_zero]") {
    for (Engine engine : {Engine::Jit, Engine::Interpreter}) {
        DYNAMIC_SECTION(engine_name(engine)) {
            Object object = open_object("tail_stack_zero", OpenOptions{std::nullopt, engine});
            Program caller = program_of(object, "caller");
            XdpFrame frame;
            REQUIRE(frame.load(ether_frame(ETH_P_IP, 60), {1, 0, 0}));
            auto r = caller.run_xdp(frame);
            if (!r) FAIL(r.error().to_string());
            CHECK(r->action == XdpAction::Pass); // Drop: the caller's bytes leaked into the target
        }
    }
}
