#include "enforce/container_run.h"

#include "enforce/oci_bundle.h"
#include "util/error.h"
#include "util/process.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace swb {

namespace {

// What the controller process tells the tracing process when it is done.
struct ControllerReport {
    int startStatus = -1;
    int clientStatus = -1;
    int portOpened = 1;
    int stoppedByUs = 0;
    int killed = 0;
};

std::int64_t monotonicMs() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

int pidfdOpen(pid_t pid) {
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

// An argv kept alive as char* for a child that may not allocate.
struct Argv {
    std::vector<std::string> words;
    std::vector<char*> ptrs;
    explicit Argv(std::vector<std::string> w)
        : words(std::move(w)) {
        for (auto& s : words)
            ptrs.push_back(s.data());
        ptrs.push_back(nullptr);
    }
};

int shellStatus(int status) {
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

// In the controller (a forked process): fork and exec ARGV with stdin /dev/null and stdout/stderr
// to OUTFD (-1: inherited); optionally enter NETFD's network namespace and wait for a port first.
pid_t spawn(const Argv& argv, int outFd, int netFd, int port, std::int64_t portDeadlineMs) {
    const pid_t pid = ::fork();
    if (pid != 0)
        return pid;
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0)
        ::dup2(devnull, 0);
    if (outFd >= 0) {
        ::dup2(outFd, 1);
        ::dup2(outFd, 2);
    }
    if (netFd >= 0 && ::setns(netFd, CLONE_NEWNET) != 0)
        ::_exit(125);
    if (port > 0) {
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<std::uint16_t>(port));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        for (;;) {
            const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            const bool ok = s >= 0 && ::connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
            if (s >= 0)
                ::close(s);
            if (ok)
                break;
            if (monotonicMs() > portDeadlineMs)
                ::_exit(124); // the port never opened
            ::usleep(20'000);
        }
    }
    ::execvp(argv.ptrs[0], argv.ptrs.data());
    ::_exit(errno == ENOENT ? 127 : 126);
}

// Waits until one of FDS is readable or the deadline (ms, monotonic; <0 none) passes. Returns the
// index of the first ready descriptor, or -1 on timeout.
int waitAny(std::vector<pollfd> fds, std::int64_t deadlineMs) {
    for (;;) {
        int timeout = -1;
        if (deadlineMs >= 0)
            timeout = static_cast<int>(std::clamp<std::int64_t>(deadlineMs - monotonicMs(), 0, 1 << 30));
        for (auto& f : fds)
            f.revents = 0;
        const int n = ::poll(fds.data(), fds.size(), timeout);
        if (n < 0 && errno == EINTR)
            continue;
        if (n > 0) {
            for (std::size_t i = 0; i < fds.size(); ++i)
                if (fds[i].revents)
                    return static_cast<int>(i);
        }
        if (deadlineMs >= 0 && monotonicMs() >= deadlineMs)
            return -1;
    }
}

} // namespace

struct ContainerRun::Impl {
    Impl(ContainerRunOptions o, TraceSink& s)
        : options(std::move(o))
        , sink(s) {}
    ContainerRunOptions options;
    TraceSink& sink;
    int stopWrite = -1; // write end of the controller's stop pipe (requestStop)
};

ContainerRun::ContainerRun(ContainerRunOptions options, TraceSink& sink)
    : impl_(std::make_unique<Impl>(std::move(options), sink)) {}

ContainerRun::~ContainerRun() = default;

void ContainerRun::requestStop() {
    const int fd = impl_->stopWrite;
    if (fd >= 0) {
        const char c = 's';
        [[maybe_unused]] auto n = ::write(fd, &c, 1);
    }
}

ContainerRunResult ContainerRun::run() {
    const ContainerRunOptions& o = impl_->options;
    namespace fs = std::filesystem;
    std::string runc = o.runc;
    if (runc.empty()) {
        const auto found = findRunc();
        if (!found)
            throw Error("runc: not found in PATH (Debian package runc)");
        runc = *found;
    }
    std::error_code ec;
    const std::string bundle = fs::absolute(o.bundleDir, ec).lexically_normal().string();
    const std::string rootPrefix = fs::weakly_canonical(o.rootfs, ec).string();

    std::vector<std::string> global = {runc};
    if (!o.stateRoot.empty())
        global.insert(global.end(), {"--root", o.stateRoot});
    const int logFd = memoryFile("swb-runc-log", false);
    const std::vector<std::string> logArgs = {"--log", "/proc/self/fd/" + std::to_string(logFd),
                                              "--log-format", "json"};
    int outFd = -1;
    if (!o.outputFile.empty()) {
        outFd = ::open(o.outputFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (outFd < 0) {
            const int err = errno;
            ::close(logFd);
            throw Error(o.outputFile + ": cannot create the container's output file: " + std::strerror(err));
        }
    }
    int clientOutFd = -1;
    if (!o.clientOutputFile.empty()) {
        clientOutFd = ::open(o.clientOutputFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (clientOutFd < 0) {
            const int err = errno;
            ::close(logFd);
            if (outFd >= 0)
                ::close(outFd);
            throw Error(o.clientOutputFile +
                        ": cannot create the client's output file: " + std::strerror(err));
        }
    }

    // Whatever happens from here on, the container is deleted and the descriptors closed.
    struct Cleanup {
        std::vector<std::string> del;
        std::vector<int> fds;
        ~Cleanup() {
            try {
                const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
                (void)runProcess(del, devnull, devnull);
                if (devnull >= 0)
                    ::close(devnull);
            } catch (const Error&) {
            }
            for (int fd : fds)
                if (fd >= 0)
                    ::close(fd);
        }
    } cleanup;
    cleanup.del = global;
    cleanup.del.insert(cleanup.del.end(), {"delete", "--force", o.id});
    cleanup.fds = {logFd, outFd, clientOutFd};

    ContainerRunResult result;
    const std::string pidFile = bundle + "/swb-init.pid";
    fs::remove(pidFile, ec);
    {
        std::vector<std::string> argv = global;
        argv.insert(argv.end(), logArgs.begin(), logArgs.end());
        argv.insert(argv.end(), {"create", "--bundle", bundle, "--pid-file", pidFile, o.id});
        const int status = runProcess(argv, outFd, outFd);
        if (status != 0) {
            result.runtimeLog = readBack(logFd);
            result.runtimeErrors = runtimeErrors(result.runtimeLog);
            throw Error("runc create failed (status " + std::to_string(status) + ")" +
                        (result.runtimeErrors.empty() ? std::string() : ": " + result.runtimeErrors));
        }
    }
    pid_t initPid = 0;
    {
        std::ifstream in(pidFile);
        in >> initPid;
        if (initPid <= 0)
            throw Error(pidFile + ": runc wrote no init pid");
    }
    const int initFd = pidfdOpen(initPid);
    const int netFd = ::open(("/proc/" + std::to_string(initPid) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC);
    cleanup.fds.push_back(initFd);
    cleanup.fds.push_back(netFd);
    if (initFd < 0 || netFd < 0)
        throw Error("container init process " + std::to_string(initPid) + ": " + std::strerror(errno));

    // The controller runs `runc start`, the client and the stop; it is a grandchild (reparented
    // away) so that the tracer's waitpid(-1) only ever sees tracees.
    int attachPipe[2], stopPipe[2], reportPipe[2];
    if (::pipe2(attachPipe, O_CLOEXEC) != 0 || ::pipe2(stopPipe, O_CLOEXEC) != 0 ||
        ::pipe2(reportPipe, O_CLOEXEC) != 0)
        throw Error(std::string("pipe2: ") + std::strerror(errno));
    const Argv startArgv = [&] {
        std::vector<std::string> argv = global;
        argv.insert(argv.end(), logArgs.begin(), logArgs.end());
        argv.insert(argv.end(), {"start", o.id});
        return Argv(argv);
    }();
    const Argv clientArgv(o.client.empty() ? std::vector<std::string>{"true"} : o.client);
    const bool haveClient = !o.client.empty();
    const std::int64_t durationMs =
        o.duration > 0 ? static_cast<std::int64_t>(std::llround(o.duration * 1000)) : -1;
    const auto stopTimeoutMs = static_cast<std::int64_t>(std::llround(std::max(0.0, o.stopTimeout) * 1000));
    const auto waitTimeoutMs = static_cast<std::int64_t>(std::llround(std::max(0.0, o.waitTimeout) * 1000));

    const pid_t middle = ::fork();
    if (middle < 0)
        throw Error(std::string("fork: ") + std::strerror(errno));
    if (middle == 0) {
        if (::fork() != 0)
            ::_exit(0);
        // The controller.
        ::close(attachPipe[1]);
        ::close(stopPipe[1]);
        ::close(reportPipe[0]);
        ControllerReport rep;
        auto finish = [&]() {
            [[maybe_unused]] auto n = ::write(reportPipe[1], &rep, sizeof rep);
            ::_exit(0);
        };
        auto stopContainer = [&]() {
            if (waitAny({{initFd, POLLIN, 0}}, monotonicMs()) == 0)
                return; // already gone
            rep.stoppedByUs = 1;
            ::kill(initPid, o.stopSignal);
            if (waitAny({{initFd, POLLIN, 0}}, monotonicMs() + stopTimeoutMs) != 0) {
                ::kill(initPid, SIGKILL);
                rep.killed = 1;
                waitAny({{initFd, POLLIN, 0}}, monotonicMs() + 10'000);
            }
        };
        char c = 0;
        if (::read(attachPipe[0], &c, 1) != 1) {
            // The tracer could not attach: nothing is traced, the container goes.
            ::kill(initPid, SIGKILL);
            finish();
        }
        const pid_t starter = spawn(startArgv, outFd, -1, 0, 0);
        int status = 0;
        while (::waitpid(starter, &status, 0) < 0 && errno == EINTR) {
        }
        rep.startStatus = shellStatus(status);
        if (rep.startStatus != 0) {
            ::kill(initPid, SIGKILL);
            finish();
        }
        const std::int64_t deadline = durationMs >= 0 ? monotonicMs() + durationMs : -1;
        if (haveClient) {
            const pid_t client =
                spawn(clientArgv, clientOutFd, netFd, o.waitPort, monotonicMs() + waitTimeoutMs);
            const int clientFd = pidfdOpen(client);
            const int which =
                waitAny({{clientFd, POLLIN, 0}, {initFd, POLLIN, 0}, {stopPipe[0], POLLIN, 0}}, deadline);
            if (which != 0)
                ::kill(client, SIGKILL);
            while (::waitpid(client, &status, 0) < 0 && errno == EINTR) {
            }
            if (which == 0) {
                rep.clientStatus = shellStatus(status);
                if (o.waitPort > 0 && rep.clientStatus == 124)
                    rep.portOpened = 0;
            }
        } else {
            waitAny({{initFd, POLLIN, 0}, {stopPipe[0], POLLIN, 0}}, deadline);
        }
        stopContainer();
        finish();
    }
    ::close(attachPipe[0]);
    ::close(stopPipe[0]);
    ::close(reportPipe[1]);
    int status = 0;
    while (::waitpid(middle, &status, 0) < 0 && errno == EINTR) {
    }
    impl_->stopWrite = stopPipe[1];
    struct Pipes {
        int attach, stop, report;
        Impl* impl;
        ~Pipes() {
            impl->stopWrite = -1;
            for (int fd : {attach, stop, report})
                if (fd >= 0)
                    ::close(fd);
        }
    } pipes{attachPipe[1], stopPipe[1], reportPipe[0], impl_.get()};

    Tracer tracer(impl_->sink);
    TracerOptions topts;
    topts.attachPid = initPid;
    topts.untilExec = true;
    topts.seccompStops = o.seccompStops;
    topts.stacks = o.stacks;
    topts.violationStacks = o.seccompStops;
    topts.rootPrefix = rootPrefix;
    topts.command = o.traceCommand;
    topts.onAttached = [&pipes] {
        const char c = 'a';
        [[maybe_unused]] auto n = ::write(pipes.attach, &c, 1);
        ::close(pipes.attach);
        pipes.attach = -1;
    };
    // A failure to attach closes the attach pipe (Pipes' destructor): the controller then kills the
    // container and the cleanup deletes it.
    result.tracer = tracer.run(topts);

    ::close(pipes.stop); // the controller is done or stops the container now
    pipes.stop = -1;
    impl_->stopWrite = -1;
    ControllerReport rep;
    const ssize_t n = ::read(pipes.report, &rep, sizeof rep);
    if (n == static_cast<ssize_t>(sizeof rep)) {
        result.startStatus = rep.startStatus;
        result.clientStatus = rep.clientStatus;
        result.portOpened = rep.portOpened != 0;
        result.stoppedByUs = rep.stoppedByUs != 0;
        result.killed = rep.killed != 0;
    }
    result.runtimeLog = readBack(logFd);
    result.runtimeErrors = runtimeErrors(result.runtimeLog);
    return result;
}

namespace {

// Runs ARGV to its end; returns (status, stdout+stderr).
std::pair<int, std::string> capture(const std::vector<std::string>& argv) {
    const int fd = memoryFile("swb-engine", true);
    int status = -1;
    try {
        status = runProcess(argv, fd, fd);
    } catch (...) {
        ::close(fd);
        throw;
    }
    std::string out = readBack(fd);
    ::close(fd);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r'))
        out.pop_back();
    return {status, out};
}

std::string engineClient(const EngineRunOptions& o) {
    if (!o.client.empty())
        return o.client;
    const char* env = std::getenv(o.engine == "podman" ? "SWB_PODMAN" : "SWB_DOCKER");
    return env && *env ? env : o.engine;
}

std::string field(const std::string& record, const std::string& key) {
    const std::string k = " " + key + "=";
    const auto at = record.find(k);
    if (at == std::string::npos)
        return {};
    auto start = at + k.size();
    if (start < record.size() && record[start] == '"') {
        const auto end = record.find('"', start + 1);
        return record.substr(start + 1, end == std::string::npos ? std::string::npos : end - start - 1);
    }
    const auto end = record.find_first_of(" \n", start);
    return record.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

} // namespace

EngineRunResult runInEngine(const EngineRunOptions& o) {
    const std::string client = engineClient(o);
    EngineRunResult result;
    // Kernel messages from now on (complain mode): the audit records of SCMP_ACT_LOG.
    int kmsg = -1;
    if (o.complain) {
        kmsg = ::open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (kmsg < 0)
            throw Error(std::string("/dev/kmsg: ") + std::strerror(errno) +
                        " (complain mode under an engine reads the kernel's audit records; run as root)");
        ::lseek(kmsg, 0, SEEK_END);
    }
    struct Cleanup {
        std::vector<std::string> rm;
        int kmsg;
        ~Cleanup() {
            try {
                (void)capture(rm);
            } catch (const Error&) {
            }
            if (kmsg >= 0)
                ::close(kmsg);
        }
    } cleanup{{client, "rm", "-f", o.name}, kmsg};

    // Podman 4.3 on these machines: runc (crun fails on cgroup v1), cgroupfs, explicit ulimits.
    std::vector<std::string> cli = {client};
    if (o.engine == "podman")
        cli.insert(cli.end(), {"--runtime", "runc", "--cgroup-manager", "cgroupfs"});
    auto command = [&cli](std::initializer_list<std::string> words) {
        std::vector<std::string> argv = cli;
        argv.insert(argv.end(), words);
        return argv;
    };
    cleanup.rm = command({"rm", "-f", o.name});
    std::vector<std::string> run =
        command({"run", "-d", "--name", o.name, "--network", o.hostNetwork ? "host" : "none",
                 "--security-opt", "seccomp=" + o.profileFile});
    if (o.engine == "podman")
        run.insert(run.end(), {"--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768"});
    run.push_back(o.image);
    auto [status, out] = capture(run);
    if (status != 0)
        throw Error(o.engine + " run " + o.image + " failed (status " + std::to_string(status) + "): " + out);
    auto [ist, pidText] = capture(command({"inspect", "-f", "{{.State.Pid}}", o.name}));
    pid_t pid = 0;
    try {
        pid = static_cast<pid_t>(std::stol(pidText));
    } catch (const std::exception&) {
    }
    std::string pidNs;
    int initFd = -1, netFd = -1;
    if (ist == 0 && pid > 0) {
        std::error_code ec;
        pidNs = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/ns/pid", ec).string();
        initFd = pidfdOpen(pid);
        netFd = ::open(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), O_RDONLY | O_CLOEXEC);
    }
    const std::int64_t deadline =
        o.duration > 0 ? monotonicMs() + static_cast<std::int64_t>(std::llround(o.duration * 1000)) : -1;
    if (initFd >= 0) {
        if (!o.clientCommand.empty() && netFd >= 0) {
            int clientOut = -1;
            if (!o.clientOutputFile.empty())
                clientOut =
                    ::open(o.clientOutputFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            const Argv argv(o.clientCommand);
            const pid_t c =
                spawn(argv, clientOut, netFd, o.waitPort,
                      monotonicMs() + static_cast<std::int64_t>(std::llround(o.waitTimeout * 1000)));
            const int clientFd = pidfdOpen(c);
            const int which = waitAny({{clientFd, POLLIN, 0}, {initFd, POLLIN, 0}}, deadline);
            if (which != 0)
                ::kill(c, SIGKILL);
            int st = 0;
            while (::waitpid(c, &st, 0) < 0 && errno == EINTR) {
            }
            if (which == 0) {
                result.clientStatus = shellStatus(st);
                if (o.waitPort > 0 && result.clientStatus == 124)
                    result.portOpened = false;
            }
            if (clientFd >= 0)
                ::close(clientFd);
            if (clientOut >= 0)
                ::close(clientOut);
        } else {
            waitAny({{initFd, POLLIN, 0}}, deadline);
        }
        result.stoppedByUs = waitAny({{initFd, POLLIN, 0}}, monotonicMs()) != 0;
    }
    const auto stopSeconds = std::to_string(static_cast<long>(std::ceil(std::max(0.0, o.stopTimeout))));
    (void)capture(command({"stop", "-t", stopSeconds, o.name}));
    auto [wst, code] = capture(command({"wait", o.name}));
    try {
        result.containerStatus = wst == 0 ? std::stoi(code) : -1;
    } catch (const std::exception&) {
    }
    if (!o.outputFile.empty()) {
        const int fd = ::open(o.outputFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd >= 0) {
            (void)runProcess(command({"logs", o.name}), fd, fd);
            ::close(fd);
        }
    }
    if (initFd >= 0)
        ::close(initFd);
    if (netFd >= 0)
        ::close(netFd);

    if (kmsg >= 0) {
        // Records: "PRIO,SEQ,TIME,FLAGS;MESSAGE". Attributed to the container by the process's pid
        // namespace where it still exists, else by being the init pid.
        std::map<std::pair<int, std::uint32_t>, EngineViolation> byKey;
        std::vector<char> buf(8192);
        for (;;) {
            const ssize_t n = ::read(kmsg, buf.data(), buf.size());
            if (n < 0 && errno == EPIPE)
                continue; // overwritten records
            if (n <= 0)
                break;
            const std::string rec(buf.data(), static_cast<std::size_t>(n));
            const auto semi = rec.find(';');
            std::string msg = semi == std::string::npos ? rec : rec.substr(semi + 1);
            msg = msg.substr(0, msg.find('\n')) + " "; // continuation lines (" KEY=value") dropped
            if (msg.find("audit: audit_lost") != std::string::npos ||
                msg.find("callbacks suppressed") != std::string::npos ||
                msg.find("rate limit") != std::string::npos)
                result.auditSuppressed = true;
            if (msg.find("type=1326") == std::string::npos || field(msg, "code") != "0x7ffc0000")
                continue;
            const std::string pidText2 = field(msg, "pid");
            std::uint32_t rpid = 0;
            int nr = -1;
            try {
                rpid = static_cast<std::uint32_t>(std::stoul(pidText2));
                nr = std::stoi(field(msg, "syscall"));
            } catch (const std::exception&) {
                continue;
            }
            std::error_code ec;
            const std::string ns =
                std::filesystem::read_symlink("/proc/" + std::to_string(rpid) + "/ns/pid", ec).string();
            const bool ours =
                (!ec && !pidNs.empty() && ns == pidNs) || (ec && rpid == static_cast<std::uint32_t>(pid));
            if (!ours)
                continue;
            EngineViolation& v = byKey[{nr, rpid}];
            v.nr = nr;
            v.pid = rpid;
            v.comm = field(msg, "comm");
            ++v.count;
        }
        for (auto& [key, v] : byKey)
            result.violations.push_back(std::move(v));
    }
    return result;
}

} // namespace swb
