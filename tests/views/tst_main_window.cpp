#include "main_window.h"
#include "test_traces.h"
#include "trace_view.h"

#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QScreen>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QToolBar>
#include <QUrl>

using namespace swb;
using namespace swb::test;

namespace {

QString labelText(const MainWindow& window, const char* objectName) {
    const auto* label = window.findChild<QLabel*>(QLatin1String(objectName));
    return label ? label->text() : QStringLiteral("<no label %1>").arg(QLatin1String(objectName));
}

int tableRows(const MainWindow& window, const char* objectName) {
    const TraceView* view = window.currentTraceView();
    if (!view)
        return -1;
    const auto* table = view->findChild<QTableView*>(QLatin1String(objectName));
    return table ? table->model()->rowCount() : -1;
}

QList<QMessageBox*> messageBoxes(const MainWindow& window, const QString& objectName) {
    QList<QMessageBox*> boxes;
    for (auto* box : window.findChildren<QMessageBox*>(objectName))
        if (box->isVisible())
            boxes.append(box);
    return boxes;
}

void writeBytes(const QString& path, const QByteArray& bytes) {
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(file.write(bytes), bytes.size());
}

QByteArray readBytes(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QLocale::setDefault(QLocale::c());
        QVERIFY(dir_.isValid());
        smallPath_ = dir_.filePath(QStringLiteral("small.swbtrace"));
        writeTrace(makeSmallTrace(), smallPath_);
        largePath_ = dir_.filePath(QStringLiteral("large.swbtrace"));
        writeTrace(makeLargeTrace(20'000), largePath_);
    }

    void emptyWindow() {
        MainWindow window;
        window.show();
        QCOMPARE(window.windowTitle(), QStringLiteral("Seccomp Workbench"));
        QCOMPARE(window.traceViewCount(), 0);
        QVERIFY(!window.currentTraceView());
        QVERIFY(window.findChild<QLabel*>(QStringLiteral("emptyPlaceholder"))->isVisible());
        QCOMPARE(labelText(window, "traceStatsLabel"), QString());
        // saveState() needs the toolbar to be named.
        QVERIFY(window.findChild<QToolBar*>(QStringLiteral("mainToolBar")));
        QCOMPARE(window.findChild<QAction*>(QStringLiteral("openAction"))->shortcut(),
                 QKeySequence(QStringLiteral("Ctrl+O")));
        QCOMPARE(window.findChild<QAction*>(QStringLiteral("quitAction"))->shortcut(),
                 QKeySequence(QStringLiteral("Ctrl+Q")));
    }

    void openTrace() {
        MainWindow window;
        window.show();
        QSignalSpy loaded(&window, &MainWindow::traceLoaded);
        QSignalSpy failed(&window, &MainWindow::loadFailed);
        QVERIFY(window.openFile(smallPath_));
        QCOMPARE(loaded.count(), 1);
        QCOMPARE(loaded.first().first().toString(), smallPath_);
        QCOMPARE(failed.count(), 0);
        QCOMPARE(window.windowTitle(), QStringLiteral("small.swbtrace — Seccomp Workbench"));
        QCOMPARE(labelText(window, "traceStatsLabel"), QStringLiteral("8 events, 7 syscalls, 3 processes"));
        QCOMPARE(labelText(window, "loadWarningLabel"), QString());
        QCOMPARE(tableRows(window, "eventTable"), 8);
        QCOMPARE(tableRows(window, "summaryTable"), 7);
        QVERIFY(!window.findChild<QLabel*>(QStringLiteral("emptyPlaceholder"))->isVisible());
        QVERIFY(messageBoxes(window, QString()).isEmpty());
        // The summary starts sorted by name.
        const auto* summary =
            window.currentTraceView()->findChild<QTableView*>(QStringLiteral("summaryTable"));
        QCOMPARE(summary->model()->index(0, 0).data().toString(), QStringLiteral("close"));
    }

    void filterIsDebounced() {
        MainWindow window;
        window.show();
        QVERIFY(window.openFile(smallPath_));
        auto* filter = window.currentTraceView()->findChild<QLineEdit*>(QStringLiteral("eventFilter"));
        QVERIFY(filter);
        QTest::keyClicks(filter, QStringLiteral("open"));
        // Typing alone does not refilter; the timer does, once, after the last key.
        QCOMPARE(tableRows(window, "eventTable"), 8);
        QTRY_COMPARE(tableRows(window, "eventTable"), 2);
        filter->clear();
        QTRY_COMPARE(tableRows(window, "eventTable"), 8);
        // Return applies at once.
        QTest::keyClicks(filter, QStringLiteral("exit"));
        QTest::keyClick(filter, Qt::Key_Return);
        QCOMPARE(tableRows(window, "eventTable"), 1);
    }

    void loadFailure_data() {
        QTest::addColumn<QString>("fileName");
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("problem");
        QByteArray valid = readBytes(smallPath_);
        QVERIFY(valid.size() > 64);
        QTest::newRow("not a trace") << QStringLiteral("notes.txt") << QByteArray("just some text\n")
                                     << QStringLiteral("not a Seccomp Workbench trace file");
        QByteArray flipped = valid;
        // The first byte of the first record's payload (header 16 bytes, record type 1, length 4).
        flipped[21] = static_cast<char>(flipped[21] ^ 0x5a);
        QTest::newRow("corrupt record")
            << QStringLiteral("flipped.swbtrace") << flipped << QStringLiteral("checksum mismatch");
        QByteArray newer = valid;
        newer[8] = 99;
        QTest::newRow("newer format")
            << QStringLiteral("newer.swbtrace") << newer << QStringLiteral("newer than this build supports");
        QTest::newRow("missing") << QStringLiteral("missing.swbtrace") << QByteArray()
                                 << QStringLiteral("cannot open");
    }
    void loadFailure() {
        QFETCH(QString, fileName);
        QFETCH(QByteArray, bytes);
        QFETCH(QString, problem);
        const QString path = dir_.filePath(fileName);
        if (!bytes.isEmpty())
            writeBytes(path, bytes);

        MainWindow window;
        window.show();
        QVERIFY(window.openFile(smallPath_));
        QSignalSpy failed(&window, &MainWindow::loadFailed);
        QVERIFY(!window.openFile(path));
        QCOMPARE(failed.count(), 1);
        const QString message = failed.first().first().toString();
        QVERIFY2(message.contains(path) && message.contains(problem), qPrintable(message));

        const auto boxes = messageBoxes(window, QStringLiteral("loadErrorBox"));
        QCOMPARE(boxes.size(), 1);
        QCOMPARE(boxes.first()->text(), message);
        QCOMPARE(boxes.first()->icon(), QMessageBox::Critical);

        QCOMPARE(window.statusBar()->currentMessage(), QStringLiteral("Could not open ") + fileName);

        // The trace that was open stays open and the window keeps working.
        QCOMPARE(window.traceViewCount(), 1);
        QCOMPARE(window.windowTitle(), QStringLiteral("small.swbtrace — Seccomp Workbench"));
        QCOMPARE(labelText(window, "traceStatsLabel"), QStringLiteral("8 events, 7 syscalls, 3 processes"));
        boxes.first()->accept();
        QVERIFY(window.openFile(largePath_));
        QCOMPARE(window.traceViewCount(), 2);
        QCOMPARE(tableRows(window, "eventTable"), 20'000);
    }

    void namedLikeAProjectReadAsOne() {
        // A text file called .swbproj gets the project reader's message, not the trace reader's.
        const QString path = dir_.filePath(QStringLiteral("notes.swbproj"));
        writeBytes(path, QByteArray("these are my notes, not a project\n"));
        MainWindow window;
        window.setMessageBoxesEnabled(false);
        QSignalSpy failed(&window, &MainWindow::loadFailed);
        QVERIFY(!window.openFile(path));
        QCOMPARE(failed.count(), 1);
        const QString message = failed.first().first().toString();
        QVERIFY2(message.contains(path) && !message.contains(QStringLiteral("magic")) &&
                     !message.contains(QStringLiteral("trace")),
                 qPrintable(message));
    }

    void secondFailureJoinsTheOpenBox() {
        MainWindow window;
        window.show();
        QVERIFY(!window.openFile(dir_.filePath(QStringLiteral("first-missing.swbtrace"))));
        QVERIFY(!window.openFile(dir_.filePath(QStringLiteral("second-missing.swbtrace"))));
        const auto boxes = messageBoxes(window, QStringLiteral("loadErrorBox"));
        QCOMPARE(boxes.size(), 1);
        QVERIFY(boxes.first()->text().contains(QStringLiteral("first-missing")));
        QVERIFY(boxes.first()->text().contains(QStringLiteral("second-missing")));
        boxes.first()->accept();
    }

    void viewMenuListsThePanels() {
        MainWindow window;
        window.setMessageBoxesEnabled(false);
        window.resize(1280, 760);
        window.show();
        window.rebuildViewMenu();
        QStringList texts;
        for (QAction* a : window.viewMenu()->actions())
            texts << a->text();
        QVERIFY2(texts.contains(QStringLiteral("Main Toolbar")), qPrintable(texts.join(QLatin1Char('|'))));
        QVERIFY(window.openFile(QStringLiteral(SWB_SOURCE_DIR "/sample-traces/redis/redis.swbproj")));
        window.rebuildViewMenu();
        QAction* evidence = nullptr;
        QAction* reset = nullptr;
        for (QAction* a : window.viewMenu()->actions()) {
            if (a->text() == QStringLiteral("Evidence"))
                evidence = a;
            if (a->objectName() == QStringLiteral("resetLayoutAction"))
                reset = a;
        }
        QVERIFY(evidence && reset);
        auto* dock = window.findChild<QDockWidget*>(QStringLiteral("evidenceDock"));
        QVERIFY(dock->isVisible());
        evidence->trigger();
        QVERIFY(!dock->isVisible());
        reset->trigger();
        QVERIFY(dock->isVisible());
    }

    void failureWithoutMessageBoxes() {
        MainWindow window;
        window.setMessageBoxesEnabled(false);
        QSignalSpy failed(&window, &MainWindow::loadFailed);
        QVERIFY(!window.openFile(dir_.filePath(QStringLiteral("absent.swbtrace"))));
        QCOMPARE(failed.count(), 1);
        QVERIFY(window.findChildren<QMessageBox*>().isEmpty());
        QCOMPARE(window.traceViewCount(), 0);
    }

    void truncatedTraceLoadsWithWarning() {
        const QByteArray whole = readBytes(largePath_);
        const QString path = dir_.filePath(QStringLiteral("truncated.swbtrace"));
        writeBytes(path, whole.left(whole.size() / 2));

        MainWindow window;
        window.show();
        QSignalSpy failed(&window, &MainWindow::loadFailed);
        QVERIFY(window.openFile(path));
        QCOMPARE(failed.count(), 0);
        const int events = tableRows(window, "eventTable");
        QVERIFY2(events > 0 && events < 20'000, qPrintable(QString::number(events)));
        QCOMPARE(labelText(window, "traceStatsLabel"),
                 QStringLiteral("%1 events, 4 syscalls, 1 processes").arg(events));
        const QString warning = labelText(window, "loadWarningLabel");
        QVERIFY2(warning.contains(QStringLiteral("truncated")) && warning.contains(path),
                 qPrintable(warning));
        const auto boxes = messageBoxes(window, QStringLiteral("loadWarningBox"));
        QCOMPARE(boxes.size(), 1);
        QVERIFY(!boxes.first()->isModal());
        QVERIFY(boxes.first()->text().contains(QStringLiteral("truncated")));
    }

    void tabsPerFile() {
        MainWindow window;
        window.show();
        QVERIFY(window.openFile(smallPath_));
        QVERIFY(window.openFile(largePath_));
        QCOMPARE(window.traceViewCount(), 2);
        QCOMPARE(window.windowTitle(), QStringLiteral("large.swbtrace — Seccomp Workbench"));
        QCOMPARE(labelText(window, "traceStatsLabel"),
                 QStringLiteral("20000 events, 4 syscalls, 1 processes"));

        // Opening a file that is already open reloads it in its tab.
        QVERIFY(window.openFile(smallPath_));
        QCOMPARE(window.traceViewCount(), 2);
        QCOMPARE(window.currentTraceView()->filePath(), smallPath_);
        QCOMPARE(labelText(window, "traceStatsLabel"), QStringLiteral("8 events, 7 syscalls, 3 processes"));

        window.findChild<QAction*>(QStringLiteral("closeAction"))->trigger();
        QCOMPARE(window.traceViewCount(), 1);
        QCOMPARE(window.windowTitle(), QStringLiteral("large.swbtrace — Seccomp Workbench"));
        window.findChild<QAction*>(QStringLiteral("closeAction"))->trigger();
        QCOMPARE(window.traceViewCount(), 0);
        QCOMPARE(window.windowTitle(), QStringLiteral("Seccomp Workbench"));
        QCOMPARE(labelText(window, "traceStatsLabel"), QString());
    }

    void dropOpensFiles() {
        MainWindow window;
        window.show();
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(smallPath_), QUrl::fromLocalFile(largePath_)});
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&window, &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&window, &drop);
        QVERIFY(drop.isAccepted());
        QCOMPARE(window.traceViewCount(), 2);

        QMimeData text;
        text.setText(QStringLiteral("not a file"));
        QDragEnterEvent textEnter(QPoint(10, 10), Qt::CopyAction, &text, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&window, &textEnter);
        QVERIFY(!textEnter.isAccepted());
    }

    void geometryIsRemembered() {
        {
            MainWindow window;
            window.resize(713, 507);
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            window.close();
        }
        MainWindow restored;
        restored.restoreSettings();
        QCOMPARE(restored.size(), QSize(713, 507));
    }

    void oversizedGeometryIsClamped() {
        // A geometry saved on a larger screen (or by the version whose window grew without end).
        {
            MainWindow window;
            window.resize(3331, 2400);
            window.move(900, 700);
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            window.close();
        }
        MainWindow restored;
        restored.restoreSettings();
        const QRect available = restored.screen()->availableGeometry();
        QVERIFY2(available.contains(restored.frameGeometry()),
                 qPrintable(QStringLiteral("%1,%2 %3x%4 outside %5x%6")
                                .arg(restored.frameGeometry().x())
                                .arg(restored.frameGeometry().y())
                                .arg(restored.frameGeometry().width())
                                .arg(restored.frameGeometry().height())
                                .arg(available.width())
                                .arg(available.height())));
    }

    void defaultSizeFollowsTheScreen() {
        // Only the geometry: other suites running at the same time share these settings.
        QSettings store(QStringLiteral("SeccompWorkbench"), QStringLiteral("swb-gui"));
        store.remove(QStringLiteral("MainWindow/geometry"));
        store.remove(QStringLiteral("MainWindow/state"));
        MainWindow window;
        window.restoreSettings();
        const QRect available = window.screen()->availableGeometry();
        QCOMPARE(window.size(), MainWindow::defaultSize(window.screen()));
        QVERIFY(window.width() <= available.width() && window.height() <= available.height());
        QVERIFY(window.width() >= available.width() * 8 / 10);
    }

private:
    QTemporaryDir dir_;
    QString smallPath_;
    QString largePath_;
};

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
