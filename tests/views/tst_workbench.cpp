// The workbench on the bundled redis sample project, as a user drives it: drag the phase boundary
// on the timeline (press, move, release), undo it from the Edit menu's stack, filter the review
// table, decide about a syscall, save.
#include "main_window.h"
#include "profile/profile_io.h"
#include "profile/profile_view.h"
#include "review/export_dialog.h"
#include "review/review_session.h"
#include "review/review_table_model.h"
#include "timeline/phase_boundary_handle.h"
#include "timeline/timeline_panel.h"
#include "timeline/timeline_view.h"
#include "util/error.h"
#include "workbench_view.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QHeaderView>
#include <QLineEdit>
#include <QMenu>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QUndoGroup>
#include <QtTest>

#include <map>

#include <sys/syscall.h>

using namespace swb;

namespace {
const QString kProject = QStringLiteral(SWB_SOURCE_DIR "/sample-traces/redis/redis.swbproj");

QPoint inHandle(const TimelineView& view, double viewX) {
    const auto* handle = view.boundaryHandle();
    return handle->mapFrom(&view, QPoint(static_cast<int>(std::lround(viewX)), 40));
}

bool servingHas(const ReviewSession& s, int nr) {
    const auto v = s.evidence().syscalls(PhaseSelection::Serving);
    return std::find(v.begin(), v.end(), nr) != v.end();
}
} // namespace

class TstWorkbench : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void modelsPassTheTester() {
        WorkbenchView wb;
        QAbstractItemModelTester tester(wb.tableModel(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester proxyTester(wb.filterModel(),
                                             QAbstractItemModelTester::FailureReportingMode::QtTest);
        wb.openProject(kProject);
        QVERIFY(wb.tableModel()->rowCount() > 100);
        wb.session()->setBoundaryNs(0);
        wb.session()->undoStack()->undo();
        wb.filterModel()->setQuickFilter(ReviewFilterModel::Quick::Dangerous);
        wb.filterModel()->setNameFilter(QStringLiteral("set"));
    }

    void dragTheBoundaryThenUndo() {
        MainWindow window;
        window.setMessageBoxesEnabled(false);
        window.resize(1400, 900);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.openFile(kProject));
        WorkbenchView* wb = window.currentWorkbench();
        QVERIFY(wb);
        ReviewSession* s = wb->session();
        // The sample's analysis puts every syscall in both phases; drop it to see the trace's split.
        s->adoptInputs({*s->traces()[0]}, {kProject}, {}, {});
        wb->timeline()->setTrace(s->traces()[0]);
        wb->timeline()->setBoundary(s->boundaryNs());
        QApplication::processEvents();
        const qint64 autoNs = s->boundaryNs();
        QVERIFY(!servingHas(*s, SYS_listen));
        QCOMPARE(s->undoStack()->count(), 0);

        TimelineView* view = wb->timeline()->timelineView();
        auto* handle = view->boundaryHandle();
        QVERIFY(handle->isVisible());
        // Drag the boundary to the very start of the trace: listen() then happens while "serving".
        const double from = view->timeToX(autoNs);
        const double to = view->timeToX(0);
        QTest::mousePress(handle, Qt::LeftButton, {}, inHandle(*view, from));
        QTest::mouseMove(handle, inHandle(*view, (from + to) / 2));
        QTest::mouseMove(handle, inHandle(*view, to));
        QCOMPARE(s->boundaryNs(), autoNs); // only a preview so far
        QTest::mouseRelease(handle, Qt::LeftButton, {}, inHandle(*view, to));
        QVERIFY(s->boundaryNs() < autoNs);
        QVERIFY(servingHas(*s, SYS_listen));
        QCOMPARE(s->undoStack()->count(), 1);
        QVERIFY(window.isWindowModified());
        QVERIFY(window.windowTitle().contains(QStringLiteral("[*]")));
        // "Changed by the boundary" shows listen among the syscalls whose phases moved.
        wb->tableModel()->takeReference();
        s->undoStack()->redo(); // nothing to redo: still the dragged state
        wb->filterModel()->setQuickFilter(ReviewFilterModel::Quick::All);

        // Edit › Undo acts on the active workbench.
        QVERIFY(window.undoGroup()->canUndo());
        window.undoGroup()->undo();
        QCOMPARE(s->boundaryNs(), autoNs);
        QVERIFY(!servingHas(*s, SYS_listen));
        QCOMPARE(view->boundary(), autoNs);
        wb->filterModel()->setQuickFilter(ReviewFilterModel::Quick::ChangedByBoundary);
        bool listenChanged = false;
        for (int r = 0; r < wb->filterModel()->rowCount(); ++r)
            listenChanged |= wb->filterModel()->index(r, 0).data().toString() == QStringLiteral("listen");
        QVERIFY(listenChanged);
    }

