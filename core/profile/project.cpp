#include "profile/project.h"

#include "util/atomic_file.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <filesystem>

namespace swb {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

std::string_view verdictName(ReviewDecision::Verdict v) {
    return v == ReviewDecision::Verdict::Allow ? "allow" : "deny";
}

namespace {

constexpr const char* kFormatName = "swb-project";

std::string relativeTo(const std::string& file, const fs::path& base) {
    if (file.empty())
        return file;
    std::error_code ec;
    const fs::path rel = fs::path(file).lexically_relative(base);
    if (rel.empty() || ec)
        return file;
    return rel.generic_string();
}

std::string absoluteFrom(const std::string& file, const fs::path& base) {
    if (file.empty() || fs::path(file).is_absolute())
        return file;
    return (base / file).lexically_normal().string();
}

fs::path baseOf(const std::string& projectPath) {
    return fs::absolute(fs::path(projectPath)).parent_path();
}

// Reads fields with messages naming the JSON path of a bad one.
struct Reader {
    const std::string& file;

    [[noreturn]] void fail(const std::string& where, const std::string& problem) const {
        throw Error(file + ": " + where + ": " + problem);
    }
    const json& field(const json& obj, const char* key, const std::string& where) const {
        if (!obj.is_object())
            fail(where, "expected an object");
        auto it = obj.find(key);
        if (it == obj.end())
            fail(where, std::string("missing field '") + key + "'");
        return *it;
    }
    std::string string(const json& obj, const char* key, const std::string& where,
                       bool required = false) const {
        if (!obj.contains(key)) {
            if (required)
                fail(where, std::string("missing field '") + key + "'");
            return {};
        }
        const json& v = obj.at(key);
        if (!v.is_string())
            fail(where + "." + key, "expected a string, found " + std::string(v.type_name()));
        return v.get<std::string>();
    }
    std::vector<std::string> strings(const json& obj, const char* key, const std::string& where) const {
        std::vector<std::string> out;
        if (!obj.contains(key))
            return out;
        const json& v = obj.at(key);
        if (!v.is_array())
            fail(where + "." + key, "expected an array of strings");
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (!v[i].is_string())
                fail(where + "." + key + "[" + std::to_string(i) + "]", "expected a string");
            out.push_back(v[i].get<std::string>());
        }
        return out;
    }
    PhaseSelection phase(const std::string& text, const std::string& where) const {
        const auto p = phaseSelectionFromName(text);
        if (!p)
            fail(where, "unknown phase '" + text + "' (all, init or serving)");
        return *p;
    }
};

} // namespace

const ReviewDecision* findDecision(const std::vector<ReviewDecision>& decisions, std::string_view syscall,
                                   Phase phase) {
    const PhaseSelection specific = phase == Phase::Init ? PhaseSelection::Init : PhaseSelection::Serving;
    const ReviewDecision* general = nullptr;
    for (const auto& d : decisions) {
        if (d.syscall != syscall)
            continue;
        if (d.phase == specific)
            return &d;
        if (d.phase == PhaseSelection::All)
            general = &d;
    }
    return general;
}

const ReviewDecision* Project::decisionFor(std::string_view syscall, Phase phase) const {
    return findDecision(decisions, syscall, phase);
}

void Project::setDecision(ReviewDecision d) {
    for (auto& existing : decisions)
        if (existing.syscall == d.syscall && existing.phase == d.phase) {
            existing = std::move(d);
            return;
        }
    decisions.push_back(std::move(d));
}

bool Project::removeDecision(std::string_view syscall, PhaseSelection phase) {
    return std::erase_if(decisions, [&](const ReviewDecision& d) {
               return d.syscall == syscall && d.phase == phase;
           }) > 0;
}

bool looksLikeProjectFile(std::string_view head) {
    return head.find("\"swb-project\"") != std::string_view::npos;
}

std::string serializeProject(const Project& p, const std::string& path) {
    const fs::path base = baseOf(path);
    json j;
    j["format"] = kFormatName;
    j["version"] = Project::kVersion;
    j["name"] = p.name;
    json inputs;
    inputs["traces"] = json::array();
    for (const auto& t : p.traces)
        inputs["traces"].push_back(relativeTo(t, base));
    inputs["analyses"] = json::array();
    for (const auto& a : p.analyses)
        inputs["analyses"].push_back(relativeTo(a, base));
    inputs["program"] = p.program;
    inputs["rootfs"] = relativeTo(p.rootfs, base);
    j["inputs"] = inputs;
    if (!p.image.source.empty())
        j["image"] = {{"source", p.image.source},
                      {"kind", p.image.kind},
                      {"manifestDigest", p.image.manifestDigest},
                      {"configDigest", p.image.configDigest},
                      {"entrypoint", p.image.entrypoint},
                      {"mode", p.image.mode}};
    j["phase"] = {{"boundary", p.boundary.toString()}, {"transition", p.transition}};
    json review = json::array();
    for (const auto& d : p.decisions)
        review.push_back({{"syscall", d.syscall},
                          {"phase", phaseSelectionName(d.phase)},
                          {"decision", verdictName(d.verdict)},
                          {"note", d.note}});
    j["review"] = review;
    j["export"] = {{"format", p.exportSettings.format},
                   {"phase", phaseSelectionName(p.exportSettings.phase)},
                   {"runtime", p.exportSettings.runtime},
                   {"errno", p.exportSettings.errnoRet},
                   {"output", relativeTo(p.exportSettings.output, base)}};
    return j.dump(2) + "\n";
}

