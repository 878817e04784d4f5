// The static analyzer end to end on the features fixture: each syscall is found the way the
// fixture reaches it, with a witness path an analyst can read.
#include "static/analyzer.h"
#include "static/elf_image.h"
#include "static/graph_record.h"
#include "static/module_cache.h"
#include "util/error.h"

#include <sys/stat.h>

#include <atomic>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

using namespace swb;

namespace {

const char* kFixture = SWB_FIXTURE_DIR "/sa_features";

std::vector<std::string> pathNames(const CallGraph& g, const CallGraph::Path& p) {
    std::vector<std::string> out;
    for (const auto& step : p)
        out.push_back(g.describe(step.function));
    return out;
}

ino_t inode(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

// The dlsym step on the witness path of syscall `nr`, which must be reachable by direct calls
// alone: {caller, callee} as module!function, or empty strings when there is no such step.
std::pair<std::string, std::string> directDlsymStep(const CallGraph& g, int nr) {
    const auto direct = g.syscallsOf(g.reachableWithoutIndirect());
    if (!std::binary_search(direct.begin(), direct.end(), nr))
        return {};
    const auto paths = g.witnessPaths(nr, 1);
    if (paths.empty())
        return {};
    const auto step = std::find_if(paths[0].begin(), paths[0].end(),
                                   [](const auto& s) { return s.via == EdgeKind::Dlsym; });
    if (step == paths[0].begin() || step == paths[0].end())
        return {};
    return {g.describe(std::prev(step)->function), g.describe(step->function)};
}

} // namespace

class TestAnalyzer : public QObject {
    Q_OBJECT
    QTemporaryDir cacheDir_;
    CallGraph graph_;

private slots:
    void initTestCase() {
        AnalyzeOptions opts;
        opts.program = kFixture;
        opts.cacheDir = cacheDir_.path().toStdString();
        graph_ = analyzeProgram(opts);
        QVERIFY(graph_.modules.size() >= 3);
    }

    void findsEachWay_data() {
        QTest::addColumn<QString>("syscall");
        QTest::addColumn<QString>("mustPassThrough");
        QTest::addColumn<int>("via"); // the edge kind into the function of the syscall site's caller chain
        QTest::newRow("inline syscall instruction")
            << QStringLiteral("getcpu") << QStringLiteral("sa_features!raw_getcpu") << -1;
        QTest::newRow("syscall() with a constant")
            << QStringLiteral("sched_get_priority_max") << QStringLiteral("libc.so.6!syscall") << -1;
        QTest::newRow("callback through qsort")
            << QStringLiteral("getpgrp") << QStringLiteral("sa_features!compare") << int(EdgeKind::Callback);
        QTest::newRow("constructor only")
            << QStringLiteral("personality") << QStringLiteral("sa_features!init_hook") << -1;
        QTest::newRow("dlopen'ed plugin")
            << QStringLiteral("syncfs") << QStringLiteral("libsaplugin.so!plugin_run")
            << int(EdgeKind::Indirect);
    }
    void findsEachWay() {
        QFETCH(QString, syscall);
        QFETCH(QString, mustPassThrough);
        QFETCH(int, via);
        const int nr = *SyscallTable::forArch(Arch::X86_64).number(syscall.toStdString());
        const auto all = graph_.syscalls();
        QVERIFY(std::binary_search(all.begin(), all.end(), nr));
        const auto paths = graph_.witnessPaths(nr, 16);
        QVERIFY(!paths.empty());
        bool found = false;
        for (const auto& p : paths) {
            const auto names = pathNames(graph_, p);
            if (!contains(names, mustPassThrough.toStdString()))
                continue;
            found = true;
            if (via >= 0) {
                bool sawKind = false;
                for (const auto& step : p)
                    sawKind |= int(step.via) == via;
                QVERIFY2(sawKind, qPrintable(mustPassThrough));
            }
        }
        QVERIFY2(found, qPrintable(QStringLiteral("no witness path through ") + mustPassThrough));
    }

    void constructorIsAnEntry() {
        bool found = false;
        for (const auto& e : graph_.entries)
            found |= graph_.describe(e.function) == "sa_features!init_hook" && e.kind == EntryKind::Init;
        QVERIFY(found);
    }

