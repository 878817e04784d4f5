#pragma once

#include "model/callgraph.h"

#include <string>
#include <vector>

namespace swb {

// Graphviz DOT of witness paths (merged: a function on several paths is one node), for `dot -Tsvg`.
// Nodes are grouped by module; the syscall sites are boxes at the bottom.
std::string witnessPathsToDot(const CallGraph& graph, const std::vector<CallGraph::Path>& paths,
                              const std::string& title);

} // namespace swb
