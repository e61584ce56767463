// Program types ebpfjit runs, and the bitmask helper allowlists are written in.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ebpfjit {

enum class ProgramType : uint8_t {
    Mem,          // r1 = pointer to raw memory, r2 = its length (compute programs, conformance)
    Xdp,          // r1 = struct xdp_md *
    SchedCls,     // tc / classifier: r1 = struct __sk_buff *
    SocketFilter, // r1 = struct __sk_buff *, LD_ABS/LD_IND allowed
};

using ProgramTypeMask = uint32_t;
constexpr ProgramTypeMask mask_of(ProgramType t) { return 1u << static_cast<unsigned>(t); }
inline constexpr ProgramTypeMask kAllProgramTypes = 0xf;

std::string_view to_string(ProgramType t);
std::optional<ProgramType> program_type_from_name(std::string_view name); // "mem", "xdp", "tc", ...

} // namespace ebpfjit
