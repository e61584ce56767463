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
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ebpfjit/engine.hpp"
#include "ebpfjit/error.hpp"
#include "ebpfjit/program_type.hpp"
#include "ebpfjit/socket_table.hpp"
#include "engine_abi/skb_packet.hpp"
#include "runtime/context/verdict.hpp"
#include "engine_abi/xdp_frame.hpp"

namespace ebpfjit {

namespace maps { class Map; }

struct OpenOptions {
    // Program type for every program, instead of the one its ELF section implies.
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

// Packet contexts (runtime/context/): the embedder owns the buffers and reuses them.
using XdpFrame = runtime::XdpFrame;     // frame.load(bytes, rx) before each run
using XdpRxInfo = runtime::XdpRxInfo;   // ingress_ifindex, rx_queue_index
using XdpAction = runtime::XdpAction;   // Aborted, Drop, Pass, Tx, Redirect
using XdpResult = runtime::XdpVerdict;  // action, r0, redirect.ifindex = the port
using SkbPacket = runtime::SkbPacket;   // skb.load(bytes, meta) before each run
using SkbMetadata = runtime::SkbMetadata;
using TcOutcome = runtime::TcOutcome;   // Pass, Drop, Consumed, Redirect
using TcResult = runtime::TcVerdict;    // code (TC_ACT_*), outcome, redirect

// Claims a per-CPU map slot for the calling worker thread (idempotent); returns it.
Result<uint32_t> register_worker_thread();

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
    int update(std::span<const uint8_t> key, std::span<const uint8_t> value, uint64_t flags = 0);
    int remove(std::span<const uint8_t> key);
    // An empty `key` (or a missing one) gives the first key; -ENOENT after the last.
    int get_next_key(std::span<const uint8_t> key, std::span<uint8_t> next_key) const;

    maps::Map& native() const { return *map_; } // the runtime map, for tools (JSON dump, batches)

private:
    friend class Object;
    explicit MapRef(maps::Map* map) : map_(map) {}
    maps::Map* map_;
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
    Result<uint64_t> run(std::span<uint8_t> mem, const RunOptions& options = {}) const;
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

    // tc / sched_cls programs (direct action): the TC_ACT_* verdict.
    Result<TcResult> run_tc(SkbPacket& skb, const RunOptions& options = {}) const;
    // Socket filters: the number of bytes to keep (0 = drop), capped at the packet length.
    Result<uint32_t> run_socket_filter(SkbPacket& skb, const RunOptions& options = {}) const;

    struct State; // runtime/object.cpp
private:
    friend class Object;
    explicit Program(const State* state) : state_(state) {}
    const State* state_;
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

    std::vector<std::string> program_names() const;
    std::vector<std::string> map_names() const;
    const std::string& license() const;

    struct Impl;
private:
    explicit Object(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace ebpfjit
