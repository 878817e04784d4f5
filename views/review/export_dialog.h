#pragma once

#include <QDialog>

#include <functional>

class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace swb {

// What to export: format, phase, evidence, container runtime, errno and the file.
struct ExportChoice {
    QString format = QStringLiteral("docker"); // docker|oci|k8s|bpf|pfc
    QString phase = QStringLiteral("all");     // all|init|serving|both
    QString evidence = QStringLiteral("both"); // both|dynamic|static (swb profile --evidence)
    QString runtime = QStringLiteral("runc");  // runc|crun|none
    int errnoRet = 1;
    QString path;
};

// The file extension a format is written with: json, yaml, bpf or pfc.
QString exportSuffix(const QString& format);

// Where exports are proposed: the directory the last export went to, else where New Analysis keeps
// projects (Documents/Seccomp Workbench). Never a project's own folder unasked: a bundled sample's
// may be read-only or shared.
QString defaultExportDirectory();
void rememberExportDirectory(const QString& directory);

class ExportDialog : public QDialog {
    Q_OBJECT
public:
    // Says, for a choice, what each filter it writes is built from (counts per kind of evidence).
    using Describer = std::function<QString(const ExportChoice&)>;

    explicit ExportDialog(const ExportChoice& initial, QWidget* parent = nullptr);
    ExportChoice choice() const;
    // Which kinds of evidence the project has; a choice without its kind is disabled.
    void setEvidenceAvailable(bool traces, bool analyses);
    void setDescriber(Describer describer);
    // The text under the form: what the chosen filters are built from.
    QString description() const;

private:
    void updateDescription();
    void followFormat();

    QComboBox* format_;
    QComboBox* phase_;
    QComboBox* evidence_;
    QComboBox* runtime_;
    QSpinBox* errno_;
    QLineEdit* path_;
    QLabel* description_;
    Describer describer_;
};

} // namespace swb
