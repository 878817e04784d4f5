#pragma once

#include "model/syscall_table.h"

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace swb {

// What a seccomp filter does with a syscall (libseccomp's SCMP_ACT_*).
enum class SeccompAction : std::uint8_t {
    Allow,
    Errno,      // fail with an errno (value: the errno)
    KillThread, // SCMP_ACT_KILL / SCMP_ACT_KILL_THREAD
    KillProcess,
    Trap,
    Trace, // notify a ptrace tracer (value: the message, PTRACE_GETEVENTMSG)
    Log,
};

// "SCMP_ACT_ALLOW", ... as Docker/OCI JSON spell them.
std::string_view seccompActionName(SeccompAction action);
std::optional<SeccompAction> seccompActionFromName(std::string_view name);

// libseccomp's comparison operators (SCMP_CMP_*).
enum class ArgOp : std::uint8_t { NotEqual, Less, LessEqual, Equal, GreaterEqual, Greater, MaskedEqual };
std::string_view argOpName(ArgOp op); // "SCMP_CMP_EQ", ...
std::optional<ArgOp> argOpFromName(std::string_view name);

// One argument condition: args[index] OP value (MaskedEqual: (args[index] & value) == valueTwo).
struct ArgCondition {
    unsigned index = 0;
    std::uint64_t value = 0;
    std::uint64_t valueTwo = 0;
    ArgOp op = ArgOp::Equal;
    bool operator==(const ArgCondition&) const = default;
};

// One syscall's rule. A syscall may have several rules (each with its own conditions, OR'ed);
// the conditions inside one rule are AND'ed, as in libseccomp and Docker's JSON.
struct ProfileRule {
    std::string name;      // the syscall name as written
    std::optional<int> nr; // its number on the profile's architecture; nullopt when unknown there
    SeccompAction action = SeccompAction::Allow;
    int errnoRet = -1; // for Errno: the errno, -1 = the profile's defaultErrno
    std::vector<ArgCondition> args;
    std::string group;  // why the rule exists as a class: "program", "runtime:runc", "review", ...
    std::string reason; // why this syscall is in the profile, for a person reading it
};

// A seccomp profile for one architecture: a default action and per-syscall rules.
struct Profile {
    Arch arch = Arch::X86_64;
    SeccompAction defaultAction = SeccompAction::Errno;
    int defaultErrno = 1; // EPERM, as Docker's default profile
    std::vector<ProfileRule> rules;
    // Problems found while building or importing (unknown names, ignored fields): never silent.
    std::vector<std::string> warnings;

    // Numbers of the syscalls with an Allow rule (conditional ones included when asked).
    std::set<int> allowedNumbers(bool includeConditional = true) const;
    // Sorted names of the allowed syscalls known on the architecture.
    std::vector<std::string> allowedNames(bool includeConditional = true) const;
    // Adds an unconditional Allow rule unless the syscall already has one; resolves the number.
    // Returns false (and adds nothing) when the name is unknown on the architecture.
    bool allow(std::string_view name, std::string_view group, std::string_view reason);
    // The rules of one syscall.
    std::vector<const ProfileRule*> rulesFor(std::string_view name) const;
    // Removes every rule of a syscall; returns how many were removed.
    std::size_t remove(std::string_view name);
};

} // namespace swb
