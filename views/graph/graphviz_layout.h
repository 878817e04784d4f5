#pragma once

#include <QPointF>
#include <QRectF>
#include <QSizeF>
#include <QString>

#include <optional>
#include <vector>

namespace swb {

// A small directed graph to lay out: boxes of a fixed size in pixels and edges between them.
struct LayoutGraph {
    struct Node {
        QSizeF size; // pixels
        QString name;
    };
    struct Edge {
        int from = 0;
        int to = 0;
        QString label; // empty: no label
    };
    std::vector<Node> nodes;
    std::vector<Edge> edges;
    double nodeSeparation = 24; // pixels between boxes of one rank
    double rankSeparation = 36; // pixels between ranks
    double labelFontSize = 9;   // points, for the room Graphviz leaves around edge labels
};

// Where the layout put everything, in pixels, y growing downwards, the box (0, 0, width, height).
struct GraphLayoutResult {
    struct Route {
        // Cubic bezier control points: start, then three points per segment.
        std::vector<QPointF> points;
        // Where an arrow head ends when Graphviz clipped the spline short of the box.
        std::optional<QPointF> arrowStart;
        std::optional<QPointF> arrowEnd;
        std::optional<QPointF> labelCenter;
        bool backEdge = false; // laid out against the rank order (constraint=false)
    };
    bool ok = false;
    QString error;
    QRectF boundingRect;
    std::vector<QPointF> nodeCenters; // in LayoutGraph::nodes order
    std::vector<Route> edges;         // in LayoutGraph::edges order
};

// Hierarchical layout with Graphviz `dot`. Graphviz is not thread-safe: every layout in the process
// runs under one mutex on one shared context, so this may be called from any thread.
class GraphvizLayout {
public:
    static GraphLayoutResult layout(const LayoutGraph& graph);
    // Graphviz reads and writes numbers with the C library: sets LC_NUMERIC to "C" once. Call after
    // constructing the QApplication (which adopts the environment's locale); layout() calls it too.
    static void prepareLocale();
};

} // namespace swb
