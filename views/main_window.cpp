#include "main_window.h"

#include "jobs/job_dialogs.h"
#include "profile/profile_view.h"
#include "review/export_dialog.h"
#include "review/review_session.h"
#include "trace/strace_import.h"
#include "trace/trace_file.h"
#include "trace/trace_sink.h"
#include "trace_view.h"
#include "util/error.h"
#include "util/file_kind.h"
#include "workbench_view.h"

#include <QAction>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QGuiApplication>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPointer>
#include <QScopeGuard>
#include <QScreen>
#include <QSettings>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>
#include <QUndoGroup>
#include <QUndoStack>

#include <new>

namespace swb {

namespace {

constexpr int kFailureMessageMs = 10'000;

QSettings settings() {
    return QSettings(QStringLiteral("SeccompWorkbench"), QStringLiteral("swb-gui"));
}

QStringList localFiles(const QMimeData* mime) {
    QStringList files;
    if (!mime || !mime->hasUrls())
        return files;
    for (const QUrl& url : mime->urls())
        if (url.isLocalFile())
            files.append(url.toLocalFile());
    return files;
}

} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent)
    , stack_(new QStackedWidget(this))
    , tabs_(new QTabWidget(stack_))
    , statsLabel_(new QLabel(this))
    , warningLabel_(new QLabel(this))
    , undoGroup_(new QUndoGroup(this)) {
    setAcceptDrops(true);

    auto* openAction = new QAction(QIcon::fromTheme(QStringLiteral("document-open")), tr("&Open…"), this);
    openAction->setObjectName(QStringLiteral("openAction"));
    openAction->setShortcut(QKeySequence::Open);
    openAction->setStatusTip(tr("Open a trace file"));
    connect(openAction, &QAction::triggered, this, &MainWindow::showOpenDialog);

    auto* closeAction = new QAction(QIcon::fromTheme(QStringLiteral("document-close")), tr("&Close"), this);
    closeAction->setObjectName(QStringLiteral("closeAction"));
    closeAction->setShortcut(QKeySequence::Close);
    closeAction->setStatusTip(tr("Close the current trace"));
    connect(closeAction, &QAction::triggered, this, [this] { closeTab(tabs_->currentIndex()); });

    auto* quitAction = new QAction(QIcon::fromTheme(QStringLiteral("application-exit")), tr("&Quit"), this);
    quitAction->setObjectName(QStringLiteral("quitAction"));
    // QKeySequence::Quit is empty on platforms whose theme has no quit key (offscreen, some desktops).
    quitAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));
    quitAction->setMenuRole(QAction::QuitRole);
    quitAction->setStatusTip(tr("Quit Seccomp Workbench"));
    connect(quitAction, &QAction::triggered, this, &QWidget::close);

    auto* saveAction =
        new QAction(QIcon::fromTheme(QStringLiteral("document-save")), tr("&Save Project"), this);
    saveAction->setObjectName(QStringLiteral("saveAction"));
    saveAction->setShortcut(QKeySequence::Save);
    saveAction->setStatusTip(tr("Save the review (boundary, decisions) to the project file"));
    connect(saveAction, &QAction::triggered, this, [this] { saveCurrentProject(); });

    auto* exportAction =
        new QAction(QIcon::fromTheme(QStringLiteral("document-export")), tr("&Export Profile…"), this);
    exportAction->setObjectName(QStringLiteral("exportAction"));
    exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    exportAction->setStatusTip(tr("Write the reviewed profile for Docker, OCI, Kubernetes or libseccomp"));
    connect(exportAction, &QAction::triggered, this, [this] {
        WorkbenchView* wb = currentWorkbench();
        if (!wb)
            return;
        ExportChoice initial = wb->exportDefaults();
        initial.path = QDir(defaultExportDirectory()).filePath(wb->exportFileName(initial.format));
        ExportDialog dialog(initial, this);
        dialog.setEvidenceAvailable(!wb->session()->traces().empty(), !wb->session()->graphs().empty());
        dialog.setDescriber([wb](const ExportChoice& c) { return wb->describeExport(c); });
        if (dialog.exec() != QDialog::Accepted)
            return;
        const ExportChoice choice = dialog.choice();
        QStringList existing;
        for (const QString& f : wb->exportTargets(choice))
            if (QFileInfo::exists(f))
                existing << f;
        if (!existing.isEmpty() && messageBoxesEnabled_ &&
            QMessageBox::question(this, tr("Replace Files?"),
                                  tr("%1 already exists. Replace it?").arg(existing.join(tr(" and "))),
                                  QMessageBox::Yes | QMessageBox::Cancel,
                                  QMessageBox::Cancel) != QMessageBox::Yes)
            return;
        try {
            const QString dir = QFileInfo(choice.path).absolutePath();
            if (!QDir().mkpath(dir))
                throw Error(QFile::encodeName(dir).toStdString() + ": cannot create the directory");
            const QString report = wb->exportProfile(choice);
            rememberExportDirectory(dir);
            statusBar()->showMessage(report.section(QLatin1Char('\n'), 0, 0), kFailureMessageMs);
            showMessage(tr("Profile Exported"), report, false);
        } catch (const Error& e) {
            showMessage(tr("Cannot Export"), QString::fromStdString(e.what()), true);
        }
    });

    auto* newAnalysisAction =
        new QAction(QIcon::fromTheme(QStringLiteral("document-new")), tr("&New Analysis…"), this);
    newAnalysisAction->setObjectName(QStringLiteral("newAnalysisAction"));
    newAnalysisAction->setShortcut(QKeySequence::New);
    newAnalysisAction->setStatusTip(tr("Trace a command line and/or analyze a binary into a new project"));
    connect(newAnalysisAction, &QAction::triggered, this, &MainWindow::showNewAnalysisDialog);

    auto* imageAnalysisAction = new QAction(tr("New Analysis from Container &Image…"), this);
    imageAnalysisAction->setObjectName(QStringLiteral("newImageAnalysisAction"));
    imageAnalysisAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N));
    imageAnalysisAction->setStatusTip(
        tr("Analyze a container image (archive, OCI layout, root directory, engine image) and/or trace a "
           "container of it under runc"));
    connect(imageAnalysisAction, &QAction::triggered, this, &MainWindow::showNewImageAnalysisDialog);

    auto* validateAction =
        new QAction(QIcon::fromTheme(QStringLiteral("system-run")), tr("&Validate in Complain Mode…"), this);
    validateAction->setObjectName(QStringLiteral("validateAction"));
    validateAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_V));
    validateAction->setStatusTip(
        tr("Run the program under the reviewed profile; its violations appear on the timeline"));
    connect(validateAction, &QAction::triggered, this, &MainWindow::showValidateDialog);

    auto* fileMenu = menuBar()->addMenu(tr("&File"));
    fileMenu->addAction(newAnalysisAction);
    fileMenu->addAction(imageAnalysisAction);
    fileMenu->addAction(openAction);
    recentMenu_ = fileMenu->addMenu(tr("Open &Recent"));
    recentMenu_->setObjectName(QStringLiteral("recentMenu"));
    rebuildRecentMenu();
    fileMenu->addAction(saveAction);
    fileMenu->addAction(exportAction);
    fileMenu->addAction(closeAction);
    fileMenu->addSeparator();
    fileMenu->addAction(quitAction);

    auto* undoAction = undoGroup_->createUndoAction(this, tr("&Undo"));
    undoAction->setObjectName(QStringLiteral("undoAction"));
    undoAction->setShortcut(QKeySequence::Undo);
    auto* redoAction = undoGroup_->createRedoAction(this, tr("&Redo"));
    redoAction->setObjectName(QStringLiteral("redoAction"));
    redoAction->setShortcut(QKeySequence::Redo);
    auto* editMenu = menuBar()->addMenu(tr("&Edit"));
    editMenu->addAction(undoAction);
    editMenu->addAction(redoAction);
    auto* reviewMenu = menuBar()->addMenu(tr("&Review"));
    reviewMenu->addAction(validateAction);
    reviewMenu->addAction(exportAction);
    connect(undoGroup_, &QUndoGroup::cleanChanged, this, [this] { updateForCurrentTrace(); });
    viewMenu_ = menuBar()->addMenu(tr("&View"));
    viewMenu_->setObjectName(QStringLiteral("viewMenu"));
    connect(viewMenu_, &QMenu::aboutToShow, this, &MainWindow::rebuildViewMenu);

    toolBar_ = addToolBar(tr("Main Toolbar"));
    auto* toolBar = toolBar_;
    toolBar->setObjectName(QStringLiteral("mainToolBar"));
    toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolBar->addAction(newAnalysisAction);
    toolBar->addAction(openAction);
    toolBar->addAction(saveAction);
    toolBar->addAction(undoAction);
    toolBar->addAction(redoAction);

    auto* placeholder =
        new QLabel(tr("Start with File › New Analysis… (trace a program, analyze its binary),\n"
                      "or open a project, trace, strace log, analysis or seccomp profile with "
                      "File › Open… or by dropping it here."),
                   stack_);
    placeholder->setObjectName(QStringLiteral("emptyPlaceholder"));
    placeholder->setAlignment(Qt::AlignCenter);
    placeholder->setEnabled(false);
    stack_->addWidget(placeholder);

    tabs_->setObjectName(QStringLiteral("traceTabs"));
    tabs_->setDocumentMode(true);
    tabs_->setTabsClosable(true);
    tabs_->setMovable(true);
    stack_->addWidget(tabs_);
    connect(tabs_, &QTabWidget::tabCloseRequested, this, &MainWindow::closeTab);
    connect(tabs_, &QTabWidget::currentChanged, this, &MainWindow::updateForCurrentTrace);
    setCentralWidget(stack_);

    statsLabel_->setObjectName(QStringLiteral("traceStatsLabel"));
    warningLabel_->setObjectName(QStringLiteral("loadWarningLabel"));
    // A long warning is cut off (its tooltip has it all) instead of widening the window.
    warningLabel_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    statusBar()->addWidget(statsLabel_);
    statusBar()->addWidget(warningLabel_, 1);

    updateForCurrentTrace();
}

