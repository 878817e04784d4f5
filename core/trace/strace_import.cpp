#include "trace/strace_import.h"

#include "util/error.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <numeric>
#include <optional>
#include <string_view>
#include <tuple>
#include <unordered_map>

namespace swb {

namespace {

constexpr auto npos = std::string_view::npos;
constexpr std::int64_t kNsPerSec = 1'000'000'000;
constexpr std::int64_t kDayNs = 86'400 * kNsPerSec;
constexpr std::int64_t kSynthStepNs = 1'000;          // lines of a log without timestamps are 1 us apart
constexpr std::uint64_t kMaxPid = 4'194'304;          // PID_MAX_LIMIT on 64-bit Linux
constexpr std::int64_t kMinUnixSeconds = 100'000'000; // smaller "S.US" stamps are -r deltas, not -ttt
constexpr std::size_t kProblemLineChars = 120;        // a reported line is shortened to this
constexpr std::uint64_t kCloneThread = 0x00010000;    // for clone() printed raw (-X raw, -e raw=clone)
constexpr std::uint64_t kCloneParent = 0x00008000;
constexpr std::uint64_t kAtFdcwd = static_cast<std::uint64_t>(-100);
constexpr int kSigRtMin = 32; // the kernel's SIGRTMIN: strace prints SIGRTMIN, SIGRT_1 = 33, ...
constexpr int kSigRtMax = 64;

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}
bool isIdentStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool isIdentChar(char c) {
    return isIdentStart(c) || isDigit(c);
}

std::string_view trimLeft(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    return s;
}

std::string_view trim(std::string_view s) {
    s = trimLeft(s);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

std::size_t digitsEnd(std::string_view s, std::size_t i) {
    while (i < s.size() && isDigit(s[i]))
        ++i;
    return i;
}

std::size_t identEnd(std::string_view s, std::size_t i) {
    if (i >= s.size() || !isIdentStart(s[i]))
        return i;
    while (i < s.size() && isIdentChar(s[i]))
        ++i;
    return i;
}

// A whole string of decimal digits.
std::optional<std::uint64_t> parseDecimal(std::string_view s) {
    std::uint64_t v = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || ptr != s.data() + s.size())
        return std::nullopt;
    return v;
}

// Error names as strace prints them -> numbers, from the C library (glibc >= 2.32), plus the
// kernel-internal codes a tracer sees when a signal interrupts a syscall (include/linux/errno.h).
std::optional<int> errnoNumber(std::string_view name) {
    static const auto table = [] {
        std::unordered_map<std::string, int> m;
        for (int e = 1; e < 4096; ++e)
            if (const char* n = strerrorname_np(e))
                m.emplace(n, e);
        static constexpr std::pair<const char*, int> kKernelInternal[] = {{"ERESTARTSYS", 512},
                                                                          {"ERESTARTNOINTR", 513},
                                                                          {"ERESTARTNOHAND", 514},
                                                                          {"ENOIOCTLCMD", 515},
                                                                          {"ERESTART_RESTARTBLOCK", 516},
                                                                          {"EPROBE_DEFER", 517},
                                                                          {"EOPENSTALE", 518},
                                                                          {"ENOPARAM", 519},
                                                                          {"EBADHANDLE", 521},
                                                                          {"ENOTSYNC", 522},
                                                                          {"EBADCOOKIE", 523},
                                                                          {"ENOTSUPP", 524},
                                                                          {"ETOOSMALL", 525},
                                                                          {"ESERVERFAULT", 526},
                                                                          {"EBADTYPE", 527},
                                                                          {"EJUKEBOX", 528},
                                                                          {"EIOCBQUEUED", 529},
                                                                          {"ERECALLCONFLICT", 530}};
        for (const auto& [n, e] : kKernelInternal)
            m.emplace(n, e);
        m.emplace("EWOULDBLOCK", EAGAIN);
        m.emplace("EDEADLOCK", EDEADLK);
        m.emplace("ENOTSUP", EOPNOTSUPP);
        return m;
    }();
    const auto it = table.find(std::string(name));
    if (it == table.end())
        return std::nullopt;
    return it->second;
}

// Signal names as strace prints them (SIGCHLD, SIGRTMIN, SIGRT_3, or a bare number) -> numbers.
std::optional<int> signalNumber(std::string_view name) {
    static const auto table = [] {
        std::unordered_map<std::string, int> m;
        for (int s = 1; s < kSigRtMin; ++s)
            if (const char* abbrev = sigabbrev_np(s))
                m.emplace(std::string("SIG") + abbrev, s);
        m.emplace("SIGIOT", SIGABRT);
        m.emplace("SIGPOLL", SIGIO);
        m.emplace("SIGCLD", SIGCHLD);
        m.emplace("SIGRTMIN", kSigRtMin);
        m.emplace("SIGRTMAX", kSigRtMax);
        return m;
    }();
    if (const auto it = table.find(std::string(name)); it != table.end())
        return it->second;
    if (name.starts_with("SIGRT_")) {
        const auto n = parseDecimal(name.substr(6));
        if (n && *n <= static_cast<std::uint64_t>(kSigRtMax - kSigRtMin))
            return kSigRtMin + static_cast<int>(*n);
        return std::nullopt;
    }
    if (const auto n = parseDecimal(name); n && *n > 0 && *n <= static_cast<std::uint64_t>(kSigRtMax))
        return static_cast<int>(*n);
    return std::nullopt;
}

// Index of the quote closing the string that opens at s[i], or npos.
std::size_t stringEnd(std::string_view s, std::size_t i) {
    for (std::size_t j = i + 1; j < s.size(); ++j) {
        if (s[j] == '\\')
            ++j;
        else if (s[j] == '"')
            return j;
    }
    return npos;
}

// Index of the '>' closing a decoration that opens at s[i]: 3</etc/passwd>, 1234<comm>,
// 4<TCP:[1.2.3.4:5->6.7.8.9:10]>, 3</dev/null<char 1:3>>. npos when it does not close on the line.
std::size_t decorationEnd(std::string_view s, std::size_t i) {
    int angle = 0;
    int square = 0;
    for (std::size_t j = i; j < s.size(); ++j) {
        const char c = s[j];
        if (c == '\\')
            ++j;
        else if (c == '[')
            ++square;
        else if (c == ']' && square > 0)
            --square;
        else if (square == 0 && c == '<')
            ++angle;
        else if (square == 0 && c == '>' && --angle == 0)
            return j;
    }
    return npos;
}

// Scans a printed argument list from just after "NAME(" to the parenthesis that closes it, skipping
// strings, comments, nested brackets and fd decorations. Appends the top-level arguments to `parts`
// when given. Returns the index of the closing parenthesis, or npos when the text ends first (then
// `parts` holds everything).
std::size_t scanArgs(std::string_view s, std::vector<std::string_view>* parts) {
    std::string open; // the closers the open brackets expect
    std::size_t start = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        switch (c) {
        case '"': {
            const auto e = stringEnd(s, i);
            i = e == npos ? s.size() : e;
            break;
        }
        case '/':
            if (i + 1 < s.size() && s[i + 1] == '*') {
                const auto e = s.find("*/", i + 2);
                i = e == npos ? s.size() : e + 1;
            }
            break;
        case '<':
            if (i > 0 && isIdentChar(s[i - 1])) {
                if (const auto e = decorationEnd(s, i); e != npos)
                    i = e;
            }
            break;
        case '(':
            open.push_back(')');
            break;
        case '[':
            open.push_back(']');
            break;
        case '{':
            open.push_back('}');
            break;
        case ')':
        case ']':
        case '}':
            if (!open.empty() && open.back() == c) {
                open.pop_back();
            } else if (c == ')' && open.empty()) {
                if (parts)
                    parts->push_back(s.substr(start, i - start));
                return i;
            }
            // Otherwise an unbalanced closer, opened by the first half of a resumed call: ignored.
            break;
        case ',':
            if (open.empty() && parts) {
                parts->push_back(s.substr(start, i - start));
                start = i + 1;
            }
            break;
        default:
            break;
        }
    }
    if (parts)
        parts->push_back(s.substr(std::min(start, s.size())));
    return npos;
}

