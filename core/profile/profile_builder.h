#pragma once

#include "phase/evidence.h"
#include "profile/profile.h"
#include "profile/project.h"

#include <string>
#include <vector>

namespace swb {

struct ProfileBuildOptions {
    PhaseSelection phase = PhaseSelection::All;
    int errnoRet = 1;                      // EPERM
    std::vector<ReviewDecision> decisions; // applied after the evidence
};

// The allowlist profile the evidence supports for a phase, after the review decisions: every
// syscall gets an Allow rule in group "program" (or "review" when only a decision allows it) with a
// reason naming its evidence. Syscalls a decision denies are left out and listed in `warnings`.
// The container runtime's own group is added separately (runtime_groups.h).
Profile buildProfile(const EvidenceSet& evidence, const ProfileBuildOptions& options);

// Whether a syscall ends up allowed in a phase, after the review decisions.
bool allowedInPhase(const EvidenceSet& evidence, const std::vector<ReviewDecision>& decisions, int nr,
                    Phase phase);

// Where the review goes against what the program was seen doing: for each phase whose effective
// decision denies a syscall the traces saw in that phase, one line ("denied while serving, but
// seen 3x while serving"). Empty when the decisions agree with the run-time evidence. A denial of
// a syscall only the static analysis reaches is a reviewer's tightening, not a contradiction.
std::vector<std::string> decisionContradictions(const SyscallEvidence& evidence,
                                                const std::vector<ReviewDecision>& decisions);

} // namespace swb
