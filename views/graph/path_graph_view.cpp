#include "graph/path_graph_view.h"

#include "model/syscall_table.h"
#include "review/export_dialog.h"
#include "static/dot_export.h"

#include <QAction>
#include <QApplication>
#include <QContextMenuEvent>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontMetricsF>
#include <QFutureWatcher>
#include <QGraphicsItem>
#include <QGraphicsScene>
#include <QImage>
#include <QKeyEvent>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPainter>
#include <QPainterPath>
#include <QPointer>
#include <QSaveFile>
#include <QStyleOptionGraphicsItem>
#include <QSvgGenerator>
#include <QWheelEvent>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>

namespace swb {

namespace {

constexpr double kPadding = 8;
constexpr double kMinNodeWidth = 110;
constexpr double kMaxNodeWidth = 300;
constexpr double kMinZoom = 0.05;
constexpr double kMaxZoom = 4.0;
constexpr double kZoomStep = 1.25;

// What each kind of module is, for colour: the view maps these roles to palette colours.
enum class ModuleRole { Program, Loader, Libc, Library, Synthetic };

ModuleRole moduleRole(const CallGraph& g, std::uint32_t module) {
    if (module >= g.modules.size())
        return ModuleRole::Synthetic;
    const CgModule& m = g.modules[module];
    if (m.loadReason == "program")
        return ModuleRole::Program;
    if (m.loadReason == "interpreter")
        return ModuleRole::Loader;
    const std::string file = m.path.substr(m.path.rfind('/') + 1);
    if (file.starts_with("libc.so") || file.starts_with("libc-"))
        return ModuleRole::Libc;
    return ModuleRole::Library;
}

QColor mix(const QColor& a, const QColor& b, double t) {
    return QColor::fromRgbF(static_cast<float>(a.redF() + (b.redF() - a.redF()) * t),
                            static_cast<float>(a.greenF() + (b.greenF() - a.greenF()) * t),
                            static_cast<float>(a.blueF() + (b.blueF() - a.blueF()) * t));
}

// Libraries other than libc get the highlight colour turned around the hue circle, one step per
// module (the golden angle keeps neighbours apart), so every module is told apart in both themes.
QColor moduleAccent(const QPalette& palette, ModuleRole role, std::uint32_t module) {
    switch (role) {
    case ModuleRole::Program:
        return palette.color(QPalette::Highlight);
    case ModuleRole::Loader:
        return palette.color(QPalette::LinkVisited);
    case ModuleRole::Libc:
        return palette.color(QPalette::Link);
    case ModuleRole::Synthetic:
        return palette.color(QPalette::Mid);
    case ModuleRole::Library:
        break;
    }
    const QColor base = palette.color(QPalette::Highlight).toHsv();
    const int hue = (std::max(base.hsvHue(), 0) + 60 + static_cast<int>(module * 137u)) % 360;
    return QColor::fromHsv(hue, std::max(base.hsvSaturation(), 120), std::max(base.value(), 160));
}

struct NodeText {
    QString title;
    QString subtitle;
};

QString fileName(const std::string& path) {
    return QString::fromStdString(path.substr(path.rfind('/') + 1));
}

NodeText nodeText(const CallGraph& g, const PathGraph& pg, const PathGraphNode& node) {
    const CgFunction& first = g.functions[node.functions.front()];
    const QString module = node.module < g.modules.size() ? fileName(g.modules[node.module].path) : QString();
    switch (node.kind) {
    case PathNodeKind::Collapsed:
        return {PathGraphView::tr("%n functions", nullptr, static_cast<int>(node.functions.size())),
                PathGraphView::tr("%1 · click to unfold").arg(module)};
    case PathNodeKind::Hub:
        return {QString::fromStdString(first.name), PathGraphView::tr("indirect-call hub")};
    case PathNodeKind::Entry:
        return {QString::fromStdString(first.name), PathGraphView::tr("%1 · entry").arg(module)};
    case PathNodeKind::SyscallSite:
        return {QString::fromStdString(first.name),
                PathGraphView::tr("%1 · calls %2")
                    .arg(module, QString::fromStdString(SyscallTable::forArch(g.arch).name(pg.nr)))};
    case PathNodeKind::Normal:
        break;
    }
    return {QString::fromStdString(first.name), module};
}

QFont titleFont(const QFont& base) {
    QFont f = base;
    f.setBold(true);
    return f;
}

QFont subtitleFont(const QFont& base) {
    QFont f = base;
    f.setPointSizeF(std::max(6.0, base.pointSizeF() * 0.85));
    return f;
}

QSizeF nodeSize(const NodeText& text, const QFont& font) {
    const QFontMetricsF title(titleFont(font));
    const QFontMetricsF subtitle(subtitleFont(font));
    const double width =
        std::clamp(std::max(title.horizontalAdvance(text.title), subtitle.horizontalAdvance(text.subtitle)) +
                       2 * kPadding,
                   kMinNodeWidth, kMaxNodeWidth);
    return {std::ceil(width), std::ceil(title.height() + subtitle.height() + 1.5 * kPadding)};
}

} // namespace

// One function (or folded run) on the scene: a rounded box with the function's name and module.
class PathNodeItem : public QGraphicsItem {
public:
    PathNodeItem(std::size_t index, PathNodeKind kind, const QRectF& rect, NodeText text,
                 const QString& toolTip)
        : index_(index)
        , kind_(kind)
        , rect_(rect)
        , text_(std::move(text)) {
        setCursor(Qt::PointingHandCursor);
        setToolTip(toolTip);
    }

