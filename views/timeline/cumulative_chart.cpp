#include "timeline/cumulative_chart.h"

#include <QChart>
#include <QLineSeries>
#include <QValueAxis>

#include <cmath>
#include <vector>

namespace swb {

namespace {

constexpr double kNsPerSecond = 1e9;

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
    setMinimumHeight(120);

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
    setChart(chart);
    connect(chart, &QChart::plotAreaChanged, this, &CumulativeChart::applyPlotArea);
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
    applyPlotArea();
}

void CumulativeChart::applyPlotArea() {
    if (plotLeft_ < 0 || plotRight_ <= plotLeft_)
        return;
    // The chart lays out its axes itself (a fixed QChart::setPlotArea leaves them unlaid in Qt 6.4),
    // so steer the plot area through the margins: the axis labels keep their width, one correction
    // lines the plot area up. The chart fills the viewport, so viewport x is chart x.
    const QRectF plot = chart()->plotArea();
    const QMargins margins = chart()->margins();
    const QPoint origin = viewport()->mapTo(this, QPoint(0, 0));
    const int wantedLeft = plotLeft_ - origin.x();
    const int wantedRight = plotRight_ - origin.x();
    const int dl = wantedLeft - qRound(plot.left());
    const int dr = qRound(plot.right()) - wantedRight;
    if (dl == 0 && dr == 0)
        return;
    chart()->setMargins(QMargins(std::max(0, margins.left() + dl), margins.top(),
                                 std::max(0, margins.right() + dr), margins.bottom()));
}

} // namespace swb
