// Soundness of the static analyzer: for real programs driven by a real workload under the tracer,
// every syscall the program's own processes made must be in the statically computed set.
#include "static/analysis_file.h"
#include "trace/trace_file.h"

#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <set>

using namespace swb;

namespace {

QString swbBinary() {
    return QStringLiteral(SWB_BIN_DIR "/swb");
}

int run(const QString& program, const QStringList& args, QString* err) {
    QProcess p;
    p.setStandardOutputFile(QProcess::nullDevice());
    p.start(program, args);
    if (!p.waitForFinished(600000)) {
        p.kill();
        p.waitForFinished();
        *err = QStringLiteral("timed out");
        return -1;
    }
    *err = QString::fromLocal8Bit(p.readAllStandardError());
    return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}

// Syscalls made by processes running `image`, leaving out the execve that started each of them
// (the previous image made that call).
std::set<int> dynamicSyscalls(const Trace& t, const std::string& image) {
    std::set<Pid> pids;
    for (const auto& p : t.processes)
        if (QFileInfo(QString::fromStdString(p.image)).canonicalFilePath() ==
            QFileInfo(QString::fromStdString(image)).canonicalFilePath())
            pids.insert(p.pid);
    std::set<int> out;
    std::set<Pid> sawExec;
    const int execve = *SyscallTable::forArch(t.arch).number("execve");
    for (std::size_t i = 0; i < t.eventCount(); ++i) {
        if (!pids.count(t.pid(i)))
            continue;
        if (t.nr(i) == execve && t.ret(i) == 0 && sawExec.insert(t.pid(i)).second)
            continue;
        out.insert(t.nr(i));
    }
    return out;
}

} // namespace

class TestStaticSoundness : public QObject {
    Q_OBJECT
    QTemporaryDir work_;

private slots:
    void initTestCase() {
        QVERIFY(work_.isValid());
        qputenv("XDG_CACHE_HOME", work_.filePath(QStringLiteral("cache")).toLocal8Bit());
    }

    void dynamicIsSubsetOfStatic_data() {
        QTest::addColumn<QString>("binary");
        QTest::addColumn<QString>("script");
        QTest::addColumn<QStringList>("dlopen");
        // $W is a private scratch directory.
        QTest::newRow("fixture features") << QStringLiteral(SWB_FIXTURE_DIR "/sa_features")
                                          << QStringLiteral(SWB_FIXTURE_DIR "/sa_features") << QStringList();
        QTest::newRow("static binary") << QStringLiteral(SWB_FIXTURE_DIR "/fx_static_raw")
                                       << QStringLiteral(SWB_FIXTURE_DIR "/fx_static_raw") << QStringList();
        QTest::newRow("iconv with gconv modules")
            << QStringLiteral(SWB_FIXTURE_DIR "/sa_iconv") << QStringLiteral(SWB_FIXTURE_DIR "/sa_iconv")
            << QStringList();
        // A name that resolves nowhere: glibc's dns service queries the nameserver (socket, connect,
        // sendmmsg, poll, recvfrom), reached from getaddrinfo by a dlsym edge.
        QTest::newRow("getaddrinfo through the resolver")
            << QStringLiteral(SWB_FIXTURE_DIR "/sa_resolve")
            << QStringLiteral("RES_OPTIONS='timeout:1 attempts:1' " SWB_FIXTURE_DIR
                              "/sa_resolve example.invalid; " SWB_FIXTURE_DIR "/sa_resolve localhost; true")
            << QStringList();
        // getent looks up through every NSS service of nsswitch.conf, systemd's included where listed.
        QTest::newRow("getent")
            << QStringLiteral("/usr/bin/getent")
            << QStringLiteral(
                   "getent passwd root swb-no-such-user; getent group root; getent hosts localhost; "
                   "getent ahosts localhost; getent services ssh; true")
            << QStringList();
        QTest::newRow("threads") << QStringLiteral(SWB_FIXTURE_DIR "/fx_threads")
                                 << QStringLiteral(SWB_FIXTURE_DIR "/fx_threads") << QStringList();
        QTest::newRow("ls") << QStringLiteral("/usr/bin/ls")
                            << QStringLiteral("ls -la /usr/bin /proc/self > /dev/null") << QStringList();
        QTest::newRow("sort") << QStringLiteral("/usr/bin/sort")
                              << QStringLiteral("seq 1 100000 | sort --parallel=2 -S 4M -rn > /dev/null")
                              << QStringList();
        QTest::newRow("cp") << QStringLiteral("/usr/bin/cp")
                            << QStringLiteral("cp -a /etc/os-release $W/x && cp -r /usr/share/doc/bash $W/d")
                            << QStringList();
        QTest::newRow("find") << QStringLiteral("/usr/bin/find")
                              << QStringLiteral(
                                     "find /usr/share/doc -maxdepth 2 -name 'c*' -newer /etc/hostname "
                                     "-printf '%p %s\\n' > /dev/null")
                              << QStringList();
        QTest::newRow("grep") << QStringLiteral("/usr/bin/grep")
                              << QStringLiteral(
                                     "grep -rIl --include='*.conf' -e root /etc > /dev/null || true")
                              << QStringList();
        QTest::newRow("tar")
            << QStringLiteral("/usr/bin/tar")
            << QStringLiteral("tar -C /usr/share/doc -cf $W/a.tar bash coreutils && "
                              "mkdir -p $W/x && tar -C $W/x -xpf $W/a.tar && tar -tvf $W/a.tar > /dev/null")
            << QStringList();
        QTest::newRow("gzip")
            << QStringLiteral("/usr/bin/gzip")
            << QStringLiteral("seq 1 50000 > $W/s && gzip -9 $W/s && gzip -t $W/s.gz && gzip -d $W/s.gz")
            << QStringList();
        QTest::newRow("date")
            << QStringLiteral("/usr/bin/date")
            << QStringLiteral(
                   "TZ=Europe/Paris date -d '2026-01-01 12:00' +%s > /dev/null; date -u > /dev/null")
            << QStringList();
        QTest::newRow("sqlite3") << QStringLiteral("/usr/bin/sqlite3")
                                 << QStringLiteral(
                                        "sqlite3 $W/db 'create table t(a); insert into t values (1),(2);"
                                        " select sum(a) from t;'")
                                 << QStringList();
        QTest::newRow("redis-server")
            << QStringLiteral("/usr/bin/redis-server")
            << QStringLiteral(
                   "redis-server --port 0 --unixsocket $W/r.sock --save '' --appendonly no --dir $W "
                   "> /dev/null & sleep 0.3; until redis-cli -s $W/r.sock ping > /dev/null 2>&1; "
                   "do sleep 0.1; done; redis-cli -s $W/r.sock set k v > /dev/null; "
                   "redis-cli -s $W/r.sock lpush l a b c > /dev/null; "
                   "redis-cli -s $W/r.sock shutdown nosave > /dev/null 2>&1; wait")
            << QStringList();
        QTest::newRow("nginx") << QStringLiteral("/usr/sbin/nginx") << QStringLiteral("@nginx.sh")
                               << QStringList{QStringLiteral("/usr/lib/nginx/modules/*.so")};
        QTest::newRow("memcached") << QStringLiteral("/usr/bin/memcached") << QStringLiteral("@memcached.sh")
                                   << QStringList();
        QTest::newRow("python3") << QStringLiteral("/usr/bin/python3.11") << QStringLiteral("@python3.sh")
                                 << QStringList{QStringLiteral("/usr/lib/python3.11/lib-dynload/*.so")};
    }

