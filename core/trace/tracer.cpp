#include "trace/tracer.h"

#include "profile/seccomp_filter.h"
#include "trace/stack_unwinder.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <sched.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <unordered_map>

extern char** environ;

namespace swb {

namespace {

constexpr int kTimerSignalOffset = 3; // SIGRTMIN+3 wakes a blocked waitpid after a stop request

std::int64_t monotonicNs() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::int64_t realtimeNs() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::string errnoText(int err) {
    return std::strerror(err);
}

std::string readLink(const std::string& path) {
    char buf[4096];
    const auto n = ::readlink(path.c_str(), buf, sizeof buf - 1);
    if (n < 0)
        return {};
    return std::string(buf, static_cast<std::size_t>(n));
}

std::vector<std::string> readCmdline(Pid pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
    std::vector<std::string> argv;
    std::string arg;
    while (std::getline(in, arg, '\0'))
        argv.push_back(arg);
    return argv;
}

// Tgid and PPid of a task from /proc; zeros when it is gone.
std::pair<Pid, Pid> readTgidPpid(Pid tid) {
    std::ifstream in("/proc/" + std::to_string(tid) + "/status");
    std::string line;
    Pid tgid = 0, ppid = 0;
    while (std::getline(in, line)) {
        if (line.starts_with("Tgid:"))
            tgid = static_cast<Pid>(std::stol(line.substr(5)));
        else if (line.starts_with("PPid:")) {
            ppid = static_cast<Pid>(std::stol(line.substr(5)));
            break;
        }
    }
    return {tgid, ppid};
}

std::vector<Pid> listThreads(Pid pid) {
    std::vector<Pid> tids;
    const std::string dir = "/proc/" + std::to_string(pid) + "/task";
    if (DIR* d = ::opendir(dir.c_str())) {
        while (dirent* ent = ::readdir(d)) {
            if (ent->d_name[0] >= '0' && ent->d_name[0] <= '9')
                tids.push_back(static_cast<Pid>(std::atoi(ent->d_name)));
        }
        ::closedir(d);
    }
    return tids;
}

bool isGroupStopSignal(int sig) {
    return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

void wakeHandler(int) {}

} // namespace

struct Tracer::Impl {
    struct Task {
        Pid tid = 0;
        Pid tgid = 0;
        bool hasPending = false;
        bool pendingFromSeccomp = false; // opened by a seccomp stop that came before the entry stop
        SyscallEvent pending;
    };

    explicit Impl(TraceSink& s)
        : sink(s) {}

    TraceSink& sink;
    std::atomic<int> stopSignal{0};
    std::atomic<bool> timerArmed{false};
    timer_t wakeTimer{};
    bool haveTimer = false;

    bool attachMode = false;
    bool untilExec = false;
    Pid execTid = 0;        // untilExec: the thread whose execve may start the trace
    std::string rootPrefix; // TracerOptions::rootPrefix, without a trailing slash
    bool recording = false;
    bool stopping = false;
    Pid root = 0;
    int rootStatus = -1; // shell-style status of the root process, once known
    std::int64_t t0 = 0;
    std::unordered_map<Pid, Task> tasks;
    std::unordered_map<Pid, ProcessInfo> live;               // by tgid
    std::unique_ptr<StackUnwinder> unwinder;                 // set when stacks are recorded
    bool stacksAtEntry = false;                              // every event, not only violations
    std::unordered_map<std::string, std::uint32_t> stackIds; // frame ips -> id given to the sink
    int filterErrorFd = -1; // read end of the launched child's filter-error pipe
    int nrExecve = SYS_execve;
    int nrExecveat = SYS_execveat;
    TracerResult result;

    std::int64_t now() const { return monotonicNs() - t0; }

    std::string imagePath(std::string hostPath) const {
        if (!rootPrefix.empty() && hostPath.size() > rootPrefix.size() &&
            hostPath.compare(0, rootPrefix.size(), rootPrefix) == 0 && hostPath[rootPrefix.size()] == '/')
            return hostPath.substr(rootPrefix.size());
        return hostPath;
    }

    void emitEvent(SyscallEvent& e) {
        sink.event(e);
        ++result.events;
    }

