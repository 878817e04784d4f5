#include "profile/profile_io.h"

#include "util/atomic_file.h"
#include "util/error.h"

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <map>
#include <sstream>
#include <sys/utsname.h>
#include <tuple>

namespace swb {

namespace {

constexpr int kEnosys = 38;
constexpr int kEperm = 1;
constexpr unsigned kMaxArgs = 6;

// ---------------------------------------------------------------------------------------------
// Architecture names as the formats spell them.

std::string_view scmpArchName(Arch arch) {
    switch (arch) {
    case Arch::X86_64:
        return "SCMP_ARCH_X86_64";
    }
    return "SCMP_ARCH_X86_64";
}

// The ABIs a process of this architecture can also use (x86-64: i386 and x32), as Docker's archMap.
std::vector<std::string_view> subArchitectures(Arch arch) {
    switch (arch) {
    case Arch::X86_64:
        return {"SCMP_ARCH_X86", "SCMP_ARCH_X32"};
    }
    return {};
}

// moby compares `includes.arches` / `excludes.arches` with Go's runtime.GOARCH.
std::string_view goArch(Arch arch) {
    switch (arch) {
    case Arch::X86_64:
        return "amd64";
    }
    return "amd64";
}

// ---------------------------------------------------------------------------------------------
// Export.

struct EntryKey {
    std::string group;
    SeccompAction action;
    int errnoRet; // resolved for Errno; for Trace the message (-1 when none); -1 otherwise
    std::vector<ArgCondition> args;

    auto tie() const { return std::tie(group, action, errnoRet); }
    bool operator<(const EntryKey& o) const {
        if (tie() != o.tie())
            return tie() < o.tie();
        return std::lexicographical_compare(args.begin(), args.end(), o.args.begin(), o.args.end(),
                                            [](const ArgCondition& a, const ArgCondition& b) {
                                                return std::tie(a.index, a.value, a.valueTwo, a.op) <
                                                       std::tie(b.index, b.value, b.valueTwo, b.op);
                                            });
    }
};

struct Entry {
    std::vector<std::string> names;
    std::map<std::string, std::string> reasons; // name -> reason
};

// One line of text for a comment (no newlines, no YAML comment surprises).
std::string oneLine(std::string s) {
    std::replace(s.begin(), s.end(), '\n', ' ');
    std::replace(s.begin(), s.end(), '\r', ' ');
    return s;
}

std::string entryComment(const EntryKey& key, const Entry& entry) {
    std::string text = key.group.empty() ? std::string("ungrouped") : key.group;
    std::vector<std::string> parts;
    bool same = true;
    const std::string* first = nullptr;
    for (const auto& [name, reason] : entry.reasons) {
        if (!first)
            first = &reason;
        else if (reason != *first)
            same = false;
    }
    if (!first || (same && first->empty()))
        return text;
    if (same)
        return oneLine(text + ": " + *first);
    text += ": ";
    bool sep = false;
    for (const auto& [name, reason] : entry.reasons) {
        if (reason.empty())
            continue;
        if (sep)
            text += "; ";
        text += name + " (" + reason + ")";
        sep = true;
    }
    return oneLine(text);
}

std::vector<std::pair<EntryKey, Entry>> groupRules(const Profile& profile, const ExportOptions& options) {
    std::map<EntryKey, Entry> entries;
    auto add = [&](const ProfileRule& r) {
        EntryKey key{r.group, r.action,
                     r.action == SeccompAction::Errno ? (r.errnoRet >= 0 ? r.errnoRet : profile.defaultErrno)
                     : r.action == SeccompAction::Trace ? r.errnoRet
                                                        : -1,
                     r.args};
        Entry& e = entries[key];
        if (std::find(e.names.begin(), e.names.end(), r.name) == e.names.end())
            e.names.push_back(r.name);
        std::string& reason = e.reasons[r.name];
        if (reason.empty())
            reason = r.reason;
    };
    for (const ProfileRule& r : profile.rules)
        add(r);
    if (options.clone3Enosys && profile.defaultAction != SeccompAction::Allow &&
        profile.rulesFor("clone3").empty()) {
        ProfileRule clone3;
        clone3.name = "clone3";
        clone3.action = SeccompAction::Errno;
        clone3.errnoRet = kEnosys;
        clone3.group = "compat";
        clone3.reason = "clone3 fails with ENOSYS so that glibc falls back to clone";
        add(clone3);
    }
    std::vector<std::pair<EntryKey, Entry>> out;
    for (auto& [key, entry] : entries) {
        std::sort(entry.names.begin(), entry.names.end());
        out.emplace_back(key, std::move(entry));
    }
    return out;
}

nlohmann::ordered_json argsJson(const std::vector<ArgCondition>& args) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const ArgCondition& c : args) {
        nlohmann::ordered_json a;
        a["index"] = c.index;
        a["value"] = c.value;
        a["valueTwo"] = c.valueTwo;
        a["op"] = std::string(argOpName(c.op));
        out.push_back(std::move(a));
    }
    return out;
}