void writeProject(const Project& project, const std::string& path) {
    writeFileAtomically(path, serializeProject(project, path));
}

Project parseProject(std::string_view text, const std::string& path) {
    json j;
    try {
        j = json::parse(text);
    } catch (const json::parse_error& e) {
        // Turn the byte offset into line:column.
        std::size_t line = 1, col = 1;
        for (std::size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
            if (text[i] == '\n') {
                ++line;
                col = 1;
            } else {
                ++col;
            }
        }
        std::string what = e.what();
        if (const auto at = what.find(": syntax error"); at != std::string::npos)
            what = what.substr(at + 2);
        throw Error(path + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + what);
    }
    const Reader r{path};
    if (!j.is_object() || !j.contains("format") || j["format"] != kFormatName)
        r.fail("top level", "not a Seccomp Workbench project (expected \"format\": \"swb-project\")");
    const json& version = r.field(j, "version", "top level");
    if (!version.is_number_integer())
        r.fail("version", "expected an integer");
    if (version.get<int>() > Project::kVersion)
        r.fail("version", "version " + std::to_string(version.get<int>()) +
                              " is newer than this swb understands (" + std::to_string(Project::kVersion) +
                              "); update swb");
    if (version.get<int>() < 1)
        r.fail("version", "invalid version " + std::to_string(version.get<int>()));
    const fs::path base = baseOf(path);
    Project p;
    p.name = r.string(j, "name", "top level");
    if (j.contains("inputs")) {
        const json& in = j["inputs"];
        if (!in.is_object())
            r.fail("inputs", "expected an object");
        for (auto& t : r.strings(in, "traces", "inputs"))
            p.traces.push_back(absoluteFrom(t, base));
        for (auto& a : r.strings(in, "analyses", "inputs"))
            p.analyses.push_back(absoluteFrom(a, base));
        p.program = r.string(in, "program", "inputs");
        p.rootfs = absoluteFrom(r.string(in, "rootfs", "inputs"), base);
    }
    if (j.contains("image")) {
        const json& im = j["image"];
        if (!im.is_object())
            r.fail("image", "expected an object");
        p.image.source = r.string(im, "source", "image", true);
        p.image.kind = r.string(im, "kind", "image");
        p.image.manifestDigest = r.string(im, "manifestDigest", "image");
        p.image.configDigest = r.string(im, "configDigest", "image");
        p.image.entrypoint = r.strings(im, "entrypoint", "image");
        p.image.mode = r.string(im, "mode", "image");
        for (const std::string* d : {&p.image.manifestDigest, &p.image.configDigest})
            if (!d->empty() && !(d->starts_with("sha256:") && d->size() == 71 &&
                                 d->find_first_not_of("0123456789abcdef", 7) == std::string::npos))
                r.fail("image", "'" + *d + "' is not a sha256 digest");
    }
    if (j.contains("phase")) {
        const json& ph = j["phase"];
        if (!ph.is_object())
            r.fail("phase", "expected an object");
        const std::string b = r.string(ph, "boundary", "phase");
        if (!b.empty()) {
            try {
                p.boundary = Boundary::parse(b);
            } catch (const Error& e) {
                r.fail("phase.boundary", e.what());
            }
        }
        p.transition = r.string(ph, "transition", "phase");
    }
    if (j.contains("review")) {
        const json& review = j["review"];
        if (!review.is_array())
            r.fail("review", "expected an array");
        for (std::size_t i = 0; i < review.size(); ++i) {
            const std::string where = "review[" + std::to_string(i) + "]";
            ReviewDecision d;
            d.syscall = r.string(review[i], "syscall", where, true);
            d.phase = r.phase(r.string(review[i], "phase", where, true), where + ".phase");
            const std::string verdict = r.string(review[i], "decision", where, true);
            if (verdict == "allow")
                d.verdict = ReviewDecision::Verdict::Allow;
            else if (verdict == "deny")
                d.verdict = ReviewDecision::Verdict::Deny;
            else
                r.fail(where + ".decision", "unknown decision '" + verdict + "' (allow or deny)");
            d.note = r.string(review[i], "note", where);
            p.decisions.push_back(std::move(d));
        }
    }
    if (j.contains("export")) {
        const json& ex = j["export"];
        if (!ex.is_object())
            r.fail("export", "expected an object");
        if (ex.contains("format"))
            p.exportSettings.format = r.string(ex, "format", "export");
        if (ex.contains("phase"))
            p.exportSettings.phase = r.phase(r.string(ex, "phase", "export"), "export.phase");
        if (ex.contains("runtime"))
            p.exportSettings.runtime = r.string(ex, "runtime", "export");
        if (ex.contains("errno")) {
            if (!ex["errno"].is_number_integer())
                r.fail("export.errno", "expected an integer");
            p.exportSettings.errnoRet = ex["errno"].get<int>();
        }
        p.exportSettings.output = absoluteFrom(r.string(ex, "output", "export"), base);
    }
    return p;
}

Project readProject(const std::string& path) {
    return parseProject(readWholeFile(path), path);
}

} // namespace swb
