// The embedding API: open a clang-built BPF object, look up its programs and maps, run.
//
//   auto object = ebpfjit::Object::open("counter.o");          // maps created, data loaded
//   if (!object) { log(object.error().to_string()); return; }
//   auto prog = object->program("count_packets");              // prepared on first use
//   auto r0 = prog->run(buffer);                               // mem programs: r1, r2 = buffer
//
//   ebpfjit::XdpFrame frame;                                   // XDP: 256 B headroom, tailroom
//   frame.load(bytes, {.ingress_ifindex = 1, .rx_queue_index = 0});
//   auto verdict = xdp_prog->run_xdp(frame);                   // action, redirect port
//   if (verdict && verdict->action == ebpfjit::XdpAction::Redirect) send(verdict->redirect.ifindex, frame.packet());
//   auto hits = object->map("hits");
//   hits->lookup(key_bytes, value_bytes);                      // bpf(2) semantics, -errno
//
// Handles (Program, MapRef) stay valid while their Object lives. One Object may run its
// programs on many threads at once; its maps are shared by all of them. Per-CPU maps
// have one slot per worker thread: call ebpfjit::register_worker_thread() on each worker
// (a thread that does not gets the lowest free slot on its first run).
//
// Preparing a program (once, on first Object::program, thread-safe):
//   verify (Full by default) ──► rewrite ctx accesses (xdp, tc, socket) ──► jit::compile
// The interpreter is always kept as well, so one Program can run on either engine.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <functional>
#include <string_view>
#include <vector>

#include "ebpfjit/engine.hpp"
#include "ebpfjit/ebpfjit_sock_ctx.h"
#include "ebpfjit/error.hpp"
#include "ebpfjit/limits.hpp"
#include "ebpfjit/program_type.hpp"
#include "ebpfjit/host_network.hpp"
#include "ebpfjit/skb_packet.hpp"
#include "ebpfjit/socket_table.hpp"
#include "ebpfjit/verdict.hpp"
#include "ebpfjit/xdp_frame.hpp"

namespace ebpfjit {

// The cgroup socket programs' host ctx (ebpfjit_sock_ctx.h).
using SockAddrCtx = ebpfjit_sock_addr_ctx;
using SockCtx = ebpfjit_sock_ctx;

namespace maps { class Map; }

// Where pinned maps live: the embedder's stand-in for bpffs. Maps an object declares
// pinned (BTF `pinning` LIBBPF_PIN_BY_NAME; iproute2 bpf_elf_map PIN_GLOBAL_NS, or
// PIN_OBJECT_NS = shared only by objects with the same bytes) are looked up here by name
// when the object opens: the first object creates and pins the map, later objects reuse
// it if its definition matches (type, key and value size, max_entries, flags; else the
// open fails naming the map), as libbpf reuses a pinned map. Objects opened without a
// registry get private maps; pinning then has no effect. A pinned map lives while the
// registry pins it or an object uses it. Thread-safe.
class PinRegistry {
public:
    PinRegistry();
    ~PinRegistry();
    PinRegistry(const PinRegistry&) = delete;
    PinRegistry& operator=(const PinRegistry&) = delete;

    // Pin keys: the map name (by name / global), or "object-<hash>/<name>" (object namespace).
    std::vector<std::string> pinned() const;
    // Drops the registry's reference (bpffs unlink); false when nothing is pinned there.
    bool unpin(std::string_view key);