    void dynamicIsSubsetOfStatic() {
        QFETCH(QString, binary);
        QFETCH(QString, script);
        QFETCH(QStringList, dlopen);
        const QString tag =
            QString::fromLatin1(QTest::currentDataTag()).replace(QLatin1Char(' '), QLatin1Char('_'));
        const QString scratch = work_.filePath(tag);
        QVERIFY(QDir().mkpath(scratch));
        QString err;

        const QString analysis = work_.filePath(tag + QStringLiteral(".swbanalysis"));
        QStringList analyzeArgs{QStringLiteral("analyze"), QStringLiteral("-o"), analysis};
        for (const auto& pattern : dlopen) {
            // A glob: every matching file is a library the program may dlopen.
            const QFileInfo fi(pattern);
            const auto files = QDir(fi.path()).entryInfoList({fi.fileName()}, QDir::Files);
            QVERIFY2(!files.isEmpty(), qPrintable(pattern));
            for (const auto& f : files)
                analyzeArgs << QStringLiteral("--dlopen") << f.absoluteFilePath();
        }
        analyzeArgs << binary;
        QVERIFY2(run(swbBinary(), analyzeArgs, &err) == 0, qPrintable(err));

        const QString trace = work_.filePath(tag + QStringLiteral(".swbtrace"));
        QString full = QStringLiteral("W=") + scratch + QStringLiteral("; ") + script;
        if (script.startsWith(QLatin1Char('@')))
            full = QStringLiteral("sh " SWB_SOURCE_DIR "/tests/e2e/workloads/") + script.mid(1) +
                   QLatin1Char(' ') + scratch;
        QVERIFY2(run(swbBinary(),
                     {QStringLiteral("trace"), QStringLiteral("-o"), trace, QStringLiteral("--"),
                      QStringLiteral("/bin/sh"), QStringLiteral("-c"), full},
                     &err) == 0,
                 qPrintable(err));

        const auto graph = readAnalysisFile(analysis.toStdString());
        const auto staticList = graph.syscalls();
        const std::set<int> statically(staticList.begin(), staticList.end());
        const auto loaded = readTraceFile(trace.toStdString());
        const auto dynamically = dynamicSyscalls(loaded.trace, binary.toStdString());
        QVERIFY2(dynamically.size() > 5, "the workload did not run the program");

        const auto& table = SyscallTable::forArch(graph.arch);
        std::string missed;
        for (int nr : dynamically)
            if (!statically.count(nr))
                missed += " " + table.name(nr);
        const std::string msg = "seen at run time but not found statically:" + missed + " (static set has " +
                                std::to_string(statically.size()) + ")";
        QVERIFY2(missed.empty(), msg.c_str());
        qInfo("%s: %zu dynamic, %zu static", qPrintable(tag), dynamically.size(), statically.size());
    }
};

QTEST_GUILESS_MAIN(TestStaticSoundness)
#include "tst_static_soundness.moc"
