#include "model/syscall_knowledge.h"

#include "util/error.h"

#include <nlohmann/json.hpp>

namespace swb {

using nlohmann::json;

std::string_view riskName(SyscallRisk r) {
    switch (r) {
    case SyscallRisk::Low:
        return "low";
    case SyscallRisk::Medium:
        return "medium";
    case SyscallRisk::High:
        return "high";
    case SyscallRisk::Critical:
        return "critical";
    }
    return "low";
}

std::optional<SyscallRisk> riskFromName(std::string_view name) {
    for (auto r : {SyscallRisk::Low, SyscallRisk::Medium, SyscallRisk::High, SyscallRisk::Critical})
        if (riskName(r) == name)
            return r;
    return std::nullopt;
}

namespace {

[[noreturn]] void fail(const std::string& file, const std::string& where, const std::string& what) {
    throw Error(file + ": " + where + ": " + what);
}

std::string requireString(const json& object, const char* key, const std::string& file,
                          const std::string& where, bool optional = false) {
    const auto it = object.find(key);
    if (it == object.end()) {
        if (optional)
            return {};
        fail(file, where, std::string("missing \"") + key + "\"");
    }
    if (!it->is_string())
        fail(file, where + "." + key, "expected a string");
    std::string value = it->get<std::string>();
    if (value.empty() && !optional)
        fail(file, where + "." + key, "empty");
    return value;
}

} // namespace

SyscallKnowledgeBase SyscallKnowledgeBase::parse(std::string_view text, const std::string& file) {
    json doc;
    try {
        doc = json::parse(text);
    } catch (const json::parse_error& e) {
        throw Error(file + ": byte " + std::to_string(e.byte) + ": not valid JSON");
    }
    if (!doc.is_object() || doc.value("format", std::string()) != "swb-syscall-knowledge")
        fail(file, "$", "not a syscall knowledge base (\"format\" must be \"swb-syscall-knowledge\")");
    const auto version = doc.find("version");
    if (version == doc.end() || !version->is_number_integer())
        fail(file, "$.version", "missing or not an integer");
    if (version->get<int>() > kVersion)
        fail(file, "$.version",
             "version " + std::to_string(version->get<int>()) + " is newer than this program reads (" +
                 std::to_string(kVersion) + ")");
    const auto syscalls = doc.find("syscalls");
    if (syscalls == doc.end() || !syscalls->is_object())
        fail(file, "$.syscalls", "missing or not an object");

    SyscallKnowledgeBase kb;
    for (const auto& [name, entry] : syscalls->items()) {
        const std::string where = "$.syscalls." + name;
        if (!entry.is_object())
            fail(file, where, "expected an object");
        SyscallKnowledge k;
        k.name = name;
        k.category = requireString(entry, "category", file, where);
        k.description = requireString(entry, "description", file, where);
        k.escapeNotes = requireString(entry, "escape", file, where, true);
        const std::string risk = requireString(entry, "risk", file, where);
        const auto parsedRisk = riskFromName(risk);
        if (!parsedRisk)
            fail(file, where + ".risk", "\"" + risk + "\" is not low, medium, high or critical");
        k.risk = *parsedRisk;
        if (const auto g = entry.find("generated"); g != entry.end()) {
            if (!g->is_boolean())
                fail(file, where + ".generated", "expected true or false");
            k.generated = g->get<bool>();
        }
        if (const auto cves = entry.find("cves"); cves != entry.end()) {
            if (!cves->is_array())
                fail(file, where + ".cves", "expected an array");
            for (std::size_t i = 0; i < cves->size(); ++i) {
                const std::string at = where + ".cves[" + std::to_string(i) + "]";
                const auto& c = (*cves)[i];
                if (!c.is_object())
                    fail(file, at, "expected an object");
                CveReference ref{requireString(c, "id", file, at), requireString(c, "summary", file, at)};
                if (!ref.id.starts_with("CVE-"))
                    fail(file, at + ".id", "\"" + ref.id + "\" is not a CVE id");
                k.cves.push_back(std::move(ref));
            }
        }
        kb.entries_.emplace(name, std::move(k));
    }
    return kb;
}

const SyscallKnowledge* SyscallKnowledgeBase::find(std::string_view name) const {
    const auto it = entries_.find(name);
    return it == entries_.end() ? nullptr : &it->second;
}

} // namespace swb
