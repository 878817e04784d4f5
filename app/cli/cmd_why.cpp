#include "commands.h"

#include "trace/trace_file.h"
#include "util/error.h"

#include <cstdio>
#include <iostream>
#include <map>

namespace swb::cli {

namespace {

std::string seconds(std::int64_t ns) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6fs", static_cast<double>(ns) / 1e9);
    return buf;
}

std::string hex(std::uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

std::string processName(const Trace& t, Pid pid) {
    const auto* p = t.findProcess(pid);
    if (!p || p->image.empty())
        return "pid " + std::to_string(pid);
    return p->image.substr(p->image.rfind('/') + 1) + "[" + std::to_string(pid) + "]";
}

int explain(const std::string& syscall, const std::string& input) {
    auto loaded = readTraceFile(input);
    printWarnings(loaded.warnings);
    const Trace& t = loaded.trace;
    const auto& table = SyscallTable::forArch(t.arch);
    const auto nr = table.number(syscall);
    if (!nr)
        throw Error("unknown syscall name '" + syscall + "' for " + std::string(archName(t.arch)));

    std::size_t count = 0, failed = 0;
    std::int64_t first = -1, last = -1;
    std::map<Pid, std::size_t> perProcess;
    std::map<std::uint32_t, std::size_t> perStack;
    std::size_t firstIndex = 0;
    for (std::size_t i = 0; i < t.eventCount(); ++i) {
        if (t.nr(i) != *nr)
            continue;
        if (count++ == 0) {
            first = t.timeNs(i);
            firstIndex = i;
        }
        last = t.timeNs(i);
        if (!(t.flags(i) & EventNoReturn) && t.ret(i) < 0 && t.ret(i) >= -4095)
            ++failed;
        ++perProcess[t.pid(i)];
        ++perStack[t.stackId(i)];
    }
    std::cout << syscall << " (" << archName(t.arch) << " #" << *nr << ") in " << input << '\n';
    if (count == 0) {
        std::cout << "  not seen in this trace\n";
        return 0;
    }
    std::cout << "  dynamic: " << count << " call" << (count == 1 ? "" : "s") << ", " << failed
              << " failed, first at " << seconds(first) << ", last at " << seconds(last) << '\n';
    std::cout << "  first call:";
    for (int k = 0; k < 6; ++k)
        std::cout << (k ? ", " : " (") << hex(t.arg(firstIndex, k));
    std::cout << ") = " << t.ret(firstIndex) << " by " << processName(t, t.pid(firstIndex)) << " tid "
              << t.tid(firstIndex) << '\n';
    std::cout << "  processes:\n";
    for (const auto& [pid, n] : perProcess)
        std::cout << "    " << processName(t, pid) << ": " << n << '\n';
    if (t.hasStacks()) {
        std::cout << "  call stacks (innermost first):\n";
        for (const auto& [id, n] : perStack) {
            if (id == 0) {
                std::cout << "    " << n << "x without a stack\n";
                continue;
            }
            std::cout << "    " << n << "x\n";
            for (const auto& f : t.stack(id))
                std::cout << "      " << f.display() << '\n';
        }
    }
    return 0;
}

} // namespace

void addWhyCommand(CLI::App& app, Context& ctx) {
    auto* cmd =
        app.add_subcommand("why", "Show the evidence for a syscall: its calls, processes and call stacks");
    auto syscall = std::make_shared<std::string>();
    auto input = std::make_shared<std::string>();
    cmd->add_option("SYSCALL", *syscall, "Syscall name (e.g. openat, or syscall_N)")->required();
    cmd->add_option("INPUT", *input, "Trace file (record stacks with swb trace --stacks)")->required();
    cmd->final_callback([syscall, input, &ctx] { ctx.exitCode = explain(*syscall, *input); });
}

} // namespace swb::cli