    void pluginIsDlopenedAndReported() {
        bool loaded = false;
        for (const auto& m : graph_.modules)
            loaded |= m.path.ends_with("/libsaplugin.so") && m.loadReason == "dlopen";
        QVERIFY(loaded);
        bool noted = false;
        for (const auto& n : graph_.notes)
            noted |= n.starts_with("dlopen: libsaplugin.so (constant string passed by sa_features!main+");
        QVERIFY(noted);
    }

    void specialCasesAreNamed() {
        const auto& t = SyscallTable::forArch(Arch::X86_64);
        std::vector<std::string> names;
        for (const auto& s : graph_.specials) {
            names.push_back(t.name(s.nr));
            QVERIFY(!s.reason.empty());
        }
        QVERIFY(contains(names, "rt_sigreturn"));
        QVERIFY(contains(names, "restart_syscall"));
    }

    void unresolvedSitesCarryLocationAndReason() {
        for (const auto* s : graph_.unresolvedSites()) {
            QVERIFY(!s->reason.empty());
            QVERIFY(s->address != 0);
            QVERIFY(graph_.describe(s->function, s->address).find('!') != std::string::npos);
        }
    }

    void cacheGivesTheSameResult() {
        AnalyzeOptions opts;
        opts.program = kFixture;
        opts.cacheDir = cacheDir_.path().toStdString();
        const auto rounds = QDir(cacheDir_.path()).entryList({QStringLiteral("*.rounds")});
        QCOMPARE(rounds.size(), 1);
        const auto recordPath = cacheDir_.filePath(rounds[0]).toStdString();
        const auto written = inode(recordPath);
        const auto again = analyzeProgram(opts); // every module from the cache now
        QCOMPARE(again.syscalls(), graph_.syscalls());
        QCOMPARE(again.edges.size(), graph_.edges.size());
        QVERIFY(!QDir(cacheDir_.path()).entryList({QStringLiteral("*.facts")}).isEmpty());
        // The dlopen rounds were reused (the plugin is loaded straight away, and the record, which
        // a run of every round replaces, is the same file), with their notes.
        QCOMPARE(inode(recordPath), written);
        QCOMPARE(again.notes, graph_.notes);
        QCOMPARE(again.modules.size(), graph_.modules.size());
        // A damaged record is not trusted: the rounds run again and give the same graph.
        QFile record(cacheDir_.filePath(rounds[0]));
        QVERIFY(record.open(QIODevice::ReadWrite));
        const auto bytes = record.readAll();
        QVERIFY(record.resize(bytes.size() / 2));
        record.close();
        const auto third = analyzeProgram(opts);
        QVERIFY(inode(recordPath) != written);
        QCOMPARE(third.notes, graph_.notes);
        QCOMPARE(third.syscalls(), graph_.syscalls());
        QCOMPARE(third.edges.size(), graph_.edges.size());
        opts.useCache = false;
        QCOMPARE(analyzeProgram(opts).syscalls(), graph_.syscalls());
    }

    void linkedGraphIsCached() {
        AnalyzeOptions opts;
        opts.program = kFixture;
        opts.cacheDir = cacheDir_.path().toStdString();
        const auto fresh = [&] {
            AnalyzeOptions o = opts;
            o.useCache = false;
            std::string bytes;
            encodeCallGraph(analyzeProgram(o), bytes);
            return bytes;
        }();
        analyzeProgram(opts); // writes the record if an earlier test damaged it
        const auto graphs = QDir(cacheDir_.path()).entryList({QStringLiteral("*.graph")});
        QCOMPARE(graphs.size(), 1);
        const auto recordPath = cacheDir_.filePath(graphs[0]).toStdString();
        const auto written = inode(recordPath);
        // Read back whole: the same graph as a run without any cache, and the record is not rewritten.
        std::string again;
        encodeCallGraph(analyzeProgram(opts), again);
        QCOMPARE(inode(recordPath), written);
        QVERIFY(again == fresh);
        CallGraph decoded;
        ByteReader r(again);
        QVERIFY(decodeCallGraph(r, decoded) && r.atEnd());
        QCOMPARE(decoded.syscalls(), graph_.syscalls());
        // A damaged record is not trusted: the graph is linked again and the record replaced.
        QFile record(cacheDir_.filePath(graphs[0]));
        QVERIFY(record.open(QIODevice::ReadWrite));
        const auto bytes = record.readAll();
        QVERIFY(record.resize(bytes.size() - 7));
        record.close();
        std::string third;
        encodeCallGraph(analyzeProgram(opts), third);
        QVERIFY(third == fresh);
        QVERIFY(inode(recordPath) != written);
    }

