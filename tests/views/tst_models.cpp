#include "models/item_roles.h"
#include "models/syscall_event_filter_model.h"
#include "models/syscall_event_model.h"
#include "models/syscall_summary_model.h"
#include "test_traces.h"

#include <QAbstractItemModelTester>
#include <QMetaEnum>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTest>

#include <cerrno>

using namespace swb;
using namespace swb::test;

namespace {

using Tester = QAbstractItemModelTester;

std::shared_ptr<const Trace> smallTrace() {
    return std::make_shared<const Trace>(makeSmallTrace());
}

QStringList columnTexts(const QAbstractItemModel& model, int column) {
    QStringList texts;
    for (int row = 0; row < model.rowCount(); ++row)
        texts.append(model.index(row, column).data().toString());
    return texts;
}

} // namespace

class TestModels : public QObject {
    Q_OBJECT
private slots:
    void eventCells_data() {
        QTest::addColumn<int>("row");
        QTest::addColumn<int>("column");
        QTest::addColumn<QString>("expected");
        using M = SyscallEventModel;
        QTest::newRow("time of the first event") << 0 << int{M::TimeColumn} << QStringLiteral("0.000001");
        QTest::newRow("time in seconds") << 2 << int{M::TimeColumn} << QStringLiteral("12.345678");
        QTest::newRow("pid") << 2 << int{M::PidColumn} << QStringLiteral("100");
        QTest::newRow("tid of a second thread") << 2 << int{M::TidColumn} << QStringLiteral("101");
        QTest::newRow("process of a thread") << 2 << int{M::ProcessColumn} << QStringLiteral("find");
        QTest::newRow("process of a child") << 3 << int{M::ProcessColumn} << QStringLiteral("sh");
        QTest::newRow("pid without a record") << 5 << int{M::ProcessColumn} << QString();
        QTest::newRow("syscall name") << 0 << int{M::SyscallColumn} << QStringLiteral("openat");
        QTest::newRow("exit_group") << 7 << int{M::SyscallColumn} << QStringLiteral("exit_group");
        QTest::newRow("unknown syscall") << 5 << int{M::SyscallColumn} << QStringLiteral("syscall_999");
        QTest::newRow("arguments") << 0 << int{M::ArgumentsColumn}
                                   << QStringLiteral("0xffffff9c, 0x7ffd2000, 0x80000, 0, 0, 0");
        QTest::newRow("unknown arguments") << 4 << int{M::ArgumentsColumn} << QStringLiteral("?");
        QTest::newRow("errno") << 0 << int{M::ReturnColumn} << QStringLiteral("-ENOENT");
        QTest::newRow("ENOSYS") << 5 << int{M::ReturnColumn} << QStringLiteral("-ENOSYS");
        QTest::newRow("file descriptor") << 1 << int{M::ReturnColumn} << QStringLiteral("3");
        QTest::newRow("kernel-internal errno") << 3 << int{M::ReturnColumn} << QStringLiteral("-512");
        QTest::newRow("address in hex") << 6 << int{M::ReturnColumn} << QStringLiteral("0x7f0000000000");
        QTest::newRow("no return") << 7 << int{M::ReturnColumn} << QStringLiteral("?");
    }
    void eventCells() {
        QFETCH(int, row);
        QFETCH(int, column);
        QFETCH(QString, expected);
        SyscallEventModel model;
        Tester tester(&model, Tester::FailureReportingMode::QtTest);
        model.setTrace(smallTrace());
        QCOMPARE(model.rowCount(), 8);
        QCOMPARE(model.columnCount(), int{SyscallEventModel::ColumnCount});
        QCOMPARE(model.index(row, column).data().toString(), expected);
    }

