#include "commands.h"

#include "profile/profile_io.h"
#include "static/analysis_file.h"
#include "trace/trace_file.h"
#include "util/error.h"
#include "util/file_kind.h"

#include <iostream>

namespace swb::cli {

void printWarnings(const std::vector<std::string>& warnings) {
    for (const auto& w : warnings)
        std::cerr << "swb: warning: " << w << '\n';
}

std::vector<std::string> syscallNamesOf(const std::string& input) {
    switch (detectFileKind(input)) {
    case FileKind::Trace: {
        auto loaded = readTraceFile(input);
        printWarnings(loaded.warnings);
        return loaded.trace.uniqueSyscallNames();
    }
    case FileKind::Analysis: {
        const auto graph = readAnalysisFile(input);
        const auto& table = SyscallTable::forArch(graph.arch);
        std::vector<std::string> names;
        for (int nr : graph.syscalls())
            names.push_back(table.name(nr));
        std::sort(names.begin(), names.end());
        return names;
    }
    case FileKind::Profile: {
        const auto profile = loadProfile(input);
        printWarnings(profile.warnings);
        return profile.allowedNames();
    }
    case FileKind::Unknown:
        break;
    }
    throw Error(input + ": offset 0: neither a trace file nor an analysis file (nor a seccomp profile)");
}

void addSyscallsCommand(CLI::App& app, Context& ctx) {
    auto* cmd =
        app.add_subcommand("syscalls", "Print the sorted unique syscall names of a trace or an analysis, "
                                       "one per line");
    auto input = std::make_shared<std::string>();
    cmd->add_option("INPUT", *input,
                    "Trace file (swb trace, swb import-strace), analysis (swb analyze) or "
                    "seccomp profile (Docker, OCI, Kubernetes: the syscalls it allows)")
        ->required();
    cmd->final_callback([input, &ctx] {
        for (const auto& name : syscallNamesOf(*input))
            std::cout << name << '\n';
        ctx.exitCode = 0;
    });
}

} // namespace swb::cli