    void contradictionsFollowTheBoundary() {
        WorkbenchView wb;
        wb.openProject(kProject);
        ReviewSession* s = wb.session();
        const int row = wb.tableModel()->rowOf(SYS_listen);
        const QModelIndex decision = wb.tableModel()->index(row, ReviewTableModel::DecisionColumn);
        // The sample denies listen while serving; redis listens during start-up.
        QVERIFY(decision.data(ReviewTableModel::ContradictionRole).toString().isEmpty());
        QVERIFY(decision.data(Qt::DecorationRole).isNull());
        wb.filterModel()->setQuickFilter(ReviewFilterModel::Quick::Contradicted);
        QCOMPARE(wb.filterModel()->rowCount(), 0);
        s->setBoundaryNs(0); // everything is serving now
        const QString against = decision.data(ReviewTableModel::ContradictionRole).toString();
        QVERIFY2(against.startsWith(QStringLiteral("denied while serving, but seen")), qPrintable(against));
        QVERIFY(!decision.data(Qt::DecorationRole).value<QIcon>().isNull());
        QVERIFY(
            decision.data(Qt::ToolTipRole).toString().contains(QStringLiteral("Contradicts the evidence")));
        QStringList shown;
        for (int r = 0; r < wb.filterModel()->rowCount(); ++r)
            shown << wb.filterModel()->index(r, 0).data().toString();
        shown.sort();
        QCOMPARE(shown,
                 (QStringList{QStringLiteral("bind"), QStringLiteral("listen"), QStringLiteral("socket")}));
        s->undoStack()->undo();
        QCOMPARE(wb.filterModel()->rowCount(), 0);
    }

    void exportFromOneKindOfEvidence() {
        QTemporaryDir dir;
        WorkbenchView wb;
        wb.openProject(kProject);
        QCOMPARE(wb.exportFileName(QStringLiteral("k8s")), QStringLiteral("redis-profile.yaml"));
        ExportChoice c = wb.exportDefaults();
        std::map<QString, std::size_t> allowed;
        for (const QString& evidence :
             {QStringLiteral("both"), QStringLiteral("dynamic"), QStringLiteral("static")}) {
            c.evidence = evidence;
            c.path = dir.filePath(evidence + QStringLiteral(".json"));
            const QString description = wb.describeExport(c);
            QVERIFY2(description.startsWith(QStringLiteral("The filter allows ")), qPrintable(description));
            wb.exportProfile(c);
            allowed[evidence] = loadProfile(QFile::encodeName(c.path).toStdString()).allowedNumbers().size();
            QVERIFY2(description.contains(QString::number(allowed[evidence])), qPrintable(description));
        }
        // The traces saw far fewer syscalls than the code can make; the union is the largest.
        QVERIFY(allowed[QStringLiteral("dynamic")] < allowed[QStringLiteral("static")]);
        QVERIFY(allowed[QStringLiteral("static")] <= allowed[QStringLiteral("both")]);
        QCOMPARE(wb.validationProfile(QStringLiteral("dynamic")).allowedNumbers().size() <
                     wb.validationProfile().allowedNumbers().size(),
                 true);
        // Both phases: two files, two descriptions.
        c.evidence = QStringLiteral("both");
        c.phase = QStringLiteral("both");
        c.path = dir.filePath(QStringLiteral("two.json"));
        QCOMPARE(wb.exportTargets(c),
                 (QStringList{c.path, dir.filePath(QStringLiteral("two.serving.json"))}));
        const QString two = wb.describeExport(c);
        QVERIFY2(two.contains(QStringLiteral("The start filter")) &&
                     two.contains(QStringLiteral("The serving filter")),
                 qPrintable(two));
    }

