#include "model/path_graph.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace swb {

std::string_view pathNodeKindName(PathNodeKind k) {
    switch (k) {
    case PathNodeKind::Normal:
        return "normal";
    case PathNodeKind::Entry:
        return "entry";
    case PathNodeKind::SyscallSite:
        return "syscall site";
    case PathNodeKind::Hub:
        return "hub";
    case PathNodeKind::Collapsed:
        return "collapsed";
    }
    return "?";
}

std::uint32_t PathGraph::nodeOf(FunctionId f) const {
    for (std::uint32_t i = 0; i < nodes.size(); ++i)
        if (std::find(nodes[i].functions.begin(), nodes[i].functions.end(), f) != nodes[i].functions.end())
            return i;
    return UINT32_MAX;
}

namespace {

std::string moduleFileName(const CallGraph& g, std::uint32_t module) {
    if (module >= g.modules.size())
        return "?";
    const std::string& path = g.modules[module].path;
    return path.substr(path.rfind('/') + 1);
}

using EdgeKey = std::tuple<std::uint32_t, std::uint32_t, EdgeKind>;

// Merges the paths: one node per function, one edge per (from, to, kind).
void merge(const CallGraph& g, PathGraph& out) {
    std::map<FunctionId, std::uint32_t> nodeOfFunction;
    std::set<FunctionId> firsts;
    std::set<FunctionId> lasts;
    for (const auto& path : out.paths)
        if (!path.empty()) {
            firsts.insert(path.front().function);
            lasts.insert(path.back().function);
        }
    std::map<EdgeKey, std::uint32_t> edgeIndex;
    for (const auto& path : out.paths) {
        std::vector<std::uint32_t> nodePath;
        for (std::size_t i = 0; i < path.size(); ++i) {
            const FunctionId f = path[i].function;
            auto [it, added] = nodeOfFunction.try_emplace(f, static_cast<std::uint32_t>(out.nodes.size()));
            if (added) {
                const CgFunction& fn = g.functions[f];
                PathGraphNode node;
                node.functions = {f};
                node.module = fn.hub ? UINT32_MAX : fn.module;
                node.label = g.describe(f);
                node.kind = lasts.count(f)    ? PathNodeKind::SyscallSite
                            : firsts.count(f) ? PathNodeKind::Entry
                            : fn.hub          ? PathNodeKind::Hub
                                              : PathNodeKind::Normal;
                out.nodes.push_back(std::move(node));
            }
            if (i > 0) {
                const EdgeKey key{nodePath.back(), it->second, path[i].via};
                auto [e, newEdge] = edgeIndex.try_emplace(key, static_cast<std::uint32_t>(out.edges.size()));
                if (newEdge)
                    out.edges.push_back({nodePath.back(), it->second, path[i].via, 0});
                ++out.edges[e->second].paths;
            }
            nodePath.push_back(it->second);
        }
        out.nodePaths.push_back(std::move(nodePath));
    }
}

// Folds each maximal chain of plain nodes of one module (one way in, one way out) that is longer
// than the limit into one node. Chains keep the graph's shape: a node where paths meet or part stays.
void collapseRuns(const CallGraph& g, const PathGraphOptions& options, PathGraph& out) {
    const std::size_t n = out.nodes.size();
    std::vector<std::uint32_t> inDegree(n, 0);
    std::vector<std::uint32_t> outDegree(n, 0);
    std::vector<std::uint32_t> predecessor(n, UINT32_MAX);
    std::vector<std::uint32_t> successor(n, UINT32_MAX);
    for (const auto& e : out.edges) {
        ++inDegree[e.to];
        ++outDegree[e.from];
        predecessor[e.to] = e.from;
        successor[e.from] = e.to;
    }
    const std::set<FunctionId> expanded(options.expanded.begin(), options.expanded.end());
    auto chainable = [&](std::uint32_t v) {
        const auto& node = out.nodes[v];
        return node.kind == PathNodeKind::Normal && inDegree[v] == 1 && outDegree[v] == 1;
    };
    auto continues = [&](std::uint32_t from, std::uint32_t to) {
        return to != UINT32_MAX && chainable(to) && out.nodes[to].module == out.nodes[from].module;
    };

    std::vector<std::uint32_t> newIndex(n, UINT32_MAX);
    std::vector<PathGraphNode> nodes;
    std::vector<bool> done(n, false);
    for (std::uint32_t v = 0; v < n; ++v) {
        if (done[v])
            continue;
        std::vector<std::uint32_t> chain{v};
        done[v] = true;
        // Nodes come in path order, so a run's first node is met before the rest of it.
        if (chainable(v))
            for (std::uint32_t w = successor[v]; continues(chain.back(), w) && !done[w]; w = successor[w]) {
                chain.push_back(w);
                done[w] = true;
            }
        const bool unfolded = std::any_of(chain.begin(), chain.end(), [&](std::uint32_t w) {
            return expanded.count(out.nodes[w].functions.front()) > 0;
        });
        if (chain.size() > options.collapseRunsLongerThan && !unfolded) {
            PathGraphNode folded;
            folded.kind = PathNodeKind::Collapsed;
            folded.module = out.nodes[v].module;
            for (std::uint32_t w : chain)
                folded.functions.push_back(out.nodes[w].functions.front());
            folded.label =
                moduleFileName(g, folded.module) + ": " + std::to_string(chain.size()) + " functions";
            for (std::uint32_t w : chain)
                newIndex[w] = static_cast<std::uint32_t>(nodes.size());
            nodes.push_back(std::move(folded));
            out.collapsed = true;
        } else {
            for (std::uint32_t w : chain) {
                newIndex[w] = static_cast<std::uint32_t>(nodes.size());
                nodes.push_back(out.nodes[w]);
            }
        }
    }
    if (!out.collapsed)
        return;

    std::map<EdgeKey, std::uint32_t> edgeIndex;
    std::vector<PathGraphEdge> edges;
    for (const auto& e : out.edges) {
        const std::uint32_t from = newIndex[e.from];
        const std::uint32_t to = newIndex[e.to];
        if (from == to)
            continue; // inside a folded run
        auto [it, added] =
            edgeIndex.try_emplace({from, to, e.kind}, static_cast<std::uint32_t>(edges.size()));
        if (added)
            edges.push_back({from, to, e.kind, 0});
        edges[it->second].paths += e.paths;
    }
    for (auto& path : out.nodePaths) {
        std::vector<std::uint32_t> mapped;
        for (std::uint32_t v : path)
            if (mapped.empty() || mapped.back() != newIndex[v])
                mapped.push_back(newIndex[v]);
        path = std::move(mapped);
    }
    out.nodes = std::move(nodes);
    out.edges = std::move(edges);
}

} // namespace

PathGraph buildPathGraph(const CallGraph& graph, int nr, const PathGraphOptions& options) {
    PathGraph out;
    out.nr = nr;
    // One path more than kept tells whether the cap cut any off.
    out.paths = graph.witnessPaths(nr, options.maxPaths + 1);
    out.availablePaths = out.paths.size();
    if (out.paths.size() > options.maxPaths) {
        out.paths.resize(options.maxPaths);
        out.capped = true;
    }
    merge(graph, out);
    if (out.nodes.size() > options.collapseAboveNodes)
        collapseRuns(graph, options, out);
    return out;
}

} // namespace swb