    struct Impl;
    Impl& impl() { return *impl_; }

private:
    std::unique_ptr<Impl> impl_;
};

struct OpenOptions {
    // Program type for every program, instead of the one its ELF section implies; the
    // only source of a type for iproute2's numbered tail-call sections ("2/1").
    std::optional<ProgramType> program_type;
    Engine engine = Engine::Jit;            // the engine runs use unless RunOptions says otherwise
    VerifyLevel verify = VerifyLevel::Full;
    int verifier_log_level = 0;             // 0 headline, 1 + states, 2 every instruction
    Hardening hardening = {};                    // blinding, retpolines, instruction budget
    // Full verification only. false (the default): the kernel's unprivileged rules, so a
    // program cannot learn or export a host address (pointers stored into maps, packets,
    // ctx or records, returned, passed to helpers as data, compared with data, ...).
    // true: the kernel's privileged rules (allow_ptr_leaks): still memory-safe, but a
    // program may hand addresses to maps, helpers and its caller. Only for trusted programs
    // (docs/hardening.md).
    bool allow_ptr_leaks = false;
    // The network namespace the programs run in: devices, routes, neighbours, netns
    // cookie (bpf_fib_lookup, bpf_check_mtu, bpf_clone_redirect, bpf_get_netns_cookie).
    // nullptr: as a kernel with empty tables (docs/helpers.md). Shared: the embedder may
    // keep updating it while programs run.
    std::shared_ptr<HostNetwork> network{};
    // (Last, so positional initialisers of the fields above keep compiling.)
    // Shared pinned maps (see PinRegistry); null: every map is private to the object.
    std::shared_ptr<PinRegistry> pins = nullptr;
    // The number of possible CPUs, asked when a perf event array declares max_entries 0
    // (libbpf sizes it so). Null: ebpfjit's per-CPU slot count (maps::possible_cpus()).
    std::function<Result<uint32_t>()> possible_cpus = nullptr;
    // Map name -> max_entries, set before the object's maps are created (libbpf's
    // bpf_map__set_max_entries between open and load): overrides the declared size of a
    // BTF (`.maps`) or legacy (`maps`) map, including the max_entries 0 that objects leave
    // for userspace to fill. A name the object does not define (or a global data map, or 0)
    // fails the open with a one-line error.
    std::map<std::string, uint32_t> map_max_entries = {};
    // Data sections whose variables are inlined, as Cilium's loader does for CONFIG()
    // (bpf/lib/static_data.h): every LDDW addressing a variable of one becomes an immediate
    // LDDW of the variable's value in the object. Cilium objects need {".rodata.config"};
    // a section the object lacks is skipped. docs/loader.md, "Cilium".
    std::vector<std::string> inline_globals = {};
    // libbpf's autoload: only these programs (by symbol, or by a section holding one) are
    // built, so programs of types ebpfjit lacks (tp_btf/, fentry/ stats probes) do not
    // refuse the others; prog-array slots naming a program left out stay empty. Empty: all.
    std::vector<std::string> only_programs = {};
    // Full verification only. false (the default): a loop the verifier cannot bound by
    // walking it is proven memory safe by the loop pass for any trip count; unless a
    // ranking argument proves every such loop ends and the run stays under 2^32
    // instructions, the program runs under an instruction budget (kDefaultLoopBudget
    // unless `hardening` sets one; docs/loop-verification.md). true: programs that would
    // need that budget are rejected, as the kernel rejects them ("too complex").
    bool require_termination_proof = false;
    // libbpf's btf_custom_path: a file whose BTF (an ELF object with a .BTF section, or a raw
    // BTF file such as /sys/kernel/btf/vmlinux) answers the CO-RE relocations ebpfjit's own
    // uapi tables do not (a program's or the kernel's structs), by libbpf's matching rules.
    // Empty: none, and such relocations refuse the object. docs/loader.md, "CO-RE".
    std::string core_btf = {};
};

// Per-program overrides of OpenOptions, honoured when the program is first prepared.
struct ProgramOptions {
    std::optional<Engine> engine;
    std::optional<VerifyLevel> verify;
    std::optional<bool> allow_ptr_leaks = std::nullopt; // OpenOptions::allow_ptr_leaks for this program
};

// Per-run choice of engine; by default the program's own (ProgramOptions / OpenOptions).
// Interpreter always works; Jit needs the program prepared with engine Jit.
struct RunOptions {
    std::optional<Engine> engine;
};

// Packet contexts (ebpfjit/xdp_frame.hpp, skb_packet.hpp, verdict.hpp): the embedder owns
// the buffers and reuses them.
//   XdpFrame: frame.load(bytes, rx) before each run; XdpRxInfo: ingress_ifindex, rx_queue_index
//   XdpBuffer: zero copy, a packet in the embedder's own buffer (ebpfjit/xdp_buffer.h)
//   XdpAction: Aborted, Drop, Pass, Tx, Redirect
//   SkbPacket: skb.load(bytes, meta) before each run; SkbMetadata
//   TcOutcome: Pass, Drop, Consumed, Redirect
using XdpResult = XdpVerdict;  // action, r0, redirect.ifindex = the port
using TcResult = TcVerdict;    // code (TC_ACT_*), outcome, redirect
//   TunnelInfo: SkbMetadata::tunnel in, skb.tunnel() out; SkbSocket: SkbMetadata::socket;
//   ClonedPacket: skb.clones(), bpf_clone_redirect's copies
//   HostNetwork (OpenOptions::network), NetDevice, Route, RouteType, Neighbour, IpAddress:
//   ebpfjit/host_network.hpp

// Claims a per-CPU map slot for the calling worker thread (idempotent); returns it.
Result<uint32_t> register_worker_thread();
// How many slots ("CPUs") every per-CPU map has, and setting it (at least 1) before the
// first per-CPU map exists: run N worker threads with N slots. Fixed once one exists.
uint32_t possible_cpus();
Result<void> set_possible_cpus(uint32_t count);

// Memory a program may touch besides its stack (a context struct, a packet buffer).
struct Region {
    void* data = nullptr;
    size_t size = 0;
    bool writable = false;
};

// A map of an open object, with the syscall-side operations of bpf(2): whole values in
// and out (for per-CPU maps every CPU's value, each rounded up to 8 bytes). Every
// operation returns 0 or a negative errno (-ENOENT, -EEXIST, -E2BIG, -EINVAL, ...).
class MapRef {
public:
    const std::string& name() const;
    uint32_t type() const;        // BPF_MAP_TYPE_*
    uint32_t key_size() const;
    uint32_t value_size() const;  // bytes lookup() writes and update() reads
    uint32_t max_entries() const;

