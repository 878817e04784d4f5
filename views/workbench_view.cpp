#include "workbench_view.h"

#include "evidence/evidence_panel.h"
#include "evidence/syscall_knowledge_resource.h"
#include "graph/path_graph_view.h"
#include "jobs/analysis_job.h"
#include "profile/profile_export.h"
#include "profile/profile_io.h"
#include "review/export_dialog.h"
#include "review/review_session.h"
#include "review/review_table_model.h"
#include "static/analysis_file.h"
#include "timeline/timeline_panel.h"
#include "timeline/timeline_view.h"
#include "trace/trace_file.h"
#include "util/error.h"

#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <map>
#include <set>

namespace swb {

WorkbenchView::WorkbenchView(QWidget* parent)
    : QMainWindow(parent)
    , session_(new ReviewSession(this))
    , timeline_(new TimelinePanel(this))
    , model_(new ReviewTableModel(session_, this))
    , filter_(new ReviewFilterModel(this))
    , table_(new QTableView(this))
    , filterEdit_(new QLineEdit(this))
    , quickFilter_(new QComboBox(this))
    , columnsMenu_(new QMenu(tr("Columns"), this))
    , filterDebounce_(new QTimer(this))
    , evidence_(new EvidencePanel(this))
    , paths_(new PathGraphView(this))
    , counts_(new QLabel(this))
    , runSelector_(new QComboBox(this))
    , runLabel_(new QLabel(this)) {
    setWindowFlags(Qt::Widget);
    setDockNestingEnabled(true);
    timeline_->setObjectName(QStringLiteral("timelinePanel"));
    // Above the timeline: which run it shows (the recorded one, or the last validation run).
    auto* centre = new QWidget(this);
    auto* centreLayout = new QVBoxLayout(centre);
    centreLayout->setContentsMargins(0, 0, 0, 0);
    centreLayout->setSpacing(2);
    auto* runRow = new QHBoxLayout;
    runRow->setContentsMargins(6, 2, 6, 0);
    runSelector_->setObjectName(QStringLiteral("runSelector"));
    runSelector_->addItem(tr("Recorded run"));
    runSelector_->setToolTip(tr("The run the timeline shows: the recorded trace (with the phase boundary) "
                                "or the last validation run (with its violations in red)"));
    runSelector_->setEnabled(false);
    runLabel_->setObjectName(QStringLiteral("runLabel"));
    runLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    runRow->addWidget(new QLabel(tr("Timeline:"), centre));
    runRow->addWidget(runSelector_);
    runRow->addWidget(runLabel_, 1);
    centreLayout->addLayout(runRow);
    centreLayout->addWidget(timeline_, 1);
    setCentralWidget(centre);
    connect(runSelector_, &QComboBox::currentIndexChanged, this, &WorkbenchView::showRun);

    // The review table with its filters.
    filter_->setSourceModel(model_);
    table_->setObjectName(QStringLiteral("reviewTable"));
    table_->setAccessibleName(tr("Syscalls under review"));
    table_->setModel(filter_);
    table_->setSortingEnabled(true);
    table_->sortByColumn(ReviewTableModel::NumberColumn, Qt::AscendingOrder);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    // Several rows at once: Decide applies to the whole selection as one undo step (Ctrl+A after a
    // quick filter reviews a whole class of syscalls).
    table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    table_->verticalHeader()->hide();
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    // Columns can be moved, and shown or hidden from the header's context menu. The number and the
    // category start hidden (the evidence panel's subtitle gives both), so that the review
    // columns fit beside the timeline.
    table_->horizontalHeader()->setSectionsMovable(true);
    // What a review needs first: the verdicts and the decision, then the evidence and the counts
    // (the evidence panel repeats those).
    {
        using M = ReviewTableModel;
        const int order[] = {M::NameColumn,        M::NumberColumn,      M::CategoryColumn,
                             M::RiskColumn,        M::InitAllowedColumn, M::ServingAllowedColumn,
                             M::DecisionColumn,    M::EvidenceColumn,    M::InitCountColumn,
                             M::ServingCountColumn};
        static_assert(std::size(order) == M::ColumnCount);
        for (int visual = 0; visual < M::ColumnCount; ++visual)
            table_->horizontalHeader()->moveSection(table_->horizontalHeader()->visualIndex(order[visual]),
                                                    visual);
    }
    table_->horizontalHeader()->setContextMenuPolicy(Qt::CustomContextMenu);
    columnsMenu_->setObjectName(QStringLiteral("reviewColumnsMenu"));
    for (int c = 0; c < ReviewTableModel::ColumnCount; ++c) {
        QAction* a = columnsMenu_->addAction(model_->headerData(c, Qt::Horizontal).toString());
        a->setCheckable(true);
        const bool hidden = c == ReviewTableModel::NumberColumn || c == ReviewTableModel::CategoryColumn;
        a->setChecked(!hidden);
        a->setEnabled(c != ReviewTableModel::NameColumn);
        table_->setColumnHidden(c, hidden);
        connect(a, &QAction::toggled, this, [this, c](bool on) { table_->setColumnHidden(c, !on); });
    }
    connect(table_->horizontalHeader(), &QHeaderView::customContextMenuRequested, this,
            [this](const QPoint& at) { columnsMenu_->popup(table_->horizontalHeader()->mapToGlobal(at)); });
    table_->setContextMenuPolicy(Qt::CustomContextMenu);
    filterEdit_->setObjectName(QStringLiteral("reviewFilter"));
    filterEdit_->setPlaceholderText(tr("Filter syscalls"));
    filterEdit_->setClearButtonEnabled(true);
    // Room for a syscall name and the clear button, whatever the quick filter's longest entry.
    filterEdit_->setMinimumWidth(filterEdit_->fontMetrics().averageCharWidth() * 20);
    filterDebounce_->setSingleShot(true);
    filterDebounce_->setInterval(150);
    connect(filterEdit_, &QLineEdit::textChanged, filterDebounce_, qOverload<>(&QTimer::start));
    connect(filterDebounce_, &QTimer::timeout, this, [this] { filter_->setNameFilter(filterEdit_->text()); });
    quickFilter_->setObjectName(QStringLiteral("quickFilter"));
    const std::pair<QString, ReviewFilterModel::Quick> quick[] = {
        {tr("All syscalls"), ReviewFilterModel::Quick::All},
        {tr("Unreviewed"), ReviewFilterModel::Quick::Unreviewed},
        {tr("Dangerous"), ReviewFilterModel::Quick::Dangerous},
        {tr("Static only"), ReviewFilterModel::Quick::StaticOnly},
        {tr("Dynamic only"), ReviewFilterModel::Quick::DynamicOnly},
        {tr("Reached only through indirect calls"), ReviewFilterModel::Quick::IndirectOnly},
        {tr("Changed by the boundary"), ReviewFilterModel::Quick::ChangedByBoundary},
        {tr("Contradicts evidence"), ReviewFilterModel::Quick::Contradicted},
        {tr("Violated in the validation run"), ReviewFilterModel::Quick::Violated},
    };
    for (const auto& [text, q] : quick)
        quickFilter_->addItem(text, static_cast<int>(q));
    // The box takes a short width; its list opens as wide as its longest entry.
    quickFilter_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    quickFilter_->setMinimumContentsLength(14);
    quickFilter_->setToolTip(tr("Show only a class of syscalls"));
    connect(quickFilter_, &QComboBox::currentIndexChanged, this, [this](int i) {
        filter_->setQuickFilter(static_cast<ReviewFilterModel::Quick>(quickFilter_->itemData(i).toInt()));
    });

    auto* decideButton = new QToolButton(this);
    decideButton->setObjectName(QStringLiteral("decideButton"));
    decideButton->setText(tr("Decide"));
    decideButton->setPopupMode(QToolButton::InstantPopup);
    auto* decideMenu = new QMenu(decideButton);
    const std::tuple<QString, bool, int> choices[] = {
        {tr("Allow in all phases"), true, 0}, {tr("Deny in all phases"), false, 0},
        {tr("Allow in init"), true, 1},       {tr("Deny in init"), false, 1},
        {tr("Allow while serving"), true, 2}, {tr("Deny while serving"), false, 2},
    };
    for (const auto& [text, allow, phase] : choices) {
        auto* a = decideMenu->addAction(text);
        const bool al = allow;
        const int ph = phase;
        connect(a, &QAction::triggered, this, [this, al, ph] { decide(al, ph); });
    }
    auto* noteMenu = decideMenu->addMenu(tr("With a Note"));
    noteMenu->setObjectName(QStringLiteral("decideWithNoteMenu"));
    for (const auto& [text, allow, phase] : choices) {
        auto* a = noteMenu->addAction(text + QStringLiteral("…"));
        const bool al = allow;
        const int ph = phase;
        connect(a, &QAction::triggered, this, [this, al, ph] {
            bool ok = false;
            const QString note = QInputDialog::getText(
                this, tr("Review Note"), tr("Why (kept in the project and shown in exported profiles):"),
                QLineEdit::Normal, QString(), &ok);
            if (ok)
                decide(al, ph, note);
        });
    }
    decideMenu->addSeparator();
    auto* clearAction = decideMenu->addAction(tr("Clear the decisions"));
    connect(clearAction, &QAction::triggered, this, [this] {
        std::vector<ReviewDecision> keep;
        const auto chosen = selectedSyscalls();
        const SyscallTable& t = SyscallTable::forArch(Arch::X86_64);
        for (const auto& d : session_->project().decisions) {
            const auto nr = t.number(d.syscall);
            if (!nr || !std::binary_search(chosen.begin(), chosen.end(), *nr))
                keep.push_back(d);
        }
        const auto cleared = static_cast<int>(session_->project().decisions.size() - keep.size());
        if (cleared > 0)
            session_->replaceDecisions(std::move(keep), cleared == 1 ? tr("Clear 1 decision")
                                                                     : tr("Clear %1 decisions").arg(cleared));
    });
    decideButton->setMenu(decideMenu);
    auto* compareButton = new QToolButton(this);
    compareButton->setObjectName(QStringLiteral("compareButton"));
    compareButton->setText(tr("Compare…"));
    compareButton->setToolTip(tr("Compare the counts with an engine's default profile"));
    connect(compareButton, &QToolButton::clicked, this, [this] {
        const QString file = QFileDialog::getOpenFileName(this, tr("Engine Default Profile"), QString(),
                                                          tr("Seccomp profiles (*.json *.yaml *.yml)"));
        if (!file.isEmpty())
            setReferenceProfile(file);
    });
    connect(table_, &QWidget::customContextMenuRequested, this,
            [this, decideMenu](const QPoint& p) { decideMenu->popup(table_->viewport()->mapToGlobal(p)); });

    auto* tablePane = new QWidget(this);
    auto* tableLayout = new QVBoxLayout(tablePane);
    tableLayout->setContentsMargins(0, 0, 0, 0);
    auto* filterRow = new QHBoxLayout;
    filterRow->addWidget(filterEdit_, 1);
    filterRow->addWidget(quickFilter_);
    filterRow->addWidget(decideButton);
    filterRow->addWidget(compareButton);
    tableLayout->addLayout(filterRow);
    tableLayout->addWidget(table_, 1);
    counts_->setObjectName(QStringLiteral("phaseCounts"));
    counts_->setWordWrap(true); // never widens the dock
    tableLayout->addWidget(counts_);

    auto dock = [this](QWidget* w, const QString& title, const QString& name) {
        auto* d = new QDockWidget(title, this);
        d->setObjectName(name);
        d->setWidget(w);
        return d;
    };
    reviewDock_ = dock(tablePane, tr("Review"), QStringLiteral("reviewDock"));
    evidence_->setObjectName(QStringLiteral("evidencePanel"));
    evidenceDock_ = dock(evidence_, tr("Evidence"), QStringLiteral("evidenceDock"));
    paths_->setObjectName(QStringLiteral("pathView"));
    pathDock_ = dock(paths_, tr("Call paths"), QStringLiteral("pathDock"));
    placeDocks();
    reviewDock_->installEventFilter(this);
    evidenceDock_->installEventFilter(this);

    const QString engineDefault = QStringLiteral("/usr/share/containers/seccomp.json");
    if (QFileInfo::exists(engineDefault))
        setReferenceProfile(engineDefault);

    connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                const QModelIndex src = filter_->mapToSource(current);
                showSyscall(src.isValid() ? model_->numberAt(src.row()) : -1);
            });
    // A function on a call path, clicked in the graph or in the evidence's witness path: the panel
    // says where it lives, the graph frames it.
    connect(
        paths_, &PathGraphView::functionActivated, this,
        [this](const QString& modulePath, const QString& name, quint64 address, const QString& sourceFile,
               int line) {
            evidence_->setFunction(EvidencePanel::FunctionInfo{name, modulePath, address, sourceFile, line});
        });
    connect(evidence_, &EvidencePanel::witnessFunctionActivated, this, [this](const QString& spec) {
        paths_->selectFunction(spec);
        if (session_->graphs().empty())
            return;
        const CallGraph& g = *session_->graphs().front();
        const auto ids = g.findFunctions(spec.toStdString());
        if (ids.empty())
            return;
        const CgFunction& fn = g.functions[ids.front()];
        evidence_->setFunction(EvidencePanel::FunctionInfo{
            QString::fromStdString(fn.name),
            fn.module < g.modules.size() ? QString::fromStdString(g.modules[fn.module].path) : QString(),
            fn.address, QString::fromStdString(fn.sourceFile), static_cast<int>(fn.line)});
    });
    // The boundary: the timeline previews, the session owns the value, the move is one undo step.
    connect(timeline_->timelineView(), &TimelineView::boundaryCommitted, this,
            [this](qint64 oldNs, qint64 newNs) {
                Q_UNUSED(oldNs);
                session_->setBoundaryNs(newNs);
            });
    connect(session_, &ReviewSession::boundaryChanged, this, [this](qint64 ns) {
        if (shownRun() == 0) // a validation run has no boundary of its own
            timeline_->setBoundary(ns);
    });
    connect(session_, &ReviewSession::evidenceChanged, this, [this] {
        updateSummary();
        if (selected_ >= 0)
            showSyscall(selected_);
    });
    connect(session_, &ReviewSession::decisionsChanged, this, [this] {
        updateSummary();
        if (selected_ >= 0)
            showSyscall(selected_);
    });
}

