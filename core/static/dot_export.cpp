#include "static/dot_export.h"

#include <map>
#include <set>

namespace swb {

namespace {

std::string quote(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string baseName(const std::string& p) {
    return p.substr(p.rfind('/') + 1);
}

} // namespace

std::string witnessPathsToDot(const CallGraph& g, const std::vector<CallGraph::Path>& paths,
                              const std::string& title) {
    std::map<std::uint32_t, std::set<FunctionId>> byModule; // hubs under UINT32_MAX
    std::set<std::tuple<FunctionId, FunctionId, EdgeKind>> edges;
    std::set<FunctionId> last;
    for (const auto& path : paths) {
        for (std::size_t i = 0; i < path.size(); ++i) {
            const auto& fn = g.functions[path[i].function];
            byModule[fn.hub ? UINT32_MAX : fn.module].insert(path[i].function);
            if (i > 0)
                edges.insert({path[i - 1].function, path[i].function, path[i].via});
        }
        if (!path.empty())
            last.insert(path.back().function);
    }
    std::string out =
        "digraph witness {\n  label=" + quote(title) +
        ";\n  labelloc=t;\n  rankdir=TB;\n  node [shape=box, style=rounded, fontname=\"monospace\"];\n";
    int cluster = 0;
    for (const auto& [module, fns] : byModule) {
        const bool hubs = module == UINT32_MAX;
        if (!hubs)
            out += "  subgraph cluster_" + std::to_string(cluster++) +
                   " {\n    label=" + quote(baseName(g.modules[module].path)) + ";\n    style=dashed;\n";
        for (FunctionId f : fns) {
            std::string attrs = "label=" + quote(g.functions[f].name);
            if (hubs)
                attrs += ", shape=diamond";
            if (last.count(f))
                attrs += ", style=\"rounded,bold\", color=red";
            out += std::string(hubs ? "  " : "    ") + "f" + std::to_string(f) + " [" + attrs + "];\n";
        }
        if (!hubs)
            out += "  }\n";
    }
    for (const auto& [from, to, kind] : edges) {
        out += "  f" + std::to_string(from) + " -> f" + std::to_string(to);
        if (kind != EdgeKind::Direct)
            out += " [label=" + quote(std::string(edgeKindName(kind))) +
                   (kind == EdgeKind::Indirect ? ", style=dashed" : "") + "]";
        out += ";\n";
    }
    out += "}\n";
    return out;
}

} // namespace swb
