#pragma once

#include "model/trace.h"

#include <QStringList>
#include <QTimer>
#include <QWidget>

#include <memory>

class QLineEdit;
class QSortFilterProxyModel;
class QSplitter;
class QTableView;

namespace swb {

class SyscallEventFilterModel;
class SyscallEventModel;
class SyscallSummaryModel;

// One loaded trace: the syscalls it uses on the left, every event on the right with a filter box.
class TraceView : public QWidget {
    Q_OBJECT
public:
    // How long the filter box waits after the last keystroke, so typing does not refilter a large
    // trace on every character.
    static constexpr int kFilterDelayMs = 250;

    explicit TraceView(QWidget* parent = nullptr);

    // Shows TRACE, read from FILEPATH with the loader's WARNINGS.
    void setTrace(std::shared_ptr<const Trace> trace, const QString& filePath, const QStringList& warnings);

    const std::shared_ptr<const Trace>& trace() const { return trace_; }
    QString filePath() const { return filePath_; }
    QStringList warnings() const { return warnings_; }
    // "N events, M syscalls, P processes".
    QString statistics() const;

private:
    void applyFilter();
    void sizeColumns();

    std::shared_ptr<const Trace> trace_;
    QString filePath_;
    QStringList warnings_;

    SyscallEventModel* eventModel_;
    SyscallEventFilterModel* eventProxy_;
    SyscallSummaryModel* summaryModel_;
    QSortFilterProxyModel* summaryProxy_;
    QSplitter* splitter_;
    QTableView* summaryTable_;
    QTableView* eventTable_;
    QLineEdit* filterEdit_;
    QTimer filterTimer_;
};

} // namespace swb