    void finishPending(Task& t, std::uint8_t extraFlags) {
        if (!t.hasPending)
            return;
        t.pending.flags |= extraFlags;
        emitEvent(t.pending);
        t.hasPending = false;
        t.pendingFromSeccomp = false;
    }

    ProcessInfo& newProcess(Pid pid, Pid parent, const ProcessInfo* inheritFrom) {
        ProcessInfo p;
        p.pid = pid;
        p.parent = parent;
        p.startNs = recording ? now() : 0;
        if (inheritFrom) {
            p.image = inheritFrom->image;
            p.argv = inheritFrom->argv;
        }
        p.threads.push_back(pid);
        auto& slot = live[pid];
        slot = std::move(p);
        ++result.processes;
        if (recording)
            sink.process(slot);
        return slot;
    }

    Task& addTask(Pid tid, Pid tgid) {
        auto& t = tasks[tid];
        t.tid = tid;
        t.tgid = tgid;
        return t;
    }

    // A stop from a task we have not been told about yet: a new child whose creation event is
    // still queued behind its own first stop.
    Task& adoptUnknown(Pid tid) {
        auto [tgid, ppid] = readTgidPpid(tid);
        if (tgid == 0)
            tgid = tid;
        if (tgid == tid) {
            if (!live.count(tid)) {
                auto parentIt = live.find(ppid);
                newProcess(tid, parentIt != live.end() ? ppid : 0,
                           parentIt != live.end() ? &parentIt->second : nullptr);
            }
        } else {
            auto it = live.find(tgid);
            if (it != live.end())
                it->second.threads.push_back(tid);
        }
        if (stopping && !attachMode)
            ::kill(tid, SIGKILL);
        return addTask(tid, tgid);
    }

    void resume(Pid tid, int sig) {
        ::ptrace(PTRACE_SYSCALL, tid, nullptr, reinterpret_cast<void*>(static_cast<long>(sig)));
    }

    void onSyscallStop(Task& t) {
        __ptrace_syscall_info info{};
        if (::ptrace(PTRACE_GET_SYSCALL_INFO, t.tid, sizeof info, &info) <= 0)
            return;
        if (info.op == PTRACE_SYSCALL_INFO_ENTRY) {
            const auto nr = static_cast<std::int32_t>(info.entry.nr);
            if (!recording && !(untilExec && t.tid == execTid)) {
                if (t.tgid != root || (nr != nrExecve && nr != nrExecveat)) {
                    if (untilExec)
                        ++result.beforeExec[nr];
                    return;
                }
                if (untilExec) {
                    // The trace starts when this exec succeeds (PTRACE_EVENT_EXEC): the runtime's
                    // other threads run on until then and are not the program.
                    execTid = t.tid;
                } else {
                    recording = true;
                    for (auto& [pid, p] : live)
                        sink.process(p);
                }
            }
            if (t.pendingFromSeccomp && t.pending.nr == nr) {
                // Kernels before 4.8 report the seccomp stop first: that event is this one.
                t.pendingFromSeccomp = false;
                return;
            }
            finishPending(t, EventNoReturn);
            t.pending.timeNs = now();
            t.pending.pid = t.tgid;
            t.pending.tid = t.tid;
            t.pending.nr = nr;
            for (std::size_t k = 0; k < 6; ++k)
                t.pending.args[k] = info.entry.args[k];
            t.pending.ret = 0;
            t.pending.flags = 0;
            t.pending.stackId = stacksAtEntry ? stackIdFor(t) : 0;
            t.hasPending = true;
        } else if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
            if (!recording && t.hasPending) {
                // untilExec: the runtime's exec failed; still the runtime's.
                ++result.beforeExec[t.pending.nr];
                t.hasPending = false;
                t.pendingFromSeccomp = false;
                execTid = 0;
                return;
            }
            if (t.hasPending) {
                t.pending.ret = info.exit.rval;
                emitEvent(t.pending);
                t.hasPending = false;
                t.pendingFromSeccomp = false;
                if (unwinder && changesMappings(t.pending.nr))
                    unwinder->invalidate(t.tgid);
            } else if (recording) {
                // Attached in the middle of a syscall: its entry happened before the trace.
                user_regs_struct regs{};
                if (::ptrace(PTRACE_GETREGS, t.tid, nullptr, &regs) == 0) {
                    SyscallEvent e;
                    e.timeNs = now();
                    e.pid = t.tgid;
                    e.tid = t.tid;
                    e.nr = static_cast<std::int32_t>(regs.orig_rax);
                    e.args = {regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8, regs.r9};
                    e.ret = info.exit.rval;
                    emitEvent(e);
                }
            }
        }
    }

