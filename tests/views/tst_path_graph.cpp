// The call-graph path view: the merged witness-path graph, its Graphviz layout, the view's clicks,
// zoom, background jobs and exports, on the analysis of a real program (/bin/true).
#include "graph/graphviz_layout.h"
#include "graph/path_graph_view.h"
#include "model/path_graph.h"
#include "model/syscall_table.h"
#include "real_analysis.h"

#include <QFile>
#include <QImage>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QSvgRenderer>
#include <QThreadPool>

#include <cmath>
#include <set>

using namespace swb;

namespace {

// entry -> m0 -> a1 .. aN (one module) -> site, and a second path entry -> m0 -> b -> site2 with the
// same syscall, so paths share a prefix and a run of N functions of one module can fold.
std::shared_ptr<CallGraph> makeRunGraph(int runLength, int nr) {
    auto g = std::make_shared<CallGraph>();
    g->program = "/usr/bin/prog";
    g->modules = {{"/usr/bin/prog", "", "", "program"},
                  {"/lib/libfoo.so.1", "", "libfoo.so.1", "needed by prog"}};
    auto add = [&](std::uint32_t module, std::string name) {
        CgFunction f;
        f.module = module;
        f.address = 0x1000 + 0x10 * g->functions.size();
        f.size = 0x10;
        f.name = std::move(name);
        g->functions.push_back(f);
        return static_cast<FunctionId>(g->functions.size() - 1);
    };
    const FunctionId entry = add(0, "_start");
    const FunctionId main = add(0, "main");
    g->entries.push_back({entry, EntryKind::ProgramEntry});
    g->edges.push_back({entry, main, 0x1001, EdgeKind::Direct});
    FunctionId prev = main;
    for (int i = 1; i <= runLength; ++i) {
        const FunctionId a = add(1, "a" + std::to_string(i));
        g->edges.push_back({prev, a, 0, i == 1 ? EdgeKind::Import : EdgeKind::Direct});
        prev = a;
    }
    const FunctionId site = add(1, "do_syscall");
    g->edges.push_back({prev, site, 0, EdgeKind::TailCall});
    g->sites.push_back({site, g->functions[site].address + 4, nr, "", kNoFunction});
    const FunctionId b = add(0, "helper");
    g->edges.push_back({main, b, 0, EdgeKind::Direct});
    g->sites.push_back({b, g->functions[b].address + 4, nr, "", kNoFunction});
    return g;
}

bool finite(const QPointF& p) {
    return std::isfinite(p.x()) && std::isfinite(p.y());
}

QRectF box(const LayoutGraph& input, const GraphLayoutResult& r, std::size_t i) {
    const QSizeF s = input.nodes[i].size;
    return {r.nodeCenters[i] - QPointF(s.width() / 2, s.height() / 2), s};
}

LayoutGraph layoutInput(const PathGraph& pg) {
    LayoutGraph input;
    for (const auto& node : pg.nodes)
        input.nodes.push_back({QSizeF(100 + 4.0 * static_cast<double>(node.label.size() % 40), 40),
                               QString::fromStdString(node.label)});
    for (const auto& e : pg.edges)
        input.edges.push_back(
            {static_cast<int>(e.from), static_cast<int>(e.to), QString::fromLatin1(edgeKindName(e.kind))});
    return input;
}

} // namespace

