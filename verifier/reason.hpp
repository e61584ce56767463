// Why a program was rejected: one category per rule, so tests and tools can tell the
// rules apart without parsing the message.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ebpfjit::verifier {

enum class Reason : uint8_t {
    // Structural (both levels)
    EmptyProgram,
    ProgramTooLarge,        // more than 1,000,000 instructions
    UnreachableInstruction,
    JumpAcrossSubprogram,
    SubprogramFallsThrough, // last instruction of a subprogram is not exit / ja
    RecursiveCall,
    CallDepthExceeded,      // more than 8 frames
    CombinedStackTooLarge,  // > 512 bytes along one call chain
    UnknownHelper,
    Unsupported,            // kfunc, callx, callbacks, LDDW kinds we cannot type, ...
    // Full: registers and arithmetic
    UninitializedRegister,
    WriteToFramePointer,
    PointerArithmetic,
    PointerComparison,
    // Full: memory
    InvalidMemoryAccess,    // dereference of something that is not a pointer
    NullPointerDereference, // possibly-NULL pointer used before a NULL check
    StackOutOfBounds,
    UninitializedStackRead,
    InvalidSpillAccess,     // partial access to a spilled pointer
    ContextAccess,          // not a field, wrong size, variable offset, read-only field
    PacketOutOfBounds,
    MapValueOutOfBounds,
    MemoryOutOfBounds,      // helper-returned memory (ringbuf records)
    PointerStore,           // pointer written into packet or ctx memory
    ReadOnlyMemory,
    BadMapReference,        // LDDW names no map
    // Full: calls and exits
    HelperNotAllowed,       // helper not in the program type's allowlist
    HelperArgument,
    TailCall,
    ReturnValue,            // r0 not a scalar at program exit
    // Full: termination
    InfiniteLoop,
    ComplexityLimit,        // over 1,000,000 processed instructions
    // Full: references (appended; the values above are unchanged)
    ReferenceLeak,          // an acquired reference (ringbuf record, socket) not released at exit / tail call
    SpinLock,               // bpf_spin_lock misuse: unpaired, nested, held across a call or exit
    WriteOnlyMemory,        // a read of a BPF_F_WRONLY_PROG map (ReadOnlyMemory is the converse)
    MisalignedAccess,       // an atomic whose address is not a multiple of its size
    ReferenceRelease,       // release of a reference not held (twice, or never acquired), or use after it
};

std::string_view to_string(Reason r);

} // namespace ebpfjit::verifier
