#pragma once

#include "model/trace.h"

#include <cstddef>
#include <memory>

namespace swb {

// User-space call stacks of ptrace-stopped threads, unwound with elfutils libdw (CFI, with the
// frame-pointer fallback libdw has) and symbolized from the mapped ELF files, the way `strace -k`
// does it.
//
// Per process it keeps libdw's view of the address space (the modules of /proc/PID/maps, their
// symbol tables and CFI, read once) and a cache of symbolized addresses, so a stack seen before costs
// only the unwind itself: a register read and a few memory reads in the tracee.
//
// Each process's state holds a descriptor open for every mapped ELF file, so at most maxProcesses
// of them are kept; past that the one unwound longest ago is dropped, to be rebuilt (about a
// millisecond) if it is unwound again.
//
// Every call must come from the thread that ptrace-attached the tracees: libdw reads registers and
// memory with ptrace, which the kernel allows only to the tracer thread. Not thread-safe.
class StackUnwinder {
public:
    explicit StackUnwinder(std::size_t maxProcesses = 64);
    ~StackUnwinder();
    StackUnwinder(const StackUnwinder&) = delete;
    StackUnwinder& operator=(const StackUnwinder&) = delete;
    StackUnwinder(StackUnwinder&&) noexcept;
    StackUnwinder& operator=(StackUnwinder&&) noexcept;

    // Unwinds thread `tid` of process `pid` (its thread-group id), which the caller keeps
    // ptrace-stopped. At most maxFrames frames, innermost first. Never throws: when unwinding fails
    // part way it returns the frames it got (the pc frame at least, when the registers were
    // readable); a thread it cannot read at all gives an empty stack.
    Stack unwind(Pid pid, Pid tid, std::size_t maxFrames = 32);

    // The process's mappings changed (mmap, munmap, mprotect, execve returned): re-read them on the
    // next unwind. After an execve the whole libdw state of the process is rebuilt.
    void invalidate(Pid pid);

    // The process is gone: drop its state.
    void forget(Pid pid);

    // Processes with state held, for tests and diagnostics.
    std::size_t processCount() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace swb
