// A Debian server image end to end: redis-server and its libraries from Debian's packages (dpkg-deb
// -x, tests/images/debian_image.py) behind a shell-script entrypoint, as an OCI layout and a
// docker-archive. Analyzed statically (application-specific: the program and the script's shell),
// traced under runc with a real client in its network namespace, the traced set inside the static
// one, a profile from the trace enforced under runc and under a private Docker engine with 0
// violations, and a profile without one needed syscall failing with that syscall named.
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <set>

#include <csignal>
#include <sys/mount.h>
#include <unistd.h>

namespace {

const QString kSwb = QStringLiteral(SWB_BIN_DIR "/swb");
constexpr int kPort = 17411;

struct Run {
    int exitCode = -1;
    QString out, err;
};

Run run(const QString& program, const QStringList& args, const QProcessEnvironment& env = {},
        int timeoutMs = 300000) {
    QProcess p;
    if (!env.isEmpty())
        p.setProcessEnvironment(env);
    p.start(program, args);
    Run r;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.err = QStringLiteral("timed out: ") + program + QLatin1Char(' ') + args.join(QLatin1Char(' '));
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromLocal8Bit(p.readAllStandardOutput());
    r.err = QString::fromLocal8Bit(p.readAllStandardError());
    return r;
}

std::set<QString> names(const QString& text) {
    std::set<QString> out;
    for (const QString& l : text.split(QLatin1Char('\n'), Qt::SkipEmptyParts))
        out.insert(l.trimmed());
    return out;
}

QString joined(const std::set<QString>& s) {
    QStringList l(s.begin(), s.end());
    return l.join(QLatin1Char(' '));
}

// A copy of a Docker profile we wrote without one syscall.
bool writeWithout(const QString& from, const QString& to, const QString& name) {
    QFile f(from);
    if (!f.open(QIODevice::ReadOnly))
        return false;
    QJsonObject doc = QJsonDocument::fromJson(f.readAll()).object();
    QJsonArray kept;
    bool removed = false;
    for (const auto& e : doc.value(QStringLiteral("syscalls")).toArray()) {
        QJsonObject o = e.toObject();
        QJsonArray ns;
        for (const auto& n : o.value(QStringLiteral("names")).toArray()) {
            if (n.toString() == name)
                removed = true;
            else
                ns.append(n);
        }
        if (ns.isEmpty())
            continue;
        o[QStringLiteral("names")] = ns;
        kept.append(o);
    }
    doc[QStringLiteral("syscalls")] = kept;
    QFile out(to);
    return removed && out.open(QIODevice::WriteOnly) && out.write(QJsonDocument(doc).toJson()) > 0;
}

} // namespace

class TstImageServer : public QObject {
    Q_OBJECT
    QTemporaryDir work_;
    QString oci_, archive_;
    QString client_; // sh -c '...': a few commands and a short benchmark
    QString trace_, analysis_, viaShell_, profile_, missing_;
    QString dockerDir_;
    qint64 dockerPid_ = 0;
    QProcessEnvironment dockerEnv_;

    QStringList clientArgs() const {
        return {QStringLiteral("--"), QStringLiteral("sh"), QStringLiteral("-c"), client_};
    }

