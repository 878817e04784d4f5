#pragma once

#include <span>
#include <string_view>

namespace swb {

// Syscalls the kernel makes a thread issue without the program's code calling them, which neither a
// trace nor the static analysis can promise to see: every analysis lists them as special cases and
// every exported profile allows them (group "kernel").
struct KernelIssuedSyscall {
    std::string_view name;
    std::string_view reason;
};

inline constexpr KernelIssuedSyscall kKernelIssuedSyscalls[] = {
    {"restart_syscall", "issued by the kernel when a sleep interrupted by a stop (SIGSTOP, ptrace, the "
                        "cgroup freezer) resumes; no trace can promise to have seen it"},
    {"rt_sigreturn", "made by the signal trampoline (__restore_rt) the kernel returns to after a "
                     "handler; every signal handler needs it"},
};

} // namespace swb
