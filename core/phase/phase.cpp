#include "phase/phase.h"

#include "util/error.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>
#include <sys/syscall.h>

namespace swb {

std::string_view phaseName(Phase p) {
    return p == Phase::Init ? "init" : "serving";
}

std::optional<PhaseSelection> phaseSelectionFromName(std::string_view name) {
    if (name == "all")
        return PhaseSelection::All;
    if (name == "init")
        return PhaseSelection::Init;
    if (name == "serving")
        return PhaseSelection::Serving;
    return std::nullopt;
}

std::string_view phaseSelectionName(PhaseSelection s) {
    return s == PhaseSelection::All ? "all" : s == PhaseSelection::Init ? "init" : "serving";
}

std::string_view boundaryMethodName(BoundaryCandidate::Method m) {
    return m == BoundaryCandidate::Method::ServingLoop ? "serving-loop" : "knee";
}

Boundary Boundary::parse(std::string_view text) {
    const std::string quoted = "boundary '" + std::string(text) + "'";
    Boundary b;
    if (text == "none") {
        b.kind = Kind::None;
        return b;
    }
    if (text == "auto") {
        b.kind = Kind::Auto;
        return b;
    }
    if (!text.empty() && text[0] == '#') {
        const auto digits = text.substr(1);
        std::size_t n = 0;
        auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
        if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size())
            throw Error(quoted + ": '#' must be followed by an event number, as in #4711");
        b.kind = Kind::Event;
        b.event = n;
        return b;
    }
    // A time: a decimal number and a unit (s when none is given).
    std::size_t unitAt = 0;
    while (unitAt < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[unitAt])) || text[unitAt] == '.'))
        ++unitAt;
    const std::string number(text.substr(0, unitAt));
    const std::string_view unit = text.substr(unitAt);
    double scale = 0;
    if (unit.empty() || unit == "s")
        scale = 1e9;
    else if (unit == "ms")
        scale = 1e6;
    else if (unit == "us")
        scale = 1e3;
    else if (unit == "ns")
        scale = 1;
    char* end = nullptr;
    const double value = number.empty() ? -1 : std::strtod(number.c_str(), &end);
    if (number.empty() || end != number.c_str() + number.size() || scale == 0 || !std::isfinite(value))
        throw Error(quoted +
                    ": expected a time (12.5s, 250ms, 1500us, 42ns), an event (#4711), 'auto' or 'none'");
    b.kind = Kind::Time;
    b.timeNs = static_cast<std::int64_t>(std::llround(value * scale));
    return b;
}

std::string Boundary::toString() const {
    switch (kind) {
    case Kind::None:
        return "none";
    case Kind::Auto:
        return "auto";
    case Kind::Event:
        return "#" + std::to_string(event);
    case Kind::Time: {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(timeNs) / 1e9);
        return std::string(buf) + "s";
    }
    }
    return "none";
}

namespace {

std::string seconds(std::int64_t ns) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6f s", static_cast<double>(ns) / 1e9);
    return buf;
}

std::string fileName(const std::string& path) {
    return path.substr(path.rfind('/') + 1);
}

// Whether a serving-loop call would block waiting for work (its timeout is not zero).
bool blocks(const Trace& t, std::size_t i) {
    if (t.flags(i) & EventNoArgs)
        return true;
    switch (t.nr(i)) {
    case SYS_epoll_wait:
    case SYS_epoll_pwait:
        return static_cast<std::int32_t>(t.arg(i, 3)) != 0;
    case SYS_poll:
        return static_cast<std::int32_t>(t.arg(i, 2)) != 0;
    default:
        return true; // accept, ppoll, select, pselect6, epoll_pwait2: a timeout behind a pointer
    }
}

bool isServingLoopCall(int nr) {
    switch (nr) {
    case SYS_epoll_wait:
    case SYS_epoll_pwait:
    case SYS_epoll_pwait2:
    case SYS_poll:
    case SYS_ppoll:
    case SYS_select:
    case SYS_pselect6:
    case SYS_accept:
    case SYS_accept4:
        return true;
    default:
        return false;
    }
}

// The program's own function on the stack of event i: the innermost frame in the executable.
std::string transitionFromStack(const Trace& t, std::size_t i) {
    const std::uint32_t id = t.stackId(i);
    if (id == 0)
        return {};
    const ProcessInfo* p = t.findProcess(t.pid(i));
    const std::string image = p ? fileName(p->image) : std::string();
    for (const StackFrame& f : t.stack(id))
        if (!f.function.empty() && !image.empty() && fileName(f.module) == image)
            return fileName(f.module) + "!" + f.function;
    return {};
}

