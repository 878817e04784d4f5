// libswb-phase.so, the LD_PRELOAD phase switch, on a fixture program: the serving filter (made here
// from a trace of the fixture, minus getppid) is installed at the first serving-loop call, at one
// named function, or at a signal; forked children and threads end up with it as documented.
#include "profile/seccomp_filter.h"
#include "trace/trace_sink.h"
#include "trace/tracer.h"

#include <QFile>
#include <QProcess>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <set>

using namespace swb;

namespace {

const QString kLibrary = QStringLiteral(SWB_BIN_DIR "/../lib/libswb-phase.so");
const QString kFixture = QStringLiteral(SWB_FIXTURE_DIR "/fx_phase");

struct Run {
    int exitCode = -1;
    QString out;
    QString err;
};

// The fixture with the library preloaded and these extra variables; `input` goes to its stdin after
// it printed "ready" and, when signo is set, after that signal was sent to it.
Run runFixture(const QString& mode, const QStringList& env, int signo = 0) {
    QProcess p;
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    e.insert(QStringLiteral("LD_PRELOAD"), kLibrary);
    for (const QString& kv : env)
        e.insert(kv.section(QLatin1Char('='), 0, 0), kv.section(QLatin1Char('='), 1));
    p.setProcessEnvironment(e);
    p.start(kFixture, {mode});
    Run r;
    if (!p.waitForStarted())
        return r;
    if (mode == QLatin1String("signal")) {
        QByteArray seen;
        for (int i = 0; i < 600 && !seen.contains("ready"); ++i) {
            p.waitForReadyRead(100);
            seen += p.readAllStandardOutput();
        }
        r.out = QString::fromLocal8Bit(seen);
        if (signo)
            ::kill(static_cast<pid_t>(p.processId()), signo);
        p.write("go\n");
        p.closeWriteChannel();
    } else {
        p.closeWriteChannel();
    }
    if (!p.waitForFinished(60000)) {
        p.kill();
        p.waitForFinished();
        r.err = QStringLiteral("timed out");
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : 128 + p.exitCode();
    r.out += QString::fromLocal8Bit(p.readAllStandardOutput());
    r.err = QString::fromLocal8Bit(p.readAllStandardError());
    return r;
}

int countLines(const QString& text, const QString& needle) {
    return static_cast<int>(text.split(QLatin1Char('\n')).filter(needle).size());
}

} // namespace

class TestPhasePreload : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString filterPath_;
    std::size_t instructions_ = 0;
    QString signalFilterPath_;
    QString noStartupFilterPath_;
    std::size_t signalInstructions_ = 0;

    QString writeFilter(const Profile& profile, const char* name, std::size_t* instructions) {
        const auto bpf = compileSeccompBpf(profile);
        *instructions = bpf.size() / 8;
        const QString path = dir_.filePath(QLatin1String(name));
        std::ofstream(path.toStdString(), std::ios::binary)
            .write(reinterpret_cast<const char*>(bpf.data()), static_cast<std::streamsize>(bpf.size()));
        return path;
    }

private slots:
    void initTestCase() {
        QVERIFY2(QFile::exists(kLibrary), "libswb-phase.so is not built");
        QVERIFY2(QFile::exists(kFixture), "fx_phase is not built");
        // The serving profile: every syscall the fixture makes in any mode, traced with the library
        // preloaded but inactive, minus getppid. (stdin is /dev/null for the signal mode's read.)
        ::setenv("LD_PRELOAD", qPrintable(kLibrary), 1);
        Profile serving;
        serving.defaultErrno = EPERM;
        for (const char* mode :
             {"loop", "threads", "function", "signal", "threadstart", "nolisten", "nonblocking"}) {
            Trace trace;
            MemorySink sink(trace);
            Tracer tracer(sink);
            TracerOptions o;
            o.command = {"/bin/sh", "-c", "exec \"$0\" \"$1\" </dev/null", kFixture.toStdString(), mode};
            const auto result = tracer.run(o);
            QCOMPARE(result.exitStatus, 0);
            for (const std::string& name : trace.uniqueSyscallNames())
                serving.allow(name, "program", "traced");
        }
        ::unsetenv("LD_PRELOAD");
        serving.allow("futex", "program", "timing-dependent waits");
        QCOMPARE(serving.remove("getppid"), std::size_t(1));
        // No signal was handled in those runs; the signal trigger needs rt_sigreturn (its handler
        // returns after the switch), so it gets a second filter that allows it.
        QVERIFY(serving.rulesFor("rt_sigreturn").empty());
        filterPath_ = writeFilter(serving, "serving.bpf", &instructions_);
        const std::size_t fullInstructions = instructions_;
        // Without the C library's thread start-up syscalls: a thread caught in its start-up by the
        // switch would abort.
        Profile noStartup = serving;
        for (const char* startup : {"rseq", "set_robust_list", "rt_sigprocmask"})
            QCOMPARE(noStartup.remove(startup), std::size_t(1));
        std::size_t unused = 0;
        noStartupFilterPath_ = writeFilter(noStartup, "serving-no-startup.bpf", &unused);
        instructions_ = fullInstructions;
        serving.allow("rt_sigreturn", "swb-phase", "the signal trigger returns from its handler");
        signalFilterPath_ = writeFilter(serving, "serving-signal.bpf", &signalInstructions_);
    }

