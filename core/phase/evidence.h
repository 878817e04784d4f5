#pragma once

#include "model/callgraph.h"
#include "model/trace.h"
#include "phase/phase.h"

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace swb {

// What the traces show about one syscall in one phase.
struct DynamicPhaseEvidence {
    std::uint64_t count = 0;
    std::int64_t firstNs = 0;
    std::int64_t lastNs = 0;
    std::size_t firstEvent = 0;
    std::uint32_t firstStack = 0;                      // stack id of the first event with one, 0 = none
    std::vector<std::array<std::uint64_t, 6>> samples; // arguments of the first few distinct calls
};

// What the static analyses show about one syscall.
struct StaticEvidence {
    std::size_t sites = 0; // reachable sites
    bool special = false;  // a named special case (kernel-issued, signal return)
    std::string specialReason;
    bool serving = false; // reachable from the transition roots (true when no transition is set)
    // Reachable by direct calls alone in some analysis (CallGraph::reachableWithoutIndirect), or a
    // special case; false: only an indirect call (a function pointer) leads to it.
    bool direct = false;
    std::string witness; // the shortest witness path, entry -> ... -> site, one line
};

enum class EvidenceKind : std::uint8_t { None, Dynamic, Static, Both };
std::string_view evidenceKindName(EvidenceKind k); // "none", "dynamic", "static", "both"

struct SyscallEvidence {
    int nr = -1;
    std::string name;
    std::array<DynamicPhaseEvidence, 2> dynamic; // [Phase::Init], [Phase::Serving]
    std::optional<StaticEvidence> statics;
    bool seenDynamically() const { return dynamic[0].count + dynamic[1].count > 0; }
    EvidenceKind kind() const;
    // Whether the evidence puts this syscall in a phase.
    bool inPhase(Phase p) const;
};

struct EvidenceInputs {
    std::vector<const Trace*> traces;
    std::vector<PhaseSplit> splits; // one per trace
    std::vector<const CallGraph*> graphs;
    std::string transition; // for the static serving set; empty: every static syscall may serve
    std::size_t maxSamples = 3;
    bool witnesses = true; // compute a witness path per static syscall (a shortest-path search each)
};

struct EvidenceSet {
    std::map<int, SyscallEvidence> bySyscall;
    bool haveTraces = false;
    bool haveAnalyses = false;
    std::vector<std::string> notes;

    // Seen at run time but absent from every static analysis: an analyzer defect when both exist.
    std::vector<int> dynamicOnly() const;
    // In the static set but never seen: paths the workload did not exercise.
    std::vector<int> staticOnly() const;
    // In the static set only through indirect calls: the indirect-call model alone allows them.
    std::vector<int> indirectOnly() const;
    // Sorted syscall numbers the evidence puts in the selected phase.
    std::vector<int> syscalls(PhaseSelection selection) const;
};

EvidenceSet buildEvidence(const EvidenceInputs& inputs);

} // namespace swb