std::string processLabel(const Trace& t, Pid pid) {
    const ProcessInfo* p = t.findProcess(pid);
    return "pid " + std::to_string(pid) + (p && !p->image.empty() ? " (" + fileName(p->image) + ")" : "");
}

} // namespace

std::vector<BoundaryCandidate> suggestBoundaries(const Trace& trace) {
    std::vector<BoundaryCandidate> out;
    const SyscallTable& table = SyscallTable::forArch(trace.arch);
    const std::size_t n = trace.eventCount();

    // 1. The first blocking serving-loop call after the first successful listen().
    std::optional<std::size_t> listenAt;
    for (std::size_t i = 0; i < n && !listenAt; ++i)
        if (trace.nr(i) == SYS_listen && trace.ret(i) == 0)
            listenAt = i;
    for (std::size_t i = listenAt.value_or(0); i < n; ++i) {
        if (!isServingLoopCall(trace.nr(i)) || !blocks(trace, i))
            continue;
        if (listenAt && trace.timeNs(i) < trace.timeNs(*listenAt))
            continue;
        BoundaryCandidate c;
        c.method = BoundaryCandidate::Method::ServingLoop;
        c.event = i;
        c.timeNs = trace.timeNs(i);
        c.reason = "first blocking " + table.name(trace.nr(i)) + " in " + processLabel(trace, trace.pid(i));
        c.reason += listenAt ? " after listen() at " + seconds(trace.timeNs(*listenAt)) + " (event #" +
                                   std::to_string(*listenAt) + ")"
                             : " (the trace has no listen())";
        c.transitionFunction = transitionFromStack(trace, i);
        out.push_back(std::move(c));
        break;
    }

    // 2. The knee of the cumulative unique-syscall curve over time: the point furthest above the
    // diagonal from (0, 0) to (end, all syscalls), i.e. where new syscalls stop arriving quickly.
    if (n >= 2) {
        std::set<int> seen;
        std::vector<std::pair<std::size_t, std::size_t>> firsts; // (event, unique count after it)
        for (std::size_t i = 0; i < n; ++i)
            if (seen.insert(trace.nr(i)).second)
                firsts.emplace_back(i, seen.size());
        const double total = static_cast<double>(seen.size());
        const std::int64_t t0 = trace.timeNs(0);
        const double span = static_cast<double>(trace.timeNs(n - 1) - t0);
        double best = -1;
        std::size_t bestAt = 0;
        for (std::size_t k = 0; k < firsts.size(); ++k) {
            const std::size_t i = firsts[k].first;
            const double x = span > 0 ? static_cast<double>(trace.timeNs(i) - t0) / span
                                      : static_cast<double>(i) / static_cast<double>(n - 1);
            const double y = static_cast<double>(firsts[k].second) / total;
            if (y - x > best) {
                best = y - x;
                bestAt = k;
            }
        }
        const std::size_t kneeEvent = firsts[bestAt].first;
        if (best > 0 && kneeEvent + 1 < n) {
            BoundaryCandidate c;
            c.method = BoundaryCandidate::Method::Knee;
            c.event = kneeEvent + 1;
            c.timeNs = trace.timeNs(kneeEvent + 1);
            char pct[32];
            std::snprintf(pct, sizeof pct, "%.0f%%",
                          100.0 * static_cast<double>(firsts[bestAt].second) / total);
            c.reason =
                "knee of the cumulative unique-syscall curve: " + std::to_string(firsts[bestAt].second) +
                " of " + std::to_string(seen.size()) + " syscalls (" + pct + ") first seen by " +
                seconds(trace.timeNs(kneeEvent)) + " (" + table.name(trace.nr(kneeEvent)) + ", event #" +
                std::to_string(kneeEvent) + ")";
            c.transitionFunction = transitionFromStack(trace, kneeEvent + 1);
            out.push_back(std::move(c));
        }
    }
    return out;
}

PhaseSplit resolveBoundary(const Trace& trace, const Boundary& boundary) {
    PhaseSplit split;
    const std::size_t n = trace.eventCount();
    switch (boundary.kind) {
    case Boundary::Kind::None:
        split.timeNs = std::numeric_limits<std::int64_t>::max();
        split.reason = "no boundary: every event is init";
        break;
    case Boundary::Kind::Time:
        split.timeNs = boundary.timeNs;
        split.reason = "boundary at " + seconds(boundary.timeNs);
        break;
    case Boundary::Kind::Event:
        if (boundary.event >= n)
            throw Error("boundary #" + std::to_string(boundary.event) + ": the trace has only " +
                        std::to_string(n) + " events (#0 to #" + std::to_string(n ? n - 1 : 0) + ")");
        split.timeNs = trace.timeNs(boundary.event);
        split.reason = "boundary at event #" + std::to_string(boundary.event);
        break;
    case Boundary::Kind::Auto: {
        const auto candidates = suggestBoundaries(trace);
        if (candidates.empty()) {
            split.timeNs = std::numeric_limits<std::int64_t>::max();
            split.reason = "auto: no candidate (no serving-loop call, no knee); every event is init";
        } else {
            split.timeNs = candidates.front().timeNs;
            split.reason = "auto (" + std::string(boundaryMethodName(candidates.front().method)) +
                           "): " + candidates.front().reason;
        }
        break;
    }
    }
    split.firstServingEvent = n;
    for (std::size_t i = 0; i < n; ++i)
        if (trace.timeNs(i) >= split.timeNs) {
            split.firstServingEvent = std::min(split.firstServingEvent, i);
            ++split.servingEvents;
        }
    return split;
}

