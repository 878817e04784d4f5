// The LD_PRELOAD phase switch on a real server: redis-server runs its init with every syscall and,
// from its first epoll_wait on, under a serving filter made from a trace of redis's own serving
// phase. Serving works; a command that needs an init-only syscall (CONFIG SET port: socket, bind,
// listen) fails and redis keeps serving.
#include "profile/seccomp_filter.h"
#include "trace/trace_file.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <arpa/inet.h>
#include <fstream>
#include <netinet/in.h>
#include <set>
#include <sys/socket.h>
#include <unistd.h>

using namespace swb;

namespace {

const QString kLibrary = QStringLiteral(SWB_BIN_DIR "/../lib/libswb-phase.so");

// A TCP port nothing listens on right now (the kernel picks it).
int freePort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    ::close(fd);
    return port;
}

bool listening(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

// One redis-cli command on the unix socket; its output, trimmed.
QString cli(const QString& socket, const QStringList& args) {
    QProcess p;
    p.start(QStringLiteral("redis-cli"), QStringList{QStringLiteral("-s"), socket} + args);
    if (!p.waitForFinished(30000)) {
        p.kill();
        p.waitForFinished();
        return QStringLiteral("<redis-cli timed out>");
    }
    return QString::fromLocal8Bit(p.readAllStandardOutput() + p.readAllStandardError()).trimmed();
}

// Waits until redis answers PING (it is up); false when it never does or the process ended.
bool waitForRedis(const QString& socket, QProcess& server) {
    for (int i = 0; i < 600; ++i) {
        if (server.state() == QProcess::NotRunning)
            return false;
        if (QFile::exists(socket) && cli(socket, {QStringLiteral("PING")}) == QLatin1String("PONG"))
            return true;
        server.waitForFinished(100);
    }
    return false;
}

QStringList redisArgs(const QString& dir, const QString& socket) {
    return {QStringLiteral("--port"),       QStringLiteral("0"),
            QStringLiteral("--unixsocket"), socket,
            QStringLiteral("--save"),       QString(),
            QStringLiteral("--appendonly"), QStringLiteral("no"),
            QStringLiteral("--dir"),        dir,
            QStringLiteral("--daemonize"),  QStringLiteral("no"),
            QStringLiteral("--logfile"),    QString(),
            QStringLiteral("--loglevel"),   QStringLiteral("notice")};
}

// The serving workload, the same in the profiling run and in the filtered run.
bool serve(const QString& socket) {
    return cli(socket, {QStringLiteral("PING")}) == QLatin1String("PONG") &&
           cli(socket, {QStringLiteral("SET"), QStringLiteral("k"), QStringLiteral("v1")}) ==
               QLatin1String("OK") &&
           cli(socket, {QStringLiteral("GET"), QStringLiteral("k")}) == QLatin1String("v1") &&
           cli(socket, {QStringLiteral("INCR"), QStringLiteral("n")}) == QLatin1String("1") &&
           cli(socket, {QStringLiteral("INFO"), QStringLiteral("server")})
               .contains(QLatin1String("redis_version"));
}

bool shutdown(const QString& socket, QProcess& server) {
    cli(socket, {QStringLiteral("SHUTDOWN"), QStringLiteral("NOSAVE")});
    return server.waitForFinished(60000) && server.exitStatus() == QProcess::NormalExit;
}

std::string seccompStatus(qint64 pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line, out;
    while (std::getline(in, line))
        if (line.starts_with("Seccomp"))
            out += line + "\n";
    return out;
}

} // namespace

class TestPhaseRedis : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString filterPath_;
    std::set<std::string> serving_;

    QString socketPath(const char* name) const { return dir_.filePath(QLatin1String(name)); }

