#include "bench/harness/workloads.hpp"

#include <dlfcn.h>

#include <filesystem>

#include <fmt/format.h>

namespace ebpfjit::bench {

namespace {

// Map micro-benchmarks: object file (in maps/), entries, operations per run (OPS in
// bench/programs/maps/map_bench.h).
struct MapObject {
    const char* file;
    std::vector<const char*> entries;
};
constexpr uint32_t kMapOps = 256;

const std::vector<MapObject>& map_objects() {
    static const std::vector<MapObject> table{
        {"map_array", {"map_array_lookup", "map_array_update"}},
        {"map_percpu_array", {"map_percpu_array_lookup", "map_percpu_array_update"}},
        {"map_hash", {"map_hash_lookup", "map_hash_update", "map_hash_update_delete"}},
        {"map_percpu_hash", {"map_percpu_hash_lookup", "map_percpu_hash_update", "map_percpu_hash_update_delete"}},
        {"map_lru_hash", {"map_lru_hash_lookup", "map_lru_hash_update", "map_lru_hash_update_delete"}},
        {"helper_ktime", {"helper_ktime_get_ns"}},
        {"alu_divide", {"alu_divide_const"}},
    };
    return table;
}

bool wanted(const std::string& name, const std::string& filter) {
    return filter.empty() || name.find(filter) != std::string::npos;
}

Result<void> require_file(const std::string& path) {
    if (!std::filesystem::exists(path))
        return fail(Error::plain(fmt::format("{}: not found (build the bench_programs target)", path)));
    return {};
}

} // namespace

const std::vector<std::string>& suite_names() {
    static const std::vector<std::string> names{"log2_int",    "memcpy", "prime",           "strcmp_full",
                                                "strcmp_fail", "switch", "memory_a_plus_b", "simple"};
    return names;
}

Result<std::shared_ptr<NativeLibrary>> NativeLibrary::open(const std::string& path) {
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) return fail(Error::plain(fmt::format("{}: {}", path, dlerror())));
    return std::shared_ptr<NativeLibrary>(new NativeLibrary(handle));
}

NativeLibrary::~NativeLibrary() { dlclose(handle_); }

void* NativeLibrary::symbol(const std::string& name) const { return dlsym(handle_, name.c_str()); }

Result<WorkloadSet> load_workloads(const std::string& dir, const std::string& filter) {
    WorkloadSet set;
    const std::string library = dir + "/libebpfjit_bench_native.so";
    if (auto ok = require_file(library); !ok) return fail(ok.error());
    auto native = NativeLibrary::open(library);
    if (!native) return fail(native.error());
    set.native = *native;

    for (const std::string& name : suite_names()) {
        if (!wanted(name, filter)) continue;
        Workload w;
        w.name = name;
        w.object_path = fmt::format("{}/{}.o", dir, name);
        w.symbol = "bench_" + name;
        w.kernel_object_path = fmt::format("{}/kernel/{}.o", dir, name);
        if (auto ok = require_file(w.object_path); !ok) return fail(ok.error());
        w.native = reinterpret_cast<NativeEntry>(set.native->symbol(w.symbol));
        auto input = reinterpret_cast<NativeInput>(set.native->symbol(w.symbol + "_input"));
        auto size = static_cast<const uint64_t*>(set.native->symbol(w.symbol + "_input_size"));
        if (!w.native || !input || !size)
            return fail(Error::plain(fmt::format("{}: no {}, {}_input or {}_input_size", library, w.symbol,
                                                 w.symbol, w.symbol)));
        w.input.assign(*size, 0);
        input(w.input.data(), w.input.size());
        set.workloads.push_back(std::move(w));
    }
    for (const MapObject& object : map_objects()) {
        for (const char* entry : object.entries) {
            if (!wanted(entry, filter)) continue;
            Workload w;
            w.name = entry;
            w.kind = WorkloadKind::Map;
            w.object_path = fmt::format("{}/maps/{}.o", dir, object.file);
            w.symbol = fmt::format("bench_{}", entry);
            w.ops_per_run = kMapOps;
            w.input.assign(8, 0);
            if (auto ok = require_file(w.object_path); !ok) return fail(ok.error());
            set.workloads.push_back(std::move(w));
        }
    }
    if (set.workloads.empty()) return fail(Error::plain(fmt::format("no benchmark matches '{}'", filter)));
    return set;
}

std::string default_programs_dir() { return EBPFJIT_BENCH_PROGRAMS_DIR; }

} // namespace ebpfjit::bench