    void eventRoles() {
        SyscallEventModel model;
        Tester tester(&model, Tester::FailureReportingMode::QtTest);
        model.setTrace(smallTrace());
        for (int column = 0; column < model.columnCount(); ++column) {
            QCOMPARE(model.index(0, column).data(SyscallNumberRole).toInt(), kOpenat);
            QCOMPARE(model.index(7, column).data(SyscallNumberRole).toInt(), kExitGroup);
        }
        const auto sortValue = [&](int row, int column) {
            return model.index(row, column).data(SortRole);
        };
        QCOMPARE(sortValue(2, SyscallEventModel::TimeColumn).toLongLong(), 12'345'678'901);
        QCOMPARE(sortValue(0, SyscallEventModel::ReturnColumn).toLongLong(), -ENOENT);
        QCOMPARE(sortValue(6, SyscallEventModel::ReturnColumn).toLongLong(), 0x7f0000000000);
        QCOMPARE(sortValue(7, SyscallEventModel::ReturnColumn).toLongLong(),
                 std::numeric_limits<qint64>::max());
        QCOMPARE(sortValue(6, SyscallEventModel::ArgumentsColumn).toULongLong(), 0u);
        QCOMPARE(sortValue(2, SyscallEventModel::ArgumentsColumn).toULongLong(), 3u);
        QCOMPARE(sortValue(3, SyscallEventModel::ProcessColumn).toString(), QStringLiteral("sh"));
        QCOMPARE(sortValue(5, SyscallEventModel::SyscallColumn).toString(), QStringLiteral("syscall_999"));

        QCOMPARE(model.index(0, SyscallEventModel::ReturnColumn).data(Qt::ToolTipRole).toString(),
                 QStringLiteral("ENOENT: No such file or directory"));
        QVERIFY(!model.index(7, SyscallEventModel::ReturnColumn).data(Qt::ToolTipRole).toString().isEmpty());
        QCOMPARE(model.index(1, SyscallEventModel::ReturnColumn).data(Qt::ToolTipRole).toString(), QString());
        QCOMPARE(model.index(3, SyscallEventModel::ProcessColumn).data(Qt::ToolTipRole).toString(),
                 QStringLiteral("/bin/sh"));
        QCOMPARE(model.headerData(SyscallEventModel::SyscallColumn, Qt::Horizontal).toString(),
                 QStringLiteral("Syscall"));
        QCOMPARE(model.processCount(), 3);
    }

    void processNameFallsBackToArgv() {
        Trace trace;
        ProcessInfo p;
        p.pid = 7;
        p.argv = {"/usr/sbin/daemon", "--foreground"};
        trace.addProcess(p);
        ProcessInfo reused;
        reused.pid = 8;
        reused.image = "/bin/old";
        trace.addProcess(reused);
        reused.image = "/bin/new";
        reused.startNs = 50;
        trace.addProcess(reused);
        trace.append(makeEvent(10, 7, 7, kRead, 0));
        trace.append(makeEvent(60, 8, 8, kRead, 0));
        SyscallEventModel model;
        model.setTrace(std::make_shared<const Trace>(std::move(trace)));
        QCOMPARE(model.index(0, SyscallEventModel::ProcessColumn).data().toString(),
                 QStringLiteral("daemon"));
        QCOMPARE(model.index(1, SyscallEventModel::ProcessColumn).data().toString(), QStringLiteral("new"));
        QCOMPARE(model.processCount(), 2);
    }

    void eventModelResets() {
        SyscallEventModel model;
        Tester tester(&model, Tester::FailureReportingMode::QtTest);
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(!model.index(0, 0).isValid());
        model.setTrace(smallTrace());
        QCOMPARE(model.rowCount(), 8);
        model.setTrace(std::make_shared<const Trace>(makeLargeTrace(100)));
        QCOMPARE(model.rowCount(), 100);
        QCOMPARE(model.index(0, SyscallEventModel::ProcessColumn).data().toString(),
                 QStringLiteral("worker"));
        model.setTrace(nullptr);
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.processCount(), 0);
        QCOMPARE(resets.count(), 3);
    }