    // PTRACE_EVENT_SECCOMP: the filter sent this syscall to us (SECCOMP_RET_TRACE), so it is a
    // violation. Since Linux 4.8 the stop comes after the syscall-entry stop (the event is already
    // pending) and before the syscall runs; a syscall skipped here still gets its exit stop, which
    // records the return value we set.
    void onSeccompStop(Task& t, unsigned long message) {
        if (!recording) {
            // The runtime's own syscall before the exec (untilExec): counted, not traced.
            __ptrace_syscall_info info{};
            if (::ptrace(PTRACE_GET_SYSCALL_INFO, t.tid, sizeof info, &info) > 0 &&
                info.op == PTRACE_SYSCALL_INFO_SECCOMP)
                ++result.beforeExecViolations[static_cast<std::int32_t>(info.seccomp.nr)];
        } else {
            ++result.violations;
        }
        if (!t.hasPending) {
            // No entry stop before this one (a kernel older than 4.8): open the event here.
            __ptrace_syscall_info info{};
            if (::ptrace(PTRACE_GET_SYSCALL_INFO, t.tid, sizeof info, &info) > 0 &&
                info.op == PTRACE_SYSCALL_INFO_SECCOMP && recording) {
                t.pending = {};
                t.pending.timeNs = now();
                t.pending.pid = t.tgid;
                t.pending.tid = t.tid;
                t.pending.nr = static_cast<std::int32_t>(info.seccomp.nr);
                for (std::size_t k = 0; k < 6; ++k)
                    t.pending.args[k] = info.seccomp.args[k];
                t.hasPending = true;
                t.pendingFromSeccomp = true;
            }
        }
        if (t.hasPending) {
            t.pending.flags |= EventViolation;
            if (unwinder && t.pending.stackId == 0)
                t.pending.stackId = stackIdFor(t);
        }
        if (message & kTraceFailSyscall) {
            // Enforce: skip the syscall (number -1) and make it return -errno.
            user_regs_struct regs{};
            if (::ptrace(PTRACE_GETREGS, t.tid, nullptr, &regs) == 0) {
                regs.orig_rax = static_cast<unsigned long long>(-1LL);
                regs.rax =
                    static_cast<unsigned long long>(-static_cast<long long>(message & kTraceErrnoMask));
                ::ptrace(PTRACE_SETREGS, t.tid, nullptr, &regs);
            }
        }
    }

    static bool changesMappings(int nr) {
        return nr == SYS_mmap || nr == SYS_munmap || nr == SYS_mprotect || nr == SYS_mremap ||
               nr == SYS_remap_file_pages || nr == SYS_pkey_mprotect;
    }

    // Unwinds the stack at a syscall entry and gives it an id, delivering each distinct stack to
    // the sink once.
    std::uint32_t stackIdFor(const Task& t) {
        const Stack stack = unwinder->unwind(t.tgid, t.tid);
        if (stack.empty())
            return 0;
        std::string key;
        key.reserve(stack.size() * sizeof(std::uint64_t));
        for (const auto& f : stack)
            key.append(reinterpret_cast<const char*>(&f.ip), sizeof f.ip);
        key.append(reinterpret_cast<const char*>(&t.tgid), sizeof t.tgid);
        auto [it, inserted] =
            stackIds.try_emplace(std::move(key), static_cast<std::uint32_t>(stackIds.size() + 1));
        if (inserted)
            sink.stack(it->second, stack);
        return it->second;
    }

    bool cloneIsThread(const Task& t) {
        if (!t.hasPending)
            return false;
        std::uint64_t flags = 0;
        if (t.pending.nr == SYS_clone) {
            flags = t.pending.args[0];
        } else if (t.pending.nr == SYS_clone3) {
            iovec local{&flags, sizeof flags};
            iovec remote{reinterpret_cast<void*>(t.pending.args[0]), sizeof flags};
            if (::process_vm_readv(t.tid, &local, 1, &remote, 1, 0) != sizeof flags)
                return readTgidPpid(t.tid).first == t.tgid;
        }
        return (flags & CLONE_THREAD) != 0;
    }

