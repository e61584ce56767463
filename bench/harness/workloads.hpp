// The benchmark programs the harness knows, and where their builds are found.
//
//   <dir>/<name>.o             clang -O2 -target bpf  (suite: one entry bench_<name>)
//   <dir>/maps/<file>.o        map / helper micro-benchmarks (entries bench_<name>)
//   <dir>/libebpfjit_bench_native.so   the suite built natively -O2 from the same sources
//   <dir>/kernel/<name>.o      the suite wrapped as XDP programs for the kernel peer
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ebpfjit/error.hpp"

namespace ebpfjit::bench {

enum class WorkloadKind : uint8_t {
    Suite, // userspace-eBPF suite: interp, jit and native; checked against native
    Map,   // map / helper micro-benchmark: interp and jit; jit checked against interp
};

using NativeEntry = uint64_t (*)(uint8_t* mem, uint64_t len);
using NativeInput = void (*)(uint8_t* mem, uint64_t len);

struct Workload {
    std::string name;        // "prime", "map_hash_lookup"
    WorkloadKind kind = WorkloadKind::Suite;
    std::string object_path; // the BPF object
    std::string symbol;      // "bench_" + name
    uint32_t ops_per_run = 1; // map benchmarks: operations per run
    // Suite only: the native build and the input every engine runs on.
    NativeEntry native = nullptr;
    std::vector<uint8_t> input;
    // Suite only: the XDP wrapper of this program for the kernel peer (may not exist).
    std::string kernel_object_path;
};

// The suite, in the order of the issue: log2_int, memcpy, prime, strcmp_full,
// strcmp_fail, switch, memory_a_plus_b, simple.
const std::vector<std::string>& suite_names();

// Keeps the native shared object loaded while its entries are in use.
class NativeLibrary {
public:
    static Result<std::shared_ptr<NativeLibrary>> open(const std::string& path);
    ~NativeLibrary();
    void* symbol(const std::string& name) const;

private:
    explicit NativeLibrary(void* handle) : handle_(handle) {}
    void* handle_;
};

struct WorkloadSet {
    std::shared_ptr<NativeLibrary> native;
    std::vector<Workload> workloads;
};

// Every suite and map workload found in `dir` whose name contains `filter` (empty: all).
// A missing object, symbol or native library is an error naming it.
Result<WorkloadSet> load_workloads(const std::string& dir, const std::string& filter);

// The default programs folder: the build's bench/programs.
std::string default_programs_dir();

} // namespace ebpfjit::bench