WorkbenchView::~WorkbenchView() = default;

void WorkbenchView::showEvent(QShowEvent* event) {
    QMainWindow::showEvent(event);
    if (std::exchange(docksSized_, true))
        return;
    sizeDocks();
}

void WorkbenchView::placeDocks() {
    addDockWidget(Qt::LeftDockWidgetArea, reviewDock_);
    addDockWidget(Qt::RightDockWidgetArea, evidenceDock_);
    addDockWidget(Qt::RightDockWidgetArea, pathDock_);
    splitDockWidget(evidenceDock_, pathDock_, Qt::Vertical);
}

void WorkbenchView::sizeDocks() {
    // Docks size themselves only once the window has its geometry: the review table with its
    // decision columns 5/12 of the width, the evidence prose and the call paths 2/9, the timeline
    // the rest; later, the shares the person gave them.
    sharedWidth_ = width();
    resizeDocks({reviewDock_, evidenceDock_},
                {std::max(360, static_cast<int>(width() * reviewShare_)),
                 std::max(260, static_cast<int>(width() * evidenceShare_))},
                Qt::Horizontal);
}

void WorkbenchView::resizeEvent(QResizeEvent* event) {
    QMainWindow::resizeEvent(event);
    // QMainWindow gives a change of width to the timeline alone: a narrower window would squeeze
    // it to nothing. The panels keep their shares instead, once this layout pass is done.
    if (docksSized_ && width() != sharedWidth_)
        QTimer::singleShot(0, this, [this] {
            if (width() != sharedWidth_)
                sizeDocks();
        });
}