MainWindow::~MainWindow() {
    // The workbench tabs go after this body: their undo stacks leave the group, which must not call
    // back into a window being destroyed.
    disconnect(undoGroup_, nullptr, this, nullptr);
    for (int i = 0; i < tabs_->count(); ++i)
        if (auto* wb = qobject_cast<WorkbenchView*>(tabs_->widget(i))) {
            disconnect(wb->session(), nullptr, this, nullptr);
            disconnect(wb, nullptr, this, nullptr);
        }
}

bool MainWindow::openAnalysis(const QString& path) {
    return openWorkbench(path, false);
}

bool MainWindow::openProject(const QString& path) {
    return openWorkbench(path, true);
}

bool MainWindow::openWorkbench(const QString& path, bool isProject) {
    const QString absolutePath = QFileInfo(path).absoluteFilePath();
    for (int i = 0; i < tabs_->count(); ++i) {
        auto* existing = qobject_cast<WorkbenchView*>(tabs_->widget(i));
        if (existing && QFileInfo(existing->session()->projectPath()).absoluteFilePath() == absolutePath) {
            tabs_->setCurrentWidget(existing);
            rememberRecent(absolutePath);
            return true;
        }
    }
    auto* view = new WorkbenchView(tabs_);
    QString failure;
    {
        QGuiApplication::setOverrideCursor(Qt::WaitCursor);
        const auto restoreCursor = qScopeGuard([] { QGuiApplication::restoreOverrideCursor(); });
        try {
            if (isProject)
                view->openProject(absolutePath);
            else
                view->openAnalysis(absolutePath);
        } catch (const Error& e) {
            failure = QString::fromStdString(e.what());
        } catch (const std::bad_alloc&) {
            failure = tr("%1: not enough memory to load the project").arg(path);
        }
    }
    if (!failure.isEmpty()) {
        delete view;
        return openFailed(path, isProject ? tr("Cannot Open Project") : tr("Cannot Open Analysis"), failure);
    }
    undoGroup_->addStack(view->session()->undoStack());
    connect(view->session(), &ReviewSession::modifiedChanged, this, [this] { updateForCurrentTrace(); });
    connect(view, &WorkbenchView::summaryChanged, this, [this] { updateForCurrentTrace(); });
    addFileTab(view, absolutePath);
    return opened(view, absolutePath);
}

