// OCI bundles run by the real runc (Debian's package): a traced program's profile plus the runc group
// runs; without the runc group runc itself fails; without a syscall the program needs, the program
// gets EPERM. Then each syscall of the runc group is shown to be needed.
#include "enforce/oci_bundle.h"
#include "model/trace.h"
#include "profile/profile_io.h"
#include "profile/runtime_groups.h"
#include "trace/trace_sink.h"
#include "trace/tracer.h"
#include "util/error.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace swb;

namespace {

std::string fixture(const char* name) {
    return std::string(SWB_FIXTURE_DIR "/") + name;
}

// The syscalls a program makes on the host, traced for real.
std::vector<std::string> tracedSyscalls(const std::string& program) {
    Trace trace;
    MemorySink sink(trace);
    Tracer tracer(sink);
    TracerOptions o;
    o.command = {program};
    const auto result = tracer.run(o);
    if (result.exitStatus != 0)
        throw Error(program + ": exited with " + std::to_string(result.exitStatus) + " when traced");
    return trace.uniqueSyscallNames();
}

Profile profileOf(const std::vector<std::string>& names) {
    Profile p;
    for (const auto& n : names)
        p.allow(n, "program", "traced");
    return p;
}

// Whether / is a mount point in this mount namespace (it is not in a plain chroot).
bool rootIsAMountPoint() {
    std::ifstream in("/proc/self/mountinfo");
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string id, parent, devno, root, mountPoint;
        fields >> id >> parent >> devno >> root >> mountPoint;
        if (mountPoint == "/")
            return true;
    }
    return false;
}

std::string describe(const RuncResult& r) {
    return "exit " + std::to_string(r.exitStatus) + "\nstdout: " + r.stdOut + "\nstderr: " + r.stdErr +
           "\nrunc errors: " + r.runtimeErrors + "\nrunc log: " + r.runtimeLog;
}

} // namespace

class TstRunc : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::string rootfs_;
    std::string program_;  // fx_runc inside the rootfs
    std::string exitOnly_; // fx_exitonly inside the rootfs
    std::vector<std::string> traced_;
    int runs_ = 0;

    RuncResult run(const std::vector<std::string>& args, const Profile& profile,
                   bool noNewPrivileges = true) {
        const std::string bundle = dir_.filePath(QStringLiteral("bundle")).toStdString();
        BundleOptions o;
        o.args = args;
        o.rootfs = rootfs_;
        o.profile = profile;
        o.noNewPrivileges = noNewPrivileges;
        writeOciBundle(bundle, o);
        const std::string id = "swb-test-" + std::to_string(::getpid()) + "-" + std::to_string(++runs_);
        return runInRunc(bundle, id);
    }