    std::size_t index() const { return index_; }
    void setSelectedLook(bool selected, const QColor& colour) {
        selectedLook_ = selected;
        selectionColour_ = colour;
        update();
    }
    void setColours(const QColor& fill, const QColor& border, const QColor& textColour) {
        fill_ = fill;
        border_ = border;
        textColour_ = textColour;
    }
    void setFont(const QFont& font) { font_ = font; }

    QRectF boundingRect() const override { return rect_.adjusted(-2, -2, 2, 2); }

    void paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) override {
        painter->setRenderHint(QPainter::Antialiasing);
        QPen pen(border_, kind_ == PathNodeKind::Normal ? 1.2 : 2.2);
        if (kind_ == PathNodeKind::Hub || kind_ == PathNodeKind::Collapsed)
            pen.setStyle(Qt::DashLine);
        painter->setPen(pen);
        painter->setBrush(fill_);
        // Entries are capsules and syscall sites get a second frame: told apart without colour.
        const double radius = kind_ == PathNodeKind::Entry ? rect_.height() / 2 : 6;
        painter->drawRoundedRect(rect_, radius, radius);
        if (selectedLook_) {
            painter->setBrush(Qt::NoBrush);
            painter->setPen(QPen(selectionColour_, 3.0));
            painter->drawRoundedRect(rect_.adjusted(-1.5, -1.5, 1.5, 1.5), radius + 1.5, radius + 1.5);
        }
        if (kind_ == PathNodeKind::SyscallSite) {
            painter->setBrush(Qt::NoBrush);
            painter->setPen(QPen(border_, 1.0));
            painter->drawRoundedRect(rect_.adjusted(3.5, 3.5, -3.5, -3.5), 3, 3);
        }
        const QFont title = titleFont(font_);
        const QFont subtitle = subtitleFont(font_);
        const QFontMetricsF titleMetrics(title);
        const QFontMetricsF subtitleMetrics(subtitle);
        const double inner = rect_.width() - 2 * kPadding;
        const double top = rect_.top() + 0.75 * kPadding;
        painter->setPen(textColour_);
        painter->setFont(title);
        painter->drawText(QRectF(rect_.left() + kPadding, top, inner, titleMetrics.height()), Qt::AlignCenter,
                          titleMetrics.elidedText(text_.title, Qt::ElideMiddle, inner));
        painter->setFont(subtitle);
        painter->drawText(
            QRectF(rect_.left() + kPadding, top + titleMetrics.height(), inner, subtitleMetrics.height()),
            Qt::AlignCenter, subtitleMetrics.elidedText(text_.subtitle, Qt::ElideMiddle, inner));
    }

private:
    std::size_t index_;
    PathNodeKind kind_;
    QRectF rect_;
    NodeText text_;
    QColor fill_;
    QColor border_;
    QColor textColour_;
    QFont font_;
    bool selectedLook_ = false;
    QColor selectionColour_;
};