    void onPtraceEvent(Task& t, int event) {
        unsigned long msg = 0;
        ::ptrace(PTRACE_GETEVENTMSG, t.tid, nullptr, &msg);
        const auto other = static_cast<Pid>(msg);
        switch (event) {
        case PTRACE_EVENT_FORK:
        case PTRACE_EVENT_VFORK:
        case PTRACE_EVENT_CLONE: {
            if (tasks.count(other))
                return; // its first stop came first and adoptUnknown() already placed it
            const bool thread = event == PTRACE_EVENT_CLONE && cloneIsThread(t);
            if (thread) {
                addTask(other, t.tgid);
                live[t.tgid].threads.push_back(other);
            } else {
                addTask(other, other);
                auto parentIt = live.find(t.tgid);
                newProcess(other, t.tgid, parentIt != live.end() ? &parentIt->second : nullptr);
            }
            if (stopping && !attachMode)
                ::kill(other, SIGKILL);
            break;
        }
        case PTRACE_EVENT_EXEC: {
            const Pid tgid = t.tgid;
            if (other != t.tid) {
                // A non-leader thread exec'd: it now carries the leader's tid, and the old leader
                // is gone without a report of its own.
                auto former = tasks.find(other);
                if (former != tasks.end()) {
                    Task moved = former->second;
                    tasks.erase(former);
                    finishPending(t, EventNoReturn);
                    moved.tid = t.tid;
                    moved.pending.tid = t.tid;
                    tasks[t.tid] = moved;
                }
            }
            if (unwinder)
                unwinder->invalidate(tgid);
            auto& p = live[tgid];
            p.pid = tgid;
            p.image = imagePath(readLink("/proc/" + std::to_string(tgid) + "/exe"));
            if (tgid == root && untilExec) {
                result.execSeen = true;
                if (!recording) {
                    recording = true;
                    execTid = 0;
                    for (auto& [pid, proc] : live)
                        if (pid != tgid)
                            sink.process(proc);
                }
            }
            p.argv = readCmdline(tgid);
            if (recording)
                sink.process(p);
            break;
        }
        case PTRACE_EVENT_SECCOMP:
            onSeccompStop(t, msg);
            break;
        default:
            break;
        }
    }

    void onTaskGone(Pid tid, int status) {
        auto it = tasks.find(tid);
        Pid tgid = tid;
        if (it != tasks.end()) {
            tgid = it->second.tgid;
            finishPending(it->second, EventNoReturn);
            tasks.erase(it);
        }
        if (tid != tgid)
            return;
        if (unwinder)
            unwinder->forget(tgid);
        auto p = live.find(tgid);
        if (p == live.end())
            return;
        p->second.endNs = now();
        if (WIFEXITED(status)) {
            p->second.exitKind = ExitKind::Exited;
            p->second.exitValue = WEXITSTATUS(status);
        } else {
            p->second.exitKind = ExitKind::Killed;
            p->second.exitValue = WTERMSIG(status);
        }
        if (tgid == root)
            rootStatus = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (recording)
            sink.process(p->second);
        live.erase(p);
    }

    void beginStop() {
        stopping = true;
        if (attachMode) {
            for (auto& [tid, t] : tasks)
                ::ptrace(PTRACE_INTERRUPT, tid, nullptr, nullptr);
        } else {
            std::set<Pid> groups;
            for (auto& [tid, t] : tasks)
                groups.insert(t.tgid);
            for (Pid g : groups)
                ::kill(g, SIGKILL);
        }
    }

    // In attach mode while stopping: let a stopped task go, delivering the signal it stopped for.
    void detach(Task& t, int sig) {
        finishPending(t, EventNoReturn);
        ::ptrace(PTRACE_DETACH, t.tid, nullptr, reinterpret_cast<void*>(static_cast<long>(sig)));
        const Pid tid = t.tid;
        const Pid tgid = t.tgid;
        tasks.erase(tid);
        if (tid == tgid) {
            auto p = live.find(tgid);
            if (p != live.end()) {
                p->second.exitKind = ExitKind::Detached;
                p->second.endNs = now();
                sink.process(p->second);
                live.erase(p);
            }
        }
    }

