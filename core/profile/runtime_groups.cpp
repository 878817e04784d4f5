#include "profile/runtime_groups.h"

#include "model/kernel_issued.h"

#include <array>

namespace swb {

namespace {

// runc, measured with Debian 12's runc 1.1.5 (libseccomp 2.5.4) on Linux 6.18, x86-64.
//
// runc init installs the filter with prctl(PR_SET_SECCOMP) on the one OS thread that then calls
// execve (no TSYNC), so only that thread's syscalls count; the runtime's other Go threads die at
// execve. When process.noNewPrivileges is true, runc loads the filter as late as it can (after
// finalizeNamespace); when it is false (Docker's default), it must load it while still privileged,
// before dropping capabilities and switching user, so more syscalls follow it.
//
// How the set was found (see docs/formats.md, "Container runtime groups"): strace -f of `runc run`
// with an allow-all filter listed the filtered thread's syscalls from the prctl to the container's
// execve, over 20 runs per mode; then, for a container process that only calls exit_group, each
// syscall was removed in turn from a default-ERRNO profile and runc run 4 times: a syscall is in
// the group when some run failed without it. The minimal sets passed 40 of 40 runs. futex and
// rt_sigreturn come from the Go runtime and are needed only in some runs (timing). Observed but not
// needed (runc tolerates their failure): getpid (the pid in the hooks' state), epoll_ctl (Go's
// poller registering /proc files; EPERM reads as "not pollable") and fcntl (F_SETFD FD_CLOEXEC on
// inherited fds, done again through /proc/self/fd).
constexpr std::array kRunc = {
    RuntimeSyscall{"openat", "runc init opens the exec FIFO (/proc/self/fd/N) to report it is ready, and "
                             "/proc/self/fd to mark inherited descriptors close-on-exec"},
    RuntimeSyscall{"write", "runc init writes \"0\" to the exec FIFO; runc start/run then lets it exec"},
    RuntimeSyscall{"close", "runc init closes its sync pipes, the exec FIFO and the /proc/self/fd directory"},
    RuntimeSyscall{"fstatfs", "runc init checks that /proc/self/fd is on procfs before trusting it"},
    RuntimeSyscall{"getdents64",
                   "runc init lists /proc/self/fd to mark every inherited descriptor close-on-exec"},
    RuntimeSyscall{"execve", "runc init executes the container process"},
    RuntimeSyscall{"futex",
                   "Go runtime: the runc init thread parks and wakes other threads (timing-dependent: "
                   "runs failed without it)"},
    RuntimeSyscall{"rt_sigreturn", "Go runtime: return from the SIGURG goroutine-preemption handler "
                                   "(timing-dependent: some runs failed without it)"},
    // Only when process.noNewPrivileges is false: the filter is loaded before finalizeNamespace.
    RuntimeSyscall{"capget",
                   "without no_new_privs: runc init reads the capability sets before applying them"},
    RuntimeSyscall{"capset", "without no_new_privs: runc init applies the container's capability sets"},
    RuntimeSyscall{"prctl",
                   "without no_new_privs: runc init sets PR_SET_KEEPCAPS around the user switch, drops the "
                   "bounding set (PR_CAPBSET_DROP) and sets the ambient set (PR_CAP_AMBIENT)"},
    RuntimeSyscall{"read", "without no_new_privs: runc init reads /proc/self/status (capabilities), "
                           "/proc/self/setgroups and /etc/passwd"},
    RuntimeSyscall{"setgroups",
                   "without no_new_privs: runc init sets the container user's supplementary groups"},
    RuntimeSyscall{"setgid", "without no_new_privs: runc init switches to the container user's gid"},
    RuntimeSyscall{"setuid", "without no_new_privs: runc init switches to the container user's uid"},
    RuntimeSyscall{"chdir", "without no_new_privs: runc init changes to process.cwd"},
    RuntimeSyscall{"getcwd",
                   "without no_new_privs: runc init checks the working directory after the user switch"},
    RuntimeSyscall{"fstat", "without no_new_privs: runc init checks the owner of stdin/stdout/stderr "
                            "(fixStdioPermissions) and stats the files it opens"},
    RuntimeSyscall{"newfstatat", "without no_new_privs: runc init stats /dev/null (fixStdioPermissions) and "
                                 "the executable (exec.LookPath)"},
    RuntimeSyscall{"faccessat2", "without no_new_privs: runc init checks that the executable may be executed "
                                 "(exec.LookPath)"},
    RuntimeSyscall{"getppid",
                   "without no_new_privs: runc init checks that its parent is still alive before exec"},
};

// crun: taken from security-profiles-operator's base profile crun-v1.26 (baseprofile-crun.yaml), NOT
// verified here: crun (not installed) fails on the development machine's cgroup setup, so it could
// not be measured like runc. The recorded list covers crun's whole container set-up, so it
// is larger than what strictly follows the filter load (crun loads it late, right before execve).
constexpr std::array kCrun = {
    RuntimeSyscall{"access", "crun: checks the executable and configuration paths"},
    RuntimeSyscall{"arch_prctl", "crun/glibc: thread-local storage set-up of the init process"},
    RuntimeSyscall{"brk", "crun/glibc: heap allocation"},
    RuntimeSyscall{"capset", "crun: applies the container's capability sets"},
    RuntimeSyscall{"chdir", "crun: changes to process.cwd"},
    RuntimeSyscall{"chmod", "crun: sets modes of created device nodes and directories"},
    RuntimeSyscall{"chown", "crun: sets owners of created files"},
    RuntimeSyscall{"close", "crun: closes descriptors before exec"},
    RuntimeSyscall{"close_range", "crun: closes or marks close-on-exec every inherited descriptor"},
    RuntimeSyscall{"dup2", "crun: sets up stdin/stdout/stderr"},
    RuntimeSyscall{"execve", "crun: executes the container process"},
    RuntimeSyscall{"exit_group", "crun: exits on failure"},
    RuntimeSyscall{"fchdir", "crun: changes directory through a descriptor (rootfs set-up)"},
    RuntimeSyscall{"fchown", "crun: sets owners of created files through descriptors"},
    RuntimeSyscall{"fstat", "crun/glibc: stats open descriptors"},
    RuntimeSyscall{"fstatfs", "crun: checks filesystem types (procfs, cgroupfs)"},
    RuntimeSyscall{"getcwd", "crun: reads the working directory"},
    RuntimeSyscall{"getegid", "crun: reads its credentials"},
    RuntimeSyscall{"geteuid", "crun: reads its credentials"},
    RuntimeSyscall{"getgid", "crun: reads its credentials"},
    RuntimeSyscall{"getuid", "crun: reads its credentials"},
    RuntimeSyscall{"ioctl", "crun: terminal set-up (TIOCSCTTY) and descriptor queries"},
    RuntimeSyscall{"lseek", "crun/glibc: file positioning while reading configuration files"},
    RuntimeSyscall{"mkdirat", "crun: creates mount points in the rootfs"},
    RuntimeSyscall{"mknodat", "crun: creates device nodes"},
    RuntimeSyscall{"mmap", "crun/glibc: memory mapping"},
    RuntimeSyscall{"mount", "crun: mounts the rootfs, /proc, /dev and the configured mounts"},
    RuntimeSyscall{"mprotect", "crun/glibc: memory protection changes"},
    RuntimeSyscall{"nanosleep", "crun: waits while synchronising with its parent"},
    RuntimeSyscall{"newfstatat", "crun: stats paths in the rootfs"},
    RuntimeSyscall{"openat", "crun: opens paths in the rootfs and /proc"},
    RuntimeSyscall{"openat2", "crun: opens paths confined to the rootfs (RESOLVE_IN_ROOT)"},
    RuntimeSyscall{"pivot_root", "crun: switches to the container's rootfs"},
    RuntimeSyscall{"prctl", "crun: capability bounding/ambient sets, no_new_privs, parent-death signal"},
    RuntimeSyscall{"pselect6", "crun: waits on its synchronisation socket"},
    RuntimeSyscall{"read", "crun: reads from its synchronisation socket and configuration files"},
    RuntimeSyscall{"readlink", "crun: resolves symlinks in the rootfs"},
    RuntimeSyscall{"rt_sigaction", "crun: resets signal handlers before exec"},
    RuntimeSyscall{"rt_sigprocmask", "crun: resets the signal mask before exec"},
    RuntimeSyscall{"set_tid_address", "crun/glibc: thread start-up"},
    RuntimeSyscall{"setgroups", "crun: sets the container user's supplementary groups"},
    RuntimeSyscall{"sethostname", "crun: sets the UTS namespace's hostname"},
    RuntimeSyscall{"setns", "crun: joins configured namespaces"},
    RuntimeSyscall{"setresgid", "crun: switches to the container user's gid"},
    RuntimeSyscall{"setresuid", "crun: switches to the container user's uid"},
    RuntimeSyscall{"setsid", "crun: starts a new session for the container process"},
    RuntimeSyscall{"statfs", "crun: checks filesystem types by path"},
    RuntimeSyscall{"statx", "crun: stats paths in the rootfs"},
    RuntimeSyscall{"symlinkat", "crun: creates /dev symlinks (fd, stdin, stdout, stderr)"},
    RuntimeSyscall{"umask", "crun: sets the process umask"},
    RuntimeSyscall{"umount2", "crun: detaches the old root after pivot_root"},
    RuntimeSyscall{"unshare", "crun: creates the configured namespaces"},
    RuntimeSyscall{"write", "crun: reports to its parent over the synchronisation socket"},
};

} // namespace

std::string_view runtimeName(Runtime runtime) {
    switch (runtime) {
    case Runtime::None:
        return "none";
    case Runtime::Runc:
        return "runc";
    case Runtime::Crun:
        return "crun";
    }
    return "none";
}

std::optional<Runtime> runtimeFromName(std::string_view name) {
    for (Runtime r : {Runtime::None, Runtime::Runc, Runtime::Crun})
        if (runtimeName(r) == name)
            return r;
    return std::nullopt;
}

std::string runtimeGroupName(Runtime runtime) {
    if (runtime == Runtime::None)
        return {};
    return "runtime:" + std::string(runtimeName(runtime));
}

std::span<const RuntimeSyscall> runtimeSyscalls(Runtime runtime) {
    switch (runtime) {
    case Runtime::None:
        return {};
    case Runtime::Runc:
        return kRunc;
    case Runtime::Crun:
        return kCrun;
    }
    return {};
}

void addRuntimeGroup(Profile& profile, Runtime runtime) {
    const std::string group = runtimeGroupName(runtime);
    for (const RuntimeSyscall& s : runtimeSyscalls(runtime))
        if (!profile.allow(s.name, group, s.reason))
            profile.warnings.push_back(group + ": syscall " + std::string(s.name) + " is not known on " +
                                       std::string(archName(profile.arch)));
}

} // namespace swb

