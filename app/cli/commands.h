#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace swb::cli {

// Each command file adds one subcommand; its callback stores the process exit status here.
struct Context {
    int exitCode = 0;
};

void addTraceCommand(CLI::App& app, Context& ctx);
void addImportStraceCommand(CLI::App& app, Context& ctx);
void addAnalyzeCommand(CLI::App& app, Context& ctx);
void addSyscallsCommand(CLI::App& app, Context& ctx);
void addWhyCommand(CLI::App& app, Context& ctx);
void addPhasesCommand(CLI::App& app, Context& ctx);
void addEvidenceCommand(CLI::App& app, Context& ctx);

// Prints the loader's warnings on stderr, the way every command reports them.
void printWarnings(const std::vector<std::string>& warnings);
// Sorted unique syscall names of a trace or analysis file.
std::vector<std::string> syscallNamesOf(const std::string& input);

} // namespace swb::cli
