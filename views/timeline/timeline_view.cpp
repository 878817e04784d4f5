#include "timeline/timeline_view.h"

#include "timeline/phase_boundary_handle.h"
#include "timeline/timeline_style.h"

#include <QHelpEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace swb {

using timeline::TimeRange;

namespace {

constexpr int kLabelPadding = 8;
constexpr int kCandidateHalfWidth = 5;
constexpr int kTooltipTopSyscalls = 5;
constexpr double kZoomStep = 1.25;
constexpr int kMinTickSpacing = 90;

// The smallest 1-2-5 step of at least MINNS.
qint64 niceStep(double minNs) {
    qint64 step = 1;
    while (static_cast<double>(step) < minNs) {
        if (static_cast<double>(step * 2) >= minNs)
            return step * 2;
        if (static_cast<double>(step * 5) >= minNs)
            return step * 5;
        step *= 10;
    }
    return step;
}

QString callCount(int count) {
    return count == 1 ? TimelineView::tr("1 system call") : TimelineView::tr("%1 system calls").arg(count);
}

} // namespace

TimelineView::TimelineView(QWidget* parent)
    : QWidget(parent)
    , handle_(new PhaseBoundaryHandle(this)) {
    setObjectName(QStringLiteral("timelineView"));
    setAccessibleName(tr("Timeline"));
    setAccessibleDescription(tr("System calls over time, one lane per process and thread"));
    setFocusPolicy(Qt::StrongFocus);
    setMouseTracking(true);
    setAutoFillBackground(false);
    handle_->hide();
    connect(handle_, &PhaseBoundaryHandle::dragMoved, this, &TimelineView::onHandleMoved);
    connect(handle_, &PhaseBoundaryHandle::dragFinished, this, &TimelineView::onHandleFinished);
    connect(handle_, &PhaseBoundaryHandle::dragCancelled, this, &TimelineView::onHandleCancelled);
    connect(handle_, &PhaseBoundaryHandle::stepRequested, this, &TimelineView::onHandleStep);
}

TimelineView::~TimelineView() = default;

void TimelineView::setTrace(std::shared_ptr<const Trace> trace) {
    lanes_.setTrace(std::move(trace));
    marks_.assign(lanes_.lanes().size(), {});
    // Process labels are bold, thread labels indented (see paintLanes).
    QFont bold = font();
    bold.setBold(true);
    const QFontMetrics boldMetrics(bold);
    int widest = 0;
    for (const auto& lane : lanes_.lanes())
        widest = std::max(widest, lane.kind == timeline::Lane::Kind::Process
                                      ? boldMetrics.horizontalAdvance(lane.label)
                                      : fontMetrics().horizontalAdvance(lane.label) + kLabelPadding);
    labelWidth_ = std::clamp(widest + 2 * kLabelPadding, 80, 260);
    previewNs_.reset();
    candidates_.clear();
    updateGeometry();
    fitAll();
}

QString TimelineView::laneLabel(int lane) const {
    return lanes_.lanes().at(static_cast<std::size_t>(lane)).label;
}

QRect TimelineView::plotRect() const {
    return QRect(labelWidth_, kAxisHeight, std::max(0, width() - labelWidth_ - rightInset_),
                 std::max(0, height() - kAxisHeight));
}

QRect TimelineView::laneRect(int lane) const {
    return QRect(labelWidth_, kAxisHeight + lane * kLaneHeight,
                 std::max(0, width() - labelWidth_ - rightInset_), kLaneHeight);
}

int TimelineView::laneAt(QPoint pos) const {
    if (pos.y() < kAxisHeight)
        return -1;
    const int lane = (pos.y() - kAxisHeight) / kLaneHeight;
    return lane < laneCount() ? lane : -1;
}

double TimelineView::timeToX(qint64 timeNs) const {
    return labelWidth_ + timeline::timeToPixel(timeNs, range_, plotRect().width());
}

qint64 TimelineView::xToTime(double x) const {
    return timeline::pixelToTime(x - labelWidth_, range_, plotRect().width());
}

void TimelineView::setRightInset(int pixels) {
    pixels = std::max(0, pixels);
    if (pixels == rightInset_)
        return;
    rightInset_ = pixels;
    placeHandle();
    update();
}

QSize TimelineView::sizeHint() const {
    return {800, kAxisHeight + std::max(1, laneCount()) * kLaneHeight + 4};
}

