#include "runtime/maps/cgroup_array.hpp"

#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include <fmt/format.h>

namespace ebpfjit::maps {

Result<std::unique_ptr<CgroupArray>> CgroupArray::create(MapDefinition def) {
    if (def.type != BPF_MAP_TYPE_CGROUP_ARRAY)
        return fail(Error::plain(fmt::format("map '{}': not a cgroup array", def.name)));
    if (def.key_size != 4 || def.value_size != 4 || def.max_entries == 0)
        return fail(Error::plain(fmt::format("map '{}': a cgroup array needs key_size 4, value_size 4 and "
                                             "max_entries > 0",
                                             def.name)));
    return std::unique_ptr<CgroupArray>(new CgroupArray(std::move(def)));
}

CgroupArray::CgroupArray(MapDefinition def)
    : Map(std::move(def)), ids_(new std::atomic<uint64_t>[definition().max_entries]) {
    for (uint32_t i = 0; i < definition().max_entries; ++i) ids_[i].store(0, std::memory_order_relaxed);
}

void* CgroupArray::lookup(const void*) { return nullptr; }

int CgroupArray::lookup_copy(const void*, void*, uint64_t) { return -kENOTSUPP; }

int CgroupArray::update(const void* key, const void* value, uint64_t flags) {
    if (flags != BPF_ANY) return -EINVAL; // fd_array_map_update_elem
    uint32_t index;
    int32_t fd;
    std::memcpy(&index, key, 4);
    std::memcpy(&fd, value, 4);
    if (index >= definition().max_entries) return -E2BIG;
    auto id = cgroup_id_of_fd(fd);
    if (!id) return -EBADF;
    return set_cgroup(index, *id);
}

int CgroupArray::remove(const void* key) {
    uint32_t index;
    std::memcpy(&index, key, 4);
    if (index >= definition().max_entries) return -E2BIG;
    return ids_[index].exchange(0) != 0 ? 0 : -ENOENT;
}

int CgroupArray::get_next_key(const void* key, void* next_key) {
    uint32_t index = 0, next = 0;
    if (key) {
        std::memcpy(&index, key, 4);
        next = index >= definition().max_entries ? 0 : index + 1;
    }
    if (next >= definition().max_entries) return -ENOENT;
    std::memcpy(next_key, &next, 4);
    return 0;
}

int CgroupArray::set_cgroup(uint32_t index, uint64_t cgroup_id) {
    if (index >= definition().max_entries) return -E2BIG;
    ids_[index].store(cgroup_id, std::memory_order_release);
    return 0;
}

std::optional<uint64_t> CgroupArray::cgroup_id(uint32_t index) const {
    if (index >= definition().max_entries) return std::nullopt;
    return ids_[index].load(std::memory_order_acquire);
}

Result<uint64_t> cgroup_id_of_fd(int fd) {
    auto bad = [&](std::string why) {
        return fail(Error::plain(fmt::format("fd {} is not a cgroup v2 directory: {}", fd, why)));
    };
    struct statfs fs{};
    struct stat st{};
    if (fd < 0 || fstatfs(fd, &fs) != 0 || fstat(fd, &st) != 0) return bad(std::strerror(errno));
    if (fs.f_type != CGROUP2_SUPER_MAGIC) return bad("not on a cgroup2 file system");
    if (!S_ISDIR(st.st_mode)) return bad("a file, not a cgroup directory");
    // The kernel's cgroup id is the directory's kernfs id, which cgroupfs hands out as its
    // 8-byte file handle (libbpf's get_cgroup_id reads it the same way).
    alignas(file_handle) unsigned char buf[sizeof(file_handle) + 8] = {};
    auto* fh = reinterpret_cast<file_handle*>(buf);
    fh->handle_bytes = 8;
    int mount_id = 0;
    if (name_to_handle_at(fd, "", fh, &mount_id, AT_EMPTY_PATH) != 0) return bad(std::strerror(errno));
    if (fh->handle_bytes != 8) return bad(fmt::format("a {}-byte file handle", fh->handle_bytes));
    uint64_t id;
    std::memcpy(&id, buf + sizeof(file_handle), 8);
    return id;
}

} // namespace ebpfjit::maps
