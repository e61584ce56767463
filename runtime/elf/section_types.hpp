// Program type from an ELF section name, following libbpf's SEC() names.
#pragma once

#include <optional>
#include <string_view>

#include "ebpfjit/program_type.hpp"

namespace ebpfjit::runtime::elf {

// "xdp", "xdp.frags", "xdp/devmap", "xdp/cpumap", ... -> Xdp
// "tc", "classifier" (and "tc/...", "classifier/..."), "tcx/ingress", "tcx/egress",
// "netkit/primary", "netkit/peer" -> SchedCls
// "socket" (and "socket/...", the legacy "socket1" style) -> SocketFilter
// Anything else: nullopt (the caller needs an explicit type).
// "cgroup/connect4", "cgroup/sendmsg6", "cgroup/post_bind4", "cgroup/sock_create", ...
// (libbpf's exact names, section_defs[] in libbpf.c) -> CgroupSockAddr / CgroupSock
// Anything else: nullopt (the caller needs an explicit type).
std::optional<ProgramType> program_type_for_section(std::string_view section);

// For a section libbpf gives a program type ebpfjit does not run ("kprobe/...",
// "fentry/...", "sk_skb", ...): the kernel's name of that type ("BPF_PROG_TYPE_KPROBE"),
// so the refusal can say what the program is. nullopt for names libbpf does not know.
std::optional<std::string_view> unsupported_program_type_for_section(std::string_view section);

// The expected attach type libbpf gives a program of this section ("cgroup/connect4" ->
// Inet4Connect, "cgroup/sock" -> InetSockCreate); None for sections without one.
AttachType attach_type_for_section(std::string_view section);

} // namespace ebpfjit::runtime::elf
