#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace swb {

// What the data-flow knows about a register at one program point.
struct RegValue {
    enum class Kind : std::uint8_t {
        Unknown,   // cannot tell; `reason` says why (loaded from memory, arithmetic, call clobbered, ...)
        Constants, // one of `constants` on every path that reaches the point
        Param,     // the value the function received in argument register `param` (0=rdi,1=rsi,
                   // 2=rdx,3=rcx,4=r8,5=r9) unchanged on every path
    };
    Kind kind = Kind::Unknown;
    std::vector<std::int64_t> constants; // sorted, unique, only for Constants
    int param = -1;                      // only for Param
    std::string reason;                  // only for Unknown
    // Unknown, from an analysis that does not write reasons (CodeInput::reasonText false): why, as
    // a code that describeUnknown() turns into the text `reason` would have held. 0: none.
    std::uint8_t cause = 0;
    std::uint8_t causeReg = 0xff; // the register the reason is about (0xff: none)
    std::int64_t causeAt = 0;     // the instruction (or merge point) responsible; a stack offset

    static RegValue unknown(std::string why) { return {Kind::Unknown, {}, -1, std::move(why)}; }
    static RegValue constant(std::int64_t v) { return {Kind::Constants, {v}, -1, {}}; }
    static RegValue fromParam(int k) { return {Kind::Param, {}, k, {}}; }
    bool operator==(const RegValue&) const = default;
};

// A call or jump out of a function.
struct CallSite {
    enum class Kind : std::uint8_t {
        Direct,   // call rel32 to `target`
        TailJump, // jmp or jcc to `target`, the start of another function (a tail call); also
                  // recorded at the last instruction of code that falls through into another
                  // function's start
        ViaSlot,  // call/jmp qword ptr [rip+X]: through the pointer slot at `slot` (a GOT entry
                  // when the image has a relocation there; -fno-plt calls and PLT stubs)
        Indirect, // call/jmp through a register or other memory: any address-taken function
    };
    Kind kind = Kind::Direct;
    std::uint64_t address = 0; // of the call/jmp instruction
    std::uint64_t target = 0;  // Direct / TailJump
    std::uint64_t slot = 0;    // ViaSlot
    // The six argument registers (rdi, rsi, rdx, rcx, r8, r9) at the call, for resolving callees
    // that take a syscall number as a parameter (syscall(), internal wrappers).
    std::array<RegValue, 6> args;
    bool operator==(const CallSite&) const = default;
};

struct SyscallSite {
    std::uint64_t address = 0; // of the `syscall` instruction
    RegValue rax;              // the syscall number
    bool operator==(const SyscallSite&) const = default;
};

struct FunctionFacts {
    enum class Origin : std::uint8_t {
        Given,         // in CodeInput::functionStarts
        CallTarget,    // found as the target of a direct call
        CodeReference, // found as an address the code materializes (lea reg, [rip+X] / mov reg, imm):
                       // analyzed as a function of its own, but jumps to it from other functions stay
                       // intra-function edges (it may be a label, not a function)
    };
    std::uint64_t start = 0;
    Origin origin = Origin::Given;
    std::uint64_t end = 0;             // one past the last byte of the last decoded instruction
    std::vector<std::uint64_t> blocks; // basic-block start addresses, sorted
    std::vector<CallSite> calls;
    std::vector<SyscallSite> syscalls;
    // Addresses the code materializes (lea reg,[rip+X]; mov reg,imm; rip-relative loads of a
    // pointer-sized constant are NOT included) that fall inside executable code: function
    // pointers taken by this function.
    std::vector<std::uint64_t> codeReferences;
    // Addresses outside the code that the function refers to: rip-relative memory operands and
    // lea targets, and (position-dependent images) absolute addresses. The linker uses them to tell
    // which data objects, and so which function pointers stored in them, the code can reach.
    std::vector<std::uint64_t> dataReferences;
    // Jump tables found and resolved (the targets became blocks); unresolved indirect jumps
    // that are not tail calls are listed here with the reason.
    std::size_t jumpTables = 0;
    std::vector<std::string> problems; // "0x1234: indirect jump not resolved (reason)"
    bool noReturn = false;             // no path reaches a ret or a tail call (exit-like), or listed in
                                       // CodeInput::noReturnFunctions
    bool operator==(const FunctionFacts&) const = default;
};

// The code of one image to analyze.
struct CodeInput {
    struct Region {
        std::uint64_t address = 0;
        std::span<const std::uint8_t> bytes;
    };
    std::vector<Region> code;                  // executable bytes
    std::vector<std::uint64_t> functionStarts; // known starts (symbols, FDEs, entry, init arrays), sorted
    // Reads pointer-sized data at an address (for jump tables in .rodata); nullopt when unmapped.
    std::function<std::optional<std::uint64_t>(std::uint64_t)> readPointer;
    std::function<std::optional<std::int32_t>(std::uint64_t)> readInt32;
    // Functions known never to return (exit, abort, __stack_chk_fail, ... resolved by the caller
    // from symbols), so that decoding stops after calls to them.
    std::vector<std::uint64_t> noReturnFunctions;
    // Pointer slots (GOT entries) of imported functions that never return: a call or jmp through
    // qword ptr [rip+slot] ends the path there (-fno-plt calls; PLT stubs jumping through such a
    // slot are then found no-return themselves, and so are their callers).
    std::vector<std::uint64_t> noReturnSlots;
    // Unknown values get their reason as text (RegValue::reason). false: as a cause code instead
    // (RegValue::cause), which costs nothing per call argument; describeUnknown() writes the text
    // of the few that are ever shown.
    bool reasonText = true;
    // True for position-dependent executables (ET_EXEC), where `mov reg, imm` / `push imm` can
    // materialize a code address; set it to false for PIE and shared objects (ET_DYN), whose small
    // immediates would otherwise be mistaken for code references.
    bool positionDependent = true;
};

// Disassembles every function by recursive descent from its start with Capstone (x86-64), builds
// its CFG (jump tables resolved, tail calls recognized) and runs the intraprocedural data-flow that
// fills RegValue for syscall numbers and call arguments. Functions discovered as call targets or
// code references that were not in functionStarts are analyzed too. Functions found never to return
// are added to noReturnFunctions and the work is repeated until that set is stable, so decoding
// stops after calls to them. Returns one entry per function, sorted by start.
// `threads` > 1 splits the work (results identical to a single-threaded run).
std::vector<FunctionFacts> analyzeCode(const CodeInput& input, unsigned threads = 1);

// The reason text of an Unknown value from its cause (RegValue::cause, causeReg, causeAt), as the
// data-flow writes it with CodeInput::reasonText; `instruction` gives the text of the instruction at
// an address ("mov rax, qword ptr [rbx + 8]").
std::string describeUnknown(std::uint8_t cause, std::uint8_t reg, std::int64_t at,
                            const std::function<std::string(std::uint64_t)>& instruction);

} // namespace swb
