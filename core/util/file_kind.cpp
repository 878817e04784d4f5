#include "util/file_kind.h"

#include "profile/profile_io.h"
#include "profile/project.h"
#include "static/analysis_file.h"
#include "trace/trace_file.h"
#include "util/error.h"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace swb {

FileKind detectFileKind(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(path + ": cannot open: " + std::strerror(errno));
    std::string head(4096, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
    if (looksLikeTraceFile(head))
        return FileKind::Trace;
    if (looksLikeAnalysisFile(head))
        return FileKind::Analysis;
    if (looksLikeProjectFile(head))
        return FileKind::Project;
    // Profiles are text (JSON or YAML): only then is the whole file parsed.
    const auto first = head.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && head.find('\0') == std::string::npos && sniffProfileFormat(path))
        return FileKind::Profile;
    return FileKind::Unknown;
}

} // namespace swb
