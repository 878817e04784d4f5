// File › New Analysis… and Review › Validate… as a user drives them: the real tracer and the real
// analyzer run off the GUI thread while the event loop keeps turning; Stop Program ends a server's
// run and keeps its trace; Cancel removes everything the job wrote; a validation run's violations
// reach the workbench's timeline.
#include "jobs/analysis_job.h"
#include "jobs/job_dialogs.h"
#include "main_window.h"
#include "profile/project.h"
#include "review/review_session.h"
#include "review/review_table_model.h"
#include "timeline/timeline_panel.h"
#include "timeline/timeline_view.h"
#include "trace/trace_file.h"
#include "workbench_view.h"

#include <QComboBox>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <QStandardPaths>

#include <sys/syscall.h>
#include <unistd.h>

using namespace swb;

namespace {

const QString kSleeper = QStringLiteral(SWB_FIXTURE_DIR "/fx_sleeper");
const QString kPlain = QStringLiteral("/usr/bin/echo"); // a real system binary: runs, writes, exits

QStringList filesIn(const QString& dir) {
    return QDir(dir).entryList(QDir::Files | QDir::NoDotAndDotDot);
}

} // namespace

class TstAnalysisJob : public QObject {
    Q_OBJECT
    QTemporaryDir cache_;

private slots:
    void initTestCase() {
        QVERIFY(cache_.isValid());
        qputenv("XDG_CACHE_HOME", cache_.path().toLocal8Bit());
        QVERIFY(QFileInfo(kSleeper).isExecutable());
        QVERIFY(QFileInfo(kPlain).isExecutable());
    }

    void problemsAreNamedBeforeAnythingRuns() {
        QTemporaryDir dir;
        NewAnalysisRequest r;
        r.directory = dir.path();
        r.name = QStringLiteral("x");
        QVERIFY(r.problem().contains(QStringLiteral("Nothing to do")));
        r.command = {QStringLiteral("no-such-program-swb")};
        QVERIFY2(r.problem().contains(QStringLiteral("no-such-program-swb: command not found")),
                 qPrintable(r.problem()));
        r.command = {kPlain};
        r.binary = QStringLiteral("/no/such/binary");
        QVERIFY(r.problem().contains(QStringLiteral("/no/such/binary: no such file")));
        r.binary = kPlain;
        QVERIFY(r.problem().isEmpty());
        // Never over an existing file.
        QFile existing(r.tracePath());
        QVERIFY(existing.open(QIODevice::WriteOnly));
        existing.write("mine");
        existing.close();
        QVERIFY(r.problem().contains(QStringLiteral("exists")));

        // The dialog shows the problem and starts nothing.
        NewAnalysisDialog dialog;
        dialog.setRequest(r);
        QVERIFY(!dialog.start());
        QVERIFY(!dialog.job()->isRunning());
        QVERIFY(dialog.progressPane()->errorLabel()->text().contains(QStringLiteral("exists")));
        QCOMPARE(existing.size(), 4); // untouched
    }

    void commandLinesRoundTrip() {
        const QStringList argv = {QStringLiteral("/bin/echo"), QStringLiteral("two words"),
                                  QStringLiteral("a\"quote"), QStringLiteral("tab\there")};
        QCOMPARE(QProcess::splitCommand(joinCommand(argv)), argv);
    }

