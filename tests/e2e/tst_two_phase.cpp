// Real servers driven by their own clients: trace a workload, build the two-phase profile from the
// trace (start filter + serving filter), then run the same workload again with the start filter
// enforced by seccomp and the serving filter stacked by libswb-phase.so at the first serving-loop
// call. Zero violations, a serving phase strictly smaller than the whole, and a Docker profile that
// is a fraction of Docker's default.
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <set>

namespace {

const QString kSwb = QStringLiteral(SWB_BIN_DIR "/swb");

struct Run {
    int exitCode = -1;
    QString out, err;
};

Run run(const QString& program, const QStringList& args, int timeoutMs = 240000) {
    QProcess p;
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

QStringList lines(const QString& text) {
    return text.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
}

// Names allowed by a Docker profile we wrote (entries with SCMP_ACT_ALLOW).
std::set<QString> dockerAllowed(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    std::set<QString> out;
    const auto doc = QJsonDocument::fromJson(f.readAll());
    for (const auto& entry : doc.object().value(QStringLiteral("syscalls")).toArray()) {
        const auto o = entry.toObject();
        if (o.value(QStringLiteral("action")).toString() != QStringLiteral("SCMP_ACT_ALLOW"))
            continue;
        for (const auto& n : o.value(QStringLiteral("names")).toArray())
            out.insert(n.toString());
    }
    return out;
}

} // namespace

class TstTwoPhase : public QObject {
    Q_OBJECT
    QTemporaryDir work_;

private slots:
    void servers_data() {
        QTest::addColumn<QString>("script");
        QTest::addColumn<QString>("binary");
        QTest::addColumn<int>("port");
        QTest::newRow("redis-server")
            << QStringLiteral("redis.sh") << QStringLiteral("/usr/bin/redis-server") << 17311;
        QTest::newRow("nginx") << QStringLiteral("nginx.sh") << QStringLiteral("/usr/sbin/nginx") << 17321;
        QTest::newRow("memcached") << QStringLiteral("memcached.sh") << QStringLiteral("/usr/bin/memcached")
                                   << 17331;
    }

    void servers() {
        QFETCH(QString, script);
        QFETCH(QString, binary);
        QFETCH(int, port);
        if (!QFile::exists(binary))
            QSKIP(qPrintable(binary + QStringLiteral(" is not installed (scripts/deps.sh installs it)")));
        const QString tag = QString::fromLatin1(QTest::currentDataTag());
        const QString scripts = QStringLiteral(SWB_SOURCE_DIR "/tests/e2e/servers/");
        const QString traceDir = work_.filePath(tag + QStringLiteral("-trace"));
        const QString validateDir = work_.filePath(tag + QStringLiteral("-validate"));
        QVERIFY(QDir().mkpath(traceDir) && QDir().mkpath(validateDir));
        const QString trace = work_.filePath(tag + QStringLiteral(".swbtrace"));

        // 1. The workload, traced.
        Run r = run(QStringLiteral("/bin/sh"),
                    {scripts + script, traceDir, QString::number(port), kSwb, QStringLiteral("trace"),
                     QStringLiteral("-o"), trace, QStringLiteral("--")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));

        // 2. The phases: a serving-loop boundary, and a serving set strictly smaller than init's.
        r = run(kSwb, {QStringLiteral("phases"), trace});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains(QStringLiteral("auto (serving-loop)")), qPrintable(r.out));
        r = run(kSwb, {QStringLiteral("syscalls"), QStringLiteral("--phase"), QStringLiteral("init"), trace});
        const auto init = lines(r.out);
        r = run(kSwb,
                {QStringLiteral("syscalls"), QStringLiteral("--phase"), QStringLiteral("serving"), trace});
        const auto serving = lines(r.out);
        r = run(kSwb, {QStringLiteral("syscalls"), trace});
        const auto all = lines(r.out);
        QVERIFY2(!serving.isEmpty() && serving.size() < init.size(),
                 qPrintable(QStringLiteral("init %1, serving %2").arg(init.size()).arg(serving.size())));

        // 3. The two-phase profile: start filter (both phases + runc's own syscalls) and serving filter.
        const QString profile = work_.filePath(tag + QStringLiteral(".json"));
        const QString servingProfile = work_.filePath(tag + QStringLiteral(".serving.json"));
        r = run(kSwb, {QStringLiteral("profile"), trace, QStringLiteral("--phase"), QStringLiteral("both"),
                       QStringLiteral("--format"), QStringLiteral("docker"), QStringLiteral("-o"), profile});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        const auto startSet = dockerAllowed(profile);
        const auto servingSet = dockerAllowed(servingProfile);
        QVERIFY2(startSet.size() >= std::size_t(all.size()), qPrintable(r.err));
        // The serving filter: exactly what was seen serving, plus the kernel-issued group, plus the
        // allocator's memory calls seen during init (a worker thread's first malloc may fall on
        // either side of the switch: a CI run saw memcached's make a new arena after it).
        std::set<QString> expectedServing(serving.begin(), serving.end());
        expectedServing.insert(QStringLiteral("restart_syscall"));
        expectedServing.insert(QStringLiteral("rt_sigreturn"));
        for (const char* memory : {"mmap", "munmap", "mprotect", "madvise", "brk", "mremap"})
            if (init.contains(QLatin1String(memory)))
                expectedServing.insert(QLatin1String(memory));
        QVERIFY2(servingSet == expectedServing,
                 qPrintable(QStringLiteral("%1 vs %2").arg(servingSet.size()).arg(expectedServing.size())));
        QVERIFY(servingSet.size() < startSet.size());
        // A fraction of Docker's default profile (about 291 x86-64 syscalls).
        QVERIFY2(startSet.size() < 291 / 2, qPrintable(QString::number(startSet.size())));

        // 4. The same workload, enforced: no violation, and the serving filter was really installed.
        const QString validated = work_.filePath(tag + QStringLiteral("-enforced.swbtrace"));
        r = run(QStringLiteral("/bin/sh"),
                {scripts + script, validateDir, QString::number(port + 1), kSwb, QStringLiteral("validate"),
                 QStringLiteral("--profile"), profile, QStringLiteral("--serving-profile"), servingProfile,
                 QStringLiteral("--enforce"), QStringLiteral("-o"), validated, QStringLiteral("--")});
        // The server's output and logs (nginx's workers write stderr to its error log).
        QString logText;
        QDirIterator it(validateDir, {QStringLiteral("*.log"), QStringLiteral("*.out")}, QDir::Files,
                        QDirIterator::Subdirectories);
        while (it.hasNext()) {
            QFile log(it.next());
            if (log.open(QIODevice::ReadOnly))
                logText += QString::fromLocal8Bit(log.readAll());
        }
        QVERIFY2(r.exitCode == 0, qPrintable(r.err + logText));
        QVERIFY2(logText.contains(QStringLiteral("swb-phase: serving filter installed")),
                 qPrintable(logText));
        // swb validate's report shares the server's log (the script redirects both).
        QVERIFY2(logText.contains(QStringLiteral("enforce mode: 0 violations")), qPrintable(logText));
        qInfo("%s: init %lld, serving %lld, all %lld; docker start profile %zu, serving profile %zu",
              qPrintable(tag), static_cast<long long>(init.size()), static_cast<long long>(serving.size()),
              static_cast<long long>(all.size()), startSet.size(), servingSet.size());
    }
};

QTEST_GUILESS_MAIN(TstTwoPhase)
#include "tst_two_phase.moc"