    void cacheRejectsForeignBytes() {
        ModuleCache::Facts facts;
        QVERIFY(!ModuleCache::decode("not a cache entry", 100, facts));
        const auto bytes = ModuleCache::encode(ModuleFacts::from(std::vector<FunctionFacts>(1)), 1234);
        QVERIFY(ModuleCache::decode(bytes, 1234, facts));
        QCOMPARE(facts.size(), std::size_t(1));
        QVERIFY(!ModuleCache::decode(bytes, 1235, facts)); // the file changed size
        QVERIFY(!ModuleCache::decode(bytes.substr(0, bytes.size() - 1), 1234, facts)); // truncated
    }

    void cacheKeepsEveryFactLinkingUses() {
        std::vector<FunctionFacts> in(3);
        in[0].start = 0x1000;
        in[0].end = 0x1040;
        CallSite call;
        call.kind = CallSite::Kind::ViaSlot;
        call.address = 0x1010;
        call.slot = 0x4018;
        call.args[0] = RegValue::constant(0x2000);
        call.args[1] = {RegValue::Kind::Constants, {-1, 7, 1LL << 40}, -1, {}};
        call.args[2] = RegValue::fromParam(3);
        call.args[3] = RegValue::unknown("loaded from memory");
        call.args[4] = RegValue::unknown("loaded from memory");
        call.args[5] = RegValue::unknown("");
        in[0].calls.push_back(call);
        call.kind = CallSite::Kind::Direct;
        call.address = 0x1020;
        call.target = 0x3000;
        call.slot = 0;
        in[0].calls.push_back(call);
        in[0].syscalls.push_back({0x1030, RegValue::constant(60)});
        in[0].syscalls.push_back({0x1035, RegValue::unknown("rax holds a stack address")});
        RegValue caused; // an Unknown value with a cause rather than text (CodeInput::reasonText)
        caused.cause = 2;
        caused.causeReg = 0;
        caused.causeAt = 0x1234;
        in[0].syscalls.push_back({0x1038, caused});
        in[0].codeReferences = {0x3000, 0x1000};
        in[0].dataReferences = {0x5000, 0x4000, 0x6000};
        in[1].start = 0x2000;
        in[1].end = 0x2000; // nothing decoded
        in[1].syscalls.push_back({0x2004, RegValue::fromParam(0)});
        in[2].start = 0x3000;
        in[2].end = 0x3001;
        in[2].calls.push_back({CallSite::Kind::Indirect, 0x3000, 0, 0, {}});
        const auto facts = ModuleFacts::from(in);
        QCOMPARE(facts.size(), std::size_t(3));
        QCOMPARE(facts.callsOf(0).size(), std::size_t(2));
        QCOMPARE(facts.callsOf(0)[0].target, std::uint64_t(0x4018)); // the slot of a ViaSlot call
        QCOMPARE(facts.regValue(facts.callsOf(0)[0].args[1]), in[0].calls[0].args[1]);
        QCOMPARE(facts.regValue(facts.callsOf(0)[0].args[2]), in[0].calls[0].args[2]);
        QCOMPARE(facts.regValue(facts.callsOf(0)[0].args[3]), in[0].calls[0].args[3]);
        QCOMPARE(facts.reasonCount(), std::size_t(3)); // each reason once
        QCOMPARE(facts.regValue(facts.syscallsOf(1)[0].rax), RegValue::fromParam(0));
        QCOMPARE(
            std::vector<std::uint64_t>(facts.dataReferencesOf(0).begin(), facts.dataReferencesOf(0).end()),
            in[0].dataReferences);
        QVERIFY(facts.callsOf(1).empty());

        ModuleCache::Facts back;
        QVERIFY(ModuleCache::decode(ModuleCache::encode(facts, 99), 99, back));
        QVERIFY(back == facts);
        QCOMPARE(back.function(1).end, std::uint64_t(0x2000));
        QCOMPARE(back.reasonOf(back.syscallsOf(0)[1].rax), std::string_view("rax holds a stack address"));
        QCOMPARE(back.regValue(back.syscallsOf(0)[2].rax), caused);
        QVERIFY(back.causeOf(back.syscallsOf(0)[2].rax) && !back.causeOf(back.syscallsOf(0)[1].rax));
        // Any change is seen by the comparison the test relies on.
        auto changed = in;
        changed[0].calls[0].args[3] = RegValue::unknown("call clobbered");
        QVERIFY(!(ModuleFacts::from(changed) == facts));
        changed = in;
        changed[0].dataReferences.pop_back();
        QVERIFY(!(ModuleFacts::from(changed) == facts));
        changed = in;
        changed[0].syscalls[2].rax.causeAt = 0x1235;
        QVERIFY(!(ModuleFacts::from(changed) == facts));
    }