class TestPathGraph : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(dir_.isValid());
        graph_ = test::analyzeWithSwb(QStringLiteral("/bin/true"), dir_);
        QVERIFY(graph_);
        // The syscall with the most witness paths exercises merging and capping.
        std::size_t most = 0;
        for (int nr : graph_->syscalls()) {
            const std::size_t n = graph_->witnessPaths(nr, 64).size();
            if (n > most) {
                most = n;
                manyPaths_ = nr;
            }
        }
        QVERIFY2(most >= 3, "no syscall of /bin/true has three witness paths");
        write_ = *SyscallTable::forArch(Arch::X86_64).number("write");
    }

    void mergesSharedFunctions() {
        PathGraphOptions options;
        options.collapseAboveNodes = SIZE_MAX;
        const PathGraph pg = buildPathGraph(*graph_, manyPaths_, options);
        QVERIFY(pg.paths.size() >= 3);
        std::set<FunctionId> functions;
        std::set<std::tuple<FunctionId, FunctionId, EdgeKind>> edges;
        std::size_t steps = 0;
        for (const auto& path : pg.paths) {
            steps += path.size();
            for (std::size_t i = 0; i < path.size(); ++i) {
                functions.insert(path[i].function);
                if (i)
                    edges.insert({path[i - 1].function, path[i].function, path[i].via});
            }
        }
        QCOMPARE(pg.nodes.size(), functions.size());
        QVERIFY2(pg.nodes.size() < steps, "paths share no function: nothing was merged");
        QCOMPARE(pg.edges.size(), edges.size());
        QCOMPARE(pg.nodePaths.size(), pg.paths.size());
        std::uint32_t edgeUses = 0;
        for (const auto& e : pg.edges)
            edgeUses += e.paths;
        QCOMPARE(static_cast<std::size_t>(edgeUses), steps - pg.paths.size());
        for (std::size_t p = 0; p < pg.paths.size(); ++p) {
            QCOMPARE(pg.nodePaths[p].size(), pg.paths[p].size());
            for (std::size_t i = 0; i < pg.paths[p].size(); ++i)
                QCOMPARE(pg.nodes[pg.nodePaths[p][i]].functions.front(), pg.paths[p][i].function);
            QCOMPARE(pg.nodes[pg.nodePaths[p].back()].kind, PathNodeKind::SyscallSite);
            const auto first = pg.nodes[pg.nodePaths[p].front()].kind;
            QVERIFY(first == PathNodeKind::Entry || first == PathNodeKind::SyscallSite);
        }
    }

    void capsPaths_data() {
        QTest::addColumn<int>("cap");
        QTest::newRow("1") << 1;
        QTest::newRow("2") << 2;
        QTest::newRow("default 8") << 8;
        QTest::newRow("64") << 64;
    }
    void capsPaths() {
        QFETCH(int, cap);
        const std::size_t available = graph_->witnessPaths(manyPaths_, 1000).size();
        PathGraphOptions options;
        options.maxPaths = static_cast<std::size_t>(cap);
        const PathGraph pg = buildPathGraph(*graph_, manyPaths_, options);
        QCOMPARE(pg.paths.size(), std::min<std::size_t>(available, static_cast<std::size_t>(cap)));
        QCOMPARE(pg.capped, available > static_cast<std::size_t>(cap));
        QCOMPARE(pg.nodePaths.size(), pg.paths.size());
    }

    void foldsLongRunsOfOneModule_data() {
        QTest::addColumn<int>("runLength");
        QTest::addColumn<std::size_t>("collapseAbove");
        QTest::addColumn<bool>("expandRun");
        QTest::addColumn<bool>("folds");
        QTest::newRow("long run, big graph") << 6 << std::size_t(0) << false << true;
        QTest::newRow("run of exactly K") << 3 << std::size_t(0) << false << false;
        QTest::newRow("small graph") << 6 << std::size_t(100) << false << false;
        QTest::newRow("unfolded by the analyst") << 6 << std::size_t(0) << true << false;
    }
    void foldsLongRunsOfOneModule() {
        QFETCH(int, runLength);
        QFETCH(std::size_t, collapseAbove);
        QFETCH(bool, expandRun);
        QFETCH(bool, folds);
        const int nr = 39;
        const auto g = makeRunGraph(runLength, nr);
        PathGraphOptions options;
        options.collapseRunsLongerThan = 3;
        options.collapseAboveNodes = collapseAbove;
        if (expandRun)
            options.expanded = g->findFunctions("a2");
        const PathGraph pg = buildPathGraph(*g, nr, options);
        QCOMPARE(pg.paths.size(), std::size_t(2));
        QCOMPARE(pg.collapsed, folds);
        // _start, main, helper, do_syscall, and the run folded or not.
        const std::size_t expected = 4 + (folds ? 1 : static_cast<std::size_t>(runLength));
        QCOMPARE(pg.nodes.size(), expected);
        QCOMPARE(pg.edges.size(), expected - 1); // a tree
        if (folds) {
            const std::uint32_t folded = pg.nodeOf(g->findFunctions("a1").front());
            QCOMPARE(pg.nodes[folded].kind, PathNodeKind::Collapsed);
            QCOMPARE(pg.nodes[folded].functions.size(), static_cast<std::size_t>(runLength));
            QCOMPARE(pg.nodes[folded].label, std::string("libfoo.so.1: 6 functions"));
            QCOMPARE(pg.nodeOf(g->findFunctions("a6").front()), folded);
            // The edge into the run keeps its kind, and the one out of it.
            bool importIn = false;
            bool tailOut = false;
            for (const auto& e : pg.edges) {
                importIn |= e.to == folded && e.kind == EdgeKind::Import;
                tailOut |= e.from == folded && e.kind == EdgeKind::TailCall;
            }
            QVERIFY(importIn);
            QVERIFY(tailOut);
            // The shortest path is _start, main, helper; the other runs through the folded node.
            QCOMPARE(pg.nodePaths[1].size(), std::size_t(4)); // _start, main, run, do_syscall
        }
        QCOMPARE(pg.nodes[pg.nodeOf(g->findFunctions("_start").front())].kind, PathNodeKind::Entry);
        QCOMPARE(pg.nodes[pg.nodeOf(g->findFunctions("helper").front())].kind, PathNodeKind::SyscallSite);
    }

    void layoutGeometryOfEverySyscall() {
        // Every syscall of /bin/true: finite coordinates, no overlapping boxes, ranks growing from
        // the entry to the site along every path, a spline per edge.
        int laidOut = 0;
        for (int nr : graph_->syscalls()) {
            const PathGraph pg = buildPathGraph(*graph_, nr);
            if (pg.nodes.empty())
                continue; // a special case without a site
            const LayoutGraph input = layoutInput(pg);
            const GraphLayoutResult r = GraphvizLayout::layout(input);
            QVERIFY2(r.ok, qPrintable(r.error));
            QCOMPARE(r.nodeCenters.size(), pg.nodes.size());
            QCOMPARE(r.edges.size(), pg.edges.size());
            for (std::size_t i = 0; i < pg.nodes.size(); ++i) {
                QVERIFY(finite(r.nodeCenters[i]));
                QVERIFY(r.boundingRect.adjusted(-1, -1, 1, 1).contains(box(input, r, i)));
                for (std::size_t j = i + 1; j < pg.nodes.size(); ++j)
                    QVERIFY2(!box(input, r, i).intersects(box(input, r, j)),
                             qPrintable(QStringLiteral("%1: nodes %2 and %3 overlap").arg(nr).arg(i).arg(j)));
            }
            for (const auto& path : pg.nodePaths)
                for (std::size_t k = 1; k < path.size(); ++k)
                    QVERIFY2(r.nodeCenters[path[k]].y() > r.nodeCenters[path[k - 1]].y(),
                             qPrintable(QStringLiteral("syscall %1: rank falls along a path").arg(nr)));
            for (const auto& route : r.edges) {
                QVERIFY(route.points.size() >= 4);
                QCOMPARE((route.points.size() - 1) % 3, std::size_t(0));
                for (const auto& p : route.points)
                    QVERIFY(finite(p));
            }
            ++laidOut;
        }
        QVERIFY(laidOut > 10);
    }

    void backEdgesDoNotBendRanks() {
        LayoutGraph input;
        for (int i = 0; i < 4; ++i)
            input.nodes.push_back({QSizeF(80, 30), QString::number(i)});
        input.edges = {{0, 1, {}}, {1, 2, {}}, {2, 3, {}}, {3, 1, QStringLiteral("back")}};
        const auto r = GraphvizLayout::layout(input);
        QVERIFY(r.ok);
        QVERIFY(!r.edges[0].backEdge && !r.edges[1].backEdge && !r.edges[2].backEdge);
        QVERIFY(r.edges[3].backEdge);
        QVERIFY(r.edges[3].labelCenter.has_value());
        for (int i = 1; i < 4; ++i)
            QVERIFY(r.nodeCenters[static_cast<std::size_t>(i)].y() >
                    r.nodeCenters[static_cast<std::size_t>(i - 1)].y());
        input.edges.push_back({0, 7, {}});
        const auto bad = GraphvizLayout::layout(input);
        QVERIFY(!bad.ok);
        QVERIFY(bad.error.contains(QLatin1String("7")));
    }

    void clickingANodeEmitsItsFunction() {
        PathGraphView view;
        view.resize(1000, 800);
        view.show();
        QVERIFY(view.placeholderText().contains(QStringLiteral("Select a syscall")));
        QSignalSpy finished(&view, &PathGraphView::layoutFinished);
        view.setSyscall(graph_, write_);
        QVERIFY(view.isLayoutPending());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
        QVERIFY(!view.isLayoutPending());
        const PathGraph& pg = view.pathGraph();
        QCOMPARE(pg.nr, write_);
        QVERIFY(!pg.nodes.empty());
        QSignalSpy activated(&view, &PathGraphView::functionActivated);
        for (const std::uint32_t node : {pg.nodePaths.front().back(), pg.nodePaths.front().front()}) {
            const QRectF rect = view.nodeRect(node);
            view.centerOn(rect.center());
            QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, view.mapFromScene(rect.center()));
            QCOMPARE(activated.count(), 1);
            const auto args = activated.takeFirst();
            const CgFunction& fn = graph_->functions[pg.nodes[node].functions.front()];
            QCOMPARE(args.at(0).toString(), QString::fromStdString(graph_->modules[fn.module].path));
            QCOMPARE(args.at(1).toString(), QString::fromStdString(fn.name));
            QCOMPARE(args.at(2).toULongLong(), static_cast<qulonglong>(fn.address));
            QCOMPARE(args.at(3).toString(), QString::fromStdString(fn.sourceFile));
            QCOMPARE(args.at(4).toInt(), static_cast<int>(fn.line));
        }
        QVERIFY(view.placeholderText().isEmpty());
        QCOMPARE(view.selectedNode(), static_cast<int>(pg.nodePaths.front().front()));
        const QString tip = view.nodeToolTip(pg.nodePaths.front().front());
        QVERIFY2(tip.contains(QStringLiteral("Address: 0x")) && tip.contains(QStringLiteral("Module: ")),
                 qPrintable(tip));
        // A press that turns into a pan is not a click.
        const QPoint at = view.mapFromScene(view.nodeRect(pg.nodePaths.front().back()).center());
        QTest::mousePress(view.viewport(), Qt::LeftButton, {}, at);
        QTest::mouseRelease(view.viewport(), Qt::LeftButton, {}, at + QPoint(40, 0));
        QCOMPARE(activated.count(), 0);
    }

    void clickingAFoldedRunUnfoldsIt() {
        const int nr = 39;
        const std::shared_ptr<const CallGraph> g = makeRunGraph(6, nr);
        PathGraphView view;
        view.resize(800, 900);
        view.show();
        PathGraphOptions options;
        options.collapseAboveNodes = 0;
        view.setOptions(options);
        QSignalSpy finished(&view, &PathGraphView::layoutFinished);
        view.setSyscall(g, nr);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
        const std::uint32_t folded = view.pathGraph().nodeOf(g->findFunctions("a3").front());
        QCOMPARE(view.pathGraph().nodes[folded].kind, PathNodeKind::Collapsed);
        QSignalSpy activated(&view, &PathGraphView::functionActivated);
        const QRectF rect = view.nodeRect(folded);
        view.centerOn(rect.center());
        QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, view.mapFromScene(rect.center()));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 20000);
        QCOMPARE(activated.count(), 0);
        QVERIFY(!view.pathGraph().collapsed);
        QCOMPARE(view.pathGraph().nodes.size(), std::size_t(10));
    }

    void staleLayoutsAreDropped() {
        PathGraphView view;
        view.resize(600, 400);
        QSignalSpy finished(&view, &PathGraphView::layoutFinished);
        view.setSyscall(graph_, manyPaths_);
        view.setSyscall(graph_, write_);
        QTRY_VERIFY_WITH_TIMEOUT(!view.isLayoutPending(), 20000);
        // Let the older job finish too and deliver whatever it would.
        QThreadPool::globalInstance()->waitForDone();
        QTest::qWait(50);
        QCOMPARE(finished.count(), 1);
        QCOMPARE(view.pathGraph().nr, write_);
        QCOMPARE(view.syscall(), write_);
    }

    void zoomsWithKeysAndWheel() {
        PathGraphView view;
        view.resize(300, 200);
        view.show();
        QSignalSpy finished(&view, &PathGraphView::layoutFinished);
        view.setSyscall(graph_, manyPaths_);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);
        const double fitted = view.zoom();
        QVERIFY(fitted > 0 && fitted <= 1.0);
        QTest::keyClick(&view, Qt::Key_Plus);
        QVERIFY(view.zoom() > fitted);
        QTest::keyClick(&view, Qt::Key_Minus);
        QTest::keyClick(&view, Qt::Key_Minus);
        QVERIFY(view.zoom() < fitted);
        QTest::keyClick(&view, Qt::Key_0, Qt::ControlModifier);
        QCOMPARE(view.zoom(), fitted);
        const QPointF centre(view.viewport()->rect().center());
        QWheelEvent wheel(centre, view.viewport()->mapToGlobal(centre), {}, QPoint(0, 240), Qt::NoButton,
                          Qt::NoModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(view.viewport(), &wheel);
        QVERIFY(view.zoom() > fitted * 1.4);
    }

    void exportsWriteValidFiles() {
        PathGraphView view;
        view.resize(800, 600);
        QString error;
        QVERIFY(!view.exportSvg(dir_.filePath(QStringLiteral("empty.svg")), &error));
        QVERIFY(error.contains(QLatin1String("empty.svg")));
        QSignalSpy finished(&view, &PathGraphView::layoutFinished);
        view.setSyscall(graph_, manyPaths_);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 20000);

        const QString svg = dir_.filePath(QStringLiteral("paths.svg"));
        QVERIFY2(view.exportSvg(svg, &error), qPrintable(error));
        QSvgRenderer renderer(svg);
        QVERIFY(renderer.isValid());
        QVERIFY(renderer.viewBoxF().width() >= view.layoutResult().boundingRect.width());

        const QString png = dir_.filePath(QStringLiteral("paths.png"));
        QVERIFY2(view.exportPng(png, &error), qPrintable(error));
        const QImage image(png);
        QVERIFY(!image.isNull());
        QCOMPARE(image.size(), view.scene()->sceneRect().size().toSize() * 2);

        const QString dotFile = dir_.filePath(QStringLiteral("paths.dot"));
        QVERIFY2(view.exportDot(dotFile, &error), qPrintable(error));
        QFile f(dotFile);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray dot = f.readAll();
        QVERIFY(dot.startsWith("digraph"));
        for (const auto& node : view.pathGraph().nodes)
            QVERIFY(dot.contains(("f" + std::to_string(node.functions.front()) + " [").c_str()));
        const QString dotTool = QStandardPaths::findExecutable(QStringLiteral("dot"));
        if (!dotTool.isEmpty()) {
            QProcess check;
            check.start(dotTool, {QStringLiteral("-Tplain"), dotFile});
            QVERIFY(check.waitForFinished(30000));
            QCOMPARE(check.exitCode(), 0);
        }
        QVERIFY(!view.exportPng(dir_.filePath(QStringLiteral("no/such/dir/x.png")), &error));
        QVERIFY(error.contains(QLatin1String("x.png")));
    }

private:
    QTemporaryDir dir_;
    std::shared_ptr<const CallGraph> graph_;
    int manyPaths_ = -1;
    int write_ = -1;
};

QTEST_MAIN(TestPathGraph)
#include "tst_path_graph.moc"