PathGraphView::PathGraphView(QWidget* parent)
    : QGraphicsView(parent)
    , latestJob_(std::make_shared<std::atomic<quint64>>(0))
    , placeholder_(new QLabel(viewport())) {
    placeholder_->setObjectName(QStringLiteral("pathPlaceholder"));
    placeholder_->setAlignment(Qt::AlignCenter);
    placeholder_->setWordWrap(true);
    placeholder_->setEnabled(false);
    noGraphText_ = tr("Select a syscall in the Review table to see the call paths that reach it.");
    placeholder_->setText(noGraphText_);
    setObjectName(QStringLiteral("pathGraphView"));
    setAccessibleName(tr("Call paths to the selected syscall"));
    setScene(new QGraphicsScene(this));
    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    setDragMode(QGraphicsView::ScrollHandDrag);
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    setResizeAnchor(QGraphicsView::AnchorViewCenter);
    setFocusPolicy(Qt::StrongFocus);
    GraphvizLayout::prepareLocale();
    auto add = [this](const QString& text, const QString& name, const QKeySequence& key, auto slot) {
        auto* a = new QAction(text, this);
        a->setObjectName(name);
        if (!key.isEmpty()) {
            a->setShortcut(key);
            a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
            addAction(a);
        }
        connect(a, &QAction::triggered, this, slot);
        menuActions_ << a;
        return a;
    };
    add(tr("Zoom &In"), QStringLiteral("pathZoomIn"), QKeySequence(QKeySequence::ZoomIn),
        [this] { zoomIn(); });
    add(tr("Zoom &Out"), QStringLiteral("pathZoomOut"), QKeySequence(QKeySequence::ZoomOut),
        [this] { zoomOut(); });
    add(tr("&Fit to View"), QStringLiteral("pathFit"), QKeySequence(Qt::CTRL | Qt::Key_0),
        [this] { fitToView(); });
    add(tr("&Actual Size"), QStringLiteral("pathActualSize"), QKeySequence(Qt::CTRL | Qt::Key_1),
        [this] { zoomToActualSize(); });
    auto* separator = new QAction(this);
    separator->setSeparator(true);
    menuActions_ << separator;
    add(tr("Export as &SVG…"), QStringLiteral("pathExportSvg"), {},
        [this] { exportWithDialog(QStringLiteral("svg")); });
    add(tr("Export as &PNG…"), QStringLiteral("pathExportPng"), {},
        [this] { exportWithDialog(QStringLiteral("png")); });
    add(tr("Export as &DOT…"), QStringLiteral("pathExportDot"), {},
        [this] { exportWithDialog(QStringLiteral("dot")); });
}

PathGraphView::~PathGraphView() {
    // Any job still running finds a newer id and its result is never applied.
    ++*latestJob_;
}

void PathGraphView::setSyscall(std::shared_ptr<const CallGraph> graph, int nr) {
    graph_ = std::move(graph);
    nr_ = nr;
    selected_ = -1;
    options_.expanded.clear();
    scheduleLayout();
}

void PathGraphView::setOptions(const PathGraphOptions& options) {
    options_ = options;
    scheduleLayout();
}