    void exportDialogFollowsTheChoice() {
        ExportChoice initial;
        initial.path = QStringLiteral("/tmp/x/redis-profile.json");
        ExportDialog dialog(initial);
        int described = 0;
        dialog.setDescriber([&](const ExportChoice& c) {
            ++described;
            return QStringLiteral("from %1").arg(c.evidence);
        });
        dialog.setEvidenceAvailable(true, false); // a project with traces only
        auto* evidence = dialog.findChild<QComboBox*>(QStringLiteral("exportEvidence"));
        QVERIFY(!evidence->isEnabled());
        QCOMPARE(dialog.choice().evidence, QStringLiteral("both"));
        auto* format = dialog.findChild<QComboBox*>(QStringLiteral("exportFormat"));
        format->setCurrentIndex(format->findData(QStringLiteral("k8s")));
        QCOMPARE(dialog.choice().path, QStringLiteral("/tmp/x/redis-profile.yaml"));
        format->setCurrentIndex(format->findData(QStringLiteral("bpf")));
        QCOMPARE(dialog.choice().path, QStringLiteral("/tmp/x/redis-profile.bpf"));
        dialog.setEvidenceAvailable(true, true);
        QVERIFY(evidence->isEnabled());
        evidence->setCurrentIndex(evidence->findData(QStringLiteral("static")));
        QCOMPARE(dialog.description(), QStringLiteral("from static"));
        QVERIFY(described >= 2);
    }

    void filtersDecisionsAndSave() {
        QTemporaryDir dir;
        MainWindow window;
        window.setMessageBoxesEnabled(false);
        QVERIFY(window.openFile(kProject));
        WorkbenchView* wb = window.currentWorkbench();
        ReviewFilterModel* f = wb->filterModel();
        f->setQuickFilter(ReviewFilterModel::Quick::Dangerous);
        QVERIFY(f->rowCount() > 0);
        for (int r = 0; r < f->rowCount(); ++r)
            QVERIFY(f->index(r, 0).data(ReviewTableModel::RiskRole).toInt() >= 2);
        f->setQuickFilter(ReviewFilterModel::Quick::Unreviewed);
        const int unreviewed = f->rowCount();
        QCOMPARE(unreviewed, wb->session()->unreviewedCount());
        f->setQuickFilter(ReviewFilterModel::Quick::All);
        // The debounced name filter.
        auto* edit = wb->findChild<QLineEdit*>(QStringLiteral("reviewFilter"));
        QVERIFY(edit);
        edit->setText(QStringLiteral("epoll"));
        QTRY_VERIFY(f->rowCount() > 0 && f->rowCount() < 10);
        for (int r = 0; r < f->rowCount(); ++r)
            QVERIFY(f->index(r, 0).data().toString().contains(QStringLiteral("epoll")));
        edit->clear();
        QTRY_VERIFY(f->rowCount() > 100);

        // Deny getpid while serving: the table and the session follow; undo restores.
        QVERIFY(wb->selectSyscall(SYS_getpid));
        QCOMPARE(wb->selectedSyscall(), int(SYS_getpid));
        wb->decide(false, 2);
        QVERIFY(!wb->session()->allowed(SYS_getpid, Phase::Serving));
        const int row = wb->tableModel()->rowOf(SYS_getpid);
        QCOMPARE(wb->tableModel()->index(row, ReviewTableModel::DecisionColumn).data().toString(),
                 QStringLiteral("deny serving"));
        QCOMPARE(wb->tableModel()->index(row, ReviewTableModel::ServingAllowedColumn).data().toString(),
                 QStringLiteral("deny"));
        f->setQuickFilter(ReviewFilterModel::Quick::Unreviewed);
        QCOMPARE(f->rowCount(), unreviewed - 1);
        QVERIFY(window.saveCurrentProject(dir.filePath(QStringLiteral("saved.swbproj"))));
        QVERIFY(!window.isWindowModified());
        ReviewSession reloaded;
        reloaded.openProject(dir.filePath(QStringLiteral("saved.swbproj")));
        QVERIFY(!reloaded.allowed(SYS_getpid, Phase::Serving));
        window.undoGroup()->undo();
        QVERIFY(wb->session()->allowed(SYS_getpid, Phase::Serving));
        QVERIFY(window.isWindowModified());
    }