bool MainWindow::openFailed(const QString& path, const QString& title, const QString& failure) {
    statusBar()->showMessage(tr("Could not open %1").arg(QFileInfo(path).fileName()), kFailureMessageMs);
    showMessage(title, failure, true);
    emit loadFailed(failure);
    return false;
}

void MainWindow::addFileTab(QWidget* view, const QString& absolutePath) {
    const int index = tabs_->addTab(view, QFileInfo(absolutePath).fileName());
    tabs_->setTabToolTip(index, absolutePath);
}

bool MainWindow::opened(QWidget* view, const QString& absolutePath) {
    tabs_->setCurrentWidget(view);
    updateForCurrentTrace();
    rememberRecent(absolutePath);
    emit traceLoaded(absolutePath);
    return true;
}

bool MainWindow::openProfile(const QString& path) {
    const QString absolutePath = QFileInfo(path).absoluteFilePath();
    ProfileView* view = nullptr;
    for (int i = 0; i < tabs_->count() && !view; ++i) {
        auto* candidate = qobject_cast<ProfileView*>(tabs_->widget(i));
        if (candidate && candidate->filePath() == absolutePath)
            view = candidate;
    }
    const bool created = !view;
    if (created)
        view = new ProfileView(tabs_);
    try {
        view->openProfile(absolutePath);
    } catch (const Error& e) {
        if (created)
            delete view;
        const QString failure = QString::fromStdString(e.what());
        return openFailed(path, tr("Cannot Open Profile"), failure);
    }
    if (created)
        addFileTab(view, absolutePath);
    return opened(view, absolutePath);
}

