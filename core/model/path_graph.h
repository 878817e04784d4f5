#pragma once

#include "model/callgraph.h"

#include <cstdint>
#include <string>
#include <vector>

namespace swb {

// The graph an analyst reads to see why a syscall is reachable: the witness paths of one syscall
// merged into one graph (a function on several paths is one node), with long runs of functions in
// one module folded into a single node when the graph is big.
struct PathGraphOptions {
    std::size_t maxPaths = 8;
    // A run of more than this many consecutive functions of one module becomes one node...
    std::size_t collapseRunsLongerThan = 3;
    // ...but only when the merged graph has more nodes than this.
    std::size_t collapseAboveNodes = 24;
    // Runs that contain one of these functions stay expanded (the analyst opened them).
    std::vector<FunctionId> expanded;
};

enum class PathNodeKind : std::uint8_t {
    Normal,
    Entry,       // where a path starts: the program entry, ld.so's entry, a constructor
    SyscallSite, // where a path ends: the function that makes the syscall
    Hub,         // a synthetic node, e.g. the indirect calls of a module
    Collapsed,   // a run of functions of one module
};
std::string_view pathNodeKindName(PathNodeKind k);

struct PathGraphNode {
    PathNodeKind kind = PathNodeKind::Normal;
    std::vector<FunctionId> functions; // one function, or a collapsed run in call order
    std::uint32_t module = 0;          // the functions' module; UINT32_MAX for hubs
    std::string label;                 // module!name, a hub's name, or "module: n functions"
};

struct PathGraphEdge {
    std::uint32_t from = 0;
    std::uint32_t to = 0;
    EdgeKind kind = EdgeKind::Direct;
    std::uint32_t paths = 0; // how many witness paths use the edge
};

struct PathGraph {
    int nr = -1;
    std::size_t availablePaths = 0;     // witness paths found before capping (up to maxPaths + 1)
    bool capped = false;                // more paths exist than were kept
    std::vector<CallGraph::Path> paths; // the kept witness paths, shortest first
    std::vector<PathGraphNode> nodes;   // in first-seen order along the paths
    std::vector<PathGraphEdge> edges;   // unique (from, to, kind)
    std::vector<std::vector<std::uint32_t>> nodePaths; // each kept path as node indices, entry first
    bool collapsed = false;                            // some run was folded

    // The node that shows function `f` (also inside a collapsed run); UINT32_MAX when none does.
    std::uint32_t nodeOf(FunctionId f) const;
};

PathGraph buildPathGraph(const CallGraph& graph, int nr, const PathGraphOptions& options = {});

} // namespace swb