void PathGraphView::scheduleLayout() {
    const quint64 job = ++*latestJob_;
    if (!graph_) {
        pending_ = false;
        showLayout({});
        return;
    }
    pending_ = true;
    auto* watcher = new QFutureWatcher<Layout>(this);
    connect(watcher, &QFutureWatcher<Layout>::finished, this, [this, watcher, job] {
        watcher->deleteLater();
        if (job != latestJob_->load())
            return; // a newer request replaced this one
        pending_ = false;
        Layout result = watcher->result();
        if (!result.layout.ok) {
            emit layoutFailed(result.layout.error);
            return;
        }
        showLayout(std::move(result));
        emit layoutFinished();
    });
    watcher->setFuture(QtConcurrent::run(
        [graph = graph_, nr = nr_, options = options_, font = font(), latest = latestJob_, job]() -> Layout {
            if (job != latest->load())
                return Layout{}; // stale before it started
            return computeLayout(*graph, nr, options, font);
        }));
}

PathGraphView::Layout PathGraphView::computeLayout(const CallGraph& graph, int nr,
                                                   const PathGraphOptions& options, const QFont& font) {
    Layout out;
    out.graph = buildPathGraph(graph, nr, options);
    LayoutGraph input;
    for (const auto& node : out.graph.nodes) {
        out.nodeSizes.push_back(nodeSize(nodeText(graph, out.graph, node), font));
        input.nodes.push_back({out.nodeSizes.back(), QString::fromStdString(node.label)});
    }
    for (const auto& e : out.graph.edges)
        input.edges.push_back(
            {static_cast<int>(e.from), static_cast<int>(e.to), QString::fromLatin1(edgeKindName(e.kind))});
    input.labelFontSize = subtitleFont(font).pointSizeF();
    out.layout = GraphvizLayout::layout(input);
    return out;
}

void PathGraphView::showLayout(Layout layout) {
    // The selection follows the function, not the node index, across an unfolding.
    std::optional<FunctionId> selectedFunction;
    if (selected_ >= 0 && static_cast<std::size_t>(selected_) < shown_.graph.nodes.size() &&
        shown_.graph.nodes[static_cast<std::size_t>(selected_)].kind != PathNodeKind::Collapsed)
        selectedFunction = shown_.graph.nodes[static_cast<std::size_t>(selected_)].functions.front();
    shown_ = std::move(layout);
    selected_ = -1;
    if (selectedFunction)
        for (std::size_t i = 0; i < shown_.graph.nodes.size(); ++i)
            if (shown_.graph.nodes[i].kind != PathNodeKind::Collapsed &&
                shown_.graph.nodes[i].functions.front() == *selectedFunction)
                selected_ = static_cast<int>(i);
    rebuildScene();
    fitToView();
}

QString PathGraphView::nodeToolTip(std::size_t i) const {
    if (!graph_ || i >= shown_.graph.nodes.size())
        return {};
    const PathGraphNode& node = shown_.graph.nodes[i];
    const CallGraph& g = *graph_;
    const NodeText text = nodeText(g, shown_.graph, node);
    auto modulePath = [&](std::uint32_t m) {
        return m < g.modules.size() ? QString::fromStdString(g.modules[m].path) : QString();
    };
    QStringList lines;
    if (node.kind == PathNodeKind::Collapsed) {
        lines << text.title + QStringLiteral(" · ") + modulePath(node.module);
        const std::size_t shown = std::min<std::size_t>(node.functions.size(), 8);
        for (std::size_t k = 0; k < shown; ++k)
            lines << QStringLiteral("  ") + QString::fromStdString(g.functions[node.functions[k]].name);
        if (node.functions.size() > shown)
            lines << tr("  … and %n more", nullptr, static_cast<int>(node.functions.size() - shown));
        lines << tr("Click to unfold.");
        return lines.join(QLatin1Char('\n'));
    }
    const CgFunction& fn = g.functions[node.functions.front()];
    lines << QString::fromStdString(fn.name);
    if (fn.hub) {
        lines << tr(
            "Stands for every function whose address is taken: an indirect call may reach any of them.");
        return lines.join(QLatin1Char('\n'));
    }
    lines << tr("Module: %1").arg(modulePath(fn.module));
    lines << tr("Address: 0x%1").arg(fn.address, 0, 16) +
                 (fn.size ? tr(" (%n bytes)", nullptr, static_cast<int>(fn.size)) : QString());
    lines << (fn.sourceFile.empty() ? tr("Source: unknown (no debug information)")
              : fn.line ? tr("Source: %1:%2").arg(QString::fromStdString(fn.sourceFile)).arg(fn.line)
                        : tr("Source: %1").arg(QString::fromStdString(fn.sourceFile)));
    if (!text.subtitle.isEmpty() && node.kind != PathNodeKind::Normal)
        lines << text.subtitle;
    return lines.join(QLatin1Char('\n'));
}

