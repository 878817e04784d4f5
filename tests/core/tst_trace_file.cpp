#include "trace/trace_file.h"
#include "util/atomic_file.h"
#include "util/error.h"

#include <QTemporaryDir>
#include <QTest>

#include <fstream>
#include <random>

using namespace swb;

namespace {

Trace makeTrace(std::size_t events, bool withStacks) {
    Trace t;
    t.command = {"/usr/bin/find", "/usr/lib", "-name", "*.so"};
    t.wallClockStartNs = 1'700'000'000'000'000'000;
    ProcessInfo p;
    p.pid = 100;
    p.image = "/usr/bin/find";
    p.argv = t.command;
    p.threads = {100, 101};
    p.exitKind = ExitKind::Killed;
    p.exitValue = 9;
    p.endNs = 5'000'000;
    t.addProcess(p);
    ProcessInfo child;
    child.pid = 102;
    child.parent = 100;
    child.image = "/bin/sh";
    child.argv = {"sh", "-c", "true"};
    child.exitKind = ExitKind::Exited;
    child.exitValue = 3;
    t.addProcess(child);
    std::mt19937_64 rng(42);
    std::uint32_t stackA = 0, stackB = 0;
    if (withStacks) {
        stackA = t.internStack({{0x401000, "find", "main", 0x10}, {0x7f0000001000, "libc.so.6", "", 0x1000}});
        stackB = t.internStack({{0x401100, "find", "walk", 0x20}});
    }
    std::int64_t time = 0;
    for (std::size_t i = 0; i < events; ++i) {
        SyscallEvent e;
        time += static_cast<std::int64_t>(rng() % 300'000);
        e.timeNs = time;
        e.pid = (i % 7 == 0) ? 102 : 100;
        e.tid = (i % 5 == 0 && e.pid == 100) ? 101 : e.pid;
        e.nr = static_cast<std::int32_t>(rng() % 335);
        for (auto& a : e.args)
            a = (rng() % 4 == 0) ? rng() : (0x7ffd'0000'0000ull + rng() % 4096);
        e.ret = (rng() % 3 == 0) ? -static_cast<std::int64_t>(rng() % 133)
                                 : static_cast<std::int64_t>(rng() % 100000);
        e.flags = (i % 97 == 0) ? EventNoReturn : 0;
        if (i % 89 == 0)
            e.flags |= EventViolation;
        if (i % 61 == 0)
            e.flags |= EventNoArgs;
        if (e.flags & EventNoArgs)
            e.args = {};
        if (withStacks)
            e.stackId = (i % 2) ? stackA : stackB;
        t.append(e);
    }
    t.signalEvents.push_back({1000, 100, 101, 17});
    return t;
}

void compareTraces(const Trace& a, const Trace& b) {
    QCOMPARE(b.command, a.command);
    QCOMPARE(b.wallClockStartNs, a.wallClockStartNs);
    QCOMPARE(b.eventCount(), a.eventCount());
    for (std::size_t i = 0; i < a.eventCount(); ++i) {
        const auto x = a.event(i);
        const auto y = b.event(i);
        if (x.timeNs != y.timeNs || x.pid != y.pid || x.tid != y.tid || x.nr != y.nr || x.args != y.args ||
            x.ret != y.ret || x.flags != y.flags)
            QFAIL(qPrintable(QStringLiteral("event %1 differs").arg(i)));
        if (x.stackId)
            QVERIFY(a.stack(x.stackId) == b.stack(y.stackId));
    }
    QCOMPARE(b.processes.size(), a.processes.size());
    for (std::size_t i = 0; i < a.processes.size(); ++i) {
        QCOMPARE(b.processes[i].pid, a.processes[i].pid);
        QCOMPARE(b.processes[i].argv, a.processes[i].argv);
        QCOMPARE(b.processes[i].image, a.processes[i].image);
        QCOMPARE(b.processes[i].threads, a.processes[i].threads);
        QCOMPARE(int(b.processes[i].exitKind), int(a.processes[i].exitKind));
        QCOMPARE(b.processes[i].exitValue, a.processes[i].exitValue);
    }
    QCOMPARE(b.signalEvents.size(), a.signalEvents.size());
}

std::string path(const QTemporaryDir& dir, const char* name) {
    return dir.filePath(QLatin1String(name)).toStdString();
}

void writeBytes(const std::string& p, const std::string& bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << bytes;
}

std::uint32_t crc32Of(const std::string& bytes) {
    std::uint32_t crc = 0xffffffffu;
    for (unsigned char c : bytes) {
        crc ^= c;
        for (int k = 0; k < 8; ++k)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

std::uint32_t u32At(const std::string& b, std::size_t at) {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i)
        v |= static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + static_cast<std::size_t>(i)]))
             << (8 * i);
    return v;
}

} // namespace

