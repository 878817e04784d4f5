#include "commands.h"
#include "inputs.h"

#include "profile/profile_io.h"
#include "static/analysis_file.h"
#include "trace/trace_file.h"
#include "util/error.h"
#include "util/file_kind.h"

#include <algorithm>
#include <iostream>

namespace swb::cli {

void printWarnings(const std::vector<std::string>& warnings) {
    for (const auto& w : warnings)
        std::cerr << "swb: warning: " << w << '\n';
}

std::vector<std::string> syscallNamesOf(const std::string& input) {
    return loadInputs({input}, InputOptions{}).syscallNames(PhaseSelection::All);
}

void addSyscallsCommand(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand(
        "syscalls", "Print the sorted unique syscall names of traces, analyses or a project, one per line "
                    "(the union over the inputs; with --phase, of that phase only)");
    struct Args {
        std::vector<std::string> inputs;
        std::string phase = "all";
        InputOptions options;
    };
    auto args = std::make_shared<Args>();
    cmd->add_option(
           "INPUT", args->inputs,
           "Trace files (swb trace, swb import-strace), analyses (swb analyze), a project (.swbproj) or "
           "seccomp profiles (Docker, OCI, Kubernetes: the syscalls they allow)")
        ->required();
    cmd->add_option("--phase", args->phase, "all (default), init or serving")
        ->check(CLI::IsMember({"all", "init", "serving"}));
    addPhaseOptions(cmd, args->options);
    cmd->final_callback([args, &ctx] {
        const Inputs in = loadInputs(args->inputs, args->options);
        const PhaseSelection phase = *phaseSelectionFromName(args->phase);
        for (const auto& name : in.syscallNames(phase))
            std::cout << name << '\n';
        ctx.exitCode = 0;
    });
}

} // namespace swb::cli