    // Bulk review: a quick filter, select all, one Decide: one undo step for the whole selection.
    void bulkDecisionsAreOneUndoStep() {
        WorkbenchView wb;
        wb.openProject(kProject);
        ReviewFilterModel* f = wb.filterModel();
        // The sample's analysis reaches some syscalls only through function pointers; the filter keeps
        // exactly those, marked in the evidence column.
        f->setQuickFilter(ReviewFilterModel::Quick::IndirectOnly);
        QVERIFY(f->rowCount() > 0 && f->rowCount() < wb.tableModel()->rowCount());
        for (int r = 0; r < f->rowCount(); ++r) {
            QVERIFY(f->index(r, 0).data(ReviewTableModel::IndirectOnlyRole).toBool());
            QVERIFY(f->index(r, ReviewTableModel::EvidenceColumn)
                        .data()
                        .toString()
                        .endsWith(QLatin1String("(indirect)")));
        }
        f->setQuickFilter(ReviewFilterModel::Quick::StaticOnly);
        const int rows = f->rowCount();
        QVERIFY2(rows > 10, qPrintable(QString::number(rows)));
        const auto before = wb.session()->project().decisions;
        const int undoBefore = wb.session()->undoStack()->count();
        wb.table()->selectAll();
        QCOMPARE(int(wb.selectedSyscalls().size()), rows);
        wb.decide(false, 0, QStringLiteral("not exercised by the workload"));
        QCOMPARE(wb.session()->undoStack()->count(), undoBefore + 1);
        QVERIFY2(wb.session()->undoStack()->undoText().contains(QStringLiteral("Deny %1 syscalls").arg(rows)),
                 qPrintable(wb.session()->undoStack()->undoText()));
        for (int nr : wb.selectedSyscalls()) {
            QVERIFY(!wb.session()->allowed(nr, Phase::Init));
            const auto* d = wb.session()->project().decisionFor(SyscallTable::forArch(Arch::X86_64).name(nr),
                                                                Phase::Init);
            QVERIFY(d);
            QCOMPARE(d->note, std::string("not exercised by the workload"));
        }
        // Changing the verdict keeps the note written before.
        wb.decide(true, 0);
        const auto* d = wb.session()->project().decisionFor(
            SyscallTable::forArch(Arch::X86_64).name(wb.selectedSyscalls().front()), Phase::Init);
        QVERIFY(d && d->verdict == ReviewDecision::Verdict::Allow);
        QCOMPARE(d->note, std::string("not exercised by the workload"));
        // Two undo steps bring the decisions back exactly.
        wb.session()->undoStack()->undo();
        wb.session()->undoStack()->undo();
        QVERIFY(wb.session()->project().decisions == before);
    }

