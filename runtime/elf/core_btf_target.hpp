// CO-RE relocations resolved against a BTF the embedder names (OpenOptions::core_btf,
// libbpf's bpf_object_open_opts.btf_custom_path): the "kernel" whose layouts a program
// asks about is described by that BTF (an object's .BTF, or a raw file such as
// /sys/kernel/btf/vmlinux) instead of the running kernel's. The rules are libbpf's
// (relo_core.c): the local spec is parsed from the access string in the object's BTF;
// candidates are the target's types of the same kind whose names match once a
// "___flavor" suffix is dropped; a field is found by name along the access path (anonymous
// structs and unions searched through, array indices within bounds), its type compatible;
// every matching candidate must give the same answer. No candidate: FIELD_EXISTS,
// TYPE_EXISTS, TYPE_MATCHES, TYPE_SIZE, TYPE_ID_TARGET and ENUMVAL_EXISTS read 0, the other
// kinds poison the instruction (core_patch.hpp), as libbpf does.
#pragma once

#include <cstdint>
#include <expected>
#include <string>

#include "ebpfjit/error.hpp"
#include "runtime/elf/btf_info.hpp"

struct btf;

namespace ebpfjit::runtime::elf {

// libbpf's bpf_core_relo_res: what to patch in, and what the instruction must hold now.
struct CoreBtfAnswer {
    uint64_t orig_val = 0;  // the answer in the object's own BTF: what clang compiled in
    uint64_t new_val = 0;   // the answer in the target BTF
    bool poison = false;    // no candidate has the field / enumerator: libbpf's poisoned insn
    bool validate = true;   // check the instruction holds orig_val (not for bitfields, type ids)
    // byte_off of a non-bitfield member: the load/store size in the object and in the target
    // (0 otherwise); differing sizes are adjusted where libbpf adjusts them.
    uint32_t orig_size = 0;
    uint32_t new_size = 0;
    bool fail_memsz_adjust = false; // sizes differ and the field is no pointer or unsigned int
};

// Parses the file at `path` with libbpf (btf__parse: an ELF object's .BTF or a raw BTF
// file). The error is one line naming the file.
Result<BtfPtr> load_core_btf(const std::string& path);

// The answer for relocation `r` of the object whose BTF is `local`, in `target`. An error
// (a string for the caller to place) where libbpf fails the load: an access string the
// local BTF does not fit, an anonymous root type, candidates that disagree, a bitfield no
// 64-bit load reaches.
std::expected<CoreBtfAnswer, std::string> resolve_core_relocation(const struct btf* local, const RawCoreRelocation& r,
                                                                  const struct btf* target);

} // namespace ebpfjit::runtime::elf