private slots:
    void initTestCase() {
        if (QStandardPaths::findExecutable(QStringLiteral("redis-server")).isEmpty() ||
            QStandardPaths::findExecutable(QStringLiteral("redis-cli")).isEmpty())
            QSKIP("redis-server / redis-cli not installed (scripts/deps.sh installs them)");
        QVERIFY(dir_.isValid());
        QVERIFY2(QFile::exists(kLibrary), "libswb-phase.so is not built");
    }

    // Trace redis (library preloaded, inactive) through its init and a serving workload; the serving
    // set is every syscall entered at or after its first epoll_wait, the switch point.
    void profileTheServingPhase() {
        const QString socket = socketPath("trace.sock");
        const QString traceFile = dir_.filePath(QStringLiteral("redis.swbtrace"));
        QProcess swb;
        swb.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        swb.setStandardOutputFile(dir_.filePath(QStringLiteral("trace-redis.log")));
        swb.start(QStringLiteral(SWB_BIN_DIR "/swb"),
                  QStringList{QStringLiteral("trace"), QStringLiteral("-o"), traceFile, QStringLiteral("--"),
                              QStringLiteral("env"), QStringLiteral("LD_PRELOAD=") + kLibrary,
                              QStringLiteral("redis-server")} +
                      redisArgs(dir_.path(), socket));
        QVERIFY(waitForRedis(socket, swb));
        QVERIFY(serve(socket));
        QVERIFY(shutdown(socket, swb));
        QCOMPARE(swb.exitCode(), 0);

        const Trace trace = readTraceFile(traceFile.toStdString()).trace;
        const auto& table = SyscallTable::forArch(trace.arch);
        const int epollWait = *table.number("epoll_wait");
        std::int64_t boundary = -1;
        for (std::size_t i = 0; i < trace.eventCount() && boundary < 0; ++i)
            if (trace.nr(i) == epollWait)
                boundary = trace.timeNs(i);
        QVERIFY2(boundary >= 0, "redis never called epoll_wait");
        std::set<std::string> init;
        for (std::size_t i = 0; i < trace.eventCount(); ++i)
            (trace.timeNs(i) >= boundary ? serving_ : init).insert(table.name(trace.nr(i)));
        std::string names;
        for (const auto& n : serving_)
            names += " " + n;
        qInfo("redis: %zu syscalls in the trace, %zu distinct before the first epoll_wait, %zu from it on:%s",
              trace.eventCount(), init.size(), serving_.size(), names.c_str());
        for (const char* initOnly : {"bind", "listen"}) {
            QVERIFY2(init.count(initOnly), initOnly);
            QVERIFY2(!serving_.count(initOnly), initOnly);
        }
        Profile profile;
        profile.defaultErrno = EPERM;
        for (const auto& name : serving_)
            QVERIFY(profile.allow(name, "serving", "traced in redis's serving phase"));
        const auto bpf = compileSeccompBpf(profile);
        filterPath_ = dir_.filePath(QStringLiteral("serving.bpf"));
        std::ofstream(filterPath_.toStdString(), std::ios::binary)
            .write(reinterpret_cast<const char*>(bpf.data()), static_cast<std::streamsize>(bpf.size()));
        qInfo("serving filter: %zu instructions", bpf.size() / 8);
    }

    // Without the serving filter, CONFIG SET port works: what the filtered run refuses is the filter's doing.
    void withoutTheFilterPortChangeWorks() {
        const QString socket = socketPath("control.sock");
        QProcess redis;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("LD_PRELOAD"), kLibrary);
        redis.setProcessEnvironment(env);
        redis.setStandardOutputFile(dir_.filePath(QStringLiteral("control.log")));
        redis.start(QStringLiteral("redis-server"), redisArgs(dir_.path(), socket));
        QVERIFY(waitForRedis(socket, redis));
        const int port = freePort();
        QCOMPARE(cli(socket, {QStringLiteral("CONFIG"), QStringLiteral("SET"), QStringLiteral("port"),
                              QString::number(port)}),
                 QStringLiteral("OK"));
        QVERIFY(listening(port));
        QVERIFY(shutdown(socket, redis));
        QVERIFY(!QString::fromLocal8Bit(redis.readAllStandardError()).contains(QLatin1String("swb-phase")));
    }

    void servingFilterBlocksInitOnlySyscalls() {
        QVERIFY2(!filterPath_.isEmpty(), "profileTheServingPhase did not run");
        const QString socket = socketPath("served.sock");
        QProcess redis;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("LD_PRELOAD"), kLibrary);
        env.insert(QStringLiteral("SWB_SERVING_FILTER"), filterPath_);
        redis.setProcessEnvironment(env);
        const QString log = dir_.filePath(QStringLiteral("served.log"));
        redis.setStandardOutputFile(log);
        redis.start(QStringLiteral("redis-server"), redisArgs(dir_.path(), socket));
        QString err;
        const bool up = waitForRedis(socket, redis);
        err += QString::fromLocal8Bit(redis.readAllStandardError());
        QVERIFY2(up, qPrintable(QStringLiteral("redis is not up (%1, status %2 code %3): %4")
                                    .arg(redis.state() == QProcess::NotRunning ? QStringLiteral("ended")
                                                                               : QStringLiteral("running"))
                                    .arg(int(redis.exitStatus()))
                                    .arg(redis.exitCode())
                                    .arg(err)));
        // The first PING was answered from the event loop, so the switch has happened.
        const std::string status = seccompStatus(redis.processId());
        QVERIFY2(status.find("Seccomp:\t2") != std::string::npos, status.c_str());
        QVERIFY(serve(socket));
        const int port = freePort();
        const QString reply = cli(socket, {QStringLiteral("CONFIG"), QStringLiteral("SET"),
                                           QStringLiteral("port"), QString::number(port)});
        QVERIFY2(reply.startsWith(QLatin1String("ERR")) && reply.contains(QLatin1String("Unable to listen")),
                 qPrintable(reply));
        QVERIFY(!listening(port));
        // Still serving.
        QCOMPARE(cli(socket, {QStringLiteral("GET"), QStringLiteral("k")}), QStringLiteral("v1"));
        QCOMPARE(cli(socket, {QStringLiteral("INCR"), QStringLiteral("n")}), QStringLiteral("2"));
        QVERIFY(shutdown(socket, redis));
        QCOMPARE(redis.exitCode(), 0);
        err += QString::fromLocal8Bit(redis.readAllStandardError());
        QVERIFY2(err.contains(QLatin1String("swb-phase: serving filter installed (trigger: epoll_wait, ")),
                 qPrintable(err));
        QCOMPARE(err.count(QLatin1String("swb-phase")), 1);
        QFile f(log);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QString text = QString::fromLocal8Bit(f.readAll());
        // redis's own account: the listening socket failed with EPERM (errno 1), the filter's errno.
        const QStringList failure =
            text.split(QLatin1Char('\n'))
                .filter(QStringLiteral("Could not create server TCP listening socket"));
        QCOMPARE(failure.size(), 1);
        QVERIFY2(failure[0].endsWith(QLatin1String("errno: 1")), qPrintable(failure[0]));
    }
};

QTEST_GUILESS_MAIN(TestPhaseRedis)
#include "tst_phase_redis.moc"
