#include "main_window.h"
#include "resources_init.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QPixmap>
#include <QTextStream>
#include <QTimer>

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
    parser.addPositionalArgument(QStringLiteral("files"),
                                 QApplication::translate("main", "Trace files to open."),
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
    for (const QString& file : parser.positionalArguments())
        window.openFile(file);

    if (screenshot && loadFailed)
        return 1;
    if (screenshot) {
        QTimer::singleShot(0, &window, [&] {
            // Let pending layout and paint events settle before rendering.
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