    void inactiveWithoutAFilter() {
        const Run r = runFixture(QStringLiteral("loop"), {});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(countLines(r.out, QStringLiteral("getppid=ok")), 5);
        QVERIFY2(!r.err.contains(QStringLiteral("swb-phase")), qPrintable(r.err));
    }

    void firstLoopCallSwitchesEachProcess() {
        const Run r =
            runFixture(QStringLiteral("loop"), {QStringLiteral("SWB_SERVING_FILTER=") + filterPath_});
        QCOMPARE(r.exitCode, 0);
        // Before the switch getppid works; a child forked before the parent switched switches at its
        // own poll; the parent is unaffected until its poll; a child forked after it inherits the filter.
        QCOMPARE(r.out, QStringLiteral("init getppid=ok\n"
                                       "child getppid=failed errno=1\n"
                                       "parent-before getppid=ok\n"
                                       "parent-after getppid=failed errno=1\n"
                                       "child2 getppid=failed errno=1\n"));
        // One line per process that switched (the child forked after the switch does not switch again).
        const QString line =
            QStringLiteral("swb-phase: serving filter installed (trigger: poll, %1 instructions)")
                .arg(instructions_);
        QCOMPARE(countLines(r.err, line), 2);
        QCOMPARE(countLines(r.err, QStringLiteral("swb-phase")), 2);
    }