    int lookup(std::span<const uint8_t> key, std::span<uint8_t> value) const;
    // -EPERM on a frozen map (.rodata*), as bpf(2): the verifier proved with its bytes.
    // SOCKMAP / SOCKHASH (docs/sockets.md): the value is the cookie of a socket of the
    // object's SocketTable (u32 or u64 as value_size), where bpf(2) takes a socket fd:
    // -EBADF when the table has no such socket, -EOPNOTSUPP for a TCP socket neither
    // established nor listening; lookup() gives the cookie back (value_size 8 only:
    // -ENOSPC otherwise, as the kernel's).
    int update(std::span<const uint8_t> key, std::span<const uint8_t> value, uint64_t flags = 0);
    int remove(std::span<const uint8_t> key);
    // An empty `key` (or a missing one) gives the first key; -ENOENT after the last.
    int get_next_key(std::span<const uint8_t> key, std::span<uint8_t> next_key) const;

    // The contents as `bpftool map dump -j` shows them, with the map's description:
    // {"name", "type": "hash", "key_size", "value_size", "max_entries", "entries": [...]}
    // (per-CPU maps: "values" per cpu; queue / stack: what a peek sees). `indent` as
    // nlohmann::json::dump: -1 one line.
    std::string to_json(int indent = -1) const;

    // SOCKMAP / SOCKHASH: the cookie of the socket stored at `key`, whatever value_size
    // is; 0 when the slot is empty or the map holds no sockets.
    uint64_t socket_cookie(std::span<const uint8_t> key) const;

    maps::Map& native() const { return *map_; } // the runtime map, for tools (JSON dump, batches)

private:
    friend class Object;
    MapRef(maps::Map* map, const std::shared_ptr<SocketTable>* sockets) : map_(map), sockets_(sockets) {}
    maps::Map* map_;
    const std::shared_ptr<SocketTable>* sockets_ = nullptr; // the object's, for socket maps
};

class Program {
public:
    const std::string& name() const;
    const std::string& section() const;
    ProgramType type() const;

