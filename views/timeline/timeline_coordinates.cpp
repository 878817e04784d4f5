#include "timeline/timeline_coordinates.h"

#include <algorithm>
#include <cmath>

namespace swb::timeline {

namespace {

// RANGE moved into LIMITS, keeping its span when it fits.
TimeRange clampInto(TimeRange range, TimeRange limits) {
    const qint64 span = std::min(range.span(), limits.span());
    qint64 start = std::clamp(range.startNs, limits.startNs, limits.endNs - span);
    return {start, start + span};
}

} // namespace

double timeToPixel(qint64 timeNs, TimeRange range, double width) {
    if (range.span() <= 0 || width <= 0.0)
        return 0.0;
    return static_cast<double>(timeNs - range.startNs) / static_cast<double>(range.span()) * width;
}

qint64 pixelToTime(double x, TimeRange range, double width) {
    if (range.span() <= 0 || width <= 0.0)
        return range.startNs;
    return range.startNs + static_cast<qint64>(std::floor(x / width * static_cast<double>(range.span())));
}

qint64 columnStart(int column, TimeRange range, int width) {
    if (range.span() <= 0 || width <= 0)
        return column <= 0 ? range.startNs : range.endNs;
    // ceil(column * span / width) without overflowing: span = q * width + r.
    const qint64 q = range.span() / width;
    const qint64 r = range.span() % width;
    const qint64 c = column;
    return range.startNs + c * q + (c * r + width - 1) / width;
}

int columnAt(qint64 timeNs, TimeRange range, int width) {
    if (range.span() <= 0 || width <= 0)
        return 0;
    // floor(offset * width / span), in long double so that long traces at wide widths do not overflow;
    // then corrected against columnStart, which is exact.
    const qint64 offset = timeNs - range.startNs;
    auto column = static_cast<qint64>(
        std::floor(static_cast<long double>(offset) * width / static_cast<long double>(range.span())));
    column = std::clamp<qint64>(column, -1, width);
    while (column > -1 && timeNs < columnStart(static_cast<int>(column), range, width))
        --column;
    while (column < width && timeNs >= columnStart(static_cast<int>(column + 1), range, width))
        ++column;
    return static_cast<int>(column);
}

TimeRange zoomRange(TimeRange range, double factor, qint64 anchorNs, TimeRange limits, qint64 minSpanNs) {
    if (factor <= 0.0 || limits.span() <= 0)
        return limits;
    const qint64 span = std::max<qint64>(range.span(), 1);
    const double wanted = static_cast<double>(span) / factor;
    const qint64 newSpan =
        std::clamp<qint64>(static_cast<qint64>(std::llround(wanted)),
                           std::min(std::max<qint64>(minSpanNs, 1), limits.span()), limits.span());
    const double fraction = static_cast<double>(anchorNs - range.startNs) / static_cast<double>(span);
    const qint64 start =
        anchorNs - static_cast<qint64>(std::llround(fraction * static_cast<double>(newSpan)));
    return clampInto({start, start + newSpan}, limits);
}

TimeRange panRange(TimeRange range, qint64 deltaNs, TimeRange limits) {
    if (limits.span() <= 0)
        return limits;
    return clampInto({range.startNs + deltaNs, range.endNs + deltaNs}, limits);
}

} // namespace swb::timeline
