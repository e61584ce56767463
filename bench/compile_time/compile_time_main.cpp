// JIT compile time (lowering + x86-64 emission + W^X mapping) per 1,000 instructions, for
// programs of 1k, 10k and 100k instructions: it should stay flat (linear compile time).
//
//   bench_compile_time [runs]      prints a Markdown table (median and min of `runs`)
//   bench_compile_time [runs] --stackless
//                                  the same mix without its stack accesses (lean stackless
//                                  code): 64 slots and jit::kCEntryMaxSlots (with the C entry,
//                                  a second copy of the code: jit/drive.hpp), one slot above it
//                                  and 4,096 (without): what the copy costs
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

#include <cstring>

#include "jit/compiler.hpp"
#include "jit/lowering.hpp"

using namespace ebpfjit;
using namespace ebpfjit::isa;

namespace {

// A mix like compiled C: ALU with both operand kinds, loads/stores on the stack, forward
// branches of short and long reach, some divisions and 64-bit constants. `stackless`: ALU
// in place of the stack accesses.
Program make_program(size_t n, bool stackless = false) {
    Program p;
    p.subprogram_starts = {0};
    auto& v = p.insns;
    v.push_back(Alu{AluOp::Mov, true, Reg{0}, Imm{0}});
    for (uint8_t r = 1; r <= 9; ++r) v.push_back(Alu{AluOp::Mov, true, Reg{r}, Imm{r}});
    while (v.size() + 3 < n) {
        const auto pc = static_cast<int32_t>(v.size());
        const auto dst = static_cast<uint8_t>(pc % 9);
        const auto src = static_cast<uint8_t>((pc * 7 + 3) % 9 + 1);
        switch (stackless && (pc % 16 == 3 || pc % 16 == 5) ? 1 : pc % 16) {
        case 0: v.push_back(Jump{Cond::Eq, false, Reg{dst}, Imm{-5}, std::min<int32_t>(pc + 4 + pc % 60, static_cast<int32_t>(n) - 1)}); break;
        case 3: v.push_back(Store{Size::DW, Reg{10}, static_cast<int16_t>(-8 * (1 + pc % 8)), Reg{src}}); break;
        case 5: v.push_back(Load{Size::W, false, Reg{dst}, Reg{10}, static_cast<int16_t>(-8 * (1 + pc % 8))}); break;
        case 7: v.push_back(Alu{AluOp::Div, true, Reg{dst}, Reg{src}}); break;
        case 9:
            v.push_back(LoadImm64{Reg{dst}, LddwKind::Imm64, pc, pc * 31});
            v.push_back(LddwSecondSlot{});
            break;
        case 11: v.push_back(Jump{Cond::SGt, true, Reg{dst}, Reg{src}, std::min<int32_t>(pc + 200, static_cast<int32_t>(n) - 1)}); break;
        default: v.push_back(Alu{static_cast<AluOp>(pc % 3 == 0 ? 0 : (pc % 3 == 1 ? 5 : 12)), pc % 2 == 0, Reg{dst},
                                 pc % 4 < 2 ? Operand{Imm{pc}} : Operand{Reg{src}}}); break;
        }
    }
    while (v.size() < n - 1) v.push_back(Alu{AluOp::Add, true, Reg{0}, Imm{1}});
    v.push_back(Exit{});
    return p;
}

// Thread CPU time: on a shared machine wall time mostly measures the other processes.
double cpu_us() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

} // namespace

int main(int argc, char** argv) {
    int runs = 15;
    bool stackless = false;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--stackless") == 0) stackless = true;
        else runs = std::max(1, std::atoi(argv[i]));
    }
    const helpers::ProgramBindings bindings{nullptr, {}};
    std::printf("| instructions | code bytes | C entry | wall median µs | wall min µs | CPU median µs | CPU µs per 1,000 insns |\n");
    std::printf("|---:|---:|---|---:|---:|---:|---:|\n");
    const std::vector<size_t> sizes = stackless ? std::vector<size_t>{64u, jit::kCEntryMaxSlots, jit::kCEntryMaxSlots + 1, 4'096u}
                                                : std::vector<size_t>{1'000u, 10'000u, 100'000u};
    for (size_t n : sizes) {
        const Program program = make_program(n, stackless);
        bool c_entry = false;
        std::vector<double> us, cpu;
        size_t code_bytes = 0;
        for (int i = 0; i < runs + 2; ++i) {
            const double c0 = cpu_us();
            const auto t0 = std::chrono::steady_clock::now();
            // No facts (as a structurally verified program): the code is ALU, branches and
            // r10-relative stack accesses, which the lowering leaves unchecked (inside the
            // program's own frame), so this times the code generator as users get it.
            auto compiled = jit::compile(program, verifier::Facts{}, bindings);
            const auto t1 = std::chrono::steady_clock::now();
            const double c1 = cpu_us();
            if (!compiled) {
                std::fprintf(stderr, "compile failed: %s\n", compiled.error().to_string().c_str());
                return 1;
            }
            code_bytes = compiled->code_size();
            c_entry = compiled->c_entry() != nullptr;
            if (i >= 2) { // 2 warm-ups
                us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
                cpu.push_back(c1 - c0);
            }
        }
        std::sort(us.begin(), us.end());
        std::sort(cpu.begin(), cpu.end());
        const double cpu_median = cpu[cpu.size() / 2];
        std::printf("| %zu | %zu | %s | %.1f | %.1f | %.1f | %.1f |\n", n, code_bytes, c_entry ? "yes" : "no",
                    us[us.size() / 2], us.front(), cpu_median, cpu_median * 1000.0 / static_cast<double>(n));
    }
    return 0;
}
