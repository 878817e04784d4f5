#include "review/export_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QStandardPaths>

namespace swb {

namespace {
void fill(QComboBox* box, const std::initializer_list<std::pair<QString, QString>>& items,
          const QString& current) {
    for (const auto& [text, value] : items)
        box->addItem(text, value);
    box->setCurrentIndex(std::max(0, box->findData(current)));
}

void setItemEnabled(QComboBox* box, const QString& value, bool enabled) {
    auto* model = qobject_cast<QStandardItemModel*>(box->model());
    const int row = box->findData(value);
    if (!model || row < 0)
        return;
    model->item(row)->setEnabled(enabled);
    if (!enabled && box->currentIndex() == row)
        box->setCurrentIndex(box->findData(QStringLiteral("both")));
}
} // namespace

namespace {
QSettings settings() {
    return QSettings(QStringLiteral("SeccompWorkbench"), QStringLiteral("swb-gui"));
}
} // namespace

QString defaultExportDirectory() {
    const auto store = settings();
    const QString last = store.value(QStringLiteral("export/directory")).toString();
    if (!last.isEmpty())
        return last;
    const QString documents = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    return store
        .value(QStringLiteral("newAnalysis/directory"),
               QDir(documents.isEmpty() ? QDir::homePath() : documents)
                   .filePath(QStringLiteral("Seccomp Workbench")))
        .toString();
}

void rememberExportDirectory(const QString& directory) {
    settings().setValue(QStringLiteral("export/directory"), directory);
}

QString exportSuffix(const QString& format) {
    if (format == QLatin1String("k8s"))
        return QStringLiteral("yaml");
    if (format == QLatin1String("bpf") || format == QLatin1String("pfc"))
        return format;
    return QStringLiteral("json");
}

ExportDialog::ExportDialog(const ExportChoice& initial, QWidget* parent)
    : QDialog(parent)
    , format_(new QComboBox(this))
    , phase_(new QComboBox(this))
    , evidence_(new QComboBox(this))
    , runtime_(new QComboBox(this))
    , errno_(new QSpinBox(this))
    , path_(new QLineEdit(this))
    , description_(new QLabel(this)) {
    setObjectName(QStringLiteral("exportDialog"));
    setWindowTitle(tr("Export Profile"));
    format_->setObjectName(QStringLiteral("exportFormat"));
    fill(format_,
         {{tr("Docker / Podman JSON"), QStringLiteral("docker")},
          {tr("OCI runtime-spec linux.seccomp"), QStringLiteral("oci")},
          {tr("Kubernetes SeccompProfile (YAML)"), QStringLiteral("k8s")},
          {tr("libseccomp BPF (raw filter)"), QStringLiteral("bpf")},
          {tr("libseccomp PFC (text)"), QStringLiteral("pfc")}},
         initial.format);
    phase_->setObjectName(QStringLiteral("exportPhase"));
    fill(phase_,
         {{tr("Whole life (one filter)"), QStringLiteral("all")},
          {tr("Initialization only"), QStringLiteral("init")},
          {tr("Serving only"), QStringLiteral("serving")},
          {tr("Both: start filter + serving filter for libswb-phase.so"), QStringLiteral("both")}},
         initial.phase);
    evidence_->setObjectName(QStringLiteral("exportEvidence"));
    fill(evidence_,
         {{tr("Traces and static analysis (union)"), QStringLiteral("both")},
          {tr("Traces only (what the workload did)"), QStringLiteral("dynamic")},
          {tr("Static analysis only (all the code can do)"), QStringLiteral("static")}},
         initial.evidence);
    runtime_->setObjectName(QStringLiteral("exportRuntime"));
    fill(runtime_,
         {{tr("runc (adds its own syscalls after filter load)"), QStringLiteral("runc")},
          {tr("crun"), QStringLiteral("crun")},
          {tr("None (not in a container)"), QStringLiteral("none")}},
         initial.runtime);
    errno_->setObjectName(QStringLiteral("exportErrno"));
    errno_->setRange(1, 4095);
    errno_->setValue(initial.errnoRet);
    path_->setObjectName(QStringLiteral("exportPath"));
    path_->setText(initial.path);
    path_->setMinimumWidth(fontMetrics().averageCharWidth() * 48);
    description_->setObjectName(QStringLiteral("exportDescription"));
    description_->setWordWrap(true);
    description_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    description_->setMinimumWidth(fontMetrics().averageCharWidth() * 60);
    auto* browse = new QPushButton(tr("Browse…"), this);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString file = QFileDialog::getSaveFileName(this, tr("Export Profile"), path_->text());
        if (!file.isEmpty())
            path_->setText(file);
    });
    auto* pathRow = new QHBoxLayout;
    pathRow->addWidget(path_, 1);
    pathRow->addWidget(browse);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Export"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto updateOk = [this, buttons] {
        buttons->button(QDialogButtonBox::Ok)->setEnabled(!path_->text().isEmpty());
    };
    connect(path_, &QLineEdit::textChanged, this, updateOk);
    updateOk();
    for (QComboBox* box : {format_, phase_, evidence_, runtime_})
        connect(box, &QComboBox::currentIndexChanged, this, &ExportDialog::updateDescription);
    connect(errno_, &QSpinBox::valueChanged, this, &ExportDialog::updateDescription);
    connect(format_, &QComboBox::currentIndexChanged, this, &ExportDialog::followFormat);
    auto* form = new QFormLayout(this);
    form->addRow(tr("Format:"), format_);
    form->addRow(tr("Phase:"), phase_);
    form->addRow(tr("Built from:"), evidence_);
    form->addRow(tr("Container runtime:"), runtime_);
    form->addRow(tr("Denied syscalls fail with errno:"), errno_);
    form->addRow(tr("File:"), pathRow);
    form->addRow(description_);
    form->addRow(buttons);
}

void ExportDialog::followFormat() {
    // A file named with another format's extension takes this format's.
    const QString path = path_->text();
    const QFileInfo info(path);
    const QString suffix = info.suffix().toLower();
    static const QStringList known = {QStringLiteral("json"), QStringLiteral("yaml"), QStringLiteral("yml"),
                                      QStringLiteral("bpf"), QStringLiteral("pfc")};
    if (path.isEmpty() || !known.contains(suffix))
        return;
    const QString wanted = exportSuffix(format_->currentData().toString());
    if (suffix != wanted)
        path_->setText(path.left(path.size() - suffix.size()) + wanted);
}

void ExportDialog::setEvidenceAvailable(bool traces, bool analyses) {
    setItemEnabled(evidence_, QStringLiteral("dynamic"), traces);
    setItemEnabled(evidence_, QStringLiteral("static"), analyses);
    // One kind only: "both" is that kind.
    evidence_->setEnabled(traces && analyses);
    updateDescription();
}

void ExportDialog::setDescriber(Describer describer) {
    describer_ = std::move(describer);
    updateDescription();
}

QString ExportDialog::description() const {
    return description_->text();
}

void ExportDialog::updateDescription() {
    description_->setText(describer_ ? describer_(choice()) : QString());
    description_->setVisible(!description_->text().isEmpty());
}

ExportChoice ExportDialog::choice() const {
    ExportChoice c;
    c.format = format_->currentData().toString();
    c.phase = phase_->currentData().toString();
    c.evidence = evidence_->currentData().toString();
    c.runtime = runtime_->currentData().toString();
    c.errnoRet = errno_->value();
    c.path = path_->text();
    return c;
}

} // namespace swb
