// The swb command line as users meet it: help, version, errors, and `swb syscalls`.
#include "tracer_test_support.h"

#include <QFile>
#include <QFileInfo>

using namespace swb;
using namespace swbtest;

class TestCli : public QObject {
    Q_OBJECT
private slots:
    void helpListsEveryCommand() {
        auto r = runSwb({QStringLiteral("--help")});
        QCOMPARE(r.exitCode, 0);
        for (const char* cmd : {"trace", "import-strace", "analyze", "syscalls", "why"})
            QVERIFY2(r.stdOut.contains(QLatin1String(cmd)), cmd);
    }

    void version() {
        auto r = runSwb({QStringLiteral("--version")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.stdOut.startsWith(QStringLiteral("swb ")));
    }

    void unknownCommandFails() {
        auto r = runSwb({QStringLiteral("frobnicate")});
        QVERIFY(r.exitCode != 0);
    }

    void syscallsPrintsSortedUniqueNames() {
        QTemporaryDir dir;
        const QString out = dir.filePath(QStringLiteral("t.swbtrace"));
        auto traced = runSwb({QStringLiteral("trace"), QStringLiteral("-o"), out, QStringLiteral("--"),
                              fixture("fx_rawsyscall")});
        QCOMPARE(traced.exitCode, 0);
        auto r = runSwb({QStringLiteral("syscalls"), out});
        QCOMPARE(r.exitCode, 0);
        const QStringList names = r.stdOut.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QStringList sorted = names;
        sorted.sort();
        sorted.removeDuplicates();
        QCOMPARE(names, sorted);
        QVERIFY(names.contains(QStringLiteral("execve")));
        QVERIFY(names.contains(QStringLiteral("getcpu")));
        QVERIFY(names.contains(QStringLiteral("syscall_1000")));
        QVERIFY(names.contains(QStringLiteral("exit_group")));
    }

    void analyzeWritesAnalysisAndDot() {
        QTemporaryDir dir;
        const QString out = dir.filePath(QStringLiteral("sa.swbanalysis"));
        qputenv("XDG_CACHE_HOME", dir.filePath(QStringLiteral("cache")).toLocal8Bit());
        auto r = runSwb({QStringLiteral("analyze"), QStringLiteral("-o"), out, fixture("sa_features")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.stdErr.contains(QStringLiteral("syscalls reachable from")), qPrintable(r.stdErr));
        QVERIFY2(r.stdErr.contains(QStringLiteral("dlopen: libsaplugin.so")), qPrintable(r.stdErr));
        auto names = runSwb({QStringLiteral("syscalls"), out});
        QCOMPARE(names.exitCode, 0);
        QVERIFY(names.stdOut.split(QLatin1Char('\n')).contains(QStringLiteral("syncfs")));
        const QString dot = dir.filePath(QStringLiteral("paths.dot"));
        auto why =
            runSwb({QStringLiteral("why"), QStringLiteral("--dot"), dot, QStringLiteral("getpgrp"), out});
        QCOMPARE(why.exitCode, 0);
        QVERIFY2(why.stdOut.contains(QStringLiteral("[callback] sa_features!compare")),
                 qPrintable(why.stdOut));
        QFile f(dot);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray text = f.readAll();
        QVERIFY(text.startsWith("digraph witness {"));
        QVERIFY(text.contains("label=\"compare\""));
        // A callback is a direct edge; the plugin's function is reached only through dlsym's pointer.
        QVERIFY2(why.stdOut.contains(QStringLiteral("reachable by direct calls alone")),
                 qPrintable(why.stdOut));
        auto plugin = runSwb({QStringLiteral("why"), QStringLiteral("syncfs"), out});
        QCOMPARE(plugin.exitCode, 0);
        QVERIFY2(plugin.stdOut.contains(QStringLiteral("reachable only through indirect calls")),
                 qPrintable(plugin.stdOut));
        auto evidence = runSwb({QStringLiteral("evidence"), out});
        QCOMPARE(evidence.exitCode, 0);
        const auto line =
            evidence.stdOut.mid(evidence.stdOut.indexOf(QStringLiteral("Reached only through")));
        const auto listed = line.left(line.indexOf(QLatin1Char('\n'))).split(QLatin1Char(' '));
        QVERIFY2(listed.contains(QStringLiteral("syncfs")) && !listed.contains(QStringLiteral("getpgrp")) &&
                     !listed.contains(QStringLiteral("getcpu")),
                 qPrintable(line));
        QVERIFY2(r.stdErr.contains(QStringLiteral("reachable by direct calls alone")), qPrintable(r.stdErr));
    }

    void analyzeBadBinaryNamesIt() {
        QTemporaryDir dir;
        const QString out = dir.filePath(QStringLiteral("x.swbanalysis"));
        auto r = runSwb({QStringLiteral("analyze"), QStringLiteral("--no-cache"), QStringLiteral("-o"), out,
                         QStringLiteral(SWB_SOURCE_DIR "/README.md")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.stdErr.contains(QStringLiteral("README.md")) && r.stdErr.contains(QStringLiteral("ELF")),
                 qPrintable(r.stdErr));
        QVERIFY(!QFileInfo::exists(out));
    }

    void badInputNamesFileAndProblem_data() {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("problem");
        QTest::newRow("foreign") << QByteArray("hello world, not a trace")
                                 << QStringLiteral(
                                        "offset 0: not a trace, analysis, project or seccomp profile file");
        QTest::newRow("missing") << QByteArray() << QStringLiteral("cannot open");
    }
    void badInputNamesFileAndProblem() {
        QFETCH(QByteArray, content);
        QFETCH(QString, problem);
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("input.swbtrace"));
        if (!content.isEmpty()) {
            QFile f(file);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(content);
        }
        auto r = runSwb({QStringLiteral("syscalls"), file});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.stdErr.contains(file) && r.stdErr.contains(problem), qPrintable(r.stdErr));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
