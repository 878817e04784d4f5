#include "timeline/timeline_style.h"

#include <QCoreApplication>

#include <array>
#include <cmath>
#include <cstdlib>

namespace swb::timeline {

QColor categoryColor(SyscallCategory category, const QPalette& palette) {
    // Hues far apart for the frequent categories (file, memory, network, process).
    static constexpr std::array<int, kSyscallCategoryCount> kHues = {
        210, // file: blue
        130, // network: green
        30,  // process: orange
        275, // memory: purple
        350, // signal: pink-red (violations are pure red and drawn with a marker)
        55,  // time: yellow
        180, // ipc: cyan
        0,   // security: red-brown
        240, // system: indigo
        0,   // other: grey
    };
    const bool dark = palette.color(QPalette::Base).lightness() < 128;
    const auto index = static_cast<std::size_t>(category);
    if (category == SyscallCategory::Other)
        return dark ? QColor(150, 150, 150) : QColor(120, 120, 120);
    if (category == SyscallCategory::Security)
        return QColor::fromHsl(15, 120, dark ? 150 : 90);
    return QColor::fromHsl(kHues[index], 170, dark ? 155 : 115);
}

QString categoryLabel(SyscallCategory category) {
    switch (category) {
    case SyscallCategory::File:
        return QCoreApplication::translate("swb::timeline", "File");
    case SyscallCategory::Network:
        return QCoreApplication::translate("swb::timeline", "Network");
    case SyscallCategory::Process:
        return QCoreApplication::translate("swb::timeline", "Process");
    case SyscallCategory::Memory:
        return QCoreApplication::translate("swb::timeline", "Memory");
    case SyscallCategory::Signal:
        return QCoreApplication::translate("swb::timeline", "Signal");
    case SyscallCategory::Time:
        return QCoreApplication::translate("swb::timeline", "Time");
    case SyscallCategory::Ipc:
        return QCoreApplication::translate("swb::timeline", "IPC");
    case SyscallCategory::Security:
        return QCoreApplication::translate("swb::timeline", "Security");
    case SyscallCategory::System:
        return QCoreApplication::translate("swb::timeline", "System");
    case SyscallCategory::Other:
        break;
    }
    return QCoreApplication::translate("swb::timeline", "Other");
}

QString formatTime(qint64 timeNs, qint64 resolutionNs) {
    struct Unit {
        qint64 ns;
        const char16_t* suffix;
    };
    static constexpr Unit kUnits[] = {
        {1'000'000'000, u" s"}, {1'000'000, u" ms"}, {1'000, u" µs"}, {1, u" ns"}};
    const qint64 magnitude = std::max(std::abs(timeNs), std::max<qint64>(resolutionNs, 1));
    for (const Unit& unit : kUnits) {
        if (magnitude < unit.ns && unit.ns != 1)
            continue;
        // Enough decimals to show RESOLUTION in this unit, at most 9.
        int decimals = 0;
        for (qint64 step = unit.ns; step > std::max<qint64>(resolutionNs, 1) && decimals < 9; step /= 10)
            ++decimals;
        const double value = static_cast<double>(timeNs) / static_cast<double>(unit.ns);
        return QString::number(value, 'f', decimals) + QString::fromUtf16(unit.suffix);
    }
    return QString::number(timeNs) + QStringLiteral(" ns");
}

} // namespace swb::timeline
