#pragma once

#include <QDialog>

class QComboBox;
class QLineEdit;
class QSpinBox;

namespace swb {

// What to export: format, phase, container runtime, errno and the file.
struct ExportChoice {
    QString format = QStringLiteral("docker"); // docker|oci|k8s|bpf|pfc
    QString phase = QStringLiteral("all");     // all|init|serving|both
    QString runtime = QStringLiteral("runc");  // runc|crun|none
    int errnoRet = 1;
    QString path;
};

class ExportDialog : public QDialog {
    Q_OBJECT
public:
    explicit ExportDialog(const ExportChoice& initial, QWidget* parent = nullptr);
    ExportChoice choice() const;

private:
    QComboBox* format_;
    QComboBox* phase_;
    QComboBox* runtime_;
    QSpinBox* errno_;
    QLineEdit* path_;
};

} // namespace swb
