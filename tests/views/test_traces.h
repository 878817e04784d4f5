#pragma once

#include "model/trace.h"
#include "trace/trace_file.h"

#include <QString>

#include <cerrno>
#include <iterator>
#include <random>
#include <utility>

// Small synthetic traces for the view tests, built in memory (no tracer needed).
namespace swb::test {

inline constexpr int kRead = 0;
inline constexpr int kWrite = 1;
inline constexpr int kClose = 3;
inline constexpr int kMmap = 9;
inline constexpr int kExitGroup = 231;
inline constexpr int kOpenat = 257;
inline constexpr int kUnknown = 999;

inline SyscallEvent makeEvent(std::int64_t timeNs, Pid pid, Pid tid, int nr, std::int64_t ret,
                              std::array<std::uint64_t, 6> args = {}, std::uint8_t flags = 0) {
    SyscallEvent e;
    e.timeNs = timeNs;
    e.pid = pid;
    e.tid = tid;
    e.nr = nr;
    e.ret = ret;
    e.args = args;
    e.flags = flags;
    return e;
}

// Two processes (find with two threads, and sh) and eight events that cover every way a cell is
// written: an errno with a name, one without, a call that never returned, unknown arguments, an
// unknown syscall number, and a pid without a process record.
inline Trace makeSmallTrace() {
    Trace t;
    t.command = {"/usr/bin/find", "/etc"};
    ProcessInfo find;
    find.pid = 100;
    find.image = "/usr/bin/find";
    find.argv = t.command;
    find.threads = {100, 101};
    t.addProcess(find);
    ProcessInfo sh;
    sh.pid = 200;
    sh.parent = 100;
    sh.image = "/bin/sh";
    sh.argv = {"sh", "-c", "true"};
    t.addProcess(sh);

    // row 0: openat(AT_FDCWD, 0x7ffd2000, O_RDONLY|O_CLOEXEC) = -ENOENT
    t.append(makeEvent(1'000, 100, 100, kOpenat, -ENOENT, {0xffffff9c, 0x7ffd2000, 0x80000, 0, 0, 0}));
    // row 1: openat(...) = 3
    t.append(makeEvent(2'500'000, 100, 100, kOpenat, 3, {0xffffff9c, 0x7ffd2100, 0x80000, 0, 0, 0}));
    // row 2: read(3, ..., 4096) = 42, on the second thread
    t.append(makeEvent(12'345'678'901, 100, 101, kRead, 42, {3, 0x55550000, 4096, 0, 0, 0}));
    // row 3: write(1, ...) = -512 (ERESTARTSYS: kernel-internal, no errno name)
    t.append(makeEvent(12'400'000'000, 200, 200, kWrite, -512, {1, 0x55551000, 10, 0, 0, 0}));
    // row 4: close(3) = 0 with unknown arguments
    t.append(makeEvent(12'500'000'000, 100, 100, kClose, 0, {}, EventNoArgs));
    // row 5: syscall 999 = -ENOSYS from a pid the trace has no record of
    t.append(makeEvent(13'000'000'000, 300, 300, kUnknown, -ENOSYS));
    // row 6: mmap(...) = a large address
    t.append(makeEvent(14'000'000'000, 200, 200, kMmap, 0x7f0000000000,
                       {0, 8192, 3, 0x22, 0xffffffffffffffff, 0}));
    // row 7: exit_group(0), never returns
    t.append(makeEvent(15'000'000'000, 200, 200, kExitGroup, 0, {0, 0, 0, 0, 0, 0}, EventNoReturn));
    return t;
}

// Many events over a few syscalls, for sorting and filtering at some scale.
inline Trace makeLargeTrace(std::size_t events) {
    Trace t;
    ProcessInfo p;
    p.pid = 10;
    p.image = "/usr/bin/worker";
    t.addProcess(p);
    const int numbers[] = {kRead, kWrite, kClose, kOpenat};
    t.reserve(events);
    for (std::size_t i = 0; i < events; ++i)
        t.append(makeEvent(static_cast<std::int64_t>(i) * 1000, 10, 10 + static_cast<Pid>(i % 3),
                           numbers[i % 4], static_cast<std::int64_t>(i % 7) - 3));
    return t;
}

// Random events with many ties in every column: few pids (one without a process record), few
// syscalls (one unknown), errors, calls that never returned, unknown arguments.
inline Trace makeRandomTrace(std::size_t events, unsigned seed) {
    Trace t;
    for (const auto& [pid, image] :
         {std::pair{1, "/usr/bin/zsh"}, std::pair{2, "/bin/Bash"}, std::pair{3, "/bin/ash"}}) {
        ProcessInfo p;
        p.pid = pid;
        p.image = image;
        t.addProcess(p);
    }
    const int numbers[] = {kRead, kWrite, kClose, kMmap, kExitGroup, kOpenat, kUnknown};
    std::mt19937 rng(seed);
    for (std::size_t i = 0; i < events; ++i) {
        const Pid pid = static_cast<Pid>(1 + rng() % 4);
        const std::uint8_t flags = static_cast<std::uint8_t>((rng() % 10 == 0 ? EventNoReturn : 0) |
                                                             (rng() % 10 == 0 ? EventNoArgs : 0));
        t.append(makeEvent(static_cast<std::int64_t>(rng() % 50), pid, pid + static_cast<Pid>(rng() % 2),
                           numbers[rng() % std::size(numbers)], static_cast<std::int64_t>(rng() % 20) - 10,
                           {rng() % 4, 0, 0, 0, 0, 0}, flags));
    }
    return t;
}

inline void writeTrace(const Trace& trace, const QString& path) {
    writeTraceFile(trace, path.toStdString());
}

} // namespace swb::test
