#pragma once

#include "phase/evidence.h"
#include "profile/project.h"

#include <QWidget>

#include <optional>

class QLabel;
class QTextBrowser;
class QUrl;

namespace swb {

class Trace;

// Everything known about one syscall: what it is and why it matters (the knowledge base), when the
// traces saw it in each phase and from where, which code can reach it, and the review decision.
class EvidencePanel : public QWidget {
    Q_OBJECT
public:
    explicit EvidencePanel(QWidget* parent = nullptr);

    // Shows syscall NR with its evidence (nullptr: none collected) and the trace the evidence came
    // from (for the first call stack; nullptr: no stacks). Both must outlive the next call.
    void setSyscall(int nr, const SyscallEvidence* evidence, const Trace* trace);
    // The reviewer's decision for the shown syscall, if any.
    void setReviewDecision(const std::optional<ReviewDecision>& decision);

    // A function chosen on a call path (a click in the graph or on a witness step).
    struct FunctionInfo {
        QString name;
        QString modulePath;
        quint64 address = 0;
        QString sourceFile; // empty without debug information
        int line = 0;
    };
    // Shown above the evidence until another syscall is shown; nullopt clears it.
    void setFunction(const std::optional<FunctionInfo>& function);
    const std::optional<FunctionInfo>& function() const { return function_; }

    int syscall() const { return nr_; }
    // The text shown in the body, without markup (for tests and accessibility).
    QString plainText() const;

signals:
    // A function of the witness path was clicked: "module!function", as CallGraph::findFunctions reads.
    void witnessFunctionActivated(const QString& function);

protected:
    void changeEvent(QEvent* event) override;

private:
    void render();
    void openLink(const QUrl& url);

    int nr_ = -1;
    const SyscallEvidence* evidence_ = nullptr;
    const Trace* trace_ = nullptr;
    std::optional<ReviewDecision> decision_;
    std::optional<FunctionInfo> function_;

    QLabel* title_;
    QLabel* subtitle_;
    QLabel* riskBadge_;
    QTextBrowser* body_;
};

} // namespace swb
