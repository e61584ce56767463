// The object's type information: .BTF through libbpf's BTF API, and the parts of
// .BTF.ext the loader needs (line info, CO-RE relocation sites), parsed with bounds
// checks because libbpf 1.1 exposes no accessor for them.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
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

struct BtfExt {
    std::map<std::string, std::vector<RawLineInfo>> lines;       // by section name
    std::map<std::string, std::vector<uint32_t>> core_relocations; // insn byte offsets, by section
};

struct BtfInfo {
    BtfPtr btf;    // null when the object has no .BTF
    BtfExt ext;    // empty when it has no .BTF.ext
};

// Reads .BTF and .BTF.ext if present. Corrupt contents are an error naming the section.
Result<BtfInfo> read_btf(const ElfFile& file);

} // namespace ebpfjit::runtime::elf