// The integer a printed value starts with: decimal, 0x hex or 0-prefixed octal, maybe negative,
// followed by nothing, a space, a decoration or the like (not by more of a word).
std::optional<std::uint64_t> leadingNumber(std::string_view a) {
    bool negative = false;
    if (!a.empty() && a[0] == '-') {
        negative = true;
        a.remove_prefix(1);
    }
    if (a.empty() || !isDigit(a[0]))
        return std::nullopt;
    int base = 10;
    if (a.size() > 1 && a[0] == '0' && (a[1] == 'x' || a[1] == 'X')) {
        base = 16;
        a.remove_prefix(2);
    } else if (a.size() > 1 && a[0] == '0' && isDigit(a[1])) {
        base = 8;
        a.remove_prefix(1);
    }
    std::uint64_t v = 0;
    const auto [ptr, ec] = std::from_chars(a.data(), a.data() + a.size(), v, base);
    if (ec != std::errc())
        return std::nullopt;
    if (ptr != a.data() + a.size() && (isIdentChar(*ptr) || *ptr == '.'))
        return std::nullopt;
    return negative ? 0 - v : v;
}

// The register value of one printed argument, when the text shows it: a number (with any -y
// decoration or comment), NULL, AT_FDCWD or a signal name. Strings, structs, arrays, flag sets and
// key=value arguments have none.
std::optional<std::uint64_t> argValue(std::string_view a) {
    a = trim(a);
    if (a.empty())
        return std::nullopt;
    if (const auto n = leadingNumber(a))
        return n;
    const auto end = identEnd(a, 0);
    if (end == 0)
        return std::nullopt;
    const auto word = a.substr(0, end);
    const auto after = trimLeft(a.substr(end));
    if (!after.empty() && after[0] != '<' && !after.starts_with("/*"))
        return std::nullopt;
    if (word == "NULL")
        return 0;
    if (word == "AT_FDCWD")
        return kAtFdcwd;
    if (word.starts_with("SIG"))
        if (const auto s = signalNumber(word))
            return static_cast<std::uint64_t>(*s);
    return std::nullopt;
}

struct ParsedArgs {
    std::array<std::uint64_t, 6> args{};
    bool noArgs = false; // there was argument text, but not one value could be read from it
};

ParsedArgs parseArgs(std::string_view text) {
    ParsedArgs out;
    std::vector<std::string_view> parts;
    scanArgs(text, &parts);
    bool anyText = false;
    bool anyValue = false;
    for (std::size_t k = 0; k < parts.size() && k < out.args.size(); ++k) {
        if (trim(parts[k]).empty())
            continue;
        anyText = true;
        if (const auto v = argValue(parts[k])) {
            out.args[k] = *v;
            anyValue = true;
        }
    }
    out.noArgs = anyText && !anyValue;
    return out;
}

// The value of a printed C string; a string strace cut short (-s) keeps what it showed.
std::optional<std::string> unquote(std::string_view a) {
    a = trim(a);
    if (a.empty() || a[0] != '"')
        return std::nullopt;
    const auto e = stringEnd(a, 0);
    if (e == npos)
        return std::nullopt;
    std::string out;
    for (std::size_t i = 1; i < e; ++i) {
        char c = a[i];
        if (c != '\\') {
            out += c;
            continue;
        }
        c = a[++i];
        switch (c) {
        case 'n':
            out += '\n';
            break;
        case 't':
            out += '\t';
            break;
        case 'r':
            out += '\r';
            break;
        case 'v':
            out += '\v';
            break;
        case 'f':
            out += '\f';
            break;
        case 'a':
            out += '\a';
            break;
        case 'b':
            out += '\b';
            break;
        case 'x': {
            unsigned v = 0;
            std::size_t n = 0;
            while (n < 2 && i + 1 < e && std::isxdigit(static_cast<unsigned char>(a[i + 1]))) {
                const char h = a[++i];
                v = v * 16 + static_cast<unsigned>(isDigit(h) ? h - '0' : (h | 0x20) - 'a' + 10);
                ++n;
            }
            out += static_cast<char>(v);
            break;
        }
        default:
            if (c >= '0' && c <= '7') {
                unsigned v = static_cast<unsigned>(c - '0');
                for (int n = 0; n < 2 && i + 1 < e && a[i + 1] >= '0' && a[i + 1] <= '7'; ++n)
                    v = v * 8 + static_cast<unsigned>(a[++i] - '0');
                out += static_cast<char>(v);
            } else {
                out += c; // \" \\ and anything else stand for themselves
            }
            break;
        }
    }
    return out;
}

// Whether `token` occurs in `text` as a whole word (CLONE_PARENT must not match CLONE_PARENT_SETTID).
bool hasWord(std::string_view text, std::string_view token) {
    for (auto at = text.find(token); at != npos; at = text.find(token, at + 1)) {
        const auto end = at + token.size();
        if ((at == 0 || !isIdentChar(text[at - 1])) && (end == text.size() || !isIdentChar(text[end])))
            return true;
    }
    return false;
}

// CLONE_THREAD and CLONE_PARENT of a clone-family call: from the flag names, or from the bits when
// strace printed them raw (-X raw: "flags=0x3d0f00"; -e raw=clone: the first argument).
std::uint64_t cloneFlagBits(std::string_view text, bool rawFirstArg, std::uint64_t firstArg) {
    std::uint64_t bits = rawFirstArg ? firstArg : 0;
    if (hasWord(text, "CLONE_THREAD"))
        bits |= kCloneThread;
    if (hasWord(text, "CLONE_PARENT"))
        bits |= kCloneParent;
    for (auto at = text.find("flags="); at != npos; at = text.find("flags=", at + 1))
        if (at == 0 || !isIdentChar(text[at - 1]))
            if (const auto v = leadingNumber(text.substr(at + 6)))
                bits |= *v;
    return bits & (kCloneThread | kCloneParent);
}