    void witnessPathsCarrySourceLines() {
        // stack_fixture is built with -g; its main calls getppid.
        AnalyzeOptions opts;
        opts.program = SWB_FIXTURE_DIR "/stack_fixture";
        opts.cacheDir = cacheDir_.path().toStdString();
        const auto g = analyzeProgram(opts);
        const int nr = *SyscallTable::forArch(Arch::X86_64).number("getppid");
        const auto paths = g.witnessPaths(nr, 1);
        QCOMPARE(paths.size(), std::size_t(1));
        bool sawMain = false;
        for (const auto& step : paths[0]) {
            const auto& fn = g.functions[step.function];
            if (g.describe(step.function) != "stack_fixture!main")
                continue;
            sawMain = true;
            QVERIFY2(fn.sourceFile.ends_with("/stack_fixture.c"), fn.sourceFile.c_str());
            QVERIFY(fn.line > 0);
        }
        QVERIFY(sawMain);
        // The concrete call chain is preferred over a path through the indirect-call hub.
        for (const auto& step : paths[0])
            QVERIFY(!g.functions[step.function].hub);
    }

    void sourceLinesAreCachedByBuildId() {
        // stack_fixture's lines came from DWARF in witnessPathsCarrySourceLines and are cached now.
        const std::string program = SWB_FIXTURE_DIR "/stack_fixture";
        const auto image = ElfImage::load(program);
        QVERIFY(!image->buildId().empty());
        const QString file =
            cacheDir_.filePath(QString::fromStdString(image->buildId()) + QStringLiteral(".lines"));
        QVERIFY(QFileInfo::exists(file));
        AnalyzeOptions opts;
        opts.program = program;
        opts.cacheDir = cacheDir_.path().toStdString();
        const auto first = analyzeProgram(opts);
        FunctionId main = kNoFunction;
        for (FunctionId f = 0; f < first.functions.size(); ++f)
            if (first.describe(f) == "stack_fixture!main")
                main = f;
        QVERIFY(main != kNoFunction);
        QVERIFY(first.functions[main].line > 0);
        // What the cache says is what the analysis reports: a record with another line for main
        // (and nothing else, so the other functions come from DWARF again) shows through.
        ModuleCache::Locations planted;
        planted[first.functions[main].address] = ElfImage::SourceLocation{"planted.c", 4242, ""};
        QFile out(file);
        QVERIFY(out.open(QIODevice::WriteOnly | QIODevice::Truncate));
        const auto bytes = ModuleCache::encodeLocations(planted);
        out.write(bytes.data(), static_cast<qint64>(bytes.size()));
        out.close();
        const auto second = analyzeProgram(opts);
        QCOMPARE(second.functions.size(), first.functions.size());
        QCOMPARE(second.functions[main].sourceFile, std::string("planted.c"));
        QCOMPARE(second.functions[main].line, std::uint32_t(4242));
        bool othersUnchanged = false;
        for (FunctionId f = 0; f < first.functions.size(); ++f)
            if (f != main && first.functions[f].line > 0) {
                QCOMPARE(second.functions[f].line, first.functions[f].line);
                othersUnchanged = true;
            }
        QVERIFY(othersUnchanged);
        // Garbage in the file is ignored.
        QVERIFY(out.open(QIODevice::WriteOnly | QIODevice::Truncate));
        out.write("SWBLINES garbage");
        out.close();
        const auto third = analyzeProgram(opts);
        QCOMPARE(third.functions[main].line, first.functions[main].line);
        QCOMPARE(third.functions[main].sourceFile, first.functions[main].sourceFile);
    }

