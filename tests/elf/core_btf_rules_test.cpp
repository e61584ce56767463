// libbpf's CO-RE matching rules (relo_core.c) as resolve_core_relocation applies them, on
// BTF built in memory: the object's (local) types against a core BTF's (target).
#include <bpf/btf.h>
#include <catch2/catch.hpp>
#include <linux/btf.h>

#include "runtime/elf/core_btf_target.hpp"

using namespace ebpfjit::runtime::elf;

namespace {

constexpr uint32_t kByteOff = 0, kByteSize = 1, kExists = 2, kSigned = 3, kTypeExists = 8, kTypeSize = 9,
                   kEnumvalExists = 10, kEnumvalValue = 11, kTypeMatches = 12;

struct Btf {
    BtfPtr b{btf__new_empty()};
    Btf() { REQUIRE(b); }
    uint32_t add_int(const char* name, uint32_t size, int enc = 0) {
        const int id = btf__add_int(b.get(), name, size, enc);
        REQUIRE(id > 0);
        return uint32_t(id);
    }
    uint32_t add_struct(const char* name, uint32_t size) {
        const int id = btf__add_struct(b.get(), name, size);
        REQUIRE(id > 0);
        return uint32_t(id);
    }
    void field(const char* name, uint32_t type, uint32_t bit_offset, uint32_t bits = 0) {
        REQUIRE(btf__add_field(b.get(), name, type, bit_offset, bits) == 0);
    }
};

RawCoreRelocation relo(uint32_t type_id, uint32_t kind, const char* access) {
    RawCoreRelocation r;
    r.type_id = type_id;
    r.kind = kind;
    r.access = access;
    return r;
}

// The local side of every case: struct foo { u32 a; u32 b[2]; } (a at 0, b at 4).
struct Local {
    Btf btf;
    uint32_t foo = 0;
    Local() {
        const uint32_t u32 = btf.add_int("unsigned int", 4);
        const uint32_t arr = uint32_t(btf__add_array(btf.b.get(), u32, u32, 2));
        foo = btf.add_struct("foo", 12);
        btf.field("a", u32, 0);
        btf.field("b", arr, 32);
    }
};

} // namespace

TEST_CASE("core BTF rules: flavors, anonymous members and array bounds", "[elf][core][core_btf]") {
    Local local;
    Btf target;
    const uint32_t s32 = target.add_int("int", 4, BTF_INT_SIGNED);
    const uint32_t arr1 = uint32_t(btf__add_array(target.b.get(), s32, s32, 1));
    const uint32_t inner = target.add_struct(nullptr, 8); // struct { int pad; int a; }
    target.field("pad", s32, 0);
    target.field("a", s32, 32);
    target.add_struct("foo___v2", 24);
    target.field("b", arr1, 0);
    target.field(nullptr, inner, 64); // anonymous: 'a' is found inside it, at byte 12
    auto off = resolve_core_relocation(local.btf.b.get(), relo(local.foo, kByteOff, "0:0"), target.b.get());
    REQUIRE(off);
    CHECK_FALSE(off->poison);
    CHECK(off->orig_val == 0);
    CHECK(off->new_val == 12);
    auto sign = resolve_core_relocation(local.btf.b.get(), relo(local.foo, kSigned, "0:0"), target.b.get());
    REQUIRE(sign);
    CHECK(sign->orig_val == 0);
    CHECK(sign->new_val == 1); // int there
    // b[0] is within the target's one-element array, b[1] is not.
    auto b0 = resolve_core_relocation(local.btf.b.get(), relo(local.foo, kByteOff, "0:1:0"), target.b.get());
    REQUIRE(b0);
    CHECK(b0->new_val == 0);
    auto b1 = resolve_core_relocation(local.btf.b.get(), relo(local.foo, kByteOff, "0:1:1"), target.b.get());
    REQUIRE(b1);
    CHECK(b1->poison);
    auto b1_exists = resolve_core_relocation(local.btf.b.get(), relo(local.foo, kExists, "0:1:1"), target.b.get());
    REQUIRE(b1_exists);
    CHECK(b1_exists->new_val == 0);
    auto size = resolve_core_relocation(local.btf.b.get(), relo(local.foo, kTypeSize, "0"), target.b.get());
    REQUIRE(size);
    CHECK(size->orig_val == 12);
    CHECK(size->new_val == 24);
}

