#include "model/callgraph.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <iterator>
#include <queue>

namespace swb {

std::string_view edgeKindName(EdgeKind k) {
    switch (k) {
    case EdgeKind::Direct:
        return "call";
    case EdgeKind::Import:
        return "import";
    case EdgeKind::TailCall:
        return "tail call";
    case EdgeKind::Indirect:
        return "indirect";
    case EdgeKind::Ifunc:
        return "ifunc";
    case EdgeKind::Load:
        return "load";
    case EdgeKind::Callback:
        return "callback";
    case EdgeKind::Dlsym:
        return "dlsym";
    }
    return "?";
}

std::string_view entryKindName(EntryKind k) {
    switch (k) {
    case EntryKind::ProgramEntry:
        return "program entry";
    case EntryKind::Interpreter:
        return "dynamic loader entry";
    case EntryKind::Init:
        return "constructor";
    case EntryKind::Fini:
        return "destructor";
    case EntryKind::Dlopen:
        return "dlopen'ed module constructor";
    }
    return "?";
}

namespace {

// Adjacency lists (CSR) of the edges by source.
struct Adjacency {
    std::vector<std::uint32_t> offsets;
    std::vector<std::uint32_t> edgeIndex;

    explicit Adjacency(const CallGraph& g)
        : offsets(g.functions.size() + 1, 0) {
        for (const auto& e : g.edges)
            ++offsets[e.from + 1];
        for (std::size_t i = 1; i < offsets.size(); ++i)
            offsets[i] += offsets[i - 1];
        edgeIndex.resize(g.edges.size());
        auto cursor = offsets;
        for (std::uint32_t i = 0; i < g.edges.size(); ++i)
            edgeIndex[cursor[g.edges[i].from]++] = i;
    }
};

// Cost of an edge for witness paths: a path an analyst can follow call by call beats one through
// the indirect-call hub ("some indirect call reaches every address-taken function") however long
// it is, and the program's own entry beats a constructor. A shortest path is simple, so it passes
// the hub at most once: the costs cannot overflow.
std::uint32_t edgeCost(EdgeKind k) {
    switch (k) {
    case EdgeKind::Indirect:
        return 1u << 16; // paid twice: into the hub and out of it; longer than any direct path
    case EdgeKind::Callback:
        return 2;
    default:
        return 1;
    }
}

// Shortest paths from the entries (Dijkstra over edgeCost); parent edge per function (UINT32_MAX for
// entries and unreachable functions). `seen` is plain reachability.
struct Bfs {
    std::vector<bool> seen;
    std::vector<std::uint32_t> parentEdge;