bool PathGraphView::selectFunction(const QString& spec) {
    if (!graph_)
        return false;
    const auto ids = graph_->findFunctions(spec.toStdString());
    for (std::size_t i = 0; i < shown_.graph.nodes.size(); ++i) {
        const auto& fs = shown_.graph.nodes[i].functions;
        if (std::any_of(fs.begin(), fs.end(),
                        [&](FunctionId f) { return std::find(ids.begin(), ids.end(), f) != ids.end(); })) {
            setSelectedNode(static_cast<int>(i));
            if (const QRectF r = nodeRect(i); !r.isEmpty())
                ensureVisible(r, 20, 20);
            return true;
        }
    }
    setSelectedNode(-1);
    return false;
}

void PathGraphView::setSelectedNode(int node) {
    selected_ = node;
    const QColor colour = palette().color(QPalette::Highlight);
    for (PathNodeItem* item : nodeItems_)
        item->setSelectedLook(static_cast<int>(item->index()) == selected_, colour);
}

QRectF PathGraphView::nodeRect(std::size_t i) const {
    if (i >= shown_.layout.nodeCenters.size() || i >= shown_.nodeSizes.size())
        return {};
    const QSizeF size = shown_.nodeSizes[i];
    const QPointF c = shown_.layout.nodeCenters[i];
    return {c.x() - size.width() / 2, c.y() - size.height() / 2, size.width(), size.height()};
}