TEST_CASE("core BTF rules: candidates must agree; incompatible fields do not match", "[elf][core][core_btf]") {
    Local local;
    Btf target;
    const uint32_t u32 = target.add_int("unsigned int", 4);
    target.add_struct("foo", 8);
    target.field("a", u32, 32);
    target.add_struct("foo___other", 8);
    target.field("a", u32, 0);
    auto ambiguous = resolve_core_relocation(local.btf.b.get(), relo(local.foo, kByteOff, "0:0"), target.b.get());
    REQUIRE_FALSE(ambiguous);
    CHECK(ambiguous.error().find("field offset ambiguity") != std::string::npos);

    Btf other;
    const uint32_t u32b = other.add_int("unsigned int", 4);
    const uint32_t inner = other.add_struct("inner", 4);
    other.field("x", u32b, 0);
    other.add_struct("foo", 4);
    other.field("a", inner, 0); // a struct where the object reads an int: no match
    auto incompatible = resolve_core_relocation(local.btf.b.get(), relo(local.foo, kByteOff, "0:0"), other.b.get());
    REQUIRE(incompatible);
    CHECK(incompatible->poison);
    auto exists = resolve_core_relocation(local.btf.b.get(), relo(local.foo, kTypeExists, "0"), other.b.get());
    REQUIRE(exists);
    CHECK(exists->new_val == 1);
    // type_matches: every local member by name, its type matching too ('b' is missing).
    auto matches = resolve_core_relocation(local.btf.b.get(), relo(local.foo, kTypeMatches, "0"), other.b.get());
    REQUIRE(matches);
    CHECK(matches->new_val == 0);
}

TEST_CASE("core BTF rules: type_matches, enumerators, and what libbpf refuses", "[elf][core][core_btf]") {
    Local local;
    const int mode = btf__add_enum(local.btf.b.get(), "mode", 4);
    REQUIRE(mode > 0);
    REQUIRE(btf__add_enum_value(local.btf.b.get(), "MODE_ON", 1) == 0);
    REQUIRE(btf__add_enum_value(local.btf.b.get(), "MODE_X___old", 2) == 0);
    const uint32_t anon = local.btf.add_struct(nullptr, 4);

    Btf target;
    const uint32_t u32 = target.add_int("unsigned int", 4);
    const uint32_t arr = uint32_t(btf__add_array(target.b.get(), u32, u32, 2));
    target.add_struct("foo", 16);
    target.field("extra", u32, 0);
    target.field("b", arr, 32);
    target.field("a", u32, 96);
    REQUIRE(btf__add_enum(target.b.get(), "mode", 4) > 0);
    REQUIRE(btf__add_enum_value(target.b.get(), "MODE_X", -5) == 0);

    auto matches = resolve_core_relocation(local.btf.b.get(), relo(local.foo, kTypeMatches, "0"), target.b.get());
    REQUIRE(matches);
    CHECK(matches->new_val == 1); // members by name, wherever they are
    auto on = resolve_core_relocation(local.btf.b.get(), relo(uint32_t(mode), kEnumvalExists, "0"), target.b.get());
    REQUIRE(on);
    CHECK(on->new_val == 0);
    auto on_value = resolve_core_relocation(local.btf.b.get(), relo(uint32_t(mode), kEnumvalValue, "0"),
                                            target.b.get());
    REQUIRE(on_value);
    CHECK(on_value->poison);
    // "MODE_X___old" is "MODE_X" there; a 32-bit value sign-extends, as libbpf's does.
    auto x = resolve_core_relocation(local.btf.b.get(), relo(uint32_t(mode), kEnumvalValue, "1"), target.b.get());
    REQUIRE(x);
    CHECK(x->orig_val == 2);
    CHECK(x->new_val == uint64_t(int64_t(-5)));
    auto size = resolve_core_relocation(local.btf.b.get(), relo(local.foo, kByteSize, "0:1"), target.b.get());
    REQUIRE(size);
    CHECK(size->new_val == 8);

    auto anonymous = resolve_core_relocation(local.btf.b.get(), relo(anon, kTypeExists, "0"), target.b.get());
    REQUIRE_FALSE(anonymous);
    CHECK(anonymous.error().find("anonymous") != std::string::npos);
    auto malformed = resolve_core_relocation(local.btf.b.get(), relo(local.foo, kByteOff, "0:7"), target.b.get());
    REQUIRE_FALSE(malformed);
    CHECK(malformed.error().find("access string '0:7'") != std::string::npos);
}
