#pragma once

#include "model/callgraph.h"

#include <string>
#include <string_view>

namespace swb {

// The analysis file (docs/formats.md, "Analysis file"): JSON, versioned.
inline constexpr int kAnalysisFormatVersion = 2;

void writeAnalysisFile(const CallGraph& graph, const std::string& path);
// Throws swb::Error naming the file and the position (byte offset or JSON path) of the problem.
CallGraph readAnalysisFile(const std::string& path);
CallGraph parseAnalysis(std::string_view text, const std::string& nameForMessages);
bool looksLikeAnalysisFile(std::string_view head);

} // namespace swb