    void sortThroughProxy_data() {
        QTest::addColumn<int>("column");
        QTest::addColumn<Qt::SortOrder>("order");
        QTest::addColumn<QStringList>("syscalls");
        using M = SyscallEventModel;
        QTest::newRow("syscall ascending")
            << int{M::SyscallColumn} << Qt::AscendingOrder
            << QStringList{QStringLiteral("close"),       QStringLiteral("exit_group"),
                           QStringLiteral("mmap"),        QStringLiteral("openat"),
                           QStringLiteral("openat"),      QStringLiteral("read"),
                           QStringLiteral("syscall_999"), QStringLiteral("write")};
        QTest::newRow("return ascending, no return last")
            << int{M::ReturnColumn} << Qt::AscendingOrder
            << QStringList{QStringLiteral("write"), QStringLiteral("syscall_999"), QStringLiteral("openat"),
                           QStringLiteral("close"), QStringLiteral("openat"),      QStringLiteral("read"),
                           QStringLiteral("mmap"),  QStringLiteral("exit_group")};
        QTest::newRow("time descending")
            << int{M::TimeColumn} << Qt::DescendingOrder
            << QStringList{QStringLiteral("exit_group"),  QStringLiteral("mmap"),
                           QStringLiteral("syscall_999"), QStringLiteral("close"),
                           QStringLiteral("write"),       QStringLiteral("read"),
                           QStringLiteral("openat"),      QStringLiteral("openat")};
        QTest::newRow("pid descending keeps time order within a pid")
            << int{M::PidColumn} << Qt::DescendingOrder
            << QStringList{QStringLiteral("syscall_999"), QStringLiteral("write"),  QStringLiteral("mmap"),
                           QStringLiteral("exit_group"),  QStringLiteral("openat"), QStringLiteral("openat"),
                           QStringLiteral("read"),        QStringLiteral("close")};
        QTest::newRow("tid ascending")
            << int{M::TidColumn} << Qt::AscendingOrder
            << QStringList{QStringLiteral("openat"),     QStringLiteral("openat"),
                           QStringLiteral("close"),      QStringLiteral("read"),
                           QStringLiteral("write"),      QStringLiteral("mmap"),
                           QStringLiteral("exit_group"), QStringLiteral("syscall_999")};
    }
    void sortThroughProxy() {
        QFETCH(int, column);
        QFETCH(Qt::SortOrder, order);
        QFETCH(QStringList, syscalls);
        SyscallEventModel model;
        SyscallEventFilterModel proxy;
        proxy.setSourceModel(&model);
        Tester tester(&proxy, Tester::FailureReportingMode::QtTest);
        model.setTrace(smallTrace());
        proxy.sort(column, order);
        QCOMPARE(columnTexts(proxy, SyscallEventModel::SyscallColumn), syscalls);
    }

    // The proxy sorts events through SyscallEventModel::rowLessThan; it must order exactly like the
    // generic comparison of SortRole values.
    void typedSortMatchesSortRole_data() {
        QTest::addColumn<int>("column");
        QTest::addColumn<Qt::SortOrder>("order");
        for (int column = 0; column < SyscallEventModel::ColumnCount; ++column) {
            const QByteArray name = QMetaEnum::fromType<SyscallEventModel::Column>().valueToKey(column);
            QTest::addRow("%s ascending", name.constData()) << column << Qt::AscendingOrder;
            QTest::addRow("%s descending", name.constData()) << column << Qt::DescendingOrder;
        }
    }
    void typedSortMatchesSortRole() {
        QFETCH(int, column);
        QFETCH(Qt::SortOrder, order);
        SyscallEventModel model;
        model.setTrace(std::make_shared<const Trace>(makeRandomTrace(2000, 7)));
        SyscallEventFilterModel typed;
        typed.setSourceModel(&model);
        QSortFilterProxyModel generic;
        generic.setSourceModel(&model);
        generic.setSortRole(SortRole);
        typed.sort(column, order);
        generic.sort(column, order);
        QCOMPARE(typed.rowCount(), 2000);
        for (int row = 0; row < typed.rowCount(); ++row) {
            const int typedSource = typed.mapToSource(typed.index(row, 0)).row();
            const int genericSource = generic.mapToSource(generic.index(row, 0)).row();
            if (typedSource != genericSource)
                QFAIL(qPrintable(QStringLiteral("row %1: source row %2, expected %3")
                                     .arg(row)
                                     .arg(typedSource)
                                     .arg(genericSource)));
        }
    }