enum class TimeKind : std::uint8_t { None, TimeOfDay, Unix, Relative };

std::string_view timeKindName(TimeKind k) {
    switch (k) {
    case TimeKind::None:
        return "no timestamps";
    case TimeKind::TimeOfDay:
        return "-t/-tt timestamps";
    case TimeKind::Unix:
        return "-ttt timestamps";
    case TimeKind::Relative:
        return "-r timestamps";
    }
    return "?";
}

// Logs whose times can be merged: absolute times of day, epoch times, or file-local clocks.
int timeClass(TimeKind k) {
    switch (k) {
    case TimeKind::TimeOfDay:
        return 1;
    case TimeKind::Unix:
        return 2;
    case TimeKind::None:
    case TimeKind::Relative:
        break;
    }
    return 0;
}

// What precedes the body of a line: "PID " (-f -o), "[pid N] " (terminal), each maybe with "<comm>"
// (-Y); then a timestamp (-t, -tt, -ttt, -r, or -t with -r); then "[...]" columns (-n, -i).
struct Prefix {
    bool hasPid = false;
    Pid pid = 0;
    TimeKind kind = TimeKind::None;
    std::int64_t timeNs = 0;
    std::size_t body = 0;
};

// Reads ".123456" at s[i] (any number of digits) as nanoseconds; returns the index after it.
std::size_t parseFraction(std::string_view s, std::size_t i, std::int64_t& ns) {
    ns = 0;
    if (i < s.size() && s[i] == '.') {
        ++i;
        std::int64_t scale = kNsPerSec / 10;
        for (; i < s.size() && isDigit(s[i]); ++i) {
            ns += (s[i] - '0') * scale;
            scale /= 10;
        }
    }
    return i;
}

bool parsePrefix(std::string_view s, Prefix& p) {
    std::size_t i = 0;
    if (s.starts_with("[pid ")) {
        i = 5;
        while (i < s.size() && s[i] == ' ')
            ++i;
        const auto e = digitsEnd(s, i);
        const auto pid = parseDecimal(s.substr(i, e - i));
        if (!pid || *pid > kMaxPid)
            return false;
        p.pid = static_cast<Pid>(*pid);
        i = e;
        if (i < s.size() && s[i] == '<') {
            const auto d = decorationEnd(s, i);
            if (d == npos)
                return false;
            i = d + 1;
        }
        if (i >= s.size() || s[i] != ']')
            return false;
        ++i;
        p.hasPid = true;
    } else if (!s.empty() && isDigit(s[0])) {
        const auto e = digitsEnd(s, 0);
        if (e < s.size() && (s[e] == ' ' || s[e] == '<')) {
            const auto v = parseDecimal(s.substr(0, e));
            // A larger number is an epoch time in whole seconds (--absolute-timestamps=unix).
            if (v && *v <= kMaxPid) {
                p.pid = static_cast<Pid>(*v);
                p.hasPid = true;
                i = e;
                if (s[i] == '<') {
                    const auto d = decorationEnd(s, i);
                    if (d == npos)
                        return false;
                    i = d + 1;
                }
            }
        }
    }
    while (i < s.size() && s[i] == ' ')
        ++i;

    const auto e = digitsEnd(s, i);
    if (e == i + 2 && e + 6 <= s.size() && s[e] == ':' && isDigit(s[e + 1]) && isDigit(s[e + 2]) &&
        s[e + 3] == ':' && isDigit(s[e + 4]) && isDigit(s[e + 5])) {
        const auto h = (s[i] - '0') * 10 + (s[i + 1] - '0');
        const auto m = (s[e + 1] - '0') * 10 + (s[e + 2] - '0');
        const auto sec = (s[e + 4] - '0') * 10 + (s[e + 5] - '0');
        std::int64_t frac = 0;
        const auto j = parseFraction(s, e + 6, frac);
        if (j >= s.size() || s[j] != ' ')
            return false;
        p.kind = TimeKind::TimeOfDay;
        p.timeNs = ((h * 60 + m) * 60 + sec) * kNsPerSec + frac;
        i = j;
    } else if (e > i && e - i <= 11 && e < s.size() && (s[e] == '.' || s[e] == ' ')) {
        const auto secs = static_cast<std::int64_t>(*parseDecimal(s.substr(i, e - i)));
        std::int64_t frac = 0;
        const auto j = parseFraction(s, e, frac);
        if (j >= s.size() || s[j] != ' ')
            return false;
        if (s[e] == ' ' && !p.hasPid && secs <= static_cast<std::int64_t>(kMaxPid))
            return false;
        p.kind = (secs >= kMinUnixSeconds) ? TimeKind::Unix : TimeKind::Relative;
        p.timeNs = secs * kNsPerSec + frac;
        i = j;
    }
    while (i < s.size() && s[i] == ' ')
        ++i;
    if (s.substr(i).starts_with("(+")) { // -r next to -t: "12:00:00 (+     0.000123) "
        const auto close = s.find(')', i);
        if (close == npos)
            return false;
        i = close + 1;
        while (i < s.size() && s[i] == ' ')
            ++i;
    }
    // -n "[  59] ", -i "[00007f0a1b2c3d4e] ", --secontext "[unconfined_u:...] "
    while (i < s.size() && s[i] == '[' && !s.substr(i).starts_with("[ Process ")) {
        const auto close = s.find(']', i);
        if (close == npos)
            return false;
        i = close + 1;
        while (i < s.size() && s[i] == ' ')
            ++i;
    }
    p.body = i;
    return true;
}

enum class RecKind : std::uint8_t {
    Call,       // a complete syscall line, or one cut short by "<detached ...>"
    Unfinished, // NAME(args <unfinished ...>, or ... <pid changed to N ...>
    Resumed,    // <... NAME resumed>args) = ret
    Signal,     // --- SIGX {...} ---
    Exited,     // +++ exited with N +++
    Killed,     // +++ killed by SIGX [(core dumped)] +++
    Superseded, // +++ superseded by execve in pid N +++
    Detached,   // "strace: Process N detached"
    Seen,       // informational lines that only show the thread exists
};

// One parsed line.
struct Rec {
    std::int64_t time = 0;
    std::uint32_t file = 0;
    std::uint32_t line = 0;
    Pid tid = 0;
    RecKind kind = RecKind::Seen;
    std::uint8_t flags = 0;   // Call, Resumed: EventNoReturn, EventNoArgs
    bool detached = false;    // Call: cut by "<detached ...>"
    bool inheritTime = false; // "strace: ..." messages carry no timestamp of their own
    std::int32_t nr = -1;
    std::int32_t value = 0; // exit status, signal number
    Pid other = 0;          // Superseded: the exec'ing thread; Unfinished: the "pid changed to" target
    std::int64_t ret = 0;
    std::array<std::uint64_t, 6> args{};
    std::string text; // Unfinished, Resumed: their argument text; Call: kept for exec and clone calls
};

