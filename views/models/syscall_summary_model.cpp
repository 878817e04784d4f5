#include "models/syscall_summary_model.h"

#include "models/event_format.h"
#include "models/item_roles.h"

#include <algorithm>
#include <unordered_map>

namespace swb {

SyscallSummaryModel::SyscallSummaryModel(QObject* parent)
    : QAbstractTableModel(parent) {}

void SyscallSummaryModel::setTrace(std::shared_ptr<const Trace> trace) {
    beginResetModel();
    rows_.clear();
    if (trace) {
        std::unordered_map<std::int32_t, std::size_t> rowByNumber;
        for (std::size_t i = 0; i < trace->eventCount(); ++i) {
            const auto nr = trace->nr(i);
            if (nr < 0)
                continue;
            const auto [it, inserted] = rowByNumber.try_emplace(nr, rows_.size());
            if (inserted)
                rows_.push_back({nr, QString(), 0, trace->timeNs(i)});
            Row& row = rows_[it->second];
            ++row.count;
            row.firstNs = std::min(row.firstNs, trace->timeNs(i));
        }
        std::sort(rows_.begin(), rows_.end(), [](const Row& a, const Row& b) { return a.nr < b.nr; });
        const auto& table = SyscallTable::forArch(trace->arch);
        for (auto& row : rows_)
            row.name = QString::fromStdString(table.name(row.nr));
    }
    endResetModel();
}

int SyscallSummaryModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int SyscallSummaryModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant SyscallSummaryModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row& row = rows_[static_cast<std::size_t>(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn:
            return row.name;
        case NumberColumn:
            return row.nr;
        case CountColumn:
            return row.count;
        case FirstTimeColumn:
            return formatTimestamp(row.firstNs);
        default:
            return {};
        }
    case SortRole:
        switch (index.column()) {
        case NameColumn:
            return row.name;
        case NumberColumn:
            return row.nr;
        case CountColumn:
            return row.count;
        case FirstTimeColumn:
            return qint64{row.firstNs};
        default:
            return {};
        }
    case SyscallNumberRole:
        return row.nr;
    case Qt::TextAlignmentRole:
        return alignment(index.column());
    default:
        return {};
    }
}

QVariant SyscallSummaryModel::alignment(int column) {
    if (column == NameColumn)
        return QVariant::fromValue(Qt::Alignment(Qt::AlignLeft | Qt::AlignVCenter));
    return QVariant::fromValue(Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
}

QVariant SyscallSummaryModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::TextAlignmentRole)
        return alignment(section);
    if (role == Qt::DisplayRole) {
        switch (section) {
        case NameColumn:
            return tr("Syscall");
        case NumberColumn:
            return tr("Number");
        case CountColumn:
            return tr("Calls");
        case FirstTimeColumn:
            return tr("First call");
        default:
            return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case NumberColumn:
            return tr("The syscall number on the trace's architecture");
        case CountColumn:
            return tr("How many times the syscall was made");
        case FirstTimeColumn:
            return tr("Seconds from the start of the trace to the first call");
        default:
            return {};
        }
    }
    return {};
}

} // namespace swb
