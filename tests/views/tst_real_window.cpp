// The workbench in a real window: on an X server (Xvfb) with a window manager (openbox), driven by
// real mouse and keyboard input (XTEST), at the screen size with_x11.sh was given. What the
// offscreen tests cannot see: the size the window asks the window manager for, where the WM puts
// it, what a resize through the WM does to it, and whether what a user clicks is where it looks.
//
// With SWB_SHOT_DIR set, screenshots of the whole X screen (WM frame included) are saved there,
// named NAME-WIDTHxHEIGHT.png (docs/images/real-*.png come from these).
#include "evidence/evidence_panel.h"
#include "graph/path_graph_view.h"
#include "main_window.h"
#include "model/syscall_table.h"
#include "review/review_session.h"
#include "review/review_table_model.h"
#include "timeline/cumulative_chart.h"
#include "timeline/phase_boundary_handle.h"
#include "timeline/timeline_panel.h"
#include "timeline/timeline_view.h"
#include "workbench_view.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QComboBox>
#include <QDockWidget>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QProcess>
#include <QPushButton>
#include <QScreen>
#include <QSettings>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QToolTip>
#include <QtTest>

#include <functional>
#include <memory>

#include "x11/x11_input.h" // last: Xlib's macros (None, Bool, Status) must not meet Qt's headers

using namespace swb;
using swb::test::X11Input;

namespace {

const QString kProject = QStringLiteral(SWB_SOURCE_DIR "/sample-traces/redis/redis.swbproj");
// What a 1280x800 screen leaves a window: the workbench must fit in it.
const QSize kLargestMinimum(1280, 720);

QString describe(const QRect& r) {
    return QStringLiteral("%1,%2 %3x%4").arg(r.x()).arg(r.y()).arg(r.width()).arg(r.height());
}

QRect globalRect(const QWidget* w) {
    return {w->mapToGlobal(QPoint(0, 0)), w->size()};
}

QPoint globalCenter(const QWidget* w) {
    return w->mapToGlobal(w->rect().center());
}

QMessageBox* visibleMessageBox() {
    for (QWidget* w : QApplication::topLevelWidgets())
        if (auto* box = qobject_cast<QMessageBox*>(w); box && box->isVisible())
            return box;
    return nullptr;
}

int rowOf(const QAbstractItemModel* model, const QString& name) {
    for (int r = 0; r < model->rowCount(); ++r)
        if (model->index(r, ReviewTableModel::NameColumn).data().toString() == name)
            return r;
    return -1;
}

} // namespace

