#include "trace/stack_unwinder.h"

#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTest>

#include <signal.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

using namespace swb;

namespace {

const char* const kFixture = SWB_FIXTURE_DIR "/stack_fixture";

void* ptraceData(long value) {
    return reinterpret_cast<void*>(static_cast<std::intptr_t>(value));
}

// The stack fixture run under ptrace by this thread, stopped at the syscalls a test asks for, the way
// the tracer runs a program: every thread traced, and the unwinder told when the mappings change.
// Several may exist at once, but only one may be running: it waits for any child.
class Tracee {
public:
    explicit Tracee(StackUnwinder* unwinder = nullptr)
        : unwinder_(unwinder) {}
    ~Tracee() { kill(); }
    Tracee(const Tracee&) = delete;
    Tracee& operator=(const Tracee&) = delete;

    // Starts the fixture with these arguments, stopped after its execve. False when that failed.
    bool start(const std::vector<std::string>& args) {
        std::vector<std::string> argv{kFixture};
        argv.insert(argv.end(), args.begin(), args.end());
        std::vector<char*> cargv;
        for (auto& a : argv)
            cargv.push_back(a.data());
        cargv.push_back(nullptr);
        pid_ = ::fork();
        if (pid_ < 0)
            return false;
        if (pid_ == 0) {
            ::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
            ::execv(kFixture, cargv.data());
            ::_exit(127);
        }
        int status = 0;
        if (::waitpid(pid_, &status, 0) != pid_ || !WIFSTOPPED(status) || WSTOPSIG(status) != SIGTRAP)
            return false;
        const long options =
            PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
        if (::ptrace(PTRACE_SETOPTIONS, pid_, nullptr, ptraceData(options)) != 0)
            return false;
        stopped_ = pid_;
        return true;
    }

    Pid pid() const { return pid_; }

    // Resumes the tracee until some thread enters syscall `nr`; that thread stays stopped and its tid
    // is returned. Nothing when the process ended first.
    std::optional<Pid> runToSyscallEntry(long nr) {
        while (pid_ > 0) {
            if (stopped_ > 0 &&
                ::ptrace(PTRACE_SYSCALL, stopped_, nullptr, ptraceData(pendingSignal_)) != 0 &&
                errno != ESRCH)
                return std::nullopt;
            stopped_ = 0;
            pendingSignal_ = 0;
            int status = 0;
            const pid_t tid = ::waitpid(-1, &status, __WALL);
            if (tid < 0)
                return std::nullopt;
            if (WIFEXITED(status) || WIFSIGNALED(status)) {
                threads_.erase(tid);
                if (tid == pid_) {
                    // A traced group's leader is reported last, when every other thread is reaped.
                    pid_ = 0;
                    return std::nullopt;
                }
                continue;
            }
            if (!WIFSTOPPED(status))
                continue;
            stopped_ = tid;
            threads_.insert(tid);
            const int sig = WSTOPSIG(status);
            const int event = status >> 16;
            if (sig == (SIGTRAP | 0x80)) {
                __ptrace_syscall_info info{};
                if (::ptrace(PTRACE_GET_SYSCALL_INFO, tid, ptraceData(sizeof info), &info) <= 0)
                    continue;
                if (info.op == PTRACE_SYSCALL_INFO_ENTRY) {
                    const auto entered = static_cast<long>(info.entry.nr);
                    inSyscall_[tid] = entered;
                    if (entered == nr)
                        return tid;
                } else if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
                    const long exited = inSyscall_[tid];
                    if (unwinder_ && (exited == SYS_mmap || exited == SYS_munmap || exited == SYS_mprotect ||
                                      exited == SYS_execve))
                        unwinder_->invalidate(pid_);
                }
            } else if (event == PTRACE_EVENT_EXEC) {
                if (unwinder_)
                    unwinder_->invalidate(pid_);
            } else if (event == PTRACE_EVENT_CLONE) {
                // The new thread reports its own first stop; remember it in case it never gets to.
                unsigned long child = 0;
                if (::ptrace(PTRACE_GETEVENTMSG, tid, nullptr, &child) == 0)
                    threads_.insert(static_cast<Pid>(child));
            } else if (sig != SIGSTOP && sig != SIGTRAP) {
                pendingSignal_ = sig; // the fixture gets no SIGSTOP but a new thread's first stop
            }
        }
        return std::nullopt;
    }

