// Calls helpers the way programs do: look the id up in a table built by the families'
// register functions, then call fn with r1..r5.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>

#include "helpers/helper_families.hpp"
#include "helpers/helper_table.hpp"
#include "engine_abi/execution_state.hpp"

namespace ebpfjit::test {

inline const helpers::HelperTable& family_table() {
    static const helpers::HelperTable table = [] {
        helpers::HelperTable t;
        helpers::register_identity_helpers(t);
        helpers::register_memory_helpers(t);
        helpers::register_string_helpers(t);
        helpers::register_print_helpers(t);
        helpers::register_perf_helpers(t);
        helpers::register_skb_helpers(t);
        helpers::register_xdp_helpers(t);
        helpers::register_redirect_helpers(t);
        helpers::register_skb_meta_helpers(t);
        helpers::register_skb_resize_helpers(t);
        helpers::register_tunnel_helpers(t);
        helpers::register_route_helpers(t);
        return t;
    }();
    return table;
}

inline const helpers::Helper& helper(int32_t id) {
    const helpers::Helper* h = family_table().find(id);
    REQUIRE(h != nullptr);
    REQUIRE(h->fn != nullptr);
    return *h;
}

template <class... A>
uint64_t call(int32_t id, A... a) {
    static_assert(sizeof...(A) <= 5);
    uint64_t r[5] = {uint64_t(a)...};
    return helper(id).fn(r[0], r[1], r[2], r[3], r[4]);
}

template <class T>
uint64_t addr(T* p) {
    return reinterpret_cast<uint64_t>(p);
}

inline int64_t as_long(uint64_t r0) { return int64_t(r0); }

// Sets ExecutionState::current() for the scope, as the interpreter / JIT entry does.
class RunScope {
public:
    explicit RunScope(ProgramType type, void* ctx = nullptr, uint32_t cpu = 0) {
        state_.type = type;
        state_.ctx = ctx;
        state_.cpu = cpu;
        engine_abi::ExecutionState::current() = &state_;
    }
    ~RunScope() { engine_abi::ExecutionState::current() = nullptr; }
    engine_abi::ExecutionState& state() { return state_; }

private:
    engine_abi::ExecutionState state_;
};

} // namespace ebpfjit::test
