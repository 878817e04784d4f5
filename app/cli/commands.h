#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace swb::cli {

// Each command file adds one subcommand; its callback stores the process exit status here.
struct Context {
    int exitCode = 0;
    // The status for errors (swb::Error, usage) when a command has its own convention (diff: 2).
    std::optional<int> errorExitCode;
};

void addTraceCommand(CLI::App& app, Context& ctx);
void addImportStraceCommand(CLI::App& app, Context& ctx);
void addAnalyzeCommand(CLI::App& app, Context& ctx);
void addSyscallsCommand(CLI::App& app, Context& ctx);
void addWhyCommand(CLI::App& app, Context& ctx);
void addPhasesCommand(CLI::App& app, Context& ctx);
void addEvidenceCommand(CLI::App& app, Context& ctx);
void addDiffCommand(CLI::App& app, Context& ctx);
void addProfileCommand(CLI::App& app, Context& ctx);
void addValidateCommand(CLI::App& app, Context& ctx);
void addProjectCommands(CLI::App& app, Context& ctx);
void addImageCommands(CLI::App& app, Context& ctx);

// Prints the loader's warnings on stderr, the way every command reports them.
void printWarnings(const std::vector<std::string>& warnings);
// Sorted unique syscall names of a trace or analysis file, or the syscalls a profile allows.
std::vector<std::string> syscallNamesOf(const std::string& input);

} // namespace swb::cli
