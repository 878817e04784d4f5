#pragma once

#include "model/trace.h"
#include "phase/phase.h"
#include "timeline/timeline_coordinates.h"
#include "timeline/timeline_lanes.h"

#include <QWidget>

#include <limits>
#include <memory>
#include <optional>
#include <vector>

namespace swb {

class PhaseBoundaryHandle;

// The events of a trace over time: one lane per process and per thread of a multi-threaded
// process, a time axis, and the phase boundary (init on the left, serving on the right).
// Every lane folds the events of one pixel column into one mark coloured by the column's most
// frequent syscall category, so a repaint costs the visible events, not the trace.
//
// Zoom: wheel, +/-, Ctrl+0 fits. Pan: drag an empty area, Left/Right (when the boundary handle
// does not have focus). The boundary belongs to the caller (the review session): the view shows
// what setBoundary() gave it, previews a drag and reports one boundaryCommitted per change.
class TimelineView : public QWidget {
    Q_OBJECT
public:
    // No boundary: everything is init, no handle.
    static constexpr qint64 kNoBoundary = std::numeric_limits<qint64>::max();
    static constexpr int kAxisHeight = 24;
    static constexpr int kLaneHeight = 18;

    explicit TimelineView(QWidget* parent = nullptr);
    ~TimelineView() override;

    void setTrace(std::shared_ptr<const Trace> trace);
    const timeline::TimelineLanes& lanes() const { return lanes_; }
    int laneCount() const { return static_cast<int>(lanes_.lanes().size()); }
    QString laneLabel(int lane) const;
    // The row of LANE in widget coordinates, labels excluded; the lane at a point, -1 for none.
    QRect laneRect(int lane) const;
    int laneAt(QPoint pos) const;
    // Where time is drawn: right of the labels, below the axis, left of the right inset.
    QRect plotRect() const;
    // Empty room right of the plot (so that a chart below, whose last axis label needs room, can
    // line its plot area up with this one).
    void setRightInset(int pixels);
    int rightInset() const { return rightInset_; }

    timeline::TimeRange visibleRange() const { return range_; }
    timeline::TimeRange fullRange() const { return lanes_.fullRange(); }
    // Widget x for a time and back, over plotRect().
    double timeToX(qint64 timeNs) const;
    qint64 xToTime(double x) const;

    qint64 boundary() const { return boundaryNs_; }
    // While the handle is dragged: where it is now.
    std::optional<qint64> previewBoundary() const { return previewNs_; }
    const std::vector<BoundaryCandidate>& candidates() const { return candidates_; }
    // The x of a candidate's marker in the axis.
    double candidateX(std::size_t index) const { return timeToX(candidates_.at(index).timeNs); }
    int highlightedSyscall() const { return highlightNr_; }
    PhaseBoundaryHandle* boundaryHandle() const { return handle_; }

    // The text the tooltip shows at POS (a lane column, a candidate marker, a label); empty for none.
    QString toolTipAt(QPoint pos) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

public slots:
    void setVisibleRange(qint64 startNs, qint64 endNs);
    // Zooms by FACTOR (> 1 in) keeping ANCHOR where it is on screen.
    void zoomAt(double factor, qint64 anchorNs);
    void fitAll();
    // The value the view shows; kNoBoundary for none.
    void setBoundary(qint64 ns);
    void setCandidates(std::vector<swb::BoundaryCandidate> candidates);
    // Emphasizes one syscall's occurrences and dims the rest; -1 shows all alike.
    void highlightSyscall(int nr);

signals:
    void visibleRangeChanged(qint64 startNs, qint64 endNs);
    // The boundary where the drag has it now (not committed).
    void boundaryPreview(qint64 ns);
    // Once per drag (on release), per Left/Right press on the handle, per candidate click.
    void boundaryCommitted(qint64 oldNs, qint64 newNs);

protected:
    bool event(QEvent* event) override;
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;

private:
    int labelWidth() const { return labelWidth_; }
    int candidateAt(QPoint pos) const;
    void placeHandle();
    void ensureVisible(qint64 timeNs);
    qint64 snapToEvent(double x) const;
    void onHandleMoved(double x);
    void onHandleFinished(double x);
    void onHandleCancelled();
    void onHandleStep(int direction);
    void paintAxis(QPainter& p) const;
    void paintLanes(QPainter& p);

    timeline::TimelineLanes lanes_;
    timeline::TimeRange range_;
    qint64 boundaryNs_ = kNoBoundary;
    std::optional<qint64> previewNs_;
    std::vector<BoundaryCandidate> candidates_;
    int highlightNr_ = -1;
    int labelWidth_ = 120;
    int rightInset_ = 0;
    PhaseBoundaryHandle* handle_;
    // Panning by drag: where it started.
    std::optional<QPointF> panPress_;
    timeline::TimeRange panStartRange_;
    // Reused by every repaint.
    std::vector<std::vector<timeline::ColumnMark>> marks_;
};

} // namespace swb