void PathGraphView::rebuildScene() {
    scene()->clear();
    nodeItems_.clear();
    pressedNode_ = nullptr;
    const QPalette pal = palette();
    scene()->setBackgroundBrush(pal.color(QPalette::Base));
    placeholder_->setVisible(!graph_ || shown_.graph.nodes.empty());
    if (!graph_ || shown_.graph.nodes.empty()) {
        placeholder_->setText(
            !graph_ ? noGraphText_
                    : tr("The analysis has no call path to %1: no reachable site makes it (it may be "
                         "seen only at run time).")
                          .arg(QString::fromStdString(SyscallTable::forArch(graph_->arch).name(nr_))));
        scene()->setSceneRect(QRectF());
        return;
    }
    const QColor lineColour = mix(pal.color(QPalette::Base), pal.color(QPalette::Text), 0.65);
    const QFont labelFont = subtitleFont(font());
    for (std::size_t i = 0; i < shown_.graph.edges.size() && i < shown_.layout.edges.size(); ++i) {
        const auto& route = shown_.layout.edges[i];
        const auto& pts = route.points;
        if (pts.size() < 4)
            continue;
        QPainterPath path(pts[0]);
        for (std::size_t k = 1; k + 2 < pts.size(); k += 3)
            path.cubicTo(pts[k], pts[k + 1], pts[k + 2]);
        QPen pen(lineColour, 1.3);
        if (shown_.graph.edges[i].kind == EdgeKind::Indirect ||
            shown_.graph.edges[i].kind == EdgeKind::Callback || shown_.graph.edges[i].kind == EdgeKind::Dlsym)
            pen.setStyle(Qt::DashLine);
        scene()->addPath(path, pen);
        // The arrow head runs from the spline's end to the box (Graphviz's end point), or along the
        // last control segment when Graphviz left none.
        const QPointF tip = route.arrowEnd.value_or(pts.back());
        const QPointF from = route.arrowEnd ? pts.back() : pts[pts.size() - 2];
        const QLineF axis(tip, from);
        if (axis.length() > 0.01) {
            QLineF side = axis.unitVector();
            side.setLength(9);
            QLineF left = side;
            left.setAngle(axis.angle() + 22);
            QLineF right = side;
            right.setAngle(axis.angle() - 22);
            if (route.arrowEnd)
                scene()->addLine(QLineF(from, tip), QPen(lineColour, 1.3));
            scene()->addPolygon(QPolygonF({tip, left.p2(), right.p2()}), QPen(lineColour, 1.0), lineColour);
        }
        if (route.labelCenter) {
            // On a plate of the background colour: Graphviz measured the label with its own font
            // metrics, so the line may pass under ours.
            auto* label =
                new QGraphicsSimpleTextItem(QString::fromLatin1(edgeKindName(shown_.graph.edges[i].kind)));
            label->setFont(labelFont);
            label->setBrush(lineColour);
            const QRectF r = label->boundingRect();
            const QPointF topLeft = *route.labelCenter - QPointF(r.width() / 2, r.height() / 2);
            auto* plate = scene()->addRect(QRectF(topLeft, r.size()).adjusted(-2, 0, 2, 0), Qt::NoPen,
                                           pal.color(QPalette::Base));
            plate->setZValue(0.5);
            label->setParentItem(plate);
            label->setPos(topLeft);
        }
    }
    for (std::size_t i = 0; i < shown_.graph.nodes.size(); ++i) {
        const auto& node = shown_.graph.nodes[i];
        auto* item = new PathNodeItem(i, node.kind, nodeRect(i), nodeText(*graph_, shown_.graph, node),
                                      nodeToolTip(i));
        const QColor accent = moduleAccent(pal, moduleRole(*graph_, node.module), node.module);
        const bool strong = node.kind == PathNodeKind::Entry || node.kind == PathNodeKind::SyscallSite;
        item->setColours(mix(pal.color(QPalette::Base), accent, strong ? 0.38 : 0.2),
                         mix(pal.color(QPalette::Base), accent, 0.85), pal.color(QPalette::Text));
        item->setFont(font());
        item->setZValue(1);
        item->setSelectedLook(static_cast<int>(i) == selected_, pal.color(QPalette::Highlight));
        scene()->addItem(item);
        nodeItems_.push_back(item);
    }
    scene()->setSceneRect(shown_.layout.boundingRect.adjusted(-12, -12, 12, 12));
}

double PathGraphView::zoom() const {
    return transform().m11();
}

void PathGraphView::setZoom(double factor) {
    const double z = std::clamp(factor, kMinZoom, kMaxZoom);
    setTransform(QTransform::fromScale(z, z));
}

void PathGraphView::zoomIn() {
    setZoom(zoom() * kZoomStep);
}

void PathGraphView::zoomOut() {
    setZoom(zoom() / kZoomStep);
}

void PathGraphView::zoomToActualSize() {
    setZoom(1.0);
}

void PathGraphView::fitToView() {
    const QRectF rect = scene()->sceneRect();
    if (rect.isEmpty()) {
        setZoom(1.0);
        return;
    }
    const QSize area = viewport()->size();
    const double fit = std::min(area.width() / rect.width(), area.height() / rect.height());
    setZoom(std::min(1.0, fit));
    centerOn(rect.center());
}

void PathGraphView::wheelEvent(QWheelEvent* event) {
    const int delta = event->angleDelta().y();
    if (delta == 0) {
        QGraphicsView::wheelEvent(event);
        return;
    }
    setZoom(zoom() * std::pow(kZoomStep, delta / 120.0));
    event->accept();
}

