#pragma once

#include "model/callgraph.h"
#include "model/trace.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace swb {

enum class Phase : std::uint8_t { Init = 0, Serving = 1 };
// Which part of a program's life a command works on.
enum class PhaseSelection : std::uint8_t { All, Init, Serving };
std::string_view phaseName(Phase p);
std::optional<PhaseSelection> phaseSelectionFromName(std::string_view name); // all|init|serving
std::string_view phaseSelectionName(PhaseSelection s);                       // all|init|serving

// Where initialization ends on a trace, as a person writes it: "12.5s", "250ms", "1500us", "#4711"
// (the first serving event), "auto" (the best suggestion) or "none" (everything is init).
struct Boundary {
    enum class Kind : std::uint8_t { None, Time, Event, Auto };
    Kind kind = Kind::None;
    std::int64_t timeNs = 0;
    std::size_t event = 0;

    // Throws swb::Error naming the text and what is wrong with it.
    static Boundary parse(std::string_view text);
    std::string toString() const;
    bool operator==(const Boundary&) const = default;
};

// A suggested boundary with the reason a person can check.
struct BoundaryCandidate {
    enum class Method : std::uint8_t { ServingLoop, Knee };
    Method method = Method::ServingLoop;
    std::size_t event = 0; // the first event of the serving phase
    std::int64_t timeNs = 0;
    std::string reason;
    // With stacks: the function of the program's own code on the stack of the boundary event, the
    // candidate transition function for the static side (module!function).
    std::string transitionFunction;
};
std::string_view boundaryMethodName(BoundaryCandidate::Method m);

// Candidates, best first: the first blocking serving-loop call (epoll_wait, poll, select, accept,
// ...) after the first listen(); then the knee of the cumulative unique-syscall curve.
std::vector<BoundaryCandidate> suggestBoundaries(const Trace& trace);

// A boundary resolved on one trace: events [0, firstServingEvent) are init, the rest serving.
struct PhaseSplit {
    std::size_t firstServingEvent = 0;
    std::int64_t timeNs = 0;
    std::string reason;
    bool hasServing() const { return servingEvents > 0; }
    std::size_t servingEvents = 0;
};

// Resolves a boundary on a trace. Auto picks the best suggestion, or none when there is none.
// Throws swb::Error when an event number is past the end.
PhaseSplit resolveBoundary(const Trace& trace, const Boundary& boundary);

// Sorted unique syscall numbers a trace shows in the selected phase.
std::vector<int> traceSyscalls(const Trace& trace, const PhaseSplit& split, PhaseSelection selection);

// Static phases: the serving set is what is reachable from a transition function (an event loop),
// together with everything that may run asynchronously once serving started (callbacks registered
// during init: signal handlers, thread start routines, atexit handlers; and the destructors).
struct StaticPhases {
    std::vector<int> all;     // reachable from the entry points
    std::vector<int> serving; // reachable from the transition roots
    std::vector<FunctionId> transition;
    std::vector<FunctionId> roots; // every root of the serving set
};
// Throws swb::Error when `transition` names no function of the graph.
StaticPhases staticPhases(const CallGraph& graph, std::string_view transition);

} // namespace swb