bool WorkbenchView::eventFilter(QObject* watched, QEvent* event) {
    // A panel resized while the window kept its width: a separator was moved.
    if (event->type() == QEvent::Resize && docksSized_ && width() == sharedWidth_ && width() > 0) {
        if (watched == reviewDock_ && reviewDock_->isVisible() && !reviewDock_->isFloating())
            reviewShare_ = static_cast<double>(reviewDock_->width()) / width();
        else if (watched == evidenceDock_ && evidenceDock_->isVisible() && !evidenceDock_->isFloating())
            evidenceShare_ = static_cast<double>(evidenceDock_->width()) / width();
    }
    return QMainWindow::eventFilter(watched, event);
}

QList<QDockWidget*> WorkbenchView::docks() const {
    return {reviewDock_, evidenceDock_, pathDock_};
}

void WorkbenchView::resetLayout() {
    reviewShare_ = 5.0 / 12;
    evidenceShare_ = 2.0 / 9;
    for (QDockWidget* d : docks()) {
        d->setFloating(false);
        removeDockWidget(d);
    }
    placeDocks();
    for (QDockWidget* d : docks())
        d->show();
    sizeDocks();
}

void WorkbenchView::openProject(const QString& path) {
    session_->openProject(path);
    showRun(0);
    updateSummary();
}