void MainWindow::openWhenFinished(JobDialog* dialog) {
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        const QString project = dialog->resultPath();
        if (openProject(project)) {
            statusBar()->showMessage(dialog->report().section(QLatin1Char('\n'), -1), kFailureMessageMs);
            if (WorkbenchView* wb = currentWorkbench())
                wb->setStatusTip(dialog->report());
        }
    });
    dialog->open();
}

NewAnalysisDialog* MainWindow::showNewAnalysisDialog() {
    auto* dialog = new NewAnalysisDialog(this);
    openWhenFinished(dialog);
    return dialog;
}

NewImageAnalysisDialog* MainWindow::showNewImageAnalysisDialog() {
    auto* dialog = new NewImageAnalysisDialog(this);
    openWhenFinished(dialog);
    return dialog;
}

ValidateDialog* MainWindow::showValidateDialog() {
    WorkbenchView* wb = currentWorkbench();
    if (!wb) {
        showMessage(tr("Nothing to Validate"),
                    tr("Open a project (or make one with File › New Analysis…) to validate its reviewed "
                       "profile."),
                    false);
        return nullptr;
    }
    const QPointer<WorkbenchView> source(wb);
    auto* dialog = new ValidateDialog(
        [source](const QString& evidence) {
            if (!source)
                throw Error("the project was closed");
            return source->validationProfile(evidence);
        },
        !wb->session()->traces().empty(), !wb->session()->graphs().empty(), wb->recordedCommandLine(),
        wb->nextValidationTracePath(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    const QPointer<WorkbenchView> target(wb);
    connect(dialog, &QDialog::accepted, this, [this, dialog, target] {
        if (!target)
            return;
        try {
            target->showValidation(dialog->resultPath(), dialog->report());
        } catch (const Error& e) {
            showMessage(tr("Cannot Show the Validation Run"), QString::fromStdString(e.what()), true);
            return;
        }
        tabs_->setCurrentWidget(target);
        statusBar()->showMessage(dialog->report().section(QLatin1Char('\n'), 0, 0), kFailureMessageMs);
    });
    dialog->open();
    return dialog;
}

bool MainWindow::saveCurrentProject(const QString& pathOverride) {
    WorkbenchView* view = currentWorkbench();
    if (!view)
        return false;
    QString target = pathOverride.isEmpty() ? view->session()->projectPath() : pathOverride;
    if (target.isEmpty() && messageBoxesEnabled_)
        target = QFileDialog::getSaveFileName(this, tr("Save Project"), QString(),
                                              tr("Seccomp Workbench projects (*.swbproj)"));
    if (target.isEmpty())
        return false;
    try {
        view->session()->saveProject(target);
    } catch (const Error& e) {
        showMessage(tr("Cannot Save Project"), QString::fromStdString(e.what()), true);
        return false;
    }
    statusBar()->showMessage(tr("Saved %1").arg(QFileInfo(target).fileName()), kFailureMessageMs);
    updateForCurrentTrace();
    return true;
}

WorkbenchView* MainWindow::currentWorkbench() const {
    return qobject_cast<WorkbenchView*>(tabs_->currentWidget());
}

bool MainWindow::openFile(const QString& path) {
    try {
        const FileKind kind = detectFileKind(QFile::encodeName(path).toStdString());
        if (kind == FileKind::Project)
            return openProject(path);
        if (kind == FileKind::Analysis)
            return openAnalysis(path);
        if (kind == FileKind::Profile)
            return openProfile(path);
        // Not recognisable by content: a file named like one of ours gets that reader's message
        // (where it is malformed) instead of the trace reader's.
        const QString suffix = QFileInfo(path).suffix().toLower();
        if (kind == FileKind::Unknown && suffix == QLatin1String("swbproj"))
            return openProject(path);
        if (kind == FileKind::Unknown && suffix == QLatin1String("swbanalysis"))
            return openAnalysis(path);
        if (kind == FileKind::Unknown && (suffix == QLatin1String("json") ||
                                          suffix == QLatin1String("yaml") || suffix == QLatin1String("yml")))
            return openProfile(path);
    } catch (const Error&) {
        // Unreadable: the trace loader below reports it with the file's name.
    }
    LoadedTrace loaded;
    QString failure;
    {
        QGuiApplication::setOverrideCursor(Qt::WaitCursor);
        const auto restoreCursor = qScopeGuard([] { QGuiApplication::restoreOverrideCursor(); });
        try {
            const std::string file = QFile::encodeName(path).toStdString();
            std::string head(4096, '\0');
            {
                QFile f(path);
                if (f.open(QIODevice::ReadOnly))
                    head = f.read(4096).toStdString();
            }
            if (!head.empty() && !looksLikeTraceFile(head)) {
                // Not a trace file: an strace log is imported on the fly; anything else is refused by
                // the trace reader below with its own message.
                Trace imported;
                MemorySink sink(imported);
                try {
                    const auto report = importStraceLogs({file}, sink);
                    loaded.trace = std::move(imported);
                    if (report.unparsed)
                        loaded.warnings.push_back(
                            std::to_string(report.unparsed) +
                            " strace lines could not be imported (swb import-strace lists them)");
                } catch (const Error&) {
                    loaded = readTraceFile(file);
                }
            } else {
                loaded = readTraceFile(file);
            }
        } catch (const Error& e) {
            failure = QString::fromStdString(e.what());
        } catch (const std::bad_alloc&) {
            failure = tr("%1: not enough memory to load the trace").arg(path);
        }
    }
    if (!failure.isEmpty()) {
        // Temporary messages hide the statistics, so this one goes away by itself.
        return openFailed(path, tr("Cannot Open Trace"), failure);
    }

    QStringList warnings;
    for (const auto& w : loaded.warnings)
        warnings.append(QString::fromStdString(w));
    const QString absolutePath = QFileInfo(path).absoluteFilePath();
    TraceView* view = nullptr;
    for (int i = 0; i < tabs_->count() && !view; ++i) {
        auto* candidate = qobject_cast<TraceView*>(tabs_->widget(i));
        if (candidate && candidate->filePath() == absolutePath)
            view = candidate;
    }
    if (!view) {
        view = new TraceView(tabs_);
        addFileTab(view, absolutePath);
    }
    view->setTrace(std::make_shared<const Trace>(std::move(loaded.trace)), absolutePath, warnings);
    opened(view, absolutePath);
    if (!warnings.isEmpty())
        showMessage(tr("Trace Loaded With Warnings"), warnings.join(QLatin1Char('\n')), false);
    return true;
}

TraceView* MainWindow::currentTraceView() const {
    return qobject_cast<TraceView*>(tabs_->currentWidget());
}

int MainWindow::traceViewCount() const {
    return tabs_->count();
}

QStringList MainWindow::recentFiles() const {
    return settings().value(QStringLiteral("MainWindow/recentFiles")).toStringList();
}

void MainWindow::rememberRecent(const QString& path) {
    const QString absolutePath = QFileInfo(path).absoluteFilePath();
    QStringList files = recentFiles();
    files.removeAll(absolutePath);
    files.prepend(absolutePath);
    while (files.size() > kMaxRecent)
        files.removeLast();
    auto store = settings();
    store.setValue(QStringLiteral("MainWindow/recentFiles"), files);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
    if (!recentMenu_)
        return;
    recentMenu_->clear();
    const QStringList files = recentFiles();
    for (const QString& file : files) {
        auto* a = recentMenu_->addAction(QFileInfo(file).fileName());
        a->setToolTip(file);
        a->setStatusTip(file);
        connect(a, &QAction::triggered, this, [this, file] { openFile(file); });
    }
    recentMenu_->setEnabled(!files.isEmpty());
}

void MainWindow::saveSettings() const {
    auto store = settings();
    store.setValue(QStringLiteral("MainWindow/geometry"), saveGeometry());
    store.setValue(QStringLiteral("MainWindow/state"), saveState());
}

void MainWindow::restoreSettings() {
    const auto store = settings();
    const QByteArray geometry = store.value(QStringLiteral("MainWindow/geometry")).toByteArray();
    if (geometry.isEmpty() || !restoreGeometry(geometry))
        resize(defaultSize(screen()));
    restoreState(store.value(QStringLiteral("MainWindow/state")).toByteArray());
    fitToScreen();
}

QSize MainWindow::defaultSize(const QScreen* screen) {
    // Most of the screen (a workbench wants room), never more than a large desktop window.
    const QRect available = screen ? screen->availableGeometry() : QRect(0, 0, 1280, 800);
    return {std::min(available.width() * 9 / 10, 1600), std::min(available.height() * 9 / 10, 1000)};
}

void MainWindow::fitToScreen() {
    if (isMaximized() || isFullScreen())
        return;
    // A geometry saved on a larger screen (or by an older version) is made to fit the screen the
    // window opens on: never larger than its available area, never off it.
    const QScreen* target = screen();
    if (!target)
        return;
    const QRect available = target->availableGeometry();
    const QRect frame = frameGeometry();
    const QSize decoration = frame.size() - geometry().size();
    QSize size = geometry().size().boundedTo(available.size() - decoration);
    size = size.expandedTo(minimumSizeHint().boundedTo(available.size()));
    if (size != geometry().size())
        resize(size);
    QPoint topLeft = frameGeometry().topLeft();
    topLeft.setX(std::clamp(topLeft.x(), available.left(),
                            std::max(available.left(), available.right() + 1 - frameGeometry().width())));
    topLeft.setY(std::clamp(topLeft.y(), available.top(),
                            std::max(available.top(), available.bottom() + 1 - frameGeometry().height())));
    if (topLeft != frameGeometry().topLeft())
        move(topLeft);
}

void MainWindow::rebuildViewMenu() {
    viewMenu_->clear();
    viewMenu_->addSection(tr("Panels"));
    WorkbenchView* wb = currentWorkbench();
    const QList<QDockWidget*> docks = wb ? wb->docks() : QList<QDockWidget*>();
    for (QDockWidget* dock : docks)
        viewMenu_->addAction(dock->toggleViewAction());
    if (docks.isEmpty()) {
        auto* none = viewMenu_->addAction(tr("(open a project to show its panels)"));
        none->setEnabled(false);
    } else {
        auto* reset = viewMenu_->addAction(tr("&Reset Panel Layout"));
        reset->setObjectName(QStringLiteral("resetLayoutAction"));
        connect(reset, &QAction::triggered, wb, &WorkbenchView::resetLayout);
    }
    viewMenu_->addSection(tr("Toolbars"));
    viewMenu_->addAction(toolBar_->toggleViewAction());
    QAction* status = viewMenu_->addAction(tr("&Status Bar"));
    status->setObjectName(QStringLiteral("statusBarAction"));
    status->setCheckable(true);
    status->setChecked(statusBar()->isVisibleTo(this));
    connect(status, &QAction::toggled, statusBar(), &QWidget::setVisible);
}

void MainWindow::closeEvent(QCloseEvent* event) {
    for (int i = 0; i < tabs_->count() && messageBoxesEnabled_; ++i) {
        auto* view = qobject_cast<WorkbenchView*>(tabs_->widget(i));
        if (!view || !view->session()->isModified())
            continue;
        tabs_->setCurrentWidget(view);
        const QString path = view->session()->projectPath();
        const QString name = path.isEmpty() ? tr("the untitled project") : QFileInfo(path).fileName();
        const auto choice = QMessageBox::question(
            this, tr("Unsaved Review"), tr("The review in %1 has unsaved changes. Save them?").arg(name),
            QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
        if (choice == QMessageBox::Cancel || (choice == QMessageBox::Save && !saveCurrentProject())) {
            event->ignore();
            return;
        }
    }
    saveSettings();
    QMainWindow::closeEvent(event);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (!localFiles(event->mimeData()).isEmpty())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const QStringList files = localFiles(event->mimeData());
    if (files.isEmpty())
        return;
    event->acceptProposedAction();
    for (const QString& file : files)
        openFile(file);
}

void MainWindow::showOpenDialog() {
    const QString dir =
        currentTraceView() ? QFileInfo(currentTraceView()->filePath()).absolutePath() : QString();
    const QStringList files =
        QFileDialog::getOpenFileNames(this, tr("Open"), dir,
                                      tr("Seccomp Workbench files (*.swbproj *.swbtrace *.swbanalysis);;"
                                         "Projects (*.swbproj);;Traces (*.swbtrace);;Analyses "
                                         "(*.swbanalysis);;strace logs (*.log *.strace *.txt);;Seccomp "
                                         "profiles (*.json *.yaml *.yml);;All files (*)"));
    for (const QString& file : files)
        openFile(file);
}

void MainWindow::closeTab(int index) {
    QWidget* view = tabs_->widget(index);
    if (!view)
        return;
    tabs_->removeTab(index);
    view->deleteLater();
    updateForCurrentTrace();
}

void MainWindow::updateForCurrentTrace() {
    rebuildViewMenu();
    if (WorkbenchView* wb = currentWorkbench()) {
        stack_->setCurrentWidget(tabs_);
        undoGroup_->setActiveStack(wb->session()->undoStack());
        const QString path = wb->session()->projectPath();
        const QString name = path.isEmpty() ? tr("Untitled project") : QFileInfo(path).fileName();
        setWindowFilePath(path);
        setWindowTitle(tr("%1[*] — Seccomp Workbench").arg(name));
        setWindowModified(wb->session()->isModified());
        const int index = tabs_->indexOf(wb);
        tabs_->setTabText(index, name + (wb->session()->isModified() ? QStringLiteral(" *") : QString()));
        // The counts are under the review table; the status bar says what the project is made of.
        statsLabel_->setText(wb->inputsText());
        warningLabel_->clear();
        return;
    }
    undoGroup_->setActiveStack(nullptr);
    setWindowModified(false);
    if (auto* profile = qobject_cast<ProfileView*>(tabs_->currentWidget())) {
        stack_->setCurrentWidget(tabs_);
        setWindowFilePath(profile->filePath());
        setWindowTitle(tr("%1 — Seccomp Workbench").arg(QFileInfo(profile->filePath()).fileName()));
        statsLabel_->setText(tr("Seccomp profile"));
        const QStringList warnings = profile->warnings();
        warningLabel_->setText(
            warnings.isEmpty() ? QString() : tr("Warning: %1").arg(warnings.join(QStringLiteral("; "))));
        warningLabel_->setToolTip(warnings.join(QLatin1Char('\n')));
        return;
    }
    const TraceView* view = currentTraceView();
    if (!view) {
        stack_->setCurrentIndex(0);
        setWindowTitle(tr("Seccomp Workbench"));
        setWindowFilePath(QString());
        statsLabel_->clear();
        warningLabel_->clear();
        warningLabel_->setToolTip(QString());
        return;
    }
    stack_->setCurrentWidget(tabs_);
    setWindowFilePath(view->filePath());
    setWindowTitle(tr("%1 — Seccomp Workbench").arg(QFileInfo(view->filePath()).fileName()));
    statsLabel_->setText(view->statistics());
    const QStringList warnings = view->warnings();
    warningLabel_->setText(warnings.isEmpty() ? QString()
                                              : tr("Warning: %1").arg(warnings.join(QStringLiteral("; "))));
    warningLabel_->setToolTip(warnings.join(QLatin1Char('\n')));
}

void MainWindow::showMessage(const QString& title, const QString& text, bool isError) {
    if (!messageBoxesEnabled_)
        return;
    // A second problem while the first is still on screen joins it: one box lists them all,
    // instead of a second box exactly on top of the first.
    QPointer<QMessageBox>& open = isError ? errorBox_ : warningBox_;
    if (open && open->isVisible()) {
        open->setWindowTitle(isError ? tr("Problems") : tr("Warnings"));
        open->setText(open->text() + QStringLiteral("\n\n") + title + QStringLiteral(": ") + text);
        open->raise();
        return;
    }
    auto* box = new QMessageBox(isError ? QMessageBox::Critical : QMessageBox::Warning, title, text,
                                QMessageBox::Ok, this);
    open = box;
    box->setObjectName(isError ? QStringLiteral("loadErrorBox") : QStringLiteral("loadWarningBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    if (isError) {
        // Window-modal but not blocking: the caller and the event loop carry on.
        box->open();
    } else {
        box->setModal(false);
        box->show();
    }
}

} // namespace swb