nlohmann::ordered_json seccompJson(const Profile& profile, const ExportOptions& options, bool docker) {
    nlohmann::ordered_json root;
    root["defaultAction"] = std::string(seccompActionName(profile.defaultAction));
    // For SCMP_ACT_TRACE, runc (and so Docker and Podman with it) takes errnoRet as the message
    // the tracer reads with PTRACE_GETEVENTMSG.
    if (profile.defaultAction == SeccompAction::Errno || profile.defaultAction == SeccompAction::Trace)
        root["defaultErrnoRet"] = profile.defaultErrno;
    if (docker) {
        nlohmann::ordered_json map;
        map["architecture"] = std::string(scmpArchName(profile.arch));
        nlohmann::ordered_json subs = nlohmann::ordered_json::array();
        for (auto s : subArchitectures(profile.arch))
            subs.push_back(std::string(s));
        map["subArchitectures"] = std::move(subs);
        root["archMap"] = nlohmann::ordered_json::array({std::move(map)});
    } else {
        nlohmann::ordered_json arches =
            nlohmann::ordered_json::array({std::string(scmpArchName(profile.arch))});
        for (auto s : subArchitectures(profile.arch))
            arches.push_back(std::string(s));
        root["architectures"] = std::move(arches);
    }
    nlohmann::ordered_json syscalls = nlohmann::ordered_json::array();
    for (const auto& [key, entry] : groupRules(profile, options)) {
        nlohmann::ordered_json e;
        e["names"] = entry.names;
        e["action"] = std::string(seccompActionName(key.action));
        if (key.action == SeccompAction::Errno || (key.action == SeccompAction::Trace && key.errnoRet >= 0))
            e["errnoRet"] = key.errnoRet;
        if (!key.args.empty())
            e["args"] = argsJson(key.args);
        if (docker)
            e["comment"] = entryComment(key, entry);
        syscalls.push_back(std::move(e));
    }
    root["syscalls"] = std::move(syscalls);
    return root;
}

std::string dnsName(const std::string& name) {
    std::string out;
    for (char c : name) {
        if (c >= 'A' && c <= 'Z')
            out += static_cast<char>(c - 'A' + 'a');
        else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')
            out += c;
        else if (!out.empty() && out.back() != '-')
            out += '-';
    }
    while (!out.empty() && out.back() == '-')
        out.pop_back();
    while (!out.empty() && out.front() == '-')
        out.erase(out.begin());
    if (out.size() > 253)
        out.resize(253);
    return out.empty() ? std::string("swb-profile") : out;
}

std::string exportKubernetes(const Profile& profile, const ExportOptions& options) {
    std::ostringstream y;
    y << "---\n"
      << "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\n"
      << "kind: SeccompProfile\n"
      << "metadata:\n"
      << "  name: " << dnsName(options.name) << "\n"
      << "spec:\n";
    if (profile.defaultAction == SeccompAction::Errno && profile.defaultErrno != kEperm)
        y << "  # The profile's default errno is " << profile.defaultErrno
          << ", but a SeccompProfile has no defaultErrnoRet: the runtime returns EPERM.\n";
    y << "  defaultAction: " << seccompActionName(profile.defaultAction) << "\n"
      << "  architectures:\n"
      << "    - " << scmpArchName(profile.arch) << "\n";
    for (auto s : subArchitectures(profile.arch))
        y << "    - " << s << "\n";
    const auto entries = groupRules(profile, options);
    if (entries.empty()) {
        y << "  syscalls: []\n";
        return y.str();
    }
    y << "  syscalls:\n";
    for (const auto& [key, entry] : entries) {
        y << "    # " << entryComment(key, entry) << "\n";
        y << "    - action: " << seccompActionName(key.action) << "\n";
        if (key.action == SeccompAction::Errno || (key.action == SeccompAction::Trace && key.errnoRet >= 0))
            y << "      errnoRet: " << key.errnoRet << "\n";
        if (!key.args.empty()) {
            y << "      args:\n";
            for (const ArgCondition& c : key.args)
                y << "        - index: " << c.index << "\n"
                  << "          value: " << c.value << "\n"
                  << "          valueTwo: " << c.valueTwo << "\n"
                  << "          op: " << argOpName(c.op) << "\n";
        }
        y << "      names:\n";
        for (const auto& n : entry.names)
            y << "        - " << n << "\n";
    }
    return y.str();
}