    // A seccomp profile opens in a tab of its rules, with risk and a summary; bad ones are refused.
    // The header's context menu shows and hides columns; number and category start hidden so the
    // decision columns fit at 1400 px.
    void reviewColumnsCanBeShownAndHidden() {
        MainWindow window;
        window.setMessageBoxesEnabled(false);
        window.resize(1400, 900);
        window.show();
        QVERIFY(window.openFile(kProject));
        WorkbenchView* wb = window.currentWorkbench();
        QTableView* table = wb->table();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(table->isColumnHidden(ReviewTableModel::NumberColumn));
        QVERIFY(table->isColumnHidden(ReviewTableModel::CategoryColumn));
        const int decision =
            table->horizontalHeader()->sectionViewportPosition(ReviewTableModel::DecisionColumn) +
            table->horizontalHeader()->sectionSize(ReviewTableModel::DecisionColumn);
        QVERIFY2(decision <= table->viewport()->width(),
                 qPrintable(QStringLiteral("%1 > %2").arg(decision).arg(table->viewport()->width())));
        auto* menu = wb->findChild<QMenu*>(QStringLiteral("reviewColumnsMenu"));
        QVERIFY(menu);
        QCOMPARE(menu->actions().size(), int(ReviewTableModel::ColumnCount));
        QAction* number = menu->actions().at(ReviewTableModel::NumberColumn);
        QCOMPARE(number->text(), QStringLiteral("Nr"));
        QVERIFY(!number->isChecked());
        number->trigger();
        QVERIFY(!table->isColumnHidden(ReviewTableModel::NumberColumn));
        menu->actions().at(ReviewTableModel::RiskColumn)->trigger();
        QVERIFY(table->isColumnHidden(ReviewTableModel::RiskColumn));
        QVERIFY(!menu->actions().at(ReviewTableModel::NameColumn)->isEnabled()); // always shown
    }