namespace swb {

namespace {
// What libswb-phase.so (app/preload/swb_phase.c) does under the start filter: read the serving
// filter at load, wait for threads still starting, then stack the filter.
constexpr RuntimeSyscall kPhaseSwitch[] = {
    {"openat", "libswb-phase.so opens the serving filter file and /proc/self/task"},
    {"read", "libswb-phase.so reads the serving filter and thread states"},
    {"close", "libswb-phase.so closes what it opened"},
    {"getdents64", "libswb-phase.so lists /proc/self/task to wait for threads still starting"},
    {"gettid", "libswb-phase.so skips its own thread when it checks the others"},
    {"clock_nanosleep", "libswb-phase.so waits (nanosleep) for a starting thread"},
    {"nanosleep", "libswb-phase.so waits for a starting thread (older libc)"},
    {"prctl", "libswb-phase.so sets PR_SET_NO_NEW_PRIVS before stacking the filter"},
    {"seccomp", "libswb-phase.so stacks the serving filter (SECCOMP_SET_MODE_FILTER, TSYNC)"},
    {"write", "libswb-phase.so reports the switch on stderr"},
};
} // namespace

std::span<const RuntimeSyscall> phaseSwitchSyscalls() {
    return kPhaseSwitch;
}

void addPhaseSwitchGroup(Profile& profile) {
    for (const RuntimeSyscall& s : kPhaseSwitch)
        profile.allow(s.name, "phase-switch", s.reason);
}

} // namespace swb