    void loop() {
        for (;;) {
            if (stopSignal.load(std::memory_order_relaxed) && !stopping)
                beginStop();
            if (tasks.empty())
                break;
            int status = 0;
            const Pid tid = ::waitpid(-1, &status, __WALL);
            if (tid < 0) {
                if (errno == EINTR)
                    continue;
                break; // ECHILD: nothing left
            }
            ++result.stops;
            if (WIFEXITED(status) || WIFSIGNALED(status)) {
                onTaskGone(tid, status);
                continue;
            }
            if (!WIFSTOPPED(status))
                continue;
            auto found = tasks.find(tid);
            Task& t = found != tasks.end() ? found->second : adoptUnknown(tid);
            const int sig = WSTOPSIG(status);
            const int event = status >> 16;
            if (sig == (SIGTRAP | 0x80)) {
                onSyscallStop(t);
                if (stopping && attachMode)
                    detach(t, 0);
                else
                    resume(tid, 0);
            } else if (event == PTRACE_EVENT_STOP) {
                if (stopping && attachMode)
                    detach(t, 0);
                else if (isGroupStopSignal(sig))
                    ::ptrace(PTRACE_LISTEN, tid, nullptr, nullptr);
                else
                    resume(tid, 0);
            } else if (event != 0) {
                onPtraceEvent(t, event);
                if (stopping && attachMode)
                    detach(tasks.at(tid), 0);
                else
                    resume(tid, 0);
            } else {
                if (recording)
                    sink.signal({now(), t.tgid, tid, sig});
                if (stopping && attachMode)
                    detach(t, sig);
                else
                    resume(tid, sig);
            }
        }
    }

    void setupWakeTimer() {
        struct sigaction sa {};
        sa.sa_handler = wakeHandler;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0; // no SA_RESTART: the signal must interrupt waitpid
        ::sigaction(SIGRTMIN + kTimerSignalOffset, &sa, nullptr);
        sigevent sev{};
        sev.sigev_notify = SIGEV_THREAD_ID;
        sev.sigev_signo = SIGRTMIN + kTimerSignalOffset;
        sev._sigev_un._tid = static_cast<pid_t>(::syscall(SYS_gettid));
        haveTimer = ::timer_create(CLOCK_MONOTONIC, &sev, &wakeTimer) == 0;
    }

    void closeFilterErrorFd() {
        if (filterErrorFd >= 0)
            ::close(filterErrorFd);
        filterErrorFd = -1;
    }

    void teardownWakeTimer() {
        if (haveTimer)
            ::timer_delete(wakeTimer);
        haveTimer = false;
    }
};

Tracer::Tracer(TraceSink& sink)
    : impl_(new Impl(sink)) {}

Tracer::~Tracer() {
    impl_->closeFilterErrorFd();
    delete impl_;
}

void Tracer::requestStop(int signo) {
    impl_->stopSignal.store(signo ? signo : SIGTERM);
    if (impl_->haveTimer && !impl_->timerArmed.exchange(true)) {
        // Interrupt waitpid now and every 50 ms until the loop notices (closes the race between
        // checking the flag and blocking).
        itimerspec its{};
        its.it_value.tv_nsec = 1'000'000;
        its.it_interval.tv_nsec = 50'000'000;
        ::timer_settime(impl_->wakeTimer, 0, &its, nullptr);
    }
}

std::string Tracer::resolveProgram(const std::string& program) {
    if (program.empty())
        throw LaunchError("empty program name", 127);
    auto check = [](const std::string& path) -> int {
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0)
            return 127;
        if (S_ISDIR(st.st_mode) || ::access(path.c_str(), X_OK) != 0)
            return 126;
        return 0;
    };
    if (program.find('/') != std::string::npos) {
        const int rc = check(program);
        if (rc == 127)
            throw LaunchError(program + ": No such file or directory", 127);
        if (rc == 126)
            throw LaunchError(program + ": Permission denied (not an executable file)", 126);
        return program;
    }
    const char* pathEnv = std::getenv("PATH");
    std::string path = pathEnv ? pathEnv : "/usr/local/bin:/usr/bin:/bin";
    std::istringstream dirs(path);
    std::string dir;
    bool foundNonExecutable = false;
    while (std::getline(dirs, dir, ':')) {
        const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + program;
        const int rc = check(candidate);
        if (rc == 0)
            return candidate;
        if (rc == 126)
            foundNonExecutable = true;
    }
    if (foundNonExecutable)
        throw LaunchError(program + ": Permission denied (not an executable file)", 126);
    throw LaunchError(program + ": command not found", 127);
}

