#include "commands.h"
#include "format.h"
#include "image_run.h"

#include "enforce/container_run.h"
#include "enforce/oci_bundle.h"
#include "enforce/validator.h"
#include "image/image.h"
#include "model/syscall_table.h"
#include "profile/profile_io.h"
#include "profile/seccomp_filter.h"
#include "trace/trace_file.h"
#include "trace/tracer.h"
#include "util/atomic_file.h"
#include "util/error.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

namespace swb::cli {

namespace {

struct ValidateArgs {
    std::string profile;
    std::string servingProfile;
    bool enforce = false;
    bool stacks = false;
    std::string output;
    bool runc = false;
    std::string rootfs;
    std::vector<std::string> command;
    ImageRunArgs image;
    std::string engine = "runc";
};

// libswb-phase.so next to swb (build tree: bin/../lib) or in the installed library directory.
std::string preloadLibrary() {
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    std::vector<std::filesystem::path> candidates;
    if (!ec) {
        candidates.push_back(self.parent_path() / "../lib/libswb-phase.so");
        candidates.push_back(self.parent_path() / "../lib/swb/libswb-phase.so");
    }
    candidates.emplace_back(SWB_PRELOAD_INSTALL_PATH);
    for (const auto& c : candidates)
        if (std::filesystem::exists(c, ec))
            return std::filesystem::weakly_canonical(c, ec).string();
    throw Error("libswb-phase.so not found (looked next to swb and in " SWB_PRELOAD_INSTALL_PATH ")");
}

// The tracer's stop handlers: SIGINT/SIGTERM end the validation and report what was seen.
Validator* gActive = nullptr;
void onStopSignal(int signo) {
    if (gActive)
        gActive->requestStop(signo);
}

int runInContainer(const ValidateArgs& a, const Profile& profile) {
    if (a.rootfs.empty())
        throw Error("--runc needs --rootfs DIR (a root filesystem holding the program)");
    if (a.enforce == false)
        std::cerr << "swb: note: runc enforces the profile (complain mode needs the ptrace tracer)\n";
    std::string bundle = a.image.bundle;
    std::filesystem::path temp;
    if (bundle.empty()) {
        char tmpl[] = "/tmp/swb-bundle-XXXXXX";
        if (!::mkdtemp(tmpl))
            throw Error("cannot create a bundle directory in /tmp");
        temp = tmpl;
        bundle = temp.string();
    }
    BundleOptions bo;
    bo.args = a.command;
    bo.rootfs = a.rootfs;
    bo.profile = profile;
    writeOciBundle(bundle, bo);
    RuncOptions ro;
    ro.captureOutput = false;
    const std::string id = "swb-validate-" + std::to_string(::getpid());
    const RuncResult r = runInRunc(bundle, id, ro);
    if (!r.runtimeErrors.empty())
        std::cerr << "swb: runc: " << r.runtimeErrors << "\n";
    std::cerr << "swb: runc exit status " << r.exitStatus << " (bundle " << bundle
              << (temp.empty() ? "" : ", removed") << ")\n";
    if (!temp.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(temp, ec);
    }
    return r.exitStatus;
}

void reportViolations(const ValidateArgs& a, const Trace& trace, const std::vector<Violation>& violations,
                      int exitStatus) {
    const char* mode = a.enforce ? "enforce" : "complain";
    constexpr std::size_t kShown = 50;
    for (std::size_t k = 0; k < violations.size() && k < kShown; ++k) {
        const Violation& v = violations[k];
        std::cerr << "swb: violation: " << formatSeconds(v.timeNs) << " pid " << v.pid << " tid " << v.tid
                  << " " << v.name << "(" << formatHex(v.args[0]) << ", " << formatHex(v.args[1]) << ", "
                  << formatHex(v.args[2]) << ")";
        if (v.returned)
            std::cerr << " = " << v.ret;
        std::cerr << "\n";
        if (v.stackId) {
            const Stack& st = trace.stack(v.stackId);
            for (std::size_t f = 0; f < st.size() && f < 8; ++f)
                std::cerr << "    " << st[f].display() << "\n";
        }
    }
    if (violations.size() > kShown)
        std::cerr << "swb: ... " << violations.size() - kShown << " more violations\n";
    std::map<std::string, std::size_t> counts;
    for (const Violation& v : violations)
        ++counts[v.name];
    std::cerr << "swb: " << mode << " mode: " << violations.size() << " violation"
              << (violations.size() == 1 ? "" : "s");
    bool first = true;
    for (const auto& [name, n] : counts) {
        std::cerr << (first ? ": " : ", ") << name << " x" << n;
        first = false;
    }
    std::cerr << "; program exit status " << exitStatus << "\n";
    if (!a.output.empty())
        std::cerr << "swb: trace with violations written to " << a.output << "\n";
}

// swb validate --image: the container under runc with the profile in its bundle, every non-allowed
// action sent to the tracer attached to the container (tracingProfile), so that each violation is
// named; complain mode lets them run, enforce makes them fail with the profile's errno.
int runImage(const ValidateArgs& a, const Profile& profile) {
    ImageRunArgs ia = a.image;
    ia.client = a.command;
    PreparedImageRun p = prepareImageRun(ia, "swb-validate", tracingProfile(profile, a.enforce));
    p.run.seccompStops = true;
    p.run.stacks = a.stacks;
    Trace trace;
    MemorySink memory(trace);
    std::unique_ptr<TraceFileWriter> writer;
    std::unique_ptr<TeeSink> tee;
    TraceSink* sink = &memory;
    if (!a.output.empty()) {
        writer = std::make_unique<TraceFileWriter>(a.output);
        tee = std::make_unique<TeeSink>(memory, *writer);
        sink = tee.get();
    }
    const ContainerRunResult r = runPreparedImage(p, *sink);
    trace.sortByTime();
    const std::vector<Violation> violations = violationsIn(trace);
    reportImageRun(p, r);
    reportViolations(a, trace, violations, r.tracer.exitStatus);
    const int status = imageRunStatus(p, r);
    if (!r.tracer.execSeen && status == 0)
        return 1; // the program never ran: nothing was validated
    if (a.enforce && !violations.empty())
        return status != 0 ? status : 1;
    return status;
}

// swb validate --image docker:NAME --engine docker (or podman): the engine runs the image with the
// profile; enforce mode judges the workload by its statuses, complain mode names the denials from
// the kernel's audit records (SCMP_ACT_LOG).
int runEngine(const ValidateArgs& a, const Profile& profile) {
    const std::string prefix = a.engine + ":";
    if (!a.image.image.starts_with(prefix))
        throw Error("--engine " + a.engine + " runs an image of the engine: give --image " + prefix +
                    "NAME (load an archive first: " + a.engine + " load -i FILE)");
    if (::geteuid() != 0)
        throw Error("--engine " + a.engine + " needs root (the engine's socket, the kernel's audit records)");
    Profile p = profile;
    if (!a.enforce) {
        for (ProfileRule& r : p.rules)
            if (r.action != SeccompAction::Allow)
                r.action = SeccompAction::Log;
        if (p.defaultAction != SeccompAction::Allow)
            p.defaultAction = SeccompAction::Log;
    }
    char tmpl[] = "/tmp/swb-engine-profile-XXXXXX";
    const int fd = ::mkstemp(tmpl);
    if (fd < 0)
        throw Error("cannot create a temporary file for the profile");
    ::close(fd);
    struct Remove {
        std::string path;
        ~Remove() { ::unlink(path.c_str()); }
    } remove{tmpl};
    writeFileAtomically(remove.path, exportProfile(p, ProfileFormat::Docker));
    ::chmod(remove.path.c_str(), 0644);

    EngineRunOptions eo;
    eo.engine = a.engine;
    eo.image = a.image.image.substr(prefix.size());
    eo.profileFile = remove.path;
    eo.complain = !a.enforce;
    eo.hostNetwork = a.image.network == "host";
    eo.clientCommand = a.command;
    eo.duration = a.image.duration;
    eo.stopTimeout = a.image.stopTimeout;
    eo.outputFile = a.image.containerOutput;
    eo.clientOutputFile = a.image.clientOutput;
    eo.name = "swb-validate-" + std::to_string(::getpid());
    if (!a.command.empty()) {
        if (a.image.waitPort >= 0) {
            eo.waitPort = a.image.waitPort;
        } else {
            // The image's first exposed TCP port, as for runc.
            const Image image = openImage(a.image.image);
            for (const std::string& port : image.config.exposedPorts)
                if (port.ends_with("/tcp") || port.find('/') == std::string::npos) {
                    try {
                        eo.waitPort = std::stoi(port);
                    } catch (const std::exception&) {
                    }
                    break;
                }
        }
    }
    std::cerr << "swb: " << a.engine << " runs " << eo.image << " with the profile ("
              << (a.enforce ? "enforce" : "complain: denials logged by the kernel") << ")\n";
    const EngineRunResult r = runInEngine(eo);
    std::cerr << "swb: container exit status " << r.containerStatus
              << (r.stoppedByUs ? " (stopped by swb)" : "") << "\n";
    if (!a.command.empty()) {
        if (!r.portOpened)
            std::cerr << "swb: error: port " << eo.waitPort << " never opened in the container\n";
        else
            std::cerr << "swb: client exit status " << r.clientStatus << "\n";
    }
    const SyscallTable& table = SyscallTable::forArch(Arch::X86_64);
    std::size_t total = 0;
    for (const EngineViolation& v : r.violations) {
        std::cerr << "swb: violation: " << table.name(v.nr) << " x" << v.count << " by " << v.comm << "["
                  << v.pid << "] (kernel audit record)\n";
        total += v.count;
    }
    if (!a.enforce) {
        std::cerr << "swb: complain mode under " << a.engine << ": " << total << " violation"
                  << (total == 1 ? "" : "s");
        std::set<std::string> names;
        for (const EngineViolation& v : r.violations)
            names.insert(table.name(v.nr));
        bool first = true;
        for (const auto& n : names) {
            std::cerr << (first ? ": " : ", ") << n;
            first = false;
        }
        std::cerr << "\n";
        if (r.auditSuppressed)
            std::cerr << "swb: warning: the kernel suppressed audit messages (rate limit): the list is a "
                         "lower bound\n";
    } else {
        std::cerr << "swb: enforce mode under " << a.engine
                  << ": the engine does not report denials; the workload's statuses tell (use complain mode "
                     "or --engine runc to name them)\n";
    }
    int status = 0;
    if (!a.command.empty() && r.clientStatus != 0)
        status = r.clientStatus > 0 ? r.clientStatus : 1;
    else if (!r.stoppedByUs && r.containerStatus != 0)
        status = r.containerStatus > 0 ? r.containerStatus : 1;
    return status;
}

int run(const ValidateArgs& a) {
    Profile profile = loadProfile(a.profile);
    printWarnings(profile.warnings);
    if (!a.image.image.empty()) {
        if (a.runc || !a.rootfs.empty() || !a.servingProfile.empty())
            throw Error("--image excludes --runc, --rootfs and --serving-profile");
        if (a.engine != "runc")
            return runEngine(a, profile);
        return runImage(a, profile);
    }
    if (a.command.empty())
        throw Error("give the PROGRAM to run after --, or --image");
    if (a.runc)
        return runInContainer(a, profile);

    // A serving profile: libswb-phase.so stacks it at the program's first serving-loop call, compiled
    // the same way as the start filter so that its violations reach the tracer too.
    std::string servingFilterFile;
    if (!a.servingProfile.empty()) {
        const Profile serving = loadProfile(a.servingProfile);
        printWarnings(serving.warnings);
        const auto bytes = validationFilter(serving, a.enforce);
        char tmpl[] = "/tmp/swb-serving-XXXXXX";
        const int fd = ::mkstemp(tmpl);
        if (fd < 0)
            throw Error("cannot create a temporary file for the serving filter");
        ::close(fd);
        servingFilterFile = tmpl;
        writeFileAtomically(servingFilterFile,
                            std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
        const std::string lib = preloadLibrary();
        const char* old = std::getenv("LD_PRELOAD");
        const std::string preload = lib + (old && *old ? ":" + std::string(old) : std::string());
        ::setenv("LD_PRELOAD", preload.c_str(), 1);
        ::setenv("SWB_SERVING_FILTER", servingFilterFile.c_str(), 1);
    }

    ValidationOptions vo;
    vo.profile = profile;
    vo.enforce = a.enforce;
    vo.stacks = a.stacks;
    vo.command = a.command;
    std::unique_ptr<TraceFileWriter> writer;
    if (!a.output.empty()) {
        writer = std::make_unique<TraceFileWriter>(a.output);
        vo.alsoTo = writer.get();
    }
    Validator validator(vo);
    gActive = &validator;
    struct sigaction sa {};
    sa.sa_handler = onStopSignal;
    struct sigaction oldInt {
    }, oldTerm{};
    ::sigaction(SIGINT, &sa, &oldInt);
    ::sigaction(SIGTERM, &sa, &oldTerm);
    ValidationResult r;
    try {
        r = validator.run();
    } catch (...) {
        ::sigaction(SIGINT, &oldInt, nullptr);
        ::sigaction(SIGTERM, &oldTerm, nullptr);
        gActive = nullptr;
        if (!servingFilterFile.empty())
            ::unlink(servingFilterFile.c_str());
        throw;
    }
    ::sigaction(SIGINT, &oldInt, nullptr);
    ::sigaction(SIGTERM, &oldTerm, nullptr);
    gActive = nullptr;
    if (!servingFilterFile.empty())
        ::unlink(servingFilterFile.c_str());

    reportViolations(a, r.trace, r.violations, r.exitStatus);
    if (a.enforce && !r.violations.empty())
        return r.exitStatus != 0 ? r.exitStatus : 1;
    return r.exitStatus;
}
} // namespace

void addValidateCommand(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand(
        "validate",
        "Run a program under a seccomp profile and report every syscall the profile does not "
        "allow: complain mode (default: they run) or --enforce (they fail with the profile's "
        "errno; exit status non-zero when any occurred); --runc runs it in a real runc container");
    auto a = std::make_shared<ValidateArgs>();
    cmd->add_option("--profile", a->profile, "The profile (Docker/OCI JSON or Kubernetes YAML)")->required();
    cmd->add_option(
        "--serving-profile", a->servingProfile,
        "A serving-phase profile stacked by libswb-phase.so (LD_PRELOAD) at the first serving-loop "
        "call (swb profile --phase both writes it)");
    cmd->add_flag("--enforce", a->enforce, "Make disallowed syscalls fail instead of only reporting them");
    cmd->add_flag("--stacks", a->stacks, "Record the call stack of each violation");
    cmd->add_option("-o,--output", a->output, "Also write the trace (violations flagged) to this file");
    cmd->add_flag("--runc", a->runc, "Run the program in runc with the profile (needs --rootfs)");
    cmd->add_option("--rootfs", a->rootfs, "Root filesystem for --runc (PROGRAM is a path inside it)");
    cmd->add_option("COMMAND", a->command, "PROGRAM [ARGS...] (after --); with --image: a client command");
    addImageRunOptions(cmd, a->image);
    cmd->add_option("--engine", a->engine,
                    "With --image: who runs the container: runc (default: swb's tracer attached, every "
                    "violation named), docker or podman (the engine loads the profile; --image docker:NAME)")
        ->check(CLI::IsMember({"runc", "docker", "podman"}));
    cmd->final_callback([a, &ctx] { ctx.exitCode = run(*a); });
}

} // namespace swb::cli