// Per-architecture names and the syscalls the importer interprets.
class Syscalls {
public:
    explicit Syscalls(Arch arch)
        : table_(SyscallTable::forArch(arch)) {
        auto nr = [&](const char* name) {
            return table_.number(name).value_or(-1);
        };
        execve = nr("execve");
        execveat = nr("execveat");
        clone = nr("clone");
        clone3 = nr("clone3");
        fork = nr("fork");
        vfork = nr("vfork");
        setTidAddress = nr("set_tid_address");
        gettid = nr("gettid");
    }

    // strace prints unknown numbers as syscall_0x1b6 (older versions: syscall_438).
    std::optional<int> number(std::string_view name) {
        const std::string key(name);
        if (const auto it = cache_.find(key); it != cache_.end())
            return it->second;
        std::optional<int> nr;
        if (name.starts_with("syscall_0x") || name.starts_with("syscall_0X")) {
            int v = 0;
            const auto hex = name.substr(10);
            const auto [ptr, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), v, 16);
            if (!hex.empty() && ec == std::errc() && ptr == hex.data() + hex.size() && v >= 0)
                nr = v;
        } else {
            nr = table_.number(name);
        }
        cache_.emplace(key, nr);
        return nr;
    }

    bool isExec(int nr) const { return nr >= 0 && (nr == execve || nr == execveat); }
    bool isClone(int nr) const {
        return nr >= 0 && (nr == clone || nr == clone3 || nr == fork || nr == vfork);
    }
    bool keepsText(int nr) const { return isExec(nr) || isClone(nr); }

    int execve, execveat, clone, clone3, fork, vfork, setTidAddress, gettid;

private:
    const SyscallTable& table_;
    std::unordered_map<std::string, std::optional<int>> cache_;
};

// Reads "= RET[<decoration>] [ERRNAME (text)|(errno N)] ..." after a call's closing parenthesis.
bool parseReturn(std::string_view rest, Rec& r, std::string& problem) {
    rest = trimLeft(rest);
    if (!rest.starts_with('=')) {
        problem = "no return value after the arguments";
        return false;
    }
    rest = trimLeft(rest.substr(1));
    if (rest.starts_with('?')) {
        const auto after = trimLeft(rest.substr(1));
        const auto end = identEnd(after, 0);
        if (end > 0) { // "= ? ERESTARTSYS (To be restarted if SA_RESTART is set)"
            const auto e = errnoNumber(after.substr(0, end));
            if (!e) {
                problem = "unknown error name '" + std::string(after.substr(0, end)) + "'";
                return false;
            }
            r.ret = -*e;
            return true;
        }
        r.flags |= EventNoReturn; // "= ?", "= ? <unavailable>"
        return true;
    }
    const auto v = leadingNumber(rest);
    if (!v) {
        problem = "cannot read the return value";
        return false;
    }
    r.ret = static_cast<std::int64_t>(*v);
    std::size_t i = rest[0] == '-' ? 1 : 0;
    while (i < rest.size() && isIdentChar(rest[i]))
        ++i;
    if (i < rest.size() && rest[i] == '<')
        if (const auto d = decorationEnd(rest, i); d != npos)
            i = d + 1;
    const auto after = trimLeft(rest.substr(i));
    if (r.ret == -1 && !after.empty()) {
        if (const auto end = identEnd(after, 0); end > 0) {
            const auto e = errnoNumber(after.substr(0, end));
            if (!e) {
                problem = "unknown error name '" + std::string(after.substr(0, end)) + "'";
                return false;
            }
            r.ret = -*e;
        } else if (after.starts_with("(errno ")) { // an error strace has no name for
            const auto n = parseDecimal(after.substr(7, digitsEnd(after, 7) - 7));
            if (!n || *n == 0 || *n > 4095) {
                problem = "cannot read the error number";
                return false;
            }
            r.ret = -static_cast<std::int64_t>(*n);
        }
    }
    return true;
}

// Parses what follows the prefix of a line into `r`; false with `problem` set when it cannot.
bool parseBody(std::string_view body, Rec& r, Syscalls& sys, std::string& problem) {
    if (body.starts_with("+++ ") && body.ends_with(" +++")) {
        const auto inner = body.substr(4, body.size() - 8);
        if (inner.starts_with("exited with ")) {
            const auto v = parseDecimal(inner.substr(12));
            if (!v || *v > 255) {
                problem = "cannot read the exit status";
                return false;
            }
            r.kind = RecKind::Exited;
            r.value = static_cast<std::int32_t>(*v);
            return true;
        }
        if (inner.starts_with("killed by ")) {
            auto rest = inner.substr(10);
            const auto space = rest.find(' ');
            const auto name = rest.substr(0, space);
            const auto tail = space == npos ? std::string_view() : trim(rest.substr(space));
            const auto sig = signalNumber(name);
            if (!sig || !(tail.empty() || tail == "(core dumped)")) {
                problem = sig ? "cannot parse" : "unknown signal '" + std::string(name) + "'";
                return false;
            }
            r.kind = RecKind::Killed;
            r.value = *sig;
            return true;
        }
        if (inner.starts_with("superseded by execve in pid ")) {
            const auto v = parseDecimal(inner.substr(28));
            if (!v || *v == 0 || *v > kMaxPid) {
                problem = "cannot read the pid";
                return false;
            }
            r.kind = RecKind::Superseded;
            r.other = static_cast<Pid>(*v);
            return true;
        }
        problem = "cannot parse";
        return false;
    }
    if (body.starts_with("--- ") && body.ends_with(" ---")) {
        auto inner = body.substr(4, body.size() - 8);
        const bool stopped = inner.starts_with("stopped by "); // a group-stop, after its signal
        if (stopped)
            inner.remove_prefix(11);
        const auto name = inner.substr(0, inner.find(' '));
        const auto sig = signalNumber(name);
        if (!sig) {
            problem = "unknown signal '" + std::string(name) + "'";
            return false;
        }
        r.kind = stopped ? RecKind::Seen : RecKind::Signal;
        r.value = *sig;
        return true;
    }
    if (body.starts_with("[ Process PID=") && body.ends_with(" ]")) {
        if (body.find(" runs in 64 bit mode.") != npos) {
            r.kind = RecKind::Seen;
            return true;
        }
        problem =
            "the process switched to another syscall ABI; its syscalls cannot be named for this architecture";
        return false;
    }
    if (body.starts_with("<... ")) {
        const auto close = body.find(" resumed>");
        if (close == npos) {
            problem = "cannot parse";
            return false;
        }
        const auto name = body.substr(5, close - 5);
        const auto nr = sys.number(name);
        if (!nr) {
            problem = "unknown syscall name '" + std::string(name) + "'";
            return false;
        }
        const auto rest = body.substr(close + 9);
        const auto end = scanArgs(rest, nullptr);
        if (end == npos) {
            problem = "cannot find the end of the arguments";
            return false;
        }
        auto text = rest.substr(0, end);
        if (const auto marker = text.rfind("<unfinished ...>"); marker != npos) // died inside the call
            text = text.substr(0, marker);
        if (!parseReturn(rest.substr(end + 1), r, problem))
            return false;
        r.kind = RecKind::Resumed;
        r.nr = *nr;
        r.text = trim(text);
        return true;
    }

    std::size_t nameEnd = identEnd(body, 0);
    if (nameEnd == 0 && body.starts_with("???"))
        nameEnd = 3; // strace could not read the syscall number
    if (nameEnd == 0 || nameEnd >= body.size() || body[nameEnd] != '(') {
        problem = "cannot parse";
        return false;
    }
    const auto name = body.substr(0, nameEnd);
    const auto nr = sys.number(name);
    if (!nr) {
        problem = "unknown syscall name '" + std::string(name) + "'";
        return false;
    }
    r.nr = *nr;
    const auto args = body.substr(nameEnd + 1);
    const auto trimmed = trim(args);
    if (trimmed.ends_with("<unfinished ...>")) {
        r.kind = RecKind::Unfinished;
        r.text = trim(trimmed.substr(0, trimmed.size() - 16));
        return true;
    }
    if (trimmed.ends_with(" ...>")) { // execve in a non-leader thread: "... <pid changed to 1234 ...>"
        const auto marker = trimmed.rfind("<pid changed to ");
        if (marker != npos) {
            const auto digits = trimmed.substr(marker + 16, trimmed.size() - 5 - marker - 16);
            const auto to = parseDecimal(digits);
            if (!to || *to == 0 || *to > kMaxPid) {
                problem = "cannot read the pid";
                return false;
            }
            r.kind = RecKind::Unfinished;
            r.other = static_cast<Pid>(*to);
            r.text = trim(trimmed.substr(0, marker));
            return true;
        }
    }
    if (trimmed.ends_with("<detached ...>")) { // strace detached while the call was in progress
        const auto parsed = parseArgs(trimmed.substr(0, trimmed.size() - 14));
        r.kind = RecKind::Call;
        r.detached = true;
        r.args = parsed.args;
        r.flags = static_cast<std::uint8_t>(EventNoReturn | (parsed.noArgs ? EventNoArgs : 0));
        if (sys.keepsText(r.nr))
            r.text = trim(trimmed.substr(0, trimmed.size() - 14));
        return true;
    }
    const auto end = scanArgs(args, nullptr);
    if (end == npos) {
        problem = "cannot find the end of the arguments";
        return false;
    }
    if (!parseReturn(args.substr(end + 1), r, problem))
        return false;
    const auto text = args.substr(0, end);
    const auto parsed = parseArgs(text);
    r.kind = RecKind::Call;
    r.args = parsed.args;
    if (parsed.noArgs)
        r.flags |= EventNoArgs;
    if (sys.keepsText(r.nr))
        r.text = text;
    return true;
}

