#include "timeline/cumulative_chart.h"

#include <QChart>
#include <QLineSeries>
#include <QValueAxis>

#include <cmath>
#include <vector>

namespace swb {

namespace {

constexpr double kNsPerSecond = 1e9;
const QSize kMinimumChartSize(160, 120);

double seconds(qint64 ns) {
    return static_cast<double>(ns) / kNsPerSecond;
}

} // namespace

CumulativeChart::CumulativeChart(QWidget* parent)
    : QChartView(parent)
    , curve_(new QLineSeries)
    , boundaryLine_(new QLineSeries)
    , timeAxis_(new QValueAxis)
    , countAxis_(new QValueAxis) {
    setObjectName(QStringLiteral("cumulativeChart"));
    setAccessibleName(tr("Unique system calls over time"));
    setRenderHint(QPainter::Antialiasing);

    auto* chart = new QChart;
    chart->legend()->hide();
    chart->setMargins(QMargins(0, 0, 0, 0));
    chart->setBackgroundRoundness(0);
    chart->setBackgroundBrush(palette().color(QPalette::Base));
    curve_->setName(tr("Unique syscalls"));
    boundaryLine_->setName(tr("Phase boundary"));
    QPen curvePen(palette().color(QPalette::Highlight));
    curvePen.setWidthF(2);
    curve_->setPen(curvePen);
    QPen boundaryPen(palette().color(QPalette::Text));
    boundaryPen.setStyle(Qt::DashLine);
    boundaryLine_->setPen(boundaryPen);
    chart->addSeries(curve_);
    chart->addSeries(boundaryLine_);

    timeAxis_->setLabelFormat(QStringLiteral("%.4g s"));
    timeAxis_->setLabelsColor(palette().color(QPalette::Text));
    countAxis_->setLabelFormat(QStringLiteral("%d"));
    countAxis_->setLabelsColor(palette().color(QPalette::Text));
    countAxis_->setTitleText(tr("syscalls"));
    countAxis_->setTitleBrush(palette().color(QPalette::Text));
    chart->addAxis(timeAxis_, Qt::AlignBottom);
    chart->addAxis(countAxis_, Qt::AlignLeft);
    for (auto* series : {curve_, boundaryLine_}) {
        series->attachAxis(timeAxis_);
        series->attachAxis(countAxis_);
    }
    // QChartView makes the chart's minimum size its own and never lowers it again; the chart's own
    // minimum follows its margins. Both stay small so that steering the margins (applyPlotArea)
    // never widens the window.
    chart->setMinimumSize(kMinimumChartSize);
    setChart(chart);
    connect(chart, &QChart::plotAreaChanged, this, [this](const QRectF& plot) {
        // The layout that just ran used the current margins: what lies between a margin and the
        // plot area is the axis labels' room, which applyPlotArea keeps.
        const QMargins m = this->chart()->margins();
        const int left = qRound(plot.left()) - m.left();
        const int right = qRound(this->chart()->size().width() - plot.right()) - m.right();
        const bool changed = left != axisLeft_ || right != axisRight_;
        axisLeft_ = left;
        axisRight_ = right;
        applyPlotArea();
        if (changed)
            emit axisRoomChanged();
    });
}

void CumulativeChart::setTrace(std::shared_ptr<const Trace> trace) {
    QList<QPointF> points;
    uniqueCount_ = 0;
    qint64 end = 1;
    if (trace) {
        // Each first use of a syscall is a step: the curve holds its count until that time.
        std::vector<std::pair<qint64, int>> firsts; // time, syscall
        std::vector<qint64> firstSeen;
        for (std::size_t i = 0; i < trace->eventCount(); ++i) {
            const int nr = trace->nr(i);
            if (nr < 0)
                continue;
            if (static_cast<std::size_t>(nr) >= firstSeen.size())
                firstSeen.resize(static_cast<std::size_t>(nr) + 1, -1);
            qint64& first = firstSeen[static_cast<std::size_t>(nr)];
            if (first < 0 || trace->timeNs(i) < first)
                first = trace->timeNs(i);
        }
        for (std::size_t nr = 0; nr < firstSeen.size(); ++nr)
            if (firstSeen[nr] >= 0)
                firsts.emplace_back(firstSeen[nr], static_cast<int>(nr));
        std::sort(firsts.begin(), firsts.end());
        end = std::max<qint64>(trace->durationNs(), 1);
        points.append({0.0, 0.0});
        for (const auto& [time, nr] : firsts) {
            points.append({seconds(time), static_cast<double>(uniqueCount_)});
            ++uniqueCount_;
            points.append({seconds(time), static_cast<double>(uniqueCount_)});
        }
        points.append({seconds(end), static_cast<double>(uniqueCount_)});
    }
    curve_->replace(points);
    countAxis_->setRange(0, std::max(1, uniqueCount_) * 1.05);
    countAxis_->applyNiceNumbers();
    setVisibleRange(0, end);
    setBoundary(boundaryNs_);
}

void CumulativeChart::setVisibleRange(qint64 startNs, qint64 endNs) {
    endNs = std::max(endNs, startNs + 1);
    timeAxis_->setRange(seconds(startNs), seconds(endNs));
    // Ticks on round times (1-2-5 steps), about five of them, like the timeline's axis.
    const double wanted = seconds(endNs - startNs) / 5;
    const double decade = std::pow(10.0, std::floor(std::log10(wanted)));
    double step = decade;
    for (const double m : {2.0, 5.0, 10.0})
        if (step < wanted)
            step = decade * m;
    timeAxis_->setTickType(QValueAxis::TicksDynamic);
    timeAxis_->setTickAnchor(0.0);
    timeAxis_->setTickInterval(step);
}

void CumulativeChart::setBoundary(qint64 ns) {
    boundaryNs_ = ns;
    if (ns == std::numeric_limits<qint64>::max()) {
        boundaryLine_->clear();
        return;
    }
    const double top = countAxis_->max();
    boundaryLine_->replace(QList<QPointF>{{seconds(ns), 0.0}, {seconds(ns), top}});
}

void CumulativeChart::setPlotExtent(int left, int right) {
    plotLeft_ = left;
    plotRight_ = right;
    applyPlotArea();
}

void CumulativeChart::resizeEvent(QResizeEvent* event) {
    QChartView::resizeEvent(event);
    setMinimumSize(kMinimumChartSize);
    applyPlotArea();
}

void CumulativeChart::applyPlotArea() {
    if (plotLeft_ < 0 || plotRight_ <= plotLeft_ || axisLeft_ < 0 || axisRight_ < 0)
        return;
    // The chart lays out its axes itself (a fixed QChart::setPlotArea leaves them unlaid in Qt 6.4),
    // so steer the plot area through the margins: margin = wanted edge - the axis labels' room. The
    // margins follow from the wanted extent alone, never from the previous margins, so a call
    // before the chart has laid itself out again cannot add a correction twice. The chart fills
    // the viewport, so viewport x is chart x.
    const QPoint origin = viewport()->mapTo(this, QPoint(0, 0));
    const int chartWidth = qRound(chart()->size().width());
    const int most = std::max(0, chartWidth / 2);
    const int left = std::clamp(plotLeft_ - origin.x() - axisLeft_, 0, most);
    const int right = std::clamp(chartWidth - (plotRight_ - origin.x()) - axisRight_, 0, most);
    const QMargins margins = chart()->margins();
    if (margins.left() == left && margins.right() == right)
        return;
    chart()->setMargins(QMargins(left, margins.top(), right, margins.bottom()));
}

} // namespace swb
