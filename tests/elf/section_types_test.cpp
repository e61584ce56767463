// Program types from section names, as libbpf's section_defs[] spells them: the ones ebpfjit
// runs, and the kernel's name for the ones it does not (for a refusal that says what it is).
#include <catch2/catch.hpp>

#include "elf_test_support.hpp"
#include "runtime/elf/section_types.hpp"

using namespace ebpfjit;
using namespace ebpfjit::runtime::elf;
using ebpfjit::runtime::elf::test::object_path;

TEST_CASE("Section names: tcx and netkit are tc programs", "[elf][sections]") {
    for (const char* name : {"tcx/ingress", "tcx/egress", "netkit/primary", "netkit/peer"}) {
        INFO(name);
        CHECK(program_type_for_section(name) == ProgramType::SchedCls);
        CHECK_FALSE(unsupported_program_type_for_section(name));
    }
    CHECK_FALSE(program_type_for_section("tcx/sideways")); // exact names, as libbpf
    CHECK_FALSE(program_type_for_section("tcx"));
}

TEST_CASE("Section names: program types ebpfjit does not run are named", "[elf][sections]") {
    const std::pair<const char*, const char*> cases[] = {
        {"kprobe/bond_select_active_slave", "BPF_PROG_TYPE_KPROBE"},
        {"kretprobe/x", "BPF_PROG_TYPE_KPROBE"},
        {"uprobe.s/lib:f", "BPF_PROG_TYPE_KPROBE"},
        {"fentry/ip_rcv_core", "BPF_PROG_TYPE_TRACING"},
        {"fexit/tcp_queue_rcv", "BPF_PROG_TYPE_TRACING"},
        {"tp_btf/xdp_redirect", "BPF_PROG_TYPE_TRACING"},
        {"iter/bpf_map_elem", "BPF_PROG_TYPE_TRACING"},
        {"tracepoint/xdp/xdp_exception", "BPF_PROG_TYPE_TRACEPOINT"},
        {"raw_tp.w/x", "BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE"},
        {"lsm/bpf", "BPF_PROG_TYPE_LSM"},
        {"syscall", "BPF_PROG_TYPE_SYSCALL"},
        {"sk_skb/stream_verdict", "BPF_PROG_TYPE_SK_SKB"},
        {"sk_msg", "BPF_PROG_TYPE_SK_MSG"},
        {"sockops", "BPF_PROG_TYPE_SOCK_OPS"},
        {"cgroup_skb/egress", "BPF_PROG_TYPE_CGROUP_SKB"},
        {"cgroup/dev", "BPF_PROG_TYPE_CGROUP_DEVICE"},
        {"sk_lookup", "BPF_PROG_TYPE_SK_LOOKUP"},
        {"action", "BPF_PROG_TYPE_SCHED_ACT"},
    };
    for (auto [name, kernel_type] : cases) {
        INFO(name);
        CHECK_FALSE(program_type_for_section(name));
        CHECK(unsupported_program_type_for_section(name) == std::optional<std::string_view>(kernel_type));
    }
    // Types ebpfjit runs, and names libbpf does not know, are not in the table.
    for (const char* name : {"xdp", "tc", "socket", "cgroup/connect4", "my_prog", "kprobex", "tp_btfx/y"}) {
        INFO(name);
        CHECK_FALSE(unsupported_program_type_for_section(name));
    }
}

TEST_CASE("Section names: a program of a type ebpfjit does not run is refused naming the type", "[elf][sections]") {
    auto d = read_object_file(object_path("custom_section"));
    REQUIRE_FALSE(d);
    const std::string message = d.error().to_string();
    CHECK(message.find("program 'probe': section 'kprobe/do_something' makes it a BPF_PROG_TYPE_KPROBE program") !=
          std::string::npos);
    CHECK(message.find("ebpfjit does not run") != std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
}

TEST_CASE("Section names: tcx and netkit objects load as tc programs", "[elf][sections]") {
    auto d = read_object_file(object_path("tcx_sections"));
    REQUIRE(d);
    REQUIRE(d->programs.size() == 4);
    for (const auto& p : d->programs) {
        INFO(p.name);
        CHECK(p.type == ProgramType::SchedCls);
    }
}