bool isPathNameChar(char c) {
    return isIdentChar(c) || c == '.' || c == '-' || c == '+';
}

// Where the program name before the "strace: " at `at` starts: strace prefixes its own messages
// with its argv[0], which is "strace" or a path to it ("/usr/bin/strace: ...").
std::size_t messageStart(std::string_view line, std::size_t at) {
    std::size_t start = at;
    if (start == 0 || line[start - 1] != '/')
        return start;
    --start; // the '/' before "strace"
    for (;;) {
        std::size_t j = start;
        while (j > 0 && isPathNameChar(line[j - 1]))
            --j;
        const auto segment = line.substr(j, start - j);
        if (j > 0 && line[j - 1] == '/' && !segment.empty()) {
            start = j - 1;
            continue;
        }
        // The first segment: a relative path's "." or "..", else not part of the path.
        if (segment == "." || segment == "..")
            start = j;
        return start;
    }
}

// Where a message strace wrote on its own stderr starts in `line`, npos when there is none. 0: the
// whole line is one. Otherwise a "Process N attached|detached" message, written on the same stream
// as the trace (strace on a terminal, 2> LOG), cut into a line and ending it.
std::size_t straceMessageAt(std::string_view line) {
    if (const auto at = line.find("strace: "); at != npos && messageStart(line, at) == 0)
        return 0;
    const auto at = line.rfind("strace: Process ");
    if (at == npos)
        return npos;
    const auto rest = line.substr(at + 16);
    const auto e = digitsEnd(rest, 0);
    const auto word = rest.substr(e);
    if (e == 0 || !(word == " attached" || word == " detached" || word.starts_with(" attached with ")))
        return npos;
    return messageStart(line, at);
}

struct FileState {
    std::string path;
    Pid suffixPid = 0;   // the PID of a "LOG.PID" file name (strace -ff)
    Pid placeholder = 0; // the tid given to lines without a pid until it is known
    TimeKind kind = TimeKind::None;
    bool kindKnown = false;
    std::int64_t lastTimeOfDay = -1;
    std::int64_t dayOffset = 0;
    std::int64_t relativeSum = 0;
    std::size_t firstRec = 0;
    std::size_t endRec = 0;
    std::size_t lines = 0;
    std::size_t parsed = 0;
    bool placeholderUsed = false;
};

Pid pidFromFileName(const std::string& path) {
    const auto slash = path.find_last_of('/');
    const auto base = std::string_view(path).substr(slash == std::string::npos ? 0 : slash + 1);
    const auto dot = base.rfind('.');
    if (dot == npos || dot == 0)
        return 0;
    const auto v = parseDecimal(base.substr(dot + 1));
    if (!v || *v == 0 || *v > kMaxPid)
        return 0;
    return static_cast<Pid>(*v);
}

std::string shorten(std::string_view line) {
    if (line.size() <= kProblemLineChars)
        return std::string(line);
    return std::string(line.substr(0, kProblemLineChars)) + "...";
}

class Importer {
public:
    Importer(Arch arch, StraceImportReport& report)
        : sys_(arch)
        , report_(report) {}

    void readFile(const std::string& path, std::uint32_t index);
    void checkClocks();
    void deliver(const std::vector<std::string>& paths, Arch arch, TraceSink& sink);

private:
    void handleLine(FileState& f, std::string_view line, std::uint32_t lineNo);
    void problem(const FileState& f, std::uint32_t lineNo, const std::string& what, std::string_view line);
    void finishFile(FileState& f);

    Syscalls sys_;
    StraceImportReport& report_;
    std::vector<FileState> files_;
    std::vector<Rec> recs_;
};

void Importer::problem(const FileState& f, std::uint32_t lineNo, const std::string& what,
                       std::string_view line) {
    ++report_.unparsed;
    if (report_.problems.size() < StraceImportReport::kMaxProblems)
        report_.problems.push_back(f.path + ":" + std::to_string(lineNo) + ": " + what + ": " +
                                   shorten(line));
}

