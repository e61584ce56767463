// A global function's BTF prototype, as the loader read it (the kernel's
// btf_prepare_func_args): what lets the verifier prove the function once, on its own, and
// check only the arguments at each call (verifier/global_calls.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ebpfjit::verifier {

enum class GlobalArgKind : uint8_t {
    Ctx,    // pointer to the program type's ctx struct: the caller's unmodified ctx pointer
    Scalar, // int or enum: any scalar
    Memory, // pointer to a type of known size: NULL or `size` readable and writable bytes
};

struct GlobalArg {
    GlobalArgKind kind = GlobalArgKind::Scalar;
    uint32_t size = 0; // Memory only
    bool operator==(const GlobalArg&) const = default;
};

struct GlobalFunction {
    uint32_t start = 0; // slot of its first instruction in the linked program
    std::string name;
    std::vector<GlobalArg> args; // r1, r2, ... in order
    bool returns_void = false;   // else an int or enum
    // Non-empty: why the prototype cannot be used (the kernel's words, "Arg#1 type STRUCT in
    // f() is not supported yet."); the function is then walked inline at each call.
    std::string unsupported;
    bool operator==(const GlobalFunction&) const = default;
};

} // namespace ebpfjit::verifier
