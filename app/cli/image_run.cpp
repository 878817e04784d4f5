#include "image_run.h"

#include "format.h"

#include "image/entrypoint.h"
#include "model/syscall_table.h"
#include "profile/runtime_groups.h"
#include "util/error.h"

#include <array>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <set>
#include <unistd.h>

namespace swb::cli {

namespace {

ContainerRun* gActiveRun = nullptr;
constexpr std::array<int, 3> kSignals = {SIGINT, SIGTERM, SIGHUP};
void onStopSignal(int) {
    if (gActiveRun)
        gActiveRun->requestStop();
}

// The first "PORT/tcp" (or bare "PORT") the image exposes; 0 when none.
int firstTcpPort(const ImageConfig& c) {
    for (const std::string& p : c.exposedPorts) {
        const auto slash = p.find('/');
        const std::string proto = slash == std::string::npos ? "tcp" : p.substr(slash + 1);
        if (proto != "tcp")
            continue;
        try {
            const int port = std::stoi(p.substr(0, slash));
            if (port > 0 && port < 65536)
                return port;
        } catch (const std::exception&) {
        }
    }
    return 0;
}

std::string joined(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words)
        out += (out.empty() ? "" : " ") + w;
    return out;
}

// Shell-like words: blanks separate, '...' and "..." quote, backslash escapes outside single quotes.
std::vector<std::string> shellWords(const std::string& text) {
    std::vector<std::string> out;
    std::string word;
    bool inWord = false;
    char quote = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quote) {
            if (c == quote)
                quote = 0;
            else if (c == '\\' && quote == '"' && i + 1 < text.size())
                word += text[++i];
            else
                word += c;
        } else if (c == '\'' || c == '"') {
            quote = c;
            inWord = true;
        } else if (c == '\\' && i + 1 < text.size()) {
            word += text[++i];
            inWord = true;
        } else if (c == ' ' || c == '\t' || c == '\n') {
            if (inWord)
                out.push_back(word);
            word.clear();
            inWord = false;
        } else {
            word += c;
            inWord = true;
        }
    }
    if (quote)
        throw Error("--cmd: unterminated quote in: " + text);
    if (inWord)
        out.push_back(word);
    return out;
}

} // namespace

void addImageRunOptions(CLI::App* cmd, ImageRunArgs& a) {
    cmd->add_option("--image", a.image,
                    "Run a container of this image under runc: oci:DIR, docker-archive:FILE, "
                    "oci-archive:FILE, dir:ROOTFS, docker:NAME, podman:NAME or a path (auto-detected); "
                    "COMMAND after -- is then a client run beside it");
    cmd->add_option("--duration", a.duration,
                    "With --image: stop the container after this many seconds (with a client: at most)");
    cmd->add_option("--network", a.network,
                    "With --image: none (a network namespace of its own, loopback only; default) or host")
        ->check(CLI::IsMember({"none", "host"}));
    cmd->add_option("--wait-port", a.waitPort,
                    "With --image and a client: wait until this TCP port accepts on 127.0.0.1 in the "
                    "container's network before starting the client (default: the image's first exposed "
                    "TCP port; 0: do not wait)");
    cmd->add_option("--container-output", a.containerOutput,
                    "With --image: write the container's stdout/stderr to this file (default: swb's own)");
    cmd->add_option("--client-output", a.clientOutput,
                    "With --image: write the client's stdout/stderr to this file (default: swb's own)");
    cmd->add_option("--stop-timeout", a.stopTimeout,
                    "With --image: seconds between SIGTERM and SIGKILL when swb stops the container");
    cmd->add_option("--cmd", a.cmd,
                    "With --image: the command instead of the image's Cmd, as shell words (the Entrypoint "
                    "stays; needed for dir:ROOTFS, which has no config)");
    cmd->add_option("--bundle", a.bundle, "Keep the OCI bundle (config.json) in this directory");
}

