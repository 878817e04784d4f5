#pragma once

#include "model/trace.h"

#include <QAbstractTableModel>
#include <QString>

#include <memory>
#include <vector>

namespace swb {

// The syscalls of a trace: one row per distinct syscall number with how often and when it was first
// called, in ascending number order. Like `swb syscalls`, it leaves out events without a syscall
// number (negative numbers).
class SyscallSummaryModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { NameColumn, NumberColumn, CountColumn, FirstTimeColumn, ColumnCount };
    Q_ENUM(Column)

    explicit SyscallSummaryModel(QObject* parent = nullptr);

    // Replaces the whole trace (a model reset); nullptr empties the model.
    void setTrace(std::shared_ptr<const Trace> trace);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    // Numbers line up on the right, in the cells and in their headers.
    static QVariant alignment(int column);

    struct Row {
        std::int32_t nr = 0;
        QString name;
        qint64 count = 0;
        std::int64_t firstNs = 0;
    };
    std::vector<Row> rows_;
};

} // namespace swb
