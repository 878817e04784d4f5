// Open-time benchmark of the workbench: how long a large trace takes from "open" to a window that
// has painted and answers events, against the floor of reading the same file (readTraceFile) in
// the same run.
//   swb_bench_open TRACE [ANALYSIS]
// Measures, best of 3 each (offscreen):
//   read      readTraceFile alone (the baseline)
//   trace tab MainWindow::openFile(TRACE): the event table and summary
//   workbench a project over TRACE (and ANALYSIS): session, evidence, timeline, chart, review table
// "responsive" = the window painted (grab) and a zero-timer posted after it ran.
#include "main_window.h"
#include "profile/project.h"
#include "trace/trace_file.h"
#include "util/error.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>

using namespace swb;

namespace {

double responsiveAfterOpen(const QString& path) {
    QElapsedTimer t;
    t.start();
    swb::MainWindow window;
    window.setMessageBoxesEnabled(false);
    window.resize(1400, 900);
    if (!window.openFile(path))
        throw Error(path.toStdString() + ": did not open");
    window.show();
    (void)window.grab(); // every visible widget painted once
    bool ran = false;
    QTimer::singleShot(0, [&ran] { ran = true; });
    while (!ran)
        QApplication::processEvents(QEventLoop::AllEvents, 50);
    return double(t.nsecsElapsed()) / 1e9;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s TRACE [ANALYSIS]\n", argv[0]);
        return 2;
    }
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const QString trace = QString::fromLocal8Bit(argv[1]);
    try {
        QTemporaryDir dir;
        Project p;
        p.name = "open-bench";
        p.traces = {QFileInfo(trace).absoluteFilePath().toStdString()};
        if (argc > 2)
            p.analyses = {QFileInfo(QString::fromLocal8Bit(argv[2])).absoluteFilePath().toStdString()};
        const QString project = dir.filePath(QStringLiteral("open-bench.swbproj"));
        writeProject(p, project.toStdString());

        double read = 1e9, tab = 1e9, workbench = 1e9;
        std::size_t events = 0;
        for (int i = 0; i < 3; ++i) {
            QElapsedTimer t;
            t.start();
            events = readTraceFile(argv[1]).trace.eventCount();
            read = std::min(read, double(t.nsecsElapsed()) / 1e9);
            tab = std::min(tab, responsiveAfterOpen(trace));
            workbench = std::min(workbench, responsiveAfterOpen(project));
        }
        std::printf("events                 %zu\n", events);
        std::printf("read (readTraceFile)   %.3f s\n", read);
        std::printf("trace tab responsive   %.3f s  (%.1fx read)\n", tab, tab / read);
        std::printf("workbench responsive   %.3f s  (%.1fx read)\n", workbench, workbench / read);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    return 0;
}
