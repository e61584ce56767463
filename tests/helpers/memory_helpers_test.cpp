#include <linux/bpf.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstring>

#include "helper_test_support.hpp"
#include "helpers/safe_memory.hpp"

#include <vector>

using namespace ebpfjit;
using namespace ebpfjit::test;

namespace {

// Two pages, the second unmapped: memory that ends abruptly.
struct Cliff {
    uint8_t* page = nullptr;
    Cliff() {
        void* p = mmap(nullptr, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        REQUIRE(p != MAP_FAILED);
        page = static_cast<uint8_t*>(p);
        munmap(page + 4096, 4096);
    }
    ~Cliff() { munmap(page, 4096); }
    uint8_t* edge() { return page + 4096; }
};

const int kReadIds[] = {BPF_FUNC_probe_read, BPF_FUNC_probe_read_user, BPF_FUNC_probe_read_kernel};
const int kStrIds[] = {BPF_FUNC_probe_read_user_str, BPF_FUNC_probe_read_kernel_str};

} // namespace

TEST_CASE("probe_read copies readable memory", "[helpers][memory]") {
    for (int id : kReadIds) {
        const char src[] = "payload!";
        char dst[9] = {};
        CHECK(call(id, addr(dst), 9, addr(src)) == 0);
        CHECK(std::memcmp(dst, src, 9) == 0);
        CHECK(call(id, addr(dst), 0, 0) == 0); // size 0 reads nothing
    }
}

TEST_CASE("probe_read of a bad address is -EFAULT and zeroes the destination", "[helpers][memory]") {
    Cliff cliff;
    for (int id : kReadIds) {
        char dst[16];
        std::memset(dst, 'x', sizeof dst);
        CHECK(as_long(call(id, addr(dst), sizeof dst, 16)) == -EFAULT);
        for (char c : dst) CHECK(c == 0);
        // Partly readable: the first 8 bytes exist, the next 8 do not.
        std::memset(dst, 'x', sizeof dst);
        CHECK(as_long(call(id, addr(dst), sizeof dst, addr(cliff.edge() - 8))) == -EFAULT);
        for (char c : dst) CHECK(c == 0);
    }
}

TEST_CASE("probe_read_str copies up to and including the NUL", "[helpers][memory]") {
    for (int id : kStrIds) {
        const char src[] = "hello";
        char dst[16];
        std::memset(dst, 'x', sizeof dst);
        CHECK(call(id, addr(dst), sizeof dst, addr(src)) == 6);
        CHECK(std::string(dst) == "hello");
        CHECK(dst[6] == 'x'); // bytes after the string are left alone

        // What follows the NUL in the source never reaches dst.
        const char tail[] = {'h', 'i', '\0', 'Z', 'Z', 'Z', 'Z', '\0'};
        std::memset(dst, 'x', sizeof dst);
        CHECK(call(id, addr(dst), sizeof dst, addr(tail)) == 3);
        CHECK(std::string(dst) == "hi");
        for (size_t i = 3; i < sizeof dst; ++i) CHECK(dst[i] == 'x');

        char small[4];
        CHECK(call(id, addr(small), sizeof small, addr(src)) == 4); // truncated: "hel\0"
        CHECK(std::string(small) == "hel");

        CHECK(call(id, addr(small), 0, addr(src)) == 0);
    }
}

TEST_CASE("probe_read_str stops at a NUL just before unmapped memory", "[helpers][memory]") {
    Cliff cliff;
    std::memcpy(cliff.edge() - 4, "abc", 4);
    for (int id : kStrIds) {
        char dst[64];
        CHECK(call(id, addr(dst), sizeof dst, addr(cliff.edge() - 4)) == 4);
        CHECK(std::string(dst) == "abc");
    }
}

TEST_CASE("probe_read_str of a bad address is -EFAULT and zeroes the destination", "[helpers][memory]") {
    Cliff cliff;
    std::memset(cliff.edge() - 4, 'z', 4); // no NUL before the cliff
    for (int id : kStrIds) {
        char dst[64];
        std::memset(dst, 'x', sizeof dst);
        CHECK(as_long(call(id, addr(dst), sizeof dst, addr(cliff.edge() - 4))) == -EFAULT);
        for (char c : dst) CHECK(c == 0);
        CHECK(as_long(call(id, addr(dst), sizeof dst, 8)) == -EFAULT);
    }
}

TEST_CASE("probe_read is a mem-only helper, the _user/_kernel forms are for all", "[helpers][memory]") {
    CHECK(helper(BPF_FUNC_probe_read).allowed == mask_of(ProgramType::Mem));
    CHECK(helper(BPF_FUNC_probe_read_kernel_str).allowed == kAllProgramTypes);
}

TEST_CASE("the pipe fallback reads good memory and refuses bad memory", "[helpers][memory]") {
    Cliff cliff;
    std::vector<uint8_t> src(10000);
    for (size_t i = 0; i < src.size(); ++i) src[i] = uint8_t(i * 7);
    std::vector<uint8_t> dst(src.size());
    CHECK(helpers::detail::read_via_pipe(dst.data(), addr(src.data()), src.size()));
    CHECK(dst == src);
    CHECK_FALSE(helpers::detail::read_via_pipe(dst.data(), 16, 8));
    CHECK_FALSE(helpers::detail::read_via_pipe(dst.data(), addr(cliff.edge() - 4), 8));
    // The pipe is left empty after a failure: the next read is still correct.
    CHECK(helpers::detail::read_via_pipe(dst.data(), addr(src.data()) + 1, 3));
    CHECK(dst[0] == src[1]);
    CHECK(dst[2] == src[3]);
}