    void stopDocker() {
        if (dockerPid_ <= 0)
            return;
        ::kill(static_cast<pid_t>(dockerPid_), SIGTERM);
        for (int i = 0; i < 200 && ::kill(static_cast<pid_t>(dockerPid_), 0) == 0; ++i)
            QTest::qWait(50);
        ::kill(static_cast<pid_t>(dockerPid_), SIGKILL);
        const QDir netns(dockerDir_ + QStringLiteral("/exec/netns"));
        for (const QString& n : netns.entryList(QDir::Files | QDir::System))
            ::umount2(QFile::encodeName(netns.filePath(n)).constData(), MNT_DETACH);
        dockerPid_ = 0;
        QDir(dockerDir_).removeRecursively();
    }

private slots:
    void initTestCase() {
        if (::geteuid() != 0)
            QSKIP("runc needs root");
        if (QStandardPaths::findExecutable(QStringLiteral("runc")).isEmpty())
            QSKIP("runc is not installed (scripts/deps.sh installs it)");
        QVERIFY(work_.isValid());
        const QString out = work_.filePath(QStringLiteral("redis-image"));
        const Run built =
            run(QStringLiteral("python3"), {QStringLiteral(SWB_SOURCE_DIR "/tests/images/debian_image.py"),
                                            out,
                                            QStringLiteral("--name"),
                                            QStringLiteral("swb-test/redis:7"),
                                            QStringLiteral("--program"),
                                            QStringLiteral("/usr/bin/redis-server"),
                                            QStringLiteral("--package"),
                                            QStringLiteral("redis-server"),
                                            QStringLiteral("--port"),
                                            QString::number(kPort),
                                            QStringLiteral("--user"),
                                            QStringLiteral("redis"),
                                            QStringLiteral("--cmd"),
                                            QStringLiteral("--port"),
                                            QString::number(kPort),
                                            QStringLiteral("--bind"),
                                            QStringLiteral("127.0.0.1"),
                                            QStringLiteral("--save"),
                                            QString(),
                                            QStringLiteral("--appendonly"),
                                            QStringLiteral("no")});
        QVERIFY2(built.exitCode == 0, qPrintable(built.err));
        oci_ = QStringLiteral("oci:") + out + QStringLiteral("/oci");
        archive_ = QStringLiteral("docker-archive:") + out + QStringLiteral("/image.tar");
        const QString p = QString::number(kPort);
        client_ = QStringLiteral("redis-cli -p ") + p + QStringLiteral(" set k v && redis-cli -p ") + p +
                  QStringLiteral(" get k | grep -qx v && redis-benchmark -p ") + p +
                  QStringLiteral(" -q -n 3000 -t set,get,lpush,incr,ping >/dev/null");
    }

    void cleanupTestCase() { stopDocker(); }

    void inspectsBothForms() {
        const Run a =
            run(kSwb, {QStringLiteral("image"), QStringLiteral("inspect"), QStringLiteral("--json"), oci_});
        const Run b = run(
            kSwb, {QStringLiteral("image"), QStringLiteral("inspect"), QStringLiteral("--json"), archive_});
        QVERIFY2(a.exitCode == 0 && b.exitCode == 0, qPrintable(a.err + b.err));
        const QJsonObject ja = QJsonDocument::fromJson(a.out.toUtf8()).object();
        const QJsonObject jb = QJsonDocument::fromJson(b.out.toUtf8()).object();
        QCOMPARE(ja.value(QStringLiteral("configDigest")), jb.value(QStringLiteral("configDigest")));
        QVERIFY2(a.out.contains(QStringLiteral("docker-entrypoint.sh")), qPrintable(a.out));
        QVERIFY2(a.out.contains(QString::number(kPort) + QStringLiteral("/tcp")), qPrintable(a.out));
    }

    void analyzesTheEntrypointChain() {
        analysis_ = work_.filePath(QStringLiteral("redis.swbanalysis"));
        viaShell_ = work_.filePath(QStringLiteral("redis.via-sh.swbanalysis"));
        const Run r = run(kSwb, {QStringLiteral("analyze"), QStringLiteral("--image"), oci_,
                                 QStringLiteral("-o"), analysis_});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(r.err.contains(QStringLiteral("-> exec /usr/bin/redis-server")), qPrintable(r.err));
        QVERIFY2(QFile::exists(viaShell_), qPrintable(r.err));
        // Resolved in the image, never on the host: every module path is the image's.
        const Run ev = run(kSwb, {QStringLiteral("why"), QStringLiteral("listen"), analysis_});
        QVERIFY2(ev.exitCode == 0 && !ev.out.contains(QStringLiteral("swb-rootfs")), qPrintable(ev.out));
    }

