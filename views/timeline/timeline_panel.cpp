#include "timeline/timeline_panel.h"

#include "timeline/cumulative_chart.h"
#include "timeline/timeline_view.h"

#include <QEvent>
#include <QScrollArea>
#include <QSplitter>
#include <QVBoxLayout>

namespace swb {

TimelinePanel::TimelinePanel(QWidget* parent)
    : QWidget(parent)
    , splitter_(new QSplitter(Qt::Vertical, this))
    , scroll_(new QScrollArea(splitter_))
    , view_(new TimelineView)
    , chart_(new CumulativeChart(splitter_)) {
    setObjectName(QStringLiteral("timelinePanel"));
    setAccessibleName(tr("Timeline and unique system calls"));
    splitter_->setObjectName(QStringLiteral("timelineSplitter"));
    scroll_->setObjectName(QStringLiteral("timelineScrollArea"));
    // Many lanes scroll vertically; time never scrolls here, the view zooms and pans it.
    scroll_->setWidgetResizable(true);
    scroll_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll_->setFrameShape(QFrame::NoFrame);
    scroll_->setWidget(view_);
    chart_->setFrameShape(QFrame::NoFrame);
    splitter_->addWidget(scroll_);
    splitter_->addWidget(chart_);
    splitter_->setStretchFactor(0, 3);
    splitter_->setStretchFactor(1, 1);
    // The curve reads well at a few hundred pixels; the lanes get the rest of a tall window.
    chart_->setMaximumHeight(300);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(splitter_);

    connect(view_, &TimelineView::visibleRangeChanged, chart_, &CumulativeChart::setVisibleRange);
    connect(view_, &TimelineView::boundaryPreview, chart_, &CumulativeChart::setBoundary);
    connect(chart_, &CumulativeChart::axisRoomChanged, this, &TimelinePanel::alignChart);
    view_->installEventFilter(this);
    chart_->installEventFilter(this);
}

void TimelinePanel::setTrace(std::shared_ptr<const Trace> trace) {
    chart_->setTrace(trace);
    view_->setTrace(std::move(trace));
    view_->setMinimumHeight(view_->minimumSizeHint().height());
    // The lanes get the room they need (up to 60%), the chart the rest.
    const int total = splitter_->height();
    const int lanes = std::min(view_->minimumHeight() + 2, total * 3 / 5);
    splitter_->setSizes({lanes, std::max(0, total - lanes)});
    const auto range = view_->visibleRange();
    chart_->setVisibleRange(range.startNs, range.endNs);
    alignChart();
}

void TimelinePanel::setBoundary(qint64 ns) {
    view_->setBoundary(ns);
    chart_->setBoundary(ns);
}

void TimelinePanel::setCandidates(std::vector<BoundaryCandidate> candidates) {
    view_->setCandidates(std::move(candidates));
}

bool TimelinePanel::eventFilter(QObject* watched, QEvent* event) {
    if ((watched == view_ || watched == chart_) &&
        (event->type() == QEvent::Resize || event->type() == QEvent::Move))
        alignChart();
    return QWidget::eventFilter(watched, event);
}

void TimelinePanel::alignChart() {
    // The chart's plot area cannot reach its right edge (the last time label needs room there):
    // the lanes leave as much room on their right, so both plots end at the same x.
    if (chart_->axisRoomRight() >= 0) {
        const int viewEdge = view_->mapTo(this, QPoint(view_->width(), 0)).x();
        const int chartEdge = chart_->mapTo(this, QPoint(chart_->width(), 0)).x();
        view_->setRightInset(std::max(0, viewEdge - (chartEdge - chart_->axisRoomRight())));
    }
    const QRect plot = view_->plotRect();
    const int left = view_->mapTo(this, plot.topLeft()).x() - chart_->mapTo(this, QPoint(0, 0)).x();
    chart_->setPlotExtent(left, left + plot.width());
}

} // namespace swb
