#pragma once

#include "model/trace.h"

#include <QChartView>

#include <limits>
#include <memory>

class QLineSeries;
class QValueAxis;

namespace swb {

// Unique syscalls seen so far over time (a step line), with the phase boundary as a vertical line.
// The x axis is in seconds since trace start and follows the timeline's visible range.
class CumulativeChart : public QChartView {
    Q_OBJECT
public:
    explicit CumulativeChart(QWidget* parent = nullptr);

    void setTrace(std::shared_ptr<const Trace> trace);
    // Points of the step line: (seconds, unique syscalls so far).
    QLineSeries* curve() const { return curve_; }
    QLineSeries* boundaryLine() const { return boundaryLine_; }
    QValueAxis* timeAxis() const { return timeAxis_; }
    // Unique syscalls by the end of the trace.
    int uniqueCount() const { return uniqueCount_; }
    // The room the axis labels need right of the plot area (the last time label's overhang), from
    // the last layout; -1 before the first.
    int axisRoomRight() const { return axisRight_; }

signals:
    void axisRoomChanged();

public slots:
    void setVisibleRange(qint64 startNs, qint64 endNs);
    // The boundary, or TimelineView::kNoBoundary for none.
    void setBoundary(qint64 ns);
    // Places the plot area between widget x LEFT and RIGHT so that it lines up with the timeline.
    void setPlotExtent(int left, int right);

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void applyPlotArea();

    QLineSeries* curve_;
    QLineSeries* boundaryLine_;
    QValueAxis* timeAxis_;
    QValueAxis* countAxis_;
    int uniqueCount_ = 0;
    qint64 boundaryNs_ = std::numeric_limits<qint64>::max();
    int plotLeft_ = -1;
    int plotRight_ = -1;
    // The room the axis labels take between a margin and the plot area, from the last layout.
    int axisLeft_ = -1;
    int axisRight_ = -1;
};

} // namespace swb
