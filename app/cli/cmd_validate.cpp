#include "commands.h"
#include "format.h"

#include "enforce/oci_bundle.h"
#include "enforce/validator.h"
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
    std::string bundle;
    std::vector<std::string> command;
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
    std::string bundle = a.bundle;
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

int run(const ValidateArgs& a) {
    Profile profile = loadProfile(a.profile);
    printWarnings(profile.warnings);
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

    const char* mode = a.enforce ? "enforce" : "complain";
    constexpr std::size_t kShown = 50;
    for (std::size_t k = 0; k < r.violations.size() && k < kShown; ++k) {
        const Violation& v = r.violations[k];
        std::cerr << "swb: violation: " << formatSeconds(v.timeNs) << " pid " << v.pid << " tid " << v.tid
                  << " " << v.name << "(" << formatHex(v.args[0]) << ", " << formatHex(v.args[1]) << ", "
                  << formatHex(v.args[2]) << ")";
        if (v.returned)
            std::cerr << " = " << v.ret;
        std::cerr << "\n";
        if (v.stackId) {
            const Stack& s = r.trace.stack(v.stackId);
            for (std::size_t f = 0; f < s.size() && f < 8; ++f)
                std::cerr << "    " << s[f].display() << "\n";
        }
    }
    if (r.violations.size() > kShown)
        std::cerr << "swb: ... " << r.violations.size() - kShown << " more violations\n";
    std::cerr << "swb: " << mode << " mode: " << r.violations.size() << " violation"
              << (r.violations.size() == 1 ? "" : "s");
    for (const auto& [name, n] : r.countsByName())
        std::cerr << (name == r.countsByName().front().first ? ": " : ", ") << name << " x" << n;
    std::cerr << "; program exit status " << r.exitStatus << "\n";
    if (!a.output.empty())
        std::cerr << "swb: trace with violations written to " << a.output << "\n";
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
    cmd->add_option("--bundle", a->bundle, "Keep the OCI bundle in this directory (--runc)");
    cmd->add_option("COMMAND", a->command, "PROGRAM [ARGS...] (after --)")->required();
    cmd->final_callback([a, &ctx] { ctx.exitCode = run(*a); });
}

} // namespace swb::cli