int WorkbenchView::shownRun() const {
    return runSelector_->currentIndex() == 1 && validation_ ? 1 : 0;
}

void WorkbenchView::showRun(int index) {
    if (index == 1 && validation_) {
        if (runSelector_->currentIndex() != 1)
            runSelector_->setCurrentIndex(1); // comes back here
        timeline_->setTrace(validation_);
        timeline_->setCandidates({});
        timeline_->setBoundary(TimelineView::kNoBoundary);
        runLabel_->setText(validationReport_.section(QLatin1Char('\n'), 0, 0));
        runLabel_->setToolTip(validationReport_);
    } else {
        if (runSelector_->currentIndex() > 0)
            runSelector_->setCurrentIndex(0);
        if (!session_->traces().empty()) {
            const auto& trace = session_->traces().front();
            timeline_->setTrace(trace);
            timeline_->setCandidates(suggestBoundaries(*trace));
            timeline_->setBoundary(session_->boundaryNs());
        }
        runLabel_->clear();
        runLabel_->setToolTip(QString());
    }
    if (selected_ >= 0)
        timeline_->timelineView()->highlightSyscall(selected_);
}

Profile WorkbenchView::validationProfile(const QString& evidence) const {
    ProfileBuildOptions bo;
    bo.phase = PhaseSelection::All;
    bo.decisions = session_->project().decisions;
    const auto source = evidenceSourceFromName(evidence);
    if (!source)
        throw Error("validation: unknown evidence " + evidence.toStdString() + " (both, dynamic or static)");
    return buildExportProfile(session_->evidenceFrom(*source), bo, Runtime::None, false);
}