    // Kills the process and reaps every thread of it.
    void kill() {
        if (pid_ <= 0)
            return;
        ::kill(pid_, SIGKILL);
        reapAll();
    }

private:
    // Waits for every thread of the killed process by tid, so other tracees stay as they are.
    void reapAll() {
        threads_.erase(pid_);
        for (const Pid tid : threads_)
            reap(tid);
        reap(pid_);
        threads_.clear();
        pid_ = 0;
        stopped_ = 0;
    }

    static void reap(Pid tid) {
        for (;;) {
            int status = 0;
            const pid_t r = ::waitpid(tid, &status, __WALL);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0 || WIFEXITED(status) || WIFSIGNALED(status))
                return;
        }
    }

    StackUnwinder* unwinder_;
    Pid pid_ = 0;
    Pid stopped_ = 0;
    int pendingSignal_ = 0;
    std::map<Pid, long> inSyscall_;
    std::set<Pid> threads_; // every thread seen, the leader included
};

long syscallNumber(const QString& name) {
    if (name == QLatin1String("getppid"))
        return SYS_getppid;
    if (name == QLatin1String("openat"))
        return SYS_openat;
    if (name == QLatin1String("exit_group"))
        return SYS_exit_group;
    return -1;
}

std::vector<std::string> toStd(const QStringList& list) {
    std::vector<std::string> out;
    for (const auto& s : list)
        out.push_back(s.toStdString());
    return out;
}

QString describe(const Stack& stack) {
    QStringList lines;
    for (const auto& f : stack)
        lines << QStringLiteral("  %1 (ip 0x%2)").arg(QString::fromStdString(f.display())).arg(f.ip, 0, 16);
    return lines.join(QLatin1Char('\n'));
}

// "module!function" matches a frame in that module with that function; "module!" any frame in the
// module; "module*!" a module whose name starts so (libz.so.1 is mapped as libz.so.1.2.13).
bool frameMatches(const StackFrame& frame, const std::string& expected) {
    const auto bang = expected.find('!');
    auto module = expected.substr(0, bang);
    const auto function = expected.substr(bang + 1);
    const bool prefix = module.ends_with('*');
    if (prefix)
        module.pop_back();
    const bool moduleMatches = prefix ? frame.module.starts_with(module) : frame.module == module;
    return moduleMatches && (function.empty() || frame.function == function);
}

// True when every expected frame appears in the stack, in this order (others may come between).
bool containsInOrder(const Stack& stack, const std::vector<std::string>& chain) {
    std::size_t at = 0;
    for (const auto& expected : chain) {
        while (at < stack.size() && !frameMatches(stack[at], expected))
            ++at;
        if (at == stack.size())
            return false;
        ++at;
    }
    return true;
}

