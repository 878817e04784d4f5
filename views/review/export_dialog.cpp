#include "review/export_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>

namespace swb {

namespace {
void fill(QComboBox* box, const std::initializer_list<std::pair<QString, QString>>& items,
          const QString& current) {
    for (const auto& [text, value] : items)
        box->addItem(text, value);
    box->setCurrentIndex(std::max(0, box->findData(current)));
}
} // namespace

ExportDialog::ExportDialog(const ExportChoice& initial, QWidget* parent)
    : QDialog(parent)
    , format_(new QComboBox(this))
    , phase_(new QComboBox(this))
    , runtime_(new QComboBox(this))
    , errno_(new QSpinBox(this))
    , path_(new QLineEdit(this)) {
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
    auto* form = new QFormLayout(this);
    form->addRow(tr("Format:"), format_);
    form->addRow(tr("Phase:"), phase_);
    form->addRow(tr("Container runtime:"), runtime_);
    form->addRow(tr("Denied syscalls fail with errno:"), errno_);
    form->addRow(tr("File:"), pathRow);
    form->addRow(buttons);
}

ExportChoice ExportDialog::choice() const {
    ExportChoice c;
    c.format = format_->currentData().toString();
    c.phase = phase_->currentData().toString();
    c.runtime = runtime_->currentData().toString();
    c.errnoRet = errno_->value();
    c.path = path_->text();
    return c;
}

} // namespace swb
