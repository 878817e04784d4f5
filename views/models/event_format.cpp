#include "models/event_format.h"

#include "model/trace.h"

#include <cstring>

namespace swb {

namespace {

constexpr std::int64_t kMaxErrno = 4095;

// The errno encoded in a raw return value, or 0 when the value is not an error.
int errnoOf(std::int64_t ret, std::uint8_t flags) {
    if ((flags & EventNoReturn) || ret < -kMaxErrno || ret > -1)
        return 0;
    return static_cast<int>(-ret);
}

} // namespace

QString formatTimestamp(std::int64_t ns) {
    const bool negative = ns < 0;
    // Unsigned so that the most negative value has a magnitude too.
    const std::uint64_t magnitude =
        negative ? 0 - static_cast<std::uint64_t>(ns) : static_cast<std::uint64_t>(ns);
    return QString::asprintf("%s%llu.%06llu", negative ? "-" : "",
                             static_cast<unsigned long long>(magnitude / 1'000'000'000u),
                             static_cast<unsigned long long>(magnitude % 1'000'000'000u / 1000u));
}

QString formatReturnValue(std::int64_t ret, std::uint8_t flags) {
    if (flags & EventNoReturn)
        return QStringLiteral("?");
    if (const int err = errnoOf(ret, flags)) {
        if (const char* name = strerrorname_np(err))
            return QLatin1Char('-') + QLatin1String(name);
    }
    // Addresses (mmap, brk) read better in hex, as strace shows them.
    if (ret > 0xffffff)
        return QStringLiteral("0x") + QString::number(static_cast<qulonglong>(ret), 16);
    return QString::number(ret);
}

QString returnValueDescription(std::int64_t ret, std::uint8_t flags) {
    const int err = errnoOf(ret, flags);
    if (err == 0)
        return {};
    const char* name = strerrorname_np(err);
    const char* description = strerrordesc_np(err);
    if (!name || !description)
        return {};
    return QLatin1String(name) + QStringLiteral(": ") + QString::fromUtf8(description);
}

QString formatArguments(const std::array<std::uint64_t, 6>& args, std::uint8_t flags) {
    if (flags & EventNoArgs)
        return QStringLiteral("?");
    QString out;
    out.reserve(6 * 8);
    for (std::size_t k = 0; k < args.size(); ++k) {
        if (k > 0)
            out += QStringLiteral(", ");
        if (args[k] == 0)
            out += QLatin1Char('0');
        else
            out += QStringLiteral("0x") + QString::number(args[k], 16);
    }
    return out;
}

QString executableName(const std::string& image) {
    const auto slash = image.find_last_of('/');
    return QString::fromStdString(slash == std::string::npos ? image : image.substr(slash + 1));
}

} // namespace swb
