#pragma once

#include "graph/graphviz_layout.h"
#include "model/callgraph.h"
#include "model/path_graph.h"

#include <QFont>
#include <QGraphicsView>

#include <atomic>
#include <memory>
#include <optional>

class QGraphicsItem;
class QLabel;

namespace swb {

class PathNodeItem;

// Why syscall N is reachable, as a picture: the merged witness paths of one syscall, laid out with
// Graphviz dot in the background (a newer request drops the result of an older one). Wheel and +/-
// zoom, Ctrl+0 (or a double click on the background) fits, Ctrl+1 shows 100%, dragging pans;
// clicking a function selects it and emits functionActivated, clicking a folded run unfolds it.
// Hovering a function shows its module, address and source line; the context menu zooms and
// exports the graph as SVG, PNG or DOT.
class PathGraphView : public QGraphicsView {
    Q_OBJECT
public:
    explicit PathGraphView(QWidget* parent = nullptr);
    ~PathGraphView() override;

    // Shows the witness paths of syscall NR in GRAPH (nullptr clears the view).
    void setSyscall(std::shared_ptr<const CallGraph> graph, int nr);
    void setOptions(const PathGraphOptions& options);
    const PathGraphOptions& options() const { return options_; }

    // Whether a layout is running whose result the view still waits for.
    bool isLayoutPending() const { return pending_; }
    // The graph on screen and its layout; empty until the first layout arrives.
    const PathGraph& pathGraph() const { return shown_.graph; }
    const GraphLayoutResult& layoutResult() const { return shown_.layout; }
    int syscall() const { return nr_; }
    // The box of node I in scene coordinates.
    QRectF nodeRect(std::size_t i) const;

    double zoom() const;
    void zoomIn();
    void zoomOut();
    void zoomToActualSize();
    // Fits the whole graph into the view, never magnifying beyond 100%.
    void fitToView();

    // Write what is shown: SVG and PNG as drawn, DOT from the witness paths (dot_export). On failure
    // return false with a message that names the file.
    bool exportSvg(const QString& path, QString* error = nullptr) const;
    bool exportPng(const QString& path, QString* error = nullptr) const;
    bool exportDot(const QString& path, QString* error = nullptr) const;

    // The function shown as selected (a frame in the highlight colour); false when the graph has
    // no node for it. SPEC as CallGraph::findFunctions reads it ("module!name").
    bool selectFunction(const QString& spec);
    // The node shown as selected, or -1.
    int selectedNode() const { return selected_; }
    // The tooltip of node I: name, module path, address, source file:line where known.
    QString nodeToolTip(std::size_t i) const;
    // The text shown while there is no graph; empty while one is shown.
    QString placeholderText() const;
    // What the view says while it has no call graph (by default: select a syscall).
    void setNoGraphText(const QString& text);
    // The context menu's actions (zoom, fit, export), built once; for tests and the View menu.
    QList<QAction*> menuActions() const { return menuActions_; }

signals:
    // A function node was clicked.
    void functionActivated(const QString& modulePath, const QString& name, quint64 address,
                           const QString& sourceFile, int line);
    void layoutFinished();
    void layoutFailed(const QString& message);

protected:
    void wheelEvent(QWheelEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void contextMenuEvent(QContextMenuEvent* event) override;
    void changeEvent(QEvent* event) override;

public:
    // The result of one background job, swapped in whole.
    struct Layout {
        PathGraph graph;
        std::vector<QSizeF> nodeSizes;
        GraphLayoutResult layout;
    };
    // What a background job computes: the path graph, box sizes for FONT, the Graphviz layout.
    // Callable from any thread.
    static Layout computeLayout(const CallGraph& graph, int nr, const PathGraphOptions& options,
                                const QFont& font);

private:
    void scheduleLayout();
    void showLayout(Layout layout);
    void rebuildScene();
    void activateNode(std::size_t node);
    void setSelectedNode(int node);
    void exportWithDialog(const QString& format);
    void setZoom(double factor);
    PathNodeItem* nodeItemAt(const QPoint& viewPos) const;

    std::shared_ptr<const CallGraph> graph_;
    int nr_ = -1;
    PathGraphOptions options_;
    std::shared_ptr<std::atomic<quint64>> latestJob_;
    bool pending_ = false;
    Layout shown_;
    std::vector<PathNodeItem*> nodeItems_;
    PathNodeItem* pressedNode_ = nullptr;
    QPoint pressPos_;
    int selected_ = -1;
    // Says why the view is empty (nothing selected, no analysis, no path).
    QLabel* placeholder_;
    QString noGraphText_;
    QList<QAction*> menuActions_;
};

} // namespace swb