// The fixture's functions and their addresses in the file, demangled, as nm lists them.
std::map<std::string, std::uint64_t> fixtureSymbols() {
    std::map<std::string, std::uint64_t> symbols;
    QProcess nm;
    nm.start(QStringLiteral("nm"),
             {QStringLiteral("-C"), QStringLiteral("--defined-only"), QString::fromLatin1(kFixture)});
    if (!nm.waitForFinished(30'000))
        return symbols;
    const auto lines = QString::fromLocal8Bit(nm.readAllStandardOutput()).split(QLatin1Char('\n'));
    for (const auto& line : lines) {
        const auto fields = line.split(QLatin1Char(' '));
        if (fields.size() >= 3 && fields[1].compare(QLatin1String("t"), Qt::CaseInsensitive) == 0)
            symbols[fields.mid(2).join(QLatin1Char(' ')).toStdString()] = fields[0].toULongLong(nullptr, 16);
    }
    return symbols;
}

// Where a module's file is mapped from its first byte in the process: the load bias of a shared
// object or a position-independent executable. 0 when it is not mapped.
std::uint64_t loadBase(Pid pid, const std::string& module) {
    QFile maps(QStringLiteral("/proc/%1/maps").arg(pid));
    if (!maps.open(QIODevice::ReadOnly))
        return 0;
    for (const auto& line : QString::fromLocal8Bit(maps.readAll()).split(QLatin1Char('\n'))) {
        const auto fields = line.simplified().split(QLatin1Char(' '));
        if (fields.size() < 6 || fields[2].toULongLong(nullptr, 16) != 0 ||
            !fields[5].endsWith(QLatin1Char('/') + QString::fromStdString(module)))
            continue;
        return fields[0].section(QLatin1Char('-'), 0, 0).toULongLong(nullptr, 16);
    }
    return 0;
}

bool hasFunction(const Stack& stack, const std::string& function) {
    for (const auto& f : stack)
        if (f.function == function)
            return true;
    return false;
}

} // namespace

class TestStackUnwinder : public QObject {
    Q_OBJECT
private slots:
    void knownStacks_data() {
        QTest::addColumn<QStringList>("args");
        // The syscall entries to stop at, in order; the stack is unwound at each (filling the caches)
        // and checked at the last.
        QTest::addColumn<QStringList>("stops");
        QTest::addColumn<QStringList>("chain"); // expected frames, innermost first, in order
        QTest::addColumn<bool>("otherThread");  // the last stop is in a thread other than main's
        // libc is mapped elsewhere at the last stop than at the first (a new image in another layout)
        QTest::addColumn<bool>("libcMoves");

        QTest::newRow("main thread") << QStringList{} << QStringList{QStringLiteral("getppid")}
                                     << QStringList{QStringLiteral("libc.so.6!getppid"),
                                                    QStringLiteral("stack_fixture!inner_function"),
                                                    QStringLiteral("stack_fixture!outer_function"),
                                                    QStringLiteral("stack_fixture!main")}
                                     << false << false;
        QTest::newRow("second thread")
            << QStringList{QStringLiteral("thread")} << QStringList{QStringLiteral("getppid")}
            << QStringList{QStringLiteral("libc.so.6!getppid"),
                           QStringLiteral("stack_fixture!inner_function"),
                           QStringLiteral("stack_fixture!swb::fixture::threadFunction(int)"),
                           QStringLiteral("stack_fixture!thread_main"), QStringLiteral("libc.so.6!")}
            << true << false;
        QTest::newRow("after exec") << QStringList{QStringLiteral("exec")}
                                    << QStringList{QStringLiteral("getppid"), QStringLiteral("getppid")}
                                    << QStringList{QStringLiteral("libc.so.6!getppid"),
                                                   QStringLiteral("stack_fixture!inner_function"),
                                                   QStringLiteral("stack_fixture!outer_function"),
                                                   QStringLiteral("stack_fixture!after_exec_function"),
                                                   QStringLiteral("stack_fixture!main")}
                                    << false << true;
        QTest::newRow("library mapped later")
            << QStringList{QStringLiteral("dlopen")}
            << QStringList{QStringLiteral("getppid"), QStringLiteral("getppid"), QStringLiteral("openat")}
            << QStringList{QStringLiteral("libc.so.6!"), QStringLiteral("libz.so.1*!"),
                           QStringLiteral("stack_fixture!open_through_library"),
                           QStringLiteral("stack_fixture!main")}
            << false << false;
        // Found only by looking up the call instruction (pc - 1) rather than the return address.
        QTest::newRow("noreturn calls")
            << QStringList{QStringLiteral("exit")} << QStringList{QStringLiteral("exit_group")}
            << QStringList{QStringLiteral("libc.so.6!_exit"), QStringLiteral("stack_fixture!leave_now"),
                           QStringLiteral("stack_fixture!exit_through_noreturn"),
                           QStringLiteral("stack_fixture!main")}
            << false << false;
    }
    void knownStacks() {
        QFETCH(QStringList, args);
        QFETCH(QStringList, stops);
        QFETCH(QStringList, chain);
        QFETCH(bool, otherThread);
        QFETCH(bool, libcMoves);

        StackUnwinder unwinder;
        Tracee tracee(&unwinder);
        QVERIFY(tracee.start(toStd(args)));
        Stack first, stack;
        Pid tid = 0;
        for (const auto& name : stops) {
            const auto stopped = tracee.runToSyscallEntry(syscallNumber(name));
            QVERIFY2(stopped, qPrintable(QStringLiteral("the fixture ended before %1").arg(name)));
            tid = *stopped;
            stack = unwinder.unwind(tracee.pid(), tid);
            QVERIFY2(!stack.empty(), qPrintable(name));
            if (first.empty())
                first = stack;
        }
        const auto trace = describe(stack);
        QCOMPARE(tid != tracee.pid(), otherThread);
        QVERIFY2(containsInOrder(stack, toStd(chain)), qPrintable(trace));
        // The innermost frame is the libc wrapper that made the syscall, at the real pc.
        QCOMPARE(stack.front().module, std::string("libc.so.6"));
        if (otherThread)
            QVERIFY2(!hasFunction(stack, "main"), qPrintable(trace));
        if (libcMoves)
            QVERIFY2(first.front().ip != stack.front().ip,
                     "the second image's libc must be mapped elsewhere, or this row proves nothing");

        // Callers are shown at their return address, as an offset into the calling function from its
        // symbol (from the load base when there is none); a symbol's default version
        // (__libc_start_main@@GLIBC_2.34) is its plain name.
        const auto symbols = fixtureSymbols();
        QVERIFY(symbols.contains("inner_function"));
        const auto fixtureBase = loadBase(tracee.pid(), "stack_fixture");
        QVERIFY(fixtureBase != 0);
        for (const auto& frame : stack) {
            if (frame.function.empty()) {
                QVERIFY2(!frame.module.empty(), qPrintable(trace));
                QCOMPARE(frame.ip - frame.offset, loadBase(tracee.pid(), frame.module));
            }
            QVERIFY2(frame.function.find("@@") == std::string::npos, qPrintable(trace));
            if (frame.module != "stack_fixture" || frame.function.empty())
                continue;
            const auto display = QString::fromStdString(frame.display());
            const QRegularExpression shape(
                QStringLiteral("^stack_fixture!%1\\+0x[0-9a-f]+$")
                    .arg(QRegularExpression::escape(QString::fromStdString(frame.function))));
            QVERIFY2(shape.match(display).hasMatch(), qPrintable(display));
            QVERIFY2(symbols.contains(frame.function), qPrintable(display));
            QCOMPARE(frame.ip - frame.offset, fixtureBase + symbols.at(frame.function));
        }
    }

    void maxFramesLimitsDepth() {
        StackUnwinder unwinder;
        Tracee tracee(&unwinder);
        QVERIFY(tracee.start({}));
        const auto tid = tracee.runToSyscallEntry(SYS_getppid);
        QVERIFY(tid);
        const auto full = unwinder.unwind(tracee.pid(), *tid);
        QVERIFY2(full.size() >= 4, qPrintable(describe(full)));
        const auto two = unwinder.unwind(tracee.pid(), *tid, 2);
        QCOMPARE(two.size(), std::size_t(2));
        QVERIFY(two[0] == full[0]);
        QVERIFY(two[1] == full[1]);
        QVERIFY(unwinder.unwind(tracee.pid(), *tid, 0).empty());
    }

    void unreadableThreadGivesEmptyStack() {
        StackUnwinder unwinder;
        Pid pid = 0;
        {
            Tracee tracee(&unwinder);
            QVERIFY(tracee.start({}));
            const auto tid = tracee.runToSyscallEntry(SYS_getppid);
            QVERIFY(tid);
            pid = tracee.pid();
            QVERIFY(!unwinder.unwind(pid, pid).empty());
            QCOMPARE(unwinder.processCount(), std::size_t(1));
        } // killed and reaped
        QVERIFY(unwinder.unwind(pid, pid).empty());
        unwinder.forget(pid);
        QCOMPARE(unwinder.processCount(), std::size_t(0));

        // A process this thread does not trace: libdw can read its maps but not its registers.
        QVERIFY(unwinder.unwind(::getpid(), ::getpid()).empty());
    }

    void boundedProcessStates() {
        StackUnwinder unwinder(1);
        Tracee a(&unwinder), b(&unwinder);
        QVERIFY(a.start({}));
        const auto tidA = a.runToSyscallEntry(SYS_getppid);
        QVERIFY(b.start({QStringLiteral("thread").toStdString()}));
        const auto tidB = b.runToSyscallEntry(SYS_getppid);
        QVERIFY(tidA && tidB);
        for (int round = 0; round < 3; ++round) {
            const auto stackA = unwinder.unwind(a.pid(), *tidA);
            QVERIFY2(hasFunction(stackA, "outer_function"), qPrintable(describe(stackA)));
            const auto stackB = unwinder.unwind(b.pid(), *tidB);
            QVERIFY2(hasFunction(stackB, "thread_main"), qPrintable(describe(stackB)));
            QCOMPARE(unwinder.processCount(), std::size_t(1));
        }
    }

    // Not a check of speed: prints what a stack costs the tracer, and checks that a stack seen ten
    // thousand times comes out the same every time.
    void repeatedStackCost() {
        constexpr int kStops = 10'000;
        constexpr int kInvalidated = 1'000;
        StackUnwinder unwinder;
        Tracee tracee(&unwinder);
        QVERIFY(
            tracee.start({QStringLiteral("loop").toStdString(), std::to_string(kStops + kInvalidated + 1)}));
        using Clock = std::chrono::steady_clock;
        auto tid = tracee.runToSyscallEntry(SYS_getppid);
        QVERIFY(tid);
        auto t0 = Clock::now();
        const auto reference = unwinder.unwind(tracee.pid(), *tid);
        const auto cold = Clock::now() - t0;
        QVERIFY(containsInOrder(reference, {"stack_fixture!inner_function", "stack_fixture!outer_function",
                                            "stack_fixture!main"}));

        Clock::duration warm{}, invalidated{};
        for (int i = 0; i < kStops + kInvalidated; ++i) {
            tid = tracee.runToSyscallEntry(SYS_getppid);
            QVERIFY(tid);
            const bool invalidate = i >= kStops;
            if (invalidate)
                unwinder.invalidate(tracee.pid());
            t0 = Clock::now();
            const auto stack = unwinder.unwind(tracee.pid(), *tid);
            (invalidate ? invalidated : warm) += Clock::now() - t0;
            if (!(stack == reference))
                QFAIL(qPrintable(QStringLiteral("stop %1 differs:\n%2").arg(i).arg(describe(stack))));
        }
        const auto us = [](Clock::duration d, int n) {
            return std::chrono::duration<double, std::micro>(d).count() / n;
        };
        qInfo("unwind of a %zu-frame stack: first %.0f us, repeated %.2f us, after invalidate() %.2f us",
              reference.size(), us(cold, 1), us(warm, kStops), us(invalidated, kInvalidated));
    }
};

QTEST_GUILESS_MAIN(TestStackUnwinder)
#include "tst_stack_unwinder.moc"
