#include "trace/strace_import.h"
#include "trace/trace_file.h"
#include "util/atomic_file.h"
#include "util/error.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <fstream>
#include <set>

using namespace swb;

namespace {

std::string dataPath(const char* name) {
    return std::string(SWB_SOURCE_DIR) + "/tests/data/strace/" + name;
}

struct Imported {
    Trace trace;
    StraceImportReport report;
};

Imported import(const std::vector<std::string>& paths) {
    Imported out;
    MemorySink sink(out.trace);
    out.report = importStraceLogs(paths, sink);
    return out;
}

QStringList lines(std::initializer_list<const char*> items) {
    QStringList out;
    for (const char* s : items)
        out << QString::fromUtf8(s);
    return out;
}

// "TIME PID/TID NAME = RET [noreturn] [noargs]" for every event, in trace order.
QStringList events(const Trace& t) {
    QStringList out;
    const auto& table = SyscallTable::forArch(t.arch);
    for (std::size_t i = 0; i < t.eventCount(); ++i) {
        const auto e = t.event(i);
        QString s = QStringLiteral("%1 %2/%3 %4 = %5")
                        .arg(e.timeNs)
                        .arg(e.pid)
                        .arg(e.tid)
                        .arg(QString::fromStdString(table.name(e.nr)))
                        .arg(e.ret);
        if (e.flags & EventNoReturn)
            s += QStringLiteral(" noreturn");
        if (e.flags & EventNoArgs)
            s += QStringLiteral(" noargs");
        out << s;
    }
    return out;
}

QString exitText(const ProcessInfo& p) {
    switch (p.exitKind) {
    case ExitKind::Running:
        return QStringLiteral("running");
    case ExitKind::Exited:
        return QStringLiteral("exited(%1)").arg(p.exitValue);
    case ExitKind::Killed:
        return QStringLiteral("killed(%1)").arg(p.exitValue);
    case ExitKind::Detached:
        return QStringLiteral("detached");
    }
    return {};
}

// "PID parent=P start=S end=E EXIT IMAGE [ARGV,...] threads=T,T" for every process.
QStringList processes(const Trace& t) {
    QStringList out;
    for (const auto& p : t.processes) {
        QStringList argv, threads;
        for (const auto& a : p.argv)
            argv << QString::fromStdString(a);
        for (const auto tid : p.threads)
            threads << QString::number(tid);
        out << QStringLiteral("%1 parent=%2 start=%3 end=%4 %5 %6 [%7] threads=%8")
                   .arg(p.pid)
                   .arg(p.parent)
                   .arg(p.startNs)
                   .arg(p.endNs)
                   .arg(exitText(p), QString::fromStdString(p.image), argv.join(QLatin1Char(',')),
                        threads.join(QLatin1Char(',')));
    }
    return out;
}

QStringList signalList(const Trace& t) {
    QStringList out;
    for (const auto& s : t.signalEvents)
        out << QStringLiteral("%1 %2/%3 %4").arg(s.timeNs).arg(s.pid).arg(s.tid).arg(s.signo);
    return out;
}

std::size_t findEvent(const Trace& t, const char* name, std::size_t nth = 0) {
    const int nr = SyscallTable::forArch(t.arch).number(name).value();
    for (std::size_t i = 0; i < t.eventCount(); ++i)
        if (t.nr(i) == nr && nth-- == 0)
            return i;
    return t.eventCount();
}

using Args = std::array<std::uint64_t, 6>;
constexpr std::uint64_t kMinus1 = ~std::uint64_t(0);
constexpr std::uint64_t kAtFdcwd = static_cast<std::uint64_t>(-100);

std::vector<std::string> command(std::initializer_list<std::string> paths) {
    std::vector<std::string> out{"import-strace"};
    out.insert(out.end(), paths.begin(), paths.end());
    return out;
}

void expectError(const std::vector<std::string>& paths, const std::string& file, const QString& what) {
    try {
        import(paths);
        QFAIL("imported without an error");
    } catch (const Error& e) {
        const std::string msg = e.what();
        QVERIFY2(msg.starts_with(file + ": "), e.what());
        QVERIFY2(QString::fromStdString(msg).contains(what), e.what());
    }
}

// A sink that checks how the importer delivers: begin first, processes before events, events and
// signals in time order, end last.
class CheckingSink : public TraceSink {
public:
    void begin(Arch, const std::vector<std::string>& cmd, std::int64_t) override {
        ++begins;
        command = cmd;
        ordered = ordered && !ended && events == 0;
    }
    void event(const SyscallEvent& e) override {
        ordered = ordered && begins == 1 && !ended && e.timeNs >= last;
        last = e.timeNs;
        ++events;
    }
    void signal(const SignalEvent& s) override {
        ordered = ordered && begins == 1 && !ended && s.timeNs >= last;
        last = s.timeNs;
    }
    void stack(std::uint32_t, const Stack&) override { ordered = false; }
    void process(const ProcessInfo&) override {
        ordered = ordered && begins == 1 && events == 0;
        ++processes;
    }
    void end() override {
        ordered = ordered && !ended;
        ended = true;
    }

