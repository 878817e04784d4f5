#pragma once

#include <QtGlobal>

namespace swb::timeline {

// A visible time range [startNs, endNs) in ns since trace start.
struct TimeRange {
    qint64 startNs = 0;
    qint64 endNs = 0;

    qint64 span() const { return endNs - startNs; }
    bool operator==(const TimeRange&) const = default;
};

// The x of TIME over WIDTH pixels showing RANGE, unclamped (callers clip). 0 for an empty range or
// a width <= 0.
double timeToPixel(qint64 timeNs, TimeRange range, double width);
// The time at pixel X, rounded down. range.startNs for an empty range or a width <= 0.
qint64 pixelToTime(double x, TimeRange range, double width);

// Pixel columns of an integer WIDTH: column c shows [columnStart(c), columnStart(c + 1)). Exact
// integer arithmetic so that every time falls in exactly one column: columnAt(t) == c iff
// columnStart(c) <= t < columnStart(c + 1). For an empty range or width <= 0 every time is column 0.
qint64 columnStart(int column, TimeRange range, int width);
int columnAt(qint64 timeNs, TimeRange range, int width);

// RANGE zoomed by FACTOR (> 1 zooms in) so that ANCHOR stays at the same fraction of the range,
// then kept inside LIMITS and at least MINSPAN long (never longer than LIMITS). A factor <= 0 or an
// empty LIMITS returns LIMITS.
TimeRange zoomRange(TimeRange range, double factor, qint64 anchorNs, TimeRange limits, qint64 minSpanNs);
// RANGE moved by DELTA ns, kept inside LIMITS with its span unchanged (at most LIMITS' span).
TimeRange panRange(TimeRange range, qint64 deltaNs, TimeRange limits);

} // namespace swb::timeline
