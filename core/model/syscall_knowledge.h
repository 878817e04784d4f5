#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace swb {

// How much a syscall matters for escaping a container, for teaching and for review.
enum class SyscallRisk : std::uint8_t { Low, Medium, High, Critical };
std::string_view riskName(SyscallRisk r); // "low", "medium", "high", "critical"
std::optional<SyscallRisk> riskFromName(std::string_view name);

struct CveReference {
    std::string id; // "CVE-2016-5195"
    std::string summary;
};

// What the knowledge base says about one syscall (resources/syscalls/knowledge.json).
struct SyscallKnowledge {
    std::string name;
    std::string category; // "file", "namespace", "network", ...
    std::string description;
    // The description was generated from the category and name, not written and reviewed by hand.
    bool generated = false;
    SyscallRisk risk = SyscallRisk::Low;
    std::string escapeNotes; // why the syscall matters (or does not) for container escapes
    std::vector<CveReference> cves;
};

// The syscall knowledge base: a versioned JSON document keyed by syscall name (docs/formats.md,
// "Syscall knowledge base").
class SyscallKnowledgeBase {
public:
    static constexpr int kVersion = 1;

    // Throws swb::Error naming `nameForMessages` and the JSON path of the first problem.
    static SyscallKnowledgeBase parse(std::string_view json, const std::string& nameForMessages);

    // nullptr when the name has no entry.
    const SyscallKnowledge* find(std::string_view name) const;
    std::size_t size() const { return entries_.size(); }
    const std::map<std::string, SyscallKnowledge, std::less<>>& entries() const { return entries_; }

private:
    std::map<std::string, SyscallKnowledge, std::less<>> entries_;
};

} // namespace swb
