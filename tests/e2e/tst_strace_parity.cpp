// Accuracy of the tracer: on real programs, the set of syscall names swb records equals the set
// `strace -f` sees for the same workload.
#include "trace/trace_file.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <set>

using namespace swb;

namespace {

QString swbBinary() {
    return QStringLiteral(SWB_BIN_DIR "/swb");
}

int run(const QString& program, const QStringList& args, QString* err = nullptr) {
    QProcess p;
    p.setProcessChannelMode(QProcess::SeparateChannels);
    p.setStandardOutputFile(QProcess::nullDevice());
    p.start(program, args);
    if (!p.waitForFinished(180000)) {
        p.kill();
        p.waitForFinished();
        return -1;
    }
    if (err)
        *err = QString::fromLocal8Bit(p.readAllStandardError());
    return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}

// Names from an `strace -f -o LOG` file: "PID name(" and "PID <... name resumed>".
std::set<std::string> straceNames(const QString& log) {
    QFile f(log);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    static const QRegularExpression call(QStringLiteral("^\\d+\\s+([a-z_][a-z0-9_]*)\\("));
    static const QRegularExpression resumed(
        QStringLiteral("^\\d+\\s+<\\.\\.\\. ([a-z_][a-z0-9_]*) resumed>"));
    std::set<std::string> names;
    while (!f.atEnd()) {
        const QString line = QString::fromUtf8(f.readLine());
        auto m = call.match(line);
        if (!m.hasMatch())
            m = resumed.match(line);
        if (m.hasMatch())
            names.insert(m.captured(1).toStdString());
    }
    return names;
}

std::string describe(const std::set<std::string>& s) {
    std::string out;
    for (const auto& n : s)
        out += (out.empty() ? "" : " ") + n;
    return out.empty() ? "(none)" : out;
}

} // namespace

class TestStraceParity : public QObject {
    Q_OBJECT
    QTemporaryDir work_;

private slots:
    void initTestCase() { QVERIFY(work_.isValid()); }

    void sameSyscallSetAsStrace_data() {
        QTest::addColumn<QString>("script");
        // Syscalls whose presence depends on the workload's own timing, not on the tracer: either
        // run may have them. Everything else must match exactly.
        QTest::addColumn<QStringList>("racy");
        // Each workload is a shell script run as `sh -c SCRIPT`; $W is a private scratch directory.
        QTest::newRow("coreutils ls") << QStringLiteral("ls -la /usr/bin > /dev/null") << QStringList{};
        QTest::newRow("pipeline") << QStringLiteral(
                                         "cat /etc/passwd | sort | uniq -c | sort -rn | head -3 > /dev/null")
                                  << QStringList{};
        QTest::newRow("file ops")
            << QStringLiteral(
                   "mkdir -p $W/d && cp /etc/os-release $W/d/a && mv $W/d/a $W/d/b && chmod 600 $W/d/b && "
                   "ln -s b $W/d/c && stat $W/d/c > /dev/null && rm -r $W/d")
            << QStringList{};
        QTest::newRow("tar gzip") << QStringLiteral(
                                         "tar -C /usr/share -czf - doc/bash | gzip -dc | wc -c > /dev/null")
                                  << QStringList{};
        QTest::newRow("identity") << QStringLiteral("id; date -u; uname -a; env > /dev/null; nproc")
                                  << QStringList{};
        QTest::newRow("grep find") << QStringLiteral("find /usr/share/doc -maxdepth 2 -name 'copyright' | "
                                                     "head -50 | xargs grep -l GPL > /dev/null")
                                   << QStringList{};
        QTest::newRow("multi-threaded sort")
            << QStringLiteral("seq 1 200000 | sort --parallel=4 -S 8M -r -n > /dev/null") << QStringList{};
        QTest::newRow("python3")
            << QStringLiteral(
                   "python3 -c 'import json, threading, hashlib\n"
                   "def work(i): hashlib.sha256(json.dumps(list(range(i*1000))).encode()).hexdigest()\n"
                   "ts=[threading.Thread(target=work, args=(i,)) for i in range(4)]\n"
                   "[t.start() for t in ts]; [t.join() for t in ts]'")
            << QStringList{};
        QTest::newRow("sqlite3") << QStringLiteral(
                                        "sqlite3 $W/db.sqlite 'create table t(a integer primary key, b text);"
                                        "insert into t(b) values (\"x\"),(\"y\"); create index i on t(b); "
                                        "select count(*) from t;' > "
                                        "/dev/null;"
                                        " rm -f $W/db.sqlite")
                                 << QStringList{};
        QTest::newRow("redis server and client")
            << QStringLiteral(
                   "redis-server --port 0 --unixsocket $W/r.sock --save '' --appendonly no --daemonize no "
                   "--dir $W > /dev/null & sleep 0.2; "
                   "i=0; until redis-cli -s $W/r.sock ping > /dev/null 2>&1; do i=$((i+1)); [ $i -gt 100 ] "
                   "&& exit "
                   "9; "
                   "sleep 0.1; done; "
                   "redis-cli -s $W/r.sock set k v > /dev/null && redis-cli -s $W/r.sock get k > /dev/null "
                   "&& "
                   "redis-cli -s $W/r.sock shutdown nosave > /dev/null 2>&1; wait")
            << QStringList{
                   QStringLiteral("rt_sigsuspend")}; // sh's `wait` blocks only if redis is still exiting
    }

