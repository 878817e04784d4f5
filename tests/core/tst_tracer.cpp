// The tracer's hard cases, each on a fixture program compiled for it and run under the real
// `swb trace` binary.
#include "tracer_test_support.h"

#include "trace/trace_sink.h"
#include "trace/tracer.h"
#include "util/error.h"

#include <QFile>
#include <QFileInfo>
#include <QThread>

#include <csignal>
#include <fstream>
#include <set>
#include <sys/syscall.h>

using namespace swb;
using namespace swbtest;

namespace {

struct Traced {
    RunResult run;
    Trace trace;
    std::vector<std::string> warnings;
};

Traced traceFixture(const QTemporaryDir& dir, const char* name, const QStringList& extra = {}) {
    const QString out = dir.filePath(QLatin1String(name) + QStringLiteral(".swbtrace"));
    Traced t;
    t.run = runSwb(
        QStringList{QStringLiteral("trace"), QStringLiteral("-o"), out, QStringLiteral("--"), fixture(name)} +
        extra);
    if (QFileInfo::exists(out)) {
        auto loaded = readTraceFile(out.toStdString());
        t.trace = std::move(loaded.trace);
        t.warnings = std::move(loaded.warnings);
    }
    return t;
}

std::string basename(const std::string& p) {
    return p.substr(p.rfind('/') + 1);
}

const ProcessInfo* processByImage(const Trace& t, const std::string& image, int nth = 0) {
    for (const auto& p : t.processes)
        if (basename(p.image) == image && nth-- == 0)
            return &p;
    return nullptr;
}

std::set<Pid> tidsOf(const Trace& t, int nr) {
    std::set<Pid> tids;
    for (std::size_t i = 0; i < t.eventCount(); ++i)
        if (t.nr(i) == nr)
            tids.insert(t.tid(i));
    return tids;
}

bool hasSignal(const Trace& t, Pid pid, int signo) {
    return std::any_of(t.signalEvents.begin(), t.signalEvents.end(),
                       [&](const SignalEvent& s) { return s.pid == pid && s.signo == signo; });
}

// Reads the process's output until it printed "ready" (the fixture is running).
bool waitForReady(QProcess& p) {
    QByteArray seen;
    for (int i = 0; i < 100 && !seen.contains("ready"); ++i) {
        p.waitForReadyRead(100);
        seen += p.readAllStandardOutput();
    }
    return seen.contains("ready");
}

bool processAlive(qint64 pid) {
    return ::kill(static_cast<pid_t>(pid), 0) == 0;
}

std::string procStatusField(qint64 pid, const std::string& field) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
        if (line.starts_with(field + ":"))
            return line.substr(field.size() + 1);
    return {};
}

} // namespace

class TestTracer : public QObject {
    Q_OBJECT
private slots:
    void firstEventIsTheExec() {
        QTemporaryDir dir;
        auto t = traceFixture(dir, "fx_rawsyscall");
        QCOMPARE(t.run.exitCode, 0);
        QVERIFY(t.warnings.empty());
        QVERIFY(t.trace.eventCount() > 5);
        QCOMPARE(SyscallTable::forArch(t.trace.arch).name(t.trace.nr(0)), std::string("execve"));
        QCOMPARE(t.trace.ret(0), std::int64_t(0));
        QCOMPARE(t.trace.timeNs(0) >= 0, true);
        for (std::size_t i = 1; i < t.trace.eventCount(); ++i)
            QVERIFY(t.trace.timeNs(i) >= t.trace.timeNs(i - 1));
    }