private slots:
    void initTestCase() {
        if (!findRunc())
            QSKIP("runc is not installed (Debian package runc; scripts/deps.sh installs it)");
        if (::geteuid() != 0)
            QSKIP("runc needs root here (no rootless configuration in the bundle)");
        if (!rootIsAMountPoint())
            QSKIP("runc needs / to be a mount point to prepare the container's rootfs (this is a chroot "
                  "without a bind mount of its root; on a machine or VM it always is)");
        QVERIFY(dir_.isValid());
        rootfs_ = dir_.filePath(QStringLiteral("rootfs")).toStdString();
        program_ = buildProgramRootfs(rootfs_, fixture("fx_runc"));
        exitOnly_ = buildProgramRootfs(rootfs_, fixture("fx_exitonly"));
        try {
            traced_ = tracedSyscalls(fixture("fx_runc"));
        } catch (const Error& e) {
            QFAIL(e.what());
        }
        QVERIFY(std::find(traced_.begin(), traced_.end(), "uname") != traced_.end());
    }

    void groups() {
        Profile p;
        addRuntimeGroup(p, Runtime::None);
        QVERIFY(p.rules.empty());
        p.allow("execve", "program", "starts");
        addRuntimeGroup(p, Runtime::Runc);
        QCOMPARE(p.rules.size(), runtimeSyscalls(Runtime::Runc).size());
        QCOMPARE(p.rulesFor("execve")[0]->group, std::string("program")); // already allowed: kept
        QCOMPARE(p.rulesFor("fstatfs")[0]->group, std::string("runtime:runc"));
        QVERIFY(!p.rulesFor("fstatfs")[0]->reason.empty());
        QVERIFY(p.warnings.empty());
        Profile c;
        addRuntimeGroup(c, Runtime::Crun);
        QCOMPARE(c.rules.size(), runtimeSyscalls(Runtime::Crun).size());
        QVERIFY(c.warnings.empty());
        QCOMPARE(runtimeFromName("crun"), std::optional(Runtime::Crun));
    }

    void bundleConfig() {
        BundleOptions o;
        o.args = {"/x"};
        o.rootfs = "rel/rootfs";
        o.networkNamespace = false;
        o.profile = profileOf({"read"});
        const auto j = nlohmann::json::parse(ociConfigJson(o));
        QVERIFY(j["root"]["path"].get<std::string>().starts_with("/"));
        QCOMPARE(j["root"]["readonly"].get<bool>(), true);
        QCOMPARE(j["linux"]["namespaces"].size(), std::size_t(4));
        QCOMPARE(j["linux"]["seccomp"]["defaultAction"].get<std::string>(), std::string("SCMP_ACT_ERRNO"));
        QCOMPARE(j["mounts"][1]["destination"].get<std::string>(), std::string("/dev"));
        o.args.clear();
        QVERIFY_THROWS_EXCEPTION(Error, ociConfigJson(o));
    }

    void programRunsWithTheRuncGroup() {
        Profile p = profileOf(traced_);
        addRuntimeGroup(p, Runtime::Runc);
        const auto r = run({program_}, p);
        QVERIFY2(r.exitStatus == 0, describe(r).c_str());
        QCOMPARE(r.stdOut, std::string("fx_runc: hostname=swb\n"));
        QVERIFY(r.runtimeErrors.empty());
    }

    void runcFailsWithoutItsGroup() {
        const auto r = run({program_}, profileOf(traced_));
        QVERIFY2(r.exitStatus != 0, describe(r).c_str());
        // The program never ran (it prints in every case) and runc init reported its own failure: in
        // runc's log, or, when it fails after signalling readiness (no_new_privs mode), on the
        // container's stderr. Which syscall stops it first varies: fstatfs ("ensure /proc/self/fd is on
        // procfs") or, in some runs, the Go runtime's futex ("futexwakeup ... returned -1").
        QVERIFY2(r.stdOut.empty(), describe(r).c_str());
        QVERIFY2(!r.stdErr.empty() || !r.runtimeErrors.empty(), describe(r).c_str());
        // Docker's mode: the filter is loaded earlier (the failure usually reaches runc's log; a Go
        // runtime crash of runc init, exit 2, only its stderr).
        const auto early = run({program_}, profileOf(traced_), false);
        QVERIFY2(early.exitStatus != 0 && early.stdOut.empty(), describe(early).c_str());
        QVERIFY2(!early.stdErr.empty() || !early.runtimeErrors.empty(), describe(early).c_str());
    }

    void programGetsEpermWithoutItsSyscall() {
        Profile p = profileOf(traced_);
        addRuntimeGroup(p, Runtime::Runc);
        QCOMPARE(p.remove("uname"), std::size_t(1));
        const auto r = run({program_}, p);
        QVERIFY2(r.exitStatus == 3, describe(r).c_str());
        QCOMPARE(r.stdOut, std::string("fx_runc: uname failed: Operation not permitted (errno 1)\n"));
        QVERIFY(r.runtimeErrors.empty());
    }

    // The command-line path an analyst takes: swb trace, swb profile, swb validate --runc.
    void cliTraceProfileValidateInRunc() {
        const QString swb = QStringLiteral(SWB_BIN_DIR "/swb");
        const QString trace = dir_.filePath(QStringLiteral("cli.swbtrace"));
        const QString profile = dir_.filePath(QStringLiteral("cli.json"));
        auto runSwb = [&](const QStringList& args, QString* err) {
            QProcess p;
            p.start(swb, args);
            p.waitForFinished(120000);
            *err = QString::fromLocal8Bit(p.readAllStandardError()) +
                   QString::fromLocal8Bit(p.readAllStandardOutput());
            return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        };
        QString err;
        QVERIFY2(runSwb({QStringLiteral("trace"), QStringLiteral("-o"), trace, QStringLiteral("--"),
                         QString::fromStdString(fixture("fx_runc"))},
                        &err) == 0,
                 qPrintable(err));
        QVERIFY2(runSwb({QStringLiteral("profile"), trace, QStringLiteral("-o"), profile}, &err) == 0,
                 qPrintable(err));
        const QString rootfs = QString::fromStdString(rootfs_);
        QVERIFY2(runSwb({QStringLiteral("validate"), QStringLiteral("--profile"), profile,
                         QStringLiteral("--runc"), QStringLiteral("--rootfs"), rootfs, QStringLiteral("--"),
                         QString::fromStdString(program_)},
                        &err) == 0,
                 qPrintable(err));
        QVERIFY2(err.contains(QStringLiteral("fx_runc: hostname=swb")), qPrintable(err));
        // Without the runc group (--runtime none) the container does not start.
        QVERIFY2(runSwb({QStringLiteral("profile"), trace, QStringLiteral("--runtime"),
                         QStringLiteral("none"), QStringLiteral("-o"), profile},
                        &err) == 0,
                 qPrintable(err));
        QVERIFY(runSwb({QStringLiteral("validate"), QStringLiteral("--profile"), profile,
                        QStringLiteral("--runc"), QStringLiteral("--rootfs"), rootfs, QStringLiteral("--"),
                        QString::fromStdString(program_)},
                       &err) != 0);
        QVERIFY2(!err.contains(QStringLiteral("fx_runc: hostname=swb")), qPrintable(err));
    }

    // Without no_new_privs runc loads the filter earlier (Docker's default): the whole group is used.
    void wholeGroupWithoutNoNewPrivs() {
        Profile p = profileOf({"exit_group"});
        addRuntimeGroup(p, Runtime::Runc);
        const auto r = run({exitOnly_}, p, false);
        QVERIFY2(r.exitStatus == 0, describe(r).c_str());
        const auto n = run({exitOnly_}, p, true);
        QVERIFY2(n.exitStatus == 0, describe(n).c_str());
    }

    // Each syscall of the group, removed, makes runc fail (futex and rt_sigreturn are needed only in
    // some runs, depending on the Go runtime's timing, so they cannot be shown to fail every time).
    void eachGroupSyscallIsNeeded_data() {
        QTest::addColumn<QString>("syscall");
        for (const auto& s : runtimeSyscalls(Runtime::Runc))
            if (s.name != "futex" && s.name != "rt_sigreturn")
                QTest::newRow(std::string(s.name).c_str())
                    << QString::fromLatin1(s.name.data(), qsizetype(s.name.size()));
    }
    void eachGroupSyscallIsNeeded() {
        QFETCH(QString, syscall);
        Profile p = profileOf({"exit_group"});
        addRuntimeGroup(p, Runtime::Runc);
        QCOMPARE(p.remove(syscall.toStdString()), std::size_t(1));
        const auto r = run({exitOnly_}, p, false);
        QVERIFY2(r.exitStatus != 0, describe(r).c_str());
    }
};

QTEST_GUILESS_MAIN(TstRunc)
#include "tst_runc.moc"
