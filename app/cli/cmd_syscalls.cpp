#include "commands.h"

#include "trace/trace_file.h"

#include <iostream>

namespace swb::cli {

void printWarnings(const std::vector<std::string>& warnings) {
    for (const auto& w : warnings)
        std::cerr << "swb: warning: " << w << '\n';
}

void addSyscallsCommand(CLI::App& app, Context& ctx) {
    auto* cmd =
        app.add_subcommand("syscalls", "Print the sorted unique syscall names of a trace, one per line");
    auto input = std::make_shared<std::string>();
    cmd->add_option("INPUT", *input, "Trace file (from swb trace or swb import-strace)")->required();
    cmd->final_callback([input, &ctx] {
        auto loaded = readTraceFile(*input);
        printWarnings(loaded.warnings);
        for (const auto& name : loaded.trace.uniqueSyscallNames())
            std::cout << name << '\n';
        ctx.exitCode = 0;
    });
}

} // namespace swb::cli
