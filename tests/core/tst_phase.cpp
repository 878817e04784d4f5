// Phases (boundary parsing, suggestions, splits), evidence, project files and profile building.
#include "phase/evidence.h"
#include "phase/phase.h"
#include "profile/profile_builder.h"
#include "profile/profile_export.h"
#include "profile/project.h"
#include "util/atomic_file.h"
#include "util/error.h"

#include <QTemporaryDir>
#include <QtTest>

#include <sys/syscall.h>

using namespace swb;

namespace {

void add(Trace& t, std::int64_t ms, int nr, std::array<std::uint64_t, 6> args = {}, std::int64_t ret = 0,
         Pid pid = 100) {
    SyscallEvent e;
    e.timeNs = ms * 1'000'000;
    e.pid = pid;
    e.tid = pid;
    e.nr = nr;
    e.args = args;
    e.ret = ret;
    t.append(e);
}

// A server's life: start-up syscalls, listen, a non-blocking poll, then the blocking serving loop.
Trace serverTrace() {
    Trace t;
    ProcessInfo p;
    p.pid = 100;
    p.image = "/usr/bin/server";
    t.addProcess(p);
    add(t, 0, SYS_execve);
    add(t, 1, SYS_brk);
    add(t, 2, SYS_mmap);
    add(t, 3, SYS_openat);
    add(t, 4, SYS_read);
    add(t, 5, SYS_close);
    add(t, 6, SYS_socket, {}, 3);
    add(t, 7, SYS_bind);
    add(t, 8, SYS_listen);
    add(t, 9, SYS_epoll_create1, {}, 4);
    add(t, 10, SYS_epoll_wait, {4, 0, 16, 0}); // timeout 0: a non-blocking check
    add(t, 11, SYS_setsockopt);
    add(t, 12, SYS_epoll_wait, {4, 0, 16, 1000}); // #12: the serving loop starts
    add(t, 500, SYS_accept4, {}, 5);
    add(t, 501, SYS_read);
    add(t, 502, SYS_write);
    add(t, 503, SYS_epoll_wait, {4, 0, 16, 1000});
    add(t, 2000, SYS_read);
    add(t, 2001, SYS_write);
    add(t, 2002, SYS_epoll_wait, {4, 0, 16, 1000});
    return t;
}

int nr(const char* name) {
    return *SyscallTable::forArch(Arch::X86_64).number(name);
}

std::vector<int> nrs(std::initializer_list<const char*> names) {
    std::vector<int> out;
    for (auto n : names)
        out.push_back(nr(n));
    std::sort(out.begin(), out.end());
    return out;
}

// main -> setup (socket) ; main -> loop (epoll_wait) -> handle (read) ; setup registers onSignal
// (a callback: write) ; a destructor (close).
CallGraph serverGraph() {
    CallGraph g;
    g.program = "/usr/bin/server";
    g.modules.push_back({"/usr/bin/server", "ab", "", "program"});
    for (const char* name : {"main", "setup", "loop", "handle", "onSignal", "fini", "unused"})
        g.functions.push_back({0, 0x1000u * (g.functions.size() + 1), 0x100, name, "", 0, false});
    g.entries.push_back({0, EntryKind::ProgramEntry});
    g.entries.push_back({5, EntryKind::Fini});
    g.edges.push_back({0, 1, 0x1010, EdgeKind::Direct});
    g.edges.push_back({0, 2, 0x1020, EdgeKind::Direct});
    g.edges.push_back({2, 3, 0x3010, EdgeKind::Direct});
    g.edges.push_back({1, 4, 0x2010, EdgeKind::Callback});
    g.sites.push_back({1, 0x2020, SYS_socket, "", kNoFunction});
    g.sites.push_back({2, 0x3020, SYS_epoll_wait, "", kNoFunction});
    g.sites.push_back({3, 0x4020, SYS_read, "", kNoFunction});
    g.sites.push_back({4, 0x5020, SYS_write, "", kNoFunction});
    g.sites.push_back({5, 0x6020, SYS_close, "", kNoFunction});
    g.sites.push_back({6, 0x7020, SYS_ptrace, "", kNoFunction}); // unreachable
    g.specials.push_back({SYS_rt_sigreturn, "signal return"});
    return g;
}

} // namespace

