#pragma once

#include "jobs/analysis_job.h"

#include <QDialog>
#include <QWidget>

#include <functional>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;

namespace swb {

// The running state of an AnalysisJob: its stage, a progress bar (busy when the end is unknown),
// a Stop Program button while a traced program runs, and the failure message when it failed.
class JobProgressPane : public QWidget {
    Q_OBJECT
public:
    explicit JobProgressPane(AnalysisJob* job, QWidget* parent = nullptr);
    void reset();
    void showFailure(const QString& message);
    QLabel* stageLabel() const { return stage_; }
    QProgressBar* progressBar() const { return bar_; }
    QPushButton* stopButton() const { return stop_; }
    QLabel* errorLabel() const { return error_; }

private:
    QLabel* stage_;
    QProgressBar* bar_;
    QPushButton* stop_;
    QLabel* error_;
};

// Base of the dialogs that run a job: Run starts it and disables the form, Cancel cancels a
// running job (or closes the dialog), the dialog accepts when the job finished.
class JobDialog : public QDialog {
    Q_OBJECT
public:
    AnalysisJob* job() const { return job_; }
    JobProgressPane* progressPane() const { return pane_; }
    QPushButton* runButton() const { return run_; }
    // What the finished job wrote (project or trace) and its report.
    QString resultPath() const { return resultPath_; }
    QString report() const { return report_; }

public slots:
    // Starts the job from the form; false when the form has a problem (shown in the dialog).
    bool start();

protected:
    JobDialog(const QString& title, QWidget* parent);
    // The subclass's form goes above the progress pane.
    void setForm(QWidget* form);
    // Starts the job from the form, or returns what is wrong with the form.
    virtual QString startJob() = 0;
    void reject() override;
    void closeEvent(QCloseEvent* event) override;

private:
    void setRunning(bool running);

    AnalysisJob* job_;
    QWidget* form_ = nullptr;
    JobProgressPane* pane_;
    QDialogButtonBox* buttons_;
    QPushButton* run_;
    QString resultPath_;
    QString report_;
};

// File › New Analysis…: trace a command line and/or analyze a binary into a new project.
class NewAnalysisDialog : public JobDialog {
    Q_OBJECT
public:
    explicit NewAnalysisDialog(QWidget* parent = nullptr);
    NewAnalysisRequest request() const;
    void setRequest(const NewAnalysisRequest& r);

protected:
    QString startJob() override;

private:
    void suggestFromCommand();

    QLineEdit* command_;
    QCheckBox* trace_;
    QCheckBox* stacks_;
    QCheckBox* analyze_;
    QLineEdit* binary_;
    QLineEdit* dlopen_;
    QLineEdit* rootfs_;
    QLineEdit* name_;
    QLineEdit* directory_;
    QCheckBox* cache_;
};

// File › New Analysis from Container Image…: an image (archive, OCI layout, root directory or an
// engine's image) inspected, its programs analyzed and/or a container run under runc and traced.
class NewImageAnalysisDialog : public JobDialog {
    Q_OBJECT
public:
    explicit NewImageAnalysisDialog(QWidget* parent = nullptr);
    NewAnalysisRequest request() const;
    void setRequest(const NewAnalysisRequest& r);
    // Reads the image's manifest and config and shows them (layers, entrypoint, user, ports);
    // false with the error shown when the image cannot be read.
    bool inspect();
    QString inspection() const;

protected:
    QString startJob() override;

private:
    QLineEdit* image_;
    QLabel* details_;
    QComboBox* mode_;
    QCheckBox* analyze_;
    QCheckBox* run_;
    QLineEdit* client_;
    QLineEdit* duration_;
    QComboBox* network_;
    QLineEdit* name_;
    QLineEdit* directory_;
    QCheckBox* cache_;
};

// Review › Validate in Complain Mode…: run a command with the reviewed profile; the run's trace,
// with its violations, is written next to the project and shown on the timeline.
class ValidateDialog : public JobDialog {
    Q_OBJECT
public:
    // The reviewed profile for an evidence choice ("both", "dynamic", "static"); throws swb::Error.
    using ProfileFor = std::function<Profile(const QString& evidence)>;

    // TRACES and ANALYSES: which kinds of evidence the project has.
    ValidateDialog(ProfileFor profileFor, bool traces, bool analyses, const QString& command,
                   const QString& tracePath, QWidget* parent = nullptr);
    QStringList command() const;
    QString tracePath() const;
    void setCommand(const QString& commandLine);
    // "both", "dynamic" or "static".
    QString evidence() const;
    void setEvidence(const QString& evidence);
    // The profile the run will enforce, for the current evidence choice.
    const Profile& profile() const { return profile_; }

protected:
    QString startJob() override;

private:
    void rebuildProfile();

    ProfileFor profileFor_;
    Profile profile_;
    QString profileError_;
    QComboBox* evidence_;
    QLabel* what_;
    QLineEdit* command_;
    QLineEdit* trace_;
};

} // namespace swb
