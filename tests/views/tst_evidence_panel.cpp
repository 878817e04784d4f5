// The evidence panel (knowledge, run-time and static evidence, review decision) and the bundled
// syscall knowledge base it reads.
#include "evidence/evidence_panel.h"
#include "evidence/syscall_knowledge_resource.h"
#include "model/syscall_knowledge.h"
#include "model/syscall_table.h"
#include "models/event_format.h"
#include "real_analysis.h"
#include "test_traces.h"
#include "util/error.h"

#include <QFile>
#include <QLabel>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTextBrowser>

using namespace swb;

namespace {

int nrOf(const char* name) {
    return *SyscallTable::forArch(Arch::X86_64).number(name);
}

QString validEntry(const QString& risk) {
    return QStringLiteral(R"({"format": "swb-syscall-knowledge", "version": 1, "syscalls": {"read":
        {"category": "file", "risk": "%1", "description": "Reads."}}})")
        .arg(risk);
}

} // namespace

class TestEvidencePanel : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QVERIFY(dir_.isValid()); }

    // ---- the knowledge base ----

    void everyKnownSyscallHasAnEntry() {
        const SyscallKnowledgeBase& kb = bundledSyscallKnowledge();
        const SyscallTable& table = SyscallTable::forArch(Arch::X86_64);
        QVERIFY(table.numbers().size() > 300);
        int written = 0;
        for (int nr : table.numbers()) {
            const std::string name = table.name(nr);
            const SyscallKnowledge* k = kb.find(name);
            QVERIFY2(k, name.c_str());
            QVERIFY2(!k->category.empty() && !k->description.empty(), name.c_str());
            if (!k->generated) {
                ++written;
                QVERIFY2(!k->escapeNotes.empty(), name.c_str());
            }
            for (const auto& cve : k->cves)
                QVERIFY2(QRegularExpression(QStringLiteral("^CVE-(19|20)\\d\\d-\\d{4,}$"))
                             .match(QString::fromStdString(cve.id))
                             .hasMatch(),
                         cve.id.c_str());
        }
        QVERIFY2(written >= 120, "fewer than 120 hand-written entries");
        // Nothing for names libseccomp does not know.
        for (const auto& [name, k] : kb.entries())
            QVERIFY2(table.number(name).has_value(), name.c_str());
    }

    void dangerousSyscallsAreHighOrCritical() {
        const SyscallKnowledgeBase& kb = bundledSyscallKnowledge();
        for (const char* name : {"ptrace",
                                 "mount",
                                 "umount2",
                                 "pivot_root",
                                 "unshare",
                                 "setns",
                                 "bpf",
                                 "perf_event_open",
                                 "keyctl",
                                 "add_key",
                                 "request_key",
                                 "userfaultfd",
                                 "kexec_load",
                                 "kexec_file_load",
                                 "init_module",
                                 "finit_module",
                                 "delete_module",
                                 "open_by_handle_at",
                                 "process_vm_writev",
                                 "process_vm_readv",
                                 "io_uring_setup",
                                 "io_uring_enter",
                                 "io_uring_register",
                                 "clone",
                                 "clone3",
                                 "reboot",
                                 "swapon",
                                 "swapoff",
                                 "iopl",
                                 "ioperm",
                                 "fsopen",
                                 "fsconfig",
                                 "fsmount",
                                 "move_mount",
                                 "open_tree",
                                 "syslog",
                                 "acct",
                                 "quotactl",
                                 "name_to_handle_at",
                                 "settimeofday",
                                 "clock_settime"}) {
            const SyscallKnowledge* k = kb.find(name);
            QVERIFY2(k, name);
            QVERIFY2(k->risk >= SyscallRisk::High, name);
            QVERIFY2(!k->generated, name);
        }
        for (const auto& [name, cve] :
             std::initializer_list<std::pair<const char*, const char*>>{{"madvise", "CVE-2016-5195"},
                                                                        {"ptrace", "CVE-2016-5195"},
                                                                        {"fsconfig", "CVE-2022-0185"},
                                                                        {"setsockopt", "CVE-2021-22555"},
                                                                        {"execve", "CVE-2019-5736"},
                                                                        {"futex", "CVE-2014-3153"},
                                                                        {"waitid", "CVE-2017-5123"},
                                                                        {"setsockopt", "CVE-2020-14386"},
                                                                        {"splice", "CVE-2022-0847"},
                                                                        {"keyctl", "CVE-2016-0728"},
                                                                        {"recvmmsg", "CVE-2014-0038"}}) {
            const auto& cves = kb.find(name)->cves;
            QVERIFY2(
                std::any_of(cves.begin(), cves.end(), [&](const CveReference& c) { return c.id == cve; }),
                (std::string(name) + " " + cve).c_str());
        }
    }

    void parserRejectsWhatIsWrong_data() {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown risk")
            << validEntry(QStringLiteral("extreme")) << QStringLiteral("$.syscalls.read.risk");
        QTest::newRow("not JSON") << QStringLiteral("{\"format\": ") << QStringLiteral("not valid JSON");
        QTest::newRow("other format") << QStringLiteral(R"({"format": "x", "version": 1, "syscalls": {}})")
                                      << QStringLiteral("not a syscall knowledge base");
        QTest::newRow("newer version")
            << QStringLiteral(R"({"format": "swb-syscall-knowledge", "version": 2, "syscalls": {}})")
            << QStringLiteral("newer");
        QTest::newRow("missing description")
            << QStringLiteral(
                   R"({"format": "swb-syscall-knowledge", "version": 1, "syscalls": {"read": {"category": "file", "risk": "low"}}})")
            << QStringLiteral("missing \"description\"");
        QTest::newRow("bad CVE id")
            << QStringLiteral(R"({"format": "swb-syscall-knowledge", "version": 1, "syscalls": {"read":
                {"category": "file", "risk": "low", "description": "d", "cves": [{"id": "2016-1", "summary": "s"}]}}})")
            << QStringLiteral("$.syscalls.read.cves[0].id");
    }
    void parserRejectsWhatIsWrong() {
        QFETCH(QString, json);
        QFETCH(QString, message);
        try {
            SyscallKnowledgeBase::parse(json.toStdString(), "kb.json");
            QFAIL("accepted");
        } catch (const Error& e) {
            const QString what = QString::fromUtf8(e.what());
            QVERIFY2(what.startsWith(QLatin1String("kb.json: ")) && what.contains(message), e.what());
        }
        QCOMPARE(SyscallKnowledgeBase::parse(validEntry(QStringLiteral("high")).toStdString(), "kb.json")
                     .find("read")
                     ->risk,
                 SyscallRisk::High);
    }

    void bundledCopyIsTheSourceFile() {
        QFile source(QStringLiteral(SWB_SOURCE_DIR "/resources/syscalls/knowledge.json"));
        QVERIFY(source.open(QIODevice::ReadOnly));
        const QByteArray data = source.readAll();
        const auto kb = SyscallKnowledgeBase::parse(
            std::string_view(data.constData(), std::size_t(data.size())), "knowledge.json");
        QCOMPARE(kb.size(), bundledSyscallKnowledge().size());
    }

    // ---- the panel ----

    void showsKnowledgeWithoutEvidence() {
        EvidencePanel panel;
        panel.setSyscall(nrOf("ptrace"), nullptr, nullptr);
        QCOMPARE(panel.findChild<QLabel*>(QStringLiteral("evidenceTitle"))->text(), QStringLiteral("ptrace"));
        QVERIFY(panel.findChild<QLabel*>(QStringLiteral("evidenceSubtitle"))
                    ->text()
                    .contains(QLatin1String("101")));
        auto* badge = panel.findChild<QLabel*>(QStringLiteral("riskBadge"));
        QCOMPARE(badge->text(), QStringLiteral("high risk"));
        QVERIFY(!badge->isHidden());
        const QString text = panel.plainText();
        QVERIFY(text.contains(QLatin1String("Container escapes")));
        QVERIFY(text.contains(QLatin1String("CVE-2019-13272")));
        QVERIFY(text.contains(QLatin1String("Not seen in the traces.")));
        QVERIFY(text.contains(QLatin1String("No analysis shows this syscall.")));

        panel.setSyscall(nrOf("kexec_load"), nullptr, nullptr);
        QCOMPARE(badge->text(), QStringLiteral("critical risk"));
        panel.setSyscall(nrOf("getpid"), nullptr, nullptr);
        QCOMPARE(badge->text(), QStringLiteral("low risk"));
        QVERIFY(!panel.plainText().contains(QLatin1String("Known CVEs")));
        panel.setSyscall(nrOf("tuxcall"), nullptr, nullptr);
        QVERIFY(panel.plainText().contains(QLatin1String("generated description")));
    }

    void showsDynamicAndStaticEvidence() {
        const auto graph = test::analyzeWithSwb(QStringLiteral("/bin/true"), dir_);
        QVERIFY(graph);
        const int openat = nrOf("openat");
        const int write = nrOf("write");
        Trace trace;
        ProcessInfo p;
        p.pid = 10;
        p.image = "/bin/true";
        trace.addProcess(p);
        const std::uint32_t stack = trace.internStack(
            {{0x7f0000001000, "libc.so.6", "__open64", 0x5b}, {0x55550000200, "true", "main", 0x12}});
        auto withStack =
            test::makeEvent(1'000'000, 10, 10, openat, 3, {0xffffff9c, 0x1000, 0x80000, 0, 0, 0});
        withStack.stackId = stack;
        trace.append(test::makeEvent(500'000, 10, 10, write, 1, {1, 0x2000, 1, 0, 0, 0}));
        trace.append(withStack);
        trace.append(test::makeEvent(2'000'000, 10, 10, openat, 4, {0xffffff9c, 0x1100, 0x80000, 0, 0, 0}));
        trace.append(test::makeEvent(3'000'000'000, 10, 10, openat, -2, {0xffffff9c, 0x1200, 0, 0, 0, 0}));
        PhaseSplit split;
        split.timeNs = 1'000'000'000;
        split.firstServingEvent = 3;
        split.servingEvents = 1;
        EvidenceInputs in;
        in.traces = {&trace};
        in.splits = {split};
        in.graphs = {graph.get()};
        const EvidenceSet set = buildEvidence(in);
        const SyscallEvidence& e = set.bySyscall.at(openat);
        QVERIFY(e.statics && !e.statics->witness.empty());

        EvidencePanel panel;
        panel.resize(700, 900);
        panel.show();
        panel.setSyscall(openat, &e, &trace);
        const QString text = panel.plainText();
        QVERIFY2(text.contains(QStringLiteral("initialization: 2 calls · first ")), qPrintable(text));
        QVERIFY(text.contains(QStringLiteral("serving: 1 call · first ")));
        QVERIFY(text.contains(formatTimestamp(1'000'000)));
        QVERIFY(text.contains(formatTimestamp(3'000'000'000)));
        QVERIFY(text.contains(QLatin1String("(0xffffff9c, 0x1100, 0x80000, 0, 0, 0)")));
        QVERIFY(text.contains(QLatin1String("libc.so.6!__open64+0x5b")));
        QVERIFY(text.contains(QLatin1String("true!main+0x12")));
        QVERIFY(text.contains(QStringLiteral("%1 reachable call site").arg(e.statics->sites)));
        QVERIFY(e.statics->direct); // true's openat is a direct call chain from main
        QVERIFY(!text.contains(QLatin1String("Reached only through indirect calls")));
        SyscallEvidence viaPointer = e;
        viaPointer.statics->direct = false;
        panel.setSyscall(openat, &viaPointer, &trace);
        QVERIFY(panel.plainText().contains(QLatin1String("Reached only through indirect calls")));
        panel.setSyscall(openat, &e, &trace);
        const QString lastStep =
            QString::fromStdString(e.statics->witness).split(QStringLiteral(" -> ")).last();
        QVERIFY(text.contains(lastStep));

        // The witness path's functions are links.
        auto* body = panel.findChild<QTextBrowser*>(QStringLiteral("evidenceBody"));
        QSignalSpy activated(&panel, &EvidencePanel::witnessFunctionActivated);
        const QTextCursor found = body->document()->find(lastStep);
        QVERIFY(!found.isNull());
        QTextCursor middle = found;
        middle.setPosition((found.selectionStart() + found.selectionEnd()) / 2);
        body->ensureCursorVisible();
        body->setTextCursor(middle);
        body->ensureCursorVisible();
        const QPoint at = body->cursorRect(middle).center();
        QTest::mouseClick(body->viewport(), Qt::LeftButton, {}, at);
        QCOMPARE(activated.count(), 1);
        const QString function = activated.first().first().toString();
        QCOMPARE(function, lastStep.left(lastStep.lastIndexOf(QLatin1String("+0x"))));
        QVERIFY(!graph->findFunctions(function.toStdString()).empty());

        // A syscall the analysis does not show and the trace has no stack for.
        panel.setSyscall(write, &set.bySyscall.at(write), &trace);
        QVERIFY(panel.plainText().contains(QStringLiteral("initialization: 1 call · first ")));
        QVERIFY(!panel.plainText().contains(QLatin1String("First call stack")));
    }

    void showsTheReviewDecision() {
        EvidencePanel panel;
        panel.setSyscall(nrOf("mount"), nullptr, nullptr);
        QVERIFY(!panel.plainText().contains(QLatin1String("Review decision")));
        ReviewDecision d;
        d.syscall = "mount";
        d.phase = PhaseSelection::Serving;
        d.verdict = ReviewDecision::Verdict::Deny;
        d.note = "only the entrypoint mounts /proc";
        panel.setReviewDecision(d);
        const QString text = panel.plainText();
        QVERIFY(text.contains(QLatin1String("Review decision")));
        QVERIFY(text.contains(QLatin1String("denied while serving: only the entrypoint mounts /proc")));
        // A new syscall starts without the old decision.
        panel.setSyscall(nrOf("read"), nullptr, nullptr);
        QVERIFY(!panel.plainText().contains(QLatin1String("Review decision")));
    }

private:
    QTemporaryDir dir_;
};

QTEST_MAIN(TestEvidencePanel)
#include "tst_evidence_panel.moc"