void Importer::readFile(const std::string& path, std::uint32_t index) {
    FileState f;
    f.path = path;
    f.suffixPid = pidFromFileName(path);
    f.placeholder = -static_cast<Pid>(index) - 1;
    f.firstRec = recs_.size();

    struct Input { // the open file and getline's buffer
        std::FILE* file = nullptr;
        char* buf = nullptr;
        std::size_t cap = 0;
        ~Input() {
            std::free(buf);
            if (file)
                std::fclose(file);
        }
    } in;
    in.file = std::fopen(path.c_str(), "re");
    if (!in.file)
        throw Error(path + ": cannot open: " + std::strerror(errno));
    struct stat st {};
    if (fstat(fileno(in.file), &st) == 0 && S_ISDIR(st.st_mode))
        throw Error(path + ": cannot open: " + std::strerror(EISDIR));
    std::uint32_t lineNo = 0;
    std::string carry; // the start of a line a stray strace message cut in two
    std::uint32_t carryLine = 0;
    ssize_t n = 0;
    while ((n = getline(&in.buf, &in.cap, in.file)) != -1) {
        ++lineNo;
        std::string_view phys(in.buf, static_cast<std::size_t>(n));
        while (!phys.empty() && (phys.back() == '\n' || phys.back() == '\r'))
            phys.remove_suffix(1);
        if (trim(phys).empty())
            continue;
        ++report_.lines;
        ++f.lines;
        std::string joined;
        std::string_view line = phys;
        std::uint32_t at = lineNo;
        if (!carry.empty()) {
            joined = carry;
            joined += phys;
            carry.clear();
            line = joined;
            at = carryLine;
        }
        if (const auto cut = straceMessageAt(line); cut != npos && cut > 0) {
            handleLine(f, line.substr(cut), at);
            carry = std::string(line.substr(0, cut));
            carryLine = at;
            continue;
        }
        handleLine(f, line, at);
    }
    if (std::ferror(in.file))
        throw Error(path + ": read failed: " + std::strerror(errno));
    if (!carry.empty())
        handleLine(f, carry, carryLine);
    if (f.parsed == 0) {
        if (f.lines == 0)
            throw Error(path + ": empty file: not an strace log");
        throw Error(path + ": not an strace log: none of its " + std::to_string(f.lines) +
                    " lines could be parsed");
    }
    f.endRec = recs_.size();
    files_.push_back(std::move(f));
    finishFile(files_.back());
}

void Importer::handleLine(FileState& f, std::string_view line, std::uint32_t lineNo) {
    if (line.starts_with(" > ")) { // a stack frame of -k: not imported
        ++f.parsed;
        return;
    }
    if (straceMessageAt(line) == 0) {
        const auto rest = line.substr(line.find("strace: ") + 8);
        if (rest.starts_with("Process ")) {
            const auto e = digitsEnd(rest, 8);
            const auto pid = parseDecimal(rest.substr(8, e - 8));
            const auto word = rest.substr(e);
            if (pid && *pid > 0 && *pid <= kMaxPid &&
                (word.starts_with(" attached") || word.starts_with(" detached"))) {
                ++f.parsed;
                if (word.starts_with(" detached")) {
                    Rec r;
                    r.kind = RecKind::Detached;
                    r.tid = static_cast<Pid>(*pid);
                    r.file = static_cast<std::uint32_t>(files_.size());
                    r.line = lineNo;
                    r.inheritTime = true;
                    recs_.push_back(std::move(r));
                }
                return;
            }
        }
        problem(f, lineNo, "strace message", line);
        return;
    }
    Prefix p;
    if (!parsePrefix(line, p)) {
        problem(f, lineNo, "cannot parse", line);
        return;
    }
    Rec r;
    std::string what;
    if (!parseBody(line.substr(p.body), r, sys_, what)) {
        problem(f, lineNo, what, line);
        return;
    }
    if (!f.kindKnown) {
        f.kind = p.kind;
        f.kindKnown = true;
    } else if (p.kind != f.kind) {
        problem(f, lineNo,
                std::string(p.kind == TimeKind::None ? "no timestamp" : timeKindName(p.kind)) +
                    ", unlike the lines before it",
                line);
        return;
    }
    ++f.parsed;
    switch (f.kind) {
    case TimeKind::None:
        r.time = static_cast<std::int64_t>(lineNo - 1) * kSynthStepNs;
        break;
    case TimeKind::Unix:
        r.time = p.timeNs;
        break;
    case TimeKind::Relative:
        f.relativeSum += p.timeNs;
        r.time = f.relativeSum;
        break;
    case TimeKind::TimeOfDay:
        r.time = p.timeNs + f.dayOffset;
        if (f.lastTimeOfDay >= 0 && r.time < f.lastTimeOfDay - kDayNs / 2) { // past midnight
            f.dayOffset += kDayNs;
            r.time += kDayNs;
        }
        f.lastTimeOfDay = r.time;
        break;
    }
    if (p.hasPid) {
        r.tid = p.pid;
    } else if (f.suffixPid) {
        r.tid = f.suffixPid;
    } else {
        r.tid = f.placeholder;
        f.placeholderUsed = true;
    }
    r.file = static_cast<std::uint32_t>(files_.size());
    r.line = lineNo;
    recs_.push_back(std::move(r));
}

// Gives timeless records the time of their neighbours, and lines without a pid a pid.
void Importer::finishFile(FileState& f) {
    const auto begin = recs_.begin() + static_cast<std::ptrdiff_t>(f.firstRec);
    const auto end = recs_.begin() + static_cast<std::ptrdiff_t>(f.endRec);
    std::optional<std::int64_t> last;
    for (auto it = begin; it != end; ++it) {
        if (!it->inheritTime) {
            last = it->time;
        } else if (last) {
            it->time = *last;
            it->inheritTime = false;
        }
    }
    std::optional<std::int64_t> next;
    for (auto it = end; it != begin;) {
        --it;
        if (!it->inheritTime)
            next = it->time;
        else if (next)
            it->time = *next;
    }

    if (!f.placeholderUsed)
        return;
    // Lines without a pid come from `strace` without -f, or from strace on a terminal while it
    // traced a single process. Their pid is the tid set_tid_address/gettid returned to them, or
    // else the one traced pid that no traced clone created.
    Pid resolved = 0;
    std::vector<Pid> prefixed, children;
    for (auto it = begin; it != end; ++it) {
        if (it->tid == f.placeholder && !resolved && it->kind == RecKind::Call &&
            !(it->flags & EventNoReturn) && (it->nr == sys_.setTidAddress || it->nr == sys_.gettid) &&
            it->ret > 0 && static_cast<std::uint64_t>(it->ret) <= kMaxPid)
            resolved = static_cast<Pid>(it->ret);
        if (it->tid > 0)
            prefixed.push_back(it->tid);
        if ((it->kind == RecKind::Call || it->kind == RecKind::Resumed) && sys_.isClone(it->nr) &&
            it->ret > 0)
            children.push_back(static_cast<Pid>(it->ret));
    }
    if (!resolved) {
        std::sort(prefixed.begin(), prefixed.end());
        prefixed.erase(std::unique(prefixed.begin(), prefixed.end()), prefixed.end());
        std::erase_if(prefixed, [&](Pid p) {
            return std::find(children.begin(), children.end(), p) != children.end();
        });
        if (prefixed.size() == 1)
            resolved = prefixed.front();
    }
    if (!resolved)
        return; // resolved after all files, see checkClocks()
    for (auto it = begin; it != end; ++it)
        if (it->tid == f.placeholder)
            it->tid = resolved;
    f.placeholderUsed = false;
}

