#include "main_window.h"
#include "resources_init.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QIcon>
#include <QPixmap>
#include <QTextStream>
#include <QTimer>

#include "graph/path_graph_view.h"
#include "model/syscall_table.h"
#include "workbench_view.h"

#include <clocale>

namespace {

void printError(const QString& message) {
    QTextStream err(stderr);
    err << QStringLiteral("swb-gui: ") << message << Qt::endl;
}

} // namespace

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    // Qt sets the C library locale from the environment; the engine formats and parses numbers
    // with the C library and expects the "C" conventions.
    std::setlocale(LC_NUMERIC, "C");
    QApplication::setOrganizationName(QStringLiteral("SeccompWorkbench"));
    QApplication::setApplicationName(QStringLiteral("swb-gui"));
    QApplication::setApplicationVersion(QStringLiteral(SWB_VERSION));
    swb::initResources();
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/swb/icon.svg")));
    QApplication::setDesktopFileName(QStringLiteral("org.seccompworkbench.SeccompWorkbench"));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QApplication::translate("main", "Seccomp Workbench: explore the syscalls a program made."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption screenshotOption(
        QStringLiteral("screenshot"),
        QApplication::translate("main",
                                "Open the files in a 1400x900 window, save it as a PNG image to <file> "
                                "and exit; exit with status 1 when a file fails to load or the image "
                                "cannot be written."),
        QApplication::translate("main", "file"));
    parser.addOption(screenshotOption);
    const QCommandLineOption syscallOption(
        QStringLiteral("syscall"),
        QApplication::translate("main",
                                "Select this syscall in the review table of the project opened last."),
        QApplication::translate("main", "name"));
    parser.addOption(syscallOption);
    parser.addPositionalArgument(
        QStringLiteral("files"),
        QApplication::translate("main", "Projects (.swbproj) and trace files to open; with --screenshot and "
                                        "no file, the bundled sample project."),
        QStringLiteral("[FILE...]"));
    parser.process(app);

    const QString screenshotPath = parser.value(screenshotOption);
    const bool screenshot = parser.isSet(screenshotOption);

    swb::MainWindow window;
    bool loadFailed = false;
    if (screenshot) {
        window.setMessageBoxesEnabled(false);
        window.resize(1400, 900);
        QObject::connect(&window, &swb::MainWindow::loadFailed, &window,
                         [&loadFailed](const QString& message) {
                             loadFailed = true;
                             printError(message);
                         });
    } else {
        window.restoreSettings();
    }
    window.show();
    QStringList files = parser.positionalArguments();
    if (files.isEmpty() && screenshot) {
        // The bundled sample: installed next to the program, or in the source tree of a build.
        const QString installed = QCoreApplication::applicationDirPath() +
                                  QStringLiteral("/../share/seccomp-workbench/samples/redis/redis.swbproj");
        files << (QFileInfo::exists(installed)
                      ? installed
                      : QStringLiteral(SWB_SOURCE_DIR "/sample-traces/redis/redis.swbproj"));
    }
    for (const QString& file : files)
        window.openFile(file);
    if (parser.isSet(syscallOption) && window.currentWorkbench()) {
        const auto nr =
            swb::SyscallTable::forArch(swb::Arch::X86_64).number(parser.value(syscallOption).toStdString());
        if (!nr || !window.currentWorkbench()->selectSyscall(*nr)) {
            printError(QApplication::translate("main", "no syscall %1 in the review table")
                           .arg(parser.value(syscallOption)));
            if (screenshot)
                return 1;
        }
    }

    if (screenshot && loadFailed)
        return 1;
    if (screenshot) {
        QTimer::singleShot(0, &window, [&] {
            // Let pending layout and paint events settle before rendering, and the call-path layout
            // (a background job) arrive.
            QCoreApplication::processEvents();
            QElapsedTimer waited;
            waited.start();
            while (window.currentWorkbench() && window.currentWorkbench()->pathView()->isLayoutPending() &&
                   waited.elapsed() < 10000)
                QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
            QCoreApplication::processEvents();
            const QPixmap image = window.grab();
            if (!image.save(screenshotPath, "PNG")) {
                printError(
                    QApplication::translate("main", "cannot write the screenshot to %1").arg(screenshotPath));
                QCoreApplication::exit(1);
                return;
            }
            QCoreApplication::exit(0);
        });
    }
    return QApplication::exec();
}
