// Renders the user guide's workbench screenshots, offscreen:
//   swb_docs_workbench_shots PROJECT VALIDATION_TRACE OUTDIR
//   OUTDIR/new-analysis.png    File › New Analysis… filled in for redis-server
//   OUTDIR/validation.png      the project with a validation run's violations on the timeline
//   OUTDIR/indirect-only.png   the quick filter "Reached only through indirect calls", chdir selected
//   OUTDIR/workbench-dark.png  the workbench under a dark palette (Fusion), wait4 selected
#include "graph/path_graph_view.h"
#include "jobs/job_dialogs.h"
#include "main_window.h"
#include "model/syscall_table.h"
#include "review/review_table_model.h"
#include "trace/trace_file.h"
#include "workbench_view.h"

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QMap>
#include <QPalette>
#include <QStyleFactory>

#include <cstdio>

using namespace swb;

namespace {

bool save(QWidget& w, const QString& path) {
    QApplication::processEvents();
    if (auto* main = qobject_cast<MainWindow*>(&w)) {
        QElapsedTimer waited;
        waited.start();
        while (main->currentWorkbench() && main->currentWorkbench()->pathView()->isLayoutPending() &&
               waited.elapsed() < 10000)
            QApplication::processEvents(QEventLoop::AllEvents, 50);
    }
    QApplication::processEvents();
    if (!w.grab().save(path, "PNG")) {
        std::fprintf(stderr, "cannot write %s\n", qPrintable(path));
        return false;
    }
    return true;
}

// The main window as `swb-gui --screenshot` shows it, with PROJECT open.
bool showProject(MainWindow& window, const QString& project) {
    window.setMessageBoxesEnabled(false);
    window.resize(1400, 900);
    window.show();
    return window.openFile(project);
}

QPalette darkPalette() {
    QPalette p;
    const QColor window(45, 45, 48), base(30, 30, 32), text(220, 220, 220), disabled(128, 128, 128);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, window);
    p.setColor(QPalette::ToolTipBase, base);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, disabled);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::red);
    p.setColor(QPalette::Link, QColor(90, 160, 255));
    p.setColor(QPalette::Highlight, QColor(42, 110, 200));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Mid, QColor(70, 70, 74));
    p.setColor(QPalette::Dark, QColor(25, 25, 27));
    p.setColor(QPalette::Light, QColor(80, 80, 84));
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, disabled);
    return p;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s PROJECT VALIDATION_TRACE OUTDIR\n", argv[0]);
        return 2;
    }
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const QString project = QString::fromLocal8Bit(argv[1]);
    const QString validation = QString::fromLocal8Bit(argv[2]);
    const QDir out(QString::fromLocal8Bit(argv[3]));

    {
        NewAnalysisDialog dialog;
        NewAnalysisRequest r;
        r.command = {QStringLiteral("redis-server"), QStringLiteral("--port"), QStringLiteral("7000"),
                     QStringLiteral("--save"), QString()};
        r.name = QStringLiteral("redis");
        r.directory = QDir::home().filePath(QStringLiteral("Seccomp Workbench"));
        r.binary = QStringLiteral("/usr/bin/redis-server");
        dialog.setRequest(r);
        dialog.show();
        if (!save(dialog, out.filePath(QStringLiteral("new-analysis.png"))))
            return 1;
    }
    {
        MainWindow window;
        if (!showProject(window, project))
            return 1;
        // The report the Validate dialog writes, from the trace's violations.
        const Trace t = readTraceFile(validation.toStdString()).trace;
        QMap<QString, int> counts;
        int total = 0;
        for (std::size_t i = 0; i < t.eventCount(); ++i)
            if (t.flags(i) & EventViolation) {
                ++counts[QString::fromStdString(SyscallTable::forArch(Arch::X86_64).name(t.nr(i)))];
                ++total;
            }
        QStringList parts;
        for (auto it = counts.begin(); it != counts.end(); ++it)
            parts << QStringLiteral("%1 ×%2").arg(it.key()).arg(it.value());
        window.currentWorkbench()->showValidation(
            validation, QStringLiteral("%1 violations: %2").arg(total).arg(parts.join(QStringLiteral(", "))));
        window.currentWorkbench()->selectSyscall(*SyscallTable::forArch(Arch::X86_64).number("clone"));
        if (!save(window, out.filePath(QStringLiteral("validation.png"))))
            return 1;
    }
    {
        MainWindow window;
        if (!showProject(window, project))
            return 1;
        auto* quick = window.currentWorkbench()->findChild<QComboBox*>(QStringLiteral("quickFilter"));
        const int index =
            quick ? quick->findData(static_cast<int>(ReviewFilterModel::Quick::IndirectOnly)) : -1;
        if (index < 0) {
            std::fprintf(stderr, "no quick filter for indirect-only syscalls\n");
            return 1;
        }
        quick->setCurrentIndex(index);
        window.currentWorkbench()->selectSyscall(*SyscallTable::forArch(Arch::X86_64).number("chdir"));
        if (!save(window, out.filePath(QStringLiteral("indirect-only.png"))))
            return 1;
    }
    {
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        QApplication::setPalette(darkPalette());
        MainWindow window;
        if (!showProject(window, project))
            return 1;
        window.currentWorkbench()->selectSyscall(*SyscallTable::forArch(Arch::X86_64).number("wait4"));
        if (!save(window, out.filePath(QStringLiteral("workbench-dark.png"))))
            return 1;
    }
    return 0;
}