class TestTraceFile : public QObject {
    Q_OBJECT
private slots:
    void roundTrip_data() {
        QTest::addColumn<int>("events");
        QTest::addColumn<bool>("stacks");
        QTest::newRow("empty") << 0 << false;
        QTest::newRow("one block") << 100 << false;
        QTest::newRow("many blocks") << 50'000 << false;
        QTest::newRow("stacks") << 10'000 << true;
    }
    void roundTrip() {
        QFETCH(int, events);
        QFETCH(bool, stacks);
        QTemporaryDir dir;
        const auto trace = makeTrace(static_cast<std::size_t>(events), stacks);
        const auto file = path(dir, "t.swbtrace");
        writeTraceFile(trace, file);
        auto loaded = readTraceFile(file);
        QVERIFY(loaded.warnings.empty());
        compareTraces(trace, loaded.trace);
    }

    void compactOnRealisticEvents() {
        // Realistic syscall streams repeat arguments; random ones are the worst case, and even those
        // must stay within the 32-bytes-per-event budget for the non-pointer parts.
        QTemporaryDir dir;
        Trace t;
        std::int64_t time = 0;
        for (int i = 0; i < 100'000; ++i) {
            SyscallEvent e;
            time += 140'000 + (i % 13) * 1000;
            e.timeNs = time;
            e.pid = e.tid = 4242;
            e.nr = (i % 2) ? 262 : 217; // newfstatat, getdents64
            e.args = {static_cast<std::uint64_t>(3 + i % 4),
                      0x55d0'0000'1000ull + static_cast<std::uint64_t>(i % 64) * 32,
                      0x7ffc'1234'0000ull,
                      0x100,
                      0,
                      0};
            e.ret = (i % 2) ? 0 : 32768;
            t.append(e);
        }
        const auto file = path(dir, "c.swbtrace");
        writeTraceFile(t, file);
        const auto size = QFileInfo(QString::fromStdString(file)).size();
        QVERIFY2(size < 32 * 100'000, qPrintable(QStringLiteral("%1 bytes").arg(size)));
    }

    void truncatedLoadsWithWarning() {
        QTemporaryDir dir;
        const auto trace = makeTrace(20'000, false);
        const auto file = path(dir, "t.swbtrace");
        writeTraceFile(trace, file);
        auto bytes = readWholeFile(file);
        // Cut in the middle of the third events block.
        const auto cut = path(dir, "cut.swbtrace");
        writeBytes(cut, bytes.substr(0, bytes.size() * 2 / 3));
        auto loaded = readTraceFile(cut);
        QCOMPARE(loaded.warnings.size(), std::size_t(1));
        QVERIFY(loaded.warnings[0].find("truncated at offset") != std::string::npos);
        QVERIFY(loaded.trace.eventCount() > 0);
        QVERIFY(loaded.trace.eventCount() < trace.eventCount());
        QCOMPARE(loaded.trace.eventCount() % TraceFileWriter::kBlockEvents, std::size_t(0));
        for (std::size_t i = 0; i < loaded.trace.eventCount(); ++i)
            QCOMPARE(loaded.trace.nr(i), trace.nr(i));
    }

    void corruptFailsWithOffset() {
        QTemporaryDir dir;
        const auto file = path(dir, "t.swbtrace");
        writeTraceFile(makeTrace(5000, false), file);
        auto bytes = readWholeFile(file);
        bytes[bytes.size() / 2] ^= 0x5a;
        const auto bad = path(dir, "bad.swbtrace");
        writeBytes(bad, bytes);
        try {
            readTraceFile(bad);
            QFAIL("corrupt file loaded");
        } catch (const Error& e) {
            const std::string msg = e.what();
            QVERIFY2(msg.find(bad) == 0, msg.c_str());
            QVERIFY2(msg.find("offset ") != std::string::npos, msg.c_str());
            QVERIFY2(msg.find("checksum") != std::string::npos, msg.c_str());
        }
    }

    void foreignAndNewerFilesFail_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("expected");
        QTest::newRow("elf") << QByteArray("\x7f"
                                           "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0",
                                           16)
                             << QStringLiteral("bad magic");
        QTest::newRow("empty") << QByteArray() << QStringLiteral("truncated trace file header");
        QTest::newRow("newer") << QByteArray("SWBTRACE\x09\0\0\0\0\0\0\0", 16) << QStringLiteral("newer");
        QTest::newRow("header only") << QByteArray("SWBTRACE\x01\0\0\0\0\0\0\0", 16)
                                     << QStringLiteral("no metadata");
    }
    void foreignAndNewerFilesFail() {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        const auto file = path(dir, "x.swbtrace");
        writeBytes(file, bytes.toStdString());
        try {
            readTraceFile(file);
            QFAIL("foreign file loaded");
        } catch (const Error& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(expected), e.what());
            QVERIFY2(std::string(e.what()).find(file) == 0, e.what());
        }
    }

