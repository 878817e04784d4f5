#include "jobs/analysis_job.h"

#include "enforce/container_run.h"
#include "enforce/oci_bundle.h"
#include "enforce/validator.h"
#include "image/entrypoint.h"
#include "image/image.h"
#include "profile/project.h"
#include "static/analysis_file.h"
#include "static/analyzer.h"
#include "trace/trace_file.h"
#include "trace/tracer.h"
#include "util/error.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMetaObject>
#include <QPointer>

#include <csignal>
#include <cstdlib>
#include <thread>
#include <unistd.h>

namespace swb {

namespace {

std::string local(const QString& path) {
    return QFile::encodeName(path).toStdString();
}

std::vector<std::string> localList(const QStringList& list) {
    std::vector<std::string> out;
    for (const auto& s : list)
        out.push_back(s.toStdString());
    return out;
}

QString exitText(int status) {
    if (status > 128)
        return QObject::tr("killed by signal %1").arg(status - 128);
    return QObject::tr("exit status %1").arg(status);
}

} // namespace

QString joinCommand(const QStringList& argv) {
    QStringList out;
    for (const QString& a : argv) {
        if (!a.isEmpty() && !a.contains(QLatin1Char(' ')) && !a.contains(QLatin1Char('"')) &&
            !a.contains(QLatin1Char('\t')))
            out << a;
        else
            out << QLatin1Char('"') + QString(a).replace(QStringLiteral("\""), QStringLiteral("\"\"\"")) +
                       QLatin1Char('"');
    }
    return out.join(QLatin1Char(' '));
}

QString NewAnalysisRequest::projectPath() const {
    return QDir(directory).filePath(name + QStringLiteral(".swbproj"));
}

QString NewAnalysisRequest::tracePath() const {
    return QDir(directory).filePath(name + QStringLiteral(".swbtrace"));
}

QString NewAnalysisRequest::outputPath() const {
    return QDir(directory).filePath(name + QStringLiteral(".log"));
}

QString NewAnalysisRequest::analysisPath() const {
    return QDir(directory).filePath(name + QStringLiteral(".swbanalysis"));
}

QString NewAnalysisRequest::analysesDirectory() const {
    return QDir(directory).filePath(name + QStringLiteral(".analyses"));
}

namespace {

// What is wrong with the name and directory, and the files a new analysis would overwrite.
QString placeProblem(const QString& name, const QString& directory, const QStringList& files) {
    if (name.isEmpty() || name.contains(QLatin1Char('/')))
        return QObject::tr("The project name must be a file name (no '/').");
    if (directory.isEmpty())
        return QObject::tr("Choose a directory for the project's files.");
    QStringList existing;
    for (const QString& f : files)
        if (!f.isEmpty() && QFileInfo::exists(f))
            existing << f;
    if (!existing.isEmpty())
        return QObject::tr("%1 exists; a new analysis never overwrites a file. Choose another name or "
                           "directory.")
            .arg(existing.join(QStringLiteral(", ")));
    return {};
}

} // namespace

QString NewAnalysisRequest::problem() const {
    if (!image.isEmpty()) {
        if (!analyzeImage && !runImage)
            return QObject::tr("Nothing to do: analyze the image, run it, or both.");
        if (const QString p = placeProblem(name, directory,
                                           {projectPath(), runImage ? tracePath() : QString(),
                                            runImage ? outputPath() : QString(),
                                            analyzeImage && !containerWide ? analysisPath() : QString(),
                                            analyzeImage && containerWide ? analysesDirectory() : QString()});
            !p.isEmpty())
            return p;
        const bool engine =
            image.startsWith(QStringLiteral("docker:")) || image.startsWith(QStringLiteral("podman:"));
        if (!engine) {
            QString path = image;
            for (const QString& prefix : {QStringLiteral("oci:"), QStringLiteral("docker-archive:"),
                                          QStringLiteral("oci-archive:"), QStringLiteral("dir:")})
                if (path.startsWith(prefix))
                    path = path.mid(prefix.size());
            if (!QFileInfo::exists(path))
                return QObject::tr("%1: no such image (an archive, an OCI layout or a root directory)")
                    .arg(path);
        }
        if (runImage) {
            if (::geteuid() != 0)
                return QObject::tr("Running an image needs root: runc creates the container's namespaces and "
                                   "mounts. Analyze it only, or start the workbench as root.");
            if (!findRunc())
                return QObject::tr("Running an image needs runc (Debian package runc).");
            if (!client.isEmpty()) {
                try {
                    Tracer::resolveProgram(client.front().toStdString());
                } catch (const Error& e) {
                    return QObject::tr("Client: %1").arg(QString::fromStdString(e.what()));
                }
            }
        }
        return {};
    }
    if (command.isEmpty() && binary.isEmpty())
        return QObject::tr("Nothing to do: give a command line to trace, a binary to analyze, or both.");
    if (const QString p = placeProblem(name, directory,
                                       {projectPath(), command.isEmpty() ? QString() : tracePath(),
                                        command.isEmpty() ? QString() : outputPath(),
                                        binary.isEmpty() ? QString() : analysisPath()});
        !p.isEmpty())
        return p;
    if (!command.isEmpty()) {
        try {
            Tracer::resolveProgram(command.front().toStdString());
        } catch (const Error& e) {
            return QString::fromStdString(e.what());
        }
    }
    if (!binary.isEmpty()) {
        const QString inRoot = rootfs.isEmpty() ? binary : QDir(rootfs).filePath(binary.mid(1));
        if (!QFileInfo(inRoot).isFile())
            return QObject::tr("%1: no such file").arg(inRoot);
    }
    return {};
}

AnalysisJob::AnalysisJob(QObject* parent)
    : QObject(parent) {}

AnalysisJob::~AnalysisJob() {
    cancel();
    if (thread_.joinable())
        thread_.join();
}

bool AnalysisJob::startNewAnalysis(const NewAnalysisRequest& request) {
    if (running_)
        return false;
    launch([this, request] { runNewAnalysis(request); });
    return true;
}

bool AnalysisJob::startValidation(const ValidationRequest& request) {
    if (running_)
        return false;
    launch([this, request] { runValidation(request); });
    return true;
}

void AnalysisJob::launch(std::function<void()> work) {
    if (thread_.joinable())
        thread_.join();
    running_ = true;
    cancel_ = false;
    stopProgram_ = false;
    thread_ = std::thread([this, work = std::move(work)] {
        try {
            work();
        } catch (const Cancelled&) {
            post([this] {
                running_ = false;
                emit cancelled();
            });
        } catch (const std::exception& e) {
            const QString message = QString::fromStdString(e.what());
            post([this, message] {
                running_ = false;
                emit failed(message);
            });
        }
    });
}

void AnalysisJob::post(std::function<void()> f) {
    QMetaObject::invokeMethod(this, std::move(f), Qt::QueuedConnection);
}

void AnalysisJob::setStage(const QString& stage, int done, int total) {
    post([this, stage, done, total] {
        emit stageChanged(stage);
        emit progressChanged(done, total);
    });
}

void AnalysisJob::setActive(Tracer* tracer, Validator* validator, ContainerRun* run) {
    std::lock_guard lock(activeMutex_);
    tracer_ = tracer;
    validator_ = validator;
    containerRun_ = run;
    // A stop that came before the program started reaches it now.
    if (stopProgram_ || cancel_) {
        if (tracer_)
            tracer_->requestStop(SIGTERM);
        if (validator_)
            validator_->requestStop(SIGTERM);
        if (containerRun_)
            containerRun_->requestStop();
    }
}

void AnalysisJob::stopProgram() {
    stopProgram_ = true;
    std::lock_guard lock(activeMutex_);
    if (tracer_)
        tracer_->requestStop(SIGTERM);
    if (validator_)
        validator_->requestStop(SIGTERM);
    if (containerRun_)
        containerRun_->requestStop();
}

void AnalysisJob::cancel() {
    cancel_ = true;
    stopProgram();
}

void AnalysisJob::runNewAnalysis(const NewAnalysisRequest& r) {
    if (!r.image.isEmpty()) {
        runImageAnalysis(r);
        return;
    }
    if (const QString problem = r.problem(); !problem.isEmpty())
        throw Error(problem.toStdString());
    if (!QDir().mkpath(r.directory))
        throw Error(local(r.directory) + ": cannot create the directory");
    QStringList written; // removed again when the job is cancelled or fails
    auto removeWritten = [&] {
        for (const QString& f : written)
            QFile::remove(f);
    };
    QStringList report;
    try {
        Project project;
        project.name = r.name.toStdString();
        project.rootfs = r.rootfs.toStdString();
        if (!r.command.isEmpty()) {
            setStage(tr("Tracing %1 — stop the program when it has done its work")
                         .arg(r.command.join(QLatin1Char(' '))));
            written << r.tracePath() << r.tracePath() + QStringLiteral(".partial") << r.outputPath();
            TracerResult result;
            {
                TraceFileWriter writer(local(r.tracePath()));
                Tracer tracer(writer);
                TracerOptions opts;
                opts.command = localList(r.command);
                opts.stacks = r.stacks;
                opts.outputFile = local(r.outputPath());
                setActive(&tracer, nullptr);
                try {
                    result = tracer.run(opts);
                } catch (...) {
                    setActive(nullptr, nullptr);
                    throw;
                }
                setActive(nullptr, nullptr);
            }
            if (cancel_)
                throw Cancelled();
            report << tr("Traced %1 syscalls in %2 process(es) (%3%4) → %5; its output → %6")
                          .arg(result.events)
                          .arg(result.processes)
                          .arg(exitText(result.exitStatus))
                          .arg(result.interruptedBy ? tr(", stopped from the workbench") : QString())
                          .arg(r.tracePath(), r.outputPath());
            project.traces.push_back(local(QFileInfo(r.tracePath()).absoluteFilePath()));
            project.program = Tracer::resolveProgram(r.command.front().toStdString());
        }
        if (!r.binary.isEmpty()) {
            setStage(tr("Analyzing %1").arg(r.binary));
            AnalyzeOptions opts;
            opts.program = local(r.binary);
            opts.rootfs = local(r.rootfs);
            opts.dlopen = localList(r.dlopen);
            opts.useCache = r.useCache;
            opts.threads = std::max(1u, std::thread::hardware_concurrency());
            opts.progress = [this](const std::string& stage, std::size_t done, std::size_t total) {
                setStage(tr("Analyzing: %1").arg(QString::fromStdString(stage)), static_cast<int>(done),
                         static_cast<int>(total));
            };
            opts.cancelled = [this] {
                return cancel_.load();
            };
            const CallGraph graph = analyzeProgram(opts);
            if (cancel_)
                throw Cancelled();
            setStage(tr("Writing the analysis"));
            written << r.analysisPath();
            writeAnalysisFile(graph, local(r.analysisPath()));
            report << tr("%1 syscalls reachable from %2 entry points in %3 modules → %4")
                          .arg(graph.syscalls().size())
                          .arg(graph.entries.size())
                          .arg(graph.modules.size())
                          .arg(r.analysisPath());
            project.analyses.push_back(local(QFileInfo(r.analysisPath()).absoluteFilePath()));
            if (project.program.empty())
                project.program = graph.program;
        }
        if (cancel_)
            throw Cancelled();
        written << r.projectPath();
        writeProject(project, local(r.projectPath()));
    } catch (...) {
        removeWritten();
        throw;
    }
    const QString path = r.projectPath();
    const QString text = report.join(QLatin1Char('\n'));
    post([this, path, text] {
        running_ = false;
        emit finished(path, text);
    });
}

void AnalysisJob::runImageAnalysis(const NewAnalysisRequest& r) {
    if (const QString problem = r.problem(); !problem.isEmpty())
        throw Error(problem.toStdString());
    if (!QDir().mkpath(r.directory))
        throw Error(local(r.directory) + ": cannot create the directory");
    QStringList written; // removed again when the job is cancelled or fails
    QStringList report;
    try {
        setStage(tr("Opening and unpacking %1").arg(r.image));
        const ImageRoot root = unpackToScratch(r.image.toStdString());
        if (cancel_)
            throw Cancelled();
        const Image& image = root.image;
        Project project;
        project.name = r.name.toStdString();
        project.image.source = r.image.toStdString();
        project.image.kind = image.kindName();
        project.image.manifestDigest = image.manifestDigest;
        project.image.configDigest = image.configDigest;
        project.image.entrypoint = image.config.entrypoint;
        project.image.entrypoint.insert(project.image.entrypoint.end(), image.config.cmd.begin(),
                                        image.config.cmd.end());
        project.image.mode = r.containerWide ? "container-wide" : "application";
        report << tr("%1: %2 layer(s), %3 files unpacked")
                      .arg(r.image)
                      .arg(image.layers.size())
                      .arg(root.report.files);
        if (r.analyzeImage) {
            // The programs the container runs: the entrypoint's (and the shells of its scripts), or
            // every executable of the image.
            std::vector<std::pair<std::string, QString>> programs; // image path, analysis file
            if (r.containerWide) {
                if (!QDir().mkpath(r.analysesDirectory()))
                    throw Error(local(r.analysesDirectory()) + ": cannot create the directory");
                written << r.analysesDirectory();
                for (const std::string& prog : imageExecutables(root.rootfs)) {
                    QString file = QString::fromStdString(prog.substr(1));
                    file.replace(QLatin1Char('/'), QLatin1Char('_'));
                    programs.emplace_back(
                        prog, QDir(r.analysesDirectory()).filePath(file + QStringLiteral(".swbanalysis")));
                }
                if (programs.empty())
                    throw Error(r.image.toStdString() + ": no ELF executables in the image");
            } else {
                const ImageEntrypoint entry = resolveEntrypoint(image.config, root.rootfs);
                for (const auto& step : entry.chain)
                    report << tr("Entrypoint: %1").arg(QString::fromStdString(step));
                for (const auto& w : entry.warnings)
                    report << tr("Warning: %1").arg(QString::fromStdString(w));
                programs.emplace_back(entry.analyze, r.analysisPath());
                for (const std::string& interp : entry.interpreters)
                    if (interp != entry.analyze)
                        programs.emplace_back(
                            interp, QDir(r.directory)
                                        .filePath(r.name + QStringLiteral(".via-") +
                                                  QFileInfo(QString::fromStdString(interp)).fileName() +
                                                  QStringLiteral(".swbanalysis")));
            }
            for (std::size_t i = 0; i < programs.size(); ++i) {
                const auto& [prog, file] = programs[i];
                if (QFileInfo::exists(file))
                    throw Error(local(file) + ": exists; a new analysis never overwrites a file");
                setStage(tr("Analyzing %1 in the image (%2 of %3)")
                             .arg(QString::fromStdString(prog))
                             .arg(i + 1)
                             .arg(programs.size()),
                         static_cast<int>(i), static_cast<int>(programs.size()));
                AnalyzeOptions opts;
                opts.program = prog;
                opts.rootfs = root.rootfs;
                opts.useCache = r.useCache;
                opts.threads = std::max(1u, std::thread::hardware_concurrency());
                opts.cancelled = [this] {
                    return cancel_.load();
                };
                const CallGraph graph = analyzeProgram(opts);
                if (cancel_)
                    throw Cancelled();
                written << file;
                writeAnalysisFile(graph, local(file));
                project.analyses.push_back(local(QFileInfo(file).absoluteFilePath()));
                if (project.program.empty())
                    project.program = prog;
                if (!r.containerWide)
                    report << tr("%1: %2 syscalls reachable in %3 modules → %4")
                                  .arg(QString::fromStdString(prog))
                                  .arg(graph.syscalls().size())
                                  .arg(graph.modules.size())
                                  .arg(file);
            }
            if (r.containerWide)
                report << tr("Container-wide: %1 executables analyzed → %2")
                              .arg(programs.size())
                              .arg(r.analysesDirectory());
        }
        if (r.runImage) {
            setStage(tr("Running the image under runc — stop the program when its workload is done"));
            BundleOptions bundle = imageBundle(root);
            bundle.networkNamespace = !r.hostNetwork;
            const QString bundleDir = QDir(r.directory).filePath(r.name + QStringLiteral(".bundle-partial"));
            written << bundleDir;
            writeOciBundle(local(bundleDir), bundle);
            ContainerRunOptions co;
            co.bundleDir = local(bundleDir);
            co.rootfs = root.rootfs;
            co.id = "swb-gui-" + std::to_string(::getpid());
            co.client = localList(r.client);
            if (!r.client.isEmpty())
                for (const std::string& port : image.config.exposedPorts)
                    if (port.ends_with("/tcp") || port.find('/') == std::string::npos) {
                        co.waitPort = std::atoi(port.c_str());
                        break;
                    }
            co.duration = r.duration;
            co.outputFile = local(r.outputPath());
            co.clientOutputFile = local(r.outputPath()); // both logs in one file, in time order
            co.traceCommand = bundle.args;
            written << r.tracePath() << r.tracePath() + QStringLiteral(".partial") << r.outputPath();
            ContainerRunResult result;
            {
                TraceFileWriter writer(local(r.tracePath()));
                ContainerRun run(co, writer);
                setActive(nullptr, nullptr, &run);
                try {
                    result = run.run();
                } catch (...) {
                    setActive(nullptr, nullptr, nullptr);
                    throw;
                }
                setActive(nullptr, nullptr, nullptr);
            }
            QDir(bundleDir).removeRecursively();
            written.removeAll(bundleDir);
            if (cancel_)
                throw Cancelled();
            if (!result.tracer.execSeen)
                throw Error("the container never ran its program (runc: " + result.runtimeErrors + ")");
            report << tr("Traced %1 syscalls of the container in %2 process(es) (container %3%4%5) → %6; its "
                         "output → %7")
                          .arg(result.tracer.events)
                          .arg(result.tracer.processes)
                          .arg(exitText(result.tracer.exitStatus))
                          .arg(result.stoppedByUs ? tr(", stopped by the workbench") : QString())
                          .arg(r.client.isEmpty() ? QString()
                                                  : tr(", client %1").arg(exitText(result.clientStatus)))
                          .arg(r.tracePath(), r.outputPath());
            project.traces.push_back(local(QFileInfo(r.tracePath()).absoluteFilePath()));
        }
        if (cancel_)
            throw Cancelled();
        written << r.projectPath();
        writeProject(project, local(r.projectPath()));
    } catch (...) {
        for (const QString& f : written) {
            if (QFileInfo(f).isDir())
                QDir(f).removeRecursively();
            else
                QFile::remove(f);
        }
        throw;
    }
    const QString path = r.projectPath();
    const QString text = report.join(QLatin1Char('\n'));
    post([this, path, text] {
        running_ = false;
        emit finished(path, text);
    });
}

void AnalysisJob::runValidation(const ValidationRequest& r) {
    setStage(tr("Validating %1 in complain mode — stop the program when it has done its work")
                 .arg(r.command.join(QLatin1Char(' '))));
    ValidationResult result;
    {
        TraceFileWriter writer(local(r.tracePath));
        ValidationOptions opts;
        opts.profile = r.profile;
        opts.enforce = false;
        opts.command = localList(r.command);
        opts.alsoTo = &writer;
        opts.outputFile = local(r.tracePath + QStringLiteral(".log"));
        Validator validator(opts);
        setActive(nullptr, &validator);
        try {
            result = validator.run();
        } catch (...) {
            setActive(nullptr, nullptr);
            QFile::remove(r.tracePath + QStringLiteral(".partial"));
            QFile::remove(r.tracePath + QStringLiteral(".log"));
            throw;
        }
        setActive(nullptr, nullptr);
    }
    if (cancel_) {
        for (const QString& f : QStringList{r.tracePath, r.tracePath + QStringLiteral(".partial"),
                                            r.tracePath + QStringLiteral(".log")})
            QFile::remove(f);
        throw Cancelled();
    }
    QStringList counts;
    for (const auto& [name, n] : result.countsByName())
        counts << QStringLiteral("%1 ×%2").arg(QString::fromStdString(name)).arg(n);
    QString text =
        result.violations.empty()
            ? tr("No violation: every syscall of the run is allowed by the reviewed profile.")
            : (result.violations.size() == 1 ? tr("1 violation: %1")
                                             : tr("%1 violations: %2").arg(result.violations.size()))
                  .arg(counts.join(QStringLiteral(", ")));
    text += QLatin1Char('\n') +
            tr("%1 syscalls, program %2; trace written to %3, its output to %4")
                .arg(result.trace.eventCount())
                .arg(exitText(result.exitStatus), r.tracePath, r.tracePath + QStringLiteral(".log"));
    const QString path = r.tracePath;
    post([this, path, text] {
        running_ = false;
        emit finished(path, text);
    });
}

} // namespace swb
