#include "static/graph_record.h"

#include "util/varint.h"

namespace swb {

void encodeCallGraph(const CallGraph& g, std::string& out) {
    out.reserve(out.size() + 64 + g.functions.size() * 24 + g.edges.size() * 10);
    out.push_back(static_cast<char>(g.arch));
    putString(out, g.program);
    putVarint(out, g.modules.size());
    for (const auto& m : g.modules) {
        putString(out, m.path);
        putString(out, m.buildId);
        putString(out, m.soname);
        putString(out, m.loadReason);
    }
    putVarint(out, g.functions.size());
    for (const auto& f : g.functions) {
        putVarint(out, f.module);
        putVarint(out, f.address);
        putVarint(out, f.size);
        putString(out, f.name);
        putString(out, f.sourceFile);
        putVarint(out, f.line);
        out.push_back(f.hub ? 1 : 0);
    }
    putVarint(out, g.edges.size());
    for (const auto& e : g.edges) {
        putVarint(out, e.from);
        putVarint(out, e.to);
        putVarint(out, e.site);
        out.push_back(static_cast<char>(e.kind));
    }
    putVarint(out, g.sites.size());
    for (const auto& s : g.sites) {
        putVarint(out, s.function);
        putVarint(out, s.address);
        putSigned(out, s.nr);
        putString(out, s.reason);
        putVarint(out, s.wrapper == kNoFunction ? 0 : std::uint64_t{s.wrapper} + 1);
    }
    putVarint(out, g.entries.size());
    for (const auto& e : g.entries) {
        putVarint(out, e.function);
        out.push_back(static_cast<char>(e.kind));
    }
    putVarint(out, g.specials.size());
    for (const auto& s : g.specials) {
        putSigned(out, s.nr);
        putString(out, s.reason);
    }
    putVarint(out, g.notes.size());
    for (const auto& n : g.notes)
        putString(out, n);
}

bool decodeCallGraph(ByteReader& r, CallGraph& g) {
    g = CallGraph{};
    // Every item takes at least one byte: a larger count is a corrupt record, not an allocation.
    auto count = [&](std::uint64_t& n) {
        n = r.varint();
        return !r.failed() && n <= r.remaining() && n < UINT32_MAX;
    };
    const auto arch = r.byte();
    if (arch != static_cast<std::uint8_t>(Arch::X86_64))
        return false;
    g.arch = static_cast<Arch>(arch);
    g.program = r.string();
    std::uint64_t n = 0;
    if (!count(n))
        return false;
    g.modules.resize(n);
    for (auto& m : g.modules) {
        m.path = r.string();
        m.buildId = r.string();
        m.soname = r.string();
        m.loadReason = r.string();
    }
    if (!count(n))
        return false;
    const std::uint64_t functions = n;
    g.functions.resize(n);
    for (auto& f : g.functions) {
        const auto module = r.varint();
        if (module >= g.modules.size() && !(module == 0 && g.modules.empty()))
            return false;
        f.module = static_cast<std::uint32_t>(module);
        f.address = r.varint();
        f.size = r.varint();
        f.name = r.string();
        f.sourceFile = r.string();
        f.line = static_cast<std::uint32_t>(r.varint());
        f.hub = r.byte() != 0;
        if (r.failed())
            return false;
    }
    auto id = [&](FunctionId& out) {
        const auto v = r.varint();
        out = static_cast<FunctionId>(v);
        return !r.failed() && v < functions;
    };
    if (!count(n))
        return false;
    g.edges.resize(n);
    for (auto& e : g.edges) {
        if (!id(e.from) || !id(e.to))
            return false;
        e.site = r.varint();
        const auto kind = r.byte();
        if (kind > static_cast<std::uint8_t>(EdgeKind::Dlsym))
            return false;
        e.kind = static_cast<EdgeKind>(kind);
    }
    if (!count(n))
        return false;
    g.sites.resize(n);
    for (auto& s : g.sites) {
        if (!id(s.function))
            return false;
        s.address = r.varint();
        s.nr = static_cast<std::int32_t>(r.signedVarint());
        s.reason = r.string();
        const auto wrapper = r.varint();
        if (wrapper > functions)
            return false;
        s.wrapper = wrapper == 0 ? kNoFunction : static_cast<FunctionId>(wrapper - 1);
    }
    if (!count(n))
        return false;
    g.entries.resize(n);
    for (auto& e : g.entries) {
        if (!id(e.function))
            return false;
        const auto kind = r.byte();
        if (kind > static_cast<std::uint8_t>(EntryKind::Dlopen))
            return false;
        e.kind = static_cast<EntryKind>(kind);
    }
    if (!count(n))
        return false;
    g.specials.resize(n);
    for (auto& s : g.specials) {
        s.nr = static_cast<std::int32_t>(r.signedVarint());
        s.reason = r.string();
    }
    if (!count(n))
        return false;
    g.notes.resize(n);
    for (auto& note : g.notes)
        note = r.string();
    return !r.failed();
}

} // namespace swb