TracerResult Tracer::run(const TracerOptions& options) {
    Impl& d = *impl_;
    d.attachMode = options.attachPid != 0;
    const bool filtered = !options.seccompFilter.empty();
    if (filtered && d.attachMode)
        throw Error("a seccomp filter can only be installed in a launched program, not with attach");
    if ((options.untilExec || options.seccompStops) && !d.attachMode)
        throw Error("untilExec and seccompStops are for attach mode");
    d.untilExec = options.untilExec;
    d.rootPrefix = options.rootPrefix;
    while (d.rootPrefix.size() > 1 && d.rootPrefix.back() == '/')
        d.rootPrefix.pop_back();
    const bool seccompStops = filtered || options.seccompStops;
    const long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
                      PTRACE_O_TRACEEXEC | (d.attachMode ? 0 : PTRACE_O_EXITKILL) |
                      (seccompStops ? PTRACE_O_TRACESECCOMP : 0);
    // The program gets swb's environment as it was when the trace started.
    std::vector<std::string> environment;
    for (char** e = environ; *e; ++e)
        environment.emplace_back(*e);
    d.stacksAtEntry = options.stacks;
    if (options.stacks || (seccompStops && options.violationStacks)) {
        d.unwinder = std::make_unique<StackUnwinder>();
        // Symbols come from the files on this machine; never stall a stop on a debuginfod download.
        ::unsetenv("DEBUGINFOD_URLS");
    }
    d.setupWakeTimer();
    d.t0 = monotonicNs();

    if (d.attachMode) {
        const Pid pid = options.attachPid;
        std::vector<std::string> command = {"attach", std::to_string(pid)};
        if (!options.command.empty())
            command = options.command; // what the attached process is about to run (untilExec)
        d.sink.begin(Arch::X86_64, command, realtimeNs());
        d.recording = !options.untilExec;
        d.root = pid;
        std::set<Pid> seized;
        // Threads may be created while we attach: repeat until a pass finds no new one.
        for (bool added = true; added;) {
            added = false;
            for (Pid tid : listThreads(pid)) {
                if (seized.count(tid))
                    continue;
                if (::ptrace(PTRACE_SEIZE, tid, nullptr, reinterpret_cast<void*>(opts)) != 0) {
                    const int err = errno;
                    if (tid == pid) {
                        d.teardownWakeTimer();
                        throw Error("cannot attach to process " + std::to_string(pid) + ": " +
                                    errnoText(err));
                    }
                    continue;
                }
                seized.insert(tid);
                added = true;
                d.addTask(tid, pid);
                ::ptrace(PTRACE_INTERRUPT, tid, nullptr, nullptr);
            }
        }
        if (seized.empty()) {
            d.teardownWakeTimer();
            throw Error("cannot attach to process " + std::to_string(pid) + ": no such process");
        }
        ProcessInfo p;
        p.pid = pid;
        p.image = d.imagePath(readLink("/proc/" + std::to_string(pid) + "/exe"));
        p.argv = readCmdline(pid);
        p.threads.assign(seized.begin(), seized.end());
        d.live[pid] = p;
        ++d.result.processes;
        if (d.recording)
            d.sink.process(p);
        if (options.onAttached)
            options.onAttached();
    } else {
        const std::string path = resolveProgram(options.command.at(0));
        std::vector<char*> argv;
        for (const auto& a : options.command)
            argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        std::vector<char*> envp;
        for (auto& e : environment)
            envp.push_back(e.data());
        envp.push_back(nullptr);
        // The child reports a filter it could not install through this pipe (closed by its exec).
        int filterPipe[2] = {-1, -1};
        if (filtered && ::pipe2(filterPipe, O_CLOEXEC | O_NONBLOCK) != 0) {
            d.teardownWakeTimer();
            throw Error(std::string("pipe failed: ") + errnoText(errno));
        }
        // The program's stdin and output when asked (the workbench has no terminal to give it).
        int inFd = -1, outFd = -1;
        if (!options.outputFile.empty()) {
            inFd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
            outFd = ::open(options.outputFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (inFd < 0 || outFd < 0) {
                const int err = errno;
                if (inFd >= 0)
                    ::close(inFd);
                if (filtered) {
                    ::close(filterPipe[0]);
                    ::close(filterPipe[1]);
                }
                d.teardownWakeTimer();
                throw Error(options.outputFile +
                            ": cannot create the program's output file: " + errnoText(err));
            }
        }
        // Built before fork: the child of a multi-threaded tracer may not allocate.
        const std::string execFailure = "swb: " + path + ": ";
        d.sink.begin(Arch::X86_64, options.command, realtimeNs());
        const pid_t child = ::fork();
        if (child < 0) {
            const int err = errno;
            if (filtered) {
                ::close(filterPipe[0]);
                ::close(filterPipe[1]);
            }
            if (inFd >= 0) {
                ::close(inFd);
                ::close(outFd);
            }
            d.teardownWakeTimer();
            throw Error(std::string("fork failed: ") + errnoText(err));
        }
        if (child == 0) {
            if (inFd >= 0) {
                ::dup2(inFd, 0);
                ::dup2(outFd, 1);
                ::dup2(outFd, 2);
            }
            ::raise(SIGSTOP); // wait until the tracer has seized us
            if (filtered) {
                // After the handshake, so the tracer sees the filter's first TRACE action.
                const int err =
                    installSeccompBpf(options.seccompFilter.data(), options.seccompFilter.size(), false);
                if (err != 0) {
                    [[maybe_unused]] auto n = ::write(filterPipe[1], &err, sizeof err);
                    ::_exit(126);
                }
            }
            ::execve(path.c_str(), argv.data(), envp.data());
            const int err = errno;
            const char* what = ::strerrordesc_np(err);
            [[maybe_unused]] auto n = ::write(2, execFailure.data(), execFailure.size());
            if (what)
                n = ::write(2, what, std::strlen(what));
            n = ::write(2, "\n", 1);
            ::_exit(err == ENOENT ? 127 : 126);
        }
        if (inFd >= 0) {
            ::close(inFd);
            ::close(outFd);
        }
        if (filtered) {
            ::close(filterPipe[1]);
            d.filterErrorFd = filterPipe[0];
        }
        int status = 0;
        // A stop requested meanwhile wakes this thread with the timer signal: wait on (the trace
        // loop acts on the request once the child is seized).
        Pid waited = -1;
        while ((waited = ::waitpid(child, &status, WSTOPPED)) < 0 && errno == EINTR) {
        }
        if (waited != child || !WIFSTOPPED(status) ||
            ::ptrace(PTRACE_SEIZE, child, nullptr, reinterpret_cast<void*>(opts)) != 0) {
            const int err = errno;
            ::kill(child, SIGKILL);
            while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
            }
            d.closeFilterErrorFd();
            d.teardownWakeTimer();
            throw Error("cannot trace " + path + ": ptrace: " + errnoText(err));
        }
        d.root = child;
        d.addTask(child, child);
        ProcessInfo& p = d.newProcess(child, 0, nullptr);
        p.image = path;
        p.argv = options.command;
        ::kill(child, SIGCONT);
    }

    d.loop();
    d.teardownWakeTimer();
    if (d.filterErrorFd >= 0) {
        // Non-blocking: only a child that failed before its exec wrote here.
        int err = 0;
        const auto n = ::read(d.filterErrorFd, &err, sizeof err);
        d.closeFilterErrorFd();
        if (n == sizeof err)
            throw Error("cannot install the seccomp filter in " + options.command.at(0) +
                        ": seccomp: " + errnoText(err));
    }

    // Processes still alive (attach mode ended by exit of the group leader's threads, or detached).
    for (auto& [pid, p] : d.live)
        if (d.recording)
            d.sink.process(p);
    d.live.clear();

    d.result.interruptedBy = d.stopSignal.load();
    if (d.attachMode)
        d.result.exitStatus = d.rootStatus >= 0 ? d.rootStatus : 0;
    else if (d.result.interruptedBy)
        d.result.exitStatus = 128 + d.result.interruptedBy;
    else
        d.result.exitStatus = d.rootStatus >= 0 ? d.rootStatus : 0;
    d.sink.end();
    return d.result;
}

} // namespace swb