    void iconvLoadsGconvModules() {
        AnalyzeOptions opts;
        opts.program = SWB_FIXTURE_DIR "/sa_iconv";
        opts.cacheDir = cacheDir_.path().toStdString();
        const auto g = analyzeProgram(opts);
        std::size_t gconv = 0;
        bool iso885915 = false;
        for (const auto& m : g.modules) {
            if (m.path.find("/gconv/") == std::string::npos)
                continue;
            ++gconv;
            QCOMPARE(m.loadReason, std::string("dlopen"));
            iso885915 |= m.path.ends_with("/ISO8859-15.so");
        }
        QVERIFY(gconv > 10);
        QVERIFY(iso885915);
        // A program that never converts character sets loads none.
        for (const auto& m : graph_.modules)
            QVERIFY(m.path.find("/gconv/") == std::string::npos);
    }

    void rootfsResolvesInsideIt() {
        // A minimal rootfs holding copies of ls and its libraries (Debian layout, /lib64 symlink).
        QTemporaryDir root;
        const QString r = root.path();
        QVERIFY(QDir().mkpath(r + QStringLiteral("/usr/bin")));
        QVERIFY(QDir().mkpath(r + QStringLiteral("/usr/lib/x86_64-linux-gnu")));
        QVERIFY(QDir().mkpath(r + QStringLiteral("/etc")));
        QVERIFY(QFile::copy(QStringLiteral("/usr/bin/ls"), r + QStringLiteral("/usr/bin/ls")));
        QVERIFY(QFile::copy(QStringLiteral(SWB_FIXTURE_DIR "/sa_resolve"),
                            r + QStringLiteral("/usr/bin/sa_resolve")));
        for (const char* lib : {"libselinux.so.1", "libc.so.6", "libpcre2-8.so.0", "ld-linux-x86-64.so.2"})
            QVERIFY(QFile::copy(
                QFileInfo(QStringLiteral("/lib/x86_64-linux-gnu/") + QLatin1String(lib)).canonicalFilePath(),
                r + QStringLiteral("/usr/lib/x86_64-linux-gnu/") + QLatin1String(lib)));
        QVERIFY(QFile::link(QStringLiteral("usr/lib"), r + QStringLiteral("/lib")));
        QVERIFY(QFile::link(QStringLiteral("/usr/lib/x86_64-linux-gnu"), r + QStringLiteral("/lib64")));
        QFile conf(r + QStringLiteral("/etc/ld.so.conf"));
        QVERIFY(conf.open(QIODevice::WriteOnly));
        conf.write("/usr/lib/x86_64-linux-gnu\n");
        conf.close();

        AnalyzeOptions inRoot;
        inRoot.program = "/usr/bin/ls";
        inRoot.rootfs = r.toStdString();
        inRoot.useCache = false;
        const auto g = analyzeProgram(inRoot);
        QCOMPARE(g.modules.size(), std::size_t(5));
        for (const auto& m : g.modules)
            QVERIFY2(m.path.starts_with("/usr/") || m.path.starts_with("/lib"), m.path.c_str());

        // The rootfs has no /etc/nsswitch.conf, so unlike the host (which may list NSS services) it
        // loads no NSS module: its set is the host's minus what those modules add.
        AnalyzeOptions onHost;
        onHost.program = "/usr/bin/ls";
        onHost.useCache = false;
        const auto rootSet = g.syscalls();
        const auto hostSet = analyzeProgram(onHost).syscalls();
        QVERIFY(rootSet.size() > 40);
        QVERIFY(std::includes(hostSet.begin(), hostSet.end(), rootSet.begin(), rootSet.end()));

        QVERIFY(QFile::remove(r + QStringLiteral("/usr/lib/x86_64-linux-gnu/libpcre2-8.so.0")));
        const auto missing = analyzeProgram(inRoot);
        bool noted = false;
        for (const auto& n : missing.notes)
            noted |= n.starts_with("missing library: libpcre2-8.so.0");
        QVERIFY(noted); // the host's copy is not used
    }

