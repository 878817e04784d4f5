#pragma once

#include "model/trace.h"
#include "phase/phase.h"

#include <QWidget>

#include <memory>
#include <vector>

class QScrollArea;
class QSplitter;

namespace swb {

class CumulativeChart;
class TimelineView;

// The timeline over the cumulative unique-syscall chart, their time axes aligned: the chart's plot
// area spans the timeline's lanes and follows its zoom and pan; both show the boundary (the chart
// also while it is dragged).
class TimelinePanel : public QWidget {
    Q_OBJECT
public:
    explicit TimelinePanel(QWidget* parent = nullptr);

    void setTrace(std::shared_ptr<const Trace> trace);
    TimelineView* timelineView() const { return view_; }
    CumulativeChart* chart() const { return chart_; }

public slots:
    void setBoundary(qint64 ns);
    void setCandidates(std::vector<swb::BoundaryCandidate> candidates);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void alignChart();

    QSplitter* splitter_;
    QScrollArea* scroll_;
    TimelineView* view_;
    CumulativeChart* chart_;
};

} // namespace swb
