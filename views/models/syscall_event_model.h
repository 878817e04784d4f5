#pragma once

#include "model/trace.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QString>

#include <memory>

namespace swb {

// Every syscall event of one trace, one row per event in trace order. Cells are formatted on demand,
// so a million events cost only what the view shows; syscall and process names are resolved once per
// trace (per number, per pid) when the trace is set.
class SyscallEventModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        TimeColumn,
        PidColumn,
        TidColumn,
        ProcessColumn,
        SyscallColumn,
        ArgumentsColumn,
        ReturnColumn,
        ColumnCount
    };
    Q_ENUM(Column)

    explicit SyscallEventModel(QObject* parent = nullptr);

    // Replaces the whole trace (a model reset); nullptr empties the model.
    void setTrace(std::shared_ptr<const Trace> trace);
    const std::shared_ptr<const Trace>& trace() const { return trace_; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // The name of a syscall number on the trace's architecture ("syscall_N" when unknown).
    QString syscallName(std::int32_t nr) const;
    // The executable basename of a thread group; empty when the trace has no process record for it.
    QString processName(Pid pid) const;
    // Distinct thread groups: those with a process record and those that made a syscall.
    int processCount() const { return processCount_; }

    // Whether row LEFT comes before row RIGHT when sorting by COLUMN ascending: the order of SortRole
    // (names compared case-sensitively) without building QVariants, so a million rows sort quickly.
    bool rowLessThan(int left, int right, int column) const;

private:
    QVariant displayData(std::size_t row, int column) const;
    QVariant sortData(std::size_t row, int column) const;
    qint64 returnSortKey(std::size_t row) const;
    // Numbers line up on the right, in the cells and in their headers.
    static QVariant alignment(int column);

    std::shared_ptr<const Trace> trace_;
    QHash<std::int32_t, QString> syscallNames_;
    QHash<Pid, QString> processNames_;
    QHash<Pid, QString> processImages_;
    // Positions of the names in sorted order, so sorting compares integers.
    QHash<std::int32_t, int> syscallRanks_;
    QHash<Pid, int> processRanks_;
    int processCount_ = 0;
};

} // namespace swb