class TstRealWindow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QCOMPARE(QGuiApplication::platformName(), QStringLiteral("xcb"));
        QVERIFY2(input_.ok(), "no X server with the XTEST extension (run through with_x11.sh)");
        QVERIFY2(input_.windowManagerRuns(), "no window manager on the X server");
        screen_ = QRect(QPoint(0, 0), input_.screenSize());
        const QStringList size = qEnvironmentVariable("SWB_X11_SCREEN").split(QLatin1Char('x'));
        if (size.size() == 2)
            QCOMPARE(screen_.size(), QSize(size[0].toInt(), size[1].toInt()));
        QSettings(QStringLiteral("SeccompWorkbench"), QStringLiteral("swb-gui")).clear();
    }

    void opensAtASensibleSize() {
        window_ = std::make_unique<MainWindow>();
        window_->restoreSettings();
        window_->show();
        QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
        QVERIFY(window_->openFile(kProject));
        wb_ = window_->currentWorkbench();
        QVERIFY(wb_);
        QTest::qWait(300);
        // No saved geometry: most of the screen, and all of the window on it.
        QCOMPARE(window_->size(), MainWindow::defaultSize(window_->screen()));
        checkGeometry(QStringLiteral("first start"));
        minimum_ = *input_.minimumSizeHint(window_->winId());
        shot(QStringLiteral("workbench"));
    }

    void resizesThroughTheWindowManager() {
        // Each resize of the old window raised its minimum (3331 -> 5151 -> ... -> 32767).
        const QSize sizes[] = {{screen_.width() - 80, screen_.height() - 120},
                               {kLargestMinimum.width() - 100, 640},
                               {screen_.width() * 3 / 4, screen_.height() * 3 / 4}};
        for (const QSize& size : sizes) {
            input_.resizeWindow(window_->winId(), size);
            QTRY_COMPARE_WITH_TIMEOUT(window_->size(), size.boundedTo(screen_.size()), 5000);
            QTest::qWait(150);
            QCOMPARE(*input_.minimumSizeHint(window_->winId()), minimum_);
            checkGeometry(QStringLiteral("resized to %1x%2").arg(size.width()).arg(size.height()));
        }
        // A user's resize: Alt + right-button drag (openbox), from inside the window outwards.
        const QRect before = window_->geometry();
        const QPoint from = window_->mapToGlobal(QPoint(window_->width() - 40, window_->height() - 40));
        input_.drag(from, from + QPoint(60, 40), 10, Button3, XK_Alt_L);
        QTRY_VERIFY_WITH_TIMEOUT(window_->width() > before.width(), 5000);
        QTest::qWait(150);
        QCOMPARE(*input_.minimumSizeHint(window_->winId()), minimum_);
        checkGeometry(QStringLiteral("dragged larger"));
        // And a move: Alt + left-button drag.
        const QPoint grab = globalCenter(window_.get());
        const QPoint was = window_->frameGeometry().topLeft();
        input_.drag(grab, grab + QPoint(-30, -20), 8, Button1, XK_Alt_L);
        QTRY_VERIFY_WITH_TIMEOUT(window_->frameGeometry().topLeft() != was, 5000);
    }

    void movesTheTimelineSplitter() {
        auto* splitter = wb_->findChild<QSplitter*>(QStringLiteral("timelineSplitter"));
        QVERIFY(splitter);
        const QList<int> before = splitter->sizes();
        const QSize windowBefore = window_->size();
        QSplitterHandle* handle = splitter->handle(1);
        const QPoint from = globalCenter(handle);
        // The chart is 120 to 300 px high: move the handle the way it has room to go.
        const bool grow = before[1] < 200;
        input_.drag(from, from + QPoint(0, grow ? -50 : 50));
        QTRY_VERIFY_WITH_TIMEOUT(splitter->sizes() != before, 3000);
        QVERIFY2(grow ? splitter->sizes()[1] > before[1] : splitter->sizes()[1] < before[1],
                 qPrintable(QStringLiteral("%1 -> %2").arg(before[1]).arg(splitter->sizes()[1])));
        QCOMPARE(window_->size(), windowBefore);
        // The chart's plot area still spans the lanes' time axis.
        TimelineView* view = wb_->timeline()->timelineView();
        CumulativeChart* chart = wb_->timeline()->chart();
        const auto plotX = [&](bool right) {
            const QRectF plot = chart->chart()->plotArea();
            return chart->mapToGlobal(chart->mapFromScene(right ? plot.topRight() : plot.topLeft())).x();
        };
        const int viewLeft = view->mapToGlobal(view->plotRect().topLeft()).x();
        const int viewRight = view->mapToGlobal(view->plotRect().topRight()).x() + 1;
        QTRY_VERIFY2_WITH_TIMEOUT(std::abs(plotX(false) - viewLeft) <= 1 &&
                                      std::abs(plotX(true) - viewRight) <= 1,
                                  qPrintable(QStringLiteral("chart %1..%2, lanes %3..%4")
                                                 .arg(plotX(false))
                                                 .arg(plotX(true))
                                                 .arg(viewLeft)
                                                 .arg(viewRight)),
                                  3000);
    }

    void selectsARowAndReadsItsEvidence() {
        filterTo(QStringLiteral("listen"));
        clickRow(QStringLiteral("listen"));
        QTRY_COMPARE_WITH_TIMEOUT(wb_->selectedSyscall(),
                                  SyscallTable::forArch(Arch::X86_64).number("listen").value(), 3000);
        QCOMPARE(wb_->findChild<QLabel*>(QStringLiteral("evidenceTitle"))->text(), QStringLiteral("listen"));
        QVERIFY(wb_->evidencePanel()->plainText().contains(QStringLiteral("Seen at run time")));
    }

    void clicksAndHoversTheCallPaths() {
        PathGraphView* paths = wb_->pathView();
        QTRY_VERIFY_WITH_TIMEOUT(!paths->isLayoutPending() && !paths->pathGraph().nodes.empty(), 20000);
        QTest::qWait(100);
        // The entry of the first path: a function of the program.
        const std::uint32_t node = paths->pathGraph().nodePaths.front().front();
        const QPoint at = paths->viewport()->mapToGlobal(paths->mapFromScene(paths->nodeRect(node).center()));
        QVERIFY2(globalRect(paths->viewport()).contains(at),
                 qPrintable(describe(globalRect(paths->viewport()))));
        input_.moveTo(at + QPoint(1, 1));
        input_.moveTo(at);
        QTRY_VERIFY_WITH_TIMEOUT(QToolTip::isVisible(), 5000);
        QVERIFY2(QToolTip::text().contains(QStringLiteral("Address: 0x")), qPrintable(QToolTip::text()));
        QVERIFY2(QToolTip::text().contains(QStringLiteral("Module: ")), qPrintable(QToolTip::text()));
        input_.click(at);
        QTRY_VERIFY_WITH_TIMEOUT(wb_->evidencePanel()->function().has_value(), 3000);
        QCOMPARE(paths->selectedNode(), static_cast<int>(node));
        QVERIFY(wb_->evidencePanel()->plainText().contains(QStringLiteral("Selected function")));
        QVERIFY(wb_->evidencePanel()->plainText().contains(QStringLiteral("address: 0x")));
        shot(QStringLiteral("call-paths"));
        // Zoom with the keyboard and the wheel, fit with Ctrl+0.
        const double fitted = paths->zoom();
        input_.shortcut(XK_plus);
        QTRY_VERIFY_WITH_TIMEOUT(paths->zoom() > fitted, 2000);
        input_.wheel(globalCenter(paths->viewport()), false, 3);
        QTRY_VERIFY_WITH_TIMEOUT(paths->zoom() < fitted, 2000);
        input_.shortcut(XK_0, {XK_Control_L});
        QTRY_COMPARE_WITH_TIMEOUT(paths->zoom(), fitted, 2000);
        // The context menu offers the exports.
        input_.click(globalCenter(paths->viewport()) + QPoint(0, paths->viewport()->height() / 3), Button3);
        QTRY_VERIFY_WITH_TIMEOUT(qobject_cast<QMenu*>(QApplication::activePopupWidget()), 3000);
        auto* menu = qobject_cast<QMenu*>(QApplication::activePopupWidget());
        QStringList texts;
        for (QAction* a : menu->actions())
            texts << a->text();
        QVERIFY2(texts.contains(QStringLiteral("Export as &SVG…")) &&
                     texts.contains(QStringLiteral("Export as &PNG…")) &&
                     texts.contains(QStringLiteral("Export as &DOT…")),
                 qPrintable(texts.join(QLatin1Char('|'))));
        input_.shortcut(XK_Escape);
        QTRY_VERIFY_WITH_TIMEOUT(!QApplication::activePopupWidget(), 3000);
    }

    void draggingTheBoundaryMarksAContradiction() {
        // The sample's review denies listen while serving. Allow it from the Decide button's menu,
        // then deny it again: two undo steps, the project modified.
        clickRow(QStringLiteral("listen"));
        auto* decide = wb_->findChild<QToolButton*>(QStringLiteral("decideButton"));
        ReviewSession* s = wb_->session();
        const int listen = SyscallTable::forArch(Arch::X86_64).number("listen").value();
        const auto servingVerdict = [&] {
            const ReviewDecision* d = s->project().decisionFor("listen", Phase::Serving);
            return d ? QString::fromLatin1(verdictName(d->verdict)) : QString();
        };
        QCOMPARE(servingVerdict(), QStringLiteral("deny"));
        for (const QString& choice :
             {QStringLiteral("Allow while serving"), QStringLiteral("Deny while serving")}) {
            inNestedLoop([&] { input_.click(globalCenter(decide)); }, activeMenu,
                         [&](QWidget* menu) { clickMenuItem(qobject_cast<QMenu*>(menu), choice); });
            QTRY_COMPARE_WITH_TIMEOUT(servingVerdict(),
                                      choice.startsWith(QLatin1String("Allow")) ? QStringLiteral("allow")
                                                                                : QStringLiteral("deny"),
                                      3000);
        }
        QVERIFY(s->isModified());
        const int row = wb_->tableModel()->rowOf(listen);
        const QModelIndex decision = wb_->tableModel()->index(row, ReviewTableModel::DecisionColumn);
        // listen is made during start-up: denying it while serving agrees with the trace.
        QVERIFY(decision.data(ReviewTableModel::ContradictionRole).toString().isEmpty());

        // Drag the boundary to the start of the trace: listen now happens while serving.
        TimelineView* view = wb_->timeline()->timelineView();
        PhaseBoundaryHandle* handle = view->boundaryHandle();
        QVERIFY(handle->isVisible());
        const qint64 before = s->boundaryNs();
        const QPoint from = globalCenter(handle);
        const QPoint to = view->mapToGlobal(
            QPoint(static_cast<int>(view->timeToX(0)) + 1, handle->geometry().center().y()));
        input_.drag(from, to, 16);
        QTRY_VERIFY_WITH_TIMEOUT(s->boundaryNs() < before, 3000);
        QVERIFY(s->evidence().bySyscall.at(listen).dynamic[1].count > 0);
        QTRY_VERIFY_WITH_TIMEOUT(!decision.data(ReviewTableModel::ContradictionRole).toString().isEmpty(),
                                 3000);
        QVERIFY(!decision.data(Qt::DecorationRole).value<QIcon>().isNull());
        QVERIFY(
            decision.data(Qt::ToolTipRole).toString().contains(QStringLiteral("Contradicts the evidence")));

        // The quick filter "Contradicts evidence", chosen with the keyboard in the combo box.
        filterTo(QString());
        auto* quick = wb_->findChild<QComboBox*>(QStringLiteral("quickFilter"));
        input_.click(globalCenter(quick));
        QTRY_VERIFY_WITH_TIMEOUT(QApplication::activePopupWidget(), 3000);
        const int wanted = quick->findText(QStringLiteral("Contradicts evidence"));
        QVERIFY(wanted > 0);
        for (int i = quick->currentIndex(); i < wanted; ++i)
            input_.shortcut(XK_Down);
        input_.shortcut(XK_Return);
        QTRY_COMPARE_WITH_TIMEOUT(quick->currentIndex(), wanted, 3000);
        // listen, and the sample's other serving denials that the earlier boundary now contradicts.
        QTRY_VERIFY_WITH_TIMEOUT(rowOf(wb_->filterModel(), QStringLiteral("listen")) >= 0, 3000);
        for (int r = 0; r < wb_->filterModel()->rowCount(); ++r)
            QVERIFY(!wb_->filterModel()
                         ->index(r, 0)
                         .data(ReviewTableModel::ContradictionRole)
                         .toString()
                         .isEmpty());
        shot(QStringLiteral("contradiction"));

        // Edit › Undo (Ctrl+Z) takes the boundary back; the mark goes with it.
        input_.click(globalCenter(wb_->table()->viewport()));
        input_.shortcut(XK_z, {XK_Control_L});
        QTRY_COMPARE_WITH_TIMEOUT(s->boundaryNs(), before, 3000);
        QTRY_COMPARE_WITH_TIMEOUT(wb_->filterModel()->rowCount(), 0, 3000);
        input_.click(globalCenter(quick));
        QTRY_VERIFY_WITH_TIMEOUT(QApplication::activePopupWidget(), 3000);
        for (int i = 0; i < wanted; ++i)
            input_.shortcut(XK_Up);
        input_.shortcut(XK_Return);
        QTRY_COMPARE_WITH_TIMEOUT(quick->currentIndex(), 0, 3000);
    }

    void theViewMenuHidesAndShowsPanels() {
        QMenu* view = window_->viewMenu();
        QMenuBar* bar = window_->menuBar();
        QDockWidget* evidence = wb_->findChild<QDockWidget*>(QStringLiteral("evidenceDock"));
        QVERIFY(evidence->isVisible());
        for (const bool visibleAfter : {false, true}) {
            input_.click(bar->mapToGlobal(bar->actionGeometry(view->menuAction()).center()));
            QTRY_VERIFY_WITH_TIMEOUT(view->isVisible(), 3000);
            clickMenuItem(view, QStringLiteral("Evidence"));
            QTRY_COMPARE_WITH_TIMEOUT(evidence->isVisible(), visibleAfter, 3000);
        }
        checkGeometry(QStringLiteral("after hiding and showing a panel"));
    }

    void quitsWithAPromptAndRestoresItsGeometry() {
        QVERIFY(wb_->session()->isModified()); // the decision on listen
        const QSize size = window_->size();
        input_.click(globalCenter(wb_->table()->viewport()));
        QString prompt;
        inNestedLoop([&] { input_.shortcut(XK_q, {XK_Control_L}); },
                     [] { return static_cast<QWidget*>(visibleMessageBox()); },
                     [&](QWidget* w) {
                         auto* box = qobject_cast<QMessageBox*>(w);
                         prompt = box->text();
                         QPushButton* discard = qobject_cast<QPushButton*>(box->button(QMessageBox::Discard));
                         QVERIFY(discard);
                         input_.click(globalCenter(discard));
                     });
        QVERIFY2(prompt.contains(QStringLiteral("The review in redis.swbproj has unsaved changes")),
                 qPrintable(prompt));
        QTRY_VERIFY_WITH_TIMEOUT(!window_->isVisible(), 5000);
        window_.reset();
        wb_ = nullptr;

        MainWindow again;
        again.restoreSettings();
        again.show();
        QVERIFY(QTest::qWaitForWindowExposed(&again));
        QTRY_COMPARE_WITH_TIMEOUT(again.size(), size, 5000);
        QVERIFY2(screen_.contains(input_.frameRect(again.winId())),
                 qPrintable(describe(input_.frameRect(again.winId()))));
    }

    void theInstalledProgramStartsResizesQuitsAndRestarts() {
        // swb-gui itself, started as a user starts it; only X tells where its window is.
        window_.reset();
        wb_ = nullptr;
        QSize lastSize;
        for (int run = 0; run < 2; ++run) {
            QProcess gui;
            gui.setProcessChannelMode(QProcess::ForwardedErrorChannel);
            gui.start(QStringLiteral(SWB_BIN_DIR "/swb-gui"), {kProject});
            QVERIFY2(gui.waitForStarted(), qPrintable(gui.errorString()));
            std::vector<unsigned long> windows;
            QTRY_VERIFY_WITH_TIMEOUT(!(windows = input_.windowsOfPid(gui.processId())).empty(), 30000);
            const unsigned long w = windows.front();
            QTest::qWait(500);
            const auto minimum = input_.minimumSizeHint(w);
            QVERIFY(minimum);
            QVERIFY2(minimum->width() < kLargestMinimum.width() &&
                         minimum->height() < kLargestMinimum.height(),
                     qPrintable(QStringLiteral("%1x%2").arg(minimum->width()).arg(minimum->height())));
            const QRect frame = input_.frameRect(w);
            QVERIFY2(screen_.contains(frame), qPrintable(describe(frame)));
            if (run == 1) {
                // The size it had when it quit comes back.
                QCOMPARE(frame.size(), lastSize);
            } else {
                for (const QSize size : {QSize(1000, 700), QSize(1100, 720), QSize(1180, 700)}) {
                    input_.resizeWindow(w, size);
                    QTest::qWait(300);
                    QCOMPARE(input_.minimumSizeHint(w), minimum);
                    QVERIFY2(screen_.contains(input_.frameRect(w)),
                             qPrintable(describe(input_.frameRect(w))));
                }
            }
            lastSize = input_.frameRect(w).size();
            // Focus it with a click on its status bar area, then File › Quit by its shortcut.
            const QRect now = input_.frameRect(w);
            input_.click(QPoint(now.center().x(), now.bottom() - 12));
            QTRY_COMPARE_WITH_TIMEOUT(
                input_.windowProperty(DefaultRootWindow(input_.display()), "_NET_ACTIVE_WINDOW"),
                std::optional<long>(static_cast<long>(w)), 5000);
            input_.shortcut(XK_q, {XK_Control_L});
            // (waitForFinished() says false for a process that already ended during the waits above.)
            QTRY_COMPARE_WITH_TIMEOUT(gui.state(), QProcess::NotRunning, 15000);
            QCOMPARE(gui.exitStatus(), QProcess::NormalExit);
            QCOMPARE(gui.exitCode(), 0);
        }
    }

