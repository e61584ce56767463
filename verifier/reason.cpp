#include "verifier/reason.hpp"

namespace ebpfjit::verifier {

std::string_view to_string(Reason r) {
    switch (r) {
    case Reason::EmptyProgram: return "empty program";
    case Reason::ProgramTooLarge: return "program too large";
    case Reason::UnreachableInstruction: return "unreachable instruction";
    case Reason::JumpAcrossSubprogram: return "jump across subprogram";
    case Reason::SubprogramFallsThrough: return "subprogram falls through";
    case Reason::RecursiveCall: return "recursive call";
    case Reason::CallDepthExceeded: return "call depth exceeded";
    case Reason::CombinedStackTooLarge: return "combined stack too large";
    case Reason::UnknownHelper: return "unknown helper";
    case Reason::Unsupported: return "unsupported";
    case Reason::UninitializedRegister: return "uninitialized register";
    case Reason::WriteToFramePointer: return "write to frame pointer";
    case Reason::PointerArithmetic: return "pointer arithmetic";
    case Reason::PointerComparison: return "pointer comparison";
    case Reason::InvalidMemoryAccess: return "invalid memory access";
    case Reason::NullPointerDereference: return "null pointer dereference";
    case Reason::StackOutOfBounds: return "stack out of bounds";
    case Reason::UninitializedStackRead: return "uninitialized stack read";
    case Reason::InvalidSpillAccess: return "invalid spill access";
    case Reason::ContextAccess: return "context access";
    case Reason::PacketOutOfBounds: return "packet out of bounds";
    case Reason::MapValueOutOfBounds: return "map value out of bounds";
    case Reason::MemoryOutOfBounds: return "memory out of bounds";
    case Reason::PointerStore: return "pointer store";
    case Reason::ReadOnlyMemory: return "read-only memory";
    case Reason::BadMapReference: return "bad map reference";
    case Reason::HelperNotAllowed: return "helper not allowed";
    case Reason::HelperArgument: return "helper argument";
    case Reason::TailCall: return "tail call";
    case Reason::ReturnValue: return "return value";
    case Reason::InfiniteLoop: return "infinite loop";
    case Reason::ComplexityLimit: return "complexity limit";
    case Reason::ReferenceLeak: return "reference leak";
    case Reason::ReferenceRelease: return "reference release";
    case Reason::SpinLock: return "spin lock";
    case Reason::WriteOnlyMemory: return "write-only memory";
    case Reason::MisalignedAccess: return "misaligned access";
    }
    return "?";
}

} // namespace ebpfjit::verifier
