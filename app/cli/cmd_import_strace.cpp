#include "commands.h"

namespace swb::cli {

// Filled in by the strace importer (core/trace/strace_import.h).
void addImportStraceCommand(CLI::App&, Context&) {}

} // namespace swb::cli