    void nssModulesAreSearchedOnlyForNssNames() {
        // A rootfs with ls (which calls getpwuid), nsswitch.conf naming the fixture service
        // "sanss", its module and the library that module needs.
        QTemporaryDir root;
        const QString r = root.path();
        const QString libDir = r + QStringLiteral("/usr/lib/x86_64-linux-gnu/");
        QVERIFY(QDir().mkpath(r + QStringLiteral("/usr/bin")));
        QVERIFY(QDir().mkpath(libDir));
        QVERIFY(QDir().mkpath(r + QStringLiteral("/etc")));
        QVERIFY(QFile::copy(QStringLiteral("/usr/bin/ls"), r + QStringLiteral("/usr/bin/ls")));
        QVERIFY(QFile::copy(QStringLiteral(SWB_FIXTURE_DIR "/sa_resolve"),
                            r + QStringLiteral("/usr/bin/sa_resolve")));
        for (const char* lib : {"libselinux.so.1", "libc.so.6", "libpcre2-8.so.0", "ld-linux-x86-64.so.2"})
            QVERIFY(QFile::copy(
                QFileInfo(QStringLiteral("/lib/x86_64-linux-gnu/") + QLatin1String(lib)).canonicalFilePath(),
                libDir + QLatin1String(lib)));
        for (const char* lib : {"libnss_sanss.so.2", "libsanssdep.so"})
            QVERIFY(QFile::copy(QStringLiteral(SWB_FIXTURE_DIR "/") + QLatin1String(lib),
                                libDir + QLatin1String(lib)));
        QVERIFY(QFile::link(QStringLiteral("usr/lib"), r + QStringLiteral("/lib")));
        QVERIFY(QFile::link(QStringLiteral("/usr/lib/x86_64-linux-gnu"), r + QStringLiteral("/lib64")));
        for (const auto& [name, text] :
             {std::pair{"/etc/ld.so.conf", "/usr/lib/x86_64-linux-gnu\n"},
              std::pair{"/etc/nsswitch.conf", "passwd: files sanss\nhosts: files sanss\n"}}) {
            QFile f(r + QLatin1String(name));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(text);
        }
        const auto& table = SyscallTable::forArch(Arch::X86_64);
        const auto has = [&](const CallGraph& g, const char* name) {
            const auto set = g.syscalls();
            return std::binary_search(set.begin(), set.end(), *table.number(name));
        };

        AnalyzeOptions opts;
        opts.program = "/usr/bin/ls";
        opts.rootfs = r.toStdString();
        opts.useCache = false;
        const auto g = analyzeProgram(opts);
        bool nss = false, dep = false;
        for (const auto& m : g.modules) {
            nss |= m.path.ends_with("/libnss_sanss.so.2") && m.loadReason == "dlopen";
            dep |= m.path.ends_with("/libsanssdep.so");
        }
        QVERIFY(nss);
        QVERIFY(dep);
        QVERIFY(has(g, "swapoff"));     // _nss_sanss_getpwnam_r: what glibc looks up
        QVERIFY(!has(g, "acct"));       // sanss_unused: exported, but never looked up or called
        QVERIFY(!has(g, "pivot_root")); // the dependency's export: glibc searches it for _nss_ names only
        // ls looks up users and groups, never hosts: glibc's built-in dns service (its resolver
        // sends with sendmmsg) is called by hosts and networks lookups alone.
        QVERIFY(!has(g, "sendmmsg"));
        // glibc calls the service from its lookups: ls's getpwuid leads to it by a dlsym edge, no
        // indirect call, and the witness path says so.
        const auto [lookup, service] = directDlsymStep(g, *table.number("swapoff"));
        QCOMPARE(service, std::string("libnss_sanss.so.2!_nss_sanss_getpwnam_r"));
        QVERIFY2(lookup.starts_with("libc.so.6!getpw"), lookup.c_str());
        // A lookup calls its own database's functions only: ls looks up users and groups, never
        // hosts; a program resolving a name reaches the hosts function and not the passwd one.
        QVERIFY(!has(g, "vhangup"));
        AnalyzeOptions resolve = opts;
        resolve.program = "/usr/bin/sa_resolve";
        const auto hosts = analyzeProgram(resolve);
        QVERIFY(has(hosts, "vhangup"));
        QVERIFY(!has(hosts, "swapoff"));

        // Once the program dlopen()s the dependency by name, dlsym may return any of its exports.
        opts.dlopen = {"libsanssdep.so"};
        const auto byName = analyzeProgram(opts);
        QVERIFY(has(byName, "pivot_root"));
        QVERIFY(has(byName, "swapoff"));
        QVERIFY(!has(byName, "acct"));

        // The same from the rounds record of a warm cache.
        QTemporaryDir cache;
        opts.dlopen.clear();
        opts.useCache = true;
        opts.cacheDir = cache.path().toStdString();
        QCOMPARE(analyzeProgram(opts).syscalls(), g.syscalls());
        QCOMPARE(analyzeProgram(opts).syscalls(), g.syscalls());
    }

