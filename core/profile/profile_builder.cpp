#include "profile/profile_builder.h"

#include <cstdio>

namespace swb {

namespace {

const ReviewDecision* decisionFor(const std::vector<ReviewDecision>& decisions, std::string_view name,
                                  Phase phase) {
    return findDecision(decisions, name, phase);
}

std::string evidenceReason(const SyscallEvidence& e) {
    std::string out;
    const auto& init = e.dynamic[static_cast<std::size_t>(Phase::Init)];
    const auto& serving = e.dynamic[static_cast<std::size_t>(Phase::Serving)];
    if (init.count + serving.count > 0) {
        out = "seen " + std::to_string(init.count) + "x in init, " + std::to_string(serving.count) +
              "x serving";
    }
    if (e.statics) {
        if (!out.empty())
            out += "; ";
        if (e.statics->special)
            out += "special case: " + e.statics->specialReason;
        else
            out += "static: " + std::to_string(e.statics->sites) + " reachable site" +
                   (e.statics->sites == 1 ? "" : "s") +
                   (e.statics->direct ? "" : ", only through indirect calls");
    }
    return out;
}

} // namespace

bool allowedInPhase(const EvidenceSet& evidence, const std::vector<ReviewDecision>& decisions, int nr,
                    Phase phase) {
    auto it = evidence.bySyscall.find(nr);
    const std::string name =
        it != evidence.bySyscall.end() ? it->second.name : SyscallTable::forArch(Arch::X86_64).name(nr);
    if (const ReviewDecision* d = decisionFor(decisions, name, phase))
        return d->verdict == ReviewDecision::Verdict::Allow;
    return it != evidence.bySyscall.end() && it->second.inPhase(phase);
}

Profile buildProfile(const EvidenceSet& evidence, const ProfileBuildOptions& options) {
    Profile p;
    p.defaultAction = SeccompAction::Errno;
    p.defaultErrno = options.errnoRet;
    const SyscallTable& table = SyscallTable::forArch(p.arch);
    auto wanted = [&](int nr, Phase phase) {
        return allowedInPhase(evidence, options.decisions, nr, phase);
    };
    auto inSelection = [&](int nr) {
        switch (options.phase) {
        case PhaseSelection::Init:
            return wanted(nr, Phase::Init);
        case PhaseSelection::Serving:
            return wanted(nr, Phase::Serving);
        case PhaseSelection::All:
            return wanted(nr, Phase::Init) || wanted(nr, Phase::Serving);
        }
        return false;
    };
    // Candidates: everything with evidence, plus every syscall a decision names.
    std::set<int> candidates;
    for (const auto& [nr, e] : evidence.bySyscall)
        candidates.insert(nr);
    for (const auto& d : options.decisions) {
        if (auto nr = table.number(d.syscall))
            candidates.insert(*nr);
        else
            p.warnings.push_back("review decision for unknown syscall '" + d.syscall + "' ignored");
    }
    for (int nr : candidates) {
        const std::string name = table.name(nr);
        auto it = evidence.bySyscall.find(nr);
        const bool hasEvidence = it != evidence.bySyscall.end();
        if (inSelection(nr)) {
            std::string reason = hasEvidence ? evidenceReason(it->second) : std::string();
            std::string group = "program";
            const ReviewDecision* d =
                decisionFor(options.decisions, name,
                            options.phase == PhaseSelection::Serving ? Phase::Serving : Phase::Init);
            if (d && d->verdict == ReviewDecision::Verdict::Allow) {
                if (!hasEvidence)
                    group = "review";
                reason += std::string(reason.empty() ? "" : "; ") + "review: allow" +
                          (d->note.empty() ? "" : " (" + d->note + ")");
            }
            p.allow(name, group, reason);
        } else if (hasEvidence) {
            const bool evidenced =
                options.phase == PhaseSelection::All
                    ? it->second.inPhase(Phase::Init) || it->second.inPhase(Phase::Serving)
                    : it->second.inPhase(options.phase == PhaseSelection::Init ? Phase::Init
                                                                               : Phase::Serving);
            if (evidenced) {
                const ReviewDecision* d =
                    decisionFor(options.decisions, name,
                                options.phase == PhaseSelection::Serving ? Phase::Serving : Phase::Init);
                p.warnings.push_back(name + " denied by review" +
                                     (d && !d->note.empty() ? ": " + d->note : std::string()) +
                                     " (evidence: " + evidenceReason(it->second) + ")");
            }
        }
    }
    return p;
}

std::vector<std::string> decisionContradictions(const SyscallEvidence& evidence,
                                                const std::vector<ReviewDecision>& decisions) {
    std::vector<std::string> out;
    for (const Phase phase : {Phase::Init, Phase::Serving}) {
        const ReviewDecision* d = decisionFor(decisions, evidence.name, phase);
        const auto seen = evidence.dynamic[static_cast<std::size_t>(phase)].count;
        if (!d || d->verdict != ReviewDecision::Verdict::Deny || seen == 0)
            continue;
        const char* where = phase == Phase::Init ? "in init" : "while serving";
        out.push_back(std::string("denied ") + where + ", but seen " + std::to_string(seen) + "x " + where);
    }
    return out;
}

} // namespace swb
