#pragma once

#include "model/trace.h"
#include "profile/profile.h"
#include "trace/trace_sink.h"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace swb {

struct ValidationOptions {
    Profile profile;
    // false: complain mode (every syscall runs; the ones the profile does not allow are reported).
    // true: enforce mode (those syscalls fail with the profile's errno and are reported).
    bool enforce = false;
    bool stacks = false;              // record the call stack of each violation
    std::vector<std::string> command; // PROGRAM ARGS...; PROGRAM is searched in PATH
    TraceSink* alsoTo = nullptr;      // optional: the same trace delivered here too (a trace file)
    std::string outputFile;           // the program's stdout/stderr (TracerOptions::outputFile)
};

// One syscall the profile did not allow.
struct Violation {
    std::int64_t timeNs = 0; // since the trace start
    Pid pid = 0;
    Pid tid = 0;
    std::int32_t nr = -1;
    std::string name; // syscall_N when the number is unknown
    std::array<std::uint64_t, 6> args{};
    // What the syscall returned: in complain mode its real result, in enforce mode -errno.
    std::int64_t ret = 0;
    bool returned = true;      // false when the task never came back from it (EventNoReturn)
    std::uint32_t stackId = 0; // ValidationResult::trace.stack(id); 0 = no stack
};

struct ValidationResult {
    // The program's status as a shell reports it (128+N when killed by signal N); 128+signal when
    // the validation was interrupted.
    int exitStatus = 0;
    int interruptedBy = 0;
    Trace trace;                       // every syscall, sorted by time; violations carry EventViolation
    std::vector<Violation> violations; // in time order

    // Violations per syscall name, sorted by name.
    std::vector<std::pair<std::string, std::size_t>> countsByName() const;
};

// The events of T flagged EventViolation, in T's order.
std::vector<Violation> violationsIn(const Trace& t);

// The filter a validation run installs in the program (compileSeccompBpf bytes). Complain mode:
// every action other than Allow becomes SECCOMP_RET_TRACE(0). Enforce mode: every Errno action
// becomes SECCOMP_RET_TRACE(kTraceFailSyscall | errno); Kill, Trap and Log actions stay.
std::vector<std::uint8_t> validationFilter(const Profile& profile, bool enforce);

// The same filter as a profile that runc loads from a bundle (validation of a container the tracer
// attaches to): Errno rules and default (enforce) or every non-Allow action (complain) become
// SCMP_ACT_TRACE whose message (OCI errnoRet) is kTraceFailSyscall | errno, or 0 to let it run.
// Without a tracer attached a Trace action fails with ENOSYS (the runtime's own syscalls before
// the tracer attaches).
Profile tracingProfile(const Profile& profile, bool enforce);

// Runs a program under the ptrace tracer with the profile's filter installed right before its
// execve (it covers every process and thread the program creates), and reports the violations.
class Validator {
public:
    explicit Validator(ValidationOptions options);
    ~Validator();
    Validator(const Validator&) = delete;
    Validator& operator=(const Validator&) = delete;

    // Throws LaunchError when the program cannot be started, swb::Error when the filter cannot be
    // compiled or installed or ptrace is refused.
    ValidationResult run();
    // Stops a running validation (the program is killed, what was seen is returned).
    // Async-signal-safe; callable from any thread.
    void requestStop(int signo);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Validator(options).run().
ValidationResult validate(const ValidationOptions& options);

} // namespace swb
