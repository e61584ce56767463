#include "helpers/safe_memory.hpp"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ebpfjit::helpers {
namespace {

// The kernel checks a pipe write's source with copy_from_user, so write(2) to a pipe is a
// portable fault-tolerant read when process_vm_readv is filtered (seccomp, ptrace rules).
class PipeProbe {
public:
    PipeProbe() {
        if (pipe2(fds_, O_CLOEXEC | O_NONBLOCK) != 0) fds_[0] = fds_[1] = -1;
    }
    ~PipeProbe() {
        if (fds_[0] >= 0) close(fds_[0]), close(fds_[1]);
    }
    bool read(void* dst, uint64_t addr, size_t size) {
        if (fds_[0] < 0) return false;
        auto* out = static_cast<uint8_t*>(dst);
        while (size > 0) {
            const size_t chunk = std::min<size_t>(size, 4096);
            ssize_t w = ::write(fds_[1], reinterpret_cast<const void*>(addr), chunk);
            if (w <= 0) return false;
            ssize_t r = ::read(fds_[0], out, size_t(w));
            if (r != w) return false;
            out += w, addr += uint64_t(w), size -= size_t(w);
        }
        return true;
    }

private:
    int fds_[2];
};

bool vm_read(void* dst, uint64_t addr, size_t size) {
    static const pid_t self = getpid();
    iovec local{dst, size};
    iovec remote{reinterpret_cast<void*>(addr), size};
    ssize_t n = process_vm_readv(self, &local, 1, &remote, 1, 0);
    if (n == ssize_t(size)) return true;
    if (n < 0 && (errno == ENOSYS || errno == EPERM)) return detail::read_via_pipe(dst, addr, size);
    return false;
}

constexpr uint64_t kPage = 4096;

} // namespace

bool detail::read_via_pipe(void* dst, uint64_t addr, size_t size) {
    thread_local PipeProbe probe;
    return probe.read(dst, addr, size);
}

bool safe_read(void* dst, uint64_t addr, size_t size) {
    if (size == 0) return true;
    if (addr + size < addr) return false;
    return vm_read(dst, addr, size);
}

int64_t safe_read_str(char* dst, uint64_t addr, size_t size) {
    if (size == 0) return 0;
    size_t copied = 0;
    // Chunks never cross a page: a page is readable as a whole or not at all, and the
    // string may end just before an unmapped one. Each chunk lands in a bounce buffer, and
    // only the string's bytes reach dst: what follows the NUL in the source must not leak
    // into dst, and dst's bytes after the NUL stay as they were.
    char bounce[256];
    while (copied < size - 1) {
        const uint64_t at = addr + copied;
        const size_t chunk = std::min({size - 1 - copied, kPage - at % kPage, sizeof bounce});
        if (!safe_read(bounce, at, chunk)) return -EFAULT;
        if (const void* nul = std::memchr(bounce, 0, chunk)) {
            const size_t length = size_t(static_cast<const char*>(nul) - bounce) + 1;
            std::memcpy(dst + copied, bounce, length);
            return int64_t(copied + length);
        }
        std::memcpy(dst + copied, bounce, chunk);
        copied += chunk;
    }
    dst[size - 1] = '\0';
    return int64_t(size);
}

} // namespace ebpfjit::helpers
