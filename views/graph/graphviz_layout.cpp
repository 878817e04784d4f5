#include "graph/graphviz_layout.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <charconv>
#include <clocale>
#include <mutex>
#include <string>

namespace swb {

namespace {

// Graphviz 2.42 declares char* for names and values it never modifies.
char* gvText(const char* text) {
    return const_cast<char*>(text);
}

// Locale-independent, whatever LC_NUMERIC says.
std::string number(double value) {
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed, 4);
    return std::string(buffer, result.ptr);
}

std::mutex& graphvizMutex() {
    static std::mutex mutex;
    return mutex;
}

// One context for the process, created and used only under graphvizMutex().
GVC_t* graphvizContext() {
    static GVC_t* const context = gvContext();
    return context;
}

constexpr double kPointsPerInch = 72.0;

// Edges that close a cycle in depth-first order from the nodes without predecessors: laid out with
// constraint=false so they do not bend the ranks.
std::vector<bool> findBackEdges(const LayoutGraph& graph) {
    const std::size_t n = graph.nodes.size();
    std::vector<std::vector<std::size_t>> out(n);
    std::vector<int> inDegree(n, 0);
    for (std::size_t i = 0; i < graph.edges.size(); ++i) {
        out[static_cast<std::size_t>(graph.edges[i].from)].push_back(i);
        ++inDegree[static_cast<std::size_t>(graph.edges[i].to)];
    }
    enum : std::uint8_t { White, Grey, Black };
    std::vector<std::uint8_t> colour(n, White);
    std::vector<bool> back(graph.edges.size(), false);
    auto visit = [&](std::size_t root) {
        std::vector<std::pair<std::size_t, std::size_t>> stack{{root, 0}};
        colour[root] = Grey;
        while (!stack.empty()) {
            auto& [v, next] = stack.back();
            if (next == out[v].size()) {
                colour[v] = Black;
                stack.pop_back();
                continue;
            }
            const std::size_t edge = out[v][next++];
            const auto w = static_cast<std::size_t>(graph.edges[edge].to);
            if (colour[w] == Grey)
                back[edge] = true;
            else if (colour[w] == White) {
                colour[w] = Grey;
                stack.emplace_back(w, 0);
            }
        }
    };
    for (std::size_t v = 0; v < n; ++v)
        if (inDegree[v] == 0 && colour[v] == White)
            visit(v);
    for (std::size_t v = 0; v < n; ++v) // cycles without a root
        if (colour[v] == White)
            visit(v);
    return back;
}

QPointF toScene(pointf p, double top) {
    return {p.x, top - p.y};
}

} // namespace

void GraphvizLayout::prepareLocale() {
    static std::once_flag once;
    std::call_once(once, [] { std::setlocale(LC_NUMERIC, "C"); });
}