// Checks that the files' clocks can be merged, aligns them, and makes times relative to the first
// record. Also gives the lines whose pid stayed unknown an unused pid.
void Importer::checkClocks() {
    const auto& first = files_.front();
    for (const auto& f : files_) {
        if (timeClass(f.kind) != timeClass(first.kind))
            throw Error(f.path + ": " + std::string(timeKindName(f.kind)) + ", but " + first.path + " has " +
                        std::string(timeKindName(first.kind)) +
                        ": import the logs of one strace run together");
    }
    if (first.kind == TimeKind::TimeOfDay && files_.size() > 1) {
        // A -ff file that started after midnight belongs to the next day.
        std::int64_t latestStart = std::numeric_limits<std::int64_t>::min();
        for (const auto& f : files_)
            if (f.endRec > f.firstRec)
                latestStart = std::max(latestStart, recs_[f.firstRec].time);
        for (const auto& f : files_)
            if (f.endRec > f.firstRec && recs_[f.firstRec].time < latestStart - kDayNs / 2)
                for (auto i = f.firstRec; i < f.endRec; ++i)
                    recs_[i].time += kDayNs;
    }

    std::vector<Pid> used;
    for (const auto& r : recs_) {
        if (r.tid > 0)
            used.push_back(r.tid);
        if (r.other > 0)
            used.push_back(r.other);
    }
    std::sort(used.begin(), used.end());
    Pid candidate = 1;
    for (auto& f : files_) {
        if (!f.placeholderUsed)
            continue;
        while (std::binary_search(used.begin(), used.end(), candidate))
            ++candidate;
        for (auto i = f.firstRec; i < f.endRec; ++i)
            if (recs_[i].tid == f.placeholder)
                recs_[i].tid = candidate;
        ++candidate;
    }
}

// A syscall event under construction, with what the process tree needs from it.
struct Ev {
    SyscallEvent e;
    std::uint32_t file = 0;
    std::uint32_t line = 0;
    std::string text; // exec and clone calls: the argument text
};

struct ExitRec {
    std::int64_t time = 0;
    ExitKind kind = ExitKind::Running;
    std::int32_t value = 0;
};

struct TidInfo {
    std::int64_t first = std::numeric_limits<std::int64_t>::max();
    std::optional<ExitRec> exit;
    std::optional<std::int64_t> detached;
};

