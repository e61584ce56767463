#include "map_test_util.hpp"

using namespace maptest;

TEST_CASE("queue: FIFO, full, BPF_EXIST overwrite, empty") {
    auto m = make(def(BPF_MAP_TYPE_QUEUE, 0, 4, 3));
    uint32_t v = 0;
    CHECK(m->pop(&v) == -ENOENT);
    CHECK(m->peek(&v) == -ENOENT);
    for (uint32_t i = 1; i <= 3; ++i) REQUIRE(m->push(&i, BPF_ANY) == 0);
    uint32_t four = 4;
    CHECK(m->push(&four, BPF_ANY) == -E2BIG);
    CHECK(m->push(&four, BPF_NOEXIST) == -EINVAL);
    CHECK(m->push(&four, BPF_EXIST) == 0); // drops 1
    CHECK(m->peek(&v) == 0);
    CHECK(v == 2);
    for (uint32_t want : {2u, 3u, 4u}) {
        REQUIRE(m->pop(&v) == 0);
        CHECK(v == want);
    }
    CHECK(m->pop(&v) == -ENOENT);
    // syscall side: update = push, lookup = peek, lookup_and_delete = pop
    CHECK(m->update(nullptr, &four, BPF_ANY) == 0);
    CHECK(m->lookup_copy(nullptr, &v) == 0);
    CHECK(v == 4);
    CHECK(m->lookup_and_delete(nullptr, &v) == 0);
    CHECK(m->lookup_and_delete(nullptr, &v) == -ENOENT);
    CHECK(m->lookup(nullptr) == nullptr);
    CHECK(m->remove(nullptr) == -EINVAL);
    CHECK(m->get_next_key(nullptr, &v) == -EINVAL);
}

TEST_CASE("stack: LIFO and BPF_EXIST drops the oldest") {
    auto m = make(def(BPF_MAP_TYPE_STACK, 0, 8, 2));
    uint64_t a = 1, b = 2, c = 3, v = 0;
    REQUIRE(m->push(&a, BPF_ANY) == 0);
    REQUIRE(m->push(&b, BPF_ANY) == 0);
    CHECK(m->push(&c, BPF_ANY) == -E2BIG);
    CHECK(m->push(&c, BPF_EXIST) == 0); // 1 dropped
    CHECK(m->peek(&v) == 0);
    CHECK(v == 3);
    CHECK(m->pop(&v) == 0);
    CHECK(v == 3);
    CHECK(m->pop(&v) == 0);
    CHECK(v == 2);
    CHECK(m->pop(&v) == -ENOENT);
    // wraps around many times
    for (uint64_t i = 0; i < 100; ++i) {
        REQUIRE(m->push(&i, BPF_ANY) == 0);
        REQUIRE(m->pop(&v) == 0);
        REQUIRE(v == i);
    }
}
