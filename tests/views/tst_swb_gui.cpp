#include "test_traces.h"

#include <QFileInfo>
#include <QImage>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

using namespace swb::test;

namespace {

struct Run {
    int exitCode = -1;
    QString out;
    QString err;
};

// DISPLAYLESS: no X, no Wayland and no platform plugin chosen, as on a server or in CI.
Run runGui(const QStringList& arguments, bool displayless = false) {
    QProcess process;
    auto env = QProcessEnvironment::systemEnvironment();
    if (displayless) {
        for (const char* name : {"QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"})
            env.remove(QString::fromLatin1(name));
    } else {
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    }
    process.setProcessEnvironment(env);
    process.start(QStringLiteral(SWB_BIN_DIR "/swb-gui"), arguments);
    Run run;
    if (!process.waitForFinished(120'000) || process.exitStatus() != QProcess::NormalExit) {
        process.kill();
        run.err = QStringLiteral("swb-gui did not finish normally: ") + process.errorString();
        return run;
    }
    run.exitCode = process.exitCode();
    run.out = QString::fromUtf8(process.readAllStandardOutput());
    run.err = QString::fromUtf8(process.readAllStandardError());
    return run;
}

} // namespace

class TestSwbGui : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        tracePath_ = dir_.filePath(QStringLiteral("small.swbtrace"));
        writeTrace(makeSmallTrace(), tracePath_);
    }

    void screenshot() {
        const QString png = dir_.filePath(QStringLiteral("window.png"));
        const Run run = runGui({QStringLiteral("--screenshot"), png, tracePath_});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const QImage image(png);
        QVERIFY2(!image.isNull(), qPrintable(png));
        QVERIFY2(image.width() >= 1400 && image.height() >= 900,
                 qPrintable(QStringLiteral("%1x%2").arg(image.width()).arg(image.height())));
        // A rendered window has text, frames and alternating rows: many colours, not a blank canvas.
        QSet<QRgb> colours;
        for (int y = 0; y < image.height(); y += 3)
            for (int x = 0; x < image.width(); x += 3)
                colours.insert(image.pixel(x, y));
        QVERIFY2(colours.size() > 16, qPrintable(QString::number(colours.size())));
    }

    void failures_data() {
        QTest::addColumn<QString>("png");
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("problem");
        QTest::newRow("input missing")
            << QStringLiteral("missing.png") << QStringLiteral("does-not-exist.swbtrace")
            << QStringLiteral("cannot open");
        QTest::newRow("image not writable")
            << QStringLiteral("no-such-dir/out.png") << QStringLiteral("small.swbtrace")
            << QStringLiteral("cannot write the screenshot");
    }
    void failures() {
        QFETCH(QString, png);
        QFETCH(QString, input);
        QFETCH(QString, problem);
        const QString pngPath = dir_.filePath(png);
        const Run run = runGui({QStringLiteral("--screenshot"), pngPath, dir_.filePath(input)});
        QVERIFY2(run.exitCode == 1, qPrintable(run.err));
        // Qt may log its own lines (platform plugin notes) around ours.
        const QRegularExpression line(QStringLiteral("^swb-gui: .*") + QRegularExpression::escape(problem),
                                      QRegularExpression::MultilineOption);
        QVERIFY2(line.match(run.err).hasMatch(), qPrintable(run.err));
        QVERIFY(!QFileInfo::exists(pngPath));
    }

    void version() {
        const Run run = runGui({QStringLiteral("--version")});
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(
            QRegularExpression(QStringLiteral("^swb-gui \\d+\\.\\d+\\.\\d+\\n$")).match(run.out).hasMatch(),
            qPrintable(run.out));
    }

    void helpAndVersionNeedNoDisplay() {
        const Run version = runGui({QStringLiteral("--version")}, true);
        QVERIFY2(version.exitCode == 0, qPrintable(version.err));
        QVERIFY2(version.out.startsWith(QStringLiteral("swb-gui ")), qPrintable(version.out));
        const Run help = runGui({QStringLiteral("--help")}, true);
        QVERIFY2(help.exitCode == 0, qPrintable(help.err));
        QVERIFY2(help.out.contains(QStringLiteral("--screenshot")) &&
                     help.out.contains(QStringLiteral("--syscall")),
                 qPrintable(help.out));
    }

    void withoutADisplayItSaysSo() {
        const Run run = runGui({tracePath_}, true);
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains(QStringLiteral("swb-gui: no display")), qPrintable(run.err));
        // A screenshot needs none: it is rendered off screen.
        const QString png = dir_.filePath(QStringLiteral("displayless.png"));
        const Run shot = runGui({QStringLiteral("--screenshot"), png, tracePath_}, true);
        QVERIFY2(shot.exitCode == 0, qPrintable(shot.err));
        QVERIFY(!QImage(png).isNull());
    }

private:
    QTemporaryDir dir_;
    QString tracePath_;
};

QTEST_GUILESS_MAIN(TestSwbGui)
#include "tst_swb_gui.moc"
