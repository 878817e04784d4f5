#include "models/syscall_event_model.h"

#include "models/event_format.h"
#include "models/item_roles.h"

#include <QSet>
#include <QStringList>

#include <algorithm>
#include <limits>

namespace swb {

namespace {

// Each key's position when the names are sorted case-sensitively; equal names share a position.
template <typename Key> QHash<Key, int> ranks(const QHash<Key, QString>& names) {
    QStringList sorted = names.values();
    sorted.sort(Qt::CaseSensitive);
    sorted.removeDuplicates();
    QHash<Key, int> out;
    out.reserve(names.size());
    for (auto it = names.cbegin(); it != names.cend(); ++it)
        out.insert(it.key(), static_cast<int>(std::lower_bound(sorted.cbegin(), sorted.cend(), it.value()) -
                                              sorted.cbegin()));
    return out;
}

} // namespace

SyscallEventModel::SyscallEventModel(QObject* parent)
    : QAbstractTableModel(parent) {}

void SyscallEventModel::setTrace(std::shared_ptr<const Trace> trace) {
    beginResetModel();
    trace_ = std::move(trace);
    syscallNames_.clear();
    processNames_.clear();
    processImages_.clear();
    syscallRanks_.clear();
    processRanks_.clear();
    processCount_ = 0;
    if (trace_) {
        const auto& table = SyscallTable::forArch(trace_->arch);
        QSet<std::int32_t> numbers;
        QSet<Pid> pids;
        for (std::size_t i = 0; i < trace_->eventCount(); ++i) {
            numbers.insert(trace_->nr(i));
            pids.insert(trace_->pid(i));
        }
        for (const auto nr : std::as_const(numbers))
            syscallNames_.insert(nr, QString::fromStdString(table.name(nr)));
        // Later records win: after a pid is reused, the newest process owns the name.
        for (const auto& p : trace_->processes) {
            pids.insert(p.pid);
            // A process that never exec'd under the tracer may only have its argv.
            const std::string& image = p.image.empty() && !p.argv.empty() ? p.argv.front() : p.image;
            processNames_.insert(p.pid, executableName(image));
            processImages_.insert(p.pid, QString::fromStdString(image));
        }
        processCount_ = static_cast<int>(pids.size());
        syscallRanks_ = ranks(syscallNames_);
        for (const Pid pid : std::as_const(pids))
            if (!processNames_.contains(pid))
                processNames_.insert(pid, QString());
        processRanks_ = ranks(processNames_);
    }
    endResetModel();
}

int SyscallEventModel::rowCount(const QModelIndex& parent) const {
    if (parent.isValid() || !trace_)
        return 0;
    return static_cast<int>(trace_->eventCount());
}

int SyscallEventModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QString SyscallEventModel::syscallName(std::int32_t nr) const {
    const auto it = syscallNames_.constFind(nr);
    if (it != syscallNames_.cend())
        return *it;
    return trace_ ? QString::fromStdString(SyscallTable::forArch(trace_->arch).name(nr)) : QString();
}

QString SyscallEventModel::processName(Pid pid) const {
    return processNames_.value(pid);
}

QVariant SyscallEventModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid) || !trace_)
        return {};
    const auto row = static_cast<std::size_t>(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return displayData(row, index.column());
    case SortRole:
        return sortData(row, index.column());
    case SyscallNumberRole:
        return trace_->nr(row);
    case Qt::ToolTipRole:
        if (index.column() == ReturnColumn) {
            const auto description = returnValueDescription(trace_->ret(row), trace_->flags(row));
            if (!description.isEmpty())
                return description;
            if (trace_->flags(row) & EventNoReturn)
                return tr("The syscall did not return: the task exited or was killed inside it, or the trace "
                          "ended first.");
        } else if (index.column() == ProcessColumn) {
            const auto image = processImages_.value(trace_->pid(row));
            if (!image.isEmpty())
                return image;
        } else if (index.column() == ArgumentsColumn && (trace_->flags(row) & EventNoArgs)) {
            return tr("The arguments of this call were not recorded.");
        }
        return {};
    case Qt::TextAlignmentRole:
        return alignment(index.column());
    default:
        return {};
    }
}