QSize TimelineView::minimumSizeHint() const {
    return {labelWidth_ + 100, kAxisHeight + std::max(1, laneCount()) * kLaneHeight + 4};
}

void TimelineView::setVisibleRange(qint64 startNs, qint64 endNs) {
    const TimeRange full = fullRange();
    TimeRange wanted{startNs, std::max(endNs, startNs + 1)};
    if (full.span() > 0)
        wanted = timeline::panRange(wanted, 0, full);
    if (wanted == range_)
        return;
    range_ = wanted;
    placeHandle();
    update();
    emit visibleRangeChanged(range_.startNs, range_.endNs);
}

void TimelineView::zoomAt(double factor, qint64 anchorNs) {
    const TimeRange full = fullRange();
    if (full.span() <= 0)
        return;
    // At most one ns per pixel.
    const qint64 minSpan = std::max(1, plotRect().width());
    const TimeRange zoomed = timeline::zoomRange(range_, factor, anchorNs, full, minSpan);
    setVisibleRange(zoomed.startNs, zoomed.endNs);
}

void TimelineView::fitAll() {
    const TimeRange full = fullRange();
    setVisibleRange(full.startNs, std::max(full.endNs, full.startNs + 1));
}

void TimelineView::setBoundary(qint64 ns) {
    boundaryNs_ = ns;
    placeHandle();
    update();
}

void TimelineView::setCandidates(std::vector<BoundaryCandidate> candidates) {
    candidates_ = std::move(candidates);
    update();
}

void TimelineView::highlightSyscall(int nr) {
    if (highlightNr_ == nr)
        return;
    highlightNr_ = nr;
    update();
}

void TimelineView::placeHandle() {
    const qint64 shown = previewNs_.value_or(boundaryNs_);
    const bool visible =
        shown != kNoBoundary && lanes_.trace() && shown >= range_.startNs && shown <= range_.endNs;
    if (!visible) {
        if (!handle_->isDragging())
            handle_->hide();
        return;
    }
    handle_->placeAt(timeToX(shown), 0, height() - 1);
    handle_->show();
    handle_->raise();
}

void TimelineView::ensureVisible(qint64 timeNs) {
    if (timeNs >= range_.startNs && timeNs < range_.endNs)
        return;
    const qint64 span = range_.span();
    setVisibleRange(timeNs - span / 2, timeNs - span / 2 + span);
}

qint64 TimelineView::snapToEvent(double x) const {
    const double clamped = std::clamp(x, static_cast<double>(labelWidth_),
                                      static_cast<double>(std::max(labelWidth_, width() - rightInset_)));
    const qint64 raw = xToTime(clamped);
    return lanes_.nearestEventTime(raw).value_or(raw);
}

void TimelineView::onHandleMoved(double x) {
    const qint64 ns = snapToEvent(x);
    if (previewNs_ == ns)
        return;
    previewNs_ = ns;
    placeHandle();
    update();
    emit boundaryPreview(ns);
}

void TimelineView::onHandleFinished(double x) {
    const qint64 ns = snapToEvent(x);
    previewNs_.reset();
    const qint64 old = boundaryNs_;
    if (ns != old)
        emit boundaryCommitted(old, ns);
    // Back to what the owner says the boundary is (already the new value if it applied it).
    placeHandle();
    update();
}

void TimelineView::onHandleCancelled() {
    previewNs_.reset();
    placeHandle();
    update();
    emit boundaryPreview(boundaryNs_);
}

void TimelineView::onHandleStep(int direction) {
    if (boundaryNs_ == kNoBoundary)
        return;
    const auto next =
        direction < 0 ? lanes_.previousEventTime(boundaryNs_) : lanes_.nextEventTime(boundaryNs_);
    if (!next)
        return;
    emit boundaryCommitted(boundaryNs_, *next);
    ensureVisible(boundaryNs_);
    placeHandle();
}

int TimelineView::candidateAt(QPoint pos) const {
    if (pos.y() >= kAxisHeight || pos.x() < labelWidth_)
        return -1;
    int best = -1;
    double bestDistance = kCandidateHalfWidth + 1;
    for (std::size_t i = 0; i < candidates_.size(); ++i) {
        const double distance = std::abs(candidateX(i) - pos.x());
        if (distance < bestDistance) {
            best = static_cast<int>(i);
            bestDistance = distance;
        }
    }
    return best;
}