    // Trace a run and analyze the binary: a project with both inputs opens in the workbench.
    void newAnalysisMakesAProjectThatOpens() {
        QTemporaryDir dir;
        MainWindow window;
        window.setMessageBoxesEnabled(false);
        NewAnalysisDialog* dialog = window.showNewAnalysisDialog();
        QVERIFY(dialog);
        NewAnalysisRequest r;
        r.command = {kPlain, QStringLiteral("hello")};
        r.binary = kPlain;
        r.name = QStringLiteral("plain");
        r.directory = dir.filePath(QStringLiteral("made/here")); // created
        dialog->setRequest(r);
        QSignalSpy stages(dialog->job(), &AnalysisJob::stageChanged);
        QSignalSpy loaded(&window, &MainWindow::traceLoaded);
        QVERIFY(dialog->start());
        QVERIFY(dialog->job()->isRunning());
        QVERIFY(!dialog->runButton()->isEnabled());
        // The window is not blocked while the job runs: the event loop delivers its stages.
        QTRY_VERIFY_WITH_TIMEOUT(loaded.count() == 1, 120'000);
        QVERIFY(stages.count() >= 2);
        QVERIFY(stages.first().first().toString().startsWith(QStringLiteral("Tracing")));
        bool analyzed = false;
        for (const auto& s : stages)
            analyzed = analyzed || s.first().toString().startsWith(QStringLiteral("Analyzing"));
        QVERIFY(analyzed);

        const Project p = readProject(r.projectPath().toStdString());
        QCOMPARE(p.name, std::string("plain"));
        QCOMPARE(p.traces.size(), std::size_t(1));
        QCOMPARE(p.analyses.size(), std::size_t(1));
        QVERIFY(QFileInfo::exists(r.tracePath()));
        QVERIFY(QFileInfo::exists(r.analysisPath()));
        QVERIFY(!QFileInfo::exists(r.tracePath() + QStringLiteral(".partial")));
        // The program's output went to NAME.log, not to the workbench's terminal.
        QFile output(r.outputPath());
        QVERIFY(output.open(QIODevice::ReadOnly));
        QCOMPARE(output.readAll(), QByteArray("hello\n"));

        WorkbenchView* wb = window.currentWorkbench();
        QVERIFY(wb);
        QCOMPARE(QFileInfo(wb->session()->projectPath()).absoluteFilePath(),
                 QFileInfo(r.projectPath()).absoluteFilePath());
        const auto& ev = wb->session()->evidence().bySyscall;
        const auto write = ev.find(SYS_write);
        QVERIFY(write != ev.end());
        QVERIFY(write->second.seenDynamically());   // seen in the run
        QVERIFY(write->second.statics.has_value()); // and found statically
        QCOMPARE(wb->timeline()->timelineView()->lanes().trace().get(),
                 wb->session()->traces().front().get());
    }

    // File › New Analysis from Container Image: a busybox-static image from Debian's package (httpd
    // behind an entrypoint script), inspected in the dialog, analyzed, and, as root, run under runc
    // with curl as its client; the project records the image and opens.
    void imageAnalysisMakesAProjectThatOpens() {
        QTemporaryDir dir;
        const QString imageDir = dir.filePath(QStringLiteral("image"));
        QProcess build;
        build.start(QStringLiteral("python3"),
                    {QStringLiteral(SWB_SOURCE_DIR "/tests/images/debian_image.py"), imageDir,
                     QStringLiteral("--name"), QStringLiteral("swb-test/busybox:1"),
                     QStringLiteral("--program"), QStringLiteral("/bin/busybox"), QStringLiteral("--package"),
                     QStringLiteral("busybox-static"), QStringLiteral("--shell"), QStringLiteral("busybox"),
                     QStringLiteral("--port"), QStringLiteral("17431"), QStringLiteral("--cmd"),
                     QStringLiteral("httpd"), QStringLiteral("-f"), QStringLiteral("-p"),
                     QStringLiteral("17431"), QStringLiteral("-h"), QStringLiteral("/tmp")});
        QVERIFY(build.waitForFinished(300'000));
        QVERIFY2(build.exitCode() == 0, build.readAllStandardError().constData());
        const QString image = QStringLiteral("oci:") + imageDir + QStringLiteral("/oci");

        // A missing image is named before anything runs.
        NewAnalysisRequest bad;
        bad.image = dir.filePath(QStringLiteral("nope.tar"));
        bad.name = QStringLiteral("nope");
        bad.directory = dir.path();
        QVERIFY2(bad.problem().contains(QStringLiteral("no such image")), qPrintable(bad.problem()));

        MainWindow window;
        window.setMessageBoxesEnabled(false);
        NewImageAnalysisDialog* dialog = window.showNewImageAnalysisDialog();
        QVERIFY(dialog);
        NewAnalysisRequest r;
        r.image = image;
        r.name = QStringLiteral("busybox-httpd");
        r.directory = dir.filePath(QStringLiteral("projects"));
        const bool root =
            ::geteuid() == 0 && !QStandardPaths::findExecutable(QStringLiteral("runc")).isEmpty();
        r.runImage = root;
        r.client = {QStringLiteral("sh"), QStringLiteral("-c"),
                    QStringLiteral("curl -s -o /dev/null http://127.0.0.1:17431/; curl -s -o /dev/null "
                                   "http://127.0.0.1:17431/missing; true")};
        dialog->setRequest(r);
        QVERIFY(dialog->inspect());
        QVERIFY2(dialog->inspection().contains(QStringLiteral("Entrypoint: docker-entrypoint.sh")),
                 qPrintable(dialog->inspection()));
        QVERIFY2(dialog->inspection().contains(QStringLiteral("17431/tcp")),
                 qPrintable(dialog->inspection()));
        QSignalSpy loaded(&window, &MainWindow::traceLoaded);
        QSignalSpy failed(dialog->job(), &AnalysisJob::failed);
        QVERIFY2(dialog->start(), qPrintable(dialog->progressPane()->errorLabel()->text()));
        QTRY_VERIFY_WITH_TIMEOUT(loaded.count() == 1 || failed.count() == 1, 180'000);
        QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().first().toString()));

        const Project p = readProject(r.projectPath().toStdString());
        QCOMPARE(p.image.source, image.toStdString());
        QCOMPARE(p.image.kind, std::string("oci"));
        QVERIFY(p.image.configDigest.starts_with("sha256:"));
        QCOMPARE(p.image.mode, std::string("application"));
        QCOMPARE(p.analyses.size(), std::size_t(1)); // busybox is also its own shell
        QCOMPARE(p.program, std::string("/bin/busybox"));
        QCOMPARE(p.traces.size(), std::size_t(root ? 1 : 0));
        WorkbenchView* wb = window.currentWorkbench();
        QVERIFY(wb);
        QVERIFY2(wb->inputsText().contains(QStringLiteral("image oci:")), qPrintable(wb->inputsText()));
        if (root) {
            // The container's httpd served the client: its accept and the write of the response.
            const auto& ev = wb->session()->evidence().bySyscall;
            for (long nr : {long(SYS_accept), long(SYS_bind), long(SYS_listen)}) {
                const auto it = ev.find(static_cast<int>(nr));
                QVERIFY2(it != ev.end() && it->second.seenDynamically(), qPrintable(QString::number(nr)));
            }
            // Nothing of runc's own setup is the program's.
            QVERIFY(ev.find(SYS_pivot_root) == ev.end() ||
                    !ev.find(SYS_pivot_root)->second.seenDynamically());
        }
    }

    // The analyzer refuses a file: the dialog shows its message, stays open, and nothing is left.
    void analyzerFailureIsShownInTheDialog() {
        QTemporaryDir dir;
        NewAnalysisDialog dialog;
        NewAnalysisRequest r;
        r.binary = QStringLiteral(SWB_SOURCE_DIR "/README.md");
        r.name = QStringLiteral("readme");
        r.directory = dir.path();
        dialog.setRequest(r);
        dialog.show();
        QSignalSpy failed(dialog.job(), &AnalysisJob::failed);
        QVERIFY(dialog.start());
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 30'000);
        QLabel* error = dialog.progressPane()->errorLabel();
        QVERIFY2(error->isVisible() && error->text().contains(QStringLiteral("README.md")),
                 qPrintable(error->text()));
        QVERIFY(dialog.isVisible());
        QVERIFY(dialog.runButton()->isEnabled()); // the user can correct the form and run again
        QVERIFY(filesIn(dir.path()).isEmpty());
    }

    // A server never exits: Stop Program ends it and the job goes on with its trace.
    void stopProgramKeepsTheTrace() {
        QTemporaryDir dir;
        AnalysisJob job;
        NewAnalysisRequest r;
        r.command = {kSleeper};
        r.name = QStringLiteral("sleeper");
        r.directory = dir.path();
        QSignalSpy finished(&job, &AnalysisJob::finished);
        QSignalSpy stages(&job, &AnalysisJob::stageChanged);
        QVERIFY(job.startNewAnalysis(r));
        QVERIFY(!job.startNewAnalysis(r)); // one job at a time
        QTRY_VERIFY(stages.count() >= 1);
        QTest::qWait(300); // let it sleep a few rounds
        job.stopProgram();
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30'000);
        const QString report = finished.first().at(1).toString();
        QVERIFY2(report.contains(QStringLiteral("stopped from the workbench")), qPrintable(report));
        const auto loaded = readTraceFile(r.tracePath().toStdString());
        QVERIFY(loaded.trace.eventCount() > 10);
        QVERIFY(QFileInfo::exists(r.projectPath()));
    }

    // Cancel while tracing and while analyzing: nothing of the job is left behind.
    void cancelRemovesWhatTheJobWrote_data() {
        QTest::addColumn<QString>("cancelAt");
        QTest::newRow("tracing") << QStringLiteral("Tracing");
        QTest::newRow("analyzing") << QStringLiteral("Analyzing");
    }
    void cancelRemovesWhatTheJobWrote() {
        QFETCH(QString, cancelAt);
        QTemporaryDir dir;
        const QString keep = dir.filePath(QStringLiteral("notes.txt"));
        {
            QFile f(keep);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("the user's own file");
        }
        AnalysisJob job;
        NewAnalysisRequest r;
        r.command = cancelAt == QLatin1String("Tracing") ? QStringList{kSleeper} : QStringList{kPlain};
        r.binary = QStringLiteral("/usr/bin/python3.11"); // large enough to cancel mid-way
        if (!QFileInfo::exists(r.binary))
            r.binary = QStringLiteral("/usr/bin/bash");
        r.useCache = false;
        r.name = QStringLiteral("cancelled");
        r.directory = dir.path();
        QSignalSpy cancelled(&job, &AnalysisJob::cancelled);
        QSignalSpy finished(&job, &AnalysisJob::finished);
        QSignalSpy failed(&job, &AnalysisJob::failed);
        bool sent = false;
        connect(&job, &AnalysisJob::stageChanged, this, [&](const QString& s) {
            if (!sent && s.startsWith(cancelAt)) {
                sent = true;
                job.cancel();
            }
        });
        QVERIFY(job.startNewAnalysis(r));
        QTRY_VERIFY_WITH_TIMEOUT(cancelled.count() + failed.count() + finished.count() > 0, 60'000);
        QVERIFY2(failed.isEmpty(), qPrintable(failed.value(0).value(0).toString()));
        QCOMPARE(cancelled.count(), 1);
        QCOMPARE(finished.count(), 0);
        QVERIFY(!job.isRunning());
        QCOMPARE(filesIn(dir.path()), QStringList{QStringLiteral("notes.txt")});
    }

    // Review › Validate: deny a syscall the program makes, run it in complain mode, see the
    // violation on the timeline; the recorded run comes back with its boundary.
    void validationViolationsReachTheTimeline() {
        QTemporaryDir dir;
        NewAnalysisRequest r;
        r.command = {kPlain, QStringLiteral("two words")};
        r.name = QStringLiteral("plain");
        r.directory = dir.path();
        {
            AnalysisJob job;
            QSignalSpy finished(&job, &AnalysisJob::finished);
            QVERIFY(job.startNewAnalysis(r));
            QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60'000);
        }
        MainWindow window;
        window.setMessageBoxesEnabled(false);
        QVERIFY(window.openProject(r.projectPath()));
        WorkbenchView* wb = window.currentWorkbench();
        QVERIFY(wb);
        QCOMPARE(wb->recordedCommandLine(), kPlain + QStringLiteral(" \"two words\""));
        ReviewDecision deny;
        deny.syscall = "write";
        deny.verdict = ReviewDecision::Verdict::Deny;
        wb->session()->setDecision(deny);
        QVERIFY(!wb->validationProfile().allowedNumbers().count(SYS_write));

        ValidateDialog* dialog = window.showValidateDialog();
        QVERIFY(dialog);
        QCOMPARE(dialog->command(), (QStringList{kPlain, QStringLiteral("two words")}));
        QCOMPARE(dialog->tracePath(), dir.filePath(QStringLiteral("plain-validation-1.swbtrace")));
        QVERIFY(dialog->start());
        auto* selector = wb->findChild<QComboBox*>(QStringLiteral("runSelector"));
        QVERIFY(selector);
        QTRY_COMPARE_WITH_TIMEOUT(wb->shownRun(), 1, 60'000);
        QVERIFY(wb->validationTrace());
        QVERIFY2(wb->validationReport().contains(QStringLiteral("write ×")),
                 qPrintable(wb->validationReport()));
        QCOMPARE(selector->count(), 2);
        QFile output(dir.filePath(QStringLiteral("plain-validation-1.swbtrace.log")));
        QVERIFY(output.open(QIODevice::ReadOnly));
        QCOMPARE(output.readAll(), QByteArray("two words\n")); // its write was a violation, let through
        QVERIFY(selector->itemText(1).contains(QStringLiteral("violation")));
        // The timeline shows the validation run, without a boundary, with its violation marks.
        TimelineView* view = wb->timeline()->timelineView();
        QCOMPARE(view->lanes().trace().get(), wb->validationTrace().get());
        QCOMPARE(view->boundary(), TimelineView::kNoBoundary);
        bool marked = false;
        for (const auto& lane : view->lanes().lanes())
            for (auto e : lane.events)
                marked = marked || (wb->validationTrace()->flags(e) & EventViolation);
        QVERIFY(marked);
        // The review table's quick filter keeps the violated syscalls: here write, denied above.
        wb->filterModel()->setQuickFilter(ReviewFilterModel::Quick::Violated);
        QCOMPARE(wb->filterModel()->rowCount(), 1);
        QCOMPARE(wb->filterModel()->index(0, ReviewTableModel::NameColumn).data().toString(),
                 QStringLiteral("write"));
        // The next run never overwrites this one.
        QCOMPARE(wb->nextValidationTracePath(), dir.filePath(QStringLiteral("plain-validation-2.swbtrace")));
        // Back to the recorded run: its trace and boundary.
        selector->setCurrentIndex(0);
        QCOMPARE(wb->shownRun(), 0);
        QCOMPARE(view->lanes().trace().get(), wb->session()->traces().front().get());
        QCOMPARE(view->boundary(), wb->session()->boundaryNs());
    }
};

QTEST_MAIN(TstAnalysisJob)
#include "tst_analysis_job.moc"