QString WorkbenchView::recordedCommandLine() const {
    QStringList argv;
    if (!session_->traces().empty())
        for (const auto& a : session_->traces().front()->command)
            argv << QString::fromStdString(a);
    if (argv.isEmpty() && !session_->project().program.empty())
        argv << QString::fromStdString(session_->project().program);
    return joinCommand(argv);
}

QString WorkbenchView::nextValidationTracePath() const {
    const QString project = session_->projectPath();
    const QFileInfo info(project);
    const QString dir = project.isEmpty() ? QDir::currentPath() : info.absolutePath();
    const QString stem = project.isEmpty() ? QStringLiteral("validation") : info.completeBaseName();
    for (int i = 1;; ++i) {
        const QString candidate =
            QDir(dir).filePath(QStringLiteral("%1-validation-%2.swbtrace").arg(stem).arg(i));
        if (!QFileInfo::exists(candidate) && !QFileInfo::exists(candidate + QStringLiteral(".log")))
            return candidate;
    }
}

void WorkbenchView::showValidation(const QString& tracePath, const QString& report) {
    validation_ =
        std::make_shared<const Trace>(readTraceFile(QFile::encodeName(tracePath).toStdString()).trace);
    validationPath_ = tracePath;
    validationReport_ = report;
    std::size_t violations = 0;
    std::set<int> violated;
    for (std::size_t i = 0; i < validation_->eventCount(); ++i)
        if (validation_->flags(i) & EventViolation) {
            ++violations;
            violated.insert(validation_->nr(i));
        }
    filter_->setViolated(std::move(violated));
    const QString item = violations == 1 ? tr("Validation run: 1 violation")
                                         : tr("Validation run: %1 violations").arg(violations);
    if (runSelector_->count() < 2)
        runSelector_->addItem(item);
    else
        runSelector_->setItemText(1, item);
    runSelector_->setItemData(1, tracePath, Qt::ToolTipRole);
    runSelector_->setEnabled(true);
    if (runSelector_->currentIndex() == 1)
        showRun(1);
    else
        runSelector_->setCurrentIndex(1);
    updateSummary();
}

void WorkbenchView::openAnalysis(const QString& path) {
    CallGraph graph = readAnalysisFile(QFile::encodeName(path).toStdString());
    std::vector<CallGraph> graphs;
    graphs.push_back(std::move(graph));
    session_->adoptInputs({}, {}, std::move(graphs), {QFileInfo(path).absoluteFilePath()});
    updateSummary();
}

bool WorkbenchView::selectSyscall(int nr) {
    const int row = model_->rowOf(nr);
    if (row < 0)
        return false;
    const QModelIndex proxy = filter_->mapFromSource(model_->index(row, 0));
    if (!proxy.isValid())
        return false;
    table_->setCurrentIndex(proxy);
    table_->scrollTo(proxy);
    return true;
}

