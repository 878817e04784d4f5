#include "commands.h"

#include "trace/strace_import.h"
#include "trace/trace_file.h"

#include <iostream>

namespace swb::cli {

namespace {
constexpr std::size_t kShownProblems = 20;
}

void addImportStraceCommand(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand("import-strace", "Import strace -f / -ff text logs into a trace file");
    auto logs = std::make_shared<std::vector<std::string>>();
    auto output = std::make_shared<std::string>();
    cmd->add_option("LOG", *logs, "strace output (strace -f -o LOG, or every LOG.PID of strace -ff -o LOG)")
        ->required();
    cmd->add_option("-o,--output", *output, "Trace file to write (replaced only when the import succeeds)")
        ->required();
    cmd->final_callback([logs, output, &ctx] {
        Trace trace;
        MemorySink sink(trace);
        const auto report = importStraceLogs(*logs, sink);
        writeTraceFile(trace, *output);
        std::cerr << "imported " << report.events << " events from " << report.lines << " lines of "
                  << logs->size() << " files; " << report.unparsed << " lines could not be parsed\n";
        const auto shown = std::min(kShownProblems, report.problems.size());
        for (std::size_t i = 0; i < shown; ++i)
            std::cerr << report.problems[i] << '\n';
        if (report.unparsed > shown)
            std::cerr << "... and " << (report.unparsed - shown) << " more\n";
        ctx.exitCode = 0;
    });
}

} // namespace swb::cli