    void tracesUnderRunc() {
        trace_ = work_.filePath(QStringLiteral("redis.swbtrace"));
        QStringList args = {QStringLiteral("trace"),
                            QStringLiteral("--image"),
                            archive_,
                            QStringLiteral("-o"),
                            trace_,
                            QStringLiteral("--container-output"),
                            work_.filePath(QStringLiteral("trace-container.log"))};
        const Run r = run(kSwb, args + clientArgs());
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(r.err.contains(QStringLiteral("client exit status 0")), qPrintable(r.err));
        QVERIFY2(r.err.contains(QStringLiteral("(user 999:999, cwd /data")), qPrintable(r.err));
        QVERIFY2(r.err.contains(QStringLiteral("runc's own syscalls after attach")), qPrintable(r.err));
        // The server made its own shutdown (SIGTERM from swb).
        QFile log(work_.filePath(QStringLiteral("trace-container.log")));
        QVERIFY(log.open(QIODevice::ReadOnly));
        QVERIFY2(log.readAll().contains("ready to exit"), "redis did not shut down on SIGTERM");

        const std::set<QString> traced = names(run(kSwb, {QStringLiteral("syscalls"), trace_}).out);
        for (const char* n : {"listen", "accept4", "epoll_wait", "exit_group", "execve"})
            QVERIFY2(traced.count(QString::fromLatin1(n)),
                     qPrintable(QStringLiteral("not traced: ") + QLatin1String(n)));
        // The runtime's setup is not the program's: runc's pivot_root, mount, sethostname and
        // seccomp loading happen before the exec and are not in the trace.
        for (const char* n : {"pivot_root", "mount", "sethostname", "seccomp", "capset"})
            QVERIFY2(!traced.count(QString::fromLatin1(n)),
                     qPrintable(QStringLiteral("runc's own in trace: ") + QLatin1String(n)));
        // The exec'd program is named as the image names it, not by the scratch root.
        const Run ev = run(kSwb, {QStringLiteral("why"), QStringLiteral("listen"), trace_});
        QVERIFY2(!ev.out.contains(QStringLiteral("swb-rootfs")), qPrintable(ev.out));

        // Sound: what the container did is inside the static sets of its programs.
        const std::set<QString> statics =
            names(run(kSwb, {QStringLiteral("syscalls"), analysis_, viaShell_}).out);
        std::set<QString> missing;
        for (const QString& n : traced)
            if (!statics.count(n))
                missing.insert(n);
        QVERIFY2(missing.empty(),
                 qPrintable(QStringLiteral("traced but not in the static set: ") + joined(missing)));
        qInfo("redis image: traced %zu syscalls, static (redis-server + sh) %zu", traced.size(),
              statics.size());
    }

    void profileEnforcedUnderRunc() {
        profile_ = work_.filePath(QStringLiteral("redis-profile.json"));
        const Run p = run(kSwb, {QStringLiteral("profile"), trace_, QStringLiteral("-o"), profile_});
        QVERIFY2(p.exitCode == 0, qPrintable(p.err));
        QVERIFY2(p.err.contains(QStringLiteral("runtime:runc")), qPrintable(p.err));
        const Run v =
            run(kSwb, QStringList{QStringLiteral("validate"), QStringLiteral("--image"), oci_,
                                  QStringLiteral("--profile"), profile_, QStringLiteral("--enforce")} +
                          clientArgs());
        QVERIFY2(v.exitCode == 0, qPrintable(v.err));
        QVERIFY2(v.err.contains(QStringLiteral("enforce mode: 0 violations")), qPrintable(v.err));
        QVERIFY2(v.err.contains(QStringLiteral("client exit status 0")), qPrintable(v.err));
    }

    void missingSyscallIsNamedUnderRunc() {
        missing_ = work_.filePath(QStringLiteral("redis-no-listen.json"));
        QVERIFY(writeWithout(profile_, missing_, QStringLiteral("listen")));
        const Run v = run(kSwb, QStringList{QStringLiteral("validate"), QStringLiteral("--image"), oci_,
                                            QStringLiteral("--profile"), missing_,
                                            QStringLiteral("--enforce"), QStringLiteral("--wait-port"),
                                            QStringLiteral("0"), QStringLiteral("--duration"),
                                            QStringLiteral("20"), QStringLiteral("--container-output"),
                                            work_.filePath(QStringLiteral("missing.log")),
                                            QStringLiteral("--"), QStringLiteral("sh"), QStringLiteral("-c"),
                                            QStringLiteral("sleep 1; ") + client_});
        QVERIFY2(v.exitCode != 0, qPrintable(v.err));
        QVERIFY2(v.err.contains(QStringLiteral("enforce mode: 1 violation: listen x1")), qPrintable(v.err));
        QVERIFY2(v.err.contains(QStringLiteral("listenToPort")),
                 qPrintable(v.err)); // the stack names the caller
        // Complain mode: the server runs on and the violation is still named.
        const Run c = run(kSwb, QStringList{QStringLiteral("validate"), QStringLiteral("--image"), oci_,
                                            QStringLiteral("--profile"), missing_} +
                                    clientArgs());
        QVERIFY2(c.exitCode == 0, qPrintable(c.err));
        QVERIFY2(c.err.contains(QStringLiteral("complain mode: 1 violation: listen x1")), qPrintable(c.err));
    }