    void interruptedWriterKeepsExistingFile() {
        QTemporaryDir dir;
        const auto file = path(dir, "keep.swbtrace");
        writeBytes(file, "precious");
        {
            TraceFileWriter w(file);
            w.begin(Arch::X86_64, {"x"}, 0);
            for (int i = 0; i < 10'000; ++i) {
                SyscallEvent e;
                e.timeNs = i;
                e.nr = 0;
                w.event(e);
            }
            // destroyed without end(): the producer was interrupted
        }
        QCOMPARE(readWholeFile(file), std::string("precious"));
        auto partial = readTraceFile(file + ".partial");
        QCOMPARE(partial.trace.eventCount(), std::size_t(10'000));
        QCOMPARE(partial.warnings.size(), std::size_t(1));
    }

    void flagsRoundTrip() {
        // Every event flag, alone and combined, survives the file.
        QTemporaryDir dir;
        Trace t;
        t.command = {"x"};
        const std::uint8_t combos[] = {0,
                                       EventNoReturn,
                                       EventNoArgs,
                                       EventViolation,
                                       EventViolation | EventNoReturn,
                                       EventViolation | EventNoArgs | EventNoReturn};
        std::int64_t time = 0;
        for (std::uint8_t f : combos) {
            SyscallEvent e;
            e.timeNs = ++time;
            e.pid = e.tid = 7;
            e.nr = 110;
            e.ret = (f & EventViolation) ? -13 : 7;
            e.flags = f;
            if (!(f & EventNoArgs))
                e.args = {1, 2, 3, 4, 5, 6};
            t.append(e);
        }
        const auto file = path(dir, "flags.swbtrace");
        writeTraceFile(t, file);
        const auto loaded = readTraceFile(file);
        QCOMPARE(loaded.trace.eventCount(), std::size_t(std::size(combos)));
        for (std::size_t i = 0; i < std::size(combos); ++i) {
            QCOMPARE(int(loaded.trace.flags(i)), int(combos[i]));
            QCOMPARE(loaded.trace.ret(i), t.ret(i));
        }
    }

    void reservedEventBitsAreCorruption() {
        // A version-1 event header with bit 6 or 7 set is malformed, even with a valid checksum.
        QTemporaryDir dir;
        Trace t;
        t.command = {"x"};
        SyscallEvent e;
        e.pid = e.tid = 7;
        e.nr = 39;
        t.append(e);
        const auto file = path(dir, "r.swbtrace");
        writeTraceFile(t, file);
        std::string bytes = readWholeFile(file);
        std::size_t at = 16; // first record after the header
        bool patched = false;
        while (at + 5 <= bytes.size()) {
            const auto type = static_cast<unsigned char>(bytes[at]);
            const std::uint32_t len = u32At(bytes, at + 1);
            if (type == 2) { // EVENTS: varint count (1 byte here), then the first event's header
                bytes[at + 5 + 1] = static_cast<char>(static_cast<unsigned char>(bytes[at + 5 + 1]) | 0x40);
                const std::uint32_t crc = crc32Of(bytes.substr(at, 5 + len));
                for (int i = 0; i < 4; ++i)
                    bytes[at + 5 + len + static_cast<std::size_t>(i)] =
                        static_cast<char>((crc >> (8 * i)) & 0xff);
                patched = true;
                break;
            }
            at += 5 + len + 4;
        }
        QVERIFY(patched);
        const auto bad = path(dir, "bad.swbtrace");
        writeBytes(bad, bytes);
        try {
            readTraceFile(bad);
            QFAIL("an event with reserved header bits loaded");
        } catch (const Error& err) {
            const std::string msg = err.what();
            QVERIFY2(msg.find(bad) == 0, msg.c_str());
            QVERIFY2(msg.find("offset ") != std::string::npos, msg.c_str());
            QVERIFY2(msg.find("checksum") == std::string::npos, msg.c_str());
        }
    }

    void missingFileNamesIt() {
        try {
            readTraceFile("/nonexistent/dir/t.swbtrace");
            QFAIL("loaded a missing file");
        } catch (const Error& e) {
            QVERIFY(std::string(e.what()).find("/nonexistent/dir/t.swbtrace") == 0);
        }
    }
};

QTEST_GUILESS_MAIN(TestTraceFile)
#include "tst_trace_file.moc"
