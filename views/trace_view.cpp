#include "trace_view.h"

#include "models/item_roles.h"
#include "models/syscall_event_filter_model.h"
#include "models/syscall_event_model.h"
#include "models/syscall_summary_model.h"

#include <QHeaderView>
#include <QLineEdit>
#include <QScrollBar>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace swb {

namespace {

QTableView* makeTable(const QString& objectName, QWidget* parent) {
    auto* table = new QTableView(parent);
    table->setObjectName(objectName);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setAlternatingRowColors(true);
    table->setWordWrap(false);
    table->setTextElideMode(Qt::ElideRight);
    table->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    table->verticalHeader()->hide();
    // Fixed row heights keep scrolling through a million rows cheap: the view never measures rows.
    table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 6);
    table->horizontalHeader()->setHighlightSections(false);
    return table;
}

// Sets each column wide enough for its header and for SAMPLE, a typical widest value.
void sizeColumn(QTableView* table, int column, const QString& sample) {
    const auto& metrics = table->fontMetrics();
    const QString header = table->model()->headerData(column, Qt::Horizontal).toString();
    // Room for the cell margins and, in the header, the sort indicator.
    constexpr int kPadding = 28;
    const int width =
        std::max(metrics.horizontalAdvance(sample), metrics.horizontalAdvance(header)) + kPadding;
    table->horizontalHeader()->resizeSection(column, width);
}

} // namespace

TraceView::TraceView(QWidget* parent)
    : QWidget(parent)
    , eventModel_(new SyscallEventModel(this))
    , eventProxy_(new SyscallEventFilterModel(this))
    , summaryModel_(new SyscallSummaryModel(this))
    , summaryProxy_(new QSortFilterProxyModel(this))
    , splitter_(new QSplitter(Qt::Horizontal, this))
    , summaryTable_(makeTable(QStringLiteral("summaryTable"), splitter_))
    , eventTable_(nullptr)
    , filterEdit_(nullptr) {
    eventProxy_->setSourceModel(eventModel_);
    summaryProxy_->setSourceModel(summaryModel_);
    summaryProxy_->setSortRole(SortRole);

    summaryTable_->setModel(summaryProxy_);
    summaryTable_->setAccessibleName(tr("Syscalls of the trace"));
    summaryTable_->horizontalHeader()->setStretchLastSection(true);
    summaryTable_->setSortingEnabled(true);
    summaryTable_->sortByColumn(SyscallSummaryModel::NameColumn, Qt::AscendingOrder);

    auto* eventPane = new QWidget(splitter_);
    filterEdit_ = new QLineEdit(eventPane);
    filterEdit_->setObjectName(QStringLiteral("eventFilter"));
    filterEdit_->setPlaceholderText(tr("Filter events by syscall name"));
    filterEdit_->setAccessibleName(tr("Syscall name filter"));
    filterEdit_->setClearButtonEnabled(true);
    eventTable_ = makeTable(QStringLiteral("eventTable"), eventPane);
    eventTable_->setModel(eventProxy_);
    eventTable_->setAccessibleName(tr("Syscall events"));
    // Arguments take the room that is left; the other columns keep the widths set in sizeColumns().
    eventTable_->horizontalHeader()->setSectionResizeMode(SyscallEventModel::ArgumentsColumn,
                                                          QHeaderView::Stretch);
    // No initial sort: the trace is already in time order, and sorting a million rows takes a while.
    eventTable_->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
    eventTable_->setSortingEnabled(true);
    auto* eventLayout = new QVBoxLayout(eventPane);
    eventLayout->setContentsMargins(0, 0, 0, 0);
    eventLayout->addWidget(filterEdit_);
    eventLayout->addWidget(eventTable_);

    splitter_->addWidget(summaryTable_);
    splitter_->addWidget(eventPane);
    splitter_->setStretchFactor(0, 0);
    splitter_->setStretchFactor(1, 1);
    splitter_->setChildrenCollapsible(false);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(splitter_);

    filterTimer_.setSingleShot(true);
    filterTimer_.setInterval(kFilterDelayMs);
    connect(&filterTimer_, &QTimer::timeout, this, &TraceView::applyFilter);
    connect(filterEdit_, &QLineEdit::textChanged, &filterTimer_, qOverload<>(&QTimer::start));
    connect(filterEdit_, &QLineEdit::returnPressed, this, &TraceView::applyFilter);

    sizeColumns();
}

void TraceView::setTrace(std::shared_ptr<const Trace> trace, const QString& filePath,
                         const QStringList& warnings) {
    trace_ = std::move(trace);
    filePath_ = filePath;
    warnings_ = warnings;
    eventModel_->setTrace(trace_);
    summaryModel_->setTrace(trace_);
}

QString TraceView::statistics() const {
    return tr("%L1 events, %L2 syscalls, %L3 processes")
        .arg(eventModel_->rowCount())
        .arg(summaryModel_->rowCount())
        .arg(eventModel_->processCount());
}

void TraceView::applyFilter() {
    filterTimer_.stop();
    eventProxy_->setSyscallFilter(filterEdit_->text().trimmed());
}

void TraceView::sizeColumns() {
    sizeColumn(summaryTable_, SyscallSummaryModel::NameColumn, QStringLiteral("rt_sigprocmask"));
    sizeColumn(summaryTable_, SyscallSummaryModel::NumberColumn, QStringLiteral("9999"));
    sizeColumn(summaryTable_, SyscallSummaryModel::CountColumn, QStringLiteral("9999999"));
    sizeColumn(summaryTable_, SyscallSummaryModel::FirstTimeColumn, QStringLiteral("999.999999"));
    int summaryWidth =
        summaryTable_->frameWidth() * 2 + summaryTable_->verticalScrollBar()->sizeHint().width();
    for (int c = 0; c < SyscallSummaryModel::ColumnCount; ++c)
        summaryWidth += summaryTable_->horizontalHeader()->sectionSize(c);
    summaryTable_->setMinimumWidth(summaryWidth / 2);
    splitter_->setSizes({summaryWidth, summaryWidth * 3});

    sizeColumn(eventTable_, SyscallEventModel::TimeColumn, QStringLiteral("999.999999"));
    sizeColumn(eventTable_, SyscallEventModel::PidColumn, QStringLiteral("9999999"));
    sizeColumn(eventTable_, SyscallEventModel::TidColumn, QStringLiteral("9999999"));
    sizeColumn(eventTable_, SyscallEventModel::ProcessColumn, QStringLiteral("process-name"));
    sizeColumn(eventTable_, SyscallEventModel::SyscallColumn, QStringLiteral("rt_sigprocmask"));
    // The highest x86-64 user-space address in decimal: mmap and brk return addresses.
    sizeColumn(eventTable_, SyscallEventModel::ReturnColumn, QStringLiteral("140737488351232"));
}

} // namespace swb
