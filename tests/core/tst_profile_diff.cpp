// Profile and syscall-set diffs: the core diff and `swb diff` as users run it (exit 0 equal,
// 1 different, 2 error; text and JSON).
#include "profile/profile_diff.h"
#include "profile/profile_io.h"
#include "tracer_test_support.h"
#include "util/atomic_file.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <sys/syscall.h>

using namespace swb;
using namespace swbtest;

namespace {

Profile base() {
    Profile p;
    for (const char* n : {"read", "write", "exit_group", "openat"})
        p.allow(n, "program", "test");
    return p;
}

std::string save(const QTemporaryDir& dir, const char* name, const Profile& p, ProfileFormat f) {
    const std::string path = dir.filePath(QLatin1String(name)).toStdString();
    writeProfile(path, p, f);
    return path;
}

} // namespace

class TstProfileDiff : public QObject {
    Q_OBJECT
private slots:
    void coreDiff() {
        Profile a = base();
        Profile b = base();
        QVERIFY(diffProfiles(a, b).equal());
        b.remove("openat");
        b.allow("close", "program", "test");
        a.remove("read");
        ProfileRule r;
        r.name = "read";
        r.nr = SYS_read;
        r.args.push_back({0, 0, 0, ArgOp::Equal});
        a.rules.push_back(r);
        ProfileRule deny;
        deny.name = "ptrace";
        deny.nr = SYS_ptrace;
        deny.action = SeccompAction::Errno;
        deny.errnoRet = 1; // the default's effect: not a difference
        b.rules.push_back(deny);
        const auto d = diffProfiles(a, b);
        QVERIFY(!d.equal());
        QCOMPARE(d.onlyInA.size(), std::size_t(1));
        QCOMPARE(d.onlyInA[0].name, std::string("openat"));
        QCOMPARE(d.onlyInB.size(), std::size_t(1));
        QCOMPARE(d.onlyInB[0].name, std::string("close"));
        QCOMPARE(d.changed.size(), std::size_t(1));
        QCOMPARE(d.changed[0].a, std::vector<std::string>{"allow if arg0 == 0"});
        QCOMPARE(d.changed[0].b, std::vector<std::string>{"allow"});
        QCOMPARE(d.common, (std::vector<std::string>{"exit_group", "write"}));
        const std::string text = formatDiffText(d, "A", "B");
        QVERIFY2(text.find("+ close\n") != std::string::npos &&
                     text.find("- openat\n") != std::string::npos &&
                     text.find("~ read: allow if arg0 == 0 -> allow\n") != std::string::npos &&
                     text.find("1 only in A, 1 only in B, 1 with different rules, 2 the same\n") !=
                         std::string::npos,
                 text.c_str());
        b.defaultAction = SeccompAction::KillProcess;
        QVERIFY(formatDiffText(diffProfiles(a, b), "A", "B")
                    .find("default action: SCMP_ACT_ERRNO(1) -> "
                          "SCMP_ACT_KILL_PROCESS") != std::string::npos);
        DiffOptions noDefaults;
        noDefaults.compareDefaults = false;
        Profile c = base();
        c.defaultAction = SeccompAction::KillProcess;
        QVERIFY(diffProfiles(base(), c, noDefaults).equal());
        QVERIFY(!diffProfiles(base(), c).equal());
    }

    void cliEqualAcrossFormats() {
        QTemporaryDir dir;
        const auto docker = save(dir, "a.json", base(), ProfileFormat::Docker);
        const auto k8s = save(dir, "b.yaml", base(), ProfileFormat::Kubernetes);
        auto r =
            runSwb({QStringLiteral("diff"), QString::fromStdString(docker), QString::fromStdString(k8s)});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(
            r.stdOut.contains(QStringLiteral("0 only in A, 0 only in B, 0 with different rules, 5 the same")),
            qPrintable(r.stdOut)); // 4 + clone3 -> ENOSYS on both sides
    }

