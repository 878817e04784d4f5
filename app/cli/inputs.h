#pragma once

#include "model/callgraph.h"
#include "model/trace.h"
#include "phase/evidence.h"
#include "phase/phase.h"
#include "profile/profile.h"
#include "profile/project.h"

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace swb::cli {

// Everything the INPUT... of a command names: traces, analyses and projects (whose inputs,
// boundary, transition and review decisions are loaded with them).
struct Inputs {
    std::vector<std::string> tracePaths;
    std::vector<Trace> traces;
    std::vector<PhaseSplit> splits; // one per trace
    std::vector<std::string> analysisPaths;
    std::vector<CallGraph> graphs;
    std::vector<std::string> profilePaths; // seccomp profiles: their allowed syscalls, no phases
    std::vector<Profile> profiles;
    std::optional<Project> project;
    std::string projectPath;
    Boundary boundary{Boundary::Kind::Auto};
    std::string transition;
    std::vector<ReviewDecision> decisions;

    EvidenceSet evidence(bool witnesses = false) const;
    // Sorted names in a phase: the evidence's, plus everything the profiles allow.
    std::vector<std::string> syscallNames(PhaseSelection phase) const;
};

struct InputOptions {
    std::optional<std::string> boundary;   // overrides the project's
    std::optional<std::string> transition; // overrides the project's
};

// Loads the files; throws swb::Error naming a file that is none of the kinds.
Inputs loadInputs(const std::vector<std::string>& files, const InputOptions& options);

// Adds --boundary and --transition to a command.
void addPhaseOptions(CLI::App* cmd, InputOptions& options);

} // namespace swb::cli
