#pragma once

#include "trace/trace_sink.h"
#include "util/error.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace swb {

// The program could not be started: exitCode follows the shell's convention (127 not found,
// 126 not executable).
class LaunchError : public Error {
public:
    LaunchError(const std::string& message, int exitCode)
        : Error(message)
        , exitCode_(exitCode) {}
    int exitCode() const { return exitCode_; }

private:
    int exitCode_;
};

// The message of a SECCOMP_RET_TRACE action (16 bits) tells the tracer what to do with the syscall
// the filter sent it: kTraceFailSyscall | errno makes it fail with that errno (enforce mode);
// any value without that bit lets it run (complain mode, message 0). Either way the event is a
// violation (EventViolation).
inline constexpr std::uint16_t kTraceFailSyscall = 0x8000;
inline constexpr std::uint16_t kTraceErrnoMask = 0x0fff;

struct TracerOptions {
    std::vector<std::string> command; // PROGRAM ARGS...; PROGRAM is searched in PATH
    Pid attachPid = 0;                // attach to this running process and its threads instead
    bool stacks = false;              // unwind the user stack at every syscall entry
    // A compiled seccomp filter (compileSeccompBpf's bytes) that the launched program installs
    // right before its execve, so it covers the whole program and everything it forks. Syscalls
    // the filter sends to the tracer (SECCOMP_RET_TRACE) are recorded as violations. Launch mode
    // only; empty = no filter.
    std::vector<std::uint8_t> seccompFilter;
    bool violationStacks = false; // unwind the user stack at each violation (implied by stacks)
    // Launch mode: the program's stdout and stderr go to this file (created or truncated) and its
    // stdin reads /dev/null; empty = it inherits swb's.
    std::string outputFile;

    // Attach mode (a container's init process, which a runtime created and left waiting before
    // its exec): syscalls made before the attached process's first successful execve are the
    // runtime's, not the program's. They are left out of the trace and counted in
    // TracerResult::beforeExec; the trace starts at that execve.
    bool untilExec = false;
    // Attach mode: the tracees run under a filter someone else installed (runc loading the
    // bundle's profile) whose SECCOMP_RET_TRACE actions carry kTraceFailSyscall messages; they are
    // handled as a launched filter's (violations, enforced or complained).
    bool seccompStops = false;
    // Image paths: an exec'd file under this host directory (the container's root) is recorded as
    // the path inside it ("/usr/bin/redis-server"), as the program saw it.
    std::string rootPrefix;
    // Called once every thread of the attached process is seized, before any of them runs on.
    std::function<void()> onAttached;
};

struct TracerResult {
    // The traced program's status as a shell reports it: the exit code, or 128+N when killed by
    // signal N. When swb itself was interrupted it is 128+that signal.
    int exitStatus = 0;
    int interruptedBy = 0; // SIGINT/SIGTERM received by swb, 0 otherwise
    std::uint64_t events = 0;
    std::uint64_t processes = 0;
    std::uint64_t stops = 0;      // ptrace stops handled
    std::uint64_t violations = 0; // seccomp stops (syscalls the filter sent to the tracer)
    // untilExec: syscalls of the attached process before its exec (the runtime's), by number;
    // beforeExecViolations: those of them the filter sent to the tracer.
    std::map<std::int32_t, std::uint64_t> beforeExec;
    std::map<std::int32_t, std::uint64_t> beforeExecViolations;
    bool execSeen = false; // untilExec: the attached process exec'd
};

// ptrace-based tracer: follows fork, vfork, clone and exec; records every syscall with its
// arguments and return value, the process tree and signals. One Tracer runs one trace.
class Tracer {
public:
    explicit Tracer(TraceSink& sink);
    ~Tracer();
    Tracer(const Tracer&) = delete;
    Tracer& operator=(const Tracer&) = delete;

    // Runs the trace to its end. Throws LaunchError when the program cannot be started and
    // swb::Error for other setup failures (ptrace refused, no such pid).
    TracerResult run(const TracerOptions& options);

    // Asks a running trace to stop: launched tracees are killed, attached ones detached, and the
    // trace collected so far is delivered. Async-signal-safe; callable from any thread.
    void requestStop(int signo);

    // Resolves PROGRAM as execvp would; throws LaunchError (127 / 126).
    static std::string resolveProgram(const std::string& program);

private:
    struct Impl;
    Impl* impl_;
};

} // namespace swb
