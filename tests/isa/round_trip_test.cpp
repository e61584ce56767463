// Every row of the opcode table decodes to its meaning and encodes back to the same bytes.
#include <catch2/catch.hpp>

#include <cstring>
#include <fmt/format.h>

#include "isa/decoder.hpp"
#include "isa/encoder.hpp"
#include "isa/opcodes.hpp"

using namespace ebpfjit::isa;

namespace {

constexpr size_t kProgramSlots = 16;

// A raw word for `form` whose free fields hold distinct non-zero values that keep jump
// and call targets inside a kProgramSlots-long program.
RawInsn sample(const OpcodeForm& form, int variant) {
    RawInsn raw{};
    raw.opcode = form.opcode;
    raw.dst = uint8_t(1 + variant);
    raw.src = uint8_t(2 + variant);
    raw.off = int16_t(variant % 2 ? 3 : -1); // slot 0 + 1 + off: 4 or 0
    raw.imm = variant % 2 ? 5 : -1;
    if (form.key.kind == InsnKind::Store || form.key.kind == InsnKind::Load) raw.off = int16_t(variant ? -8 : 12);
    if (form.key.kind == InsnKind::Store || form.key.kind == InsnKind::PacketLoad) raw.imm = variant ? -7 : 0x12345678;
    if (form.key.kind == InsnKind::LoadImm64) raw.imm = variant ? 7 : 5; // CodeAddr targets 8 / 6
    if (form.key.kind == InsnKind::Call && form.selector_value != BPF_PSEUDO_CALL) raw.imm = 1234 + variant;
    if (form.zero_fields & kFieldDst) raw.dst = 0;
    if (form.zero_fields & kFieldSrc) raw.src = 0;
    if (form.zero_fields & kFieldOff) raw.off = 0;
    if (form.zero_fields & kFieldImm) raw.imm = 0;
    switch (form.selector) {
    case Selector::Off: raw.off = int16_t(form.selector_value); break;
    case Selector::Imm: raw.imm = form.selector_value; break;
    case Selector::Src: raw.src = uint8_t(form.selector_value); break;
    case Selector::None: break;
    }
    return raw;
}

std::vector<RawInsn> program_around(const RawInsn& first) {
    std::vector<RawInsn> raw(kProgramSlots, RawInsn{BPF_JMP | BPF_EXIT, 0, 0, 0, 0});
    raw[0] = first;
    if (first.opcode == (BPF_LD | BPF_IMM | BPF_DW)) {
        raw[1] = RawInsn{};
        // Map fd / map idx forms need a zero second imm; the others carry data there.
        if (first.src != BPF_PSEUDO_MAP_FD && first.src != BPF_PSEUDO_MAP_IDX) raw[1].imm = -42;
    }
    return raw;
}

bool same_bytes(const std::vector<RawInsn>& a, const std::vector<RawInsn>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(RawInsn)) == 0;
}

} // namespace

TEST_CASE("the opcode table has one row per meaning and per (opcode, selector)") {
    auto forms = opcode_forms();
    REQUIRE(forms.size() > 150);
    for (size_t i = 0; i < forms.size(); ++i)
        for (size_t j = i + 1; j < forms.size(); ++j) {
            INFO(fmt::format("rows {} and {}: opcode {:#04x} / {:#04x}", i, j, forms[i].opcode, forms[j].opcode));
            CHECK_FALSE(forms[i].key == forms[j].key);
            const bool same_slot = forms[i].opcode == forms[j].opcode;
            if (same_slot) {
                CHECK(forms[i].selector == forms[j].selector);
                CHECK(forms[i].selector != Selector::None);
                CHECK(forms[i].selector_value != forms[j].selector_value);
            }
        }
}

TEST_CASE("every opcode form round-trips through decode and encode") {
    for (const OpcodeForm& form : opcode_forms()) {
        for (int variant = 0; variant < 2; ++variant) {
            const RawInsn first = sample(form, variant);
            INFO(fmt::format("opcode {:#04x} dst {} src {} off {} imm {}", first.opcode, first.dst, first.src,
                             first.off, first.imm));
            const auto raw = program_around(first);
            auto prog = decode(raw);
            REQUIRE(prog.has_value());
            CHECK(form_key(prog->insns[0]) == form.key);
            auto back = try_encode(*prog);
            REQUIRE(back.has_value());
            CHECK(same_bytes(*back, raw));
            auto again = decode(*back);
            REQUIRE(again.has_value());
            CHECK(again->insns == prog->insns);
        }
    }
}

TEST_CASE("every byte value either is in the table or is rejected as unknown") {
    for (int op = 0; op < 256; ++op) {
        RawInsn raw{uint8_t(op), 0, 0, 0, 0};
        std::vector<RawInsn> prog{raw, RawInsn{}, RawInsn{BPF_JMP | BPF_EXIT, 0, 0, 0, 0}};
        auto d = decode(prog);
        if (!opcode_exists(uint8_t(op))) {
            REQUIRE_FALSE(d.has_value());
            CHECK(d.error().insn == 0u);
            CHECK(d.error().message.find("unknown opcode") != std::string::npos);
        }
    }
}
