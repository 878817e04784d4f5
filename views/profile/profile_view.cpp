#include "profile/profile_view.h"

#include "evidence/syscall_knowledge_resource.h"
#include "model/syscall_table.h"
#include "profile/profile_io.h"

#include <QFile>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

#include <cstring>

namespace swb {

namespace {

QString actionText(SeccompAction action, int errnoRet, int defaultErrno) {
    QString text = QString::fromLatin1(seccompActionName(action));
    if (action == SeccompAction::Errno) {
        const int e = errnoRet >= 0 ? errnoRet : defaultErrno;
        text += QStringLiteral(" (%1)").arg(
            QString::fromLocal8Bit(::strerrordesc_np(e) ? ::strerrordesc_np(e) : "?"));
    }
    return text;
}

QString conditionsText(const ProfileRule& r) {
    QStringList parts;
    for (const ArgCondition& c : r.args) {
        QString op = QString::fromLatin1(argOpName(c.op)).remove(QStringLiteral("SCMP_CMP_"));
        if (c.op == ArgOp::MaskedEqual)
            parts
                << QStringLiteral("arg%1 & %2 == %3").arg(c.index).arg(c.value, 0, 16).arg(c.valueTwo, 0, 16);
        else
            parts << QStringLiteral("arg%1 %2 0x%3").arg(c.index).arg(op).arg(c.value, 0, 16);
    }
    return parts.join(QStringLiteral(" and "));
}

} // namespace

ProfileRulesModel::ProfileRulesModel(QObject* parent)
    : QAbstractTableModel(parent) {}

void ProfileRulesModel::setProfile(Profile profile) {
    beginResetModel();
    profile_ = std::move(profile);
    endResetModel();
}

int ProfileRulesModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(profile_.rules.size());
}

int ProfileRulesModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ProfileRulesModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount)
        return {};
    const ProfileRule& r = profile_.rules[static_cast<std::size_t>(index.row())];
    const SyscallKnowledge* k = bundledSyscallKnowledge().find(r.name);
    const bool sort = role == SortRole;
    if (role == Qt::ToolTipRole && index.column() == NameColumn && k)
        return QString::fromStdString(k->description);
    if (role == Qt::ToolTipRole && index.column() == ReasonColumn)
        return QString::fromStdString(r.reason);
    if (role == Qt::TextAlignmentRole && index.column() == NumberColumn)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole && !sort)
        return {};
    switch (static_cast<Column>(index.column())) {
    case NameColumn:
        return QString::fromStdString(r.name);
    case NumberColumn:
        if (!r.nr)
            return sort ? QVariant(-1) : QVariant(tr("unknown"));
        return *r.nr;
    case ActionColumn:
        return actionText(r.action, r.errnoRet, profile_.defaultErrno);
    case ConditionsColumn:
        return conditionsText(r);
    case RiskColumn:
        if (sort)
            return static_cast<int>(k ? k->risk : SyscallRisk::Low);
        return k ? QString::fromLatin1(riskName(k->risk)) : QString();
    case GroupColumn:
        return QString::fromStdString(r.group);
    case ReasonColumn:
        return QString::fromStdString(r.reason);
    case ColumnCount:
        break;
    }
    return {};
}

QVariant ProfileRulesModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (static_cast<Column>(section)) {
    case NameColumn:
        return tr("Syscall");
    case NumberColumn:
        return tr("Nr");
    case ActionColumn:
        return tr("Action");
    case ConditionsColumn:
        return tr("Only when");
    case RiskColumn:
        return tr("Risk");
    case GroupColumn:
        return tr("Group");
    case ReasonColumn:
        return tr("Reason");
    case ColumnCount:
        break;
    }
    return {};
}

ProfileView::ProfileView(QWidget* parent)
    : QWidget(parent)
    , model_(new ProfileRulesModel(this))
    , proxy_(new QSortFilterProxyModel(this))
    , summary_(new QLabel(this))
    , filter_(new QLineEdit(this))
    , table_(new QTableView(this)) {
    setObjectName(QStringLiteral("profileView"));
    proxy_->setSourceModel(model_);
    proxy_->setSortRole(ProfileRulesModel::SortRole);
    proxy_->setFilterKeyColumn(-1); // name, group, reason, ...
    proxy_->setFilterCaseSensitivity(Qt::CaseInsensitive);
    summary_->setObjectName(QStringLiteral("profileSummary"));
    summary_->setWordWrap(true);
    summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    filter_->setObjectName(QStringLiteral("profileFilter"));
    filter_->setPlaceholderText(tr("Filter rules (syscall, group, reason)"));
    filter_->setClearButtonEnabled(true);
    connect(filter_, &QLineEdit::textChanged, proxy_, &QSortFilterProxyModel::setFilterFixedString);
    table_->setObjectName(QStringLiteral("profileRules"));
    table_->setModel(proxy_);
    table_->setSortingEnabled(true);
    table_->sortByColumn(ProfileRulesModel::NameColumn, Qt::AscendingOrder);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->verticalHeader()->hide();
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->setWordWrap(false);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(summary_);
    layout->addWidget(filter_);
    layout->addWidget(table_, 1);
}

void ProfileView::openProfile(const QString& path) {
    model_->setProfile(loadProfile(QFile::encodeName(path).toStdString()));
    path_ = path;
    summary_->setText(summaryText());
}

QString ProfileView::summaryText() const {
    const Profile& p = model_->profile();
    const auto all = p.allowedNumbers(true);
    const auto unconditional = p.allowedNumbers(false);
    int dangerous = 0, blocked = 0;
    const SyscallTable& table = SyscallTable::forArch(p.arch);
    for (const auto& [name, k] : bundledSyscallKnowledge().entries()) {
        const auto nr = table.number(name);
        if (!nr || k.risk < SyscallRisk::High)
            continue;
        ++dangerous;
        blocked += all.count(*nr) ? 0 : 1;
    }
    QString text = tr("Default action %1 · %2 syscalls allowed (%3 only under argument conditions) · "
                      "blocks %4 of %5 dangerous syscalls · %6 rules")
                       .arg(actionText(p.defaultAction, p.defaultErrno, p.defaultErrno))
                       .arg(all.size())
                       .arg(all.size() - unconditional.size())
                       .arg(blocked)
                       .arg(dangerous)
                       .arg(p.rules.size());
    if (!p.warnings.empty())
        text += QLatin1Char('\n') + tr("%1 import warnings (status bar)").arg(p.warnings.size());
    return text;
}

QStringList ProfileView::warnings() const {
    QStringList out;
    for (const auto& w : model_->profile().warnings)
        out << QString::fromStdString(w);
    return out;
}

} // namespace swb
