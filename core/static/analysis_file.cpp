#include "static/analysis_file.h"

#include "util/atomic_file.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <string_view>
#include <type_traits>

namespace swb {

using json = nlohmann::ordered_json;

namespace {

constexpr std::string_view kFormat = "swb-analysis";

} // namespace

bool looksLikeAnalysisFile(std::string_view head) {
    const auto p = head.find("\"format\"");
    return head.find_first_not_of(" \t\r\n") == head.find('{') && p != std::string_view::npos &&
           head.find(kFormat, p) != std::string_view::npos;
}

namespace {

// JSON string literal. Bytes outside ASCII are written as \u00XX so that any symbol name, valid
// UTF-8 or not, gives a file every JSON reader accepts.
void putJsonString(std::string& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    // Most names need no escaping: append them whole.
    if (std::all_of(text.begin(), text.end(), [](char ch) {
            const auto c = static_cast<unsigned char>(ch);
            return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
        })) {
        out.append(text);
        out += '"';
        return;
    }
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c < 0x20 || c >= 0x80) {
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 15];
        } else {
            out += ch;
        }
    }
    out += '"';
}

template <typename... T> void putJsonRow(std::string& out, bool first, const T&... values) {
    out += first ? "\n  [" : ",\n  [";
    bool firstValue = true;
    auto one = [&](const auto& v) {
        if (!firstValue)
            out += ',';
        firstValue = false;
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::string>)
            putJsonString(out, v);
        else if constexpr (std::is_same_v<V, bool>)
            out += v ? "true" : "false";
        else {
            char buf[24];
            const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
            out.append(buf, end);
        }
    };
    (one(values), ...);
    out += ']';
}

} // namespace

// The big arrays are written by hand, one element per line: building a JSON DOM for a program's
// whole call graph (hundreds of thousands of edges) costs more than the analysis itself.
void writeAnalysisFile(const CallGraph& g, const std::string& path) {
    const auto& table = SyscallTable::forArch(g.arch);
    json head;
    head["format"] = kFormat;
    head["version"] = kAnalysisFormatVersion;
    head["arch"] = archName(g.arch);
    head["program"] = g.program;
    json names = json::array();
    for (int nr : g.syscalls())
        names.push_back(table.name(nr));
    head["syscalls"] = names;
    json modules = json::array();
    for (const auto& m : g.modules)
        modules.push_back(
            {{"path", m.path}, {"buildId", m.buildId}, {"soname", m.soname}, {"loadReason", m.loadReason}});
    head["modules"] = modules;
    std::string out = head.dump();
    out.pop_back(); // the closing brace: the arrays follow
    out.reserve(out.size() + g.functions.size() * 48 + g.edges.size() * 28 + g.sites.size() * 40);

    out += ",\n\"functions\": [";
    for (std::size_t i = 0; i < g.functions.size(); ++i) {
        const auto& f = g.functions[i];
        putJsonRow(out, i == 0, f.module, f.address, f.size, f.name, f.sourceFile, f.line, f.hub);
    }
    out += "],\n\"edges\": [";
    for (std::size_t i = 0; i < g.edges.size(); ++i) {
        const auto& e = g.edges[i];
        putJsonRow(out, i == 0, e.from, e.to, e.site, static_cast<int>(e.kind));
    }
    out += "],\n\"sites\": [";
    for (std::size_t i = 0; i < g.sites.size(); ++i) {
        const auto& s = g.sites[i];
        putJsonRow(out, i == 0, s.function, s.address, s.nr, s.reason,
                   s.wrapper == kNoFunction ? std::int64_t{-1} : static_cast<std::int64_t>(s.wrapper));
    }
    out += "],\n\"entries\": [";
    for (std::size_t i = 0; i < g.entries.size(); ++i)
        putJsonRow(out, i == 0, g.entries[i].function, static_cast<int>(g.entries[i].kind));
    json tail;
    json specials = json::array();
    for (const auto& s : g.specials)
        specials.push_back({{"nr", s.nr}, {"name", table.name(s.nr)}, {"reason", s.reason}});
    tail["specials"] = specials;
    tail["notes"] = g.notes;
    std::string rest = tail.dump(1);
    out += "],\n";
    out.append(rest, 1); // without the opening brace
    out += '\n';
    writeFileAtomically(path, out);
}