std::vector<int> WorkbenchView::selectedSyscalls() const {
    std::vector<int> out;
    for (const QModelIndex& proxy : table_->selectionModel()->selectedRows()) {
        const QModelIndex src = filter_->mapToSource(proxy);
        if (src.isValid())
            out.push_back(model_->numberAt(src.row()));
    }
    std::sort(out.begin(), out.end());
    if (out.empty() && selected_ >= 0)
        out.push_back(selected_);
    return out;
}

void WorkbenchView::decide(bool allow, int phase, const QString& note) {
    std::vector<ReviewDecision> decisions;
    for (int nr : selectedSyscalls()) {
        ReviewDecision d;
        d.syscall = SyscallTable::forArch(Arch::X86_64).name(nr);
        d.phase = phase == 1   ? PhaseSelection::Init
                  : phase == 2 ? PhaseSelection::Serving
                               : PhaseSelection::All;
        d.verdict = allow ? ReviewDecision::Verdict::Allow : ReviewDecision::Verdict::Deny;
        for (const auto& existing : session_->project().decisions)
            if (note.isNull() && existing.syscall == d.syscall && existing.phase == d.phase)
                d.note = existing.note; // a changed verdict keeps the reason written before
        decisions.push_back(std::move(d));
    }
    if (!decisions.empty())
        session_->setDecisions(decisions, note);
}

void WorkbenchView::showSyscall(int nr) {
    selected_ = nr;
    const auto& ev = session_->evidence().bySyscall;
    const auto it = ev.find(nr);
    const Trace* trace = session_->traces().empty() ? nullptr : session_->traces().front().get();
    evidence_->setSyscall(nr, it != ev.end() ? &it->second : nullptr, trace);
    std::optional<ReviewDecision> decision;
    const std::string name = SyscallTable::forArch(Arch::X86_64).name(nr);
    for (const auto& d : session_->project().decisions)
        if (d.syscall == name)
            decision = d;
    evidence_->setReviewDecision(decision);
    timeline_->timelineView()->highlightSyscall(nr);
    if (!session_->graphs().empty() && nr >= 0)
        paths_->setSyscall(session_->graphs().front(), nr);
    else if (session_->graphs().empty() && nr >= 0)
        paths_->setNoGraphText(tr("The project has no static analysis, so there are no call paths to show. "
                                  "Add one with File › New Analysis… (Analyze the binary)."));
}

bool WorkbenchView::setReferenceProfile(const QString& path, QString* error) {
    try {
        const Profile p = loadProfile(QFile::encodeName(path).toStdString());
        referenceAllowed_ = static_cast<int>(p.allowedNumbers().size());
        referenceName_ = QFileInfo(path).fileName();
    } catch (const Error& e) {
        if (error)
            *error = QString::fromStdString(e.what());
        return false;
    }
    updateSummary();
    return true;
}

namespace {

struct ExportPlan {
    Runtime runtime = Runtime::None;
    std::string format;
    EvidenceSet evidence;
    ProfileBuildOptions options;
    // One per file: where, which phase, whether the runtime's group and the phase switch go in.
    struct File {
        std::string path;
        PhaseSelection phase;
        bool start;
        bool phaseSwitch;
        std::string name;
    };
    std::vector<File> files;
};

ExportPlan planExport(const ReviewSession& session, const ExportChoice& c) {
    ExportPlan plan;
    const auto runtime = runtimeFromName(c.runtime.toStdString());
    plan.format = c.format.toStdString();
    const auto source = evidenceSourceFromName(c.evidence);
    if (!runtime || !isExportFormat(plan.format) || !source)
        throw Error("export: unknown format, runtime or evidence");
    plan.runtime = *runtime;
    plan.evidence = session.evidenceFrom(*source);
    plan.options.errnoRet = c.errnoRet;
    plan.options.decisions = session.project().decisions;
    const std::string path = QFile::encodeName(c.path).toStdString();
    const std::string name = session.project().name;
    if (c.phase == QLatin1String("both")) {
        // As swb profile --phase both: the start filter allows both phases; the serving filter is
        // stacked on it by libswb-phase.so once serving starts.
        plan.files.push_back({path, PhaseSelection::All, true, true, name});
        plan.files.push_back({servingProfilePath(path), PhaseSelection::Serving, false, false,
                              name.empty() ? name : name + "-serving"});
    } else {
        const auto phase = phaseSelectionFromName(c.phase.toStdString());
        if (!phase)
            throw Error("export: unknown phase " + c.phase.toStdString());
        plan.files.push_back({path, *phase, true, false, name});
    }
    return plan;
}

Profile buildPlanned(ExportPlan& plan, const ExportPlan::File& f) {
    plan.options.phase = f.phase;
    return buildExportProfile(plan.evidence, plan.options, f.start ? plan.runtime : Runtime::None,
                              f.phaseSwitch);
}

} // namespace