// ---------------------------------------------------------------------------------------------
// Import.

// Line and column (1-based) of a byte offset.
std::pair<std::size_t, std::size_t> lineColumn(std::string_view text, std::size_t offset) {
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            col = 1;
        } else {
            ++col;
        }
    }
    return {line, col};
}

std::string_view trimmedStart(std::string_view text) {
    std::size_t i = 0;
    if (text.starts_with("\xEF\xBB\xBF"))
        i = 3;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
        ++i;
    return text.substr(i);
}

bool looksLikeJson(std::string_view text) {
    const auto t = trimmedStart(text);
    return !t.empty() && (t.front() == '{' || t.front() == '[');
}

// Parses JSON or YAML into one tree that keeps positions (yaml-cpp reads JSON too; nlohmann checks
// JSON syntax first because it reports errors precisely and rejects what YAML would accept).
YAML::Node parseTree(std::string_view text, const std::string& source) {
    if (looksLikeJson(text)) {
        try {
            const auto checked = nlohmann::json::parse(text.begin(), text.end());
            (void)checked;
        } catch (const nlohmann::json::parse_error& e) {
            const std::size_t offset = e.byte > 0 ? e.byte - 1 : 0;
            const auto [line, col] = lineColumn(text, offset);
            std::string what = e.what();
            if (const auto p = what.find("syntax error"); p != std::string::npos)
                what = what.substr(p);
            throw Error(source + ":" + std::to_string(line) + ":" + std::to_string(col) + " (byte " +
                        std::to_string(offset) + "): JSON " + what);
        }
    }
    try {
        return YAML::Load(std::string(text));
    } catch (const YAML::ParserException& e) {
        throw Error(source + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                    ": YAML syntax error: " + e.msg);
    } catch (const YAML::Exception& e) {
        throw Error(source + ": YAML error: " + e.msg);
    }
}

std::optional<ProfileFormat> formatOfTree(const YAML::Node& root) {
    if (!root.IsMap())
        return std::nullopt;
    if (const auto kind = root["kind"]) {
        if (kind.IsScalar() && kind.Scalar() == "SeccompProfile")
            return ProfileFormat::Kubernetes;
        return std::nullopt;
    }
    if (root["linux"] || root["ociVersion"])
        return ProfileFormat::Oci;
    if (!root["defaultAction"])
        return std::nullopt;
    if (root["archMap"])
        return ProfileFormat::Docker;
    if (const auto calls = root["syscalls"]; calls && calls.IsSequence())
        for (const auto& e : calls)
            if (e.IsMap() && (e["includes"] || e["excludes"] || e["comment"] || e["name"]))
                return ProfileFormat::Docker;
    return ProfileFormat::Oci;
}

class Importer {
public:
    Importer(std::string source, const ImportOptions& options, Profile& profile)
        : source_(std::move(source))
        , profile_(profile)
        , kernel_(options.kernel.value_or(runningKernelVersion()))
        , caps_(options.capabilities.value_or(dockerDefaultCapabilities())) {}

    [[noreturn]] void fail(const YAML::Node& at, const std::string& problem) const {
        throw Error(where(at) + problem);
    }
    void warn(const YAML::Node& at, const std::string& problem) const {
        profile_.warnings.push_back(where(at) + problem);
    }