    void defaultTriggerWaitsForListenAndABlockingCall() {
        const QString filter = QStringLiteral("SWB_SERVING_FILTER=") + filterPath_;
        // A program that never listens is not a server yet: the default trigger does not fire...
        Run r = runFixture(QStringLiteral("nolisten"), {filter});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out, QStringLiteral("after-poll getppid=ok\n"));
        QVERIFY2(!r.err.contains(QStringLiteral("swb-phase")), qPrintable(r.err));
        // ...but "loop" fires at any serving-loop call.
        r = runFixture(QStringLiteral("nolisten"), {filter, QStringLiteral("SWB_PHASE_TRIGGER=loop")});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out, QStringLiteral("after-poll getppid=failed errno=1\n"));
        // A zero-timeout poll only checks: the switch waits for the first call that would block.
        r = runFixture(QStringLiteral("nonblocking"), {filter});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out,
                 QStringLiteral("after-zero-timeout getppid=ok\nafter-blocking getppid=failed errno=1\n"));
    }

    void threadsGetTheFilterToo() {
        const Run r =
            runFixture(QStringLiteral("threads"), {QStringLiteral("SWB_SERVING_FILTER=") + filterPath_});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out, QStringLiteral("main-before getppid=ok\nthread getppid=failed errno=1\n"));
    }

    void switchWaitsForStartingThreads() {
        // The thread is created right before the switch; it must not be caught in its start-up
        // (that would abort the process). Timing decides how often it is still starting, so repeat.
        for (int i = 0; i < 30; ++i) {
            const Run r = runFixture(QStringLiteral("threadstart"),
                                     {QStringLiteral("SWB_SERVING_FILTER=") + noStartupFilterPath_});
            QVERIFY2(r.exitCode == 0,
                     qPrintable(QStringLiteral("run %1: exit %2: %3").arg(i).arg(r.exitCode).arg(r.err)));
            QCOMPARE(r.out, QStringLiteral("thread getppid=failed errno=1\n"));
        }
    }

    void namedFunctionOnly() {
        const Run r =
            runFixture(QStringLiteral("function"), {QStringLiteral("SWB_SERVING_FILTER=") + filterPath_,
                                                    QStringLiteral("SWB_PHASE_TRIGGER=function:epoll_wait")});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out, QStringLiteral("after-poll getppid=ok\nafter-epoll_wait getppid=failed errno=1\n"));
        QVERIFY2(r.err.contains(QStringLiteral("(trigger: epoll_wait, ")), qPrintable(r.err));
    }

    void signalTrigger() {
        const QStringList env = {QStringLiteral("SWB_SERVING_FILTER=") + signalFilterPath_,
                                 QStringLiteral("SWB_PHASE_TRIGGER=signal:SIGUSR2")};
        // Without the signal nothing switches, poll included.
        Run r = runFixture(QStringLiteral("signal"), env);
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out, QStringLiteral("init getppid=ok\nready\nafter getppid=ok\n"));
        QVERIFY2(!r.err.contains(QStringLiteral("swb-phase")), qPrintable(r.err));
        // With it, the handler installs the filter before the program goes on.
        r = runFixture(QStringLiteral("signal"), env, SIGUSR2);
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out, QStringLiteral("init getppid=ok\nready\nafter getppid=failed errno=1\n"));
        QVERIFY2(r.err.contains(
                     QStringLiteral("(trigger: signal SIGUSR2, %1 instructions)").arg(signalInstructions_)),
                 qPrintable(r.err));
        // A number works as well; quiet mode prints nothing.
        r = runFixture(QStringLiteral("signal"),
                       {QStringLiteral("SWB_SERVING_FILTER=") + signalFilterPath_,
                        QStringLiteral("SWB_PHASE_TRIGGER=signal:%1").arg(SIGUSR1),
                        QStringLiteral("SWB_PHASE_QUIET=1")},
                       SIGUSR1);
        QCOMPARE(r.out, QStringLiteral("init getppid=ok\nready\nafter getppid=failed errno=1\n"));
        QCOMPARE(r.err, QString());
    }

    void badSetupFailsClosed_data() {
        QTest::addColumn<QStringList>("env");
        QTest::addColumn<QString>("message");
        QTest::newRow("missing file") << QStringList{QStringLiteral("SWB_SERVING_FILTER=/nonexistent/f.bpf")}
                                      << QStringLiteral("/nonexistent/f.bpf: ENOENT");
        QTest::newRow("unknown function") << QStringList{QStringLiteral("SWB_SERVING_FILTER=@"),
                                                         QStringLiteral("SWB_PHASE_TRIGGER=function:read")}
                                          << QStringLiteral("unknown serving-loop function");
        QTest::newRow("uncatchable signal") << QStringList{QStringLiteral("SWB_SERVING_FILTER=@"),
                                                           QStringLiteral("SWB_PHASE_TRIGGER=signal:KILL")}
                                            << QStringLiteral("unknown signal");
        QTest::newRow("bad syntax") << QStringList{QStringLiteral("SWB_SERVING_FILTER=@"),
                                                   QStringLiteral("SWB_PHASE_TRIGGER=later")}
                                    << QStringLiteral("expected loop, function:NAME or signal:SIGNAL");
        QTest::newRow("signal trigger without rt_sigreturn")
            << QStringList{QStringLiteral("SWB_SERVING_FILTER=@"),
                           QStringLiteral("SWB_PHASE_TRIGGER=signal:USR2")}
            << QStringLiteral("must allow rt_sigreturn");
        QTest::newRow("not bpf") << QStringList{QStringLiteral("SWB_SERVING_FILTER=%")}
                                 << QStringLiteral("not a seccomp BPF program");
    }
    void badSetupFailsClosed() {
        QFETCH(QStringList, env);
        QFETCH(QString, message);
        const QString odd = dir_.filePath(QStringLiteral("odd.bpf"));
        std::ofstream(odd.toStdString(), std::ios::binary) << "12345";
        for (QString& kv : env)
            kv.replace(QLatin1Char('@'), filterPath_).replace(QLatin1Char('%'), odd);
        const Run r = runFixture(QStringLiteral("loop"), env);
        QCOMPARE(r.exitCode, 126);
        QCOMPARE(r.out, QString()); // main never ran
        QVERIFY2(r.err.startsWith(QStringLiteral("swb-phase: ")) && r.err.contains(message),
                 qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(TestPhasePreload)
#include "tst_phase_preload.moc"