void Importer::deliver(const std::vector<std::string>& paths, Arch arch, TraceSink& sink) {
    std::int64_t base = std::numeric_limits<std::int64_t>::max();
    for (const auto& r : recs_)
        base = std::min(base, r.time);
    if (recs_.empty())
        base = 0;
    for (auto& r : recs_)
        r.time -= base;
    const std::int64_t wallClock = files_.front().kind == TimeKind::Unix ? base : 0;

    std::vector<std::size_t> order(recs_.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const auto& x = recs_[a];
        const auto& y = recs_[b];
        return std::tie(x.time, x.file, x.line) < std::tie(y.time, y.file, y.line);
    });

    // Pair the halves of split calls and collect events, signals and per-thread facts.
    std::vector<Ev> evs;
    std::vector<SignalEvent> signals;
    std::unordered_map<Pid, TidInfo> tids;
    std::unordered_map<Pid, std::size_t> pending; // tid -> its Unfinished record
    std::unordered_map<Pid, Pid> supersededBy;    // exec'ing thread -> the leader it replaced

    auto complete = [&](const Rec& start, std::string_view tail, const Rec* end) {
        Ev ev;
        ev.e.timeNs = start.time;
        ev.e.tid = start.tid;
        ev.e.nr = start.nr;
        ev.file = start.file;
        ev.line = start.line;
        std::string text = start.text;
        text += tail;
        const auto parsed = parseArgs(text);
        ev.e.args = parsed.args;
        if (parsed.noArgs)
            ev.e.flags |= EventNoArgs;
        if (end) {
            ev.e.ret = end->ret;
            ev.e.flags |= end->flags & EventNoReturn;
        } else {
            ev.e.flags |= EventNoReturn;
        }
        if (sys_.keepsText(start.nr))
            ev.text = std::move(text);
        evs.push_back(std::move(ev));
    };
    auto flush = [&](Pid tid) {
        const auto it = pending.find(tid);
        if (it == pending.end())
            return;
        const auto idx = it->second;
        pending.erase(it);
        complete(recs_[idx], {}, nullptr);
    };

    for (const auto idx : order) {
        const Rec& r = recs_[idx];
        auto& info = tids[r.tid];
        info.first = std::min(info.first, r.time);
        switch (r.kind) {
        case RecKind::Call: {
            flush(r.tid);
            Ev ev;
            ev.e.timeNs = r.time;
            ev.e.tid = r.tid;
            ev.e.nr = r.nr;
            ev.e.args = r.args;
            ev.e.ret = r.ret;
            ev.e.flags = r.flags;
            ev.file = r.file;
            ev.line = r.line;
            ev.text = r.text;
            evs.push_back(std::move(ev));
            if (r.detached)
                info.detached = r.time;
            break;
        }
        case RecKind::Unfinished:
            flush(r.tid);
            pending[r.tid] = idx;
            break;
        case RecKind::Resumed: {
            auto it = pending.find(r.tid);
            if (it == pending.end()) // an exec whose thread became the leader, without a superseded line
                it = std::find_if(pending.begin(), pending.end(), [&](const auto& kv) {
                    return recs_[kv.second].other == r.tid && recs_[kv.second].nr == r.nr;
                });
            if (it != pending.end() && recs_[it->second].nr == r.nr) {
                const auto start = it->second;
                pending.erase(it);
                complete(recs_[start], r.text, &r);
                break;
            }
            if (it != pending.end())
                flush(it->first);
            // Its start is not in the log (strace attached in mid-call): the arguments are unknown.
            Ev ev;
            ev.e.timeNs = r.time;
            ev.e.tid = r.tid;
            ev.e.nr = r.nr;
            ev.e.ret = r.ret;
            ev.e.flags = static_cast<std::uint8_t>(EventNoArgs | (r.flags & EventNoReturn));
            ev.file = r.file;
            ev.line = r.line;
            evs.push_back(std::move(ev));
            break;
        }
        case RecKind::Signal:
            signals.push_back({r.time, 0, r.tid, r.value});
            break;
        case RecKind::Exited:
        case RecKind::Killed:
            flush(r.tid);
            info.exit =
                ExitRec{r.time, r.kind == RecKind::Exited ? ExitKind::Exited : ExitKind::Killed, r.value};
            break;
        case RecKind::Superseded:
            supersededBy[r.other] = r.tid;
            if (const auto it = pending.find(r.other); it != pending.end()) {
                const auto start = it->second;
                pending.erase(it);
                flush(r.tid);
                pending[r.tid] = start;
            }
            break;
        case RecKind::Detached:
            flush(r.tid);
            info.detached = r.time;
            break;
        case RecKind::Seen:
            break;
        }
    }
    std::vector<std::size_t> rest;
    for (const auto& [tid, idx] : pending)
        rest.push_back(idx);
    std::sort(rest.begin(), rest.end());
    for (const auto idx : rest)
        complete(recs_[idx], {}, nullptr);

    std::stable_sort(evs.begin(), evs.end(), [](const Ev& a, const Ev& b) {
        return std::tie(a.e.timeNs, a.file, a.line) < std::tie(b.e.timeNs, b.file, b.line);
    });

    // The process tree: clone-family returns name the children; CLONE_THREAD makes one a thread.
    struct Birth {
        Pid creator = 0;
        bool cloneParent = false;
        std::int64_t time = 0;
    };
    std::unordered_map<Pid, Pid> threadOf; // tid -> the thread that created it
    std::unordered_map<Pid, Birth> births; // process -> the thread that forked it
    for (const auto& ev : evs) {
        if (!sys_.isClone(ev.e.nr) || (ev.e.flags & EventNoReturn) || ev.e.ret <= 0 ||
            static_cast<std::uint64_t>(ev.e.ret) > kMaxPid)
            continue;
        const auto child = static_cast<Pid>(ev.e.ret);
        const bool raw = ev.e.nr == sys_.clone && ev.text.find('=') == std::string::npos;
        const auto bits = cloneFlagBits(ev.text, raw, ev.e.args[0]);
        const bool thread = bits & kCloneThread;
        const bool parent = bits & kCloneParent;
        if (thread)
            threadOf.emplace(child, ev.e.tid);
        else
            births.emplace(child, Birth{ev.e.tid, parent, ev.e.timeNs});
    }
    for (const auto& [thread, leader] : supersededBy)
        threadOf.emplace(thread, leader);
    auto tgid = [&](Pid tid) {
        for (std::size_t hops = 0; hops <= threadOf.size(); ++hops) {
            const auto it = threadOf.find(tid);
            if (it == threadOf.end() || it->second == tid)
                break;
            tid = it->second;
        }
        return tid;
    };

    std::vector<std::pair<std::int64_t, Pid>> seen; // (first seen, tid)
    for (const auto& [tid, info] : tids)
        seen.emplace_back(info.first, tid);
    std::sort(seen.begin(), seen.end());
    std::vector<ProcessInfo> processes;
    std::unordered_map<Pid, std::size_t> processIndex;
    for (const auto& [first, tid] : seen) {
        const Pid pid = tgid(tid);
        auto [it, inserted] = processIndex.try_emplace(pid, processes.size());
        if (inserted) {
            ProcessInfo p;
            p.pid = pid;
            p.startNs = first;
            processes.push_back(std::move(p));
        }
        auto& p = processes[it->second];
        if (tid == pid)
            p.threads.insert(p.threads.begin(), tid);
        else
            p.threads.push_back(tid);
    }
    for (auto& p : processes) {
        if (const auto it = births.find(p.pid); it != births.end()) {
            p.parent = tgid(it->second.creator);
            p.startNs = std::min(p.startNs, it->second.time);
        }
        // The process ended with its leader: strace reports the leader's end after its threads'.
        std::optional<ExitRec> exit;
        std::int64_t lastEnd = -1;
        std::optional<std::int64_t> detached;
        for (const auto tid : p.threads) {
            const auto& info = tids.at(tid);
            if (info.exit)
                lastEnd = std::max(lastEnd, info.exit->time);
            if (info.detached)
                detached = std::max(detached.value_or(0), *info.detached);
        }
        if (const auto leader = tids.find(p.pid); leader != tids.end())
            exit = leader->second.exit;
        if (exit) {
            p.exitKind = exit->kind;
            p.exitValue = exit->value;
            p.endNs = std::max(exit->time, lastEnd);
        } else if (detached) {
            p.exitKind = ExitKind::Detached;
            p.endNs = *detached;
        }
    }
    // CLONE_PARENT: the child is its creator's sibling.
    for (auto& p : processes) {
        const auto it = births.find(p.pid);
        if (it == births.end() || !it->second.cloneParent)
            continue;
        const auto creator = processIndex.find(p.parent);
        p.parent = creator == processIndex.end() ? 0 : processes[creator->second].parent;
    }

    for (auto& ev : evs) {
        ev.e.pid = tgid(ev.e.tid);
        if (!sys_.isExec(ev.e.nr) || ev.e.ret != 0 || (ev.e.flags & EventNoReturn))
            continue;
        std::vector<std::string_view> parts;
        scanArgs(ev.text, &parts);
        const std::size_t pathArg = ev.e.nr == sys_.execveat ? 1 : 0;
        auto& p = processes[processIndex.at(ev.e.pid)];
        p.image = parts.size() > pathArg ? unquote(parts[pathArg]).value_or(std::string()) : std::string();
        p.argv.clear();
        if (parts.size() > pathArg + 1) {
            const auto array = trim(parts[pathArg + 1]);
            if (array.starts_with('[')) {
                std::vector<std::string_view> items;
                scanArgs(array.substr(1), &items); // stops at the ']' as at an unbalanced closer
                for (const auto item : items)
                    if (auto s = unquote(item))
                        p.argv.push_back(std::move(*s));
            }
        }
    }
    for (auto& s : signals)
        s.pid = tgid(s.tid);
    std::stable_sort(signals.begin(), signals.end(),
                     [](const SignalEvent& a, const SignalEvent& b) { return a.timeNs < b.timeNs; });

    std::vector<std::string> command{"import-strace"};
    command.insert(command.end(), paths.begin(), paths.end());
    sink.begin(arch, command, wallClock);
    for (const auto& p : processes)
        sink.process(p);
    std::size_t s = 0;
    for (const auto& ev : evs) {
        while (s < signals.size() && signals[s].timeNs <= ev.e.timeNs)
            sink.signal(signals[s++]);
        sink.event(ev.e);
    }
    while (s < signals.size())
        sink.signal(signals[s++]);
    sink.end();
    report_.events = evs.size();
}

} // namespace

StraceImportReport importStraceLogs(const std::vector<std::string>& paths, TraceSink& sink, Arch arch) {
    if (paths.empty())
        throw Error("import-strace: no log files given");
    StraceImportReport report;
    Importer importer(arch, report);
    for (std::size_t i = 0; i < paths.size(); ++i)
        importer.readFile(paths[i], static_cast<std::uint32_t>(i));
    importer.checkClocks();
    importer.deliver(paths, arch, sink);
    return report;
}

} // namespace swb
