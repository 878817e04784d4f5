// The syscall category rule table: exact names, prefix families, and names it does not know.
#include "model/syscall_category.h"

#include <QtTest>

using namespace swb;

Q_DECLARE_METATYPE(swb::SyscallCategory)

class TestSyscallCategory : public QObject {
    Q_OBJECT
private slots:
    void category_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<SyscallCategory>("expected");
        QTest::newRow("openat") << QStringLiteral("openat") << SyscallCategory::File;
        QTest::newRow("newfstatat (prefix)") << QStringLiteral("newfstatat") << SyscallCategory::File;
        QTest::newRow("epoll_wait (prefix)") << QStringLiteral("epoll_wait") << SyscallCategory::File;
        QTest::newRow("sendfile is file, not send*") << QStringLiteral("sendfile") << SyscallCategory::File;
        QTest::newRow("sendmsg") << QStringLiteral("sendmsg") << SyscallCategory::Network;
        QTest::newRow("accept4") << QStringLiteral("accept4") << SyscallCategory::Network;
        QTest::newRow("clone3") << QStringLiteral("clone3") << SyscallCategory::Process;
        QTest::newRow("sched_yield (prefix)") << QStringLiteral("sched_yield") << SyscallCategory::Process;
        QTest::newRow("mmap") << QStringLiteral("mmap") << SyscallCategory::Memory;
        QTest::newRow("msync is memory, not msg*") << QStringLiteral("msync") << SyscallCategory::Memory;
        QTest::newRow("rt_sigaction") << QStringLiteral("rt_sigaction") << SyscallCategory::Signal;
        QTest::newRow("sigaltstack") << QStringLiteral("sigaltstack") << SyscallCategory::Signal;
        QTest::newRow("clock_gettime") << QStringLiteral("clock_gettime") << SyscallCategory::Time;
        QTest::newRow("futex") << QStringLiteral("futex") << SyscallCategory::Ipc;
        QTest::newRow("msgsnd") << QStringLiteral("msgsnd") << SyscallCategory::Ipc;
        QTest::newRow("seccomp") << QStringLiteral("seccomp") << SyscallCategory::Security;
        QTest::newRow("setresuid") << QStringLiteral("setresuid") << SyscallCategory::Security;
        QTest::newRow("mount") << QStringLiteral("mount") << SyscallCategory::System;
        QTest::newRow("unknown number") << QStringLiteral("syscall_999") << SyscallCategory::Other;
        QTest::newRow("empty") << QString() << SyscallCategory::Other;
    }
    void category() {
        QFETCH(QString, name);
        QFETCH(SyscallCategory, expected);
        const std::string text = name.toStdString();
        QCOMPARE(syscallCategory(text), expected);
    }

    void names() {
        QCOMPARE(syscallCategoryName(SyscallCategory::File), std::string_view("file"));
        QCOMPARE(syscallCategoryName(SyscallCategory::Other), std::string_view("other"));
    }

    // The per-number table agrees with the names, and most of x86-64 is categorized.
    void byNumber() {
        const auto& table = SyscallTable::forArch(Arch::X86_64);
        const auto categories = syscallCategoriesByNumber(table);
        QVERIFY(categories.size() > 300);
        const int openat = *table.number("openat");
        QCOMPARE(categories[static_cast<std::size_t>(openat)], SyscallCategory::File);
        int other = 0;
        for (const int nr : table.numbers())
            other += categories[static_cast<std::size_t>(nr)] == SyscallCategory::Other;
        QVERIFY2(other * 10 < static_cast<int>(table.numbers().size()),
                 qPrintable(QStringLiteral("%1 syscalls without a category").arg(other)));
    }
};

QTEST_GUILESS_MAIN(TestSyscallCategory)
#include "tst_syscall_category.moc"