    Engine engine() const;      // what runs use by default
    bool has_jit() const;       // native code exists (engine Jit was asked for)
    const std::string& verifier_log() const; // the verifier's log at the level asked for

    // mem programs: r1 = mem.data(), r2 = mem.size(); returns r0.
    // Inline for the common case, decided when the program was prepared: lean stackless
    // JIT code with a C entry (the one ebpfjit_program_run_mem tail-jumps into: it stores
    // r0 and returns 0, and cannot fault) is called straight from the caller, so the
    // Result is built where the caller keeps it and usually folds away. Everything else
    // (other engines, an oversized buffer, code without a C entry) is run_mem_other.
    Result<uint64_t> run(std::span<uint8_t> mem, const RunOptions& options = {}) const {
        if (c_entry_ != nullptr && mem.size() <= kMaxMemSize && options.engine.value_or(Engine::Jit) == Engine::Jit)
            [[likely]] {
            uint64_t r0;
            c_entry_(reinterpret_cast<uint64_t>(mem.data()), mem.size(), &r0); // always 0: nothing to test
            return r0;
        }
        return run_mem_other(mem, options);
    }
    // Any program type: r1, r2 as given; `regions` is the memory they point into
    // (checked by the interpreter only).
    Result<uint64_t> run(uint64_t r1, uint64_t r2, std::span<const Region> regions,
                         const RunOptions& options = {}) const;

    // XDP programs over a loaded frame; the frame holds the packet as the program left
    // it (adjust_head/meta/tail applied). Redirect: result.redirect.ifindex is the port
    // (bpf_redirect's ifindex, or the DEVMAP value for bpf_redirect_map).
    Result<XdpResult> run_xdp(XdpFrame& frame, const RunOptions& options = {}) const;
    // The same over N frames with one call (the run state is set up once, as DPDK's
    // rte_bpf_exec_burst does); out.size() >= frames.size(). An engine fault stops the
    // burst with an Error naming the frame index; results before it are filled.
    Result<void> run_xdp_burst(std::span<XdpFrame* const> frames, std::span<XdpResult> out,
                               const RunOptions& options = {}) const;
    // The same, saying how far it got: `completed` = frames.size() after a clean burst, or
    // the index of the frame that faulted (the results before it are in `out`; the Error
    // then says what went wrong, and `completed` which frame); 0 when the call itself is
    // wrong (program type, `out` too short, engine not prepared).
    Result<void> run_xdp_burst(std::span<XdpFrame* const> frames, std::span<XdpResult> out,
                               size_t& completed, const RunOptions& options = {}) const;

    // XDP programs over the embedder's own buffers, in place (ebpfjit/xdp_buffer.hpp: a
    // DPDK mbuf's data room, an AF_XDP umem chunk): nothing is copied in or out, the
    // program reads and writes the embedder's bytes, bpf_xdp_adjust_head/meta/tail move
    // the packet within the buffer, and each buffer's headroom, length and meta_length
    // come back as the program left them. `rx`: the ingress of every frame of the burst.
    // Everything per program is set up once per burst; a frame costs its native call and
    // a few stores. An invalid buffer or an engine fault stops the burst with an Error
    // naming the frame index; results (and bounds) before it are filled.
    Result<XdpResult> run_xdp(XdpBuffer& buffer, const XdpRxInfo& rx = {}, const RunOptions& options = {}) const;
    Result<void> run_xdp_burst(std::span<XdpBuffer> buffers, std::span<XdpResult> out, const XdpRxInfo& rx = {},
                               const RunOptions& options = {}) const;
    // The same, saying how far it got (as the XdpFrame form's `completed`).
    Result<void> run_xdp_burst(std::span<XdpBuffer> buffers, std::span<XdpResult> out, size_t& completed,
                               const XdpRxInfo& rx = {}, const RunOptions& options = {}) const;

