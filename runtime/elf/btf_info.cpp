#include "runtime/elf/btf_info.hpp"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <algorithm>
#include <charconv>
#include <optional>
#include <utility>
#include <vector>
#include <cerrno>
#include <cstdio>
#include <cstdarg>
#include <cstring>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace ebpfjit::runtime::elf {

void BtfDeleter::operator()(struct btf* b) const { btf__free(b); }

namespace {

// Layout of the .BTF.ext header (linux/btf.h does not carry it; libbpf keeps it private).
//   u16 magic 0xeB9F | u8 version | u8 flags | u32 hdr_len
//   u32 func_info_off, func_info_len, line_info_off, line_info_len   (relative to hdr end)
//   u32 core_relo_off, core_relo_len                                 (only if hdr_len >= 32)
// Each info block: u32 rec_size, then per section {u32 sec_name_off, u32 num_info, records}.
constexpr uint16_t kBtfMagic = 0xeB9F;
constexpr uint32_t kFuncInfoRecordMin = 8;  // insn_off, type_id
constexpr uint32_t kLineInfoRecordMin = 16; // insn_off, file_name_off, line_off, line_col
constexpr uint32_t kCoreReloRecordMin = 16; // insn_off, type_id, access_str_off, kind
// BPF_CORE_TYPE_ID_LOCAL .. BPF_CORE_TYPE_SIZE and BPF_CORE_TYPE_MATCHES ask about a whole
// type (access string "0"); the field kinds (0-5) and enumval kinds (10, 11) walk a path.
constexpr uint32_t kCoreTypeIdLocal = 6;
constexpr uint32_t kCoreTypeSize = 9;
constexpr uint32_t kCoreTypeMatches = 12;

uint32_t read_u32(std::span<const uint8_t> bytes, size_t at) {
    uint32_t v;
    std::memcpy(&v, bytes.data() + at, 4);
    return v;
}

struct InfoBlock {
    std::string section; // section name the records belong to
    std::span<const uint8_t> records;
    uint32_t record_size;
    uint32_t count;
};

// Splits one info block of .BTF.ext into per-section record arrays, checking every size.
Result<std::vector<InfoBlock>> split_info(const Section& ext, const struct btf* btf, uint64_t start,
                                          uint64_t length, uint32_t min_record, const char* what) {
    std::vector<InfoBlock> blocks;
    if (length == 0) return blocks;
    auto bytes = ext.data;
    if (start > bytes.size() || length > bytes.size() - start || length < 4)
        return fail(section_error(ext, start, fmt::format("{} block [0x{:x}, +0x{:x}) outside the section",
                                                          what, start, length)));
    const uint64_t end = start + length;
    const uint32_t record_size = read_u32(bytes, start);
    if (record_size < min_record || record_size % 4 != 0)
        return fail(section_error(ext, start, fmt::format("{} record size {} is invalid", what, record_size)));
    uint64_t at = start + 4;
    while (at < end) {
        if (end - at < 8)
            return fail(section_error(ext, at, fmt::format("truncated {} section header", what)));
        const uint32_t name_off = read_u32(bytes, at);
        const uint32_t count = read_u32(bytes, at + 4);
        const char* name = btf__name_by_offset(btf, name_off);
        if (!name)
            return fail(section_error(ext, at, fmt::format("{}: section name offset {} is not in .BTF strings",
                                                           what, name_off)));
        at += 8;
        if (uint64_t(count) * record_size > end - at)
            return fail(section_error(ext, at, fmt::format("{} for '{}': {} records of {} bytes overrun the block",
                                                           what, name, count, record_size)));
        blocks.push_back({name, bytes.subspan(at, size_t(count) * record_size), record_size, count});
        at += uint64_t(count) * record_size;
    }
    return blocks;
}

std::string base_name(std::string_view path) {
    auto slash = path.find_last_of('/');
    return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

} // namespace

std::vector<uint32_t> core_access_indices(std::string_view access) {
    std::vector<uint32_t> out;
    for (size_t at = 0; at <= access.size();) {
        size_t colon = access.find(':', at);
        if (colon == std::string_view::npos) colon = access.size();
        uint32_t v = 0;
        auto [p, ec] = std::from_chars(access.data() + at, access.data() + colon, v);
        if (ec != std::errc{} || p != access.data() + colon) return {};
        out.push_back(v);
        at = colon + 1;
    }
    return out;
}

namespace {

// What a CO-RE access string names in the object's BTF (libbpf's bpf_core_parse_spec):
// for a struct or union, "0:i:j..." steps through member i, then j of that member's type
// (array elements by index); for an enum, "i" is enumerator i. Empty on a malformed path.
std::optional<std::pair<std::string, int64_t>> access_target(const struct btf* btf, uint32_t type_id,
                                                               const std::string& access, bool& is_enum) {
    const std::vector<uint32_t> steps = core_access_indices(access);
    if (steps.empty()) return std::nullopt;
    const int resolved = btf__resolve_type(btf, type_id);
    if (resolved < 0) return std::nullopt;
    const struct btf_type* t = btf__type_by_id(btf, uint32_t(resolved));
    is_enum = btf_is_enum(t);
    if (is_enum) {
        if (steps.size() != 1 || steps[0] >= btf_vlen(t)) return std::nullopt;
        const struct btf_enum& e = btf_enum(t)[steps[0]];
        const char* name = btf__name_by_offset(btf, e.name_off);
        return std::pair{std::string(name ? name : ""), int64_t(e.val)};
    }
    std::string member;
    for (size_t i = 1; i < steps.size(); ++i) {
        if (btf_is_array(t)) {
            t = btf__type_by_id(btf, uint32_t(std::max(0, btf__resolve_type(btf, btf_array(t)->type))));
            continue;
        }
        if (!btf_is_composite(t) || steps[i] >= btf_vlen(t)) return std::nullopt;
        const struct btf_member& m = btf_members(t)[steps[i]];
        const char* name = btf__name_by_offset(btf, m.name_off);
        if (name && *name) member = name;
        const int next = btf__resolve_type(btf, m.type);
        if (next < 0) return std::nullopt;
        t = btf__type_by_id(btf, uint32_t(next));
    }
    return std::pair{member, int64_t(0)};
}

Result<BtfExt> parse_btf_ext(const Section& ext, const struct btf* btf) {
    BtfExt out;
    auto bytes = ext.data;
    if (bytes.size() < 24)
        return fail(section_error(ext, 0, "truncated .BTF.ext header"));
    uint16_t magic;
    std::memcpy(&magic, bytes.data(), 2);
    if (magic != kBtfMagic)
        return fail(section_error(ext, 0, fmt::format("bad .BTF.ext magic 0x{:x}", magic)));
    const uint32_t hdr_len = read_u32(bytes, 4);
    if (hdr_len < 24 || hdr_len > bytes.size())
        return fail(section_error(ext, 4, fmt::format("header length {} is invalid", hdr_len)));
    auto data_start = [&](uint32_t off) { return uint64_t(hdr_len) + off; };

    auto funcs = split_info(ext, btf, data_start(read_u32(bytes, 8)), read_u32(bytes, 12), kFuncInfoRecordMin,
                            "func_info");
    if (!funcs) return fail(funcs.error());
    const uint32_t type_count = btf__type_cnt(btf);
    for (const auto& block : *funcs) {
        auto& list = out.funcs[block.section];
        for (uint32_t i = 0; i < block.count; ++i) {
            auto rec = block.records.subspan(size_t(i) * block.record_size, block.record_size);
            const uint32_t type_id = read_u32(rec, 4);
            // A record naming no FUNC tells nothing; such a function is walked inline.
            if (type_id == 0 || type_id >= type_count || !btf_is_func(btf__type_by_id(btf, type_id))) continue;
            list.push_back({read_u32(rec, 0), type_id});
        }
    }

    auto lines = split_info(ext, btf, data_start(read_u32(bytes, 16)), read_u32(bytes, 20),
                            kLineInfoRecordMin, "line_info");
    if (!lines) return fail(lines.error());
    for (const auto& block : *lines) {
        auto& list = out.lines[block.section];
        for (uint32_t i = 0; i < block.count; ++i) {
            auto rec = block.records.subspan(size_t(i) * block.record_size, block.record_size);
            const char* file = btf__name_by_offset(btf, read_u32(rec, 4));
            const char* source = btf__name_by_offset(btf, read_u32(rec, 8));
            const uint32_t line_col = read_u32(rec, 12);
            list.push_back({read_u32(rec, 0), base_name(file ? file : "?"), source ? source : "",
                            line_col >> 10, line_col & 0x3ff});
        }
    }
    if (hdr_len >= 32) {
        auto relos = split_info(ext, btf, data_start(read_u32(bytes, 24)), read_u32(bytes, 28),
                                kCoreReloRecordMin, "core_relo");
        if (!relos) return fail(relos.error());
        const uint32_t types = btf__type_cnt(btf);
        for (const auto& block : *relos)
            for (uint32_t i = 0; i < block.count; ++i) {
                auto rec = block.records.subspan(size_t(i) * block.record_size, block.record_size);
                RawCoreRelocation r;
                r.insn_offset = read_u32(rec, 0);
                r.type_id = read_u32(rec, 4);
                r.kind = read_u32(rec, 12);
                const char* access = btf__name_by_offset(btf, read_u32(rec, 8));
                if (r.type_id >= types || !access)
                    return fail(section_error(ext, uint64_t(block.records.data() - bytes.data()) + size_t(i) *
                                                                                                      block.record_size,
                                              fmt::format("core_relo for '{}' at insn offset {}: type id {} or access "
                                                          "string offset {} is not in .BTF", block.section,
                                                          r.insn_offset, r.type_id, read_u32(rec, 8))));
                const char* name = btf__name_by_offset(btf, btf__type_by_id(btf, r.type_id)->name_off);
                r.type_name = name ? name : "";
                if (const int root = btf__resolve_type(btf, r.type_id); root > 0) {
                    const struct btf_type* t = btf__type_by_id(btf, uint32_t(root));
                    if (btf_is_composite(t)) r.type_size = t->size;
                }
                r.access = access;
                if ((r.kind >= kCoreTypeIdLocal && r.kind <= kCoreTypeSize) || r.kind == kCoreTypeMatches) {
                    const int resolved = btf__resolve_type(btf, r.type_id);
                    r.is_enum = resolved > 0 && btf_is_enum(btf__type_by_id(btf, uint32_t(resolved)));
                } else {
                    auto target = access_target(btf, r.type_id, r.access, r.is_enum);
                    if (!target)
                        return fail(section_error(
                            ext, uint64_t(block.records.data() - bytes.data()) + size_t(i) * block.record_size,
                            fmt::format("core_relo for '{}' at insn offset {}: access string '{}' does not fit "
                                        "type '{}'", block.section, r.insn_offset, r.access, r.type_name)));
                    r.member = std::move(target->first);
                    r.enum_value = target->second;
                }
                out.core_relocations[block.section].push_back(std::move(r));
            }
    }
    return out;
}

} // namespace

// libbpf prints its warnings to stderr by default; route them to spdlog instead.
static int libbpf_to_spdlog(enum libbpf_print_level level, const char* format, va_list args) {
    char buffer[512];
    const int n = std::vsnprintf(buffer, sizeof buffer, format, args);
    std::string_view text(buffer, n < 0 ? 0 : std::min<size_t>(size_t(n), sizeof buffer - 1));
    while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    spdlog::debug("libbpf{}: {}", level == LIBBPF_WARN ? " warning" : "", text);
    return 0;
}

Result<BtfInfo> read_btf(const ElfFile& file) {
    static const bool print_routed = (libbpf_set_print(libbpf_to_spdlog), true);
    (void)print_routed;
    BtfInfo info;
    const Section* btf_section = file.find_section(".BTF");
    if (!btf_section) {
        if (const Section* ext = file.find_section(".BTF.ext"))
            return fail(section_error(*ext, 0, ".BTF.ext without a .BTF section"));
        return info;
    }
    if (btf_section->data.empty())
        return fail(section_error(*btf_section, 0, "empty .BTF section"));
    struct btf* btf = btf__new(btf_section->data.data(), uint32_t(btf_section->data.size()));
    if (!btf) {
        const int err = errno;
        return fail(section_error(*btf_section, 0, fmt::format("corrupt BTF: {}", std::strerror(err))));
    }
    info.btf.reset(btf);
    if (const Section* ext = file.find_section(".BTF.ext")) {
        auto parsed = parse_btf_ext(*ext, btf);
        if (!parsed) return fail(parsed.error());
        info.ext = std::move(*parsed);
    }
    return info;
}

} // namespace ebpfjit::runtime::elf
