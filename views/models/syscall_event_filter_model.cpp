#include "models/syscall_event_filter_model.h"

#include "models/item_roles.h"
#include "models/syscall_event_model.h"

namespace swb {

SyscallEventFilterModel::SyscallEventFilterModel(QObject* parent)
    : QSortFilterProxyModel(parent) {
    setSortRole(SortRole);
}

void SyscallEventFilterModel::setSourceModel(QAbstractItemModel* sourceModel) {
    disconnect(resetConnection_);
    matchByNumber_.clear();
    QSortFilterProxyModel::setSourceModel(sourceModel);
    events_ = qobject_cast<SyscallEventModel*>(sourceModel);
    // A new trace may name its numbers differently (another architecture): forget the old matches
    // before the proxy maps the new rows.
    if (sourceModel)
        resetConnection_ = connect(sourceModel, &QAbstractItemModel::modelAboutToBeReset, this,
                                   [this] { matchByNumber_.clear(); });
}

void SyscallEventFilterModel::setSyscallFilter(const QString& text) {
    if (text == syscallFilter_)
        return;
    syscallFilter_ = text;
    matchByNumber_.clear();
    // Not invalidateRowsFilter(): it removes and inserts rows range by range, and each range moves the
    // rest of the mapping, so changing the filter on a million interleaved events took a minute.
    // Rebuilding the mapping is linear (plus the sort, when sorted).
    invalidate();
}

bool SyscallEventFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
    if (syscallFilter_.isEmpty())
        return true;
    const QModelIndex index = sourceModel()->index(sourceRow, SyscallEventModel::SyscallColumn, sourceParent);
    const int nr = index.data(SyscallNumberRole).toInt();
    auto it = matchByNumber_.find(nr);
    if (it == matchByNumber_.end())
        it = matchByNumber_.insert(
            nr, index.data(Qt::DisplayRole).toString().contains(syscallFilter_, Qt::CaseInsensitive));
    return *it;
}

bool SyscallEventFilterModel::lessThan(const QModelIndex& left, const QModelIndex& right) const {
    // The typed comparison orders like SortRole with case-sensitive names; anything else goes through
    // the QVariant comparison.
    if (events_ && sortRole() == SortRole && sortCaseSensitivity() == Qt::CaseSensitive &&
        !isSortLocaleAware())
        return events_->rowLessThan(left.row(), right.row(), left.column());
    return QSortFilterProxyModel::lessThan(left, right);
}

} // namespace swb