    void filterByName_data() {
        QTest::addColumn<QString>("filter");
        QTest::addColumn<QStringList>("syscalls");
        QTest::newRow("empty shows all")
            << QString() << QStringList{QStringLiteral("openat"), QStringLiteral("openat"),
                                        QStringLiteral("read"),   QStringLiteral("write"),
                                        QStringLiteral("close"),  QStringLiteral("syscall_999"),
                                        QStringLiteral("mmap"),   QStringLiteral("exit_group")};
        QTest::newRow("substring") << QStringLiteral("open")
                                   << QStringList{QStringLiteral("openat"), QStringLiteral("openat")};
        QTest::newRow("case-insensitive") << QStringLiteral("READ") << QStringList{QStringLiteral("read")};
        QTest::newRow("several names")
            << QStringLiteral("it") << QStringList{QStringLiteral("write"), QStringLiteral("exit_group")};
        QTest::newRow("unknown number by name")
            << QStringLiteral("syscall_9") << QStringList{QStringLiteral("syscall_999")};
        QTest::newRow("no match") << QStringLiteral("ptrace") << QStringList{};
    }
    void filterByName() {
        QFETCH(QString, filter);
        QFETCH(QStringList, syscalls);
        SyscallEventModel model;
        SyscallEventFilterModel proxy;
        proxy.setSourceModel(&model);
        Tester tester(&proxy, Tester::FailureReportingMode::QtTest);
        model.setTrace(smallTrace());
        proxy.setSyscallFilter(filter);
        QCOMPARE(proxy.syscallFilter(), filter);
        QCOMPARE(columnTexts(proxy, SyscallEventModel::SyscallColumn), syscalls);
        proxy.setSyscallFilter(QString());
        QCOMPARE(proxy.rowCount(), 8);
    }

    void filterSurvivesNewTrace() {
        SyscallEventModel model;
        SyscallEventFilterModel proxy;
        proxy.setSourceModel(&model);
        model.setTrace(smallTrace());
        proxy.setSyscallFilter(QStringLiteral("close"));
        QCOMPARE(proxy.rowCount(), 1);
        model.setTrace(std::make_shared<const Trace>(makeLargeTrace(40)));
        QCOMPARE(proxy.rowCount(), 10);
        proxy.sort(SyscallEventModel::TimeColumn, Qt::DescendingOrder);
        QCOMPARE(proxy.index(0, SyscallEventModel::TimeColumn).data().toString(), QStringLiteral("0.000038"));
    }

    void largeTrace() {
        constexpr std::size_t kEvents = 200'000;
        SyscallEventModel model;
        SyscallEventFilterModel proxy;
        proxy.setSourceModel(&model);
        model.setTrace(std::make_shared<const Trace>(makeLargeTrace(kEvents)));
        QCOMPARE(model.rowCount(), int{kEvents});
        QCOMPARE(model.index(int{kEvents} - 1, SyscallEventModel::TimeColumn).data().toString(),
                 QStringLiteral("0.199999"));
        proxy.setSyscallFilter(QStringLiteral("openat"));
        QCOMPARE(proxy.rowCount(), int{kEvents / 4});
        proxy.sort(SyscallEventModel::ReturnColumn, Qt::AscendingOrder);
        QCOMPARE(proxy.index(0, SyscallEventModel::ReturnColumn).data().toString(), QStringLiteral("-ESRCH"));
        QCOMPARE(proxy.index(proxy.rowCount() - 1, SyscallEventModel::ReturnColumn).data().toString(),
                 QStringLiteral("3"));
    }