    std::string where(const YAML::Node& at) const {
        const YAML::Mark m = at.Mark();
        if (m.is_null() || m.line < 0)
            return source_ + ": ";
        return source_ + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1) + ": ";
    }

    // The seccomp object of every format: defaultAction, defaultErrnoRet, architectures, archMap,
    // syscalls. `extraKeys` are accepted and ignored without a warning (handled by the caller).
    void readSeccomp(const YAML::Node& obj, const std::string& what,
                     const std::vector<std::string>& extraKeys = {}) {
        if (!obj.IsMap())
            fail(obj, what + " must be an object");
        const YAML::Node def = obj["defaultAction"];
        if (!def)
            fail(obj, what + " has no defaultAction");
        profile_.defaultAction = action(def);
        profile_.defaultErrno = kEperm;
        if (const auto ret = obj["defaultErrnoRet"]) {
            if (!ret.IsNull()) {
                profile_.defaultErrno = errnoValue(ret);
                if (profile_.defaultAction != SeccompAction::Errno)
                    warn(ret, "defaultErrnoRet is ignored: the default action is " +
                                  std::string(seccompActionName(profile_.defaultAction)));
            }
        }
        bool listed = false, anyList = false;
        if (const auto arches = obj["architectures"]; arches && !arches.IsNull()) {
            for (const auto& a : sequence(arches, "architectures")) {
                anyList = true;
                listed = listed || string(a, "an architecture") == scmpArchName(profile_.arch);
            }
        }
        if (const auto map = obj["archMap"]; map && !map.IsNull()) {
            for (const auto& m : sequence(map, "archMap")) {
                if (!m.IsMap())
                    fail(m, "an archMap entry must be an object");
                checkKeys(m, {"architecture", "subArchitectures"}, "archMap entry");
                const auto a = m["architecture"];
                if (!a)
                    fail(m, "archMap entry has no architecture");
                anyList = true;
                listed = listed || string(a, "an architecture") == scmpArchName(profile_.arch);
                if (const auto subs = m["subArchitectures"]; subs && !subs.IsNull())
                    for (const auto& s : sequence(subs, "subArchitectures"))
                        (void)string(s, "an architecture");
            }
        }
        if (anyList && !listed)
            warn(obj, std::string("the profile does not list ") + std::string(scmpArchName(profile_.arch)) +
                          "; its rules were read for " + std::string(archName(profile_.arch)) + " anyway");
        for (const char* ignored : {"listenerPath", "listenerMetadata", "flags"})
            if (const auto n = obj[ignored]; n && !n.IsNull())
                warn(n, std::string(ignored) + " is not modelled and was ignored");
        std::vector<std::string> known = {"defaultAction", "defaultErrnoRet", "architectures",    "archMap",
                                          "syscalls",      "listenerPath",    "listenerMetadata", "flags"};
        known.insert(known.end(), extraKeys.begin(), extraKeys.end());
        checkKeys(obj, known, what);
        if (const auto calls = obj["syscalls"]; calls && !calls.IsNull()) {
            std::size_t index = 0;
            for (const auto& e : sequence(calls, "syscalls"))
                readEntry(e, ++index);
        }
    }

    // Keys other than `known` are reported (never silently dropped).
    void checkKeys(const YAML::Node& obj, const std::vector<std::string>& known,
                   const std::string& what) const {
        for (const auto& kv : obj) {
            const std::string key = kv.first.Scalar();
            if (std::find(known.begin(), known.end(), key) == known.end())
                warn(kv.first, "unknown field \"" + key + "\" in " + what + " was ignored");
        }
    }

    YAML::Node sequence(const YAML::Node& n, const std::string& what) const {
        if (!n.IsSequence())
            fail(n, what + " must be a list");
        return n;
    }

    std::string string(const YAML::Node& n, const std::string& what) const {
        if (!n.IsScalar())
            fail(n, what + " must be a string");
        return n.Scalar();
    }

    std::uint64_t number(const YAML::Node& n, const std::string& what) const {
        if (!n.IsScalar())
            fail(n, what + " must be a number");
        if (n.Tag() == "!")
            fail(n, what + " must be a number, not the string \"" + n.Scalar() + "\"");
        const std::string& s = n.Scalar();
        std::uint64_t v = 0;
        const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec == std::errc::result_out_of_range)
            fail(n, what + " " + s + " does not fit in 64 bits");
        if (ec != std::errc() || ptr != s.data() + s.size())
            fail(n, what + " must be a non-negative integer, found \"" + s + "\"");
        return v;
    }

    int errnoValue(const YAML::Node& n) const {
        const std::uint64_t v = number(n, "errnoRet");
        if (v > 4095)
            fail(n, "errnoRet " + std::to_string(v) + " is not an errno (0-4095)");
        return static_cast<int>(v);
    }

    SeccompAction action(const YAML::Node& n) const {
        const std::string name = string(n, "an action");
        if (name == "SCMP_ACT_NOTIFY")
            fail(n, "action SCMP_ACT_NOTIFY (user-space notification) is not supported");
        const auto a = seccompActionFromName(name);
        if (!a)
            fail(n, "unknown action \"" + name + "\"");
        return *a;
    }

    KernelVersion kernelVersion(const YAML::Node& n) const {
        const std::string s = string(n, "minKernel");
        KernelVersion k;
        const char* p = s.data();
        const char* end = s.data() + s.size();
        auto r1 = std::from_chars(p, end, k.major);
        if (r1.ec != std::errc() || r1.ptr == end || *r1.ptr != '.')
            fail(n, "minKernel \"" + s + "\" is not a kernel version (MAJOR.MINOR)");
        auto r2 = std::from_chars(r1.ptr + 1, end, k.minor);
        if (r2.ec != std::errc() || r2.ptr != end)
            fail(n, "minKernel \"" + s + "\" is not a kernel version (MAJOR.MINOR)");
        return k;
    }

    bool hasCap(const std::string& cap) const {
        return std::find(caps_.begin(), caps_.end(), cap) != caps_.end();
    }

    // moby's filter (profiles/seccomp/seccomp_linux.go): an entry is skipped when an excluded arch is
    // ours, an excluded capability is held, or the kernel is at least excludes.minKernel; and when
    // includes.arches does not name ours, an included capability is missing, or the kernel is older
    // than includes.minKernel.
    bool applies(const YAML::Node& entry) {
        const std::string arch(goArch(profile_.arch));
        auto strings = [&](const YAML::Node& cond, const char* key) {
            std::vector<std::string> out;
            if (const auto list = cond[key]; list && !list.IsNull())
                for (const auto& s : sequence(list, key))
                    out.push_back(string(s, key));
            return out;
        };
        bool ok = true;
        if (const auto ex = entry["excludes"]; ex && !ex.IsNull()) {
            if (!ex.IsMap())
                fail(ex, "excludes must be an object");
            checkKeys(ex, {"arches", "caps", "minKernel"}, "excludes");
            for (const auto& a : strings(ex, "arches"))
                ok = ok && a != arch;
            for (const auto& c : strings(ex, "caps"))
                ok = ok && !hasCap(c);
            if (const auto mk = ex["minKernel"]; mk && !mk.IsNull())
                ok = ok && kernel_ < kernelVersion(mk);
        }
        if (const auto in = entry["includes"]; in && !in.IsNull()) {
            if (!in.IsMap())
                fail(in, "includes must be an object");
            checkKeys(in, {"arches", "caps", "minKernel"}, "includes");
            const auto arches = strings(in, "arches");
            if (!arches.empty())
                ok = ok && std::find(arches.begin(), arches.end(), arch) != arches.end();
            for (const auto& c : strings(in, "caps"))
                ok = ok && hasCap(c);
            if (const auto mk = in["minKernel"]; mk && !mk.IsNull())
                ok = ok && !(kernel_ < kernelVersion(mk));
        }
        return ok;
    }

    void readEntry(const YAML::Node& e, std::size_t index) {
        const std::string what = "syscalls entry " + std::to_string(index);
        if (!e.IsMap())
            fail(e, what + " must be an object");
        checkKeys(e, {"names", "name", "action", "errnoRet", "args", "comment", "includes", "excludes"},
                  what);
        std::vector<std::pair<std::string, YAML::Node>> names;
        if (const auto n = e["name"]; n && !n.IsNull()) {
            if (e["names"] && !e["names"].IsNull())
                fail(n, what + " has both name and names");
            names.emplace_back(string(n, "a syscall name"), n);
        }
        if (const auto ns = e["names"]; ns && !ns.IsNull())
            for (const auto& n : sequence(ns, "names"))
                names.emplace_back(string(n, "a syscall name"), n);
        const auto act = e["action"];
        if (!act)
            fail(e, what + " has no action");
        ProfileRule proto;
        proto.action = action(act);
        if (const auto ret = e["errnoRet"]; ret && !ret.IsNull()) {
            if (proto.action == SeccompAction::Trace) {
                const std::uint64_t m = number(ret, "errnoRet");
                if (m > 0xffff)
                    fail(ret, "errnoRet " + std::to_string(m) + " is not a trace message (0-65535)");
                proto.errnoRet = static_cast<int>(m);
            } else if (const int v = errnoValue(ret); proto.action == SeccompAction::Errno)
                proto.errnoRet = v;
            else
                warn(ret, "errnoRet is ignored for " + std::string(seccompActionName(proto.action)));
        } else if (proto.action == SeccompAction::Errno) {
            proto.errnoRet = kEperm; // runc: SCMP_ACT_ERRNO without errnoRet returns EPERM
        }
        std::vector<ArgCondition> args;
        if (const auto as = e["args"]; as && !as.IsNull())
            for (const auto& a : sequence(as, "args"))
                args.push_back(argument(a));
        std::string comment;
        if (const auto c = e["comment"]; c && !c.IsNull())
            comment = string(c, "comment");
        if (names.empty()) {
            warn(e, what + " names no syscall");
            return;
        }
        if (!applies(e))
            return;
        proto.group = "imported";
        proto.reason = comment.empty() ? source_ + " " + what : comment;
        // runc: when two conditions test the same argument, each condition becomes its own rule (OR)
        // because libseccomp cannot AND two comparisons of one argument.
        std::vector<std::vector<ArgCondition>> ruleArgs;
        std::array<int, kMaxArgs> perIndex{};
        bool repeated = false;
        for (const auto& a : args)
            repeated = repeated || ++perIndex[a.index] > 1;
        if (repeated)
            for (const auto& a : args)
                ruleArgs.push_back({a});
        else
            ruleArgs.push_back(args);
        const SyscallTable& table = SyscallTable::forArch(profile_.arch);
        std::vector<std::string> unknown;
        for (const auto& [name, node] : names) {
            const auto nr = table.number(name);
            if (!nr)
                unknown.push_back(name);
            for (const auto& ra : ruleArgs) {
                ProfileRule r = proto;
                r.name = name;
                r.nr = nr;
                r.args = ra;
                profile_.rules.push_back(std::move(r));
            }
        }
        if (!unknown.empty()) {
            std::string list;
            for (const auto& u : unknown)
                list += (list.empty() ? "" : ", ") + u;
            warn(e, what + ": " + std::to_string(unknown.size()) + " syscall name" +
                        (unknown.size() == 1 ? "" : "s") + " not known on " +
                        std::string(archName(profile_.arch)) + " (kept, they match nothing): " + list);
        }
    }

    ArgCondition argument(const YAML::Node& a) const {
        if (!a.IsMap())
            fail(a, "an argument condition must be an object");
        checkKeys(a, {"index", "value", "valueTwo", "op"}, "argument condition");
        ArgCondition c;
        const auto index = a["index"];
        if (!index)
            fail(a, "argument condition has no index");
        const std::uint64_t i = number(index, "index");
        if (i >= kMaxArgs)
            fail(index, "argument index " + std::to_string(i) + " is out of range (0-5)");
        c.index = static_cast<unsigned>(i);
        if (const auto v = a["value"]; v && !v.IsNull())
            c.value = number(v, "value");
        if (const auto v = a["valueTwo"]; v && !v.IsNull())
            c.valueTwo = number(v, "valueTwo");
        const auto op = a["op"];
        if (!op)
            fail(a, "argument condition has no op");
        const std::string name = string(op, "op");
        const auto o = argOpFromName(name);
        if (!o)
            fail(op, "unknown comparison operator \"" + name + "\"");
        c.op = *o;
        return c;
    }

    void readKubernetes(const YAML::Node& root) {
        checkKeys(root, {"apiVersion", "kind", "metadata", "spec", "status"}, "SeccompProfile");
        const auto api = root["apiVersion"];
        if (!api)
            fail(root, "SeccompProfile has no apiVersion");
        const std::string v = string(api, "apiVersion");
        if (!v.starts_with("security-profiles-operator.x-k8s.io/"))
            fail(api, "apiVersion \"" + v + "\" is not security-profiles-operator.x-k8s.io/...");
        const auto spec = root["spec"];
        if (!spec)
            fail(root, "SeccompProfile has no spec");
        if (const auto base = spec["baseProfileName"]; base && !base.IsNull())
            warn(base, "baseProfileName \"" + string(base, "baseProfileName") +
                           "\" is not resolved: only this profile's own rules were read");
        if (const auto d = spec["disabled"]; d && !d.IsNull())
            warn(d, "disabled is not modelled and was ignored");
        readSeccomp(spec, "spec", {"baseProfileName", "disabled"});
    }

    void readOci(const YAML::Node& root) {
        if (const auto linux_ = root["linux"]) {
            const auto sc = linux_["seccomp"];
            if (!sc)
                fail(linux_, "the OCI configuration has no linux.seccomp");
            readSeccomp(sc, "linux.seccomp");
            return;
        }
        if (root["ociVersion"])
            fail(root, "the OCI configuration has no linux.seccomp");
        readSeccomp(root, "the seccomp object");
    }

