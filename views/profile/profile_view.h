#pragma once

#include "profile/profile.h"

#include <QAbstractTableModel>
#include <QWidget>

class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;

namespace swb {

// The rules of a seccomp profile, one row per rule: what a reviewer reads in a profile someone
// else wrote (Docker's default, a vendor's, an exported one) — with each syscall's risk.
class ProfileRulesModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        NameColumn,
        NumberColumn,
        ActionColumn,
        ConditionsColumn,
        RiskColumn,
        GroupColumn,
        ReasonColumn,
        ColumnCount
    };
    Q_ENUM(Column)
    static constexpr int SortRole = Qt::UserRole + 40;

    explicit ProfileRulesModel(QObject* parent = nullptr);
    void setProfile(Profile profile);
    const Profile& profile() const { return profile_; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    Profile profile_;
};

// A profile file opened on its own: a summary (default action, how many syscalls it allows, how
// many of the knowledge base's dangerous syscalls it blocks, import warnings) over the rule table.
class ProfileView : public QWidget {
    Q_OBJECT
public:
    explicit ProfileView(QWidget* parent = nullptr);
    // Throws swb::Error naming the file and the problem.
    void openProfile(const QString& path);
    QString filePath() const { return path_; }
    QString summaryText() const;
    QStringList warnings() const;
    ProfileRulesModel* model() const { return model_; }
    QSortFilterProxyModel* proxy() const { return proxy_; }

private:
    QString path_;
    ProfileRulesModel* model_;
    QSortFilterProxyModel* proxy_;
    QLabel* summary_;
    QLineEdit* filter_;
    QTableView* table_;
};

} // namespace swb
