#pragma once

#include "model/callgraph.h"
#include "model/trace.h"
#include "phase/evidence.h"
#include "phase/phase.h"
#include "profile/project.h"

#include <QObject>
#include <QString>
#include <QUndoStack>

#include <memory>
#include <optional>
#include <vector>

namespace swb {

// Which evidence a profile is built from, as `swb profile --evidence`: the union (both), the
// traces alone (dynamic) or the analyses alone (static).
enum class EvidenceSource { Both, Traces, Static };
// "both", "dynamic", "static"; nullopt for anything else.
std::optional<EvidenceSource> evidenceSourceFromName(const QString& name);

// The review the workbench is doing: the project's inputs loaded, the phase boundary, the review
// decisions and the evidence that follows from them. Every change a person makes goes through an
// undoable command on undoStack(); views listen to the signals and never own these values.
class ReviewSession : public QObject {
    Q_OBJECT
public:
    explicit ReviewSession(QObject* parent = nullptr);
    ~ReviewSession() override;

    // Loads a project file with its traces and analyses. Throws swb::Error (file and problem).
    void openProject(const QString& path);
    // Starts an unsaved project from loaded inputs (a trace or analysis opened on its own).
    void adoptInputs(std::vector<Trace> traces, std::vector<QString> tracePaths,
                     std::vector<CallGraph> graphs, std::vector<QString> analysisPaths);
    // Writes the project atomically; the session becomes clean.
    void saveProject(const QString& path);

    const Project& project() const { return project_; }
    QString projectPath() const { return projectPath_; }
    const std::vector<std::shared_ptr<const Trace>>& traces() const { return traces_; }
    const std::vector<std::shared_ptr<const CallGraph>>& graphs() const { return graphs_; }
    const EvidenceSet& evidence() const { return evidence_; }
    // The evidence from one kind of input only (Both: evidence()), at the current boundary.
    EvidenceSet evidenceFrom(EvidenceSource source) const;
    const std::vector<PhaseSplit>& splits() const { return splits_; }

    // The boundary as a time on the first trace (ns since its start); INT64_MAX when none.
    qint64 boundaryNs() const;
    // Moves the boundary (one undo step; consecutive nudges merge into one).
    void setBoundaryNs(qint64 ns, bool mergeWithPrevious = false);
    void setBoundary(const Boundary& b);

    // Records (or replaces) a decision; one undo step. A decision equal to the current one is ignored.
    void setDecision(const ReviewDecision& d);
    // Records several decisions as one undo step (a bulk action on a selection); a non-null NOTE
    // replaces each decision's note. Decisions equal to the current ones change nothing.
    void setDecisions(const std::vector<ReviewDecision>& decisions, const QString& note = QString());
    void clearDecision(const QString& syscall, PhaseSelection phase);
    // Replaces every decision at once; one undo step named TEXT.
    void replaceDecisions(std::vector<ReviewDecision> decisions, const QString& text);
    // Whether the evidence plus the decisions allow a syscall in a phase.
    bool allowed(int nr, Phase phase) const;
    // Syscalls with evidence but without any decision.
    int unreviewedCount() const;

    QUndoStack* undoStack() { return &undo_; }
    bool isModified() const { return !undo_.isClean() || adopted_; }

    // Applies a state directly (used by the undo commands).
    void applyBoundary(const Boundary& b);
    void applyDecisions(std::vector<ReviewDecision> decisions);

signals:
    void boundaryChanged(qint64 ns);
    void decisionsChanged();
    void evidenceChanged();
    void projectLoaded();
    void modifiedChanged(bool modified);

private:
    void recompute();
    EvidenceSet computeEvidence(bool useTraces, bool useGraphs) const;
    // Resets the undo history, recomputes the evidence and tells every view.
    void finishLoading();

    Project project_;
    QString projectPath_;
    std::vector<std::shared_ptr<const Trace>> traces_;
    std::vector<std::shared_ptr<const CallGraph>> graphs_;
    std::vector<PhaseSplit> splits_;
    EvidenceSet evidence_;
    QUndoStack undo_;
    bool adopted_ = false;
};

} // namespace swb
