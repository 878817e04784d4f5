#pragma once

#include <QHash>
#include <QPointer>
#include <QSortFilterProxyModel>

namespace swb {

class SyscallEventModel;

// Sorts the events of a SyscallEventModel by SortRole and keeps the rows whose syscall name contains
// a text (case-insensitive). The match is decided once per syscall number, so filtering a million
// events compares each distinct name once.
class SyscallEventFilterModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit SyscallEventFilterModel(QObject* parent = nullptr);

    void setSourceModel(QAbstractItemModel* sourceModel) override;

    QString syscallFilter() const { return syscallFilter_; }
    // An empty text shows every event.
    void setSyscallFilter(const QString& text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

private:
    QPointer<SyscallEventModel> events_; // the source, when it is a SyscallEventModel
    QString syscallFilter_;
    mutable QHash<int, bool> matchByNumber_;
    QMetaObject::Connection resetConnection_;
};

} // namespace swb
