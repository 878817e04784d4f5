// Validation runs (complain and enforce) of real programs: real seccomp filters loaded in the
// kernel before the program's execve, real ptrace. The profiles come from traces of the same
// fixture programs, made here with the tracer.
#include "enforce/validator.h"
#include "profile/seccomp_filter.h"
#include "trace/trace_file.h"
#include "trace/tracer.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <sys/syscall.h>

using namespace swb;

namespace {

const std::string kFixture = SWB_FIXTURE_DIR "/fx_validate";

std::string readText(const std::string& path) {
    QFile f(QString::fromStdString(path));
    if (!f.open(QIODevice::ReadOnly))
        return "<missing " + path + ">";
    return f.readAll().toStdString();
}

struct Plain {
    int exitStatus = -1;
    Trace trace;
    std::string output;
};

// The fixture traced without any filter: its syscalls and its output.
Plain traceFixture(const QTemporaryDir& dir, const std::string& mode) {
    Plain p;
    const std::string out =
        dir.filePath(QStringLiteral("plain-%1.txt").arg(QString::fromStdString(mode))).toStdString();
    MemorySink sink(p.trace);
    Tracer tracer(sink);
    TracerOptions o;
    o.command = {kFixture, out, mode};
    p.exitStatus = tracer.run(o).exitStatus;
    p.output = readText(out);
    return p;
}

// Allows every syscall the traces show. futex also: whether a thread join or a lock in the C
// library waits depends on timing, so one run may show it and another not.
Profile profileFrom(const std::vector<const Trace*>& traces) {
    Profile profile;
    profile.defaultErrno = EACCES;
    for (const Trace* t : traces)
        for (const std::string& name : t->uniqueSyscallNames())
            if (!profile.allow(name, "program", "seen in the trace"))
                qWarning("unknown syscall in the trace: %s", name.c_str());
    profile.allow("futex", "program", "timing-dependent waits");
    return profile;
}

struct Validated {
    ValidationResult result;
    std::string output;
};

Validated validateFixture(const QTemporaryDir& dir, const Profile& profile, const std::string& mode,
                          bool enforce, bool stacks = false) {
    static int run = 0;
    const std::string out = dir.filePath(QStringLiteral("run-%1.txt").arg(++run)).toStdString();
    ValidationOptions o;
    o.profile = profile;
    o.enforce = enforce;
    o.stacks = stacks;
    o.command = {kFixture, out, mode};
    Validated v;
    v.result = validate(o);
    v.output = readText(out);
    return v;
}

std::string describe(const ValidationResult& r) {
    std::string s = "exit " + std::to_string(r.exitStatus) + ", violations:";
    for (const auto& [name, n] : r.countsByName())
        s += " " + name + "x" + std::to_string(n);
    return s;
}

int probesIn(const std::string& mode) {
    return mode == "main" ? 1 : mode == "fork" ? 2 : 3;
}

} // namespace