QString TimelineView::toolTipAt(QPoint pos) const {
    if (!lanes_.trace())
        return {};
    if (const int candidate = candidateAt(pos); candidate >= 0) {
        const auto& c = candidates_[static_cast<std::size_t>(candidate)];
        return tr("Suggested boundary (%1) at %2, event #%3\n%4\nClick to move the boundary here.")
            .arg(QString::fromStdString(std::string(boundaryMethodName(c.method))),
                 timeline::formatTime(c.timeNs, 1000), QString::number(c.event),
                 QString::fromStdString(c.reason));
    }
    const int laneIndex = laneAt(pos);
    if (laneIndex < 0)
        return {};
    const auto& lane = lanes_.lanes()[static_cast<std::size_t>(laneIndex)];
    if (pos.x() < labelWidth_)
        return lane.label + QStringLiteral(": ") + callCount(static_cast<int>(lane.events.size()));
    const int width = plotRect().width();
    const int column = pos.x() - labelWidth_;
    const qint64 from = timeline::columnStart(column, range_, width);
    const qint64 to = timeline::columnStart(column + 1, range_, width);
    const auto counts = lanes_.syscallCounts(lane, from, to);
    if (counts.empty())
        return {};
    const qint64 resolution = std::max<qint64>(1, to - from);
    int total = 0;
    for (const auto& [nr, count] : counts)
        total += count;
    QString text = lane.label + QLatin1Char('\n') + timeline::formatTime(from, resolution) +
                   QStringLiteral(" – ") + timeline::formatTime(to, resolution) + QLatin1Char('\n') +
                   callCount(total);
    const auto& table = SyscallTable::forArch(lanes_.trace()->arch);
    const std::size_t shown = std::min<std::size_t>(counts.size(), kTooltipTopSyscalls);
    for (std::size_t i = 0; i < shown; ++i)
        text += QLatin1Char('\n') + QString::fromStdString(table.name(counts[i].first)) + QLatin1Char(' ') +
                QString::number(counts[i].second);
    if (counts.size() > shown)
        text += QLatin1Char('\n') + (counts.size() - shown == 1
                                         ? tr("and 1 other syscall")
                                         : tr("and %1 other syscalls").arg(counts.size() - shown));
    const auto [first, last] = lanes_.slice(lane, from, to);
    int violations = 0;
    for (std::size_t k = first; k < last; ++k)
        violations += (lanes_.trace()->flags(lane.events[k]) & EventViolation) != 0;
    if (violations > 0)
        text += QLatin1Char('\n') + (violations == 1 ? tr("1 violation of the profile")
                                                     : tr("%1 violations of the profile").arg(violations));
    return text;
}

bool TimelineView::event(QEvent* event) {
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const QString text = toolTipAt(help->pos());
        if (text.isEmpty()) {
            QToolTip::hideText();
            event->ignore();
        } else {
            QToolTip::showText(help->globalPos(), text, this);
        }
        return true;
    }
    return QWidget::event(event);
}

void TimelineView::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    placeHandle();
}

void TimelineView::wheelEvent(QWheelEvent* event) {
    const int delta = event->angleDelta().y();
    if (delta == 0 || event->position().x() < labelWidth_) {
        event->ignore();
        return;
    }
    zoomAt(std::pow(kZoomStep, delta / 120.0), xToTime(event->position().x()));
    event->accept();
}

void TimelineView::keyPressEvent(QKeyEvent* event) {
    const qint64 center = range_.startNs + range_.span() / 2;
    if (event->matches(QKeySequence::ZoomIn) || event->key() == Qt::Key_Plus ||
        event->key() == Qt::Key_Equal) {
        zoomAt(kZoomStep, center);
    } else if (event->matches(QKeySequence::ZoomOut) || event->key() == Qt::Key_Minus) {
        zoomAt(1.0 / kZoomStep, center);
    } else if (event->key() == Qt::Key_0 && (event->modifiers() & Qt::ControlModifier)) {
        fitAll();
    } else if (event->key() == Qt::Key_Left || event->key() == Qt::Key_Right) {
        const qint64 step = std::max<qint64>(1, range_.span() / 10);
        const TimeRange moved =
            timeline::panRange(range_, event->key() == Qt::Key_Left ? -step : step, fullRange());
        setVisibleRange(moved.startNs, moved.endNs);
    } else {
        QWidget::keyPressEvent(event);
        return;
    }
    event->accept();
}

