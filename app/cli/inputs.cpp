#include "inputs.h"

#include "commands.h"
#include "profile/profile_io.h"
#include "static/analysis_file.h"
#include "trace/trace_file.h"
#include "util/error.h"
#include "util/file_kind.h"

#include <set>

namespace swb::cli {

namespace {

void addFile(Inputs& in, const std::string& file, bool fromProject) {
    switch (detectFileKind(file)) {
    case FileKind::Trace: {
        auto loaded = readTraceFile(file);
        printWarnings(loaded.warnings);
        in.tracePaths.push_back(file);
        in.traces.push_back(std::move(loaded.trace));
        return;
    }
    case FileKind::Analysis:
        in.analysisPaths.push_back(file);
        in.graphs.push_back(readAnalysisFile(file));
        return;
    case FileKind::Project: {
        if (fromProject)
            throw Error(file + ": a project cannot name another project as an input");
        if (in.project)
            throw Error(file + ": only one project per command (already have " + in.projectPath + ")");
        Project p = readProject(file);
        for (const auto& t : p.traces)
            addFile(in, t, true);
        for (const auto& a : p.analyses)
            addFile(in, a, true);
        in.boundary = p.boundary;
        in.transition = p.transition;
        in.decisions = p.decisions;
        in.projectPath = file;
        in.project = std::move(p);
        return;
    }
    case FileKind::Profile: {
        Profile p = loadProfile(file);
        printWarnings(p.warnings);
        in.profilePaths.push_back(file);
        in.profiles.push_back(std::move(p));
        return;
    }
    case FileKind::Unknown:
        break;
    }
    throw Error(file + ": offset 0: not a trace, analysis, project or seccomp profile file");
}

} // namespace

Inputs loadInputs(const std::vector<std::string>& files, const InputOptions& options) {
    Inputs in;
    for (const auto& f : files)
        addFile(in, f, false);
    if (options.boundary)
        in.boundary = Boundary::parse(*options.boundary);
    if (options.transition)
        in.transition = *options.transition;
    for (const Trace& t : in.traces)
        in.splits.push_back(resolveBoundary(t, in.boundary));
    return in;
}

EvidenceSet Inputs::evidence(bool witnesses) const {
    EvidenceInputs ei;
    for (const Trace& t : traces)
        ei.traces.push_back(&t);
    ei.splits = splits;
    for (const CallGraph& g : graphs)
        ei.graphs.push_back(&g);
    ei.transition = transition;
    ei.witnesses = witnesses;
    return buildEvidence(ei);
}

std::vector<std::string> Inputs::syscallNames(PhaseSelection phase) const {
    const EvidenceSet ev = evidence();
    std::set<std::string> names;
    for (int nr : ev.syscalls(phase))
        names.insert(ev.bySyscall.at(nr).name);
    for (const Profile& p : profiles)
        for (auto& n : p.allowedNames())
            names.insert(n);
    return {names.begin(), names.end()};
}

void addPhaseOptions(CLI::App* cmd, InputOptions& options) {
    cmd->add_option(
        "--boundary", options.boundary,
        "Where init ends on the traces: a time (12.5s, 250ms), an event (#4711), auto (default) or "
        "none");
    cmd->add_option(
        "--transition", options.transition,
        "Static transition function (name, module!name or 0xADDR): the serving set of an analysis "
        "is what is reachable from it");
}

} // namespace swb::cli
