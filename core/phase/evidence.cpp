#include "phase/evidence.h"

#include <algorithm>

namespace swb {

std::string_view evidenceKindName(EvidenceKind k) {
    switch (k) {
    case EvidenceKind::None:
        return "none";
    case EvidenceKind::Dynamic:
        return "dynamic";
    case EvidenceKind::Static:
        return "static";
    case EvidenceKind::Both:
        return "both";
    }
    return "none";
}

EvidenceKind SyscallEvidence::kind() const {
    const bool d = seenDynamically();
    const bool s = statics.has_value();
    return d && s ? EvidenceKind::Both
           : d    ? EvidenceKind::Dynamic
           : s    ? EvidenceKind::Static
                  : EvidenceKind::None;
}

bool SyscallEvidence::inPhase(Phase p) const {
    if (dynamic[static_cast<std::size_t>(p)].count > 0)
        return true;
    if (!statics)
        return false;
    return p == Phase::Init || statics->serving;
}

std::vector<int> EvidenceSet::dynamicOnly() const {
    std::vector<int> out;
    for (const auto& [nr, e] : bySyscall)
        if (e.seenDynamically() && !e.statics)
            out.push_back(nr);
    return out;
}

std::vector<int> EvidenceSet::staticOnly() const {
    std::vector<int> out;
    for (const auto& [nr, e] : bySyscall)
        if (!e.seenDynamically() && e.statics)
            out.push_back(nr);
    return out;
}

std::vector<int> EvidenceSet::indirectOnly() const {
    std::vector<int> out;
    for (const auto& [nr, e] : bySyscall)
        if (e.statics && !e.statics->direct)
            out.push_back(nr);
    return out;
}

std::vector<int> EvidenceSet::syscalls(PhaseSelection selection) const {
    std::vector<int> out;
    for (const auto& [nr, e] : bySyscall) {
        const bool init = e.inPhase(Phase::Init);
        const bool serving = e.inPhase(Phase::Serving);
        if ((selection == PhaseSelection::All && (init || serving)) ||
            (selection == PhaseSelection::Init && init) || (selection == PhaseSelection::Serving && serving))
            out.push_back(nr);
    }
    return out;
}

namespace {

std::string witnessLine(const CallGraph& g, const CallGraph::Path& path) {
    std::string out;
    for (std::size_t k = 0; k < path.size(); ++k) {
        if (k)
            out += " -> ";
        out += g.describe(path[k].function, path[k].site);
    }
    return out;
}

} // namespace

EvidenceSet buildEvidence(const EvidenceInputs& in) {
    EvidenceSet set;
    set.haveTraces = !in.traces.empty();
    set.haveAnalyses = !in.graphs.empty();
    auto entry = [&](int nr, Arch arch) -> SyscallEvidence& {
        auto& e = set.bySyscall[nr];
        if (e.nr < 0) {
            e.nr = nr;
            e.name = SyscallTable::forArch(arch).name(nr);
        }
        return e;
    };
    for (std::size_t t = 0; t < in.traces.size(); ++t) {
        const Trace& trace = *in.traces[t];
        const PhaseSplit split = t < in.splits.size() ? in.splits[t] : resolveBoundary(trace, Boundary{});
        for (std::size_t i = 0; i < trace.eventCount(); ++i) {
            const int nr = trace.nr(i);
            if (nr < 0)
                continue;
            const Phase phase = trace.timeNs(i) >= split.timeNs ? Phase::Serving : Phase::Init;
            DynamicPhaseEvidence& d = entry(nr, trace.arch).dynamic[static_cast<std::size_t>(phase)];
            if (d.count == 0) {
                d.firstNs = trace.timeNs(i);
                d.firstEvent = i;
            }
            ++d.count;
            d.lastNs = std::max(d.lastNs, trace.timeNs(i));
            if (d.firstStack == 0)
                d.firstStack = trace.stackId(i);
            if (d.samples.size() < in.maxSamples && !(trace.flags(i) & EventNoArgs)) {
                std::array<std::uint64_t, 6> a{};
                for (int k = 0; k < 6; ++k)
                    a[static_cast<std::size_t>(k)] = trace.arg(i, k);
                if (std::find(d.samples.begin(), d.samples.end(), a) == d.samples.end())
                    d.samples.push_back(a);
            }
        }
    }
    for (const CallGraph* g : in.graphs) {
        std::vector<int> serving;
        bool haveTransition = false;
        if (!in.transition.empty()) {
            const StaticPhases phases = staticPhases(*g, in.transition);
            serving = phases.serving;
            haveTransition = true;
        }
        const auto live = g->reachable();
        const auto direct = g->syscallsOf(g->reachableWithoutIndirect());
        std::map<int, std::size_t> siteCount;
        for (const auto& s : g->sites)
            if (s.nr >= 0 && s.function < live.size() && live[s.function])
                ++siteCount[s.nr];
        for (int nr : g->syscalls()) {
            SyscallEvidence& e = entry(nr, g->arch);
            if (!e.statics)
                e.statics = StaticEvidence{};
            StaticEvidence& s = *e.statics;
            s.sites += siteCount.count(nr) ? siteCount[nr] : 0;
            for (const auto& sp : g->specials)
                if (sp.nr == nr) {
                    s.special = true;
                    s.specialReason = sp.reason;
                }
            s.direct = s.direct || std::binary_search(direct.begin(), direct.end(), nr);
            s.serving =
                s.serving || !haveTransition || std::binary_search(serving.begin(), serving.end(), nr);
            if (in.witnesses && s.witness.empty() && siteCount.count(nr)) {
                const auto paths = g->witnessPaths(nr, 1);
                if (!paths.empty())
                    s.witness = witnessLine(*g, paths.front());
            }
        }
        if (const auto unresolved = g->unresolvedSites(); !unresolved.empty())
            set.notes.push_back(g->program + ": " + std::to_string(unresolved.size()) +
                                " reachable syscall sites could not be resolved (see swb why)");
    }
    return set;
}

} // namespace swb