    int begins = 0;
    int processes = 0;
    std::size_t events = 0;
    bool ended = false;
    bool ordered = true;
    std::int64_t last = 0;
    std::vector<std::string> command;
};

QString swbBinary() {
    return QStringLiteral(SWB_BIN_DIR "/swb");
}

struct CliRun {
    int exitCode = -1;
    QStringList stderrLines;
};

CliRun runSwb(const QStringList& args) {
    QProcess p;
    p.start(swbBinary(), args);
    CliRun out;
    if (!p.waitForFinished(60'000) || p.exitStatus() != QProcess::NormalExit)
        return out;
    out.exitCode = p.exitCode();
    out.stderrLines =
        QString::fromUtf8(p.readAllStandardError()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    return out;
}

// Syscall names in an strace log, found independently of the importer: the identifier before "("
// at the start of a line (after the pid and timestamp), or the one in "<... NAME resumed>".
std::set<std::string> namesInLog(const QString& path) {
    static const QRegularExpression call(
        QStringLiteral(R"(^(?:\[pid\s+\d+\]\s+|\d+\s+)?(?:[\d:.]+\s+)?([A-Za-z_][A-Za-z0-9_]*)\()"));
    static const QRegularExpression resumed(QStringLiteral(R"(<\.\.\. ([A-Za-z_][A-Za-z0-9_]*) resumed>)"));
    std::set<std::string> names;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return names;
    while (!f.atEnd()) {
        const auto line = QString::fromUtf8(f.readLine());
        if (const auto m = call.match(line); m.hasMatch())
            names.insert(m.captured(1).toStdString());
        if (const auto m = resumed.match(line); m.hasMatch())
            names.insert(m.captured(1).toStdString());
    }
    return names;
}

QString joined(const std::vector<std::string>& items) {
    QStringList out;
    for (const auto& s : items)
        out << QString::fromStdString(s);
    return out.join(QLatin1Char(' '));
}

} // namespace

class TestStraceImport : public QObject {
    Q_OBJECT
private slots:
    void followForksWithoutTimestamps() {
        const auto path = dataPath("f_plain.log");
        const auto in = import({path});
        const auto& t = in.trace;
        QCOMPARE(in.report.lines, std::size_t(31));
        QCOMPARE(in.report.events, std::size_t(21));
        QCOMPARE(in.report.unparsed, std::size_t(0));
        QVERIFY(in.report.problems.empty());
        QCOMPARE(t.command, command({path}));
        QCOMPARE(t.wallClockStartNs, std::int64_t(0));
        // Lines are 1 us apart; a split call keeps the time of its first half.
        QCOMPARE(events(t), lines({
                                "0 100/100 execve = 0",
                                "1000 100/100 brk = 94372353978368",
                                "2000 100/100 access = -2 noargs",
                                "3000 100/100 openat = 3",
                                "4000 100/100 umask = 2",
                                "5000 100/100 clone = 101 noargs",
                                "6000 101/101 execve = 0",
                                "7000 100/100 wait4 = 101",
                                "9000 101/101 write = 4",
                                "10000 101/101 exit_group = 0 noreturn",
                                "14000 100/100 rt_sigreturn = 101 noargs",
                                "15000 100/100 vfork = 102",
                                "16000 102/102 execve = 0",
                                "18000 102/102 nanosleep = 0 noreturn noargs",
                                "19000 100/100 kill = 0",
                                "23000 100/100 wait4 = 102",
                                "24000 100/100 nanosleep = -516",
                                "26000 100/100 rt_sigreturn = -4 noargs",
                                "27000 100/100 restart_syscall = 0 noargs",
                                "28000 100/100 mmap = 139887557627904",
                                "29000 100/100 exit_group = 0 noreturn",
                            }));
        QCOMPARE(t.event(findEvent(t, "openat")).args, (Args{kAtFdcwd, 0, 0, 0, 0, 0}));
        QCOMPARE(t.event(findEvent(t, "umask")).args, (Args{022, 0, 0, 0, 0, 0}));
        // The args of a split call come from both halves, in order.
        QCOMPARE(t.event(findEvent(t, "wait4")).args, (Args{kMinus1, 0, 0, 0, 0, 0}));
        QCOMPARE(t.event(findEvent(t, "write")).args, (Args{1, 0, 4, 0, 0, 0}));
        QCOMPARE(t.event(findEvent(t, "kill")).args, (Args{102, 9, 0, 0, 0, 0}));
        QCOMPARE(t.event(findEvent(t, "nanosleep", 1)).args, (Args{0, 0x7ffd5c1e0b20, 0, 0, 0, 0}));
        QCOMPARE(t.event(findEvent(t, "mmap")).args, (Args{0, 8192, 0, 0, kMinus1, 0}));
        QCOMPARE(t.event(findEvent(t, "exit_group", 1)).args, (Args{3, 0, 0, 0, 0, 0}));
        QCOMPARE(signalList(t), lines({"13000 100/100 17", "22000 100/100 17", "25000 100/100 14"}));
        QCOMPARE(processes(t),
                 lines({
                     "100 parent=0 start=0 end=30000 exited(3) /bin/sh [sh,-c,ls | wc -l] threads=100",
                     "101 parent=100 start=5000 end=11000 exited(0) /bin/ls [ls] threads=101",
                     "102 parent=100 start=15000 end=21000 killed(9) /bin/sleep [sleep,5] threads=102",
                 }));
    }

    void threadsAndMidnightWithMicroseconds() {
        const auto in = import({dataPath("tt_threads.log")});
        const auto& t = in.trace;
        QCOMPARE(in.report.unparsed, std::size_t(0));
        // -tt: 23:59:59.999000 is the start; 00:00:00.000100 is 1.1 ms later, not a day earlier.
        QCOMPARE(events(t), lines({
                                "0 200/200 execve = 0",
                                "100000 200/200 clone3 = 201",
                                "200000 200/201 set_robust_list = 0",
                                "300000 200/200 futex = 0",
                                "1100000 200/201 gettid = 201",
                                "1200000 200/201 exit = 0 noreturn",
                                "1500000 200/200 clone = 202 noargs",
                                "1600000 200/202 read = 0 noreturn",
                                "1700000 200/200 exit_group = 0 noreturn",
                            }));
        QCOMPARE(t.event(findEvent(t, "set_robust_list")).args, (Args{0x7f1eb151a9a0, 24, 0, 0, 0, 0}));
        QCOMPARE(t.event(findEvent(t, "futex")).args, (Args{0x7f1eb151a990, 0, 201, 0, 0, 0}));
        // clone3 and clone with CLONE_THREAD make threads of the caller's process, not processes.
        QCOMPARE(processes(t), lines({"200 parent=0 start=0 end=2000000 exited(1) /usr/bin/python3 "
                                      "[python3,-c,import threading] threads=200,201,202"}));
        QCOMPARE(t.wallClockStartNs, std::int64_t(0));
    }

    void epochTimestampsDurationsAndDecorations() {
        const auto in = import({dataPath("ttt_T_y.log")});
        const auto& t = in.trace;
        QCOMPARE(in.report.unparsed, std::size_t(0));
        QCOMPARE(t.wallClockStartNs, std::int64_t(1'700'000'000'000'000'000));
        QCOMPARE(events(t), lines({
                                "0 300/300 execve = 0",
                                "250000 300/300 openat = 3",
                                "500000 300/300 read = 4",
                                "750000 300/300 write = 4",
                                "1000000 300/300 mmap = 139699652530176",
                                "1250000 300/300 fcntl = 1",
                                "1500000 300/300 ioctl = -25",
                                "1750000 300/300 pidfd_getfd = -38",
                                "2000000 300/300 getxattr = -1234",
                                "2250000 300/300 socket = 4 noargs",
                                "2500000 300/300 close = 0",
                                "2750000 300/300 exit_group = 0 noreturn",
                            }));
        // syscall_0x1b6 keeps its number.
        QCOMPARE(t.nr(7), 0x1b6);
        QCOMPARE(t.event(7).args, (Args{1, 2, 0, 0, 0, 0}));
        QCOMPARE(t.event(1).args, (Args{kAtFdcwd, 0, 0, 0, 0, 0}));
        QCOMPARE(t.event(2).args, (Args{3, 0, 131072, 0, 0, 0}));
        QCOMPARE(t.event(3).args, (Args{1, 0, 4, 0, 0, 0}));
        QCOMPARE(t.event(6).args, (Args{3, 0, 0x7ffe3f0b1e40, 0, 0, 0}));
        QCOMPARE(t.event(10).args, (Args{4, 0, 0, 0, 0, 0}));
        QCOMPARE(t.processes.size(), std::size_t(1));
        QCOMPARE(t.processes[0].argv, (std::vector<std::string>{"cat", "/etc/host\"name\n"}));
        QCOMPARE(t.processes[0].endNs, std::int64_t(3'000'000));
    }

    void secondTimestampsAndCoreDump() {
        const auto in = import({dataPath("t_seconds.log")});
        const auto& t = in.trace;
        QCOMPARE(in.report.unparsed, std::size_t(0));
        QCOMPARE(events(t),
                 lines({"0 400/400 execve = 0", "0 400/400 getpid = 400", "1000000000 400/400 kill = 0"}));
        QCOMPARE(t.event(2).args, (Args{400, 11, 0, 0, 0, 0}));
        QCOMPARE(signalList(t), lines({"1000000000 400/400 11"}));
        QCOMPARE(processes(t),
                 lines({"400 parent=0 start=0 end=2000000000 killed(11) /bin/crash [crash] threads=400"}));
    }

    void terminalOutputWithStrayAttachMessage() {
        // strace -f on a terminal: no prefix while it traces one process, "[pid N]" otherwise, and its
        // "Process N attached" message written into the middle of the clone line.
        const auto in = import({dataPath("terminal.log")});
        const auto& t = in.trace;
        QCOMPARE(in.report.lines, std::size_t(14));
        QCOMPARE(in.report.unparsed, std::size_t(0));
        QCOMPARE(events(t), lines({
                                "0 500/500 execve = 0",
                                "1000 500/500 set_tid_address = 500",
                                "2000 500/500 pipe2 = 0",
                                "3000 500/500 clone = 501 noargs",
                                "5000 501/501 write = 3",
                                "6000 500/500 close = 0",
                                "8000 501/501 exit_group = 0 noreturn",
                                "11000 500/500 wait4 = 501",
                                "12000 500/500 exit_group = 0 noreturn",
                            }));
        QCOMPARE(signalList(t), lines({"10000 500/500 17"}));
        QCOMPARE(processes(t),
                 lines({
                     "500 parent=0 start=0 end=13000 exited(0) /usr/bin/sh [sh,-c,echo hi | cat] threads=500",
                     "501 parent=500 start=3000 end=9000 exited(0)  [] threads=501",
                 }));
    }

    void perProcessFilesMergeByTime() {
        // strace -ff -tt: the pid comes from the file name; the thread that exec'd shows
        // "<pid changed to 600 ...>" in its file, the leader's file has the result.
        const auto a = dataPath("ff/run.602"), b = dataPath("ff/run.600"), c = dataPath("ff/run.601");
        const auto in = import({a, b, c});
        const auto& t = in.trace;
        QCOMPARE(in.report.unparsed, std::size_t(0));
        QCOMPARE(in.report.lines, std::size_t(14));
        QCOMPARE(t.command, command({a, b, c}));
        QCOMPARE(events(t), lines({
                                "0 600/600 execve = 0",
                                "100000 600/600 clone = 601 noargs",
                                "200000 601/601 getppid = 600",
                                "250000 601/601 exit_group = 0 noreturn",
                                "300000 600/600 clone3 = 602",
                                "400000 600/602 set_robust_list = 0",
                                "500000 600/600 futex = 0 noreturn",
                                "600000 600/602 execve = 0",
                                "900000 600/600 wait4 = 601",
                                "1000000 600/600 exit_group = 0 noreturn",
                            }));
        QCOMPARE(t.event(7).args[2], std::uint64_t(0x7ffd2d1e9b08));
        QCOMPARE(processes(t),
                 lines({
                     "600 parent=0 start=0 end=1100000 exited(0) /bin/true [true] threads=600,602",
                     "601 parent=600 start=100000 end=260000 exited(7)  [] threads=601",
                 }));
    }

    void execInANonLeaderThread() {
        // strace -f: the thread's call is unfinished, the leader announces it was superseded and
        // shows the result.
        const auto in = import({dataPath("exec_thread.log")});
        QCOMPARE(in.report.unparsed, std::size_t(0));
        QCOMPARE(events(in.trace), lines({"0 1100/1100 execve = 0", "1000 1100/1100 clone = 1101 noargs",
                                          "2000 1100/1101 execve = 0", "3000 1100/1100 futex = 0 noreturn",
                                          "6000 1100/1100 exit_group = 0 noreturn"}));
        QCOMPARE(in.trace.event(2).args[2], std::uint64_t(0x7ffc9b7e1c18));
        QCOMPARE(processes(in.trace),
                 lines({"1100 parent=0 start=0 end=7000 exited(0) /bin/true [true] threads=1100,1101"}));
    }

    void deliversThroughTheSinkInTimeOrder() {
        const auto a = dataPath("ff/run.602"), b = dataPath("ff/run.600"), c = dataPath("ff/run.601");
        CheckingSink sink;
        const auto report = importStraceLogs({a, b, c}, sink);
        QVERIFY(sink.ordered);
        QVERIFY(sink.ended);
        QCOMPARE(sink.begins, 1);
        QCOMPARE(sink.processes, 2);
        QCOMPARE(sink.events, std::size_t(10));
        QCOMPARE(report.events, std::size_t(10));
        QCOMPARE(sink.command, command({a, b, c}));
    }

    void unparsableLinesAreReportedWithTheirLineNumbers() {
        const auto path = dataPath("problems.log");
        const auto in = import({path});
        const auto& t = in.trace;
        QCOMPARE(in.report.lines, std::size_t(14)); // the blank line 9 is not counted
        QCOMPARE(in.report.unparsed, std::size_t(9));
        std::vector<std::string> expected{
            path + ":3: cannot parse: this line is not strace output",
            path + ":4: unknown syscall name 'frobnicate': 700   frobnicate(1, 2)                  = 0",
            path + ":5: unknown syscall name '?\?\?': 700   ?\?\?()                             = ? "
                   "<unavailable>",
            path + ":6: cannot find the end of the arguments: 700   read(0, \"abc) = 3\", 3",
            path + ":7: unknown signal 'SIGFOO': 700   --- SIGFOO {si_signo=SIGFOO} ---",
            path + ":8: unknown error name 'EWHATEVER': 700   getpid()                          = -1 "
                   "EWHATEVER (Unknown)",
            path + ":10: cannot parse: " + std::string(120, 'x') + "...",
            path + ":12: strace message: strace: Exit of unknown pid 12345 ignored",
            path + ":13: the process switched to another syscall ABI; its syscalls cannot be named for this "
                   "architecture: 700   [ Process PID=700 runs in 32 bit mode. ]",
        };
        QCOMPARE(in.report.problems, expected);
        // syscall_335 is not a known x86-64 syscall: kept as number 335.
        QCOMPARE(events(t), lines({"0 700/700 execve = 0", "1000 700/700 syscall_335 = -38",
                                   "10000 700/700 getpid = 700"}));
        QCOMPARE(t.nr(1), 335);
        QCOMPARE(processes(t), lines({"700 parent=0 start=0 end=14000 exited(0) /bin/x [x] threads=700"}));
    }

    void logsWithoutPids() {
        // strace without -f: no pid anywhere; set_tid_address tells it.
        auto in = import({dataPath("noprefix.log")});
        QCOMPARE(in.report.unparsed, std::size_t(0));
        QCOMPARE(events(in.trace),
                 lines({"0 812/812 execve = 0", "1000 812/812 brk = 94015304286208",
                        "2000 812/812 set_tid_address = 812", "3000 812/812 exit_group = 0 noreturn"}));
        // Nothing tells the pid: an unused one. Whole-second epoch timestamps set the wall clock.
        in = import({dataPath("unix_seconds.log")});
        QCOMPARE(in.report.unparsed, std::size_t(0));
        QCOMPARE(in.trace.wallClockStartNs, std::int64_t(1'700'000'000'000'000'000));
        QCOMPARE(events(in.trace), lines({"0 1/1 execve = 0", "1000000000 1/1 exit = 0 noreturn"}));
        QCOMPARE(processes(in.trace),
                 lines({"1 parent=0 start=0 end=1000000000 exited(0) /bin/static [static] threads=1"}));
    }

    void relativeTimestampsAndExtraColumns() {
        auto in = import({dataPath("relative.log")}); // -r: deltas to the previous line
        QCOMPARE(in.report.unparsed, std::size_t(0));
        QCOMPARE(events(in.trace), lines({"0 900/900 execve = 0", "250000 900/900 brk = 94015304286208",
                                          "1250000 900/900 exit_group = 0 noreturn"}));
        QCOMPARE(in.trace.processes[0].endNs, std::int64_t(1'260'000));
        // -Y (pid<comm>), -n ([ NR]), -i ([ip]) and -k stack frames.
        in = import({dataPath("decorated.log")});
        QCOMPARE(in.report.unparsed, std::size_t(0));
        QCOMPARE(events(in.trace),
                 lines({"0 950/950 execve = 0", "10000 950/950 fork = 951", "20000 951/951 getpid = 951",
                        "30000 951/951 exit_group = 0 noreturn", "50000 950/950 exit_group = 0 noreturn"}));
        QCOMPARE(processes(in.trace),
                 lines({
                     "950 parent=0 start=0 end=60000 exited(0) /usr/bin/sh [sh] threads=950",
                     "951 parent=950 start=10000 end=40000 exited(0)  [] threads=951",
                 }));
    }

    void detachedAttachSession() {
        // strace -p 1000 -p 1001, interrupted: the first call was in progress when strace attached,
        // the last ones when it detached.
        const auto in = import({dataPath("detached.log")});
        QCOMPARE(in.report.unparsed, std::size_t(0));
        QCOMPARE(events(in.trace),
                 lines({"0 1000/1000 read = 2 noargs", "1000 1000/1000 write = 2",
                        "2000 1001/1001 futex = 0 noreturn", "3000 1000/1000 read = 0 noreturn"}));
        QCOMPARE(in.trace.event(2).args, (Args{0x7f0000001000, 0, 2, 0, 0, 0}));
        QCOMPARE(processes(in.trace), lines({
                                          "1000 parent=0 start=0 end=3000 detached  [] threads=1000",
                                          "1001 parent=0 start=2000 end=3000 detached  [] threads=1001",
                                      }));
    }

    void filesThatCannotBeImported() {
        expectError({dataPath("f_plain.log"), "/nonexistent/strace.log"}, "/nonexistent/strace.log",
                    QStringLiteral("cannot open: No such file or directory"));
        expectError({dataPath("ff")}, dataPath("ff"), QStringLiteral("cannot open: Is a directory"));
        expectError({dataPath("empty.log")}, dataPath("empty.log"), QStringLiteral("empty file"));
        expectError({dataPath("not_strace.txt")}, dataPath("not_strace.txt"),
                    QStringLiteral("not an strace log: none of its 2 lines could be parsed"));
        // Logs whose clocks cannot be merged.
        expectError({dataPath("ttt_T_y.log"), dataPath("f_plain.log")}, dataPath("f_plain.log"),
                    QStringLiteral("no timestamps, but %1 has -ttt timestamps")
                        .arg(QString::fromStdString(dataPath("ttt_T_y.log"))));
        Trace trace;
        MemorySink sink(trace);
        try {
            importStraceLogs({}, sink);
            QFAIL("imported no files");
        } catch (const Error&) {
        }
    }

    void cliWritesTheTraceAndReportsProblems() {
        QTemporaryDir dir;
        const auto out = dir.filePath(QStringLiteral("p.swbtrace"));
        const auto log = QString::fromStdString(dataPath("problems.log"));
        const auto run = runSwb({QStringLiteral("import-strace"), log, QStringLiteral("-o"), out});
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(run.stderrLines.size(), qsizetype(10));
        QCOMPARE(run.stderrLines[0],
                 QStringLiteral("imported 3 events from 14 lines of 1 files; 9 lines could not be parsed"));
        QCOMPARE(run.stderrLines[1],
                 log + QStringLiteral(":3: cannot parse: this line is not strace output"));
        const auto loaded = readTraceFile(out.toStdString());
        QVERIFY(loaded.warnings.empty());
        QCOMPARE(events(loaded.trace), lines({"0 700/700 execve = 0", "1000 700/700 syscall_335 = -38",
                                              "10000 700/700 getpid = 700"}));
        QCOMPARE(loaded.trace.command, command({log.toStdString()}));
        QCOMPARE(loaded.trace.processes.size(), std::size_t(1));
    }

    void cliShowsTheFirstTwentyProblems() {
        QTemporaryDir dir;
        const auto log = dir.filePath(QStringLiteral("noisy.log"));
        {
            std::ofstream f(log.toStdString());
            f << "1 getpid() = 1\n";
            for (int i = 0; i < 25; ++i)
                f << "garbage " << i << "\n";
        }
        const auto run = runSwb({QStringLiteral("import-strace"), log, QStringLiteral("-o"),
                                 dir.filePath(QStringLiteral("n.swbtrace"))});
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(run.stderrLines.size(), qsizetype(22));
        QCOMPARE(run.stderrLines[0],
                 QStringLiteral("imported 1 events from 26 lines of 1 files; 25 lines could not be parsed"));
        QCOMPARE(run.stderrLines[20], log + QStringLiteral(":21: cannot parse: garbage 19"));
        QCOMPARE(run.stderrLines[21], QStringLiteral("... and 5 more"));
    }

    void cliErrorLeavesTheOutputAlone() {
        QTemporaryDir dir;
        const auto out = dir.filePath(QStringLiteral("keep.swbtrace"));
        writeFileAtomically(out.toStdString(), "precious");
        const auto run =
            runSwb({QStringLiteral("import-strace"), QString::fromStdString(dataPath("f_plain.log")),
                    QString::fromStdString(dataPath("not_strace.txt")), QStringLiteral("-o"), out});
        QCOMPARE(run.exitCode, 1);
        QCOMPARE(run.stderrLines.size(), qsizetype(1));
        QVERIFY2(run.stderrLines[0].startsWith(QStringLiteral("swb: ")) &&
                     run.stderrLines[0].contains(QStringLiteral("not an strace log")),
                 qPrintable(run.stderrLines[0]));
        QCOMPARE(readWholeFile(out.toStdString()), std::string("precious"));
        QVERIFY(!QFileInfo::exists(out + QStringLiteral(".partial")));
    }

    void realStrace_data() {
        QTest::addColumn<QStringList>("options");
        QTest::addColumn<bool>("terminal");   // trace on stderr, as on a terminal, instead of -o LOG
        QTest::addColumn<bool>("perProcess"); // -ff: one LOG.PID file per process
        QTest::addColumn<bool>("threads");    // the multi-threaded workload instead of the shell pipeline
        const auto f = QStringLiteral("-f");
        QTest::newRow("-f") << QStringList{f} << false << false << false;
        QTest::newRow("-f -ttt -T -y")
            << QStringList{f, QStringLiteral("-ttt"), QStringLiteral("-T"), QStringLiteral("-y")} << false
            << false << false;
        QTest::newRow("-f -tt") << QStringList{f, QStringLiteral("-tt")} << false << false << false;
        QTest::newRow("-ff") << QStringList{QStringLiteral("-ff")} << false << true << false;
        QTest::newRow("-f on a terminal") << QStringList{f} << true << false << false;
        QTest::newRow("threads -f") << QStringList{f} << false << false << true;
        QTest::newRow("threads -f -ttt -T")
            << QStringList{f, QStringLiteral("-ttt"), QStringLiteral("-T")} << false << false << true;
        QTest::newRow("threads -ff -tt")
            << QStringList{QStringLiteral("-ff"), QStringLiteral("-tt")} << false << true << true;
        QTest::newRow("threads -f on a terminal") << QStringList{f} << true << false << true;
    }
    void realStrace() {
        QFETCH(QStringList, options);
        QFETCH(bool, terminal);
        QFETCH(bool, perProcess);
        QFETCH(bool, threads);
        const auto strace = QStandardPaths::findExecutable(QStringLiteral("strace"));
        QVERIFY2(!strace.isEmpty(), "strace is not installed (scripts/deps.sh installs it)");
        QString python =
            QStandardPaths::findExecutable(QStringLiteral("python3"), {QStringLiteral("/usr/bin")});
        if (python.isEmpty())
            python = QStandardPaths::findExecutable(QStringLiteral("python3"));
        QVERIFY2(!python.isEmpty(), "python3 is not installed");

        QTemporaryDir dir;
        const auto log = dir.filePath(QStringLiteral("trace.log"));
        QStringList args = options;
        if (!terminal)
            args << QStringLiteral("-o") << log;
        int expectedExit = 0;
        if (threads) {
            args << python << QStringLiteral("-c")
                 << QStringLiteral("import threading\n"
                                   "ts = [threading.Thread(target=lambda: open('/proc/self/stat').read()) "
                                   "for _ in range(3)]\n"
                                   "[t.start() for t in ts]\n"
                                   "[t.join() for t in ts]\n"
                                   "raise SystemExit(5)\n");
            expectedExit = 5;
        } else {
            args << QStringLiteral("/bin/sh") << QStringLiteral("-c")
                 << QStringLiteral("ls / | wc -l; exit 3");
            expectedExit = 3;
        }
        QProcess p;
        p.setStandardOutputFile(QProcess::nullDevice());
        if (terminal)
            p.setStandardErrorFile(log);
        p.start(strace, args);
        QVERIFY2(p.waitForFinished(120'000), "strace did not finish");
        // strace exits with the traced command's status.
        if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != expectedExit) {
            QFile err(log);
            const auto why =
                terminal && err.open(QIODevice::ReadOnly) ? err.readAll() : p.readAllStandardError();
            QFAIL(qPrintable(
                QStringLiteral("strace exited with %1: %2").arg(p.exitCode()).arg(QString::fromUtf8(why))));
        }

        std::vector<std::string> logs;
        std::set<std::string> expectedNames;
        const auto files = perProcess
                               ? QDir(dir.path()).entryInfoList({QStringLiteral("trace.log.*")}, QDir::Files)
                               : QFileInfoList{QFileInfo(log)};
        for (const auto& fi : files) {
            logs.push_back(fi.filePath().toStdString());
            expectedNames.merge(namesInLog(fi.filePath()));
        }
        QVERIFY(perProcess ? logs.size() >= (threads ? 4u : 3u) : logs.size() == 1);

        const auto in = import(logs);
        const auto& t = in.trace;
        QVERIFY2(in.report.unparsed == 0,
                 in.report.problems.empty() ? "" : in.report.problems.front().c_str());
        QVERIFY(in.report.events > 100);
        const auto names = t.uniqueSyscallNames();
        const std::set<std::string> imported(names.begin(), names.end());
        QVERIFY2(imported == expectedNames,
                 qPrintable(QStringLiteral("imported: %1\nin the log: %2")
                                .arg(joined(names), joined({expectedNames.begin(), expectedNames.end()}))));

        std::vector<const ProcessInfo*> roots;
        for (const auto& proc : t.processes)
            if (proc.parent == 0)
                roots.push_back(&proc);
        QCOMPARE(roots.size(), std::size_t(1));
        const auto& root = *roots.front();
        QCOMPARE(int(root.exitKind), int(ExitKind::Exited));
        QCOMPARE(root.exitValue, expectedExit);
        QVERIFY(!root.argv.empty());
        if (threads) {
            QCOMPARE(root.image, python.toStdString());
            QCOMPARE(t.processes.size(), std::size_t(1));
            QVERIFY2(root.threads.size() >= 4, qPrintable(QString::number(root.threads.size())));
            QCOMPARE(root.threads.front(), root.pid);
            std::set<Pid> tids;
            for (std::size_t i = 0; i < t.eventCount(); ++i) {
                QCOMPARE(t.pid(i), root.pid);
                tids.insert(t.tid(i));
            }
            QCOMPARE(tids, std::set<Pid>(root.threads.begin(), root.threads.end()));
        } else {
            QCOMPARE(root.image, std::string("/bin/sh"));
            QCOMPARE(root.argv, (std::vector<std::string>{"/bin/sh", "-c", "ls / | wc -l; exit 3"}));
            QCOMPARE(t.processes.size(), std::size_t(3));
            std::set<std::string> childImages;
            for (const auto& proc : t.processes) {
                if (&proc == &root)
                    continue;
                QCOMPARE(proc.parent, root.pid);
                QCOMPARE(int(proc.exitKind), int(ExitKind::Exited));
                QCOMPARE(proc.exitValue, 0);
                childImages.insert(proc.image.substr(proc.image.rfind('/') + 1));
            }
            QCOMPARE(childImages, (std::set<std::string>{"ls", "wc"}));
        }
        for (std::size_t i = 1; i < t.eventCount(); ++i)
            QVERIFY(t.timeNs(i - 1) <= t.timeNs(i));
    }
};

QTEST_GUILESS_MAIN(TestStraceImport)
#include "tst_strace_import.moc"