QString WorkbenchView::exportProfile(const ExportChoice& c) const {
    if (c.path.isEmpty())
        throw Error("export: no file");
    ExportPlan plan = planExport(*session_, c);
    QStringList lines;
    for (const auto& f : plan.files) {
        const Profile p = buildPlanned(plan, f);
        writeProfileFile(f.path, p, plan.format, f.name);
        lines << tr("%1: %2").arg(QString::fromStdString(f.path), QString::fromStdString(profileSummary(p)));
        for (const auto& w : p.warnings)
            lines << tr("warning: %1").arg(QString::fromStdString(w));
    }
    return lines.join(QLatin1Char('\n'));
}

ExportChoice WorkbenchView::exportDefaults() const {
    const auto& s = session_->project().exportSettings;
    ExportChoice c;
    c.format = QString::fromStdString(s.format);
    c.phase = s.phase == PhaseSelection::Init      ? QStringLiteral("init")
              : s.phase == PhaseSelection::Serving ? QStringLiteral("serving")
                                                   : QStringLiteral("all");
    c.runtime = QString::fromStdString(s.runtime);
    c.errnoRet = s.errnoRet;
    return c;
}

QString WorkbenchView::exportFileName(const QString& format) const {
    QString stem = QString::fromStdString(session_->project().name);
    if (stem.isEmpty())
        stem = QFileInfo(session_->projectPath()).completeBaseName();
    if (stem.isEmpty())
        stem = QStringLiteral("seccomp");
    stem.replace(QLatin1Char('/'), QLatin1Char('_'));
    return stem + QStringLiteral("-profile.") + exportSuffix(format);
}

QStringList WorkbenchView::exportTargets(const ExportChoice& c) const {
    QStringList out;
    if (c.path.isEmpty())
        return out;
    out << c.path;
    if (c.phase == QLatin1String("both"))
        out << QFile::decodeName(servingProfilePath(QFile::encodeName(c.path).toStdString()).c_str());
    return out;
}

QString WorkbenchView::describeExport(const ExportChoice& c) const {
    ExportPlan plan;
    try {
        plan = planExport(*session_, c);
    } catch (const Error& e) {
        return QString::fromStdString(e.what());
    }
    const qint64 boundary = session_->boundaryNs();
    QString source;
    if (c.evidence == QLatin1String("static"))
        source = tr("the static analysis");
    else if (c.evidence == QLatin1String("dynamic"))
        source = tr("the traces");
    else
        source = tr("the traces and the static analysis");
    auto phaseText = [&](PhaseSelection phase) {
        const QString at = boundary == TimelineView::kNoBoundary
                               ? tr("no boundary: the whole run counts as init")
                               : tr("boundary at %1 s").arg(double(boundary) / 1e9, 0, 'f', 3);
        const QString transition = QString::fromStdString(session_->project().transition);
        const QString statics =
            c.evidence == QLatin1String("dynamic") ? QString()
            : transition.isEmpty()
                ? tr("; statically, everything reachable may serve (no transition function)")
                : tr("; statically, what %1 reaches").arg(transition);
        switch (phase) {
        case PhaseSelection::All:
            return tr("every syscall %1 show in either phase").arg(source);
        case PhaseSelection::Init:
            return tr("what %1 show before serving (%2)").arg(source, at);
        case PhaseSelection::Serving:
            return tr("what %1 show while serving (%2%3)").arg(source, at, statics);
        }
        return QString();
    };
    QStringList lines;
    for (const auto& f : plan.files) {
        const Profile p = buildPlanned(plan, f);
        std::map<std::string, int> groups;
        for (const auto& r : p.rules)
            if (r.action == SeccompAction::Allow)
                ++groups[r.group];
        QStringList parts;
        for (const auto& [group, n] : groups)
            parts << tr("%1 %2").arg(QString::fromStdString(group)).arg(n);
        const QString which = plan.files.size() == 1 ? tr("The filter")
                              : f.start              ? tr("The start filter")
                                                     : tr("The serving filter");
        QString line = tr("%1 allows %2 syscalls: %3, after your review decisions")
                           .arg(which)
                           .arg(p.allowedNumbers().size())
                           .arg(phaseText(f.phase));
        if (f.start && plan.runtime != Runtime::None)
            line += tr(", plus %1's own syscalls after it loads the filter").arg(c.runtime);
        if (f.phaseSwitch)
            line += tr(", plus what libswb-phase.so needs to switch");
        line += QStringLiteral(" (") + parts.join(QStringLiteral(", ")) + QStringLiteral(").");
        lines << line;
    }
    return lines.join(QLatin1Char('\n'));
}

