#pragma once

#include "model/callgraph.h"

#include <functional>
#include <string>
#include <vector>

namespace swb {

struct AnalyzeOptions {
    std::string program;             // path of the executable (inside rootfs when rootfs is set)
    std::string rootfs;              // analyze as if this directory were /
    std::vector<std::string> dlopen; // extra libraries the program dlopen()s (names or paths)
    bool useCache = true;            // per-module results cached by build-id
    std::string cacheDir;            // default: $XDG_CACHE_HOME/swb or ~/.cache/swb
    unsigned threads = 2;
    // Progress: stage name, done, total. Called from the analyzing thread.
    std::function<void(const std::string&, std::size_t, std::size_t)> progress;
    // Polled between modules from any analyzing thread; when it returns true the analysis stops
    // and analyzeProgram throws swb::Cancelled.
    std::function<bool()> cancelled;
};

// Static analysis of a program and every library it loads: the cross-module call graph from its
// entry points, every syscall site with its number, and witness paths. Throws swb::Error when the
// program cannot be loaded, swb::Cancelled when options.cancelled said so.
CallGraph analyzeProgram(const AnalyzeOptions& options);

// The version of the per-module analysis; cached results of another version are ignored.
inline constexpr int kModuleAnalysisVersion = 5;

} // namespace swb
