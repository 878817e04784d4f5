#include "profile/profile_diff.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <sstream>

namespace swb {

namespace {

std::string actionText(SeccompAction action, int errnoValue) {
    switch (action) {
    case SeccompAction::Allow:
        return "allow";
    case SeccompAction::Errno:
        return "SCMP_ACT_ERRNO(" + std::to_string(errnoValue) + ")";
    default:
        return std::string(seccompActionName(action));
    }
}

std::string hex(std::uint64_t v) {
    std::ostringstream s;
    if (v < 10)
        s << v;
    else
        s << "0x" << std::hex << v;
    return s.str();
}

std::string conditionText(const ArgCondition& c) {
    const std::string arg = "arg" + std::to_string(c.index);
    switch (c.op) {
    case ArgOp::NotEqual:
        return arg + " != " + hex(c.value);
    case ArgOp::Less:
        return arg + " < " + hex(c.value);
    case ArgOp::LessEqual:
        return arg + " <= " + hex(c.value);
    case ArgOp::Equal:
        return arg + " == " + hex(c.value);
    case ArgOp::GreaterEqual:
        return arg + " >= " + hex(c.value);
    case ArgOp::Greater:
        return arg + " > " + hex(c.value);
    case ArgOp::MaskedEqual:
        return arg + " & " + hex(c.value) + " == " + hex(c.valueTwo);
    }
    return arg;
}

// number -> sorted rule descriptions; rules with the default's effect are dropped.
std::map<int, std::vector<std::string>> treatments(const Profile& p) {
    std::map<int, std::vector<std::string>> out;
    const std::string def = actionText(p.defaultAction, p.defaultErrno);
    for (const ProfileRule& r : p.rules) {
        if (!r.nr)
            continue;
        const std::string act = actionText(
            r.action, r.action == SeccompAction::Errno ? (r.errnoRet >= 0 ? r.errnoRet : p.defaultErrno) : 0);
        if (act == def)
            continue;
        std::vector<ArgCondition> args = r.args;
        std::sort(args.begin(), args.end(), [](const ArgCondition& x, const ArgCondition& y) {
            return std::tie(x.index, x.op, x.value, x.valueTwo) <
                   std::tie(y.index, y.op, y.value, y.valueTwo);
        });
        std::string text = act;
        for (std::size_t i = 0; i < args.size(); ++i)
            text += (i == 0 ? " if " : " && ") + conditionText(args[i]);
        auto& list = out[*r.nr];
        if (std::find(list.begin(), list.end(), text) == list.end())
            list.push_back(std::move(text));
    }
    for (auto& [nr, list] : out)
        std::sort(list.begin(), list.end());
    return out;
}

std::string joined(const std::vector<std::string>& rules) {
    std::string s;
    for (std::size_t i = 0; i < rules.size(); ++i)
        s += (i ? " | " : "") + rules[i];
    return s;
}

// " [rules]", or nothing for a plain allow.
std::string bracket(const std::vector<std::string>& rules) {
    if (rules.size() == 1 && rules[0] == "allow")
        return {};
    return " [" + joined(rules) + "]";
}

bool byName(const SyscallDiff& x, const SyscallDiff& y) {
    return x.name < y.name;
}

} // namespace

ProfileDiff diffProfiles(const Profile& a, const Profile& b, const DiffOptions& options) {
    ProfileDiff d;
    const SyscallTable& table = SyscallTable::forArch(a.arch);
    d.archDiffers = a.arch != b.arch;
    if (options.compareDefaults) {
        d.defaultA = actionText(a.defaultAction, a.defaultErrno);
        d.defaultB = actionText(b.defaultAction, b.defaultErrno);
    }
    const auto ta = treatments(a);
    const auto tb = treatments(b);
    for (const auto& [nr, rules] : ta) {
        const auto it = tb.find(nr);
        if (it == tb.end())
            d.onlyInA.push_back({table.name(nr), rules, {}});
        else if (it->second != rules)
            d.changed.push_back({table.name(nr), rules, it->second});
        else
            d.common.push_back(table.name(nr));
    }
    for (const auto& [nr, rules] : tb)
        if (!ta.contains(nr))
            d.onlyInB.push_back({table.name(nr), {}, rules});
    std::sort(d.onlyInA.begin(), d.onlyInA.end(), byName);
    std::sort(d.onlyInB.begin(), d.onlyInB.end(), byName);
    std::sort(d.changed.begin(), d.changed.end(), byName);
    std::sort(d.common.begin(), d.common.end());
    return d;
}

Profile profileFromSyscallNames(const std::vector<std::string>& names, Arch arch, const std::string& group,
                                const std::string& reason) {
    Profile p;
    p.arch = arch;
    for (const auto& n : names)
        if (!p.allow(n, group, reason))
            p.warnings.push_back("syscall " + n + " is not known on " + std::string(archName(arch)));
    return p;
}

std::string formatDiffText(const ProfileDiff& d, const std::string& labelA, const std::string& labelB) {
    std::ostringstream out;
    out << "--- " << labelA << "\n+++ " << labelB << "\n";
    // One sorted listing, the way a reader scans it.
    std::vector<std::pair<std::string, std::string>> lines;
    for (const auto& s : d.onlyInA)
        lines.emplace_back(s.name, "- " + s.name + bracket(s.a));
    for (const auto& s : d.onlyInB)
        lines.emplace_back(s.name, "+ " + s.name + bracket(s.b));
    for (const auto& s : d.changed)
        lines.emplace_back(s.name, "~ " + s.name + ": " + joined(s.a) + " -> " + joined(s.b));
    std::sort(lines.begin(), lines.end());
    for (const auto& [name, line] : lines)
        out << line << "\n";
    if (d.archDiffers)
        out << "architectures differ\n";
    if (d.defaultA != d.defaultB)
        out << "default action: " << d.defaultA << " -> " << d.defaultB << "\n";
    out << d.onlyInA.size() << " only in A, " << d.onlyInB.size() << " only in B, " << d.changed.size()
        << " with different rules, " << d.common.size() << " the same\n";
    return out.str();
}

std::string formatDiffJson(const ProfileDiff& d, const std::string& labelA, const std::string& labelB) {
    nlohmann::ordered_json j;
    j["a"] = labelA;
    j["b"] = labelB;
    j["equal"] = d.equal();
    auto list = [](const std::vector<SyscallDiff>& v) {
        nlohmann::ordered_json arr = nlohmann::ordered_json::array();
        for (const auto& s : v) {
            nlohmann::ordered_json e;
            e["name"] = s.name;
            if (!s.a.empty())
                e["a"] = s.a;
            if (!s.b.empty())
                e["b"] = s.b;
            arr.push_back(std::move(e));
        }
        return arr;
    };
    j["onlyInA"] = list(d.onlyInA);
    j["onlyInB"] = list(d.onlyInB);
    j["changed"] = list(d.changed);
    j["common"] = d.common;
    if (!d.defaultA.empty() || !d.defaultB.empty())
        j["defaultAction"] = {{"a", d.defaultA}, {"b", d.defaultB}};
    j["archDiffers"] = d.archDiffers;
    return j.dump(2) + "\n";
}

} // namespace swb
