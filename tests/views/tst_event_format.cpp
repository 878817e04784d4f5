#include "model/trace.h"
#include "models/event_format.h"

#include <QTest>

#include <cerrno>
#include <limits>

using namespace swb;

class TestEventFormat : public QObject {
    Q_OBJECT
private slots:
    void timestamp_data() {
        QTest::addColumn<qint64>("ns");
        QTest::addColumn<QString>("expected");
        QTest::newRow("zero") << qint64{0} << QStringLiteral("0.000000");
        QTest::newRow("one microsecond") << qint64{1'000} << QStringLiteral("0.000001");
        QTest::newRow("below a microsecond") << qint64{999} << QStringLiteral("0.000000");
        QTest::newRow("seconds") << qint64{12'345'678'901} << QStringLiteral("12.345678");
        QTest::newRow("an hour") << qint64{3'600'000'000'000} << QStringLiteral("3600.000000");
        QTest::newRow("negative") << qint64{-1'500'000'000} << QStringLiteral("-1.500000");
        QTest::newRow("most negative")
            << std::numeric_limits<qint64>::min() << QStringLiteral("-9223372036.854775");
    }
    void timestamp() {
        QFETCH(qint64, ns);
        QFETCH(QString, expected);
        QCOMPARE(formatTimestamp(ns), expected);
    }

    void returnValue_data() {
        QTest::addColumn<qint64>("ret");
        QTest::addColumn<int>("flags");
        QTest::addColumn<QString>("expected");
        QTest::addColumn<QString>("description");
        QTest::newRow("zero") << qint64{0} << 0 << QStringLiteral("0") << QString();
        QTest::newRow("positive") << qint64{42} << 0 << QStringLiteral("42") << QString();
        QTest::newRow("large count") << qint64{16'777'215} << 0 << QStringLiteral("16777215") << QString();
        QTest::newRow("ENOENT") << qint64{-ENOENT} << 0 << QStringLiteral("-ENOENT")
                                << QStringLiteral("ENOENT: No such file or directory");
        QTest::newRow("EPERM") << qint64{-EPERM} << 0 << QStringLiteral("-EPERM")
                               << QStringLiteral("EPERM: Operation not permitted");
        QTest::newRow("kernel-internal errno") << qint64{-512} << 0 << QStringLiteral("-512") << QString();
        QTest::newRow("lowest errno") << qint64{-4095} << 0 << QStringLiteral("-4095") << QString();
        QTest::newRow("below the errno range") << qint64{-4096} << 0 << QStringLiteral("-4096") << QString();
        QTest::newRow("address") << qint64{0x7f0000000000} << 0 << QStringLiteral("0x7f0000000000")
                                 << QString();
        QTest::newRow("no return") << qint64{0} << int{EventNoReturn} << QStringLiteral("?") << QString();
        QTest::newRow("no return with errno")
            << qint64{-ENOENT} << int{EventNoReturn} << QStringLiteral("?") << QString();
        QTest::newRow("unknown arguments do not matter")
            << qint64{-EBADF} << int{EventNoArgs} << QStringLiteral("-EBADF")
            << QStringLiteral("EBADF: Bad file descriptor");
    }
    void returnValue() {
        QFETCH(qint64, ret);
        QFETCH(int, flags);
        QFETCH(QString, expected);
        QFETCH(QString, description);
        QCOMPARE(formatReturnValue(ret, static_cast<std::uint8_t>(flags)), expected);
        QCOMPARE(returnValueDescription(ret, static_cast<std::uint8_t>(flags)), description);
    }

    void arguments_data() {
        QTest::addColumn<quint64>("a0");
        QTest::addColumn<quint64>("a1");
        QTest::addColumn<quint64>("a5");
        QTest::addColumn<int>("flags");
        QTest::addColumn<QString>("expected");
        QTest::newRow("all zero") << quint64{0} << quint64{0} << quint64{0} << 0
                                  << QStringLiteral("0, 0, 0, 0, 0, 0");
        QTest::newRow("hex") << quint64{3} << quint64{0x7ffd2000} << quint64{0} << 0
                             << QStringLiteral("0x3, 0x7ffd2000, 0, 0, 0, 0");
        QTest::newRow("all bits") << quint64{0} << quint64{0} << std::numeric_limits<quint64>::max() << 0
                                  << QStringLiteral("0, 0, 0, 0, 0, 0xffffffffffffffff");
        QTest::newRow("unknown") << quint64{3} << quint64{4} << quint64{5} << int{EventNoArgs}
                                 << QStringLiteral("?");
    }
    void arguments() {
        QFETCH(quint64, a0);
        QFETCH(quint64, a1);
        QFETCH(quint64, a5);
        QFETCH(int, flags);
        QFETCH(QString, expected);
        QCOMPARE(formatArguments({a0, a1, 0, 0, 0, a5}, static_cast<std::uint8_t>(flags)), expected);
    }

    void executable_data() {
        QTest::addColumn<QString>("image");
        QTest::addColumn<QString>("expected");
        QTest::newRow("absolute") << QStringLiteral("/usr/bin/find") << QStringLiteral("find");
        QTest::newRow("bare") << QStringLiteral("sh") << QStringLiteral("sh");
        QTest::newRow("relative") << QStringLiteral("./build/bin/swb") << QStringLiteral("swb");
        QTest::newRow("empty") << QString() << QString();
        QTest::newRow("utf-8") << QStringLiteral("/opt/größe/prüfer") << QStringLiteral("prüfer");
    }
    void executable() {
        QFETCH(QString, image);
        QFETCH(QString, expected);
        QCOMPARE(executableName(image.toStdString()), expected);
    }
};

QTEST_APPLESS_MAIN(TestEventFormat)
#include "tst_event_format.moc"
