#pragma once

#include <QMainWindow>
#include <QPointer>

class QLabel;
class QMenu;
class QMessageBox;
class QScreen;
class QToolBar;
class QStackedWidget;
class QTabWidget;
class QUndoGroup;

namespace swb {

class NewAnalysisDialog;
class NewImageAnalysisDialog;
class JobDialog;
class TraceView;
class ValidateDialog;
class WorkbenchView;

// The workbench window: one tab per open trace, the statistics and load warnings of the current
// trace in the status bar.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Loads a trace file into a new tab, or reloads the tab that already shows it. On failure the
    // window stays as it was, emits loadFailed and (unless message boxes are off) shows the message.
    bool openFile(const QString& path);

    // When off, failures and warnings are reported only through signals and the status bar; the
    // screenshot mode and the tests use that to never wait on a dialog.
    void setMessageBoxesEnabled(bool enabled) { messageBoxesEnabled_ = enabled; }
    bool messageBoxesEnabled() const { return messageBoxesEnabled_; }

    // Opens a project (.swbproj) in a workbench tab: timeline, review table, evidence, call paths.
    bool openProject(const QString& path);
    // Opens an analysis (.swbanalysis) in a workbench tab as an unsaved project.
    bool openAnalysis(const QString& path);
    // Opens a seccomp profile (Docker, OCI, Kubernetes) in a tab listing its rules.
    bool openProfile(const QString& path);
    // Saves the current workbench's project (asks for a file when it has none); false on failure.
    bool saveCurrentProject(const QString& pathOverride = QString());

    // File › New Analysis…: a window-modal dialog; the project it makes opens in a workbench tab.
    NewAnalysisDialog* showNewAnalysisDialog();
    // File › New Analysis from Container Image…, the same way.
    NewImageAnalysisDialog* showNewImageAnalysisDialog();
    // Review › Validate in Complain Mode… on the current workbench; nullptr when there is none.
    ValidateDialog* showValidateDialog();

    TraceView* currentTraceView() const;
    WorkbenchView* currentWorkbench() const;
    QUndoGroup* undoGroup() const { return undoGroup_; }
    int traceViewCount() const;

    // Files opened successfully, most recent first (at most kMaxRecent), kept in QSettings.
    QStringList recentFiles() const;
    static constexpr int kMaxRecent = 10;

    // Window geometry and toolbar state, kept in QSettings between runs. Restoring makes a saved
    // geometry fit the screen; without one the window takes defaultSize().
    void saveSettings() const;
    void restoreSettings();
    static QSize defaultSize(const QScreen* screen);
    // Shrinks and moves the window into its screen's available area where it sticks out.
    void fitToScreen();
    QMenu* viewMenu() const { return viewMenu_; }
    // Fills the View menu: the current workbench's panels, the toolbar, the status bar.
    void rebuildViewMenu();

signals:
    void traceLoaded(const QString& path);
    // MESSAGE names the file and the problem.
    void loadFailed(const QString& message);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    // Opens the project a New Analysis dialog made when it finishes (the dialog deletes itself).
    void openWhenFinished(JobDialog* dialog);
    bool openWorkbench(const QString& path, bool isProject);
    // The common ends of the open* functions: a failure reported everywhere (returns false); a new
    // tab named by the file; a tab made current and the file remembered (returns true).
    bool openFailed(const QString& path, const QString& title, const QString& failure);
    void addFileTab(QWidget* view, const QString& absolutePath);
    bool opened(QWidget* view, const QString& absolutePath);
    void rememberRecent(const QString& path);
    void rebuildRecentMenu();
    void showOpenDialog();
    void closeTab(int index);
    void updateForCurrentTrace();
    void showMessage(const QString& title, const QString& text, bool isError);

    QStackedWidget* stack_;
    QTabWidget* tabs_;
    QLabel* statsLabel_;
    QLabel* warningLabel_;
    QUndoGroup* undoGroup_;
    QMenu* recentMenu_ = nullptr;
    QMenu* viewMenu_ = nullptr;
    QToolBar* toolBar_ = nullptr;
    QPointer<QMessageBox> errorBox_;
    QPointer<QMessageBox> warningBox_;
    bool messageBoxesEnabled_ = true;
};

} // namespace swb
