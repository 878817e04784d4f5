#pragma once

#include "model/callgraph.h"
#include "static/analysis_file.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace swb::test {

// The call graph the real analyzer finds for PROGRAM: `swb analyze -o FILE PROGRAM` in DIR, read back.
// nullptr (with a test failure recorded) when the analyzer fails.
inline std::shared_ptr<const CallGraph> analyzeWithSwb(const QString& program, const QTemporaryDir& dir) {
    const QString out = dir.filePath(QStringLiteral("analysis.swbanalysis"));
    QProcess swb;
    swb.start(QStringLiteral(SWB_BIN_DIR "/swb"),
              {QStringLiteral("analyze"), QStringLiteral("-o"), out, program});
    if (!swb.waitForFinished(180'000) || swb.exitStatus() != QProcess::NormalExit || swb.exitCode() != 0) {
        qWarning("swb analyze failed: %s", swb.readAllStandardError().constData());
        return nullptr;
    }
    return std::make_shared<const CallGraph>(readAnalysisFile(out.toStdString()));
}

} // namespace swb::test
