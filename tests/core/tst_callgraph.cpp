#include "model/callgraph.h"
#include "static/analysis_file.h"
#include "util/error.h"

#include <QTemporaryDir>
#include <QTest>

#include <fstream>

using namespace swb;

namespace {

// prog!_start -> prog!main -> libc!write (sites: write=1)
//                main -> prog!helper -> libc!syscall (wrapper; helper passes 39 = getpid)
//                main -> <indirect call> -> prog!callback (site: unresolved)
// libc!unused (site 59 = execve) is not reachable.
CallGraph sample() {
    CallGraph g;
    g.program = "/usr/bin/prog";
    g.modules = {{"/usr/bin/prog", "abcd", "", "program"},
                 {"/lib/x86_64-linux-gnu/libc.so.6", "ef01", "libc.so.6", "needed"}};
    auto fn = [&](std::uint32_t m, std::uint64_t a, const char* n, bool hub = false) {
        CgFunction f;
        f.module = m;
        f.address = a;
        f.size = 0x40;
        f.name = n;
        f.hub = hub;
        g.functions.push_back(f);
        return FunctionId(g.functions.size() - 1);
    };
    const auto start = fn(0, 0x1000, "_start");
    const auto main = fn(0, 0x1100, "main");
    const auto write = fn(1, 0x2000, "write");
    const auto helper = fn(0, 0x1200, "helper");
    const auto syscallFn = fn(1, 0x2100, "syscall");
    const auto hub = fn(0, 0, "<indirect call>", true);
    const auto callback = fn(0, 0x1300, "callback");
    const auto unused = fn(1, 0x2200, "unused");
    g.entries = {{start, EntryKind::ProgramEntry}};
    g.edges = {{start, main, 0x1010, EdgeKind::Direct},  {main, write, 0x1110, EdgeKind::Import},
               {main, helper, 0x1120, EdgeKind::Direct}, {helper, syscallFn, 0x1210, EdgeKind::Import},
               {main, hub, 0x1130, EdgeKind::Indirect},  {hub, callback, 0x1500, EdgeKind::Indirect}};
    g.sites = {{write, 0x2010, 1, {}, kNoFunction},
               {helper, 0x1210, 39, {}, syscallFn},
               {callback, 0x1310, -1, "syscall number in rax: loaded from memory", kNoFunction},
               {unused, 0x2210, 59, {}, kNoFunction}};
    g.specials = {{15, "signal trampoline"}};
    g.notes = {"a note"};
    return g;
}

} // namespace

class TestCallGraph : public QObject {
    Q_OBJECT
private slots:
    void reachabilityAndSyscalls() {
        const auto g = sample();
        const auto live = g.reachable();
        QVERIFY(live[0] && live[1] && live[2] && live[6]);
        QVERIFY(!live[7]);
        QCOMPARE(g.syscalls(), (std::vector<int>{1, 15, 39}));
        const auto unresolved = g.unresolvedSites();
        QCOMPARE(unresolved.size(), std::size_t(1));
        QCOMPARE(unresolved[0]->function, FunctionId(6));
    }

    void reachabilityWithoutIndirectCalls() {
        auto g = sample();
        g.sites.push_back({6, 0x1320, 3, {}, kNoFunction}); // close, in the callback behind the hub
        const auto direct = g.reachableWithoutIndirect();
        QVERIFY(direct[0] && direct[1] && direct[2] && direct[3] && direct[4]);
        QVERIFY(!direct[5] && !direct[6] && !direct[7]); // the hub, what only it leads to, the dead code
        QCOMPARE(g.syscalls(), (std::vector<int>{1, 3, 15, 39}));
        QCOMPARE(g.indirectOnlySyscalls(), (std::vector<int>{3}));
        // A callback edge (an address passed as an argument) counts as direct.
        g.edges.push_back({1, 6, 0x1140, EdgeKind::Callback});
        QVERIFY(g.indirectOnlySyscalls().empty());
    }