void PathGraphView::keyPressEvent(QKeyEvent* event) {
    if (event->matches(QKeySequence::ZoomIn) || event->key() == Qt::Key_Plus ||
        event->key() == Qt::Key_Equal) {
        zoomIn();
    } else if (event->matches(QKeySequence::ZoomOut) || event->key() == Qt::Key_Minus) {
        zoomOut();
    } else if (event->key() == Qt::Key_0 && (event->modifiers() & Qt::ControlModifier)) {
        fitToView();
    } else if (event->key() == Qt::Key_1 && (event->modifiers() & Qt::ControlModifier)) {
        zoomToActualSize();
    } else {
        QGraphicsView::keyPressEvent(event);
        return;
    }
    event->accept();
}

PathNodeItem* PathGraphView::nodeItemAt(const QPoint& viewPos) const {
    for (QGraphicsItem* item : items(viewPos))
        if (auto* node = dynamic_cast<PathNodeItem*>(item))
            return node;
    return nullptr;
}

void PathGraphView::mousePressEvent(QMouseEvent* event) {
    pressedNode_ = event->button() == Qt::LeftButton ? nodeItemAt(event->position().toPoint()) : nullptr;
    pressPos_ = event->position().toPoint();
    QGraphicsView::mousePressEvent(event);
}

void PathGraphView::mouseReleaseEvent(QMouseEvent* event) {
    QGraphicsView::mouseReleaseEvent(event);
    PathNodeItem* pressed = pressedNode_;
    pressedNode_ = nullptr;
    // A click, not the end of a pan.
    if (event->button() == Qt::LeftButton && pressed &&
        (event->position().toPoint() - pressPos_).manhattanLength() < QApplication::startDragDistance() &&
        nodeItemAt(event->position().toPoint()) == pressed)
        activateNode(pressed->index());
}

void PathGraphView::setNoGraphText(const QString& text) {
    noGraphText_ = text;
    if (!graph_)
        placeholder_->setText(text);
}

QString PathGraphView::placeholderText() const {
    return placeholder_->isVisibleTo(this) ? placeholder_->text() : QString();
}

void PathGraphView::resizeEvent(QResizeEvent* event) {
    QGraphicsView::resizeEvent(event);
    placeholder_->setGeometry(viewport()->rect().adjusted(16, 16, -16, -16));
}

void PathGraphView::mouseDoubleClickEvent(QMouseEvent* event) {
    if (event->button() == Qt::LeftButton && !nodeItemAt(event->position().toPoint())) {
        fitToView();
        event->accept();
        return;
    }
    QGraphicsView::mouseDoubleClickEvent(event);
}

void PathGraphView::contextMenuEvent(QContextMenuEvent* event) {
    const bool haveGraph = !shown_.graph.nodes.empty();
    for (QAction* a : menuActions_)
        if (!a->isSeparator())
            a->setEnabled(haveGraph);
    // Not exec(): the menu must not run an event loop of its own inside the press that opened it.
    auto* menu = new QMenu(this);
    menu->setObjectName(QStringLiteral("pathGraphMenu"));
    menu->setAttribute(Qt::WA_DeleteOnClose);
    menu->addActions(menuActions_);
    menu->popup(event->globalPos());
    event->accept();
}

void PathGraphView::exportWithDialog(const QString& format) {
    if (!graph_ || nr_ < 0)
        return;
    const QString name = QString::fromStdString(SyscallTable::forArch(graph_->arch).name(nr_));
    const QString suggested =
        QDir(defaultExportDirectory()).filePath(QStringLiteral("paths-%1.%2").arg(name, format));
    const QString filter = format == QLatin1String("svg")   ? tr("SVG images (*.svg)")
                           : format == QLatin1String("png") ? tr("PNG images (*.png)")
                                                            : tr("Graphviz DOT (*.dot *.gv)");
    const QString path = QFileDialog::getSaveFileName(this, tr("Export Call Paths"), suggested, filter);
    if (path.isEmpty())
        return;
    QString error;
    const bool ok = format == QLatin1String("svg")   ? exportSvg(path, &error)
                    : format == QLatin1String("png") ? exportPng(path, &error)
                                                     : exportDot(path, &error);
    if (!ok) {
        QMessageBox::warning(this, tr("Cannot Export the Call Paths"), error);
        return;
    }
    rememberExportDirectory(QFileInfo(path).absolutePath());
}