    void underDocker() {
        const QString dockerd = QStandardPaths::findExecutable(QStringLiteral("dockerd"));
        if (dockerd.isEmpty() || !QFile::exists(QStringLiteral("/usr/bin/docker")))
            QSKIP("docker.io is not installed (scripts/deps.sh installs it)");
        // A private engine: short paths (the socket's path is limited to 108 bytes).
        QByteArray tmpl("/tmp/swb-dk.XXXXXX");
        QVERIFY(::mkdtemp(tmpl.data()));
        dockerDir_ = QString::fromLocal8Bit(tmpl);
        const QString sock = dockerDir_ + QStringLiteral("/sock");
        QProcess::startDetached(
            QStringLiteral("sh"),
            {QStringLiteral("-c"),
             QStringLiteral(
                 "exec \"$0\" --bridge=none --iptables=false --ip6tables=false --data-root \"$1/root\" "
                 "--exec-root \"$1/exec\" --pidfile \"$1/pid\" -H \"unix://$1/sock\" >\"$1/log\" 2>&1"),
             dockerd, dockerDir_},
            QString(), &dockerPid_);
        dockerEnv_ = QProcessEnvironment::systemEnvironment();
        dockerEnv_.insert(QStringLiteral("DOCKER_HOST"), QStringLiteral("unix://") + sock);
        dockerEnv_.insert(QStringLiteral("SWB_DOCKER"), QStringLiteral("/usr/bin/docker"));
        bool up = false;
        for (int i = 0; i < 300 && !up; ++i) {
            QTest::qWait(100);
            up = run(QStringLiteral("/usr/bin/docker"), {QStringLiteral("info")}, dockerEnv_, 10000)
                     .exitCode == 0;
        }
        if (!up) {
            QFile log(dockerDir_ + QStringLiteral("/log"));
            (void)log.open(QIODevice::ReadOnly);
            QFAIL(qPrintable(QStringLiteral("dockerd did not start: ") +
                             QString::fromLocal8Bit(log.readAll().right(2000))));
        }
        const QString tar = archive_.mid(QStringLiteral("docker-archive:").size());
        const Run load = run(QStringLiteral("/usr/bin/docker"),
                             {QStringLiteral("load"), QStringLiteral("-i"), tar}, dockerEnv_);
        QVERIFY2(load.exitCode == 0 && load.out.contains(QStringLiteral("swb-test/redis:7")),
                 qPrintable(load.err + load.out));

        // The engine's image reads back as the same image (docker save under the hood).
        const Run inspect = run(
            kSwb,
            {QStringLiteral("image"), QStringLiteral("inspect"), QStringLiteral("docker:swb-test/redis:7")},
            dockerEnv_);
        QVERIFY2(inspect.exitCode == 0 && inspect.out.contains(QStringLiteral("docker-entrypoint.sh")),
                 qPrintable(inspect.err));

        const QString image = QStringLiteral("docker:swb-test/redis:7");
        const Run good = run(kSwb,
                             QStringList{QStringLiteral("validate"), QStringLiteral("--image"), image,
                                         QStringLiteral("--engine"), QStringLiteral("docker"),
                                         QStringLiteral("--profile"), profile_, QStringLiteral("--enforce")} +
                                 clientArgs(),
                             dockerEnv_);
        QVERIFY2(good.exitCode == 0, qPrintable(good.err));
        QVERIFY2(good.err.contains(QStringLiteral("client exit status 0")), qPrintable(good.err));
        const Run goodComplain = run(kSwb,
                                     QStringList{QStringLiteral("validate"), QStringLiteral("--image"), image,
                                                 QStringLiteral("--engine"), QStringLiteral("docker"),
                                                 QStringLiteral("--profile"), profile_} +
                                         clientArgs(),
                                     dockerEnv_);
        QVERIFY2(goodComplain.exitCode == 0, qPrintable(goodComplain.err));
        // runc in Docker's mode (no no_new_privs) may try fchown on the stdio of a non-root user and
        // ignores its EPERM; nothing of the program's is denied.
        QVERIFY2(!goodComplain.err.contains(QStringLiteral("by redis-server")), qPrintable(goodComplain.err));

        const Run bad =
            run(kSwb,
                QStringList{QStringLiteral("validate"), QStringLiteral("--image"), image,
                            QStringLiteral("--engine"), QStringLiteral("docker"), QStringLiteral("--profile"),
                            missing_, QStringLiteral("--enforce"), QStringLiteral("--wait-port"),
                            QStringLiteral("0"), QStringLiteral("--duration"), QStringLiteral("20"),
                            QStringLiteral("--"), QStringLiteral("sh"), QStringLiteral("-c"),
                            QStringLiteral("sleep 1; ") + client_},
                dockerEnv_);
        QVERIFY2(bad.exitCode != 0, qPrintable(bad.err));
        const Run named = run(kSwb,
                              QStringList{QStringLiteral("validate"), QStringLiteral("--image"), image,
                                          QStringLiteral("--engine"), QStringLiteral("docker"),
                                          QStringLiteral("--profile"), missing_} +
                                  clientArgs(),
                              dockerEnv_);
        QVERIFY2(named.exitCode == 0, qPrintable(named.err));
        QVERIFY2(named.err.contains(
                     QRegularExpression(QStringLiteral("violation: listen x1 by redis-server\\[\\d+\\]"))),
                 qPrintable(named.err));
        stopDocker();
    }