void TimelineView::mousePressEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton) {
        QWidget::mousePressEvent(event);
        return;
    }
    setFocus(Qt::MouseFocusReason);
    if (const int candidate = candidateAt(event->position().toPoint()); candidate >= 0) {
        const qint64 ns = candidates_[static_cast<std::size_t>(candidate)].timeNs;
        if (ns != boundaryNs_)
            emit boundaryCommitted(boundaryNs_, ns);
        event->accept();
        return;
    }
    if (event->position().x() >= labelWidth_) {
        panPress_ = event->position();
        panStartRange_ = range_;
        setCursor(Qt::ClosedHandCursor);
    }
    event->accept();
}

void TimelineView::mouseMoveEvent(QMouseEvent* event) {
    if (!panPress_ || !(event->buttons() & Qt::LeftButton)) {
        event->ignore();
        return;
    }
    const double dx = event->position().x() - panPress_->x();
    const double nsPerPixel = static_cast<double>(panStartRange_.span()) / std::max(1, plotRect().width());
    const TimeRange moved =
        timeline::panRange(panStartRange_, -static_cast<qint64>(std::llround(dx * nsPerPixel)), fullRange());
    setVisibleRange(moved.startNs, moved.endNs);
    event->accept();
}

void TimelineView::mouseReleaseEvent(QMouseEvent* event) {
    if (event->button() == Qt::LeftButton && panPress_) {
        panPress_.reset();
        unsetCursor();
        event->accept();
        return;
    }
    QWidget::mouseReleaseEvent(event);
}

void TimelineView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette().color(QPalette::Base));
    paintLanes(p);
    paintAxis(p);
}

void TimelineView::paintLanes(QPainter& p) {
    const QRect plot = plotRect();
    const int width = plot.width();
    const QPalette& pal = palette();

    // Phases: init before the boundary, serving after it.
    const qint64 shown = previewNs_.value_or(boundaryNs_);
    if (lanes_.trace() && width > 0) {
        const double bx = shown == kNoBoundary
                              ? plot.right() + 1.0
                              : std::clamp(timeToX(shown), double(plot.left()), plot.right() + 1.0);
        QColor init = QColor::fromHsl(210, 120, 140, 38);
        QColor serving = QColor::fromHsl(30, 160, 140, 38);
        p.fillRect(QRectF(plot.left(), 0, bx - plot.left(), height()), init);
        p.fillRect(QRectF(bx, 0, plot.right() + 1 - bx, height()), serving);
    }

    // Lanes: marks first (to find the busiest column), then drawing.
    const auto& lanes = lanes_.lanes();
    marks_.resize(lanes.size());
    int maxCount = 1;
    for (std::size_t i = 0; i < lanes.size(); ++i) {
        const QRect row = laneRect(static_cast<int>(i));
        if (row.top() > height())
            marks_[i].clear();
        else
            lanes_.aggregate(lanes[i], range_, width, highlightNr_, marks_[i]);
        for (const auto& m : marks_[i])
            maxCount = std::max(maxCount, m.count);
    }
    const double logMax = std::log1p(static_cast<double>(maxCount));
    std::array<QColor, kSyscallCategoryCount> colors;
    for (int c = 0; c < kSyscallCategoryCount; ++c)
        colors[static_cast<std::size_t>(c)] = timeline::categoryColor(static_cast<SyscallCategory>(c), pal);
    const QColor violationColor(220, 30, 30);
    const QColor highlightColor = pal.color(QPalette::Highlight);

    for (std::size_t i = 0; i < lanes.size(); ++i) {
        const QRect row = laneRect(static_cast<int>(i));
        if (row.top() > height())
            break;
        // Label column, with the process lanes in bold and their threads indented.
        const QRect labelRect(0, row.top(), labelWidth_, row.height());
        p.fillRect(labelRect, pal.color(i % 2 ? QPalette::AlternateBase : QPalette::Window));
        QFont font = p.font();
        font.setBold(lanes[i].kind == timeline::Lane::Kind::Process);
        p.setFont(font);
        p.setPen(pal.color(QPalette::WindowText));
        const int indent = lanes[i].kind == timeline::Lane::Kind::Thread ? 2 * kLabelPadding : kLabelPadding;
        const QRect textRect = labelRect.adjusted(indent, 0, -kLabelPadding / 2, 0);
        p.drawText(textRect, Qt::AlignVCenter | Qt::AlignLeft,
                   p.fontMetrics().elidedText(lanes[i].label, Qt::ElideMiddle, textRect.width()));
        p.setPen(pal.color(QPalette::Mid));
        p.drawLine(0, row.bottom(), width + labelWidth_, row.bottom());

        const int usable = row.height() - 3;
        for (const auto& m : marks_[i]) {
            const double level = std::log1p(static_cast<double>(m.count)) / logMax;
            const int h = std::max(3, static_cast<int>(std::lround(usable * (0.3 + 0.7 * level))));
            const int x = plot.left() + m.column;
            QColor color = colors[static_cast<std::size_t>(m.dominant)];
            if (highlightNr_ >= 0) {
                if (m.highlighted > 0)
                    color = highlightColor;
                else
                    color.setAlpha(50);
            }
            p.fillRect(x, row.bottom() - h, 1, h, color);
            if (m.violation) {
                p.fillRect(x, row.top() + 1, 1, usable, violationColor);
                p.fillRect(x - 2, row.top() + 1, 5, 3, violationColor);
            }
        }
    }
    p.setFont(font());
    p.fillRect(QRect(0, 0, labelWidth_, kAxisHeight), pal.color(QPalette::Window));
    p.fillRect(QRect(0, kAxisHeight + laneCount() * kLaneHeight, labelWidth_, height()),
               pal.color(QPalette::Window));
}