namespace swb {

void addKernelGroup(Profile& profile, const std::vector<ReviewDecision>& decisions, PhaseSelection phase) {
    for (const KernelIssuedSyscall& s : kKernelIssuedSyscalls) {
        auto denied = [&](Phase p) {
            const ReviewDecision* d = findDecision(decisions, s.name, p);
            return d && d->verdict == ReviewDecision::Verdict::Deny;
        };
        const bool deniedHere = phase == PhaseSelection::All
                                    ? denied(Phase::Init) && denied(Phase::Serving)
                                    : denied(phase == PhaseSelection::Init ? Phase::Init : Phase::Serving);
        if (!deniedHere)
            profile.allow(s.name, "kernel", s.reason);
    }
}

} // namespace swb

namespace swb {

namespace {
constexpr RuntimeSyscall kAllocator[] = {
    {"mmap", "glibc's malloc maps a new arena or a large block whenever a thread needs one"},
    {"munmap", "glibc's malloc trims an arena's reserve or frees a large block"},
    {"mprotect", "glibc's malloc makes more of a new arena's reserve usable as it grows"},
    {"madvise", "glibc's malloc returns freed pages of an arena to the kernel"},
    {"brk", "glibc's malloc grows or trims the main arena"},
    {"mremap", "glibc's realloc moves a large block"},
};
} // namespace

std::span<const RuntimeSyscall> allocatorSyscalls() {
    return kAllocator;
}

void addAllocatorGroup(Profile& profile, const EvidenceSet& evidence,
                       const std::vector<ReviewDecision>& decisions) {
    const SyscallTable& table = SyscallTable::forArch(profile.arch);
    for (const RuntimeSyscall& s : kAllocator) {
        const auto nr = table.number(s.name);
        if (!nr)
            continue;
        const auto it = evidence.bySyscall.find(*nr);
        if (it == evidence.bySyscall.end() ||
            it->second.dynamic[static_cast<std::size_t>(Phase::Init)].count == 0)
            continue;
        if (const ReviewDecision* d = findDecision(decisions, s.name, Phase::Serving);
            d && d->verdict == ReviewDecision::Verdict::Deny)
            continue;
        profile.allow(s.name, "allocator", std::string(s.reason) + "; seen during init");
    }
}

} // namespace swb
