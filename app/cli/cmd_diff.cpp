#include "commands.h"

#include "profile/profile_diff.h"
#include "profile/profile_io.h"
#include "util/error.h"
#include "util/file_kind.h"

#include <iostream>

namespace swb::cli {

namespace {

struct DiffArgs {
    std::string a, b;
    bool json = false;
    std::string kernel;
    std::string caps;
};

struct Side {
    Profile profile;
    bool isSet = false; // a plain syscall set (trace, analysis): no default action to compare
};

Side load(const std::string& input, const ImportOptions& options) {
    if (detectFileKind(input) == FileKind::Profile) {
        Side s{loadProfile(input, options), false};
        printWarnings(s.profile.warnings);
        return s;
    }
    // A trace or an analysis: its syscall set as an allowlist (syscallNamesOf names the file when it
    // is neither).
    Side s{profileFromSyscallNames(syscallNamesOf(input), options.arch, "set", input), true};
    printWarnings(s.profile.warnings);
    return s;
}

ImportOptions importOptions(const DiffArgs& args) {
    ImportOptions o;
    if (!args.kernel.empty()) {
        KernelVersion k;
        char extra = 0;
        if (std::sscanf(args.kernel.c_str(), "%d.%d%c", &k.major, &k.minor, &extra) != 2)
            throw Error("--kernel " + args.kernel + ": expected MAJOR.MINOR");
        o.kernel = k;
    }
    if (!args.caps.empty()) {
        std::vector<std::string> caps;
        if (args.caps != "none") {
            std::size_t start = 0;
            while (start <= args.caps.size()) {
                const auto comma = args.caps.find(',', start);
                std::string cap = args.caps.substr(start, comma - start);
                if (!cap.empty())
                    caps.push_back(cap.starts_with("CAP_") ? cap : "CAP_" + cap);
                if (comma == std::string::npos)
                    break;
                start = comma + 1;
            }
        }
        o.capabilities = caps;
    }
    return o;
}

int runDiff(const DiffArgs& args) {
    const ImportOptions options = importOptions(args);
    const Side a = load(args.a, options);
    const Side b = load(args.b, options);
    DiffOptions d;
    d.compareDefaults = !a.isSet && !b.isSet;
    const ProfileDiff diff = diffProfiles(a.profile, b.profile, d);
    std::cout << (args.json ? formatDiffJson(diff, args.a, args.b) : formatDiffText(diff, args.a, args.b));
    return diff.equal() ? 0 : 1;
}

} // namespace

void addDiffCommand(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand(
        "diff",
        "Compare two seccomp profiles or syscall sets (profiles: Docker, OCI, Kubernetes; sets: traces, "
        "analyses). Prints '- NAME' for a syscall only A has rules for, '+ NAME' only B, '~ NAME' for "
        "different rules (action, errno, argument conditions), then the counts. Exit status: 0 equal, "
        "1 different, 2 error (like diff(1))");
    auto args = std::make_shared<DiffArgs>();
    cmd->add_option("A", args->a, "Profile, trace or analysis")->required();
    cmd->add_option("B", args->b, "Profile, trace or analysis")->required();
    cmd->add_flag("--json", args->json,
                  "Print the difference as JSON (onlyInA, onlyInB, changed, common, ...)");
    cmd->add_option(
        "--kernel", args->kernel,
        "Kernel version MAJOR.MINOR for Docker profiles' minKernel conditions (default: running kernel)");
    cmd->add_option("--caps", args->caps,
                    "Capabilities for Docker profiles' caps conditions, comma-separated (CAP_SYS_ADMIN,...; "
                    "'none' for no capability; default: Docker's default set)");
    cmd->preparse_callback([&ctx](std::size_t) { ctx.errorExitCode = 2; });
    cmd->final_callback([args, &ctx] { ctx.exitCode = runDiff(*args); });
}

} // namespace swb::cli
