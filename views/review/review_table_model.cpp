#include "review/review_table_model.h"

#include "evidence/syscall_knowledge_resource.h"
#include "model/syscall_category.h"
#include "profile/profile_builder.h"
#include "review/review_session.h"

#include <QIcon>

#include <set>

namespace swb {

namespace {
QString phaseName(PhaseSelection p) {
    return p == PhaseSelection::All    ? QObject::tr("all")
           : p == PhaseSelection::Init ? QObject::tr("init")
                                       : QObject::tr("serving");
}
} // namespace

ReviewTableModel::ReviewTableModel(ReviewSession* session, QObject* parent)
    : QAbstractTableModel(parent)
    , session_(session) {
    connect(session_, &ReviewSession::projectLoaded, this, [this] {
        rebuild();
        takeReference();
    });
    connect(session_, &ReviewSession::evidenceChanged, this, &ReviewTableModel::refreshValues);
    connect(session_, &ReviewSession::decisionsChanged, this, &ReviewTableModel::rebuild);
    rebuild();
    takeReference();
}

void ReviewTableModel::takeReference() {
    reference_.clear();
    for (int nr : rows_)
        reference_[nr] = {session_->allowed(nr, Phase::Init), session_->allowed(nr, Phase::Serving)};
    if (!rows_.empty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1), {ChangedRole});
}

void ReviewTableModel::rebuild() {
    std::set<int> nrs;
    for (const auto& [nr, e] : session_->evidence().bySyscall)
        nrs.insert(nr);
    const SyscallTable& table = SyscallTable::forArch(Arch::X86_64);
    for (const auto& d : session_->project().decisions)
        if (auto nr = table.number(d.syscall))
            nrs.insert(*nr);
    std::vector<int> rows(nrs.begin(), nrs.end());
    if (rows != rows_) {
        beginResetModel();
        rows_ = std::move(rows);
        endResetModel();
    } else if (!rows_.empty()) {
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
    }
}

// The same rows with new values, or new rows when the evidence gained or lost syscalls.
void ReviewTableModel::refreshValues() {
    rebuild();
}

int ReviewTableModel::rowOf(int nr) const {
    auto it = std::lower_bound(rows_.begin(), rows_.end(), nr);
    return it != rows_.end() && *it == nr ? static_cast<int>(it - rows_.begin()) : -1;
}

int ReviewTableModel::numberAt(int row) const {
    return row >= 0 && row < rowCount() ? rows_[static_cast<std::size_t>(row)] : -1;
}

int ReviewTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int ReviewTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ReviewTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const int nr = rows_[static_cast<std::size_t>(index.row())];
    const std::string name = SyscallTable::forArch(Arch::X86_64).name(nr);
    const auto& ev = session_->evidence().bySyscall;
    const auto it = ev.find(nr);
    const SyscallEvidence* e = it != ev.end() ? &it->second : nullptr;
    const SyscallKnowledge* k = bundledSyscallKnowledge().find(name);
    const bool init = session_->allowed(nr, Phase::Init);
    const bool serving = session_->allowed(nr, Phase::Serving);
    std::vector<const ReviewDecision*> decisions;
    for (const auto& d : session_->project().decisions)
        if (d.syscall == name)
            decisions.push_back(&d);
    // Follows the boundary: the evidence per phase is recomputed when it moves.
    auto contradiction = [&] {
        QStringList lines;
        if (e && !decisions.empty())
            for (const auto& line : decisionContradictions(*e, session_->project().decisions))
                lines << QString::fromStdString(line);
        return lines.join(QLatin1Char('\n'));
    };

    switch (role) {
    case NumberRole:
        return nr;
    case RiskRole:
        return static_cast<int>(k ? k->risk : SyscallRisk::Low);
    case EvidenceRole:
        return static_cast<int>(e ? e->kind() : EvidenceKind::None);
    case ReviewedRole:
        return !decisions.empty();
    case IndirectOnlyRole:
        return e && e->statics && !e->statics->direct;
    case ContradictionRole:
        return contradiction();
    case Qt::DecorationRole:
        if (index.column() == DecisionColumn && !contradiction().isEmpty())
            return QIcon(QStringLiteral(":/swb/contradiction.svg"));
        return {};
    case ChangedRole: {
        auto r = reference_.find(nr);
        return r != reference_.end() && (r->second.first != init || r->second.second != serving);
    }
    case Qt::TextAlignmentRole:
        if (index.column() == NumberColumn || index.column() == InitCountColumn ||
            index.column() == ServingCountColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ToolTipRole:
        if (index.column() == DecisionColumn && !decisions.empty()) {
            QString tip;
            if (const QString against = contradiction(); !against.isEmpty())
                tip += tr("Contradicts the evidence: %1. The program made this call in that phase "
                          "and will get an error there.\n")
                           .arg(against.split(QLatin1Char('\n')).join(QStringLiteral("; ")));
            for (const auto* d : decisions)
                tip += QStringLiteral("%1 (%2): %3\n")
                           .arg(QString::fromLatin1(verdictName(d->verdict)), phaseName(d->phase),
                                QString::fromStdString(d->note));
            return tip.trimmed();
        }
        if (k && index.column() == NameColumn)
            return QString::fromStdString(k->description);
        if (index.column() == EvidenceColumn && e && e->statics && !e->statics->direct)
            return tr("The static analysis reaches this syscall only through indirect calls: every path "
                      "from an entry calls through a function pointer, so only the indirect-call model "
                      "allows it. If the workload never made it, it is a candidate for denial.");
        return {};
    case SortValueRole:
    case Qt::DisplayRole:
        break;
    default:
        return {};
    }
    const bool sort = role == SortValueRole;
    switch (index.column()) {
    case NameColumn:
        return QString::fromStdString(name);
    case NumberColumn:
        return nr;
    case CategoryColumn:
        return QString::fromLatin1(syscallCategoryName(syscallCategory(name)));
    case RiskColumn:
        if (sort)
            return static_cast<int>(k ? k->risk : SyscallRisk::Low);
        return QString::fromLatin1(riskName(k ? k->risk : SyscallRisk::Low));
    case InitCountColumn:
        return qulonglong(e ? e->dynamic[0].count : 0);
    case ServingCountColumn:
        return qulonglong(e ? e->dynamic[1].count : 0);
    case EvidenceColumn:
        if (!e)
            return tr("manual");
        if (e->statics && !e->statics->direct)
            return QVariant(QString::fromLatin1(evidenceKindName(e->kind())) + tr(" (indirect)"));
        return QString::fromLatin1(evidenceKindName(e->kind()));
    case InitAllowedColumn:
        return sort ? QVariant(init) : QVariant(init ? tr("allow") : tr("deny"));
    case ServingAllowedColumn:
        return sort ? QVariant(serving) : QVariant(serving ? tr("allow") : tr("deny"));
    case DecisionColumn: {
        if (decisions.empty())
            return sort ? QVariant(QString()) : QVariant(tr("unreviewed"));
        QString text;
        for (const auto* d : decisions)
            text += (text.isEmpty() ? QString() : QStringLiteral(", ")) +
                    QString::fromLatin1(verdictName(d->verdict)) + QLatin1Char(' ') + phaseName(d->phase);
        return text;
    }
    default:
        return {};
    }
}

