#include "review/review_session.h"

#include "static/analysis_file.h"
#include "trace/trace_file.h"
#include "util/error.h"

#include <QUndoCommand>

#include <limits>

namespace swb {

namespace {

constexpr int kBoundaryCommandId = 1;

class BoundaryCommand : public QUndoCommand {
public:
    BoundaryCommand(ReviewSession* s, Boundary before, Boundary after, bool mergeable)
        : s_(s)
        , before_(before)
        , after_(after)
        , mergeable_(mergeable) {
        setText(QObject::tr("Move the phase boundary to %1").arg(QString::fromStdString(after.toString())));
    }
    void undo() override { s_->applyBoundary(before_); }
    void redo() override { s_->applyBoundary(after_); }
    int id() const override { return kBoundaryCommandId; }
    bool mergeWith(const QUndoCommand* other) override {
        const auto* o = static_cast<const BoundaryCommand*>(other);
        if (!o->mergeable_)
            return false;
        after_ = o->after_;
        setText(o->text());
        return true;
    }

private:
    ReviewSession* s_;
    Boundary before_, after_;
    bool mergeable_;
};

class DecisionsCommand : public QUndoCommand {
public:
    DecisionsCommand(ReviewSession* s, std::vector<ReviewDecision> before, std::vector<ReviewDecision> after,
                     const QString& text)
        : s_(s)
        , before_(std::move(before))
        , after_(std::move(after)) {
        setText(text);
    }
    void undo() override { s_->applyDecisions(before_); }
    void redo() override { s_->applyDecisions(after_); }

private:
    ReviewSession* s_;
    std::vector<ReviewDecision> before_, after_;
};

QString phaseText(PhaseSelection p) {
    switch (p) {
    case PhaseSelection::All:
        return QObject::tr("all phases");
    case PhaseSelection::Init:
        return QObject::tr("init");
    case PhaseSelection::Serving:
        return QObject::tr("serving");
    }
    return {};
}

} // namespace

ReviewSession::ReviewSession(QObject* parent)
    : QObject(parent) {
    connect(&undo_, &QUndoStack::cleanChanged, this, [this](bool) { emit modifiedChanged(isModified()); });
}

ReviewSession::~ReviewSession() {
    // The stack reports itself clean while it is destroyed; nobody may hear it from a half-gone session.
    disconnect(&undo_, nullptr, this, nullptr);
}

void ReviewSession::openProject(const QString& path) {
    Project p = readProject(path.toStdString());
    std::vector<std::shared_ptr<const Trace>> traces;
    for (const auto& t : p.traces)
        traces.push_back(std::make_shared<const Trace>(readTraceFile(t).trace));
    std::vector<std::shared_ptr<const CallGraph>> graphs;
    for (const auto& a : p.analyses)
        graphs.push_back(std::make_shared<const CallGraph>(readAnalysisFile(a)));
    project_ = std::move(p);
    projectPath_ = path;
    traces_ = std::move(traces);
    graphs_ = std::move(graphs);
    adopted_ = false;
    finishLoading();
}

void ReviewSession::adoptInputs(std::vector<Trace> traces, std::vector<QString> tracePaths,
                                std::vector<CallGraph> graphs, std::vector<QString> analysisPaths) {
    project_ = Project{};
    for (const auto& t : tracePaths)
        project_.traces.push_back(t.toStdString());
    for (const auto& a : analysisPaths)
        project_.analyses.push_back(a.toStdString());
    projectPath_.clear();
    traces_.clear();
    graphs_.clear();
    for (auto& t : traces)
        traces_.push_back(std::make_shared<const Trace>(std::move(t)));
    for (auto& g : graphs)
        graphs_.push_back(std::make_shared<const CallGraph>(std::move(g)));
    adopted_ = true;
    finishLoading();
}

void ReviewSession::finishLoading() {
    undo_.clear();
    recompute();
    emit projectLoaded();
    emit boundaryChanged(boundaryNs());
    emit decisionsChanged();
    emit modifiedChanged(isModified());
}

void ReviewSession::saveProject(const QString& path) {
    writeProject(project_, path.toStdString());
    projectPath_ = path;
    adopted_ = false;
    undo_.setClean();
    emit modifiedChanged(isModified());
}

qint64 ReviewSession::boundaryNs() const {
    if (splits_.empty())
        return std::numeric_limits<qint64>::max();
    return splits_.front().timeNs;
}

void ReviewSession::setBoundaryNs(qint64 ns, bool mergeWithPrevious) {
    Boundary b;
    b.kind = Boundary::Kind::Time;
    b.timeNs = ns;
    if (b == project_.boundary)
        return;
    undo_.push(new BoundaryCommand(this, project_.boundary, b, mergeWithPrevious));
}

void ReviewSession::setBoundary(const Boundary& b) {
    if (b == project_.boundary)
        return;
    undo_.push(new BoundaryCommand(this, project_.boundary, b, false));
}

void ReviewSession::setDecision(const ReviewDecision& d) {
    setDecisions({d});
}

void ReviewSession::setDecisions(const std::vector<ReviewDecision>& decisions, const QString& note) {
    auto after = project_.decisions;
    int changed = 0;
    for (ReviewDecision d : decisions) {
        if (!note.isNull())
            d.note = note.toStdString();
        bool replaced = false;
        for (auto& existing : after)
            if (existing.syscall == d.syscall && existing.phase == d.phase) {
                changed += existing == d ? 0 : 1;
                existing = d;
                replaced = true;
            }
        if (!replaced) {
            after.push_back(d);
            ++changed;
        }
    }
    if (changed == 0)
        return;
    const ReviewDecision& first = decisions.front();
    const QString verdict = first.verdict == ReviewDecision::Verdict::Allow ? tr("Allow") : tr("Deny");
    const QString text =
        decisions.size() == 1
            ? tr("%1 %2 in %3").arg(verdict, QString::fromStdString(first.syscall), phaseText(first.phase))
            : tr("%1 %2 syscalls in %3")
                  .arg(verdict, QString::number(decisions.size()), phaseText(first.phase));
    undo_.push(new DecisionsCommand(this, project_.decisions, std::move(after), text));
}

void ReviewSession::replaceDecisions(std::vector<ReviewDecision> decisions, const QString& text) {
    if (decisions == project_.decisions)
        return;
    undo_.push(new DecisionsCommand(this, project_.decisions, std::move(decisions), text));
}

void ReviewSession::clearDecision(const QString& syscall, PhaseSelection phase) {
    auto after = project_.decisions;
    const auto name = syscall.toStdString();
    if (std::erase_if(after,
                      [&](const ReviewDecision& d) { return d.syscall == name && d.phase == phase; }) == 0)
        return;
    undo_.push(new DecisionsCommand(this, project_.decisions, std::move(after),
                                    tr("Clear the decision on %1 in %2").arg(syscall, phaseText(phase))));
}

bool ReviewSession::allowed(int nr, Phase phase) const {
    const std::string name = SyscallTable::forArch(Arch::X86_64).name(nr);
    if (const ReviewDecision* d = project_.decisionFor(name, phase))
        return d->verdict == ReviewDecision::Verdict::Allow;
    auto it = evidence_.bySyscall.find(nr);
    return it != evidence_.bySyscall.end() && it->second.inPhase(phase);
}

int ReviewSession::unreviewedCount() const {
    int n = 0;
    for (const auto& [nr, e] : evidence_.bySyscall) {
        bool decided = false;
        for (const auto& d : project_.decisions)
            decided = decided || d.syscall == e.name;
        n += decided ? 0 : 1;
    }
    return n;
}

void ReviewSession::applyBoundary(const Boundary& b) {
    project_.boundary = b;
    recompute();
    emit boundaryChanged(boundaryNs());
    emit modifiedChanged(isModified());
}

void ReviewSession::applyDecisions(std::vector<ReviewDecision> decisions) {
    project_.decisions = std::move(decisions);
    emit decisionsChanged();
    emit modifiedChanged(isModified());
}

void ReviewSession::recompute() {
    splits_.clear();
    for (const auto& t : traces_)
        splits_.push_back(resolveBoundary(*t, project_.boundary));
    evidence_ = computeEvidence(true, true);
    emit evidenceChanged();
}

EvidenceSet ReviewSession::computeEvidence(bool useTraces, bool useGraphs) const {
    EvidenceInputs in;
    if (useTraces) {
        for (const auto& t : traces_)
            in.traces.push_back(t.get());
        in.splits = splits_;
    }
    if (useGraphs)
        for (const auto& g : graphs_)
            in.graphs.push_back(g.get());
    in.transition = useGraphs ? project_.transition : std::string();
    in.witnesses = false;
    try {
        return buildEvidence(in);
    } catch (const Error&) {
        // A transition function missing from the analyses: evidence without the static split.
        in.transition.clear();
        EvidenceSet ev = buildEvidence(in);
        ev.notes.push_back("transition function '" + project_.transition + "' not found in the analyses");
        return ev;
    }
}

EvidenceSet ReviewSession::evidenceFrom(EvidenceSource source) const {
    switch (source) {
    case EvidenceSource::Both:
        break;
    case EvidenceSource::Traces:
        return computeEvidence(true, false);
    case EvidenceSource::Static:
        return computeEvidence(false, true);
    }
    return evidence_;
}

std::optional<EvidenceSource> evidenceSourceFromName(const QString& name) {
    if (name == QLatin1String("both"))
        return EvidenceSource::Both;
    if (name == QLatin1String("dynamic"))
        return EvidenceSource::Traces;
    if (name == QLatin1String("static"))
        return EvidenceSource::Static;
    return std::nullopt;
}

} // namespace swb
