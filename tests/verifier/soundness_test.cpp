// Soundness: every program the verifier accepts runs in the bounds-checked interpreter
// over random inputs without a single out-of-region access (or any other run error).
//
// Contexts are built in their uapi layout (xdp_md, __sk_buff), with the packet placed
// below 4 GiB (MAP_32BIT) so that the u32 data / data_end fields hold real addresses and
// no ctx rewrite is needed.
#include <catch2/catch.hpp>

#include <linux/bpf.h>
#include <sys/mman.h>

#include <cstring>
#include <memory>
#include <random>

#include "corpus.hpp"
#include "helpers/helper_table.hpp"
#include "runtime/interpreter.hpp"
#include "runtime/maps/map_factory.hpp"

namespace ebpfjit::verifier::test {

namespace {

thread_local std::mt19937_64* t_rng = nullptr;

uint64_t prandom(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) { return (*t_rng)() & 0xffffffffULL; }
uint64_t returns_zero(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) { return 0; }
uint64_t returns_redirect(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) { return XDP_REDIRECT; }

// The corpus prototypes, with the builtin implementations where they exist and simple
// stand-ins (same prototype, no memory effects) for the rest. Helpers whose effects the
// stand-in could not honour (packet resizing, skb_load_bytes, tail calls, which the
// interpreter runs itself against real prog arrays) stay without a function, and
// programs calling them are not run.
const helpers::HelperTable& run_helpers() {
    static const helpers::HelperTable table = [] {
        helpers::HelperTable t;
        for (const auto& [id, h] : corpus_helpers().all()) {
            helpers::Helper copy = h;
            if (const helpers::Helper* b = helpers::HelperTable::builtin().find(id)) copy.fn = b->fn;
            if (!copy.fn) {
                switch (id) {
                case 6: case 25: copy.fn = returns_zero; break;       // trace_printk, perf_event_output
                case 7: copy.fn = prandom; break;                      // get_prandom_u32
                case 51: copy.fn = returns_redirect; break;            // redirect_map
                default: break;
                }
            }
            t.add(copy);
        }
        return t;
    }();
    return table;
}

bool runnable(const isa::Program& p) {
    for (const auto& insn : p.insns)
        if (const auto* c = std::get_if<isa::Call>(&insn); c && c->kind == isa::CallKind::Helper) {
            const helpers::Helper* h = run_helpers().find(c->imm);
            if (!h || !h->fn) return false;
        }
    return true;
}

// One 64 KiB arena below 4 GiB for ctx + packet.
struct LowArena {
    uint8_t* base = nullptr;
    static constexpr size_t kSize = 1 << 16;
    LowArena() {
#ifdef MAP_32BIT // x86-64
        void* p = mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
        if (p != MAP_FAILED) base = static_cast<uint8_t*>(p);
#else // elsewhere (AArch64): the first free 256 MiB-aligned address below 4 GiB
        for (uint64_t at = 1ULL << 28; at < (1ULL << 32) && !base; at += 1ULL << 28) {
            void* p = mmap(reinterpret_cast<void*>(at), kSize, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
            if (p == MAP_FAILED) continue;
            if (reinterpret_cast<uint64_t>(p) == at) base = static_cast<uint8_t*>(p);
            else munmap(p, kSize); // a kernel before 4.17 took the address as a hint only
        }
#endif
    }
    ~LowArena() {
        if (base) munmap(base, kSize);
    }
};

} // namespace

TEST_CASE("accepted programs never leave their regions in the interpreter", "[verifier][soundness]") {
    LowArena arena;
    REQUIRE(arena.base != nullptr);
    REQUIRE(reinterpret_cast<uint64_t>(arena.base) + LowArena::kSize < (1ULL << 32));

    std::mt19937_64 rng(2024);
    t_rng = &rng;
    // Live maps for the corpus map table, bound by LDDW index.
    std::vector<std::unique_ptr<maps::Map>> live;
    helpers::ProgramBindings bindings;
    bindings.helpers = &run_helpers();
    for (const auto& def : corpus_maps()) {
        auto m = maps::create_map(def);
        if (!m && (def.type == BPF_MAP_TYPE_PROG_ARRAY || def.type == BPF_MAP_TYPE_PERF_EVENT_ARRAY)) {
            // Only the stand-in helpers see these maps: an array of the same shape will do.
            maps::MapDefinition stand_in = def;
            stand_in.type = BPF_MAP_TYPE_ARRAY;
            m = maps::create_map(stand_in);
        }
        INFO(def.name << ": " << (m ? std::string("ok") : m.error().to_string()));
        REQUIRE(m.has_value());
        helpers::MapBinding b;
        b.map = m->get();
        if (def.type == BPF_MAP_TYPE_ARRAY && def.max_entries == 1) {
            uint32_t zero = 0;
            b.direct_value = static_cast<uint8_t*>(b.map->lookup(&zero));
            b.value_size = def.value_size;
            if (def.frozen_value) std::copy(def.frozen_value->begin(), def.frozen_value->end(), b.direct_value);
        }
        bindings.maps.push_back(b);
        live.push_back(std::move(*m));
    }

    // The corpus under the default rules; the pointer-leak cases and their look-alikes
    // under both the default and the privileged (allow_ptr_leaks) rules.
    std::vector<std::pair<CorpusCase, VerifierInput>> cases;
    for (CorpusCase& c : build_corpus()) {
        VerifierInput in = corpus_input(c.type);
        cases.emplace_back(std::move(c), std::move(in));
    }
    std::vector<CorpusCase> leaks = pointer_leak_lookalikes();
    for (LeakCase& l : pointer_leak_cases()) leaks.push_back({l.name, l.type, std::move(l.program), false});
    for (const CorpusCase& c : leaks)
        for (bool privileged : {false, true}) {
            if (!runnable(c.program)) break; // (the skip count below is the corpus's)
            VerifierInput in = corpus_input(c.type);
            in.allow_ptr_leaks = privileged;
            cases.emplace_back(c, in);
        }
    size_t programs = 0, runs = 0, skipped = 0;
    for (const auto& [c, input] : cases) {
        // Whatever the verifier accepts, including cases meant to be rejected: a verifier
        // that wrongly accepted one would show here as an out-of-region access.
        const Report verdict = check(c.program, input);
        if (!verdict.ok()) continue;
        // A loop only the budget bounds (the loop pass) may end the run that way, and so
        // may a ranked one: proven to end within 2^32 instructions, not within this test's
        // 10 million.
        const bool budget_may_stop = !verdict.facts.budget_loops.empty() || !verdict.facts.ranked_loops.empty();
        if (!runnable(c.program)) {
            ++skipped;
            continue;
        }
        ++programs;
        runtime::InterpreterOptions options;
        options.program_type = c.type;
        options.instruction_budget = 10'000'000;
        runtime::Interpreter interp(c.program, bindings, options);
        for (int iter = 0; iter < 64; ++iter, ++runs) {
            // Packet: random length 0..127 (short ones exercise every bounds check), random bytes.
            const size_t len = iter < 8 ? size_t(iter) : size_t(rng() % 128);
            const size_t meta = rng() % 9;
            uint8_t* ctx = arena.base;
            uint8_t* pkt = arena.base + 4096;
            std::memset(arena.base, 0, 8192);
            for (size_t i = 0; i < len + meta; ++i) pkt[i - meta + meta] = uint8_t(rng());
            uint8_t* data = pkt + meta;
            for (size_t i = 0; i < len; ++i) data[i] = uint8_t(rng());
            Result<uint64_t> r;
            INFO(c.name << " run " << iter << " len " << len);
            if (c.type == ProgramType::Mem) {
                std::vector<uint8_t> mem(len);
                for (auto& b : mem) b = uint8_t(rng());
                r = interp.run_mem(mem);
            } else if (c.type == ProgramType::Xdp) {
                auto* md = reinterpret_cast<xdp_md*>(ctx);
                md->data = uint32_t(reinterpret_cast<uint64_t>(data));
                md->data_end = uint32_t(reinterpret_cast<uint64_t>(data + len));
                md->data_meta = uint32_t(reinterpret_cast<uint64_t>(pkt));
                md->ingress_ifindex = uint32_t(rng() % 8);
                md->rx_queue_index = uint32_t(rng() % 8);
                runtime::MemoryRegion regions[] = {{reinterpret_cast<uint64_t>(ctx), sizeof(xdp_md), false},
                                                   {reinterpret_cast<uint64_t>(pkt), meta + len, true}};
                r = interp.run(reinterpret_cast<uint64_t>(ctx), 0, regions);
            } else {
                auto* skb = reinterpret_cast<__sk_buff*>(ctx);
                skb->len = uint32_t(len);
                skb->mark = uint32_t(rng());
                skb->ifindex = uint32_t(rng() % 8);
                skb->data = uint32_t(reinterpret_cast<uint64_t>(data));
                skb->data_end = uint32_t(reinterpret_cast<uint64_t>(data + len));
                skb->data_meta = uint32_t(reinterpret_cast<uint64_t>(data));
                runtime::MemoryRegion regions[] = {{reinterpret_cast<uint64_t>(ctx), sizeof(__sk_buff), true},
                                                   {reinterpret_cast<uint64_t>(data), len, true}};
                runtime::MemoryRegion packet{reinterpret_cast<uint64_t>(data), len, false};
                r = interp.run(reinterpret_cast<uint64_t>(ctx), 0, regions, packet);
            }
            INFO((r ? std::string("ok") : r.error().to_string()));
            const bool budget_stop = !r && budget_may_stop && r.error().message.starts_with("instruction budget of");
            REQUIRE((r.has_value() || budget_stop));
        }
    }
    // Random programs that pass Full, run as mem programs over random buffers.
    size_t random_accepted = 0;
    for (int iter = 0; iter < 100000; ++iter) {
        isa::Program p = random_program(rng, 12);
        if (!check(p, corpus_input(ProgramType::Mem)).ok() || !runnable(p)) continue;
        ++random_accepted;
        runtime::InterpreterOptions options;
        options.instruction_budget = 10'000'000;
        runtime::Interpreter interp(p, bindings, options);
        for (int run = 0; run < 8; ++run) {
            std::vector<uint8_t> mem(rng() % 64);
            for (auto& b : mem) b = uint8_t(rng());
            auto r = interp.run_mem(mem);
            INFO("random program " << iter << " run " << run << ": " << (r ? std::string("ok") : r.error().to_string()));
            REQUIRE(r.has_value());
        }
    }
    CHECK(random_accepted > 100);
    t_rng = nullptr;
    INFO("ran " << programs << " programs, " << runs << " runs, skipped " << skipped);
    CHECK(programs >= 90);
    CHECK(skipped <= 10);
}

} // namespace ebpfjit::verifier::test
