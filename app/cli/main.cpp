#include "commands.h"
#include "util/error.h"

#include <iostream>

int main(int argc, char** argv) {
    CLI::App app{"Seccomp Workbench: find which system calls a program needs, in which phase, and why.",
                 "swb"};
    app.set_version_flag("--version", std::string("swb ") + SWB_VERSION);
    app.require_subcommand(1);
    swb::cli::Context ctx;
    swb::cli::addTraceCommand(app, ctx);
    swb::cli::addImportStraceCommand(app, ctx);
    swb::cli::addAnalyzeCommand(app, ctx);
    swb::cli::addSyscallsCommand(app, ctx);
    swb::cli::addWhyCommand(app, ctx);
    swb::cli::addPhasesCommand(app, ctx);
    swb::cli::addEvidenceCommand(app, ctx);
    swb::cli::addProfileCommand(app, ctx);
    swb::cli::addValidateCommand(app, ctx);
    swb::cli::addProjectCommands(app, ctx);
    swb::cli::addDiffCommand(app, ctx);
    swb::cli::addImageCommands(app, ctx);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code != 0 && ctx.errorExitCode ? *ctx.errorExitCode : code;
    } catch (const swb::Error& e) {
        std::cerr << "swb: " << e.what() << '\n';
        return ctx.errorExitCode.value_or(1);
    }
    return ctx.exitCode;
}