    void sameSyscallSetAsStrace() {
        QFETCH(QString, script);
        QFETCH(QStringList, racy);
        const QString tag =
            QString::fromLatin1(QTest::currentDataTag()).replace(QLatin1Char(' '), QLatin1Char('_'));
        const QString scratch = work_.filePath(tag);
        QVERIFY(QDir().mkpath(scratch));
        const QString full = QStringLiteral("W=") + scratch + QStringLiteral("; ") + script;

        const QString log = work_.filePath(tag + QStringLiteral(".strace"));
        QString err;
        const int straceRc = run(QStringLiteral("strace"),
                                 {QStringLiteral("-f"), QStringLiteral("-qq"), QStringLiteral("-o"), log,
                                  QStringLiteral("/bin/sh"), QStringLiteral("-c"), full},
                                 &err);
        QVERIFY2(straceRc == 0,
                 qPrintable(QStringLiteral("strace run failed: %1 %2").arg(straceRc).arg(err)));

        const QString trace = work_.filePath(tag + QStringLiteral(".swbtrace"));
        const int swbRc = run(swbBinary(),
                              {QStringLiteral("trace"), QStringLiteral("-o"), trace, QStringLiteral("--"),
                               QStringLiteral("/bin/sh"), QStringLiteral("-c"), full},
                              &err);
        QVERIFY2(swbRc == 0, qPrintable(QStringLiteral("swb run failed: %1 %2").arg(swbRc).arg(err)));

        const auto expected = straceNames(log);
        QVERIFY(expected.size() > 10);
        auto loaded = readTraceFile(trace.toStdString());
        QVERIFY(loaded.warnings.empty());
        const auto names = loaded.trace.uniqueSyscallNames();
        const std::set<std::string> actual(names.begin(), names.end());

        std::set<std::string> missing, extra;
        std::set_difference(expected.begin(), expected.end(), actual.begin(), actual.end(),
                            std::inserter(missing, missing.end()));
        std::set_difference(actual.begin(), actual.end(), expected.begin(), expected.end(),
                            std::inserter(extra, extra.end()));
        for (const QString& r : racy) {
            missing.erase(r.toStdString());
            extra.erase(r.toStdString());
        }
        const std::string msg = "missed by swb: " + describe(missing) + "; only in swb: " + describe(extra);
        QVERIFY2(missing.empty() && extra.empty(), msg.c_str());
    }
};

QTEST_GUILESS_MAIN(TestStraceParity)
#include "tst_strace_parity.moc"