class TestValidator : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    Plain plain_[3]; // main, fork, threads
    Profile profile_;

    const Plain& plain(const std::string& mode) const {
        return plain_[mode == "main" ? 0 : mode == "fork" ? 1 : 2];
    }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        QVERIFY2(QFile::exists(QString::fromStdString(kFixture)), "fx_validate is not built");
        const char* modes[] = {"main", "fork", "threads"};
        for (int i = 0; i < 3; ++i) {
            plain_[i] = traceFixture(dir_, modes[i]);
            QCOMPARE(plain_[i].exitStatus, 3);
            QVERIFY2(plain_[i].output.find("failed") == std::string::npos, plain_[i].output.c_str());
        }
        QCOMPARE(std::count(plain_[2].output.begin(), plain_[2].output.end(), '\n'), 3L);
        profile_ = profileFrom({&plain_[0].trace, &plain_[1].trace, &plain_[2].trace});
        for (const char* needed : {"getppid", "uname", "execve", "exit_group", "wait4"})
            QVERIFY2(!profile_.rulesFor(needed).empty(), needed);
    }

    void fullProfileHasNoViolations_data() {
        QTest::addColumn<QString>("mode");
        QTest::addColumn<bool>("enforce");
        for (const char* m : {"main", "fork", "threads"}) {
            QTest::addRow("%s complain", m) << QString::fromLatin1(m) << false;
            QTest::addRow("%s enforce", m) << QString::fromLatin1(m) << true;
        }
    }
    void fullProfileHasNoViolations() {
        QFETCH(QString, mode);
        QFETCH(bool, enforce);
        const auto v = validateFixture(dir_, profile_, mode.toStdString(), enforce);
        QVERIFY2(v.result.violations.empty(), describe(v.result).c_str());
        QCOMPARE(v.result.exitStatus, 3);
        QCOMPARE(v.output, plain(mode.toStdString()).output);
        QVERIFY(v.result.trace.eventCount() > 10);
        for (std::size_t i = 0; i < v.result.trace.eventCount(); ++i)
            QVERIFY(!(v.result.trace.flags(i) & EventViolation));
    }

    void complainReportsAndRuns_data() {
        QTest::addColumn<QString>("mode");
        QTest::addColumn<QString>("removed");
        for (const char* m : {"main", "fork", "threads"})
            for (const char* s : {"getppid", "uname"})
                QTest::addRow("%s without %s", m, s) << QString::fromLatin1(m) << QString::fromLatin1(s);
    }
    void complainReportsAndRuns() {
        QFETCH(QString, mode);
        QFETCH(QString, removed);
        Profile p = profile_;
        QCOMPARE(p.remove(removed.toStdString()), std::size_t(1));
        const auto v = validateFixture(dir_, p, mode.toStdString(), false);
        // Exactly the removed syscall, once per probe; the program behaves as without a filter.
        const auto counts = v.result.countsByName();
        QCOMPARE(counts.size(), std::size_t(1));
        QCOMPARE(counts[0].first, removed.toStdString());
        QCOMPARE(counts[0].second, std::size_t(probesIn(mode.toStdString())));
        QCOMPARE(v.result.exitStatus, 3);
        QCOMPARE(v.output, plain(mode.toStdString()).output);
        for (const Violation& viol : v.result.violations) {
            QVERIFY(viol.returned);
            QVERIFY2(viol.ret >= 0, std::to_string(viol.ret).c_str()); // it ran and worked
            QCOMPARE(viol.stackId, 0u);
        }
        // Each violation is the flagged event of the trace.
        std::size_t flagged = 0;
        for (std::size_t i = 0; i < v.result.trace.eventCount(); ++i)
            if (v.result.trace.flags(i) & EventViolation)
                ++flagged;
        QCOMPARE(flagged, v.result.violations.size());
    }

    void enforceFailsWithTheProfileErrno_data() { complainReportsAndRuns_data(); }
    void enforceFailsWithTheProfileErrno() {
        QFETCH(QString, mode);
        QFETCH(QString, removed);
        Profile p = profile_;
        p.remove(removed.toStdString());
        const auto v = validateFixture(dir_, p, mode.toStdString(), true);
        const auto counts = v.result.countsByName();
        QCOMPARE(counts.size(), std::size_t(1));
        QCOMPARE(counts[0].first, removed.toStdString());
        QCOMPARE(counts[0].second, std::size_t(probesIn(mode.toStdString())));
        for (const Violation& viol : v.result.violations) {
            QCOMPARE(viol.ret, std::int64_t(-EACCES));
            QCOMPARE(viol.nr, removed == QLatin1String("getppid") ? int(SYS_getppid) : int(SYS_uname));
        }
        // The program saw the failure: every probe line reports it with EACCES (13), the other
        // syscall still works, and the program ran to its end.
        QCOMPARE(v.result.exitStatus, 3);
        const std::string expectFailed = removed.toStdString() + "=failed errno=13";
        std::size_t lines = 0, failedLines = 0;
        for (std::size_t at = 0; (at = v.output.find('\n', at)) != std::string::npos; ++at)
            ++lines;
        for (std::size_t at = 0; (at = v.output.find(expectFailed, at)) != std::string::npos; ++at)
            ++failedLines;
        QCOMPARE(lines, std::size_t(probesIn(mode.toStdString())));
        QVERIFY2(failedLines == lines, v.output.c_str());
        const std::string other = removed == QLatin1String("getppid") ? "uname=ok" : "getppid=ok";
        QVERIFY2(v.output.find(other) != std::string::npos, v.output.c_str());
    }

    void violationCarriesItsStack() {
        Profile p = profile_;
        p.remove("getppid");
        for (bool enforce : {false, true}) {
            const auto v = validateFixture(dir_, p, "main", enforce, true);
            QCOMPARE(v.result.violations.size(), std::size_t(1));
            const Violation& viol = v.result.violations[0];
            QVERIFY(viol.stackId != 0);
            const Stack& stack = v.result.trace.stack(viol.stackId);
            std::string frames;
            for (const auto& f : stack)
                frames += f.display() + "\n";
            auto has = [&](const char* fn) {
                return std::any_of(stack.begin(), stack.end(),
                                   [&](const StackFrame& f) { return f.function == fn; });
            };
            QVERIFY2(has("call_getppid") && has("probe") && has("main"), frames.c_str());
            // Only violations are unwound in a validation run.
            for (std::size_t i = 0; i < v.result.trace.eventCount(); ++i)
                if (!(v.result.trace.flags(i) & EventViolation))
                    QCOMPARE(v.result.trace.stackId(i), 0u);
        }
    }

    void perRuleErrnoAndDenylistProfiles() {
        // A rule's own errno is what enforce mode returns, and it is reported too.
        Profile p = profile_;
        p.remove("uname");
        ProfileRule rule;
        rule.name = "uname";
        rule.nr = SYS_uname;
        rule.action = SeccompAction::Errno;
        rule.errnoRet = ENOSYS;
        p.rules.push_back(rule);
        auto v = validateFixture(dir_, p, "main", true);
        QCOMPARE(v.result.violations.size(), std::size_t(1));
        QCOMPARE(v.result.violations[0].ret, std::int64_t(-ENOSYS));
        QVERIFY2(v.output.find("uname=failed errno=38") != std::string::npos, v.output.c_str());
        v = validateFixture(dir_, p, "main", false);
        QCOMPARE(v.result.violations.size(), std::size_t(1));
        QCOMPARE(v.output, plain("main").output);

        // A denylist (default Allow): only the denied syscall is a violation.
        Profile deny;
        deny.defaultAction = SeccompAction::Allow;
        deny.rules.push_back(rule);
        rule.name = "getppid";
        rule.nr = SYS_getppid;
        rule.action = SeccompAction::KillProcess;
        deny.rules.push_back(rule);
        v = validateFixture(dir_, deny, "fork", false);
        QCOMPARE(v.result.countsByName(),
                 (std::vector<std::pair<std::string, std::size_t>>{{"getppid", 2}, {"uname", 2}}));
        QCOMPARE(v.output, plain("fork").output);
        // Enforced, the kill rule kills (the kernel does it, the tracer sees the process die).
        v = validateFixture(dir_, deny, "main", true);
        QCOMPARE(v.result.exitStatus, 128 + SIGSYS);
    }

    void execveItselfIsChecked() {
        Profile p = profile_;
        p.remove("execve");
        auto v = validateFixture(dir_, p, "main", false);
        QCOMPARE(v.result.exitStatus, 3);
        QCOMPARE(v.result.countsByName(), (std::vector<std::pair<std::string, std::size_t>>{{"execve", 1}}));
        v = validateFixture(dir_, p, "main", true);
        QCOMPARE(v.result.exitStatus, 126); // the tracer's child reports the failed exec
        QCOMPARE(v.result.countsByName(), (std::vector<std::pair<std::string, std::size_t>>{{"execve", 1}}));
        QCOMPARE(v.result.violations[0].ret, std::int64_t(-EACCES));
    }

    void violationsSurviveTheTraceFile() {
        Profile p = profile_;
        p.remove("getppid");
        const std::string file = dir_.filePath(QStringLiteral("v.swbtrace")).toStdString();
        const std::string out = dir_.filePath(QStringLiteral("v.txt")).toStdString();
        ValidationResult r;
        {
            TraceFileWriter writer(file);
            ValidationOptions o;
            o.profile = p;
            o.enforce = true;
            o.stacks = true;
            o.command = {kFixture, out, "fork"};
            o.alsoTo = &writer;
            r = validate(o);
        }
        QCOMPARE(r.violations.size(), std::size_t(2));
        const auto loaded = readTraceFile(file);
        QVERIFY(loaded.warnings.empty());
        std::size_t flagged = 0;
        for (std::size_t i = 0; i < loaded.trace.eventCount(); ++i) {
            if (!(loaded.trace.flags(i) & EventViolation))
                continue;
            ++flagged;
            QCOMPARE(loaded.trace.nr(i), int(SYS_getppid));
            QCOMPARE(loaded.trace.ret(i), std::int64_t(-EACCES));
            QVERIFY(loaded.trace.stackId(i) != 0);
        }
        QCOMPARE(flagged, std::size_t(2));
    }

    void unusableFilterIsAnError() {
        Trace t;
        MemorySink sink(t);
        Tracer tracer(sink);
        TracerOptions o;
        o.command = {kFixture, dir_.filePath(QStringLiteral("x.txt")).toStdString(), "main"};
        o.seccompFilter = {1, 2, 3}; // not a whole sock_filter
        try {
            tracer.run(o);
            QFAIL("a broken filter was accepted");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("seccomp filter") != std::string::npos, e.what());
            QVERIFY2(std::string(e.what()).find("Invalid argument") != std::string::npos, e.what());
        }
        QVERIFY(!QFile::exists(dir_.filePath(QStringLiteral("x.txt"))));

        Tracer attacher(sink);
        TracerOptions a;
        a.attachPid = ::getpid();
        a.seccompFilter = validationFilter(profile_, false);
        QVERIFY_THROWS_EXCEPTION(Error, attacher.run(a));
    }
};

QTEST_GUILESS_MAIN(TestValidator)
#include "tst_validator.moc"