private:
    static QWidget* activeMenu() {
        auto* menu = qobject_cast<QMenu*>(QApplication::activePopupWidget());
        return menu && menu->isVisible() ? menu : nullptr;
    }

    // TRIGGER may open a window that runs an event loop of its own (QMenu::exec behind a tool
    // button, QMessageBox::question): ACT runs from a timer inside that loop once FIND finds it.
    void inNestedLoop(const std::function<void()>& trigger, const std::function<QWidget*()>& find,
                      const std::function<void(QWidget*)>& act) {
        bool done = false;
        QTimer poll;
        poll.setInterval(50);
        connect(&poll, &QTimer::timeout, this, [&] {
            if (done)
                return;
            if (QWidget* w = find()) {
                done = true;
                poll.stop();
                QTest::qWait(100);
                act(w);
            }
        });
        poll.start();
        trigger();
        QTRY_VERIFY_WITH_TIMEOUT(done, 5000);
    }

    void shot(const QString& name) const {
        const QString dir = qEnvironmentVariable("SWB_SHOT_DIR");
        if (dir.isEmpty())
            return;
        QTest::qWait(200);
        const QPixmap screen = QGuiApplication::primaryScreen()->grabWindow(0);
        const QString file =
            QStringLiteral("%1/%2-%3x%4.png").arg(dir, name).arg(screen_.width()).arg(screen_.height());
        QVERIFY2(screen.save(file, "PNG"), qPrintable(file));
    }

    // The window, its frame and every panel on the screen; the minimum it asks for fits 1280x720.
    void checkGeometry(const QString& when) {
        const QRect frame = input_.frameRect(window_->winId());
        QVERIFY2(screen_.contains(frame), qPrintable(when + QStringLiteral(": window ") + describe(frame)));
        const auto minimum = input_.minimumSizeHint(window_->winId());
        QVERIFY2(minimum, qPrintable(when));
        QVERIFY2(minimum->width() < kLargestMinimum.width() && minimum->height() < kLargestMinimum.height(),
                 qPrintable(when +
                            QStringLiteral(": minimum %1x%2").arg(minimum->width()).arg(minimum->height())));
        const QRect inside = globalRect(window_.get());
        for (QDockWidget* dock : wb_->docks()) {
            if (!dock->isVisible())
                continue;
            const QRect r = globalRect(dock);
            QVERIFY2(
                inside.contains(r) && screen_.contains(r),
                qPrintable(when + QLatin1String(": ") + dock->objectName() + QLatin1Char(' ') + describe(r)));
            QVERIFY2(
                r.width() >= 150 && r.height() >= 100,
                qPrintable(when + QLatin1String(": ") + dock->objectName() + QLatin1Char(' ') + describe(r)));
        }
        const QRect timeline = globalRect(wb_->timeline());
        QVERIFY2(inside.contains(timeline) && timeline.width() >= 200,
                 qPrintable(when + QStringLiteral(": timeline ") + describe(timeline)));
        // The review decision is readable without scrolling sideways.
        QTableView* table = wb_->table();
        const int decisionX = table->columnViewportPosition(ReviewTableModel::DecisionColumn);
        QVERIFY2(decisionX >= 0 && decisionX + 20 < table->viewport()->width(),
                 qPrintable(when + QStringLiteral(": decision column at %1 of %2")
                                       .arg(decisionX)
                                       .arg(table->viewport()->width())));
        QVERIFY2(wb_->findChild<QLineEdit*>(QStringLiteral("reviewFilter"))->width() >= 100,
                 qPrintable(when + QStringLiteral(": filter box too narrow")));
    }

    // Replaces the name filter's text by typing (Ctrl+A first); empty clears it.
    void filterTo(const QString& text) {
        auto* edit = wb_->findChild<QLineEdit*>(QStringLiteral("reviewFilter"));
        input_.click(globalCenter(edit));
        input_.shortcut(XK_a, {XK_Control_L});
        input_.shortcut(XK_BackSpace);
        input_.type(text);
        QTRY_COMPARE_WITH_TIMEOUT(edit->text(), text, 2000);
        QTRY_VERIFY_WITH_TIMEOUT(text.isEmpty() || wb_->filterModel()->rowCount() <= 3, 3000);
    }

    void clickRow(const QString& name) {
        QTableView* table = wb_->table();
        const int row = rowOf(wb_->filterModel(), name);
        QVERIFY2(row >= 0, qPrintable(name));
        const QModelIndex index = wb_->filterModel()->index(row, ReviewTableModel::NameColumn);
        table->scrollTo(index);
        QTest::qWait(50);
        input_.click(table->viewport()->mapToGlobal(table->visualRect(index).center()));
        QTRY_VERIFY_WITH_TIMEOUT(table->selectionModel()->isRowSelected(row, {}), 3000);
    }

    void clickMenuItem(QMenu* menu, const QString& text) {
        QVERIFY(menu);
        QAction* target = nullptr;
        for (QAction* a : menu->actions())
            if (a->text() == text)
                target = a;
        QVERIFY2(target, qPrintable(text));
        input_.click(menu->mapToGlobal(menu->actionGeometry(target).center()));
    }

    X11Input input_;
    QRect screen_;
    QSize minimum_;
    std::unique_ptr<MainWindow> window_;
    WorkbenchView* wb_ = nullptr;
};

QTEST_MAIN(TstRealWindow)
#include "tst_real_window.moc"
