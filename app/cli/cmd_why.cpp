#include "commands.h"
#include "format.h"
#include "profile/profile_io.h"

#include "profile/project.h"
#include "static/analysis_file.h"
#include "static/dot_export.h"
#include "trace/trace_file.h"
#include "util/atomic_file.h"
#include "util/error.h"
#include "util/file_kind.h"

#include <cstdio>
#include <iostream>
#include <map>

namespace swb::cli {

namespace {

std::string processName(const Trace& t, Pid pid) {
    const auto* p = t.findProcess(pid);
    if (!p || p->image.empty())
        return "pid " + std::to_string(pid);
    return p->image.substr(p->image.rfind('/') + 1) + "[" + std::to_string(pid) + "]";
}

int syscallNumber(const std::string& syscall, Arch arch) {
    const auto nr = SyscallTable::forArch(arch).number(syscall);
    if (!nr)
        throw Error("unknown syscall name '" + syscall + "' for " + std::string(archName(arch)));
    return *nr;
}

void explainTrace(const std::string& syscall, const std::string& input) {
    auto loaded = readTraceFile(input);
    printWarnings(loaded.warnings);
    const Trace& t = loaded.trace;
    const int nr = syscallNumber(syscall, t.arch);

    std::size_t count = 0, failed = 0;
    std::int64_t first = -1, last = -1;
    std::map<Pid, std::size_t> perProcess;
    std::map<std::uint32_t, std::size_t> perStack;
    std::size_t firstIndex = 0;
    for (std::size_t i = 0; i < t.eventCount(); ++i) {
        if (t.nr(i) != nr)
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
    std::cout << syscall << " (" << archName(t.arch) << " #" << nr << ") in " << input << '\n';
    if (count == 0) {
        std::cout << "  not seen in this trace\n";
        return;
    }
    std::cout << "  dynamic: " << count << " call" << (count == 1 ? "" : "s") << ", " << failed
              << " failed, first at " << formatSeconds(first) << ", last at " << formatSeconds(last) << '\n';
    std::cout << "  first call:";
    for (int k = 0; k < 6; ++k)
        std::cout << (k ? ", " : " (") << formatHex(t.arg(firstIndex, k));
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
}

struct WhyArgs {
    std::string syscall;
    std::vector<std::string> inputs;
    std::string dot;
    std::size_t maxPaths = 3;
};

void explainAnalysis(const WhyArgs& args, const std::string& input, bool& dotWritten) {
    const CallGraph g = readAnalysisFile(input);
    const int nr = syscallNumber(args.syscall, g.arch);
    std::cout << args.syscall << " (" << archName(g.arch) << " #" << nr << ") in " << input
              << " (static analysis of " << g.program << ")\n";
    for (const auto& s : g.specials)
        if (s.nr == nr)
            std::cout << "  allowed as a special case: " << s.reason << '\n';
    const auto live = g.reachable();
    std::size_t reachableSites = 0, deadSites = 0;
    for (const auto& s : g.sites)
        if (s.nr == nr)
            (live[s.function] ? reachableSites : deadSites)++;
    std::cout << "  static: " << reachableSites << " reachable site" << (reachableSites == 1 ? "" : "s")
              << ", " << deadSites << " in unreachable code\n";
    if (reachableSites > 0) {
        const auto direct = g.syscallsOf(g.reachableWithoutIndirect());
        if (std::binary_search(direct.begin(), direct.end(), nr))
            std::cout << "  reachable by direct calls alone (no function pointer on the way)\n";
        else
            std::cout << "  reachable only through indirect calls: every path from an entry calls "
                         "through a function pointer, so the indirect-call model alone allows it\n";
    }
    const auto paths = g.witnessPaths(nr, args.maxPaths);
    for (std::size_t i = 0; i < paths.size(); ++i) {
        std::cout << "  witness path " << i + 1 << ":\n";
        const auto& path = paths[i];
        for (std::size_t k = 0; k < path.size(); ++k) {
            const auto& step = path[k];
            std::cout << "    " << (k == 0 ? "entry " : "  -> ");
            if (k > 0 && step.via != EdgeKind::Direct)
                std::cout << "[" << edgeKindName(step.via) << "] ";
            std::cout << (step.site ? g.describe(step.function, step.site) : g.describe(step.function));
            if (const auto& fn = g.functions[step.function]; !fn.sourceFile.empty())
                std::cout << " (" << fn.sourceFile << ':' << fn.line << ')';
            if (k + 1 == path.size())
                std::cout << "  <- syscall";
            std::cout << '\n';
        }
    }
    const auto unresolved = g.unresolvedSites();
    if (!unresolved.empty()) {
        std::cout << "  " << unresolved.size() << " reachable syscall site"
                  << (unresolved.size() == 1 ? "" : "s")
                  << " with an unknown number (any syscall could be made there):\n";
        std::size_t shown = 0;
        for (const auto* s : unresolved) {
            if (shown++ == 5) {
                std::cout << "    ... and " << unresolved.size() - 5 << " more\n";
                break;
            }
            std::cout << "    " << g.describe(s->function, s->address) << ": " << s->reason << '\n';
        }
    }
    if (!args.dot.empty() && !dotWritten) {
        writeFileAtomically(args.dot, witnessPathsToDot(g, paths, args.syscall + " in " + g.program));
        dotWritten = true;
        std::cerr << "swb: witness paths written to " << args.dot << " (render with: dot -Tsvg " << args.dot
                  << ")\n";
    }
}

// A profile's rules for the syscall, each with its group and reason.
void explainProfile(const std::string& syscall, const std::string& input) {
    const Profile profile = loadProfile(input);
    printWarnings(profile.warnings);
    const auto nr = SyscallTable::forArch(profile.arch).number(syscall);
    std::cout << input << ": profile, default action " << seccompActionName(profile.defaultAction) << "\n";
    bool any = false;
    for (const ProfileRule& r : profile.rules) {
        if (r.name != syscall && (!nr || r.nr != nr))
            continue;
        any = true;
        std::cout << "  " << seccompActionName(r.action);
        if (r.action == SeccompAction::Errno)
            std::cout << "(" << (r.errnoRet >= 0 ? r.errnoRet : profile.defaultErrno) << ")";
        for (const ArgCondition& c : r.args)
            std::cout << " arg" << c.index << " " << argOpName(c.op) << " " << c.value
                      << (c.op == ArgOp::MaskedEqual ? " " + std::to_string(c.valueTwo) : std::string());
        std::cout << "  [" << r.group << "] " << r.reason << "\n";
    }
    if (!any)
        std::cout << "  no rule: the default action applies\n";
}

int explain(const WhyArgs& args) {
    bool dotWritten = false;
    // A project stands for its traces and analyses, and its review decision is shown.
    std::vector<std::string> files;
    for (const auto& input : args.inputs) {
        if (detectFileKind(input) != FileKind::Project) {
            files.push_back(input);
            continue;
        }
        const Project p = readProject(input);
        files.insert(files.end(), p.traces.begin(), p.traces.end());
        files.insert(files.end(), p.analyses.begin(), p.analyses.end());
        std::cout << input << ": boundary " << p.boundary.toString();
        if (!p.transition.empty())
            std::cout << ", transition " << p.transition;
        std::cout << "\n";
        for (const auto& d : p.decisions)
            if (d.syscall == args.syscall)
                std::cout << "  review: " << verdictName(d.verdict) << " in "
                          << (d.phase == PhaseSelection::All    ? "all phases"
                              : d.phase == PhaseSelection::Init ? "init"
                                                                : "serving")
                          << (d.note.empty() ? "" : ": " + d.note) << "\n";
    }
    for (const auto& input : files) {
        switch (detectFileKind(input)) {
        case FileKind::Trace:
            explainTrace(args.syscall, input);
            break;
        case FileKind::Analysis:
            explainAnalysis(args, input, dotWritten);
            break;
        case FileKind::Profile:
            explainProfile(args.syscall, input);
            break;
        case FileKind::Unknown:
            throw Error(input + ": offset 0: not a trace, analysis, project or seccomp profile file");
        case FileKind::Project:
            throw Error(input + ": a project cannot name another project as an input");
        }
    }
    if (!args.dot.empty() && !dotWritten)
        throw Error("--dot needs an analysis file among the inputs");
    return 0;
}

} // namespace

void addWhyCommand(CLI::App& app, Context& ctx) {
    auto* cmd =
        app.add_subcommand("why", "Show the evidence for a syscall: its calls, processes and call stacks "
                                  "(traces), its sites and witness paths (analyses)");
    auto args = std::make_shared<WhyArgs>();
    cmd->add_option("SYSCALL", args->syscall, "Syscall name (e.g. openat, or syscall_N)")->required();
    cmd->add_option("INPUT", args->inputs,
                    "Trace files (record stacks with swb trace --stacks), analyses and seccomp profiles")
        ->required();
    cmd->add_option("--paths", args->maxPaths, "Witness paths to show per analysis (default 3)");
    cmd->add_option("--dot", args->dot, "Write the witness paths as a Graphviz DOT file");
    cmd->final_callback([args, &ctx] { ctx.exitCode = explain(*args); });
}

} // namespace swb::cli