    void cliDifferentTextAndJson() {
        QTemporaryDir dir;
        Profile b = base();
        b.remove("openat");
        b.allow("close", "program", "test");
        const QString pa = QString::fromStdString(save(dir, "a.json", base(), ProfileFormat::Docker));
        const QString pb = QString::fromStdString(save(dir, "b.json", b, ProfileFormat::Oci));
        auto r = runSwb({QStringLiteral("diff"), pa, pb});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.stdOut.contains(QStringLiteral("\n+ close\n")) &&
                     r.stdOut.contains(QStringLiteral("\n- openat\n")),
                 qPrintable(r.stdOut));
        auto j = runSwb({QStringLiteral("diff"), QStringLiteral("--json"), pa, pb});
        QCOMPARE(j.exitCode, 1);
        const auto doc = QJsonDocument::fromJson(j.stdOut.toUtf8()).object();
        QCOMPARE(doc[QStringLiteral("equal")].toBool(), false);
        QCOMPARE(doc[QStringLiteral("onlyInB")].toArray()[0].toObject()[QStringLiteral("name")].toString(),
                 QStringLiteral("close"));
        QCOMPARE(doc[QStringLiteral("onlyInA")].toArray()[0].toObject()[QStringLiteral("name")].toString(),
                 QStringLiteral("openat"));
        QCOMPARE(doc[QStringLiteral("common")].toArray().size(), 4);
    }

    void cliTraceAgainstProfile() {
        QTemporaryDir dir;
        const QString trace = dir.filePath(QStringLiteral("t.swbtrace"));
        auto traced = runSwb({QStringLiteral("trace"), QStringLiteral("-o"), trace, QStringLiteral("--"),
                              fixture("fx_rawsyscall")});
        QCOMPARE(traced.exitCode, 0);
        auto names = runSwb({QStringLiteral("syscalls"), trace});
        QCOMPARE(names.exitCode, 0);
        const QStringList list = names.stdOut.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QVERIFY(list.contains(QStringLiteral("getcpu")));
        // A profile with the trace's syscalls except getcpu, plus sync.
        Profile p;
        for (const auto& n : list)
            if (n != QStringLiteral("getcpu"))
                p.allow(n.toStdString(), "program", "traced");
        p.allow("sync", "review", "added by hand");
        ExportOptions noClone3;
        noClone3.clone3Enosys = false;
        const std::string path = dir.filePath(QStringLiteral("p.json")).toStdString();
        writeProfile(path, p, ProfileFormat::Docker, noClone3);
        auto r = runSwb({QStringLiteral("diff"), trace, QString::fromStdString(path)});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.stdOut.contains(QStringLiteral("\n- getcpu\n")) &&
                     r.stdOut.contains(QStringLiteral("\n+ sync\n")),
                 qPrintable(r.stdOut));
        QVERIFY2(r.stdOut.contains(QStringLiteral("1 only in A, 1 only in B, 0 with different rules")),
                 qPrintable(r.stdOut));
        // The profile's set through `swb syscalls`, and diffing the trace with itself.
        auto allowed = runSwb({QStringLiteral("syscalls"), QString::fromStdString(path)});
        QCOMPARE(allowed.exitCode, 0);
        QVERIFY(allowed.stdOut.contains(QStringLiteral("sync\n")));
        QCOMPARE(runSwb({QStringLiteral("diff"), trace, trace}).exitCode, 0);
    }

    void cliErrorsExitTwo() {
        QTemporaryDir dir;
        const QString good = QString::fromStdString(save(dir, "a.json", base(), ProfileFormat::Docker));
        const QString bad = dir.filePath(QStringLiteral("bad.json"));
        writeFileAtomically(bad.toStdString(), "{\"defaultAction\": \"SCMP_ACT_ERRNO\",\n \"syscalls\": 5}");
        auto r = runSwb({QStringLiteral("diff"), good, bad});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.stdErr.contains(bad + QStringLiteral(":2:14: syscalls must be a list")),
                 qPrintable(r.stdErr));
        auto missing = runSwb({QStringLiteral("diff"), good, dir.filePath(QStringLiteral("none.json"))});
        QCOMPARE(missing.exitCode, 2);
        QVERIFY(missing.stdErr.contains(QStringLiteral("cannot open")));
        QCOMPARE(runSwb({QStringLiteral("diff"), good}).exitCode, 2); // usage error
        auto help = runSwb({QStringLiteral("diff"), QStringLiteral("--help")});
        QCOMPARE(help.exitCode, 0);
        QVERIFY(help.stdOut.contains(QStringLiteral("2 error")));
        QVERIFY(runSwb({QStringLiteral("--help")}).stdOut.contains(QStringLiteral("diff")));
    }
};

QTEST_GUILESS_MAIN(TstProfileDiff)
#include "tst_profile_diff.moc"
