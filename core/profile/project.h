#pragma once

#include "phase/phase.h"

#include <string>
#include <vector>

namespace swb {

// A person's decision about one syscall in one phase (or all), applied when a profile is exported.
struct ReviewDecision {
    enum class Verdict : std::uint8_t { Allow, Deny };
    std::string syscall;
    PhaseSelection phase = PhaseSelection::All;
    Verdict verdict = Verdict::Allow;
    std::string note;
    bool operator==(const ReviewDecision&) const = default;
};
std::string_view verdictName(ReviewDecision::Verdict v); // "allow" / "deny"

// The decision for a syscall in a phase among `decisions`: a phase-specific one wins over an "all"
// one; nullptr when there is none.
const ReviewDecision* findDecision(const std::vector<ReviewDecision>& decisions, std::string_view syscall,
                                   Phase phase);

// A review session saved to disk (.swbproj, JSON; docs/formats.md "Project file").
struct Project {
    static constexpr int kVersion = 1;

    std::string name;
    // Input files. In memory: absolute paths; on disk: relative to the project file's directory.
    std::vector<std::string> traces;
    std::vector<std::string> analyses;
    std::string program; // the program the inputs describe (informational)
    std::string rootfs;  // for runc validation, empty when none

    // The container image the inputs come from (File › New Analysis from Container Image, swb
    // project create --image): empty source when none. Informational, and what validation runs.
    struct ImageInfo {
        std::string source;         // as given: "oci:/path", "docker:redis:7", ...
        std::string kind;           // "oci", "docker-archive", "dir"
        std::string manifestDigest; // "sha256:..." (empty for a directory)
        std::string configDigest;
        std::vector<std::string> entrypoint; // Entrypoint + Cmd
        std::string mode;                    // "application" or "container-wide"
        bool operator==(const ImageInfo&) const = default;
    } image;

    Boundary boundary{Boundary::Kind::Auto};
    std::string transition; // static transition function, empty when none

    std::vector<ReviewDecision> decisions;

    struct ExportSettings {
        std::string format = "docker"; // docker|oci|k8s|bpf|pfc
        PhaseSelection phase = PhaseSelection::All;
        std::string runtime = "runc"; // runc|crun|none
        int errnoRet = 1;
        std::string output; // last export target, empty when none
        bool operator==(const ExportSettings&) const = default;
    } exportSettings;

    // The decision for a syscall in a phase: a phase-specific one wins over an "all" one.
    const ReviewDecision* decisionFor(std::string_view syscall, Phase phase) const;
    // Replaces the decision with the same syscall and phase, or adds it.
    void setDecision(ReviewDecision d);
    bool removeDecision(std::string_view syscall, PhaseSelection phase);
};

// Reads a project file. Throws swb::Error naming the file, the position (line:column for JSON
// syntax, the JSON path for a wrong field) and the problem; refuses newer versions.
Project readProject(const std::string& path);
Project parseProject(std::string_view text, const std::string& path);
// Writes atomically (PATH.partial, then rename).
void writeProject(const Project& project, const std::string& path);
std::string serializeProject(const Project& project, const std::string& path);
bool looksLikeProjectFile(std::string_view head);

} // namespace swb
