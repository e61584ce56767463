// The object's type information: .BTF through libbpf's BTF API, and the parts of
// .BTF.ext the loader needs (func info, line info, CO-RE relocation sites), parsed with bounds
// checks because libbpf 1.1 exposes no accessor for them.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ebpfjit/error.hpp"
#include "runtime/elf/elf_file.hpp"

struct btf;

namespace ebpfjit::runtime::elf {

struct BtfDeleter {
    void operator()(struct btf* b) const;
};
using BtfPtr = std::unique_ptr<struct btf, BtfDeleter>;

// One .BTF.ext line_info record, offsets in bytes within its section.
struct RawLineInfo {
    uint32_t insn_offset = 0;
    std::string file;
    std::string source;
    uint32_t line = 0;
    uint32_t column = 0;
};

// One .BTF.ext func_info record: the function starting at insn_offset (bytes within its
// section) has BTF FUNC type_id (checked to be a FUNC in .BTF).
struct RawFuncInfo {
    uint32_t insn_offset = 0;
    uint32_t type_id = 0;
};

// One .BTF.ext CO-RE relocation record (struct bpf_core_relo), its type resolved in .BTF.
struct RawCoreRelocation {
    uint32_t insn_offset = 0; // bytes within its section
    uint32_t type_id = 0;     // the object's own (local) BTF type id, checked to exist
    uint32_t kind = 0;        // enum bpf_core_relo_kind
    std::string type_name;    // "" for an anonymous type
    uint32_t type_size = 0;   // the struct's or union's size in the object's BTF (0: other kinds)
    std::string access;       // the access string ("0:1"), as clang wrote it
    bool is_enum = false;     // the type is an enum (enumval kinds), else a struct/union
    // Field kinds: the last named member the access path reaches ("gso_size"; anonymous
    // unions and structs on the way are stepped through, array elements name their array).
    // Enumval kinds: the enumerator ("BPF_FUNC_loop"), with its value in the object's enum.
    std::string member;
    int64_t enum_value = 0;
};

// A CO-RE access string's indices ("0:9:2": the root, member 9, element 2); empty when
// malformed.
std::vector<uint32_t> core_access_indices(std::string_view access);

struct BtfExt {
    std::map<std::string, std::vector<RawLineInfo>> lines;                // by section name
    std::map<std::string, std::vector<RawFuncInfo>> funcs;                // by section name
    std::map<std::string, std::vector<RawCoreRelocation>> core_relocations; // by section name
};

struct BtfInfo {
    BtfPtr btf;    // null when the object has no .BTF
    BtfExt ext;    // empty when it has no .BTF.ext
};

// Reads .BTF and .BTF.ext if present. Corrupt contents are an error naming the section.
Result<BtfInfo> read_btf(const ElfFile& file);

} // namespace ebpfjit::runtime::elf
