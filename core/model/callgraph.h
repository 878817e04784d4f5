#pragma once

#include "model/syscall_table.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace swb {

using FunctionId = std::uint32_t;
inline constexpr FunctionId kNoFunction = std::numeric_limits<FunctionId>::max();

enum class EdgeKind : std::uint8_t {
    Direct = 0,   // call rel32 inside a module
    Import = 1,   // through the PLT/GOT to another module's symbol (bound in load order)
    TailCall = 2, // jmp to another function
    Indirect = 3, // from an indirect call site to an address-taken function (via the hub node)
    Ifunc = 4,    // an IFUNC symbol to one of its candidate implementations
    Load = 5,     // the loader runs a module's init/fini, or a program's entry
    Callback = 6, // a function passes another function's address to a call (e.g. main to
                  // __libc_start_main, a comparator to qsort): the callee may call it back
    Dlsym = 7,    // glibc calls a function it looked up in a module it loaded itself: from each NSS
                  // lookup (getpwnam, getaddrinfo, ...) to the `_nss_*` functions of the NSS services
};
std::string_view edgeKindName(EdgeKind k);

enum class EntryKind : std::uint8_t {
    ProgramEntry = 0, // e_entry of the executable
    Interpreter = 1,  // e_entry of ld.so
    Init = 2,         // .preinit_array / .init_array / DT_INIT of a module
    Fini = 3,         // .fini_array / DT_FINI of a module
    Dlopen = 4,       // a dlopen'ed module's constructors
};
std::string_view entryKindName(EntryKind k);

struct CgModule {
    std::string path;
    std::string buildId;
    std::string soname;
    std::string loadReason; // "program", "interpreter", "needed by X", "dlopen: ..."
};

struct CgFunction {
    std::uint32_t module = 0;
    std::uint64_t address = 0; // in the module's own (unrelocated) address space
    std::uint64_t size = 0;
    std::string name;       // symbol, or "sub_<hex>" for a stripped function; hubs are "<...>"
    std::string sourceFile; // from debug info, when present
    std::uint32_t line = 0;
    bool hub = false; // a synthetic node (e.g. "indirect calls of libc.so.6")
};

struct CgEdge {
    FunctionId from = 0;
    FunctionId to = 0;
    std::uint64_t site = 0; // address of the call / jump / reference in `from`'s module
    EdgeKind kind = EdgeKind::Direct;
};

// One place a syscall is made. `address` is the `syscall` instruction, or — for a number passed to a
// wrapper such as glibc's syscall() — the call in `function` that passes it, with `wrapper` set to
// the function that executes the instruction.
struct CgSyscallSite {
    FunctionId function = 0;
    std::uint64_t address = 0;
    std::int32_t nr = -1; // -1: unresolved, see reason
    std::string reason;   // why it could not be resolved
    FunctionId wrapper = kNoFunction;
};

struct CgEntry {
    FunctionId function = 0;
    EntryKind kind = EntryKind::ProgramEntry;
};

// Syscalls the code cannot show: issued by the kernel on a task's behalf or only reachable
// through mechanisms outside the call graph.
struct SpecialSyscall {
    std::int32_t nr = 0;
    std::string reason;
};

// A program's cross-module call graph with its syscall sites: what `swb analyze` produces and
// `swb why` explains.
class CallGraph {
public:
    Arch arch = Arch::X86_64;
    std::string program;
    std::vector<CgModule> modules;
    std::vector<CgFunction> functions;
    std::vector<CgEdge> edges;
    std::vector<CgSyscallSite> sites;
    std::vector<CgEntry> entries;
    std::vector<SpecialSyscall> specials;
    std::vector<std::string> notes; // missing libraries, dlopen decisions, analysis problems

    // Functions reachable from the entries (index = FunctionId).
    std::vector<bool> reachable() const;
    // Functions reachable from the given roots.
    std::vector<bool> reachableFrom(const std::vector<FunctionId>& roots) const;
    // Functions reachable from the entries without passing through a hub (no indirect call):
    // direct calls, imports, tail calls, IFUNCs, callbacks (a function address passed as an
    // argument) and loader edges only. Syscalls reachable only outside this set depend on the
    // indirect-call model, the least certain part of the analysis.
    std::vector<bool> reachableWithoutIndirect() const;
    // Sorted unique syscall numbers of reachable resolved sites plus the special cases.
    std::vector<int> syscalls() const;
    // The same for the functions marked in `live` (from reachableFrom).
    std::vector<int> syscallsOf(const std::vector<bool>& live) const;
    // Sorted syscall numbers reachable only through an indirect call: in syscalls() but not in
    // syscallsOf(reachableWithoutIndirect()).
    std::vector<int> indirectOnlySyscalls() const;
    // Functions named `spec`: "name", "module!name" (module file name), or "0xADDR" / "module!0xADDR"
    // (an address inside the function, in the program module unless a module is named).
    std::vector<FunctionId> findFunctions(std::string_view spec) const;
    // Reachable sites that could not be resolved.
    std::vector<const CgSyscallSite*> unresolvedSites() const;
    // The same among the functions marked in `live`.
    std::vector<const CgSyscallSite*> unresolvedSitesOf(const std::vector<bool>& live) const;

    struct Step {
        FunctionId function = 0;
        std::uint64_t site = 0;        // the call leaving this function (or the syscall site, last step)
        EdgeKind via = EdgeKind::Load; // how this function was entered
    };
    using Path = std::vector<Step>;
    // For each reachable site of syscall `nr`, a shortest path entry -> ... -> site (at most
    // `maxPaths`, shortest first).
    std::vector<Path> witnessPaths(int nr, std::size_t maxPaths = 8) const;

    // The shortest-path tree from the entries: for each function the edge it is first reached
    // through (kNoEdge for entries and unreachable functions).
    static constexpr std::uint32_t kNoEdge = UINT32_MAX;
    std::vector<std::uint32_t> shortestPathTree() const;

    // module!function+0xoffset for an address inside a function.
    std::string describe(FunctionId f, std::uint64_t address) const;
    std::string describe(FunctionId f) const;

private:
    std::vector<bool> search(const std::vector<FunctionId>& roots, bool throughHubs) const;
};

} // namespace swb