    void profilesOpenInTheirOwnTab() {
        MainWindow window;
        window.setMessageBoxesEnabled(false);
        const QString profile = QStringLiteral(SWB_SOURCE_DIR "/sample-traces/redis/redis.json");
        QVERIFY(window.openFile(profile));
        auto* view = qobject_cast<ProfileView*>(window.findChild<QTabWidget*>()->currentWidget());
        QVERIFY(view);
        QAbstractItemModelTester tester(view->model(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester proxyTester(view->proxy(),
                                             QAbstractItemModelTester::FailureReportingMode::QtTest);
        const swb::Profile loaded = loadProfile(profile.toStdString());
        QCOMPARE(view->model()->rowCount(), int(loaded.rules.size()));
        QVERIFY2(view->summaryText().contains(
                     QStringLiteral("%1 syscalls allowed").arg(loaded.allowedNumbers().size())),
                 qPrintable(view->summaryText()));
        QVERIFY(view->summaryText().contains(
            QStringLiteral("Default action SCMP_ACT_ERRNO (Operation not permitted)")));
        // Each rule with its action, risk and group (the group and reason from the exported comment).
        bool seen = false;
        for (int r = 0; r < view->model()->rowCount(); ++r)
            if (view->model()->index(r, ProfileRulesModel::NameColumn).data().toString() ==
                QLatin1String("execve")) {
                seen = true;
                QCOMPARE(view->model()->index(r, ProfileRulesModel::ActionColumn).data().toString(),
                         QStringLiteral("SCMP_ACT_ALLOW"));
                QCOMPARE(view->model()->index(r, ProfileRulesModel::RiskColumn).data().toString(),
                         QStringLiteral("medium"));
                QVERIFY(view->model()
                            ->index(r, ProfileRulesModel::ReasonColumn)
                            .data()
                            .toString()
                            .contains(QStringLiteral("execve (seen 1x in init")));
            }
        QVERIFY(seen);
        // The filter box matches names, groups and reasons.
        auto* filter = view->findChild<QLineEdit*>(QStringLiteral("profileFilter"));
        filter->setText(QStringLiteral("runtime:runc"));
        QVERIFY(view->proxy()->rowCount() > 0 && view->proxy()->rowCount() < view->model()->rowCount());
        // Opening it again reuses the tab; a broken profile is refused with its name.
        const int tabs = window.traceViewCount();
        QVERIFY(window.openFile(profile));
        QCOMPARE(window.traceViewCount(), tabs);
        QTemporaryDir dir;
        const QString bad = dir.filePath(QStringLiteral("bad.json"));
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": "read", "action": 7}]})");
        f.close();
        QSignalSpy failed(&window, &MainWindow::loadFailed);
        QVERIFY(!window.openFile(bad));
        QCOMPARE(failed.count(), 1);
        QVERIFY2(failed.first().first().toString().contains(QStringLiteral("bad.json")),
                 qPrintable(failed.first().first().toString()));
        QCOMPARE(window.traceViewCount(), tabs);
    }

    void countsBesideAnEngineDefault() {
        QTemporaryDir dir;
        const QString engine = dir.filePath(QStringLiteral("engine.json"));
        QFile f(engine);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
            {"names": ["read", "write", "ptrace", "mount"], "action": "SCMP_ACT_ALLOW"}]})");
        f.close();
        WorkbenchView wb;
        wb.openProject(kProject);
        // Where the engines' own default is installed (Podman's containers-common), it is the
        // reference; else Docker's published count.
        const bool engineDefault = QFileInfo::exists(QStringLiteral("/usr/share/containers/seccomp.json"));
        QVERIFY2(wb.summaryText().contains(engineDefault
                                               ? QStringLiteral("seccomp.json allows ")
                                               : QStringLiteral("Docker's default allows about 291")),
                 qPrintable(wb.summaryText()));
        QVERIFY(wb.setReferenceProfile(engine));
        QVERIFY2(wb.summaryText().contains(QStringLiteral("engine.json allows 4")),
                 qPrintable(wb.summaryText()));
        // ptrace is dangerous and denied by the sample's review: allowing it blocks one fewer.
        const QRegularExpression blocked(QStringLiteral("blocks (\\d+) of (\\d+) dangerous"));
        const auto before = blocked.match(wb.summaryText());
        QVERIFY(before.hasMatch());
        QVERIFY(before.captured(2).toInt() >= 40);
        QVERIFY(wb.selectSyscall(SYS_ptrace));
        wb.decide(true, 0);
        const auto after = blocked.match(wb.summaryText());
        QCOMPARE(after.captured(1).toInt(), before.captured(1).toInt() - 1);
        QString error;
        QVERIFY(!wb.setReferenceProfile(dir.filePath(QStringLiteral("missing.json")), &error));
        QVERIFY2(error.contains(QStringLiteral("missing.json")), qPrintable(error));
    }

    void analysesAndStraceLogsOpenToo() {
        QTemporaryDir dir;
        MainWindow window;
        window.setMessageBoxesEnabled(false);
        // An analysis on its own: a workbench with the static evidence, as an unsaved project.
        QVERIFY(window.openFile(QStringLiteral(SWB_SOURCE_DIR "/sample-traces/date/date.swbanalysis")));
        WorkbenchView* wb = window.currentWorkbench();
        QVERIFY(wb);
        QVERIFY(wb->tableModel()->rowCount() > 20);
        QVERIFY(wb->session()->traces().empty());
        QVERIFY(window.isWindowModified());
        // An strace log is imported on the fly into a trace tab.
        const QString log = dir.filePath(QStringLiteral("app.strace"));
        QFile f(log);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("1234  1700000000.000100 openat(AT_FDCWD, \"/etc/hosts\", O_RDONLY) = 3\n"
                "1234  1700000000.000200 read(3, \"x\", 4096) = 1\n"
                "1234  1700000000.000300 close(3) = 0\n"
                "1234  1700000000.000400 exit_group(0) = ?\n"
                "1234  1700000000.000500 +++ exited with 0 +++\n");
        f.close();
        const int before = window.traceViewCount();
        QVERIFY(window.openFile(log));
        QCOMPARE(window.traceViewCount(), before + 1);
        QVERIFY(window.currentTraceView());
    }

    void recentFilesRememberWhatOpened() {
        MainWindow window;
        window.setMessageBoxesEnabled(false);
        const QString date = QStringLiteral(SWB_SOURCE_DIR "/sample-traces/date/date.swbproj");
        QVERIFY(window.openFile(date));
        QVERIFY(window.openFile(kProject));
        QStringList recent = window.recentFiles();
        QCOMPARE(recent.value(0), QFileInfo(kProject).absoluteFilePath());
        QCOMPARE(recent.value(1), QFileInfo(date).absoluteFilePath());
        QVERIFY(window.openFile(date));
        recent = window.recentFiles();
        QCOMPARE(recent.value(0), QFileInfo(date).absoluteFilePath());
        QCOMPARE(recent.count(QFileInfo(date).absoluteFilePath()), 1);
        auto* menu = window.findChild<QMenu*>(QStringLiteral("recentMenu"));
        QVERIFY(menu && menu->isEnabled());
        QCOMPARE(menu->actions().value(0)->text(), QStringLiteral("date.swbproj"));
        QVERIFY(!window.openFile(QStringLiteral("/nonexistent/x.swbproj")));
        QVERIFY(!window.recentFiles().contains(QStringLiteral("/nonexistent/x.swbproj")));
    }

    void exportAppliesTheReview() {
        QTemporaryDir dir;
        WorkbenchView wb;
        wb.openProject(kProject);
        QVERIFY(wb.selectSyscall(SYS_getpid));
        wb.decide(false, 0); // deny getpid everywhere
        ExportChoice c;
        c.format = QStringLiteral("docker");
        c.phase = QStringLiteral("both");
        c.path = dir.filePath(QStringLiteral("redis.json"));
        const QString report = wb.exportProfile(c);
        QVERIFY2(report.contains(QStringLiteral("redis.serving.json")), qPrintable(report));
        const auto start = loadProfile(c.path.toStdString());
        QVERIFY(!start.allowedNumbers().count(SYS_getpid));
        QVERIFY(!start.allowedNumbers().count(SYS_ptrace)); // the sample's review
        QVERIFY(start.allowedNumbers().count(SYS_seccomp)); // the phase switch's group
        const auto serving = loadProfile(dir.filePath(QStringLiteral("redis.serving.json")).toStdString());
        QVERIFY(!serving.allowedNumbers().count(SYS_listen)); // denied while serving by the sample's review
        QVERIFY(serving.allowedNumbers().size() < start.allowedNumbers().size());
        // The dialog hands back what was chosen.
        ExportChoice initial;
        initial.format = QStringLiteral("k8s");
        initial.phase = QStringLiteral("serving");
        initial.runtime = QStringLiteral("none");
        initial.errnoRet = 13;
        initial.path = dir.filePath(QStringLiteral("x.yaml"));
        ExportDialog dialog(initial);
        const ExportChoice back = dialog.choice();
        QCOMPARE(back.format, initial.format);
        QCOMPARE(back.phase, initial.phase);
        QCOMPARE(back.runtime, initial.runtime);
        QCOMPARE(back.errnoRet, 13);
        QCOMPARE(back.path, initial.path);
        c = back;
        wb.exportProfile(c);
        QVERIFY(QFile(c.path).size() > 0);
        c.format = QStringLiteral("nonsense");
        QVERIFY_THROWS_EXCEPTION(Error, wb.exportProfile(c));
    }

    void badProjectShowsTheMessage() {
        QTemporaryDir dir;
        const QString bad = dir.filePath(QStringLiteral("bad.swbproj"));
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"format\": \"swb-project\", \"version\": 7}");
        f.close();
        MainWindow window;
        window.setMessageBoxesEnabled(false);
        QSignalSpy failed(&window, &MainWindow::loadFailed);
        QVERIFY(!window.openFile(bad));
        QCOMPARE(failed.count(), 1);
        QVERIFY(failed.first().at(0).toString().contains(QStringLiteral("newer")));
        QVERIFY(!window.currentWorkbench());
    }
};

QTEST_MAIN(TstWorkbench)
#include "tst_workbench.moc"