std::vector<int> traceSyscalls(const Trace& trace, const PhaseSplit& split, PhaseSelection selection) {
    std::vector<bool> seen;
    for (std::size_t i = 0; i < trace.eventCount(); ++i) {
        const bool serving = trace.timeNs(i) >= split.timeNs;
        if ((selection == PhaseSelection::Init && serving) ||
            (selection == PhaseSelection::Serving && !serving))
            continue;
        const int nr = trace.nr(i);
        if (nr < 0)
            continue;
        if (static_cast<std::size_t>(nr) >= seen.size())
            seen.resize(static_cast<std::size_t>(nr) + 1, false);
        seen[static_cast<std::size_t>(nr)] = true;
    }
    std::vector<int> out;
    for (std::size_t k = 0; k < seen.size(); ++k)
        if (seen[k])
            out.push_back(static_cast<int>(k));
    return out;
}

namespace {

// Functions that call a function pointer argument only while they run (or, for the start-up, the
// program's main itself): a callback passed to them cannot run later on its own. Everything else a
// function pointer is passed to (sigaction, pthread_create, atexit, an unknown or indirect callee)
// may keep it and call it at any time once serving started.
bool callsBackOnlyDuringTheCall(std::string_view name) {
    if (name.size() > 4 && name.substr(name.size() - 4) == "@plt")
        name.remove_suffix(4);
    static constexpr std::string_view kSynchronous[] = {
        "__libc_start_main",
        "qsort",
        "qsort_r",
        "bsearch",
        "lfind",
        "lsearch",
        "tsearch",
        "tfind",
        "tdelete",
        "twalk",
        "twalk_r",
        "tdestroy",
        "ftw",
        "nftw",
        "nftw64",
        "ftw64",
        "scandir",
        "scandir64",
        "scandirat",
        "glob",
        "glob64",
        "dl_iterate_phdr",
        "pthread_once",
        "__pthread_once",
        "call_once",
        "_dl_catch_exception",
        "_dl_catch_error",
        "__libc_start_call_main",
        "_dl_start_final",
        "_dl_sysdep_start",
    };
    for (std::string_view s : kSynchronous)
        if (name == s)
            return true;
    return false;
}

} // namespace

StaticPhases staticPhases(const CallGraph& graph, std::string_view transition) {
    StaticPhases out;
    out.all = graph.syscalls();
    out.transition = graph.findFunctions(transition);
    if (out.transition.empty())
        throw Error("transition function '" + std::string(transition) +
                    "': no such function in the analysis of " + graph.program +
                    " (give name, module!name or 0xADDRESS)");
    const auto live = graph.reachable();
    std::set<FunctionId> roots(out.transition.begin(), out.transition.end());
    for (const CgEntry& e : graph.entries)
        if (e.kind == EntryKind::Fini || e.kind == EntryKind::Dlopen)
            roots.insert(e.function);
    // The callees of each call site, to see what a callback is handed to.
    std::map<std::pair<FunctionId, std::uint64_t>, std::vector<FunctionId>> callees;
    for (const CgEdge& e : graph.edges)
        if (e.kind != EdgeKind::Callback && e.kind != EdgeKind::Load)
            callees[{e.from, e.site}].push_back(e.to);
    for (const CgEdge& e : graph.edges) {
        if (e.kind != EdgeKind::Callback || e.from >= live.size() || !live[e.from])
            continue;
        const auto it = callees.find({e.from, e.site});
        bool synchronous = it != callees.end() && !it->second.empty();
        if (synchronous)
            for (FunctionId callee : it->second)
                synchronous = synchronous && callee < graph.functions.size() &&
                              !graph.functions[callee].hub &&
                              callsBackOnlyDuringTheCall(graph.functions[callee].name);
        if (!synchronous)
            roots.insert(e.to);
    }
    out.roots.assign(roots.begin(), roots.end());
    out.serving = graph.syscallsOf(graph.reachableFrom(out.roots));
    return out;
}

} // namespace swb