QVariant SyscallEventModel::displayData(std::size_t row, int column) const {
    switch (column) {
    case TimeColumn:
        return formatTimestamp(trace_->timeNs(row));
    case PidColumn:
        return trace_->pid(row);
    case TidColumn:
        return trace_->tid(row);
    case ProcessColumn:
        return processName(trace_->pid(row));
    case SyscallColumn:
        return syscallName(trace_->nr(row));
    case ArgumentsColumn: {
        std::array<std::uint64_t, 6> args{};
        for (int k = 0; k < 6; ++k)
            args[static_cast<std::size_t>(k)] = trace_->arg(row, k);
        return formatArguments(args, trace_->flags(row));
    }
    case ReturnColumn:
        return formatReturnValue(trace_->ret(row), trace_->flags(row));
    default:
        return {};
    }
}

QVariant SyscallEventModel::sortData(std::size_t row, int column) const {
    switch (column) {
    case TimeColumn:
        return qint64{trace_->timeNs(row)};
    case PidColumn:
        return trace_->pid(row);
    case TidColumn:
        return trace_->tid(row);
    case ProcessColumn:
        return processName(trace_->pid(row));
    case SyscallColumn:
        return syscallName(trace_->nr(row));
    case ArgumentsColumn:
        return quint64{trace_->arg(row, 0)};
    case ReturnColumn:
        return returnSortKey(row);
    default:
        return {};
    }
}

qint64 SyscallEventModel::returnSortKey(std::size_t row) const {
    // Calls that never returned have no value; they sort after every real one.
    if (trace_->flags(row) & EventNoReturn)
        return std::numeric_limits<qint64>::max();
    return trace_->ret(row);
}

bool SyscallEventModel::rowLessThan(int left, int right, int column) const {
    if (!trace_)
        return false;
    const auto l = static_cast<std::size_t>(left);
    const auto r = static_cast<std::size_t>(right);
    switch (column) {
    case TimeColumn:
        return trace_->timeNs(l) < trace_->timeNs(r);
    case PidColumn:
        return trace_->pid(l) < trace_->pid(r);
    case TidColumn:
        return trace_->tid(l) < trace_->tid(r);
    case ProcessColumn:
        return processRanks_.value(trace_->pid(l)) < processRanks_.value(trace_->pid(r));
    case SyscallColumn:
        return syscallRanks_.value(trace_->nr(l)) < syscallRanks_.value(trace_->nr(r));
    case ArgumentsColumn:
        return trace_->arg(l, 0) < trace_->arg(r, 0);
    case ReturnColumn:
        return returnSortKey(l) < returnSortKey(r);
    default:
        return false;
    }
}

QVariant SyscallEventModel::alignment(int column) {
    switch (column) {
    case TimeColumn:
    case PidColumn:
    case TidColumn:
    case ReturnColumn:
        return QVariant::fromValue(Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
    default:
        return QVariant::fromValue(Qt::Alignment(Qt::AlignLeft | Qt::AlignVCenter));
    }
}

QVariant SyscallEventModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::TextAlignmentRole)
        return alignment(section);
    if (role == Qt::DisplayRole) {
        switch (section) {
        case TimeColumn:
            return tr("Time");
        case PidColumn:
            return tr("PID");
        case TidColumn:
            return tr("TID");
        case ProcessColumn:
            return tr("Process");
        case SyscallColumn:
            return tr("Syscall");
        case ArgumentsColumn:
            return tr("Arguments");
        case ReturnColumn:
            return tr("Return");
        default:
            return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case TimeColumn:
            return tr("Seconds since the start of the trace");
        case PidColumn:
            return tr("Process (thread group) id");
        case TidColumn:
            return tr("Thread id");
        case ProcessColumn:
            return tr("The executable the process was running");
        case ArgumentsColumn:
            return tr("The six raw argument registers");
        case ReturnColumn:
            return tr("The return value; errors as their errno name, ? when the call never returned");
        default:
            return {};
        }
    }
    return {};
}

} // namespace swb