    explicit Bfs(const CallGraph& g)
        : seen(g.functions.size(), false)
        , parentEdge(g.functions.size(), UINT32_MAX) {
        const Adjacency adj(g);
        std::vector<std::uint32_t> dist(g.functions.size(), UINT32_MAX);
        using Item = std::pair<std::uint32_t, FunctionId>;
        std::priority_queue<Item, std::vector<Item>, std::greater<>> queue;
        for (const auto& e : g.entries) {
            if (e.function >= dist.size())
                continue;
            const std::uint32_t start = e.kind == EntryKind::ProgramEntry ? 0 : 1;
            if (start < dist[e.function]) {
                dist[e.function] = start;
                queue.push({start, e.function});
            }
        }
        while (!queue.empty()) {
            const auto [d, f] = queue.top();
            queue.pop();
            if (d != dist[f])
                continue;
            seen[f] = true;
            for (auto k = adj.offsets[f]; k < adj.offsets[f + 1]; ++k) {
                const auto& edge = g.edges[adj.edgeIndex[k]];
                const std::uint32_t nd = d + edgeCost(edge.kind);
                if (nd < dist[edge.to]) {
                    dist[edge.to] = nd;
                    parentEdge[edge.to] = adj.edgeIndex[k];
                    queue.push({nd, edge.to});
                }
            }
        }
    }
};

} // namespace

std::vector<bool> CallGraph::reachable() const {
    std::vector<FunctionId> roots;
    for (const auto& e : entries)
        roots.push_back(e.function);
    return reachableFrom(roots);
}

std::vector<bool> CallGraph::reachableFrom(const std::vector<FunctionId>& roots) const {
    return search(roots, true);
}

std::vector<bool> CallGraph::reachableWithoutIndirect() const {
    std::vector<FunctionId> roots;
    for (const auto& e : entries)
        roots.push_back(e.function);
    return search(roots, false);
}

std::vector<int> CallGraph::indirectOnlySyscalls() const {
    const auto all = syscalls();
    const auto direct = syscallsOf(reachableWithoutIndirect());
    std::vector<int> out;
    std::set_difference(all.begin(), all.end(), direct.begin(), direct.end(), std::back_inserter(out));
    return out;
}

std::vector<bool> CallGraph::search(const std::vector<FunctionId>& roots, bool throughHubs) const {
    // Plain depth-first search: reachability needs no costs.
    const Adjacency adj(*this);
    std::vector<bool> seen(functions.size(), false);
    std::vector<FunctionId> stack;
    for (FunctionId r : roots)
        if (r < seen.size() && !seen[r]) {
            seen[r] = true;
            stack.push_back(r);
        }
    while (!stack.empty()) {
        const FunctionId f = stack.back();
        stack.pop_back();
        for (auto k = adj.offsets[f]; k < adj.offsets[f + 1]; ++k) {
            const FunctionId to = edges[adj.edgeIndex[k]].to;
            if (!throughHubs && functions[to].hub)
                continue;
            if (!seen[to]) {
                seen[to] = true;
                stack.push_back(to);
            }
        }
    }
    return seen;
}

std::vector<std::uint32_t> CallGraph::shortestPathTree() const {
    return Bfs(*this).parentEdge;
}

std::vector<int> CallGraph::syscalls() const {
    return syscallsOf(reachable());
}

std::vector<int> CallGraph::syscallsOf(const std::vector<bool>& live) const {
    std::vector<int> out;
    for (const auto& s : sites)
        if (s.nr >= 0 && s.function < live.size() && live[s.function])
            out.push_back(s.nr);
    for (const auto& s : specials)
        out.push_back(s.nr);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::vector<const CgSyscallSite*> CallGraph::unresolvedSites() const {
    return unresolvedSitesOf(reachable());
}

std::vector<const CgSyscallSite*> CallGraph::unresolvedSitesOf(const std::vector<bool>& live) const {
    std::vector<const CgSyscallSite*> out;
    for (const auto& s : sites)
        if (s.nr < 0 && s.function < live.size() && live[s.function])
            out.push_back(&s);
    return out;
}

std::vector<CallGraph::Path> CallGraph::witnessPaths(int nr, std::size_t maxPaths) const {
    const Bfs bfs(*this);
    std::vector<Path> paths;
    for (const auto& s : sites) {
        if (s.nr != nr || s.function >= bfs.seen.size() || !bfs.seen[s.function])
            continue;
        Path reversed;
        reversed.push_back({s.function, s.address, EdgeKind::Load});
        FunctionId f = s.function;
        while (bfs.parentEdge[f] != UINT32_MAX) {
            const auto& e = edges[bfs.parentEdge[f]];
            reversed.back().via = e.kind;
            reversed.push_back({e.from, e.site, EdgeKind::Load});
            f = e.from;
        }
        if (s.wrapper != kNoFunction) {
            // The number is passed to a wrapper that executes the instruction.
            reversed.insert(reversed.begin(), {s.wrapper, 0, EdgeKind::Direct});
        }
        paths.emplace_back(reversed.rbegin(), reversed.rend());
    }
    auto cost = [](const Path& p) {
        std::uint32_t c = 0;
        for (std::size_t i = 1; i < p.size(); ++i)
            c += edgeCost(p[i].via);
        return c;
    };
    std::stable_sort(paths.begin(), paths.end(),
                     [&](const Path& a, const Path& b) { return cost(a) < cost(b); });
    if (paths.size() > maxPaths)
        paths.resize(maxPaths);
    return paths;
}

std::vector<FunctionId> CallGraph::findFunctions(std::string_view spec) const {
    std::string_view moduleName;
    std::string_view name = spec;
    if (const auto bang = spec.find('!'); bang != std::string_view::npos) {
        moduleName = spec.substr(0, bang);
        name = spec.substr(bang + 1);
    }
    auto moduleMatches = [&](std::uint32_t m) {
        if (m >= modules.size())
            return false;
        const std::string& path = modules[m].path;
        const std::string_view file = std::string_view(path).substr(path.rfind('/') + 1);
        if (moduleName.empty())
            return true;
        return file == moduleName || path == moduleName;
    };
    std::uint32_t programModule = 0;
    for (std::uint32_t m = 0; m < modules.size(); ++m)
        if (modules[m].loadReason == "program") {
            programModule = m;
            break;
        }
    std::vector<FunctionId> out;
    if (name.size() > 2 && name[0] == '0' && (name[1] == 'x' || name[1] == 'X')) {
        std::uint64_t addr = 0;
        for (char c : name.substr(2)) {
            const int v = c >= '0' && c <= '9'   ? c - '0'
                          : c >= 'a' && c <= 'f' ? c - 'a' + 10
                          : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                 : -1;
            if (v < 0)
                return out;
            addr = addr * 16 + static_cast<std::uint64_t>(v);
        }
        for (FunctionId f = 0; f < functions.size(); ++f) {
            const auto& fn = functions[f];
            const bool inModule = moduleName.empty() ? fn.module == programModule : moduleMatches(fn.module);
            if (!fn.hub && inModule && addr >= fn.address &&
                addr < fn.address + std::max<std::uint64_t>(fn.size, 1))
                out.push_back(f);
        }
        return out;
    }
    for (FunctionId f = 0; f < functions.size(); ++f)
        if (!functions[f].hub && functions[f].name == name && moduleMatches(functions[f].module))
            out.push_back(f);
    return out;
}

std::string CallGraph::describe(FunctionId f) const {
    if (f >= functions.size())
        return "?";
    const auto& fn = functions[f];
    std::string module = fn.module < modules.size() ? modules[fn.module].path : "?";
    module = module.substr(module.rfind('/') + 1);
    return fn.hub ? fn.name : module + "!" + fn.name;
}

std::string CallGraph::describe(FunctionId f, std::uint64_t address) const {
    if (f >= functions.size() || functions[f].hub)
        return describe(f);
    char buf[32];
    std::snprintf(buf, sizeof buf, "+0x%llx",
                  static_cast<unsigned long long>(
                      address >= functions[f].address ? address - functions[f].address : 0));
    return describe(f) + buf;
}

} // namespace swb