    void underPodman() {
        if (!QFile::exists(QStringLiteral("/usr/bin/podman")))
            QSKIP("podman is not installed (scripts/deps.sh installs it)");
        // Rootful Podman with storage of its own (a wrapper that swb calls through SWB_PODMAN).
        const QString dir = work_.filePath(QStringLiteral("podman"));
        QVERIFY(QDir().mkpath(dir));
        const QString wrapper = dir + QStringLiteral("/podman");
        QFile w(wrapper);
        QVERIFY(w.open(QIODevice::WriteOnly));
        w.write(
            QStringLiteral(
                "#!/bin/sh\nexec /usr/bin/podman --root '%1/root' --runroot '%1/run' --storage-driver vfs "
                "\"$@\"\n")
                .arg(dir)
                .toUtf8());
        w.close();
        QVERIFY(w.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner));
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("SWB_PODMAN"), wrapper);
        const QString tar = archive_.mid(QStringLiteral("docker-archive:").size());
        const Run load = run(wrapper, {QStringLiteral("load"), QStringLiteral("-i"), tar}, env);
        QVERIFY2(load.exitCode == 0, qPrintable(load.err + load.out));
        const QString image = QStringLiteral("podman:localhost/swb-test/redis:7");
        const Run good = run(kSwb,
                             QStringList{QStringLiteral("validate"), QStringLiteral("--image"), image,
                                         QStringLiteral("--engine"), QStringLiteral("podman"),
                                         QStringLiteral("--profile"), profile_, QStringLiteral("--enforce")} +
                                 clientArgs(),
                             env);
        QVERIFY2(good.exitCode == 0, qPrintable(good.err));
        QVERIFY2(good.err.contains(QStringLiteral("client exit status 0")), qPrintable(good.err));
        const Run named = run(kSwb,
                              QStringList{QStringLiteral("validate"), QStringLiteral("--image"), image,
                                          QStringLiteral("--engine"), QStringLiteral("podman"),
                                          QStringLiteral("--profile"), missing_} +
                                  clientArgs(),
                              env);
        QVERIFY2(named.exitCode == 0, qPrintable(named.err));
        QVERIFY2(named.err.contains(
                     QRegularExpression(QStringLiteral("violation: listen x1 by redis-server\\[\\d+\\]"))),
                 qPrintable(named.err));
        (void)run(wrapper, {QStringLiteral("rmi"), QStringLiteral("-a"), QStringLiteral("-f")}, env);
    }
};

QTEST_GUILESS_MAIN(TstImageServer)
#include "tst_image_server.moc"
