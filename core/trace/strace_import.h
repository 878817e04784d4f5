#pragma once

#include "trace/trace_sink.h"

#include <cstddef>
#include <string>
#include <vector>

namespace swb {

// What importStraceLogs read, and every line it could not use.
struct StraceImportReport {
    std::size_t lines = 0;  // non-blank lines read, over all files
    std::size_t events = 0; // syscall events delivered
    // "FILE:LINE: problem: <the line, shortened>", in file and line order. Holds the first
    // kMaxProblems; `unparsed` counts them all.
    std::vector<std::string> problems;
    std::size_t unparsed = 0; // lines that were neither imported nor recognised as informational

    static constexpr std::size_t kMaxProblems = 10'000;
};

// Imports strace text logs (docs/formats.md, "strace import"): `strace -f` into one file (with or
// without -t, -tt, -ttt, -r, -T, -y, -Y, -i, -n), strace on a terminal ("[pid N]" prefixes), or
// the per-process files of `strace -ff -o LOG` (LOG.PID). Several files are merged by time.
// Syscall names resolve through libseccomp for `arch`; a line that cannot be imported is counted
// and reported, never dropped silently. Delivers everything to `sink` in time order, with the
// command {"import-strace", paths...}.
// Throws swb::Error naming the file for an unreadable file, a file without a single strace line,
// and files whose timestamps cannot be merged (e.g. one with -ttt, one without timestamps).
StraceImportReport importStraceLogs(const std::vector<std::string>& paths, TraceSink& sink,
                                    Arch arch = Arch::X86_64);

} // namespace swb