void PathGraphView::activateNode(std::size_t index) {
    if (!graph_ || index >= shown_.graph.nodes.size())
        return;
    const PathGraphNode& node = shown_.graph.nodes[index];
    if (node.kind == PathNodeKind::Collapsed) {
        PathGraphOptions unfolded = options_;
        unfolded.expanded.push_back(node.functions.front());
        setOptions(unfolded);
        return;
    }
    setSelectedNode(static_cast<int>(index));
    const CgFunction& fn = graph_->functions[node.functions.front()];
    const QString module = fn.module < graph_->modules.size()
                               ? QString::fromStdString(graph_->modules[fn.module].path)
                               : QString();
    emit functionActivated(module, QString::fromStdString(fn.name), fn.address,
                           QString::fromStdString(fn.sourceFile), static_cast<int>(fn.line));
}

void PathGraphView::changeEvent(QEvent* event) {
    QGraphicsView::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange) {
        if (event->type() == QEvent::FontChange && graph_)
            scheduleLayout(); // box sizes follow the font
        else
            rebuildScene();
    }
}

namespace {

bool fail(QString* error, const QString& message) {
    if (error)
        *error = message;
    return false;
}

} // namespace

bool PathGraphView::exportSvg(const QString& path, QString* error) const {
    const QRectF source = scene()->sceneRect();
    if (source.isEmpty())
        return fail(error, tr("%1: there is no graph to export").arg(path));
    // Written beside the target and renamed over it: a failed export leaves no half file.
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(error, tr("%1: %2").arg(path, file.errorString()));
    QSvgGenerator generator;
    generator.setOutputDevice(&file);
    generator.setSize(source.size().toSize());
    generator.setViewBox(QRectF(QPointF(0, 0), source.size()));
    generator.setTitle(
        tr("Call paths to %1").arg(QString::fromStdString(SyscallTable::forArch(graph_->arch).name(nr_))));
    QPainter painter;
    if (!painter.begin(&generator))
        return fail(error, tr("%1: cannot write the SVG file").arg(path));
    scene()->render(&painter, QRectF(QPointF(0, 0), source.size()), source);
    painter.end();
    if (!file.commit())
        return fail(error, tr("%1: %2").arg(path, file.errorString()));
    return true;
}

bool PathGraphView::exportPng(const QString& path, QString* error) const {
    const QRectF source = scene()->sceneRect();
    if (source.isEmpty())
        return fail(error, tr("%1: there is no graph to export").arg(path));
    QImage image(source.size().toSize() * 2, QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(2);
    image.fill(palette().color(QPalette::Base));
    QPainter painter(&image);
    painter.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    scene()->render(&painter, QRectF(QPointF(0, 0), source.size()), source);
    painter.end();
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || !image.save(&file, "PNG") || !file.commit())
        return fail(error, tr("%1: cannot write the PNG file (%2)").arg(path, file.errorString()));
    return true;
}

bool PathGraphView::exportDot(const QString& path, QString* error) const {
    if (!graph_ || shown_.graph.paths.empty())
        return fail(error, tr("%1: there is no graph to export").arg(path));
    const std::string name = SyscallTable::forArch(graph_->arch).name(nr_);
    const std::string dot =
        witnessPathsToDot(*graph_, shown_.graph.paths, "why " + name + ": " + graph_->program);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) ||
        file.write(dot.data(), static_cast<qint64>(dot.size())) != static_cast<qint64>(dot.size()) ||
        !file.commit())
        return fail(error, tr("%1: %2").arg(path, file.errorString()));
    return true;
}

} // namespace swb