PreparedImageRun prepareImageRun(const ImageRunArgs& a, const std::string& idPrefix,
                                 const std::optional<Profile>& profile) {
    if (!findRunc())
        throw Error("--image runs the container under runc, which is not installed (Debian package runc)");
    if (::geteuid() != 0)
        throw Error("--image needs root (runc creates the container's namespaces and mounts)");
    PreparedImageRun p;
    p.root = unpackToScratch(a.image);
    const Image& image = p.root.image;
    if (p.root.scratch)
        std::cerr << "swb: " << a.image << ": " << image.layers.size() << " layer"
                  << (image.layers.size() == 1 ? "" : "s") << ", " << p.root.report.files
                  << " files unpacked\n";
    for (const auto& s : p.root.report.skipped)
        std::cerr << "swb: note: " << s << "\n";
    p.bundle = imageBundle(p.root, shellWords(a.cmd));
    p.bundle.networkNamespace = a.network != "host";
    p.bundle.profile = profile;
    if (a.bundle.empty()) {
        std::string dir = (std::filesystem::temp_directory_path() / "swb-bundle.XXXXXX").string();
        if (!::mkdtemp(dir.data()))
            throw Error("cannot create a bundle directory in " +
                        std::filesystem::temp_directory_path().string());
        p.tempBundle = std::shared_ptr<const std::string>(new std::string(dir), [](const std::string* d) {
            std::error_code ec;
            std::filesystem::remove_all(*d, ec);
            delete d;
        });
        p.bundleDir = dir;
    } else {
        p.bundleDir = a.bundle;
    }
    writeOciBundle(p.bundleDir, p.bundle);

    ContainerRunOptions& r = p.run;
    r.bundleDir = p.bundleDir;
    r.rootfs = p.root.rootfs;
    r.id = idPrefix + "-" + std::to_string(::getpid());
    r.client = a.client;
    r.waitPort = a.waitPort >= 0 ? a.waitPort : (a.client.empty() ? 0 : firstTcpPort(image.config));
    r.duration = a.duration;
    r.stopTimeout = a.stopTimeout;
    r.outputFile = a.containerOutput;
    r.clientOutputFile = a.clientOutput;
    r.traceCommand = p.bundle.args;
    std::cerr << "swb: container: " << joined(p.bundle.args) << " (user " << p.bundle.uid << ":"
              << p.bundle.gid << ", cwd " << p.bundle.cwd << ", network " << a.network << ")\n";
    if (!a.client.empty())
        std::cerr << "swb: client: " << joined(a.client)
                  << (r.waitPort ? " (after port " + std::to_string(r.waitPort) + " opens)" : std::string())
                  << "\n";
    return p;
}

ContainerRunResult runPreparedImage(PreparedImageRun& p, TraceSink& sink) {
    ContainerRun run(p.run, sink);
    gActiveRun = &run;
    struct sigaction sa {};
    sa.sa_handler = onStopSignal;
    sigemptyset(&sa.sa_mask);
    std::array<struct sigaction, 3> previous{};
    for (std::size_t i = 0; i < kSignals.size(); ++i)
        ::sigaction(kSignals[i], &sa, &previous[i]);
    struct Restore {
        std::array<struct sigaction, 3>& previous;
        ~Restore() {
            for (std::size_t i = 0; i < kSignals.size(); ++i)
                ::sigaction(kSignals[i], &previous[i], nullptr);
            gActiveRun = nullptr;
        }
    } restore{previous};
    return run.run();
}

void reportImageRun(const PreparedImageRun& p, const ContainerRunResult& r) {
    if (!r.runtimeErrors.empty())
        std::cerr << "swb: runc: " << r.runtimeErrors;
    if (r.startStatus != 0)
        std::cerr << "swb: error: runc start failed (status " << r.startStatus
                  << "): the container never ran its program\n";
    if (!r.tracer.execSeen)
        std::cerr << "swb: warning: the container's init process never exec'd " << p.bundle.args.front()
                  << ": nothing of the program was traced\n";
    // What runc did between loading the filter and the exec: its runtime group must allow it.
    const SyscallTable& table = SyscallTable::forArch(Arch::X86_64);
    std::set<std::string> group;
    for (const auto& s : runtimeSyscalls(Runtime::Runc))
        group.insert(std::string(s.name));
    std::vector<std::string> seen, outside;
    for (const auto& [nr, n] : r.tracer.beforeExec) {
        const std::string name = table.name(nr);
        seen.push_back(name);
        if (!group.count(name))
            outside.push_back(name);
    }
    if (!seen.empty())
        std::cerr << "swb: runc's own syscalls after attach, before the exec (the runtime group, not the "
                     "program's): "
                  << joined(seen) << "\n";
    if (!outside.empty())
        std::cerr << "swb: note: of these, not in the runc group (made by the other threads of runc's Go "
                     "runtime; runc starts without them): "
                  << joined(outside) << "\n";
    for (const auto& [nr, n] : r.tracer.beforeExecViolations)
        std::cerr << "swb: warning: runc made " << table.name(nr) << " x" << n
                  << " after loading the filter, which the profile does not allow"
                  << (group.count(table.name(nr)) ? " (it is in the runc group: swb profile --runtime runc)"
                                                  : " (a thread of runc's Go runtime; not in the runc group)")
                  << "\n";
    std::cerr << "swb: container exit status " << r.tracer.exitStatus;
    if (r.stoppedByUs)
        std::cerr << " (stopped by swb" << (r.killed ? ", SIGKILL after the stop timeout" : "") << ")";
    std::cerr << "\n";
    if (!p.run.client.empty()) {
        if (!r.portOpened)
            std::cerr << "swb: error: port " << p.run.waitPort << " never opened in the container\n";
        else if (r.clientStatus < 0)
            std::cerr << "swb: client did not finish (the container exited or the run was stopped)\n";
        else
            std::cerr << "swb: client exit status " << r.clientStatus << "\n";
    }
}

int imageRunStatus(const PreparedImageRun& p, const ContainerRunResult& r) {
    if (r.startStatus != 0)
        return r.startStatus > 0 ? r.startStatus : 1;
    if (!p.run.client.empty()) {
        if (r.clientStatus != 0)
            return r.clientStatus > 0 ? r.clientStatus : 1;
        return 0;
    }
    if (r.stoppedByUs)
        return 0;
    return r.tracer.exitStatus;
}

} // namespace swb::cli