    // sa_resolve calls getaddrinfo: the built-in dns service is reached from that lookup by a dlsym
    // edge, and its resolver's syscalls count as reachable by direct calls.
    void builtinDnsServiceIsCalledByHostsLookups() {
        AnalyzeOptions opts;
        opts.program = SWB_FIXTURE_DIR "/sa_resolve";
        opts.useCache = false;
        const auto g = analyzeProgram(opts);
        const auto [caller, callee] =
            directDlsymStep(g, *SyscallTable::forArch(Arch::X86_64).number("sendmmsg"));
        QVERIFY2(callee.starts_with("libc.so.6!_nss_dns_"), callee.c_str());
        QVERIFY2(caller.starts_with("libc.so.6!get"), caller.c_str());
    }

    void cancelStopsBetweenModules() {
        QTemporaryDir cache;
        AnalyzeOptions opts;
        opts.program = kFixture;
        opts.cacheDir = cache.path().toStdString();
        opts.threads = 1; // deterministic: the progress call before the second module sees done == 1
        // Cancel once the first module has been analyzed: the run stops with Cancelled, having
        // analyzed fewer modules than the program loads.
        std::atomic<int> reports{0};
        std::atomic<bool> stop{false};
        opts.progress = [&](const std::string&, std::size_t done, std::size_t) {
            ++reports;
            if (done >= 1)
                stop = true;
        };
        opts.cancelled = [&] {
            return stop.load();
        };
        try {
            analyzeProgram(opts);
            QFAIL("the analysis ran to its end although cancelled");
        } catch (const Cancelled&) {
        }
        QVERIFY(reports >= 1);
        const auto cached = QDir(cache.path()).entryList({QStringLiteral("*.facts")}).size();
        QVERIFY2(cached < qsizetype(graph_.modules.size()), qPrintable(QString::number(cached)));
        QVERIFY(QDir(cache.path()).entryList({QStringLiteral("*.rounds")}).isEmpty());
        // Cancelled before anything started: nothing analyzed at all.
        opts.progress = nullptr;
        opts.cancelled = [] {
            return true;
        };
        QVERIFY_THROWS_EXCEPTION(Cancelled, analyzeProgram(opts));
    }

    void notAnElfFails() {
        AnalyzeOptions opts;
        opts.program = SWB_SOURCE_DIR "/README.md";
        opts.useCache = false;
        try {
            analyzeProgram(opts);
            QFAIL("analyzed a text file");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("README.md") != std::string::npos, e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestAnalyzer)
#include "tst_analyzer.moc"
