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
#include <cstdlib>
#include <cstring>

namespace {

void printError(const QString& message) {
    QTextStream err(stderr);
    err << QStringLiteral("swb-gui: ") << message << Qt::endl;
}

struct Options {
    QCommandLineOption screenshot{
        QStringLiteral("screenshot"),
        QCoreApplication::translate("main",
                                    "Open the files in a 1400x900 window, save it as a PNG image to <file> "
                                    "and exit; exit with status 1 when a file fails to load or the image "
                                    "cannot be written. Needs no display."),
        QCoreApplication::translate("main", "file")};
    QCommandLineOption syscall{
        QStringLiteral("syscall"),
        QCoreApplication::translate("main",
                                    "Select this syscall in the review table of the project opened last."),
        QCoreApplication::translate("main", "name")};
};

void setUpParser(QCommandLineParser& parser, const Options& options) {
    parser.setApplicationDescription(
        QCoreApplication::translate("main", "Seccomp Workbench: explore the syscalls a program made."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption(options.screenshot);
    parser.addOption(options.syscall);
    parser.addPositionalArgument(
        QStringLiteral("files"),
        QCoreApplication::translate("main", "Projects (.swbproj), traces, strace logs, analyses and seccomp "
                                            "profiles to open; with --screenshot and no file, the bundled "
                                            "sample project."),
        QStringLiteral("[FILE...]"));
}

void setIdentity() {
    QCoreApplication::setOrganizationName(QStringLiteral("SeccompWorkbench"));
    QCoreApplication::setApplicationName(QStringLiteral("swb-gui"));
    QCoreApplication::setApplicationVersion(QStringLiteral(SWB_VERSION));
}

bool hasArgument(int argc, char** argv, std::initializer_list<const char*> names) {
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--") == 0)
            return false;
        for (const char* name : names)
            if (std::strcmp(argv[i], name) == 0 ||
                (std::strncmp(argv[i], name, std::strlen(name)) == 0 && argv[i][std::strlen(name)] == '='))
                return true;
    }
    return false;
}

bool haveEnv(const char* name) {
    const char* v = std::getenv(name);
    return v && *v;
}

} // namespace

int main(int argc, char** argv) {
    // --help, --version and bad options need no window system: answer them before the GUI starts,
    // which aborts without a display.
    if (hasArgument(argc, argv, {"-h", "--help", "--help-all", "-?", "-v", "--version"})) {
        QCoreApplication core(argc, argv);
        setIdentity();
        QCommandLineParser parser;
        const Options options;
        setUpParser(parser, options);
        parser.process(core); // prints and exits
        return 0;
    }
    const bool screenshotRun = hasArgument(argc, argv, {"--screenshot"});
    if (!haveEnv("QT_QPA_PLATFORM") && !haveEnv("DISPLAY") && !haveEnv("WAYLAND_DISPLAY") &&
        !hasArgument(argc, argv, {"-platform"})) {
        if (screenshotRun) {
            // A screenshot is rendered off screen anyway.
            setenv("QT_QPA_PLATFORM", "offscreen", 1);
        } else {
            QTextStream(stderr) << "swb-gui: no display: set DISPLAY (X11) or WAYLAND_DISPLAY, or run "
                                   "swb-gui --screenshot FILE for an image without one\n";
            return 1;
        }
    }
    QApplication app(argc, argv);
    // Qt sets the C library locale from the environment; the engine formats and parses numbers
    // with the C library and expects the "C" conventions.
    std::setlocale(LC_NUMERIC, "C");
    setIdentity();
    swb::initResources();
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/swb/icon.svg")));
    QApplication::setDesktopFileName(QStringLiteral("org.seccompworkbench.SeccompWorkbench"));

    QCommandLineParser parser;
    const Options options;
    setUpParser(parser, options);
    parser.process(app);
    const QCommandLineOption& screenshotOption = options.screenshot;
    const QCommandLineOption& syscallOption = options.syscall;

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