QVariant ReviewTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Syscall");
    case NumberColumn:
        return tr("Nr");
    case CategoryColumn:
        return tr("Category");
    case RiskColumn:
        return tr("Risk");
    case InitCountColumn:
        return tr("Init calls");
    case ServingCountColumn:
        return tr("Serving calls");
    case EvidenceColumn:
        return tr("Evidence");
    case InitAllowedColumn:
        return tr("Init");
    case ServingAllowedColumn:
        return tr("Serving");
    case DecisionColumn:
        return tr("Decision");
    default:
        return {};
    }
}

ReviewFilterModel::ReviewFilterModel(QObject* parent)
    : QSortFilterProxyModel(parent) {
    setSortRole(ReviewTableModel::SortValueRole);
    setDynamicSortFilter(true);
}

void ReviewFilterModel::setQuickFilter(Quick q) {
    quick_ = q;
    invalidateRowsFilter();
}

void ReviewFilterModel::setNameFilter(const QString& text) {
    name_ = text.trimmed();
    invalidateRowsFilter();
}

void ReviewFilterModel::setViolated(std::set<int> numbers) {
    violated_ = std::move(numbers);
    if (quick_ == Quick::Violated)
        invalidateFilter();
}

bool ReviewFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
    const QModelIndex i = sourceModel()->index(sourceRow, 0, sourceParent);
    if (!name_.isEmpty() && !i.data(Qt::DisplayRole).toString().contains(name_, Qt::CaseInsensitive))
        return false;
    const auto kind = static_cast<EvidenceKind>(i.data(ReviewTableModel::EvidenceRole).toInt());
    switch (quick_) {
    case Quick::All:
        return true;
    case Quick::Unreviewed:
        return !i.data(ReviewTableModel::ReviewedRole).toBool();
    case Quick::Dangerous:
        return i.data(ReviewTableModel::RiskRole).toInt() >= static_cast<int>(SyscallRisk::High);
    case Quick::StaticOnly:
        return kind == EvidenceKind::Static;
    case Quick::DynamicOnly:
        return kind == EvidenceKind::Dynamic;
    case Quick::IndirectOnly:
        return i.data(ReviewTableModel::IndirectOnlyRole).toBool();
    case Quick::ChangedByBoundary:
        return i.data(ReviewTableModel::ChangedRole).toBool();
    case Quick::Contradicted:
        return !i.data(ReviewTableModel::ContradictionRole).toString().isEmpty();
    case Quick::Violated:
        return violated_.count(i.data(ReviewTableModel::NumberRole).toInt()) > 0;
    }
    return true;
}

} // namespace swb