GraphLayoutResult GraphvizLayout::layout(const LayoutGraph& graph) {
    prepareLocale();
    GraphLayoutResult result;
    for (const auto& e : graph.edges)
        if (e.from < 0 || e.to < 0 || static_cast<std::size_t>(e.from) >= graph.nodes.size() ||
            static_cast<std::size_t>(e.to) >= graph.nodes.size()) {
            result.error =
                QStringLiteral("edge %1 -> %2 names a node that does not exist").arg(e.from).arg(e.to);
            return result;
        }
    if (graph.nodes.empty()) {
        result.ok = true;
        return result;
    }
    const std::vector<bool> backEdges = findBackEdges(graph);

    const std::lock_guard lock(graphvizMutex());
    GVC_t* context = graphvizContext();
    Agraph_t* g = agopen(gvText("g"), Agdirected, nullptr);
    agattr(g, AGRAPH, gvText("dpi"), gvText("72"));
    agattr(g, AGRAPH, gvText("rankdir"), gvText("TB"));
    agattr(g, AGRAPH, gvText("splines"), gvText("spline"));
    agattr(g, AGRAPH, gvText("nodesep"), gvText(number(graph.nodeSeparation / kPointsPerInch).c_str()));
    agattr(g, AGRAPH, gvText("ranksep"), gvText(number(graph.rankSeparation / kPointsPerInch).c_str()));
    agattr(g, AGNODE, gvText("shape"), gvText("box"));
    agattr(g, AGNODE, gvText("fixedsize"), gvText("true"));
    agattr(g, AGNODE, gvText("label"), gvText(""));
    Agsym_t* widthAttr = agattr(g, AGNODE, gvText("width"), gvText("1"));
    Agsym_t* heightAttr = agattr(g, AGNODE, gvText("height"), gvText("0.5"));
    Agsym_t* labelAttr = agattr(g, AGEDGE, gvText("label"), gvText(""));
    Agsym_t* constraintAttr = agattr(g, AGEDGE, gvText("constraint"), gvText("true"));
    agattr(g, AGEDGE, gvText("fontsize"), gvText(number(graph.labelFontSize).c_str()));
    agattr(g, AGEDGE, gvText("fontname"), gvText("Helvetica"));

    std::vector<Agnode_t*> nodes;
    nodes.reserve(graph.nodes.size());
    for (std::size_t i = 0; i < graph.nodes.size(); ++i) {
        Agnode_t* node = agnode(g, gvText(("n" + std::to_string(i)).c_str()), 1);
        agxset(node, widthAttr, gvText(number(graph.nodes[i].size.width() / kPointsPerInch).c_str()));
        agxset(node, heightAttr, gvText(number(graph.nodes[i].size.height() / kPointsPerInch).c_str()));
        nodes.push_back(node);
    }
    std::vector<Agedge_t*> edges;
    edges.reserve(graph.edges.size());
    for (std::size_t i = 0; i < graph.edges.size(); ++i) {
        const auto& e = graph.edges[i];
        // A key per edge keeps parallel edges apart (cgraph would merge them otherwise).
        Agedge_t* edge =
            agedge(g, nodes[static_cast<std::size_t>(e.from)], nodes[static_cast<std::size_t>(e.to)],
                   gvText(("e" + std::to_string(i)).c_str()), 1);
        if (!e.label.isEmpty())
            agxset(edge, labelAttr, gvText(e.label.toUtf8().constData()));
        if (backEdges[i])
            agxset(edge, constraintAttr, gvText("false"));
        edges.push_back(edge);
    }

    if (gvLayout(context, g, "dot") != 0) {
        agclose(g);
        result.error = QStringLiteral("Graphviz dot could not lay out the graph");
        return result;
    }
    const boxf bb = GD_bb(g);
    const double top = bb.UR.y;
    result.boundingRect = QRectF(0, 0, bb.UR.x - bb.LL.x, bb.UR.y - bb.LL.y);
    const double left = bb.LL.x;
    auto place = [&](pointf p) {
        return toScene(p, top) - QPointF(left, 0);
    };
    for (Agnode_t* node : nodes)
        result.nodeCenters.push_back(place(ND_coord(node)));
    for (std::size_t i = 0; i < edges.size(); ++i) {
        GraphLayoutResult::Route route;
        route.backEdge = backEdges[i];
        if (const splines* spl = ED_spl(edges[i])) {
            for (int b = 0; b < spl->size; ++b) {
                const bezier& curve = spl->list[b];
                for (int k = 0; k < curve.size; ++k)
                    if (route.points.empty() || k > 0)
                        route.points.push_back(place(curve.list[k]));
                if (b == 0 && curve.sflag)
                    route.arrowStart = place(curve.sp);
                if (b == spl->size - 1 && curve.eflag)
                    route.arrowEnd = place(curve.ep);
            }
        }
        if (const textlabel_t* label = ED_label(edges[i]); label && label->set)
            route.labelCenter = place(label->pos);
        result.edges.push_back(std::move(route));
    }
    gvFreeLayout(context, g);
    agclose(g);
    result.ok = true;
    return result;
}

} // namespace swb