CallGraph parseAnalysis(std::string_view text, const std::string& name) {
    json j;
    try {
        j = json::parse(text.begin(), text.end());
    } catch (const json::parse_error& e) {
        throw Error(name + ": offset " + std::to_string(e.byte) + ": not valid JSON (" + e.what() + ")");
    }
    std::string where;
    try {
        where = "format";
        if (!j.is_object() || j.value("format", std::string()) != kFormat)
            throw Error(name +
                        ": not a Seccomp Workbench analysis file (\"format\" is not \"swb-analysis\")");
        where = "version";
        const int version = j.at("version").get<int>();
        if (version > kAnalysisFormatVersion)
            throw Error(name + ": analysis format version " + std::to_string(version) +
                        " is newer than this build supports (" + std::to_string(kAnalysisFormatVersion) +
                        ")");
        CallGraph g;
        where = "arch";
        const auto arch = archFromName(j.at("arch").get<std::string>());
        if (!arch)
            throw Error(name + ": unknown architecture " + j.at("arch").dump());
        g.arch = *arch;
        where = "program";
        g.program = j.at("program").get<std::string>();
        std::size_t i = 0;
        for (const auto& m : j.at("modules")) {
            where = "modules[" + std::to_string(i++) + "]";
            g.modules.push_back({m.at("path").get<std::string>(), m.at("buildId").get<std::string>(),
                                 m.at("soname").get<std::string>(), m.at("loadReason").get<std::string>()});
        }
        i = 0;
        for (const auto& f : j.at("functions")) {
            where = "functions[" + std::to_string(i++) + "]";
            CgFunction fn;
            fn.module = f.at(0).get<std::uint32_t>();
            fn.address = f.at(1).get<std::uint64_t>();
            fn.size = f.at(2).get<std::uint64_t>();
            fn.name = f.at(3).get<std::string>();
            fn.sourceFile = f.at(4).get<std::string>();
            fn.line = f.at(5).get<std::uint32_t>();
            fn.hub = f.at(6).get<bool>();
            if (!fn.hub && fn.module >= g.modules.size())
                throw Error(name + ": " + where + ": module index " + std::to_string(fn.module) +
                            " out of range");
            g.functions.push_back(std::move(fn));
        }
        const auto checkFunction = [&](std::uint64_t id) {
            if (id >= g.functions.size())
                throw Error(name + ": " + where + ": function index " + std::to_string(id) + " out of range");
            return static_cast<FunctionId>(id);
        };
        i = 0;
        for (const auto& e : j.at("edges")) {
            where = "edges[" + std::to_string(i++) + "]";
            const int kind = e.at(3).get<int>();
            if (kind < 0 || kind > static_cast<int>(EdgeKind::Dlsym))
                throw Error(name + ": " + where + ": unknown edge kind " + std::to_string(kind));
            g.edges.push_back({checkFunction(e.at(0).get<std::uint64_t>()),
                               checkFunction(e.at(1).get<std::uint64_t>()), e.at(2).get<std::uint64_t>(),
                               static_cast<EdgeKind>(kind)});
        }
        i = 0;
        for (const auto& s : j.at("sites")) {
            where = "sites[" + std::to_string(i++) + "]";
            const auto wrapper = s.at(4).get<std::int64_t>();
            g.sites.push_back(
                {checkFunction(s.at(0).get<std::uint64_t>()), s.at(1).get<std::uint64_t>(),
                 s.at(2).get<std::int32_t>(), s.at(3).get<std::string>(),
                 wrapper < 0 ? kNoFunction : checkFunction(static_cast<std::uint64_t>(wrapper))});
        }
        i = 0;
        for (const auto& e : j.at("entries")) {
            where = "entries[" + std::to_string(i++) + "]";
            const int kind = e.at(1).get<int>();
            if (kind < 0 || kind > static_cast<int>(EntryKind::Dlopen))
                throw Error(name + ": " + where + ": unknown entry kind " + std::to_string(kind));
            g.entries.push_back({checkFunction(e.at(0).get<std::uint64_t>()), static_cast<EntryKind>(kind)});
        }
        i = 0;
        for (const auto& s : j.at("specials")) {
            where = "specials[" + std::to_string(i++) + "]";
            g.specials.push_back({s.at("nr").get<std::int32_t>(), s.at("reason").get<std::string>()});
        }
        where = "notes";
        g.notes = j.at("notes").get<std::vector<std::string>>();
        return g;
    } catch (const json::exception& e) {
        throw Error(name + ": " + where + ": " + e.what());
    }
}

CallGraph readAnalysisFile(const std::string& path) {
    return parseAnalysis(readWholeFile(path), path);
}

} // namespace swb
