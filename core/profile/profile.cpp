#include "profile/profile.h"

#include <algorithm>
#include <array>
#include <utility>

namespace swb {

namespace {
constexpr std::array<std::pair<SeccompAction, std::string_view>, 7> kActionNames{{
    {SeccompAction::Allow, "SCMP_ACT_ALLOW"},
    {SeccompAction::Errno, "SCMP_ACT_ERRNO"},
    {SeccompAction::KillThread, "SCMP_ACT_KILL"},
    {SeccompAction::KillProcess, "SCMP_ACT_KILL_PROCESS"},
    {SeccompAction::Trap, "SCMP_ACT_TRAP"},
    {SeccompAction::Trace, "SCMP_ACT_TRACE"},
    {SeccompAction::Log, "SCMP_ACT_LOG"},
}};
constexpr std::array<std::pair<ArgOp, std::string_view>, 7> kOpNames{{
    {ArgOp::NotEqual, "SCMP_CMP_NE"},
    {ArgOp::Less, "SCMP_CMP_LT"},
    {ArgOp::LessEqual, "SCMP_CMP_LE"},
    {ArgOp::Equal, "SCMP_CMP_EQ"},
    {ArgOp::GreaterEqual, "SCMP_CMP_GE"},
    {ArgOp::Greater, "SCMP_CMP_GT"},
    {ArgOp::MaskedEqual, "SCMP_CMP_MASKED_EQ"},
}};
} // namespace

std::string_view seccompActionName(SeccompAction action) {
    for (const auto& [a, n] : kActionNames)
        if (a == action)
            return n;
    return "SCMP_ACT_ERRNO";
}

std::optional<SeccompAction> seccompActionFromName(std::string_view name) {
    if (name == "SCMP_ACT_KILL_THREAD")
        return SeccompAction::KillThread;
    for (const auto& [a, n] : kActionNames)
        if (n == name)
            return a;
    return std::nullopt;
}

std::string_view argOpName(ArgOp op) {
    for (const auto& [o, n] : kOpNames)
        if (o == op)
            return n;
    return "SCMP_CMP_EQ";
}

std::optional<ArgOp> argOpFromName(std::string_view name) {
    for (const auto& [o, n] : kOpNames)
        if (n == name)
            return o;
    return std::nullopt;
}

std::set<int> Profile::allowedNumbers(bool includeConditional) const {
    std::set<int> out;
    for (const ProfileRule& r : rules)
        if (r.action == SeccompAction::Allow && r.nr && (includeConditional || r.args.empty()))
            out.insert(*r.nr);
    return out;
}

std::vector<std::string> Profile::allowedNames(bool includeConditional) const {
    const SyscallTable& table = SyscallTable::forArch(arch);
    std::vector<std::string> out;
    for (int nr : allowedNumbers(includeConditional))
        out.push_back(table.name(nr));
    std::sort(out.begin(), out.end());
    return out;
}

bool Profile::allow(std::string_view name, std::string_view group, std::string_view reason) {
    const std::optional<int> nr = SyscallTable::forArch(arch).number(name);
    if (!nr)
        return false;
    for (const ProfileRule& r : rules)
        if (r.nr == nr && r.action == SeccompAction::Allow && r.args.empty())
            return true;
    ProfileRule rule;
    rule.name = std::string(name);
    rule.nr = nr;
    rule.group = std::string(group);
    rule.reason = std::string(reason);
    rules.push_back(std::move(rule));
    return true;
}

std::vector<const ProfileRule*> Profile::rulesFor(std::string_view name) const {
    std::vector<const ProfileRule*> out;
    for (const ProfileRule& r : rules)
        if (r.name == name)
            out.push_back(&r);
    return out;
}

std::size_t Profile::remove(std::string_view name) {
    const auto before = rules.size();
    std::erase_if(rules, [&](const ProfileRule& r) { return r.name == name; });
    return before - rules.size();
}

} // namespace swb