private:
    std::string source_;
    Profile& profile_;
    KernelVersion kernel_;
    std::vector<std::string> caps_;
};

} // namespace

std::string_view profileFormatName(ProfileFormat format) {
    switch (format) {
    case ProfileFormat::Docker:
        return "docker";
    case ProfileFormat::Oci:
        return "oci";
    case ProfileFormat::Kubernetes:
        return "k8s";
    }
    return "docker";
}

std::optional<ProfileFormat> profileFormatFromName(std::string_view name) {
    if (name == "docker" || name == "moby")
        return ProfileFormat::Docker;
    if (name == "oci")
        return ProfileFormat::Oci;
    if (name == "k8s" || name == "kubernetes")
        return ProfileFormat::Kubernetes;
    return std::nullopt;
}

std::string exportProfile(const Profile& profile, ProfileFormat format, const ExportOptions& options) {
    switch (format) {
    case ProfileFormat::Docker:
        return seccompJson(profile, options, true).dump(2) + "\n";
    case ProfileFormat::Oci: {
        auto obj = seccompJson(profile, options, false);
        if (!options.ociFragment)
            return obj.dump(2) + "\n";
        nlohmann::ordered_json root;
        root["linux"]["seccomp"] = std::move(obj);
        return root.dump(2) + "\n";
    }
    case ProfileFormat::Kubernetes:
        return exportKubernetes(profile, options);
    }
    return {};
}