    // The workbench has no terminal for the program: its output goes to a file, stdin is empty.
    void outputGoesToAFile() {
        QTemporaryDir dir;
        const std::string out = dir.filePath(QStringLiteral("program.log")).toStdString();
        Trace trace;
        MemorySink sink(trace);
        Tracer tracer(sink);
        TracerOptions opts;
        opts.command = {"/bin/sh", "-c", "echo out; echo err >&2; cat; echo after-stdin"};
        opts.outputFile = out;
        const TracerResult result = tracer.run(opts);
        QCOMPARE(result.exitStatus, 0);
        QFile f(QString::fromStdString(out));
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), QByteArray("out\nerr\nafter-stdin\n"));
        QVERIFY(trace.eventCount() > 10);
        // A file that cannot be created fails before anything runs, naming it.
        opts.outputFile = "/nonexistent-dir/program.log";
        Trace unused;
        MemorySink sink2(unused);
        Tracer tracer2(sink2);
        try {
            tracer2.run(opts);
            QFAIL("ran without its output file");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("/nonexistent-dir/program.log") != std::string::npos,
                     e.what());
        }
    }

    void threads() {
        QTemporaryDir dir;
        auto t = traceFixture(dir, "fx_threads");
        QCOMPARE(t.run.exitCode, 0);
        QCOMPARE(t.trace.processes.size(), std::size_t(1));
        const auto& p = t.trace.processes[0];
        QCOMPARE(p.threads.size(), std::size_t(5));
        const auto getcpu = tidsOf(t.trace, SYS_getcpu);
        QCOMPARE(getcpu.size(), std::size_t(4));
        QVERIFY(!getcpu.count(p.pid));
        for (std::size_t i = 0; i < t.trace.eventCount(); ++i)
            QCOMPARE(t.trace.pid(i), p.pid);
        QVERIFY(countSyscall(t.trace, "clone3") + countSyscall(t.trace, "clone") >= 4);
    }

    void forkExecChain() {
        QTemporaryDir dir;
        auto t = traceFixture(dir, "fx_forkexec");
        QCOMPARE(t.run.exitCode, 7);
        QCOMPARE(t.trace.processes.size(), std::size_t(3));
        const auto* top = processByImage(t.trace, "fx_forkexec", 0);
        const auto* stage2 = processByImage(t.trace, "fx_forkexec", 1);
        const auto* sh = processByImage(t.trace, "dash");
        QVERIFY(top && stage2 && sh);
        QCOMPARE(stage2->parent, top->pid);
        QCOMPARE(sh->parent, stage2->pid);
        QCOMPARE(stage2->argv.at(1), std::string("stage2"));
        QCOMPARE(sh->argv, (std::vector<std::string>{"/bin/sh", "-c", "exit 5"}));
        QCOMPARE(sh->exitValue, 5);
        QCOMPARE(stage2->exitValue, 6);
        QCOMPARE(top->exitValue, 7);
        QCOMPARE(int(top->exitKind), int(ExitKind::Exited));
        QCOMPARE(countSyscall(t.trace, "execve"), std::size_t(3));
    }

    void vforkExec() {
        QTemporaryDir dir;
        auto t = traceFixture(dir, "fx_vfork");
        QCOMPARE(t.run.exitCode, 4);
        QCOMPARE(t.trace.processes.size(), std::size_t(2));
        const auto* child = processByImage(t.trace, "true");
        QVERIFY(child);
        QCOMPARE(child->exitValue, 0);
        QCOMPARE(countSyscall(t.trace, "vfork"), std::size_t(1));
    }

    void daemonOutlivesParent() {
        QTemporaryDir dir;
        auto t = traceFixture(dir, "fx_daemon");
        QCOMPARE(t.run.exitCode, 0); // the program's status is its first process's
        QCOMPARE(t.trace.processes.size(), std::size_t(3));
        const auto& root = t.trace.processes[0];
        const auto getcpu = tidsOf(t.trace, SYS_getcpu);
        QCOMPARE(getcpu.size(), std::size_t(1));
        const auto* daemon = t.trace.findProcess(*getcpu.begin());
        QVERIFY(daemon);
        QCOMPARE(daemon->exitValue, 7);
        QVERIFY(daemon->endNs > root.endNs);
        QVERIFY(countSyscall(t.trace, "setsid") == 1);
    }

    void signalsDeliveredAndIgnored() {
        QTemporaryDir dir;
        auto t = traceFixture(dir, "fx_signals");
        QCOMPARE(t.run.exitCode, 0); // exactly one SIGUSR1 handled, SIGUSR2 stayed ignored
        const Pid pid = t.trace.processes.at(0).pid;
        QVERIFY(hasSignal(t.trace, pid, SIGUSR1));
        QVERIFY(hasSignal(t.trace, pid, SIGUSR2));
        QCOMPARE(countSyscall(t.trace, "rt_sigreturn"), std::size_t(1));
        QCOMPARE(countSyscall(t.trace, "getcpu"), std::size_t(1));
    }

    void groupStopAndContinue() {
        QTemporaryDir dir;
        auto t = traceFixture(dir, "fx_groupstop");
        // 3 means the parent saw its child stopped (WUNTRACED) and the child resumed after SIGCONT.
        QCOMPARE(t.run.exitCode, 3);
        QCOMPARE(t.trace.processes.size(), std::size_t(2));
        const auto& child = t.trace.processes[1];
        QVERIFY(hasSignal(t.trace, child.pid, SIGSTOP));
        QVERIFY(hasSignal(t.trace, child.pid, SIGCONT));
        QCOMPARE(tidsOf(t.trace, SYS_getcpu), std::set<Pid>{child.pid});
    }

    void killedBySignal() {
        QTemporaryDir dir;
        auto t = traceFixture(dir, "fx_killed");
        QCOMPARE(t.run.exitCode, 128 + SIGSEGV);
        const auto& p = t.trace.processes.at(0);
        QCOMPARE(int(p.exitKind), int(ExitKind::Killed));
        QCOMPARE(p.exitValue, SIGSEGV);
        QVERIFY(hasSignal(t.trace, p.pid, SIGSEGV));
    }

    void failedExecve() {
        QTemporaryDir dir;
        auto t = traceFixture(dir, "fx_execfail");
        QCOMPARE(t.run.exitCode, 0);
        std::vector<std::int64_t> rets;
        for (std::size_t i = 0; i < t.trace.eventCount(); ++i)
            if (t.trace.nr(i) == SYS_execve)
                rets.push_back(t.trace.ret(i));
        QCOMPARE(rets, (std::vector<std::int64_t>{0, -ENOENT, -EACCES}));
        QCOMPARE(basename(t.trace.processes.at(0).image), std::string("fx_execfail"));
    }

    void exitGroupFromThread() {
        QTemporaryDir dir;
        auto t = traceFixture(dir, "fx_exitgroup_thread");
        QCOMPARE(t.run.exitCode, 9);
        const auto& p = t.trace.processes.at(0);
        QCOMPARE(p.exitValue, 9);
        std::size_t found = 0;
        for (std::size_t i = 0; i < t.trace.eventCount(); ++i) {
            if (t.trace.nr(i) != SYS_exit_group)
                continue;
            ++found;
            QVERIFY(t.trace.tid(i) != p.pid);
            QVERIFY(t.trace.flags(i) & EventNoReturn);
        }
        QCOMPARE(found, std::size_t(1));
    }

    void rawSyscalls_data() {
        QTest::addColumn<QString>("name");
        QTest::newRow("dynamic") << QStringLiteral("fx_rawsyscall");
        QTest::newRow("static") << QStringLiteral("fx_static_raw");
    }
    void rawSyscalls() {
        QFETCH(QString, name);
        QTemporaryDir dir;
        auto t = traceFixture(dir, name.toLatin1().constData());
        QCOMPARE(t.run.exitCode, 0);
        const auto names = t.trace.uniqueSyscallNames();
        QVERIFY(hasName(names, "getcpu"));
        QVERIFY(hasName(names, "getppid"));
        QVERIFY(hasName(names, "syscall_1000"));
        for (std::size_t i = 0; i < t.trace.eventCount(); ++i)
            if (t.trace.nr(i) == 1000)
                QCOMPARE(t.trace.ret(i), std::int64_t(-ENOSYS));
    }

    void execFromNonLeaderThread() {
        QTemporaryDir dir;
        auto t = traceFixture(dir, "fx_thread_exec");
        QCOMPARE(t.run.exitCode, 4);
        QCOMPARE(t.trace.processes.size(), std::size_t(1));
        const auto& p = t.trace.processes[0];
        QCOMPARE(basename(p.image), std::string("dash"));
        // The successful execve is reported under the leader's tid, as the kernel renames the thread.
        bool sawExec = false;
        for (std::size_t i = 1; i < t.trace.eventCount(); ++i) {
            if (t.trace.nr(i) == SYS_execve && t.trace.ret(i) == 0) {
                sawExec = true;
                QCOMPARE(t.trace.tid(i), p.pid);
            }
        }
        QVERIFY(sawExec);
    }

    void stacksAreRecordedAndDeduplicated() {
        QTemporaryDir dir;
        const QString out = dir.filePath(QStringLiteral("stacks.swbtrace"));
        auto r = runSwb({QStringLiteral("trace"), QStringLiteral("--stacks"), QStringLiteral("-o"), out,
                         QStringLiteral("--"), fixture("stack_fixture"), QStringLiteral("loop"),
                         QStringLiteral("50")});
        QCOMPARE(r.exitCode, 0);
        auto loaded = readTraceFile(out.toStdString());
        const Trace& t = loaded.trace;
        QVERIFY(t.hasStacks());
        std::set<std::uint32_t> getppidStacks;
        std::size_t withStack = 0;
        for (std::size_t i = 0; i < t.eventCount(); ++i) {
            withStack += t.stackId(i) != 0;
            if (t.nr(i) == SYS_getppid)
                getppidStacks.insert(t.stackId(i));
        }
        QVERIFY(withStack > t.eventCount() * 9 / 10);
        QCOMPARE(getppidStacks.size(), std::size_t(1)); // 50 calls from one site share one stack
        QVERIFY(*getppidStacks.begin() != 0);
        std::vector<std::string> frames;
        for (const auto& f : t.stack(*getppidStacks.begin()))
            frames.push_back(f.display());
        QVERIFY(!frames.empty());
        QVERIFY2(frames[0].starts_with("libc.so.6!"), frames[0].c_str());
        auto position = [&](const char* fn) {
            for (std::size_t k = 0; k < frames.size(); ++k)
                if (frames[k].starts_with(std::string("stack_fixture!") + fn + "+0x"))
                    return int(k);
            return -1;
        };
        QVERIFY(position("inner_function") > 0);
        QVERIFY(position("outer_function") > position("inner_function"));
        QVERIFY(position("main") > position("outer_function"));
        QVERIFY(t.stackCount() < t.eventCount() / 2);

        auto why = runSwb({QStringLiteral("why"), QStringLiteral("getppid"), out});
        QCOMPARE(why.exitCode, 0);
        QVERIFY2(why.stdOut.contains(QStringLiteral("50 calls")), qPrintable(why.stdOut));
        QVERIFY2(why.stdOut.contains(QStringLiteral("stack_fixture!inner_function+0x")),
                 qPrintable(why.stdOut));
    }

    void launchErrors_data() {
        QTest::addColumn<QString>("program");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("message");
        QTest::newRow("not found in PATH")
            << QStringLiteral("swb-no-such-program") << 127 << QStringLiteral("command not found");
        QTest::newRow("no such path")
            << QStringLiteral("/nonexistent/prog") << 127 << QStringLiteral("No such file or directory");
        QTest::newRow("not executable")
            << QStringLiteral("@plain-file") << 126 << QStringLiteral("Permission denied");
        QTest::newRow("directory") << QStringLiteral("/usr") << 126 << QStringLiteral("Permission denied");
    }
    void launchErrors() {
        QFETCH(QString, program);
        QFETCH(int, exitCode);
        QFETCH(QString, message);
        QTemporaryDir dir;
        if (program == QStringLiteral("@plain-file")) {
            program = dir.filePath(QStringLiteral("plain.txt"));
            QFile f(program);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("#!/bin/sh\n");
        }
        const QString out = dir.filePath(QStringLiteral("x.swbtrace"));
        auto r = runSwb({QStringLiteral("trace"), QStringLiteral("-o"), out, QStringLiteral("--"), program});
        QCOMPARE(r.exitCode, exitCode);
        QVERIFY2(r.stdErr.contains(program) && r.stdErr.contains(message), qPrintable(r.stdErr));
        QVERIFY(!QFileInfo::exists(out));
        QVERIFY(!QFileInfo::exists(out + QStringLiteral(".partial")));
    }

    void ctrlCStopsTraceesAndWritesTrace_data() {
        QTest::addColumn<int>("signo");
        QTest::newRow("SIGINT") << int(SIGINT);
        QTest::newRow("SIGTERM") << int(SIGTERM);
    }
    void ctrlCStopsTraceesAndWritesTrace() {
        QFETCH(int, signo);
        QTemporaryDir dir;
        const QString out = dir.filePath(QStringLiteral("sleeper.swbtrace"));
        QProcess swb;
        swb.start(swbBinary(), {QStringLiteral("trace"), QStringLiteral("-o"), out, QStringLiteral("--"),
                                fixture("fx_sleeper")});
        QVERIFY(swb.waitForStarted());
        QVERIFY(waitForReady(swb));
        QThread::msleep(200);
        ::kill(static_cast<pid_t>(swb.processId()), signo);
        QVERIFY(swb.waitForFinished(10000));
        QCOMPARE(swb.exitStatus(), QProcess::NormalExit);
        QCOMPARE(swb.exitCode(), 128 + signo);
        auto loaded = readTraceFile(out.toStdString());
        QVERIFY(loaded.warnings.empty());
        QVERIFY(countSyscall(loaded.trace, "clock_nanosleep") + countSyscall(loaded.trace, "nanosleep") > 2);
        const auto& p = loaded.trace.processes.at(0);
        QCOMPARE(int(p.exitKind), int(ExitKind::Killed));
        QVERIFY(!processAlive(p.pid));
    }

    void attachAndDetach() {
        QProcess target;
        target.start(fixture("fx_sleeper"), {});
        QVERIFY(target.waitForStarted());
        QVERIFY(waitForReady(target));
        const qint64 pid = target.processId();
        QTemporaryDir dir;
        const QString out = dir.filePath(QStringLiteral("attach.swbtrace"));
        QProcess swb;
        swb.start(swbBinary(), {QStringLiteral("trace"), QStringLiteral("-p"), QString::number(pid),
                                QStringLiteral("-o"), out});
        QVERIFY(swb.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(procStatusField(pid, "TracerPid").find(std::to_string(swb.processId())) !=
                                     std::string::npos,
                                 10000);
        QThread::msleep(400);
        ::kill(static_cast<pid_t>(swb.processId()), SIGINT);
        QVERIFY(swb.waitForFinished(10000));
        QCOMPARE(swb.exitCode(), 0);
        // Detached cleanly: alive, untraced, still running.
        QVERIFY(processAlive(pid));
        QCOMPARE(procStatusField(pid, "TracerPid").find_first_not_of(" \t0"), std::string::npos);
        QThread::msleep(100);
        QVERIFY(procStatusField(pid, "State").find('t') == std::string::npos);
        auto loaded = readTraceFile(out.toStdString());
        QVERIFY(loaded.warnings.empty());
        const auto& p = loaded.trace.processes.at(0);
        QCOMPARE(p.pid, Pid(pid));
        QCOMPARE(int(p.exitKind), int(ExitKind::Detached));
        QCOMPARE(basename(p.image), std::string("fx_sleeper"));
        std::set<Pid> tids;
        for (std::size_t i = 0; i < loaded.trace.eventCount(); ++i)
            tids.insert(loaded.trace.tid(i));
        QCOMPARE(tids.size(), std::size_t(2));
        QVERIFY(countSyscall(loaded.trace, "getcpu") > 2);
        target.kill();
        QVERIFY(target.waitForFinished(5000));
        QCOMPARE(target.exitStatus(), QProcess::CrashExit);
    }

    void attachToMissingPidFails() {
        QTemporaryDir dir;
        const QString out = dir.filePath(QStringLiteral("x.swbtrace"));
        auto r = runSwb({QStringLiteral("trace"), QStringLiteral("-p"), QStringLiteral("999999999"),
                         QStringLiteral("-o"), out});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.stdErr.contains(QStringLiteral("cannot attach to process 999999999")),
                 qPrintable(r.stdErr));
        QVERIFY(!QFileInfo::exists(out));
    }

    void tracerKilledLeavesLoadablePartial() {
        QTemporaryDir dir;
        const QString out = dir.filePath(QStringLiteral("find.swbtrace"));
        QProcess swb;
        swb.start(swbBinary(), {QStringLiteral("trace"), QStringLiteral("-o"), out, QStringLiteral("--"),
                                QStringLiteral("find"), QStringLiteral("/usr"), QStringLiteral("-name"),
                                QStringLiteral("*.so")});
        QVERIFY(swb.waitForStarted());
        const QString partial = out + QStringLiteral(".partial");
        // Wait until at least two event blocks reached the disk, then kill the tracer hard.
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(partial).size() > 80000, 60000);
        ::kill(static_cast<pid_t>(swb.processId()), SIGKILL);
        QVERIFY(swb.waitForFinished(10000));
        QVERIFY(!QFileInfo::exists(out));
        auto loaded = readTraceFile(partial.toStdString());
        QCOMPARE(loaded.warnings.size(), std::size_t(1));
        QVERIFY(loaded.trace.eventCount() >= TraceFileWriter::kBlockEvents);
        QVERIFY(countSyscall(loaded.trace, "getdents64") > 0);
    }
};

QTEST_GUILESS_MAIN(TestTracer)
#include "tst_tracer.moc"
