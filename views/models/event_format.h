#pragma once

#include <QString>

#include <array>
#include <cstdint>
#include <string>

namespace swb {

// How the views write the fields of a syscall event. Locale-independent, so a trace reads the same
// everywhere and tests can compare exact strings.

// Seconds since trace start with microsecond precision: 12345678901 ns -> "12.345678".
QString formatTimestamp(std::int64_t ns);

// "?" when the syscall never returned (EventNoReturn), "-ENOENT" for -4095..-1 when the errno has a
// name, otherwise the decimal value.
QString formatReturnValue(std::int64_t ret, std::uint8_t flags);

// The errno's description ("No such file or directory") for a return value in -4095..-1 with a
// known errno, otherwise an empty string.
QString returnValueDescription(std::int64_t ret, std::uint8_t flags);

// The six arguments, zero as "0" and everything else in hex: "0x3, 0x7ffd2000, 0, 0, 0, 0".
// "?" when the arguments are unknown (EventNoArgs).
QString formatArguments(const std::array<std::uint64_t, 6>& args, std::uint8_t flags);

// The file name part of an executable path: "/usr/bin/find" -> "find".
QString executableName(const std::string& image);

} // namespace swb