class TstPhase : public QObject {
    Q_OBJECT
private slots:
    void parseBoundaries() {
        QCOMPARE(Boundary::parse("12.5s").timeNs, std::int64_t(12'500'000'000));
        QCOMPARE(Boundary::parse("250ms").timeNs, std::int64_t(250'000'000));
        QCOMPARE(Boundary::parse("1500us").timeNs, std::int64_t(1'500'000));
        QCOMPARE(Boundary::parse("42ns").timeNs, std::int64_t(42));
        QCOMPARE(Boundary::parse("3").timeNs, std::int64_t(3'000'000'000));
        QCOMPARE(Boundary::parse("#4711").kind, Boundary::Kind::Event);
        QCOMPARE(Boundary::parse("#4711").event, std::size_t(4711));
        QCOMPARE(Boundary::parse("auto").kind, Boundary::Kind::Auto);
        QCOMPARE(Boundary::parse("none").kind, Boundary::Kind::None);
        for (const char* bad : {"", "#", "#x1", "12.5h", "abc", "1.2.3s", "-5s"}) {
            try {
                Boundary::parse(bad);
                QFAIL(bad);
            } catch (const Error& e) {
                QVERIFY2(std::string(e.what()).find(std::string("'") + bad + "'") != std::string::npos,
                         e.what());
            }
        }
        for (const char* text : {"12.5s", "#4711", "auto", "none", "0.001s"})
            QCOMPARE(Boundary::parse(Boundary::parse(text).toString()), Boundary::parse(text));
    }

    void servingLoopCandidateSkipsNonBlockingCalls() {
        const Trace t = serverTrace();
        const auto c = suggestBoundaries(t);
        QVERIFY(!c.empty());
        QCOMPARE(c[0].method, BoundaryCandidate::Method::ServingLoop);
        QCOMPARE(c[0].event, std::size_t(12));
        QVERIFY2(c[0].reason.find("epoll_wait") != std::string::npos, c[0].reason.c_str());
        QVERIFY2(c[0].reason.find("after listen()") != std::string::npos, c[0].reason.c_str());
    }

    void kneeCandidate() {
        // No listen: only the knee remains. New syscalls arrive fast, then only read/write for long.
        Trace t;
        int ms = 0;
        for (int n : nrs({"execve", "brk", "mmap", "openat", "fstat", "close", "mprotect", "getrandom"}))
            add(t, ms++, n);
        for (int k = 0; k < 50; ++k) {
            add(t, 100 + k * 100, SYS_read);
            add(t, 101 + k * 100, SYS_write);
        }
        const auto c = suggestBoundaries(t);
        QCOMPARE(c.size(), std::size_t(1));
        QCOMPARE(c[0].method, BoundaryCandidate::Method::Knee);
        // read and write arrive once at 100 ms, then nothing new for 5 s: the knee is after write.
        QCOMPARE(c[0].event, std::size_t(10));
        QVERIFY2(c[0].reason.find("10 of 10 syscalls") != std::string::npos, c[0].reason.c_str());
        QVERIFY2(c[0].reason.find("(write, event #9)") != std::string::npos, c[0].reason.c_str());
    }

    void resolveAndSplit() {
        const Trace t = serverTrace();
        const PhaseSplit autoSplit = resolveBoundary(t, Boundary::parse("auto"));
        QCOMPARE(autoSplit.firstServingEvent, std::size_t(12));
        QCOMPARE(autoSplit.servingEvents, std::size_t(8));
        QVERIFY(autoSplit.reason.find("serving-loop") != std::string::npos);
        const auto init = traceSyscalls(t, autoSplit, PhaseSelection::Init);
        const auto serving = traceSyscalls(t, autoSplit, PhaseSelection::Serving);
        const auto all = traceSyscalls(t, autoSplit, PhaseSelection::All);
        QCOMPARE(serving, nrs({"epoll_wait", "accept4", "read", "write"}));
        QVERIFY(std::find(init.begin(), init.end(), nr("listen")) != init.end());
        QVERIFY(std::find(init.begin(), init.end(), nr("accept4")) == init.end());
        QCOMPARE(all.size(), std::size_t(14));

        QCOMPARE(resolveBoundary(t, Boundary::parse("#13")).firstServingEvent, std::size_t(13));
        QCOMPARE(resolveBoundary(t, Boundary::parse("0.5s")).firstServingEvent, std::size_t(13));
        QCOMPARE(resolveBoundary(t, Boundary::parse("none")).servingEvents, std::size_t(0));
        QVERIFY(
            traceSyscalls(t, resolveBoundary(t, Boundary::parse("none")), PhaseSelection::Serving).empty());
        QVERIFY_THROWS_EXCEPTION(Error, resolveBoundary(t, Boundary::parse("#20")));
    }

    void staticServingSetFollowsTheTransitionAndCallbacks() {
        const CallGraph g = serverGraph();
        const StaticPhases p = staticPhases(g, "loop");
        QCOMPARE(p.all, nrs({"socket", "epoll_wait", "read", "write", "close", "rt_sigreturn"}));
        // The signal handler registered in setup may run while serving; so may the destructor.
        QCOMPARE(p.serving, nrs({"epoll_wait", "read", "write", "close", "rt_sigreturn"}));
        QCOMPARE(staticPhases(g, "server!0x3010").transition, std::vector<FunctionId>{2});
        QVERIFY_THROWS_EXCEPTION(Error, staticPhases(g, "no_such_function"));
        QVERIFY(g.findFunctions("other.so!loop").empty());
    }

    void callbackHandedToASynchronousCalleeIsNoServingRoot() {
        CallGraph g = serverGraph();
        // setup sorts with a comparator (qsort calls it only while it runs) and registers a handler
        // through sigaction (which keeps it): only the handler may run while serving.
        const FunctionId cmp = static_cast<FunctionId>(g.functions.size());
        g.functions.push_back({0, 0x9000, 0x10, "cmp", "", 0, false});
        const FunctionId qsortStub = cmp + 1;
        g.functions.push_back({0, 0x9100, 0x10, "qsort@plt", "", 0, false});
        const FunctionId sigactionStub = cmp + 2;
        g.functions.push_back({0, 0x9200, 0x10, "sigaction@plt", "", 0, false});
        g.edges.push_back({1, qsortStub, 0x2030, EdgeKind::Direct});
        g.edges.push_back({1, cmp, 0x2030, EdgeKind::Callback});
        g.sites.push_back({cmp, 0x9008, SYS_getuid, "", kNoFunction});
        g.edges.push_back({1, sigactionStub, 0x2040, EdgeKind::Direct});
        const FunctionId handler = cmp + 3;
        g.functions.push_back({0, 0x9300, 0x10, "handler", "", 0, false});
        g.edges.push_back({1, handler, 0x2040, EdgeKind::Callback});
        g.sites.push_back({handler, 0x9308, SYS_kill, "", kNoFunction});
        const StaticPhases p = staticPhases(g, "loop");
        QVERIFY(std::binary_search(p.all.begin(), p.all.end(), int(SYS_getuid)));
        QVERIFY(!std::binary_search(p.serving.begin(), p.serving.end(), int(SYS_getuid)));
        QVERIFY(std::binary_search(p.serving.begin(), p.serving.end(), int(SYS_kill)));
    }

    void evidenceCombinesAndSeparates() {
        const Trace t = serverTrace();
        const CallGraph g = serverGraph();
        EvidenceInputs in;
        in.traces = {&t};
        in.splits = {resolveBoundary(t, Boundary::parse("auto"))};
        in.graphs = {&g};
        in.transition = "loop";
        const EvidenceSet ev = buildEvidence(in);
        const auto& read = ev.bySyscall.at(SYS_read);
        QCOMPARE(read.kind(), EvidenceKind::Both);
        QCOMPARE(read.dynamic[0].count, std::uint64_t(1));
        QCOMPARE(read.dynamic[1].count, std::uint64_t(2));
        QCOMPARE(read.dynamic[1].firstNs, std::int64_t(501'000'000));
        QCOMPARE(read.dynamic[1].lastNs, std::int64_t(2'000'000'000));
        QCOMPARE(read.statics->sites, std::size_t(1));
        QVERIFY2(read.statics->witness.find("server!main") != std::string::npos,
                 read.statics->witness.c_str());
        QVERIFY(read.statics->witness.find("server!handle") != std::string::npos);
        QCOMPARE(ev.bySyscall.at(SYS_close).kind(), EvidenceKind::Both);
        QCOMPARE(ev.bySyscall.at(SYS_rt_sigreturn).kind(), EvidenceKind::Static);
        QVERIFY(ev.bySyscall.at(SYS_rt_sigreturn).statics->special);
        QVERIFY(!ev.bySyscall.count(SYS_ptrace));
        // Seen but not in the analysis: an analyzer defect, reported on its own.
        const auto dynOnly = ev.dynamicOnly();
        QVERIFY(std::find(dynOnly.begin(), dynOnly.end(), SYS_listen) != dynOnly.end());
        QVERIFY(std::find(dynOnly.begin(), dynOnly.end(), SYS_read) == dynOnly.end());
        QCOMPARE(ev.staticOnly(), nrs({"rt_sigreturn"}));
        QVERIFY(ev.indirectOnly().empty()); // callbacks are direct edges; the special case counts as direct
        // "unused" behind an indirect-call hub: in the static set, but only through a function pointer.
        CallGraph withHub = serverGraph();
        withHub.functions.push_back({0, 0, 0, "<indirect call>", "", 0, true});
        withHub.edges.push_back({3, 7, 0x4030, EdgeKind::Indirect});
        withHub.edges.push_back({7, 6, 0x7000, EdgeKind::Indirect});
        in.graphs = {&withHub};
        const EvidenceSet viaHub = buildEvidence(in);
        QCOMPARE(viaHub.indirectOnly(), nrs({"ptrace"}));
        QVERIFY(viaHub.bySyscall.at(SYS_read).statics->direct);
        // The exported rule says so too.
        const Profile fromHub = buildProfile(viaHub, ProfileBuildOptions{});
        QVERIFY(!fromHub.rulesFor("ptrace").empty());
        QVERIFY2(fromHub.rulesFor("ptrace").front()->reason.find("only through indirect calls") !=
                     std::string::npos,
                 fromHub.rulesFor("ptrace").front()->reason.c_str());
        QVERIFY(fromHub.rulesFor("read").front()->reason.find("indirect") == std::string::npos);
        // A second analysis reaching it directly makes it direct.
        CallGraph direct = serverGraph();
        direct.edges.push_back({3, 6, 0x4040, EdgeKind::Direct});
        in.graphs = {&withHub, &direct};
        QVERIFY(buildEvidence(in).indirectOnly().empty());
        // socket: statically init-only and seen only in init.
        const auto serving = ev.syscalls(PhaseSelection::Serving);
        QVERIFY(std::find(serving.begin(), serving.end(), SYS_socket) == serving.end());
        QVERIFY(std::find(serving.begin(), serving.end(), SYS_rt_sigreturn) != serving.end());
    }

    void contradictionsAreDenialsOfWhatWasSeen() {
        const Trace t = serverTrace();
        EvidenceInputs in;
        in.traces = {&t};
        in.splits = {resolveBoundary(t, Boundary::parse("auto"))};
        const EvidenceSet ev = buildEvidence(in);
        const SyscallEvidence& accept = ev.bySyscall.at(SYS_accept4);
        const SyscallEvidence& listen = ev.bySyscall.at(SYS_listen);
        QVERIFY(accept.dynamic[1].count > 0 && listen.dynamic[1].count == 0);
        std::vector<ReviewDecision> d = {
            {"accept4", PhaseSelection::Serving, ReviewDecision::Verdict::Deny, ""},
            {"listen", PhaseSelection::Serving, ReviewDecision::Verdict::Deny, ""},
        };
        // accept4 is seen serving: denying it there contradicts; listen is seen in init only.
        const auto against = decisionContradictions(accept, d);
        QCOMPARE(against.size(), std::size_t(1));
        QVERIFY2(against.front().find("denied while serving, but seen") != std::string::npos,
                 against.front().c_str());
        QVERIFY(decisionContradictions(listen, d).empty());
        // Denied in every phase: contradicts in init, where listen was seen.
        d.push_back({"listen", PhaseSelection::All, ReviewDecision::Verdict::Deny, ""});
        d.erase(d.begin() + 1);
        const auto all = decisionContradictions(listen, d);
        QCOMPARE(all.size(), std::size_t(1));
        QVERIFY2(all.front().find("denied in init") != std::string::npos, all.front().c_str());
        // An allow never contradicts, nor does a phase-specific allow under an "all" deny.
        d.push_back({"listen", PhaseSelection::Init, ReviewDecision::Verdict::Allow, ""});
        QVERIFY(decisionContradictions(listen, d).empty());
    }

    void profileAppliesReviewDecisions() {
        const Trace t = serverTrace();
        EvidenceInputs in;
        in.traces = {&t};
        in.splits = {resolveBoundary(t, Boundary::parse("auto"))};
        const EvidenceSet ev = buildEvidence(in);
        ProfileBuildOptions o;
        o.phase = PhaseSelection::Serving;
        o.decisions.push_back(
            {"accept4", PhaseSelection::Serving, ReviewDecision::Verdict::Deny, "no new clients"});
        o.decisions.push_back({"getpid", PhaseSelection::All, ReviewDecision::Verdict::Allow, "logging"});
        o.decisions.push_back({"bogus_call", PhaseSelection::All, ReviewDecision::Verdict::Allow, ""});
        const Profile serving = buildProfile(ev, o);
        QCOMPARE(serving.allowedNames(), (std::vector<std::string>{"epoll_wait", "getpid", "read", "write"}));
        QCOMPARE(serving.rulesFor("getpid").front()->group, std::string("review"));
        QVERIFY(serving.rulesFor("read").front()->reason.find("2x serving") != std::string::npos);
        bool warnedDeny = false, warnedUnknown = false;
        for (const auto& w : serving.warnings) {
            warnedDeny |= w.find("accept4 denied by review: no new clients") != std::string::npos;
            warnedUnknown |= w.find("bogus_call") != std::string::npos;
        }
        QVERIFY(warnedDeny && warnedUnknown);
        o.phase = PhaseSelection::Init;
        const Profile init = buildProfile(ev, o);
        QVERIFY(init.allowedNumbers().count(SYS_listen));
        QVERIFY(!init.allowedNumbers().count(SYS_accept4));
        o.phase = PhaseSelection::All;
        const Profile all = buildProfile(ev, o);
        QVERIFY(all.allowedNumbers().count(SYS_accept4) == 0); // denied in serving, never seen in init
        QCOMPARE(all.allowedNumbers().size(), std::size_t(14 - 1 + 1)); // - accept4 + getpid

        // Exported, the serving filter adds the kernel-issued calls and the allocator's memory calls
        // seen during init (brk, mmap here), each in its group; a serving denial removes one.
        o.phase = PhaseSelection::Serving;
        o.decisions.push_back({"brk", PhaseSelection::Serving, ReviewDecision::Verdict::Deny, ""});
        const Profile exported = buildExportProfile(ev, o, Runtime::None, false);
        QCOMPARE(exported.rulesFor("mmap").front()->group, std::string("allocator"));
        QVERIFY(exported.rulesFor("brk").empty());
        QVERIFY(exported.rulesFor("munmap").empty()); // never seen
        QCOMPARE(exported.rulesFor("restart_syscall").front()->group, std::string("kernel"));
        QVERIFY(!exported.allowedNumbers().count(SYS_listen));
    }

    void projectRoundTripWithRelativePaths() {
        QTemporaryDir dir;
        const std::string base = dir.path().toStdString();
        Project p;
        p.name = "redis";
        p.traces = {base + "/traces/redis.swbtrace"};
        p.analyses = {base + "/redis.swbanalysis"};
        p.program = "/usr/bin/redis-server";
        p.boundary = Boundary::parse("1.25s");
        p.transition = "aeMain";
        p.decisions.push_back({"ptrace", PhaseSelection::All, ReviewDecision::Verdict::Deny, "never needed"});
        p.decisions.push_back({"listen", PhaseSelection::Serving, ReviewDecision::Verdict::Deny, ""});
        p.exportSettings.format = "oci";
        p.exportSettings.output = base + "/out/profile.json";
        const std::string path = base + "/redis.swbproj";
        writeProject(p, path);
        const std::string text = readWholeFile(path);
        QVERIFY(text.find("\"traces/redis.swbtrace\"") != std::string::npos);
        QVERIFY(looksLikeProjectFile(text));
        const Project q = readProject(path);
        QCOMPARE(q.traces, p.traces);
        QCOMPARE(q.analyses, p.analyses);
        QCOMPARE(q.boundary, p.boundary);
        QCOMPARE(q.transition, p.transition);
        QCOMPARE(q.decisions, p.decisions);
        QCOMPARE(q.exportSettings, p.exportSettings);
        QCOMPARE(q.decisionFor("listen", Phase::Serving)->verdict, ReviewDecision::Verdict::Deny);
        QVERIFY(q.decisionFor("listen", Phase::Init) == nullptr);
        QCOMPARE(q.decisionFor("ptrace", Phase::Init)->note, std::string("never needed"));
    }

    void projectErrorsNameFileAndPosition() {
        auto expectError = [](const std::string& text, const std::string& needle) {
            try {
                parseProject(text, "/x/p.swbproj");
                QFAIL(("accepted: " + text).c_str());
            } catch (const Error& e) {
                QVERIFY2(std::string(e.what()).find("/x/p.swbproj") == 0, e.what());
                QVERIFY2(std::string(e.what()).find(needle) != std::string::npos, e.what());
            }
        };
        expectError("{\"format\": \"swb-project\",\n  \"version\": 1,\n  \"name\": }", "/x/p.swbproj:3:");
        expectError("{\"format\": \"swb-project\", \"version\": 9}", "newer");
        expectError("{\"format\": \"other\"}", "not a Seccomp Workbench project");
        expectError("{\"format\": \"swb-project\", \"version\": 1, \"review\": [{\"syscall\": \"read\", "
                    "\"phase\": \"all\", \"decision\": \"maybe\"}]}",
                    "review[0].decision");
        expectError("{\"format\": \"swb-project\", \"version\": 1, \"phase\": {\"boundary\": \"soon\"}}",
                    "phase.boundary");
        expectError("{\"format\": \"swb-project\", \"version\": 1, \"inputs\": {\"traces\": [1]}}",
                    "inputs.traces[0]");
    }
};

QTEST_GUILESS_MAIN(TstPhase)
#include "tst_phase.moc"
