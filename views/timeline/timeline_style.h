#pragma once

#include "model/syscall_category.h"

#include <QColor>
#include <QPalette>
#include <QString>

namespace swb::timeline {

// The colour of a syscall category on PALETTE: one hue per category, lighter on a dark background.
QColor categoryColor(SyscallCategory category, const QPalette& palette);
// The translated name of a category ("File", "Network", ...).
QString categoryLabel(SyscallCategory category);
// TIME since trace start, in the largest unit that keeps RESOLUTION visible: "1.250 s", "12.5 ms",
// "830 µs", "17 ns".
QString formatTime(qint64 timeNs, qint64 resolutionNs);

} // namespace swb::timeline