    // tc / sched_cls programs (direct action): the TC_ACT_* verdict.
    Result<TcResult> run_tc(SkbPacket& skb, const RunOptions& options = {}) const;
    // Socket filters: the number of bytes to keep (0 = drop), capped at the packet length.
    Result<uint32_t> run_socket_filter(SkbPacket& skb, const RunOptions& options = {}) const;

    // cgroup socket programs (ebpfjit_sock_ctx.h, docs/cgroup-sock.md): r0, the verdict
    // (1 go on, 0 refuse; bind 0..3). ctx.addr / ctx.sock hold what the program wrote.
    Result<uint32_t> run_sock_addr(SockAddrCtx& ctx, const RunOptions& options = {}) const; // CGROUP_SOCK_ADDR
    Result<uint32_t> run_sock(SockCtx& ctx, const RunOptions& options = {}) const;          // CGROUP_SOCK
    AttachType attach_type() const; // the expected attach type (None but for cgroup socket programs)

    struct State; // runtime/object_impl.hpp
    // The library's side of the handle (State is complete only inside it: the C API keeps
    // its run path next to its handle, runtime/c_api_handles.hpp).
    friend const State& state_of(const Program& program) { return *program.state_; }

private:
    friend class Object;
    explicit Program(const State* state); // runtime/program_runs.cpp: reads the C entry
    Result<uint64_t> run_mem_other(std::span<uint8_t> mem, const RunOptions& options) const;
    // engine_abi::CEntryFn (spelled out: engine_abi is not a public header).
    using CEntry = int (*)(uint64_t r1, uint64_t r2, uint64_t* r0);
    const State* state_;
    CEntry c_entry_ = nullptr; // State's lean_mem.c_entry, copied so a run loads it from the handle
};

class Object {
public:
    static Result<Object> open(const std::string& path, const OpenOptions& options = {});
    static Result<Object> open_memory(std::span<const uint8_t> elf_bytes, const OpenOptions& options = {});

    Object(Object&&) noexcept;
    Object& operator=(Object&&) noexcept;
    ~Object();

    // The program with this symbol name, prepared for running on first use. Programs that
    // a prog array names in its declarative initialisation are prepared at open.
    // `options` apply at the first preparation; asking again with different ones fails.
    Result<Program> program(std::string_view name, const ProgramOptions& options = {});
    Result<MapRef> map(std::string_view name);

    // The sockets bpf_sk_lookup_* find (socket_table.hpp); none by default, so every lookup
    // returns NULL. Set it before runs start (not while programs of this object run); the
    // table itself may change at any time.
    void set_socket_table(std::shared_ptr<SocketTable> sockets);
    const std::shared_ptr<SocketTable>& socket_table() const;

    // bpf_timer (helpers 169-172; docs/callbacks.md). Userspace has no timer interrupt:
    // the embedder runs the due timers. This runs, on the calling thread, the callback of
    // every timer due at `now_ns` (CLOCK_MONOTONIC nanoseconds, bpf_ktime_get_ns's clock)
    // that a program of this object set, each on the engine whose run set it, with the
    // timer's map, key and value; returns how many ran. A timer armed again by its
    // callback for a time <= now_ns runs at the next call. A callback's fault is an Error
    // (timers before it have run). Safe from several threads, and while programs run.
    Result<size_t> run_expired_timers(uint64_t now_ns);
    Result<size_t> run_expired_timers(); // at the current CLOCK_MONOTONIC time
    // The earliest expiry (CLOCK_MONOTONIC ns) among armed timers with a callback of this
    // object, or nullopt: when to call run_expired_timers next.
    std::optional<uint64_t> next_timer_expiry() const;
    // Some map of the object holds a struct bpf_timer in its values.
    bool has_timers() const;

    std::vector<std::string> program_names() const;
    std::vector<std::string> map_names() const;
    const std::string& license() const;

    struct Impl;
private:
    explicit Object(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace ebpfjit
