#include "jobs/job_dialogs.h"

#include "image/entrypoint.h"
#include "image/image.h"
#include "trace/tracer.h"
#include "util/error.h"

#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QVBoxLayout>

#include <unistd.h>

namespace swb {

namespace {

QSettings settings() {
    return QSettings(QStringLiteral("SeccompWorkbench"), QStringLiteral("swb-gui"));
}

// A line edit with a Browse… button that fills it from a file (or directory) dialog.
QWidget* withBrowse(QLineEdit* edit, bool directory, const QString& title, QWidget* parent) {
    auto* row = new QWidget(parent);
    auto* layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(edit, 1);
    auto* browse = new QPushButton(QObject::tr("Browse…"), row);
    QObject::connect(browse, &QPushButton::clicked, edit, [edit, directory, title] {
        const QString chosen = directory ? QFileDialog::getExistingDirectory(edit, title, edit->text())
                                         : QFileDialog::getOpenFileName(edit, title, edit->text());
        if (!chosen.isEmpty())
            edit->setText(chosen);
    });
    layout->addWidget(browse);
    return row;
}

// Where the last new project went, else Documents/Seccomp Workbench.
QString lastProjectDirectory() {
    const QString documents = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    return settings()
        .value(QStringLiteral("newAnalysis/directory"),
               QDir(documents.isEmpty() ? QDir::homePath() : documents)
                   .filePath(QStringLiteral("Seccomp Workbench")))
        .toString();
}

} // namespace

JobProgressPane::JobProgressPane(AnalysisJob* job, QWidget* parent)
    : QWidget(parent)
    , stage_(new QLabel(this))
    , bar_(new QProgressBar(this))
    , stop_(new QPushButton(tr("Stop Program"), this))
    , error_(new QLabel(this)) {
    setObjectName(QStringLiteral("jobProgress"));
    stage_->setObjectName(QStringLiteral("jobStage"));
    stage_->setWordWrap(true);
    bar_->setObjectName(QStringLiteral("jobProgressBar"));
    stop_->setObjectName(QStringLiteral("stopProgramButton"));
    stop_->setToolTip(tr("End the traced program now and go on with what it has done so far (a server "
                         "never exits on its own)"));
    error_->setObjectName(QStringLiteral("jobError"));
    error_->setWordWrap(true);
    error_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    error_->setStyleSheet(QStringLiteral("color: #c62828;"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(stage_);
    auto* row = new QHBoxLayout;
    row->addWidget(bar_, 1);
    row->addWidget(stop_);
    layout->addLayout(row);
    layout->addWidget(error_);
    connect(job, &AnalysisJob::stageChanged, this, [this](const QString& s) {
        stage_->setText(s);
        // Only a traced program can be stopped; the analyzer stage has nothing to stop.
        stop_->setEnabled(s.startsWith(tr("Tracing")) || s.startsWith(tr("Validating")));
    });
    connect(job, &AnalysisJob::progressChanged, this, [this](int done, int total) {
        bar_->setRange(0, total); // 0..0: busy indicator
        bar_->setValue(done);
    });
    connect(stop_, &QPushButton::clicked, job, &AnalysisJob::stopProgram);
    reset();
}

void JobProgressPane::reset() {
    stage_->clear();
    bar_->setRange(0, 1);
    bar_->setValue(0);
    bar_->hide();
    stop_->hide();
    stop_->setEnabled(false);
    error_->clear();
    error_->hide();
}

void JobProgressPane::showFailure(const QString& message) {
    bar_->hide();
    stop_->hide();
    error_->setText(message);
    error_->show();
}

JobDialog::JobDialog(const QString& title, QWidget* parent)
    : QDialog(parent)
    , job_(new AnalysisJob(this))
    , pane_(new JobProgressPane(job_, this))
    , buttons_(new QDialogButtonBox(QDialogButtonBox::Cancel, this)) {
    setWindowTitle(title);
    run_ = buttons_->addButton(tr("Run"), QDialogButtonBox::AcceptRole);
    run_->setObjectName(QStringLiteral("runJobButton"));
    run_->setDefault(true);
    connect(run_, &QPushButton::clicked, this, &JobDialog::start);
    connect(buttons_, &QDialogButtonBox::rejected, this, &JobDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(pane_);
    layout->addWidget(buttons_);
    connect(job_, &AnalysisJob::finished, this, [this](const QString& path, const QString& report) {
        resultPath_ = path;
        report_ = report;
        setRunning(false);
        accept();
    });
    connect(job_, &AnalysisJob::failed, this, [this](const QString& message) {
        setRunning(false);
        pane_->showFailure(message);
    });
    connect(job_, &AnalysisJob::cancelled, this, [this] {
        setRunning(false);
        QDialog::reject();
    });
}

void JobDialog::setForm(QWidget* form) {
    form_ = form;
    static_cast<QVBoxLayout*>(layout())->insertWidget(0, form, 1);
}

bool JobDialog::start() {
    if (job_->isRunning())
        return false;
    pane_->reset();
    const QString problem = startJob();
    if (!problem.isEmpty()) {
        pane_->showFailure(problem);
        return false;
    }
    setRunning(true);
    return true;
}

void JobDialog::setRunning(bool running) {
    if (form_)
        form_->setEnabled(!running);
    run_->setEnabled(!running);
    pane_->progressBar()->setVisible(running);
    pane_->stopButton()->setVisible(running);
    if (running)
        pane_->progressBar()->setRange(0, 0);
}

void JobDialog::reject() {
    if (job_->isRunning()) {
        pane_->stageLabel()->setText(tr("Cancelling…"));
        job_->cancel(); // the dialog closes when the job says it stopped
        return;
    }
    QDialog::reject();
}

void JobDialog::closeEvent(QCloseEvent* event) {
    if (job_->isRunning()) {
        event->ignore();
        reject();
        return;
    }
    QDialog::closeEvent(event);
}

NewAnalysisDialog::NewAnalysisDialog(QWidget* parent)
    : JobDialog(tr("New Analysis"), parent)
    , command_(new QLineEdit(this))
    , trace_(new QCheckBox(tr("Trace a run of this command line"), this))
    , stacks_(new QCheckBox(tr("Record the call stack of every syscall (slower)"), this))
    , analyze_(new QCheckBox(tr("Analyze the binary statically (every reachable syscall, with paths)"), this))
    , binary_(new QLineEdit(this))
    , dlopen_(new QLineEdit(this))
    , rootfs_(new QLineEdit(this))
    , name_(new QLineEdit(this))
    , directory_(new QLineEdit(this))
    , cache_(new QCheckBox(tr("Use the per-library analysis cache"), this)) {
    setObjectName(QStringLiteral("newAnalysisDialog"));
    command_->setObjectName(QStringLiteral("analysisCommand"));
    command_->setPlaceholderText(tr("redis-server --port 7000 --save \"\""));
    trace_->setObjectName(QStringLiteral("analysisTrace"));
    stacks_->setObjectName(QStringLiteral("analysisStacks"));
    analyze_->setObjectName(QStringLiteral("analysisStatic"));
    binary_->setObjectName(QStringLiteral("analysisBinary"));
    binary_->setPlaceholderText(tr("the command's program"));
    dlopen_->setObjectName(QStringLiteral("analysisDlopen"));
    dlopen_->setPlaceholderText(tr("libraries the program dlopen()s, separated by spaces"));
    rootfs_->setObjectName(QStringLiteral("analysisRootfs"));
    rootfs_->setPlaceholderText(tr("/ (analyze a container image's root directory instead)"));
    name_->setObjectName(QStringLiteral("analysisName"));
    directory_->setObjectName(QStringLiteral("analysisDirectory"));
    trace_->setChecked(true);
    analyze_->setChecked(true);
    cache_->setChecked(true);
    directory_->setText(lastProjectDirectory());

    auto* form = new QWidget(this);
    auto* layout = new QFormLayout(form);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addRow(tr("Command line:"), command_);
    layout->addRow(QString(), trace_);
    layout->addRow(QString(), stacks_);
    layout->addRow(QString(), analyze_);
    layout->addRow(tr("Binary:"), withBrowse(binary_, false, tr("Binary to Analyze"), form));
    layout->addRow(tr("dlopen'ed libraries:"), dlopen_);
    layout->addRow(tr("Root directory:"), withBrowse(rootfs_, true, tr("Root Directory"), form));
    layout->addRow(QString(), cache_);
    layout->addRow(tr("Project name:"), name_);
    layout->addRow(tr("Save in:"), withBrowse(directory_, true, tr("Project Directory"), form));
    auto* hint = new QLabel(tr("A server keeps running: exercise it (its own client, curl, …), then press "
                               "Stop Program. The trace, the analysis and the project are written to "
                               "the directory; nothing existing is overwritten."),
                            form);
    hint->setWordWrap(true);
    hint->setEnabled(false);
    layout->addRow(hint);
    setForm(form);

    connect(command_, &QLineEdit::editingFinished, this, &NewAnalysisDialog::suggestFromCommand);
    connect(trace_, &QCheckBox::toggled, stacks_, &QWidget::setEnabled);
    for (QWidget* w : {static_cast<QWidget*>(binary_), static_cast<QWidget*>(dlopen_),
                       static_cast<QWidget*>(rootfs_), static_cast<QWidget*>(cache_)})
        connect(analyze_, &QCheckBox::toggled, w, &QWidget::setEnabled);
    resize(640, sizeHint().height());
}

void NewAnalysisDialog::suggestFromCommand() {
    const QStringList argv = QProcess::splitCommand(command_->text());
    if (argv.isEmpty())
        return;
    if (name_->text().isEmpty())
        name_->setText(QFileInfo(argv.front()).fileName());
}

NewAnalysisRequest NewAnalysisDialog::request() const {
    NewAnalysisRequest r;
    const QStringList argv = QProcess::splitCommand(command_->text());
    if (trace_->isChecked())
        r.command = argv;
    r.stacks = stacks_->isChecked();
    if (analyze_->isChecked()) {
        r.binary = binary_->text().trimmed();
        if (r.binary.isEmpty() && !argv.isEmpty()) {
            try {
                r.binary = QString::fromStdString(Tracer::resolveProgram(argv.front().toStdString()));
            } catch (const Error&) {
                r.binary = argv.front(); // problem() names it
            }
        }
        r.dlopen = dlopen_->text().split(QLatin1Char(' '), Qt::SkipEmptyParts);
        r.rootfs = rootfs_->text().trimmed();
        r.useCache = cache_->isChecked();
    }
    r.name = name_->text().trimmed();
    if (r.name.isEmpty() && !argv.isEmpty())
        r.name = QFileInfo(argv.front()).fileName();
    if (r.name.isEmpty() && !r.binary.isEmpty())
        r.name = QFileInfo(r.binary).fileName();
    r.directory = directory_->text().trimmed();
    return r;
}

void NewAnalysisDialog::setRequest(const NewAnalysisRequest& r) {
    command_->setText(joinCommand(r.command));
    trace_->setChecked(!r.command.isEmpty());
    stacks_->setChecked(r.stacks);
    analyze_->setChecked(!r.binary.isEmpty());
    binary_->setText(r.binary);
    dlopen_->setText(r.dlopen.join(QLatin1Char(' ')));
    rootfs_->setText(r.rootfs);
    cache_->setChecked(r.useCache);
    name_->setText(r.name);
    directory_->setText(r.directory);
}

QString NewAnalysisDialog::startJob() {
    const NewAnalysisRequest r = request();
    if (QString problem = r.problem(); !problem.isEmpty())
        return problem;
    settings().setValue(QStringLiteral("newAnalysis/directory"), r.directory);
    job()->startNewAnalysis(r);
    return {};
}

NewImageAnalysisDialog::NewImageAnalysisDialog(QWidget* parent)
    : JobDialog(tr("New Analysis from Container Image"), parent)
    , image_(new QLineEdit(this))
    , details_(new QLabel(this))
    , mode_(new QComboBox(this))
    , analyze_(new QCheckBox(tr("Analyze the image's programs statically"), this))
    , run_(new QCheckBox(tr("Run a container of it under runc and trace it (root)"), this))
    , client_(new QLineEdit(this))
    , duration_(new QLineEdit(this))
    , network_(new QComboBox(this))
    , name_(new QLineEdit(this))
    , directory_(new QLineEdit(this))
    , cache_(
          new QCheckBox(tr("Use the per-library analysis cache (shared by build-id across images)"), this)) {
    setObjectName(QStringLiteral("newImageAnalysisDialog"));
    image_->setObjectName(QStringLiteral("imageSource"));
    image_->setPlaceholderText(tr("redis.tar, oci:layout-dir, dir:rootfs, docker:redis:7"));
    details_->setObjectName(QStringLiteral("imageDetails"));
    details_->setWordWrap(true);
    details_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    details_->setText(tr("Choose an image: its layers, config and entrypoint are shown here."));
    mode_->setObjectName(QStringLiteral("imageMode"));
    mode_->addItem(tr("Application-specific: the entrypoint's program and the shells of its scripts"),
                   QStringLiteral("application"));
    mode_->addItem(tr("Container-wide: every executable of the image"), QStringLiteral("container-wide"));
    analyze_->setObjectName(QStringLiteral("imageAnalyze"));
    run_->setObjectName(QStringLiteral("imageRun"));
    client_->setObjectName(QStringLiteral("imageClient"));
    client_->setPlaceholderText(
        tr("a client run in the container's network, e.g. redis-benchmark -q -n 5000"));
    duration_->setObjectName(QStringLiteral("imageDuration"));
    duration_->setPlaceholderText(tr("seconds (empty: until the client ends or Stop Program)"));
    network_->setObjectName(QStringLiteral("imageNetwork"));
    network_->addItem(tr("Its own network namespace, loopback only"), QStringLiteral("none"));
    network_->addItem(tr("The host's network"), QStringLiteral("host"));
    name_->setObjectName(QStringLiteral("imageProjectName"));
    directory_->setObjectName(QStringLiteral("imageDirectory"));
    analyze_->setChecked(true);
    cache_->setChecked(true);
    const bool root = ::geteuid() == 0;
    run_->setChecked(root);
    run_->setEnabled(root);
    if (!root)
        run_->setToolTip(tr("runc needs root: start the workbench as root to run images"));
    directory_->setText(lastProjectDirectory());

    auto* form = new QWidget(this);
    auto* layout = new QFormLayout(form);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* imageRow = new QWidget(form);
    auto* imageLayout = new QHBoxLayout(imageRow);
    imageLayout->setContentsMargins(0, 0, 0, 0);
    imageLayout->addWidget(image_, 1);
    auto* file = new QPushButton(tr("Archive…"), imageRow);
    auto* dir = new QPushButton(tr("Directory…"), imageRow);
    auto* inspectButton = new QPushButton(tr("Inspect"), imageRow);
    inspectButton->setObjectName(QStringLiteral("imageInspect"));
    imageLayout->addWidget(file);
    imageLayout->addWidget(dir);
    imageLayout->addWidget(inspectButton);
    connect(file, &QPushButton::clicked, this, [this] {
        const QString chosen =
            QFileDialog::getOpenFileName(this, tr("Image Archive"), image_->text(),
                                         tr("Image archives (*.tar *.tar.gz *.tgz *.oci);;All files (*)"));
        if (!chosen.isEmpty()) {
            image_->setText(chosen);
            inspect();
        }
    });
    connect(dir, &QPushButton::clicked, this, [this] {
        const QString chosen =
            QFileDialog::getExistingDirectory(this, tr("OCI Layout or Root Directory"), image_->text());
        if (!chosen.isEmpty()) {
            image_->setText(chosen);
            inspect();
        }
    });
    connect(inspectButton, &QPushButton::clicked, this, [this] { inspect(); });
    // An engine's image is read through `docker save` (slow): only on Inspect.
    connect(image_, &QLineEdit::editingFinished, this, [this] {
        const QString t = image_->text();
        if (!t.isEmpty() && !t.startsWith(QStringLiteral("docker:")) &&
            !t.startsWith(QStringLiteral("podman:")))
            inspect();
    });
    layout->addRow(tr("Image:"), imageRow);
    layout->addRow(QString(), details_);
    layout->addRow(QString(), analyze_);
    layout->addRow(tr("Mode:"), mode_);
    layout->addRow(QString(), cache_);
    layout->addRow(QString(), run_);
    layout->addRow(tr("Client:"), client_);
    layout->addRow(tr("Duration:"), duration_);
    layout->addRow(tr("Network:"), network_);
    layout->addRow(tr("Project name:"), name_);
    layout->addRow(tr("Save in:"), withBrowse(directory_, true, tr("Project Directory"), form));
    auto* hint =
        new QLabel(tr("The image is unpacked into a scratch directory (removed afterwards); nothing is "
                      "written outside it and the project directory. A run is traced from the exec of "
                      "the container's program: runc's own setup is not the program's."),
                   form);
    hint->setWordWrap(true);
    hint->setEnabled(false);
    layout->addRow(hint);
    setForm(form);
    for (QWidget* w : {static_cast<QWidget*>(mode_), static_cast<QWidget*>(cache_)})
        connect(analyze_, &QCheckBox::toggled, w, &QWidget::setEnabled);
    for (QWidget* w : {static_cast<QWidget*>(client_), static_cast<QWidget*>(duration_),
                       static_cast<QWidget*>(network_)}) {
        w->setEnabled(run_->isChecked());
        connect(run_, &QCheckBox::toggled, w, &QWidget::setEnabled);
    }
    resize(680, sizeHint().height());
}

bool NewImageAnalysisDialog::inspect() {
    const QString spec = image_->text().trimmed();
    if (spec.isEmpty())
        return false;
    try {
        const Image image = openImage(QFile::encodeName(spec).toStdString());
        const ImageConfig& c = image.config;
        auto words = [](const std::vector<std::string>& v) {
            QStringList out;
            for (const auto& w : v)
                out << (w.empty() || w.find(' ') != std::string::npos
                            ? QStringLiteral("\"%1\"").arg(QString::fromStdString(w))
                            : QString::fromStdString(w));
            return out.join(QLatin1Char(' '));
        };
        QStringList lines;
        lines << tr("%1 image, %2 layer(s)")
                     .arg(QString::fromStdString(image.kindName()))
                     .arg(image.layers.size());
        if (!image.configDigest.empty())
            lines << tr("Config %1").arg(QString::fromStdString(image.configDigest));
        quint64 bytes = 0;
        for (const auto& l : image.layers)
            bytes += l.size;
        if (!image.layers.empty())
            lines << tr("Layers: %1 KiB in all").arg(bytes / 1024);
        if (!c.entrypoint.empty() || !c.cmd.empty())
            lines << tr("Entrypoint: %1   Cmd: %2").arg(words(c.entrypoint), words(c.cmd));
        else if (image.kind != Image::Kind::Directory)
            lines << tr("The image names no command.");
        if (!c.user.empty() || !c.workingDir.empty())
            lines << tr("User: %1   WorkingDir: %2")
                         .arg(c.user.empty() ? QStringLiteral("root") : QString::fromStdString(c.user),
                              c.workingDir.empty() ? QStringLiteral("/")
                                                   : QString::fromStdString(c.workingDir));
        if (!c.exposedPorts.empty())
            lines << tr("Exposed: %1").arg(words(c.exposedPorts));
        if (image.kind == Image::Kind::Directory)
            lines << tr(
                "A root directory has no config: only container-wide analysis applies, and it is not run.");
        details_->setText(lines.join(QLatin1Char('\n')));
        details_->setStyleSheet(QString());
        if (image.kind == Image::Kind::Directory) {
            mode_->setCurrentIndex(1);
            run_->setChecked(false);
        }
        if (name_->text().isEmpty()) {
            const auto title = c.labels.find("org.opencontainers.image.title");
            QString n = title != c.labels.end()
                            ? QString::fromStdString(title->second)
                            : QFileInfo(spec.section(QLatin1Char(':'), -1)).completeBaseName();
            n.replace(QLatin1Char('/'), QLatin1Char('-')).replace(QLatin1Char(':'), QLatin1Char('-'));
            name_->setText(n);
        }
        return true;
    } catch (const Error& e) {
        details_->setText(QString::fromStdString(e.what()));
        details_->setStyleSheet(QStringLiteral("color: palette(link-visited);"));
        return false;
    }
}

QString NewImageAnalysisDialog::inspection() const {
    return details_->text();
}

NewAnalysisRequest NewImageAnalysisDialog::request() const {
    NewAnalysisRequest r;
    r.image = image_->text().trimmed();
    r.analyzeImage = analyze_->isChecked();
    r.containerWide = mode_->currentData().toString() == QStringLiteral("container-wide");
    r.useCache = cache_->isChecked();
    r.runImage = run_->isChecked();
    r.client = QProcess::splitCommand(client_->text());
    r.duration = duration_->text().trimmed().toDouble();
    r.hostNetwork = network_->currentData().toString() == QStringLiteral("host");
    r.name = name_->text().trimmed();
    r.directory = directory_->text().trimmed();
    return r;
}

void NewImageAnalysisDialog::setRequest(const NewAnalysisRequest& r) {
    image_->setText(r.image);
    analyze_->setChecked(r.analyzeImage);
    mode_->setCurrentIndex(r.containerWide ? 1 : 0);
    cache_->setChecked(r.useCache);
    run_->setChecked(r.runImage);
    client_->setText(joinCommand(r.client));
    duration_->setText(r.duration > 0 ? QString::number(r.duration) : QString());
    network_->setCurrentIndex(r.hostNetwork ? 1 : 0);
    name_->setText(r.name);
    directory_->setText(r.directory);
}

QString NewImageAnalysisDialog::startJob() {
    const NewAnalysisRequest r = request();
    if (r.image.isEmpty())
        return tr("Choose an image.");
    if (r.runImage && r.duration <= 0 && !duration_->text().trimmed().isEmpty())
        return tr("Duration: a number of seconds greater than 0, or empty.");
    if (QString problem = r.problem(); !problem.isEmpty())
        return problem;
    settings().setValue(QStringLiteral("newAnalysis/directory"), r.directory);
    job()->startNewAnalysis(r);
    return {};
}

ValidateDialog::ValidateDialog(ProfileFor profileFor, bool traces, bool analyses, const QString& command,
                               const QString& tracePath, QWidget* parent)
    : JobDialog(tr("Validate in Complain Mode"), parent)
    , profileFor_(std::move(profileFor))
    , evidence_(new QComboBox(this))
    , what_(new QLabel(this))
    , command_(new QLineEdit(command, this))
    , trace_(new QLineEdit(tracePath, this)) {
    setObjectName(QStringLiteral("validateDialog"));
    evidence_->setObjectName(QStringLiteral("validateEvidence"));
    command_->setObjectName(QStringLiteral("validateCommand"));
    trace_->setObjectName(QStringLiteral("validateTrace"));
    what_->setObjectName(QStringLiteral("validateDescription"));
    what_->setWordWrap(true);
    evidence_->addItem(tr("Traces and static analysis (union)"), QStringLiteral("both"));
    evidence_->addItem(tr("Traces only (what the recorded workload did)"), QStringLiteral("dynamic"));
    evidence_->addItem(tr("Static analysis only (all the code can do)"), QStringLiteral("static"));
    if (auto* model = qobject_cast<QStandardItemModel*>(evidence_->model())) {
        model->item(1)->setEnabled(traces);
        model->item(2)->setEnabled(analyses);
    }
    evidence_->setEnabled(traces && analyses);
    auto* form = new QWidget(this);
    auto* layout = new QFormLayout(form);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addRow(tr("Profile built from:"), evidence_);
    layout->addRow(what_);
    layout->addRow(tr("Command line:"), command_);
    layout->addRow(tr("Trace of the run:"), trace_);
    setForm(form);
    connect(evidence_, &QComboBox::currentIndexChanged, this, &ValidateDialog::rebuildProfile);
    rebuildProfile();
    resize(640, sizeHint().height());
}

void ValidateDialog::rebuildProfile() {
    profileError_.clear();
    try {
        profile_ = profileFor_ ? profileFor_(evidence()) : Profile{};
    } catch (const Error& e) {
        profile_ = Profile{};
        profileError_ = QString::fromStdString(e.what());
    }
    const QString source = evidence() == QLatin1String("dynamic")  ? tr("the traces")
                           : evidence() == QLatin1String("static") ? tr("the static analysis")
                                                                   : tr("the traces and the static analysis");
    what_->setText(profileError_.isEmpty()
                       ? tr("The program runs under the reviewed whole-life profile (%1 syscalls allowed: "
                            "what %2 show in either phase, after your review decisions) in complain mode: "
                            "every syscall the profile does not allow is reported and let through. The "
                            "violations appear on the timeline in red.")
                             .arg(profile_.allowedNumbers().size())
                             .arg(source)
                       : profileError_);
}

QString ValidateDialog::evidence() const {
    return evidence_->currentData().toString();
}

void ValidateDialog::setEvidence(const QString& evidence) {
    const int i = evidence_->findData(evidence);
    if (i >= 0)
        evidence_->setCurrentIndex(i);
}

QStringList ValidateDialog::command() const {
    return QProcess::splitCommand(command_->text());
}

QString ValidateDialog::tracePath() const {
    return trace_->text().trimmed();
}

void ValidateDialog::setCommand(const QString& commandLine) {
    command_->setText(commandLine);
}

QString ValidateDialog::startJob() {
    if (!profileError_.isEmpty())
        return profileError_;
    const QStringList argv = command();
    if (argv.isEmpty())
        return tr("Give the command line to run.");
    try {
        Tracer::resolveProgram(argv.front().toStdString());
    } catch (const Error& e) {
        return QString::fromStdString(e.what());
    }
    if (tracePath().isEmpty())
        return tr("Choose where the run's trace is written.");
    for (const QString& f : QStringList{tracePath(), tracePath() + QStringLiteral(".log")})
        if (QFileInfo::exists(f))
            return tr("%1 exists; a validation run never overwrites a file.").arg(f);
    ValidationRequest r;
    r.profile = profile_;
    r.command = argv;
    r.tracePath = tracePath();
    job()->startValidation(r);
    return {};
}

} // namespace swb
