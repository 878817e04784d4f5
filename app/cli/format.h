#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace swb::cli {

// "1.234567s": a time in ns since the trace start, with `digits` decimals.
inline std::string formatSeconds(std::int64_t ns, int digits = 6) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.*fs", digits, static_cast<double>(ns) / 1e9);
    return buf;
}

// "0x1f": an address or argument.
inline std::string formatHex(std::uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

} // namespace swb::cli