    void witnessPaths() {
        const auto g = sample();
        auto paths = g.witnessPaths(1);
        QCOMPARE(paths.size(), std::size_t(1));
        QCOMPARE(paths[0].size(), std::size_t(3));
        QCOMPARE(g.describe(paths[0][0].function), std::string("prog!_start"));
        QCOMPARE(g.describe(paths[0][1].function, paths[0][1].site), std::string("prog!main+0x10"));
        QCOMPARE(int(paths[0][2].via), int(EdgeKind::Import));
        QCOMPARE(g.describe(paths[0][2].function, paths[0][2].site), std::string("libc.so.6!write+0x10"));

        paths = g.witnessPaths(39);
        QCOMPARE(paths.size(), std::size_t(1));
        QCOMPARE(paths[0].size(), std::size_t(4)); // _start, main, helper, syscall
        QCOMPARE(g.describe(paths[0].back().function), std::string("libc.so.6!syscall"));
        QCOMPARE(g.describe(paths[0][2].function, paths[0][2].site), std::string("prog!helper+0x10"));

        QVERIFY(g.witnessPaths(59).empty()); // only in an unreachable function
        QVERIFY(g.witnessPaths(2).empty());
    }

    void fileRoundTrip() {
        QTemporaryDir dir;
        const auto path = dir.filePath(QStringLiteral("a.swbanalysis")).toStdString();
        const auto g = sample();
        writeAnalysisFile(g, path);
        const auto back = readAnalysisFile(path);
        QCOMPARE(back.program, g.program);
        QCOMPARE(back.functions.size(), g.functions.size());
        QCOMPARE(back.edges.size(), g.edges.size());
        QCOMPARE(back.sites.size(), g.sites.size());
        QCOMPARE(back.sites[1].wrapper, g.sites[1].wrapper);
        QCOMPARE(back.sites[0].wrapper, kNoFunction);
        QCOMPARE(back.sites[2].reason, g.sites[2].reason);
        QCOMPARE(back.syscalls(), g.syscalls());
        QCOMPARE(back.notes, g.notes);
        QCOMPARE(back.modules[1].buildId, std::string("ef01"));
        std::ifstream in(path);
        std::string head(64, '\0');
        in.read(head.data(), 64);
        QVERIFY(looksLikeAnalysisFile(head));
    }

    void badFilesNamePosition_data() {
        QTest::addColumn<QString>("content");
        QTest::addColumn<QString>("expected");
        QTest::newRow("syntax") << QStringLiteral("{\"format\": \"swb-analysis\", ")
                                << QStringLiteral("offset ");
        QTest::newRow("foreign") << QStringLiteral("{\"defaultAction\": \"SCMP_ACT_ERRNO\"}")
                                 << QStringLiteral("not a Seccomp Workbench analysis");
        QTest::newRow("newer") << QStringLiteral("{\"format\": \"swb-analysis\", \"version\": 99}")
                               << QStringLiteral("newer");
        QTest::newRow("bad edge")
            << QStringLiteral(
                   "{\"format\":\"swb-analysis\",\"version\":1,\"arch\":\"x86_64\",\"program\":\"p\","
                   "\"modules\":[],\"functions\":[],\"edges\":[[0,1,0,0]],\"sites\":[],\"entries\":[],"
                   "\"specials\":[],\"notes\":[]}")
            << QStringLiteral("edges[0]: function index 0 out of range");
    }
    void badFilesNamePosition() {
        QFETCH(QString, content);
        QFETCH(QString, expected);
        try {
            parseAnalysis(content.toStdString(), "x.swbanalysis");
            QFAIL("malformed analysis accepted");
        } catch (const Error& e) {
            QVERIFY2(QString::fromUtf8(e.what()).startsWith(QStringLiteral("x.swbanalysis: ")), e.what());
            QVERIFY2(QString::fromUtf8(e.what()).contains(expected), e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestCallGraph)
#include "tst_callgraph.moc"
