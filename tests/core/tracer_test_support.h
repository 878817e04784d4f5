#pragma once

#include "trace/trace_file.h"

#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

// Helpers shared by the tests that run the real `swb` binary.
namespace swbtest {

inline QString swbBinary() {
    return QStringLiteral(SWB_BIN_DIR "/swb");
}
inline QString fixture(const char* name) {
    return QStringLiteral(SWB_FIXTURE_DIR "/") + QLatin1String(name);
}

struct RunResult {
    int exitCode = -1;
    QString stdErr;
    QString stdOut;
};

inline RunResult runSwb(const QStringList& args, int timeoutMs = 120000) {
    QProcess p;
    p.start(swbBinary(), args);
    RunResult r;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.stdErr = QStringLiteral("timed out");
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.stdErr = QString::fromLocal8Bit(p.readAllStandardError());
    r.stdOut = QString::fromLocal8Bit(p.readAllStandardOutput());
    return r;
}

inline std::size_t countSyscall(const swb::Trace& t, const std::string& name) {
    const auto nr = swb::SyscallTable::forArch(t.arch).number(name);
    std::size_t n = 0;
    for (std::size_t i = 0; i < t.eventCount(); ++i)
        if (nr && t.nr(i) == *nr)
            ++n;
    return n;
}

inline bool hasName(const std::vector<std::string>& names, const char* name) {
    return std::find(names.begin(), names.end(), std::string(name)) != names.end();
}

} // namespace swbtest
