#pragma once

#include <string>

namespace swb {

enum class FileKind { Trace, Analysis, Project, Unknown };

// What a file written by the tools is, from its first bytes. Throws swb::Error when it cannot be read.
FileKind detectFileKind(const std::string& path);

} // namespace swb
