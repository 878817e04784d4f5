// swb profile, swb syscalls --phase and swb evidence on a real trace of a system program, with a
// project whose review decisions change the exported profile.
#include "profile/profile_io.h"
#include "tracer_test_support.h"
#include "util/atomic_file.h"

#include <QFile>
#include <QtTest>

using namespace swbtest;

class TstProfileCli : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString trace_;

    QString path(const char* name) const { return dir_.filePath(QLatin1String(name)); }

private slots:
    void initTestCase() {
        trace_ = path("echo.swbtrace");
        const auto r = runSwb({QStringLiteral("trace"), QStringLiteral("-o"), trace_, QStringLiteral("--"),
                               QStringLiteral("/bin/echo"), QStringLiteral("hello")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.stdErr));
    }

    void profileInEveryFormat() {
        for (const char* format : {"docker", "oci", "k8s", "bpf", "pfc"}) {
            const QString out = path("p.") + QLatin1String(format);
            const auto r = runSwb({QStringLiteral("profile"), trace_, QStringLiteral("--format"),
                                   QLatin1String(format), QStringLiteral("-o"), out});
            QVERIFY2(r.exitCode == 0, qPrintable(r.stdErr));
            QVERIFY2(r.stdErr.contains(QStringLiteral("runtime:runc")), qPrintable(r.stdErr));
            QFile f(out);
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QByteArray bytes = f.readAll();
            QVERIFY(!bytes.isEmpty());
            if (QLatin1String(format) == QLatin1String("bpf")) {
                QCOMPARE(bytes.size() % 8, 0); // struct sock_filter
            } else if (QLatin1String(format) == QLatin1String("pfc")) {
                QVERIFY(bytes.contains("write"));
            } else {
                // Read back with the importer: what was seen, plus runc's group, plus clone3 -> ENOSYS.
                const swb::Profile p = swb::loadProfile(out.toStdString());
                const auto names = p.allowedNames();
                QVERIFY(hasName(names, "write"));
                QVERIFY(hasName(names, "execve"));
                QVERIFY(hasName(names, "fstatfs")); // runc's own, not echo's
                QVERIFY(!hasName(names, "ptrace"));
                const auto clone3 = p.rulesFor("clone3");
                QCOMPARE(clone3.size(), std::size_t(1));
                QCOMPARE(clone3.front()->errnoRet, 38);
            }
        }
    }

    void runtimeNoneAndConversion() {
        const QString out = path("none.json");
        auto r = runSwb({QStringLiteral("profile"), trace_, QStringLiteral("--runtime"),
                         QStringLiteral("none"), QStringLiteral("-o"), out});
        QVERIFY2(r.exitCode == 0, qPrintable(r.stdErr));
        QVERIFY(!swb::loadProfile(out.toStdString()).allowedNumbers().count(138 /* fstatfs */));
        r = runSwb({QStringLiteral("syscalls"), out});
        const auto fromProfile = r.stdOut.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        r = runSwb({QStringLiteral("syscalls"), trace_});
        // What was seen, plus the kernel-issued group (restart_syscall, rt_sigreturn) and nothing else.
        auto expected = r.stdOut.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QVERIFY(!expected.contains(QStringLiteral("restart_syscall")));
        expected << QStringLiteral("restart_syscall");
        if (!expected.contains(QStringLiteral("rt_sigreturn")))
            expected << QStringLiteral("rt_sigreturn");
        expected.sort();
        QCOMPARE(fromProfile, expected);
        // A profile alone converts to another format.
        r = runSwb({QStringLiteral("profile"), out, QStringLiteral("--format"), QStringLiteral("pfc"),
                    QStringLiteral("-o"), path("converted.pfc")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.stdErr));
        QVERIFY(QFile::exists(path("converted.pfc")));
    }

    void projectDecisionsAreApplied() {
        const QString project = path("echo.swbproj");
        swb::writeFileAtomically(project.toStdString(),
                                 R"({"format": "swb-project", "version": 1, "name": "echo",
  "inputs": {"traces": ["echo.swbtrace"]},
  "phase": {"boundary": "none"},
  "review": [{"syscall": "getrandom", "phase": "all", "decision": "deny", "note": "no entropy needed"},
             {"syscall": "uname", "phase": "all", "decision": "allow", "note": "for the version banner"},
             {"syscall": "restart_syscall", "phase": "all", "decision": "deny", "note": "never stopped"}],
  "export": {"format": "docker", "runtime": "none", "output": "from-project.json"}}
)");
        const auto r = runSwb({QStringLiteral("profile"), project});
        QVERIFY2(r.exitCode == 0, qPrintable(r.stdErr));
        const auto p = swb::loadProfile(path("from-project.json").toStdString());
        const auto names = p.allowedNames();
        QVERIFY(!hasName(names, "getrandom"));
        QVERIFY(hasName(names, "uname"));
        QVERIFY(hasName(names, "write"));
        // The kernel group yields to a review denial, and stays otherwise.
        QVERIFY(!hasName(names, "restart_syscall"));
        QVERIFY(hasName(names, "rt_sigreturn"));
        QVERIFY2(p.rulesFor("rt_sigreturn").front()->reason.starts_with("kernel"),
                 p.rulesFor("rt_sigreturn").front()->reason.c_str());
        // The evidence command shows the decision next to the evidence.
        const auto ev = runSwb({QStringLiteral("evidence"), project});
        QVERIFY2(ev.exitCode == 0, qPrintable(ev.stdErr));
        QVERIFY2(ev.stdOut.contains(QRegularExpression(QStringLiteral("getrandom .* deny\\(all\\)"))),
                 qPrintable(ev.stdOut));
        QVERIFY2(r.stdErr.contains(QStringLiteral("getrandom denied by review: no entropy needed")),
                 qPrintable(r.stdErr));
    }

    void projectCreateAndReview() {
        const QString project = path("made.swbproj");
        auto r = runSwb({QStringLiteral("project"), QStringLiteral("create"), QStringLiteral("-o"), project,
                         QStringLiteral("--boundary"), QStringLiteral("none"), trace_});
        QVERIFY2(r.exitCode == 0, qPrintable(r.stdErr));
        // Never overwritten.
        r = runSwb(
            {QStringLiteral("project"), QStringLiteral("create"), QStringLiteral("-o"), project, trace_});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.stdErr.contains(QStringLiteral("exists")));
        r = runSwb({QStringLiteral("review"), project, QStringLiteral("deny"), QStringLiteral("write"),
                    QStringLiteral("--note"), QStringLiteral("silence")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.stdErr));
        r = runSwb({QStringLiteral("review"), project, QStringLiteral("allow"), QStringLiteral("uname"),
                    QStringLiteral("getpid"), QStringLiteral("--phase"), QStringLiteral("init")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.stdErr));
        r = runSwb(
            {QStringLiteral("review"), project, QStringLiteral("deny"), QStringLiteral("no_such_call")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.stdErr.contains(QStringLiteral("no_such_call")));
        r = runSwb({QStringLiteral("review"), project, QStringLiteral("list")});
        QCOMPARE(r.stdOut,
                 QStringLiteral("deny write all  # silence\nallow uname init\nallow getpid init\n"));
        r = runSwb({QStringLiteral("review"), project, QStringLiteral("clear"), QStringLiteral("getpid"),
                    QStringLiteral("--phase"), QStringLiteral("init")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.stdErr));
        const QString out = path("made.json");
        r = runSwb({QStringLiteral("profile"), project, QStringLiteral("-o"), out});
        QVERIFY2(r.exitCode == 0, qPrintable(r.stdErr));
        const auto names = swb::loadProfile(out.toStdString()).allowedNames();
        QVERIFY(hasName(names, "uname"));
        QVERIFY(!hasName(names, "getpid"));
        // write is denied by review but runc needs it after loading the filter: the runtime group
        // brings it back, and the profile says so.
        QVERIFY(hasName(names, "write"));
        QVERIFY2(r.stdErr.contains(QStringLiteral("write denied by review: silence")), qPrintable(r.stdErr));
        QVERIFY2(r.stdErr.contains(QStringLiteral("write is denied by review but runtime:runc needs it")),
                 qPrintable(r.stdErr));
    }

    void badInputsFailWithoutTouchingTheOutput() {
        const QString out = path("keep.json");
        swb::writeFileAtomically(out.toStdString(), "precious\n");
        auto r = runSwb({QStringLiteral("profile"), trace_, QStringLiteral("--boundary"),
                         QStringLiteral("soon"), QStringLiteral("-o"), out});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.stdErr.contains(QStringLiteral("boundary 'soon'")), qPrintable(r.stdErr));
        r = runSwb({QStringLiteral("profile"), trace_, QStringLiteral("--boundary"),
                    QStringLiteral("#99999999"), QStringLiteral("-o"), out});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.stdErr.contains(QStringLiteral("events")), qPrintable(r.stdErr));
        r = runSwb({QStringLiteral("profile"), trace_});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.stdErr.contains(QStringLiteral("-o FILE")), qPrintable(r.stdErr));
        QCOMPARE(swb::readWholeFile(out.toStdString()), std::string("precious\n"));
        QVERIFY(!QFile::exists(out + QStringLiteral(".partial")));
    }

    void phasesOnATraceWithoutServer() {
        // echo never listens: the knee is the only candidate and the phase sets split there.
        auto r = runSwb({QStringLiteral("phases"), trace_});
        QVERIFY2(r.exitCode == 0, qPrintable(r.stdErr));
        QVERIFY2(r.stdOut.contains(QStringLiteral("(knee)")), qPrintable(r.stdOut));
        QVERIFY(!r.stdOut.contains(QStringLiteral("(serving-loop)")));
        const auto all = runSwb({QStringLiteral("syscalls"), trace_}).stdOut.split(QLatin1Char('\n'));
        const auto init =
            runSwb({QStringLiteral("syscalls"), QStringLiteral("--phase"), QStringLiteral("init"), trace_})
                .stdOut.split(QLatin1Char('\n'));
        QVERIFY(init.size() < all.size());
        QVERIFY(
            runSwb({QStringLiteral("syscalls"), QStringLiteral("--phase"), QStringLiteral("later"), trace_})
                .exitCode != 0);
    }
};

QTEST_GUILESS_MAIN(TstProfileCli)
#include "tst_profile_cli.moc"