QString WorkbenchView::summaryText() const {
    int init = 0, serving = 0;
    for (const auto& [nr, e] : session_->evidence().bySyscall) {
        init += session_->allowed(nr, Phase::Init) ? 1 : 0;
        serving += session_->allowed(nr, Phase::Serving) ? 1 : 0;
    }
    // The knowledge base's high- and critical-risk syscalls that neither phase allows.
    int dangerous = 0, blocked = 0;
    const SyscallTable& table = SyscallTable::forArch(Arch::X86_64);
    for (const auto& [name, k] : bundledSyscallKnowledge().entries()) {
        const auto nr = table.number(name);
        if (!nr || k.risk < SyscallRisk::High)
            continue;
        ++dangerous;
        blocked += !session_->allowed(*nr, Phase::Init) && !session_->allowed(*nr, Phase::Serving) ? 1 : 0;
    }
    QString text = tr("Init allows %1, serving %2").arg(init).arg(serving);
    if (referenceAllowed_ >= 0)
        text += tr(" · %1 allows %2").arg(referenceName_).arg(referenceAllowed_);
    else
        text += tr(" · Docker's default allows about 291");
    text += tr(" · blocks %1 of %2 dangerous syscalls · %3 unreviewed")
                .arg(blocked)
                .arg(dangerous)
                .arg(session_->unreviewedCount());
    return text;
}

QString WorkbenchView::inputsText() const {
    QStringList parts;
    std::size_t events = 0, modules = 0;
    for (const auto& t : session_->traces())
        events += t->eventCount();
    for (const auto& g : session_->graphs())
        modules += g->modules.size();
    const QLocale locale;
    const auto n = session_->traces().size();
    if (n > 0)
        parts << (n == 1 ? tr("1 trace (%1 events)") : tr("%2 traces (%1 events)").arg(n))
                     .arg(locale.toString(qulonglong(events)));
    const auto a = session_->graphs().size();
    if (a > 0)
        parts << (a == 1 ? tr("1 analysis (%1 modules)") : tr("%2 analyses (%1 modules)").arg(a))
                     .arg(locale.toString(qulonglong(modules)));
    QString text = parts.join(QStringLiteral(", "));
    if (const auto& image = session_->project().image; !image.source.empty()) {
        // The image the evidence comes from, by its config digest (what the engine calls its ID).
        QString id =
            QString::fromStdString(image.configDigest.empty() ? image.manifestDigest : image.configDigest);
        if (id.startsWith(QStringLiteral("sha256:")))
            id = id.mid(7, 12);
        text += tr(" · image %1%2%3")
                    .arg(QString::fromStdString(image.source))
                    .arg(id.isEmpty() ? QString() : QStringLiteral(" (") + id + QLatin1Char(')'))
                    .arg(image.mode == "container-wide" ? tr(", container-wide") : QString());
    }
    if (!session_->traces().empty()) {
        const qint64 ns = session_->boundaryNs();
        text += tr(" · boundary %1").arg(QString::fromStdString(session_->project().boundary.toString()));
        if (ns != TimelineView::kNoBoundary)
            text += tr(" at %1 s").arg(double(ns) / 1e9, 0, 'f', 3);
    }
    if (validation_)
        text += tr(" · validation run %1").arg(QFileInfo(validationPath_).fileName());
    return text;
}

void WorkbenchView::updateSummary() {
    const QString text = summaryText();
    counts_->setText(text);
    emit summaryChanged(text);
}

} // namespace swb
