// The review session on the bundled redis sample project: moving the boundary changes the init and
// serving sets, decisions change what each phase allows, and every change is one undo step.
#include "review/review_session.h"
#include "util/atomic_file.h"
#include "util/error.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/syscall.h>

using namespace swb;

namespace {
const QString kProject = QStringLiteral(SWB_SOURCE_DIR "/sample-traces/redis/redis.swbproj");

std::vector<int> serving(const ReviewSession& s) {
    return s.evidence().syscalls(PhaseSelection::Serving);
}
bool contains(const std::vector<int>& v, int nr) {
    return std::find(v.begin(), v.end(), nr) != v.end();
}
} // namespace

class TstReviewSession : public QObject {
    Q_OBJECT
private slots:
    void opensTheSampleProject() {
        ReviewSession s;
        QSignalSpy loaded(&s, &ReviewSession::projectLoaded);
        s.openProject(kProject);
        QCOMPARE(loaded.count(), 1);
        QCOMPARE(s.traces().size(), std::size_t(1));
        QCOMPARE(s.graphs().size(), std::size_t(1));
        QVERIFY(!s.isModified());
        QVERIFY(s.boundaryNs() > 0 && s.boundaryNs() < s.traces()[0]->durationNs());
        QVERIFY(!s.project().decisions.empty());
        QVERIFY(s.unreviewedCount() > 0);
    }

    void boundaryMovesAreUndoable() {
        ReviewSession s;
        s.openProject(kProject);
        // Only the trace decides the phases here: the analysis sees the whole program everywhere.
        s.adoptInputs({*s.traces()[0]}, {kProject}, {}, {});
        const qint64 autoNs = s.boundaryNs();
        const auto servingAuto = s.evidence().syscalls(PhaseSelection::Serving);
        QVERIFY(!contains(servingAuto, SYS_listen));
        QSignalSpy moved(&s, &ReviewSession::boundaryChanged);
        // Earlier than listen(): listen now serves.
        s.setBoundaryNs(0);
        QCOMPARE(moved.count(), 1);
        QCOMPARE(s.boundaryNs(), qint64(0));
        QVERIFY(contains(serving(s), SYS_listen));
        QCOMPARE(s.undoStack()->count(), 1);
        s.undoStack()->undo();
        QCOMPARE(s.boundaryNs(), autoNs);
        QCOMPARE(serving(s), servingAuto);
        s.undoStack()->redo();
        QCOMPARE(s.boundaryNs(), qint64(0));
        // Keyboard nudges merge into one step.
        s.setBoundaryNs(1000, true);
        s.setBoundaryNs(2000, true);
        QCOMPARE(s.undoStack()->count(), 1);
        s.undoStack()->undo();
        QCOMPARE(s.boundaryNs(), autoNs);
    }

    void decisionsAreUndoableAndSaved() {
        QTemporaryDir dir;
        ReviewSession s;
        s.openProject(kProject);
        QVERIFY(s.allowed(SYS_epoll_wait, Phase::Serving));
        QSignalSpy changed(&s, &ReviewSession::decisionsChanged);
        s.setDecision({"epoll_wait", PhaseSelection::Serving, ReviewDecision::Verdict::Deny, "test"});
        QCOMPARE(changed.count(), 1);
        QVERIFY(!s.allowed(SYS_epoll_wait, Phase::Serving));
        QVERIFY(s.allowed(SYS_epoll_wait, Phase::Init) ==
                s.evidence().bySyscall.at(SYS_epoll_wait).inPhase(Phase::Init));
        QVERIFY(s.isModified());
        // The same decision again is no new step.
        s.setDecision({"epoll_wait", PhaseSelection::Serving, ReviewDecision::Verdict::Deny, "test"});
        QCOMPARE(s.undoStack()->count(), 1);
        s.undoStack()->undo();
        QVERIFY(s.allowed(SYS_epoll_wait, Phase::Serving));
        QVERIFY(!s.isModified());
        s.undoStack()->redo();
        // Saved projects keep relative paths to the sample's inputs and load back the same.
        const QString saved = dir.filePath(QStringLiteral("copy.swbproj"));
        s.saveProject(saved);
        QVERIFY(!s.isModified());
        ReviewSession t;
        t.openProject(saved);
        QVERIFY(!t.allowed(SYS_epoll_wait, Phase::Serving));
        QCOMPARE(t.project().decisions, s.project().decisions);
        QCOMPARE(t.traces().size(), std::size_t(1));
        s.clearDecision(QStringLiteral("epoll_wait"), PhaseSelection::Serving);
        QVERIFY(s.allowed(SYS_epoll_wait, Phase::Serving));
    }

    void badProjectLeavesTheSessionAlone() {
        QTemporaryDir dir;
        const QString bad = dir.filePath(QStringLiteral("bad.swbproj"));
        writeFileAtomically(bad.toStdString(), "{\"format\": \"swb-project\", \"version\": 1, \"inputs\": "
                                               "{\"traces\": [\"missing.swbtrace\"]}}");
        ReviewSession s;
        s.openProject(kProject);
        const auto decisions = s.project().decisions;
        QVERIFY_THROWS_EXCEPTION(Error, s.openProject(bad));
        QCOMPARE(s.project().decisions, decisions);
        QCOMPARE(s.projectPath(), kProject);
    }
};

QTEST_MAIN(TstReviewSession)
#include "tst_review_session.moc"
