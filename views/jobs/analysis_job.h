#pragma once

#include "model/trace.h"
#include "profile/profile.h"

#include <QObject>
#include <QString>
#include <QStringList>

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

namespace swb {

class ContainerRun;
class Tracer;
class Validator;

// A command line QProcess::splitCommand reads back as ARGV: arguments with spaces are quoted,
// quotes in them tripled.
QString joinCommand(const QStringList& argv);

// What File › New Analysis… makes: a traced run of a command line and/or a static analysis of a
// binary, written as NAME.swbtrace / NAME.swbanalysis next to a new project NAME.swbproj.
struct NewAnalysisRequest {
    QString name;         // the project's name and the files' stem
    QString directory;    // where the files go (created when missing)
    QStringList command;  // PROGRAM ARGS... to run under the tracer; empty: no trace
    bool stacks = false;  // record the call stack at every syscall
    QString binary;       // the ELF to analyze; empty: no static analysis
    QStringList dlopen;   // libraries the program dlopen()s
    QString rootfs;       // analyze inside this root directory; empty: /
    bool useCache = true; // the per-module analysis cache

    // A container image instead of a command line and a binary (File › New Analysis from Container
    // Image): unpacked into a scratch root, its programs analyzed (the entrypoint and the shells of
    // its scripts, or every executable), and when asked run under runc and traced from its exec.
    QString image;              // oci:DIR, docker-archive:FILE, dir:ROOTFS, docker:NAME or a path
    bool containerWide = false; // analyze every executable (NAME.analyses/) instead of the entrypoint's
    bool analyzeImage = true;
    bool runImage = false; // run a container under runc with the tracer (root)
    QStringList client;    // run beside it in its network namespace; empty: until Stop Program
    double duration = 0;   // seconds, then the container is stopped; 0: no limit
    bool hostNetwork = false;

    QString projectPath() const;
    QString tracePath() const;
    QString analysisPath() const;
    QString outputPath() const;        // NAME.log: the traced program's stdout and stderr
    QString analysesDirectory() const; // NAME.analyses: the container-wide analyses
    // Empty when the request can run; otherwise what is wrong with it (nothing to do, no name, a
    // file that would be overwritten, a program that is not found).
    QString problem() const;
};

// A validation run in complain mode: the program runs with the reviewed profile's filter, every
// syscall it does not allow is reported and let through; the trace keeps the violations.
struct ValidationRequest {
    Profile profile;
    QStringList command;
    QString tracePath; // where the run's trace is written; the program's output goes to TRACE.log
};

// Runs one new analysis or validation at a time on a worker thread, so the window never freezes.
// Progress, the result and failures arrive as queued signals on the object's thread.
class AnalysisJob : public QObject {
    Q_OBJECT
public:
    explicit AnalysisJob(QObject* parent = nullptr);
    // Cancels a running job and waits for its thread.
    ~AnalysisJob() override;

    // Start a job; false (and nothing started) when one is already running.
    bool startNewAnalysis(const NewAnalysisRequest& request);
    bool startValidation(const ValidationRequest& request);
    bool isRunning() const { return running_; }

    // Ends the traced program now (a server never exits on its own); the job goes on with the
    // trace recorded so far.
    void stopProgram();
    // Stops the job; the files it was writing are removed.
    void cancel();

signals:
    void stageChanged(const QString& stage);
    // total 0: busy without a known end.
    void progressChanged(int done, int total);
    // A new analysis: the project file. A validation: the trace file.
    void finished(const QString& path, const QString& report);
    void failed(const QString& message);
    void cancelled();

private:
    void launch(std::function<void()> work);
    void runNewAnalysis(const NewAnalysisRequest& r);
    void runImageAnalysis(const NewAnalysisRequest& r);
    void runValidation(const ValidationRequest& r);
    void post(std::function<void()> f);
    void setStage(const QString& stage, int done = 0, int total = 0);
    // Registers the running tracer or validator so that stopProgram/cancel can reach it.
    void setActive(Tracer* tracer, Validator* validator, ContainerRun* run = nullptr);

    std::thread thread_;
    bool running_ = false;
    std::atomic<bool> cancel_{false};
    std::atomic<bool> stopProgram_{false};
    std::mutex activeMutex_;
    Tracer* tracer_ = nullptr;
    Validator* validator_ = nullptr;
    ContainerRun* containerRun_ = nullptr;
};

} // namespace swb
