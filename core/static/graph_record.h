#pragma once

#include "model/callgraph.h"
#include "util/varint.h"

#include <string>
#include <string_view>

namespace swb {

// Binary encoding of a whole CallGraph, for the analyzer's linked-graph cache (see analyzer.cpp:
// a warm analysis whose inputs are unchanged reads the graph instead of linking again).
void encodeCallGraph(const CallGraph& graph, std::string& out);
// Reads what encodeCallGraph wrote, from `r`'s position on; false when the bytes are malformed
// (ids out of range, truncated).
bool decodeCallGraph(ByteReader& r, CallGraph& out);

} // namespace swb
