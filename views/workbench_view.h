#pragma once

#include "model/trace.h"
#include "profile/profile.h"

#include <QMainWindow>

#include <memory>
#include <vector>

class QComboBox;
class QDockWidget;
class QLabel;
class QLineEdit;
class QMenu;
class QTableView;
class QTimer;

namespace swb {

struct ExportChoice;

class EvidencePanel;
class PathGraphView;
class ReviewFilterModel;
class ReviewSession;
class ReviewTableModel;
class TimelinePanel;

// The workbench on one project: the timeline with the phase boundary in the middle, the review
// table, the evidence of the selected syscall and its call paths in docks. Every review action
// goes through the session's undo stack.
class WorkbenchView : public QMainWindow {
    Q_OBJECT
public:
    explicit WorkbenchView(QWidget* parent = nullptr);
    ~WorkbenchView() override;

    // Throws swb::Error when the project or one of its inputs cannot be read.
    void openProject(const QString& path);
    // Starts an unsaved project from an analysis file opened on its own. Throws swb::Error.
    void openAnalysis(const QString& path);

    ReviewSession* session() const { return session_; }
    TimelinePanel* timeline() const { return timeline_; }
    QTableView* table() const { return table_; }
    ReviewTableModel* tableModel() const { return model_; }
    ReviewFilterModel* filterModel() const { return filter_; }
    EvidencePanel* evidencePanel() const { return evidence_; }
    PathGraphView* pathView() const { return paths_; }

    // Selects a syscall in the table (and shows its evidence and paths); false when it has no row.
    bool selectSyscall(int nr);
    int selectedSyscall() const { return selected_; }
    // Compares the counts with an engine's default profile (Docker/OCI/Kubernetes); false with a
    // message on failure. /usr/share/containers/seccomp.json is used when installed.
    bool setReferenceProfile(const QString& path, QString* error = nullptr);
    QString summaryText() const;
    // "1 trace (8,341 events), 1 analysis (11 modules) · boundary auto at 0.240 s".
    QString inputsText() const;
    // Exports the reviewed profile (review decisions applied). Returns what was written, one line
    // per file, then the warnings; throws swb::Error.
    QString exportProfile(const ExportChoice& choice) const;
    // The project's export settings as a starting choice (no path).
    ExportChoice exportDefaults() const;
    // "redis-profile.json": the proposed file name for FORMAT.
    QString exportFileName(const QString& format) const;
    // The files an export writes (the serving filter's too for phase "both").
    QStringList exportTargets(const ExportChoice& choice) const;
    // What each filter of CHOICE is built from: its size and where its syscalls come from.
    QString describeExport(const ExportChoice& choice) const;
    // Records a decision for every selected syscall, as one undo step. A non-null NOTE is kept with
    // each; otherwise a syscall keeps the note it had in that phase.
    void decide(bool allow, int phase /* 0 all, 1 init, 2 serving */, const QString& note = QString());
    // The syscalls selected in the table (sorted), or the current one.
    std::vector<int> selectedSyscalls() const;

    // The profile a validation run enforces: the reviewed whole-life profile, no runtime group,
    // built from EVIDENCE ("both", "dynamic" or "static").
    Profile validationProfile(const QString& evidence = QStringLiteral("both")) const;
    // The command line of the recorded run (the first trace's), or the project's program.
    QString recordedCommandLine() const;
    // Where a validation run's trace goes by default: next to the project, never over a file.
    QString nextValidationTracePath() const;
    // Loads a validation run's trace and shows it on the timeline with its violations. Throws
    // swb::Error when the trace cannot be read.
    void showValidation(const QString& tracePath, const QString& report);
    // Which run the timeline shows: 0 the recorded trace (with the boundary), 1 the validation run.
    void showRun(int index);
    int shownRun() const;
    const std::shared_ptr<const Trace>& validationTrace() const { return validation_; }

    // The review, evidence and call-path panels (for the window's View menu).
    QList<QDockWidget*> docks() const;
    // Every panel back in its place and shown, sized as on first show.
    void resetLayout();
    QString validationReport() const { return validationReport_; }

signals:
    void summaryChanged(const QString& text);

protected:
    void showEvent(QShowEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void showSyscall(int nr);
    void updateSummary();
    void sizeDocks();
    void placeDocks();

    ReviewSession* session_;
    TimelinePanel* timeline_;
    ReviewTableModel* model_;
    ReviewFilterModel* filter_;
    QTableView* table_;
    QLineEdit* filterEdit_;
    QComboBox* quickFilter_;
    QMenu* columnsMenu_; // the review table header's context menu: which columns show
    QTimer* filterDebounce_;
    EvidencePanel* evidence_;
    PathGraphView* paths_;
    QLabel* counts_;
    QDockWidget* reviewDock_ = nullptr;
    QDockWidget* evidenceDock_ = nullptr;
    QDockWidget* pathDock_ = nullptr;
    QComboBox* runSelector_;
    QLabel* runLabel_;
    std::shared_ptr<const Trace> validation_;
    QString validationPath_;
    QString validationReport_;
    int selected_ = -1;
    bool docksSized_ = false;
    // The review and evidence panels' shares of the width: kept when the window is resized, taken
    // from the panels when a person moves their separators.
    double reviewShare_ = 5.0 / 12;
    double evidenceShare_ = 2.0 / 9;
    int sharedWidth_ = 0;
    QString referenceName_;
    int referenceAllowed_ = -1;
};

} // namespace swb