void writeProfile(const std::string& path, const Profile& profile, ProfileFormat format,
                  const ExportOptions& options) {
    writeFileAtomically(path, exportProfile(profile, format, options));
}

KernelVersion runningKernelVersion() {
    utsname u{};
    KernelVersion k;
    if (::uname(&u) == 0)
        std::sscanf(u.release, "%d.%d", &k.major, &k.minor);
    return k;
}

const std::vector<std::string>& dockerDefaultCapabilities() {
    static const std::vector<std::string> caps = {
        "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
        "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
        "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
        "CAP_KILL",    "CAP_AUDIT_WRITE",
    };
    return caps;
}

std::optional<ProfileFormat> sniffProfileFormat(const std::string& path) {
    const std::string text = readWholeFile(path);
    try {
        if (looksLikeJson(text) && !nlohmann::json::accept(text))
            return std::nullopt;
        return formatOfTree(YAML::Load(text));
    } catch (const YAML::Exception&) {
        return std::nullopt;
    }
}

ProfileFormat detectProfileFormat(const std::string& path) {
    const auto f = sniffProfileFormat(path);
    if (!f)
        throw Error(path + ": not a seccomp profile (Docker/Moby JSON, OCI linux.seccomp or Kubernetes "
                           "SeccompProfile)");
    return *f;
}

Profile parseProfile(std::string_view text, const std::string& source, const ImportOptions& options) {
    const YAML::Node root = parseTree(text, source);
    const auto format = formatOfTree(root);
    if (!format)
        throw Error(source + ":1:1: not a seccomp profile (Docker/Moby JSON, OCI linux.seccomp or Kubernetes "
                             "SeccompProfile)");
    Profile profile;
    profile.arch = options.arch;
    Importer importer(source, options, profile);
    try {
        switch (*format) {
        case ProfileFormat::Docker:
            importer.readSeccomp(root, "the profile");
            break;
        case ProfileFormat::Oci:
            importer.readOci(root);
            break;
        case ProfileFormat::Kubernetes:
            importer.readKubernetes(root);
            break;
        }
    } catch (const YAML::Exception& e) {
        throw Error(source + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                    ": " + e.msg);
    }
    return profile;
}

Profile loadProfile(const std::string& path, const ImportOptions& options) {
    return parseProfile(readWholeFile(path), path, options);
}

} // namespace swb
