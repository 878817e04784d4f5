#pragma once

#include "phase/evidence.h"

#include <QAbstractTableModel>
#include <QSortFilterProxyModel>

#include <map>
#include <set>
#include <vector>

namespace swb {

class ReviewSession;

// The review table: one row per syscall with evidence or a decision. Roles carry semantic values
// (numbers, risk and evidence kinds as strings); the view maps them to colours.
class ReviewTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        NameColumn,
        NumberColumn,
        CategoryColumn,
        RiskColumn,
        InitCountColumn,
        ServingCountColumn,
        EvidenceColumn,
        InitAllowedColumn,
        ServingAllowedColumn,
        DecisionColumn,
        ColumnCount
    };
    Q_ENUM(Column)
    enum Role {
        NumberRole = Qt::UserRole + 20, // int
        RiskRole,                       // int: SyscallRisk
        EvidenceRole,                   // int: EvidenceKind
        ReviewedRole,                   // bool: a decision exists
        ChangedRole,                    // bool: phase membership differs from the reference
        IndirectOnlyRole,               // bool: statically reached only through indirect calls
        ContradictionRole,              // QString: how the decisions go against the run-time evidence
        SortValueRole,
    };

    explicit ReviewTableModel(ReviewSession* session, QObject* parent = nullptr);

    // The current phase membership becomes the reference "changed by the boundary" compares to.
    void takeReference();
    int rowOf(int nr) const;
    int numberAt(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    void rebuild();
    void refreshValues();

    ReviewSession* session_;
    std::vector<int> rows_; // syscall numbers
    std::map<int, std::pair<bool, bool>> reference_;
};

// Quick filters and a name filter over the review table.
class ReviewFilterModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    enum class Quick {
        All,
        Unreviewed,
        Dangerous,
        StaticOnly,
        DynamicOnly,
        IndirectOnly,
        ChangedByBoundary,
        Contradicted,
        Violated
    };
    Q_ENUM(Quick)
    explicit ReviewFilterModel(QObject* parent = nullptr);
    void setQuickFilter(Quick q);
    Quick quickFilter() const { return quick_; }
    void setNameFilter(const QString& text);
    // The syscalls the last validation run reported (Quick::Violated keeps only them).
    void setViolated(std::set<int> numbers);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    Quick quick_ = Quick::All;
    QString name_;
    std::set<int> violated_;
};

} // namespace swb