void TimelineView::paintAxis(QPainter& p) const {
    const QRect plot = plotRect();
    const QPalette& pal = palette();
    const QRect axis(plot.left(), 0, plot.width(), kAxisHeight);
    p.fillRect(axis, pal.color(QPalette::Button));
    p.setPen(pal.color(QPalette::Mid));
    p.drawLine(0, kAxisHeight - 1, width(), kAxisHeight - 1);
    if (!lanes_.trace() || plot.width() <= 0 || range_.span() <= 0)
        return;

    const double nsPerPixel = static_cast<double>(range_.span()) / plot.width();
    const qint64 step = niceStep(nsPerPixel * kMinTickSpacing);
    const QColor grid = [&] {
        QColor c = pal.color(QPalette::Mid);
        c.setAlpha(70);
        return c;
    }();
    for (qint64 t = (range_.startNs + step - 1) / step * step; t < range_.endNs; t += step) {
        const int x = static_cast<int>(std::lround(timeToX(t)));
        p.setPen(grid);
        p.drawLine(x, kAxisHeight, x, height());
        p.setPen(pal.color(QPalette::ButtonText));
        p.drawLine(x, kAxisHeight - 6, x, kAxisHeight - 1);
        p.drawText(QRect(x + 3, 0, kMinTickSpacing - 6, kAxisHeight - 4), Qt::AlignLeft | Qt::AlignVCenter,
                   timeline::formatTime(t, step));
    }

    // Phase names at the top of the shaded regions.
    const qint64 shown = previewNs_.value_or(boundaryNs_);
    if (shown != kNoBoundary) {
        p.setPen(pal.color(QPalette::PlaceholderText));
        const int bx = static_cast<int>(std::lround(timeToX(shown)));
        const QRect lanesArea(plot.left(), kAxisHeight, plot.width(), plot.height());
        const QRect initRect =
            QRect(QPoint(lanesArea.left(), lanesArea.bottom() - 16), QPoint(bx - 6, lanesArea.bottom()));
        const QRect servingRect = QRect(QPoint(bx + 6, lanesArea.bottom() - 16), lanesArea.bottomRight());
        if (initRect.width() > 40)
            p.drawText(initRect, Qt::AlignRight | Qt::AlignVCenter, tr("init"));
        if (servingRect.width() > 40)
            p.drawText(servingRect, Qt::AlignLeft | Qt::AlignVCenter, tr("serving"));
    }

    // Suggested boundaries: small triangles at the foot of the axis.
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setPen(Qt::NoPen);
    p.setBrush(pal.color(QPalette::Highlight).darker(120));
    for (std::size_t i = 0; i < candidates_.size(); ++i) {
        const double x = candidateX(i);
        if (x < plot.left() || x > plot.right() + 1)
            continue;
        const QPointF tri[] = {{x - kCandidateHalfWidth, kAxisHeight - 11.0},
                               {x + kCandidateHalfWidth, kAxisHeight - 11.0},
                               {x, kAxisHeight - 1.0}};
        p.drawPolygon(tri, 3);
    }
    p.setRenderHint(QPainter::Antialiasing, false);
}

} // namespace swb
