#include "commands.h"
#include "format.h"
#include "inputs.h"

#include <cstdio>
#include <iostream>

namespace swb::cli {

namespace {

std::string joinNames(const std::vector<int>& nrs, Arch arch) {
    std::vector<std::string> names;
    for (int nr : nrs)
        names.push_back(SyscallTable::forArch(arch).name(nr));
    std::sort(names.begin(), names.end());
    std::string out;
    for (const auto& n : names)
        out += (out.empty() ? "" : " ") + n;
    return out;
}

std::vector<int> minus(const std::vector<int>& a, const std::vector<int>& b) {
    std::vector<int> out;
    std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
    return out;
}

} // namespace

void addPhasesCommand(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand(
        "phases", "Propose init/serving boundaries for traces (with the reason for each), apply one, and "
                  "show the syscalls of each phase");
    struct Args {
        std::vector<std::string> inputs;
        InputOptions options;
    };
    auto args = std::make_shared<Args>();
    cmd->add_option("INPUT", args->inputs, "Trace files, analyses or a project")->required();
    addPhaseOptions(cmd, args->options);
    cmd->final_callback([args, &ctx] {
        const Inputs in = loadInputs(args->inputs, args->options);
        for (std::size_t k = 0; k < in.traces.size(); ++k) {
            const Trace& t = in.traces[k];
            std::cout << in.tracePaths[k] << ": " << t.eventCount() << " events, "
                      << formatSeconds(t.durationNs()) << "\n";
            const auto candidates = suggestBoundaries(t);
            if (candidates.empty())
                std::cout << "  no boundary candidates\n";
            for (std::size_t c = 0; c < candidates.size(); ++c) {
                const auto& cand = candidates[c];
                std::cout << "  candidate " << c + 1 << " (" << boundaryMethodName(cand.method) << "): #"
                          << cand.event << " at " << formatSeconds(cand.timeNs) << ": " << cand.reason
                          << "\n";
                if (!cand.transitionFunction.empty())
                    std::cout << "    transition function on the stack: " << cand.transitionFunction << "\n";
            }
            const PhaseSplit& s = in.splits[k];
            const auto init = traceSyscalls(t, s, PhaseSelection::Init);
            const auto serving = traceSyscalls(t, s, PhaseSelection::Serving);
            std::cout << "  boundary " << in.boundary.toString() << ": " << s.reason << "\n";
            std::cout << "  init: " << init.size() << " syscalls, " << (t.eventCount() - s.servingEvents)
                      << " events\n";
            std::cout << "  serving: " << serving.size() << " syscalls, " << s.servingEvents << " events\n";
            std::cout << "  init only: " << joinNames(minus(init, serving), t.arch) << "\n";
            std::cout << "  serving only: " << joinNames(minus(serving, init), t.arch) << "\n";
        }
        if (!in.graphs.empty() && !in.transition.empty()) {
            for (std::size_t k = 0; k < in.graphs.size(); ++k) {
                const StaticPhases p = staticPhases(in.graphs[k], in.transition);
                std::cout << in.analysisPaths[k] << ": transition " << in.transition << " ("
                          << p.transition.size() << " function" << (p.transition.size() == 1 ? "" : "s")
                          << ", " << p.roots.size() << " serving roots with callbacks and destructors)\n";
                std::cout << "  all: " << p.all.size() << " syscalls; serving: " << p.serving.size() << "\n";
                std::cout << "  init only: " << joinNames(minus(p.all, p.serving), in.graphs[k].arch) << "\n";
            }
        }
        ctx.exitCode = 0;
    });
}

} // namespace swb::cli