    void summary_data() {
        QTest::addColumn<int>("row");
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("number");
        QTest::addColumn<qint64>("count");
        QTest::addColumn<QString>("firstTime");
        QTest::newRow("read") << 0 << QStringLiteral("read") << kRead << qint64{1}
                              << QStringLiteral("12.345678");
        QTest::newRow("write") << 1 << QStringLiteral("write") << kWrite << qint64{1}
                               << QStringLiteral("12.400000");
        QTest::newRow("close") << 2 << QStringLiteral("close") << kClose << qint64{1}
                               << QStringLiteral("12.500000");
        QTest::newRow("mmap") << 3 << QStringLiteral("mmap") << kMmap << qint64{1}
                              << QStringLiteral("14.000000");
        QTest::newRow("exit_group") << 4 << QStringLiteral("exit_group") << kExitGroup << qint64{1}
                                    << QStringLiteral("15.000000");
        QTest::newRow("openat twice")
            << 5 << QStringLiteral("openat") << kOpenat << qint64{2} << QStringLiteral("0.000001");
        QTest::newRow("unknown") << 6 << QStringLiteral("syscall_999") << kUnknown << qint64{1}
                                 << QStringLiteral("13.000000");
    }
    void summary() {
        QFETCH(int, row);
        QFETCH(QString, name);
        QFETCH(int, number);
        QFETCH(qint64, count);
        QFETCH(QString, firstTime);
        SyscallSummaryModel model;
        Tester tester(&model, Tester::FailureReportingMode::QtTest);
        model.setTrace(smallTrace());
        QCOMPARE(model.rowCount(), 7);
        using M = SyscallSummaryModel;
        QCOMPARE(model.index(row, M::NameColumn).data().toString(), name);
        QCOMPARE(model.index(row, M::NumberColumn).data().toInt(), number);
        QCOMPARE(model.index(row, M::CountColumn).data().toLongLong(), count);
        QCOMPARE(model.index(row, M::FirstTimeColumn).data().toString(), firstTime);
        for (int column = 0; column < M::ColumnCount; ++column)
            QCOMPARE(model.index(row, column).data(SyscallNumberRole).toInt(), number);
    }

    void summarySorting() {
        SyscallSummaryModel model;
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setSortRole(SortRole);
        Tester tester(&proxy, Tester::FailureReportingMode::QtTest);
        model.setTrace(std::make_shared<const Trace>(makeLargeTrace(10)));
        // read, write, close, openat, read, write, close, openat, read, write
        proxy.sort(SyscallSummaryModel::CountColumn, Qt::DescendingOrder);
        QCOMPARE(columnTexts(proxy, SyscallSummaryModel::NameColumn),
                 (QStringList{QStringLiteral("read"), QStringLiteral("write"), QStringLiteral("close"),
                              QStringLiteral("openat")}));
        QCOMPARE(columnTexts(proxy, SyscallSummaryModel::CountColumn),
                 (QStringList{QStringLiteral("3"), QStringLiteral("3"), QStringLiteral("2"),
                              QStringLiteral("2")}));
        proxy.sort(SyscallSummaryModel::NameColumn, Qt::AscendingOrder);
        QCOMPARE(columnTexts(proxy, SyscallSummaryModel::NameColumn),
                 (QStringList{QStringLiteral("close"), QStringLiteral("openat"), QStringLiteral("read"),
                              QStringLiteral("write")}));
        proxy.sort(SyscallSummaryModel::FirstTimeColumn, Qt::DescendingOrder);
        QCOMPARE(columnTexts(proxy, SyscallSummaryModel::NameColumn),
                 (QStringList{QStringLiteral("openat"), QStringLiteral("close"), QStringLiteral("write"),
                              QStringLiteral("read")}));
    }

    void summarySkipsEventsWithoutNumber() {
        Trace trace;
        trace.append(makeEvent(5, 1, 1, -1, 0));
        trace.append(makeEvent(6, 1, 1, kClose, 0));
        SyscallSummaryModel summary;
        Tester tester(&summary, Tester::FailureReportingMode::QtTest);
        auto shared = std::make_shared<const Trace>(std::move(trace));
        summary.setTrace(shared);
        QCOMPARE(summary.rowCount(), 1);
        QCOMPARE(summary.index(0, SyscallSummaryModel::NameColumn).data().toString(),
                 QStringLiteral("close"));
        SyscallEventModel events;
        events.setTrace(shared);
        QCOMPARE(events.index(0, SyscallEventModel::SyscallColumn).data().toString(),
                 QStringLiteral("syscall_-1"));
        summary.setTrace(nullptr);
        QCOMPARE(summary.rowCount(), 0);
    }
};

QTEST_GUILESS_MAIN(TestModels)
#include "tst_models.moc"
