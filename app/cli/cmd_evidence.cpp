#include "commands.h"
#include "format.h"
#include "inputs.h"

#include "profile/profile_builder.h"

#include <cstdio>
#include <iostream>

namespace swb::cli {

namespace {

std::string decisionText(const Inputs& in, const std::string& name) {
    std::string out;
    for (const auto& d : in.decisions)
        if (d.syscall == name) {
            out += std::string(out.empty() ? "" : ",") + std::string(verdictName(d.verdict)) + "(" +
                   std::string(phaseSelectionName(d.phase)) + ")";
        }
    return out.empty() ? "-" : out;
}

} // namespace

void addEvidenceCommand(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand(
        "evidence",
        "Per syscall and phase: dynamic counts and times, static sites, review decisions; then the "
        "syscalls seen at run time but missing statically (an analyzer defect) and the static-only "
        "ones (paths the workload did not exercise)");
    struct Args {
        std::vector<std::string> inputs;
        InputOptions options;
        bool witness = false;
    };
    auto args = std::make_shared<Args>();
    cmd->add_option("INPUT", args->inputs, "Trace files, analyses or a project")->required();
    addPhaseOptions(cmd, args->options);
    cmd->add_flag("--witness", args->witness, "Show the shortest witness path of each static syscall");
    cmd->final_callback([args, &ctx] {
        const Inputs in = loadInputs(args->inputs, args->options);
        const EvidenceSet ev = in.evidence(args->witness);
        std::printf("%-22s %4s %9s %9s %9s %6s %-8s %-4s %-4s %s\n", "syscall", "nr", "init", "serving",
                    "first", "sites", "evidence", "init", "serv", "review");
        for (const auto& [nr, e] : ev.bySyscall) {
            const auto& di = e.dynamic[0];
            const auto& ds = e.dynamic[1];
            std::int64_t first = -1;
            if (di.count)
                first = di.firstNs;
            else if (ds.count)
                first = ds.firstNs;
            const bool init = allowedInPhase(ev, in.decisions, nr, Phase::Init);
            const bool serving = allowedInPhase(ev, in.decisions, nr, Phase::Serving);
            std::printf("%-22s %4d %9llu %9llu %9s %6s %-8s %-4s %-4s %s\n", e.name.c_str(), nr,
                        static_cast<unsigned long long>(di.count), static_cast<unsigned long long>(ds.count),
                        first >= 0 ? formatSeconds(first, 3).c_str() : "-",
                        e.statics ? (e.statics->special ? "spec" : std::to_string(e.statics->sites).c_str())
                                  : "-",
                        std::string(evidenceKindName(e.kind())).c_str(), init ? "yes" : "no",
                        serving ? "yes" : "no", decisionText(in, e.name).c_str());
            if (args->witness && e.statics && !e.statics->witness.empty())
                std::printf("    %s\n", e.statics->witness.c_str());
        }
        const std::size_t initCount = ev.syscalls(PhaseSelection::Init).size();
        const std::size_t servingCount = ev.syscalls(PhaseSelection::Serving).size();
        std::cout << "\n"
                  << ev.bySyscall.size() << " syscalls; by evidence: " << initCount << " in init, "
                  << servingCount << " in serving (before review decisions)\n";
        if (ev.haveTraces && ev.haveAnalyses) {
            const auto dyn = ev.dynamicOnly();
            std::cout << "\nSeen at run time but absent from the static analysis (" << dyn.size()
                      << "; an analyzer defect, please report):";
            for (int nr : dyn)
                std::cout << ' ' << ev.bySyscall.at(nr).name;
            const auto st = ev.staticOnly();
            std::cout << "\nStatic only, never seen at run time (" << st.size() << "; unexercised paths):";
            for (int nr : st)
                std::cout << ' ' << ev.bySyscall.at(nr).name;
            std::cout << '\n';
        }
        if (ev.haveAnalyses) {
            const auto ind = ev.indirectOnly();
            std::cout << "\nReached only through indirect calls (" << ind.size()
                      << "; the indirect-call model alone allows them):";
            for (int nr : ind)
                std::cout << ' ' << ev.bySyscall.at(nr).name;
            std::cout << '\n';
        }
        for (const auto& n : ev.notes)
            std::cout << "note: " << n << '\n';
        ctx.exitCode = 0;
    });
}

} // namespace swb::cli
