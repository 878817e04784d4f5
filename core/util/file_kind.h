#pragma once

#include <string>

namespace swb {

enum class FileKind { Trace, Analysis, Project, Profile, Unknown };

// What a file written by the tools is, from its first bytes; Profile: a seccomp profile in one of the
// formats of profile/profile_io.h (Docker, OCI, Kubernetes). Throws swb::Error when it cannot be read.
FileKind detectFileKind(const std::string& path);

} // namespace swb
