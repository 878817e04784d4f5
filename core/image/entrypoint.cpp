#include "image/entrypoint.h"

#include "util/error.h"

#include <elf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace swb {

namespace {

constexpr int kMaxScriptHops = 4;
constexpr std::size_t kMaxScriptBytes = 1 << 20;

// The file at image path PATH, opened with every symlink resolved inside ROOTFS; -1 when missing.
int openInImage(const std::string& rootfs, const std::string& path) {
    const int root = ::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        throw Error(rootfs + ": cannot open the image root: " + std::strerror(errno));
    const std::string relative = path.empty() || path == "/" ? "." : path.substr(path.find_first_not_of('/'));
    const int fd = openInsideRoot(root, relative, O_RDONLY);
    ::close(root);
    return fd;
}

bool isExecutableFile(const std::string& rootfs, const std::string& path) {
    const int fd = openInImage(rootfs, path);
    if (fd < 0)
        return false;
    struct stat st {};
    const bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
    ::close(fd);
    return ok;
}

// Whether two image paths name the same file (symlinks resolved inside ROOTFS).
bool sameFileInImage(const std::string& rootfs, const std::string& a, const std::string& b) {
    const int fa = openInImage(rootfs, a);
    const int fb = openInImage(rootfs, b);
    struct stat sa {
    }, sb{};
    const bool same = fa >= 0 && fb >= 0 && ::fstat(fa, &sa) == 0 && ::fstat(fb, &sb) == 0 &&
                      sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    if (fa >= 0)
        ::close(fa);
    if (fb >= 0)
        ::close(fb);
    return same;
}

std::string readHead(const std::string& rootfs, const std::string& path, std::size_t limit) {
    const int fd = openInImage(rootfs, path);
    if (fd < 0)
        return {};
    std::string out(limit, '\0');
    std::size_t got = 0;
    while (got < limit) {
        const ssize_t n = ::read(fd, out.data() + got, limit - got);
        if (n <= 0)
            break;
        got += static_cast<std::size_t>(n);
    }
    ::close(fd);
    out.resize(got);
    return out;
}

// argv[0] as the runtime finds it: absolute as given, else the first PATH entry that has it.
std::string findProgram(const std::string& name, const std::vector<std::string>& env,
                        const std::string& rootfs) {
    if (name.find('/') != std::string::npos)
        return name.front() == '/' ? name : "/" + name;
    std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (const auto& e : env)
        if (e.starts_with("PATH="))
            path = e.substr(5);
    std::stringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        if (dir.empty())
            continue;
        const std::string candidate = dir + (dir.back() == '/' ? "" : "/") + name;
        if (isExecutableFile(rootfs, candidate))
            return candidate;
    }
    return {};
}

// The words of a line, with simple quotes removed; stops at a comment.
std::vector<std::string> words(const std::string& line) {
    std::vector<std::string> out;
    std::string word;
    char quote = 0;
    for (const char c : line) {
        if (quote) {
            if (c == quote)
                quote = 0;
            else
                word += c;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '#' && word.empty()) {
            break;
        } else if (c == ' ' || c == '\t' || c == ';' || c == '&' || c == '|') {
            if (!word.empty())
                out.push_back(std::move(word));
            word.clear();
            if (c != ' ' && c != '\t')
                out.push_back(std::string(1, c));
        } else {
            word += c;
        }
    }
    if (!word.empty())
        out.push_back(std::move(word));
    return out;
}

// The program a shell script execs: the last `exec PROGRAM` whose PROGRAM is literal (no $), past
// options of exec itself and of wrappers such as `gosu USER`/`su-exec USER`/`tini --`/`env`.
std::string execTarget(const std::string& script) {
    std::string found;
    std::stringstream lines(script);
    std::string line;
    while (std::getline(lines, line)) {
        const auto w = words(line);
        for (std::size_t i = 0; i < w.size(); ++i) {
            if (w[i] != "exec")
                continue;
            std::size_t k = i + 1;
            while (k < w.size() && w[k].starts_with("-"))
                ++k;
            for (int wrappers = 0; k < w.size() && wrappers < 4; ++wrappers) {
                const std::string base = w[k].substr(w[k].rfind('/') + 1);
                if (base == "gosu" || base == "su-exec" || base == "chpst")
                    k += 2;
                else if (base == "tini" || base == "dumb-init" || base == "env") {
                    ++k;
                    while (k < w.size() && (w[k].starts_with("-") || w[k].find('=') != std::string::npos))
                        ++k;
                } else
                    break;
            }
            if (k < w.size() && w[k].find('$') == std::string::npos && w[k] != ";" && w[k] != "&" &&
                w[k] != "|")
                found = w[k];
        }
    }
    return found;
}

} // namespace

ImageEntrypoint resolveEntrypoint(const ImageConfig& config, const std::string& rootfs) {
    ImageEntrypoint out;
    out.argv = config.entrypoint;
    out.argv.insert(out.argv.end(), config.cmd.begin(), config.cmd.end());
    if (out.argv.empty() || out.argv.front().empty())
        throw Error("the image config names no command (Entrypoint and Cmd are empty): give the program to "
                    "analyze");
    out.program = findProgram(out.argv.front(), config.env, rootfs);
    if (out.program.empty() || !isExecutableFile(rootfs, out.program))
        throw Error("the image's command '" + out.argv.front() + "' is not an executable file in the image");
    std::string current = out.program;
    for (int hop = 0;; ++hop) {
        const std::string head = readHead(rootfs, current, kMaxScriptBytes);
        if (head.starts_with("\x7f"
                             "ELF")) {
            out.analyze = current;
            // An interpreter that is the program itself (/bin/sh -> busybox) needs no second analysis.
            std::erase_if(out.interpreters,
                          [&](const std::string& i) { return sameFileInImage(rootfs, i, current); });
            return out;
        }
        if (!head.starts_with("#!"))
            throw Error(current + " (in the image): neither an ELF program nor a script");
        if (hop >= kMaxScriptHops)
            throw Error(current + " (in the image): scripts exec scripts more than " +
                        std::to_string(kMaxScriptHops) + " deep");
        const auto interpreterWords = words(head.substr(2, head.find('\n') - 2));
        if (interpreterWords.empty())
            throw Error(current + " (in the image): a #! line without an interpreter");
        std::string interpreter = interpreterWords.front();
        if (interpreter.substr(interpreter.rfind('/') + 1) == "env" && interpreterWords.size() > 1)
            interpreter = findProgram(interpreterWords[1], config.env, rootfs);
        const std::string base = interpreter.substr(interpreter.rfind('/') + 1);
        const bool shell =
            base == "sh" || base == "bash" || base == "dash" || base == "ash" || base == "busybox";
        const std::string target = shell ? execTarget(head) : std::string();
        const std::string targetPath =
            target.empty() ? std::string() : findProgram(target, config.env, rootfs);
        if (!targetPath.empty() && isExecutableFile(rootfs, targetPath)) {
            // The interpreter runs the script before the exec: its syscalls are the container's too.
            const std::string interpreterPath =
                interpreter.starts_with("/") ? interpreter : findProgram(interpreter, config.env, rootfs);
            if (!interpreterPath.empty() && std::find(out.interpreters.begin(), out.interpreters.end(),
                                                      interpreterPath) == out.interpreters.end())
                out.interpreters.push_back(interpreterPath);
            out.chain.push_back(current + " (script, run by " + interpreter + ") -> exec " + targetPath);
            current = targetPath;
            continue;
        }
        // The script's own logic decides what runs: analyze its interpreter, and say so.
        out.warnings.push_back(current +
                               " is a script whose exec'd program cannot be told from its text; "
                               "analyzing its interpreter " +
                               interpreter + " instead (give the program to analyze it)");
        out.chain.push_back(current + " (script) -> interpreter " + interpreter);
        current = interpreter;
    }
}

namespace {

// Lines of an image's /etc/passwd or /etc/group split at ':' (at most 1 MiB read).
std::vector<std::vector<std::string>> colonFile(const std::string& rootfs, const std::string& path) {
    std::vector<std::vector<std::string>> out;
    std::istringstream in(readHead(rootfs, path, kMaxScriptBytes));
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#')
            continue;
        std::vector<std::string> fields;
        std::size_t start = 0;
        for (;;) {
            const auto colon = line.find(':', start);
            fields.push_back(line.substr(start, colon - start));
            if (colon == std::string::npos)
                break;
            start = colon + 1;
        }
        out.push_back(std::move(fields));
    }
    return out;
}

std::optional<unsigned> numeric(const std::string& s) {
    if (s.empty() || s.size() > 10 || s.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    const unsigned long v = std::stoul(s);
    if (v > 0xfffffffeUL)
        return std::nullopt;
    return static_cast<unsigned>(v);
}

} // namespace

ImageUser resolveImageUser(const std::string& user, const std::string& rootfs) {
    ImageUser out;
    if (user.empty())
        return out;
    const auto colon = user.find(':');
    const std::string name = user.substr(0, colon);
    const std::string group = colon == std::string::npos ? std::string() : user.substr(colon + 1);
    const auto passwd = colonFile(rootfs, "/etc/passwd");
    const auto groups = colonFile(rootfs, "/etc/group");
    std::string userName;
    if (const auto givenUid = numeric(name)) {
        out.uid = *givenUid;
        for (const auto& f : passwd)
            if (f.size() >= 4 && numeric(f[2]) == givenUid) {
                userName = f[0];
                if (const auto g = numeric(f[3]); g && group.empty()) {
                    out.gid = *g;
                }
                break;
            }
    } else {
        bool found = false;
        for (const auto& f : passwd)
            if (f.size() >= 4 && f[0] == name) {
                const auto uid = numeric(f[2]);
                const auto gid = numeric(f[3]);
                if (!uid || !gid)
                    throw Error(rootfs + "/etc/passwd: user " + name + " has no numeric uid/gid");
                out.uid = *uid;
                out.gid = *gid;
                userName = name;
                found = true;
                break;
            }
        if (!found)
            throw Error("image user \"" + user + "\": no user " + name + " in the image's /etc/passwd");
    }
    if (!group.empty()) {
        if (const auto givenGid = numeric(group)) {
            out.gid = *givenGid;
        } else {
            bool found = false;
            for (const auto& f : groups)
                if (f.size() >= 3 && f[0] == group) {
                    const auto gid = numeric(f[2]);
                    if (!gid)
                        throw Error(rootfs + "/etc/group: group " + group + " has no numeric gid");
                    out.gid = *gid;
                    found = true;
                    break;
                }
            if (!found)
                throw Error("image user \"" + user + "\": no group " + group + " in the image's /etc/group");
        }
    }
    if (!userName.empty()) {
        for (const auto& f : groups) {
            if (f.size() < 4)
                continue;
            const auto gid = numeric(f[2]);
            if (!gid || *gid == out.gid)
                continue;
            std::istringstream members(f[3]);
            std::string m;
            while (std::getline(members, m, ','))
                if (m == userName) {
                    out.additionalGids.push_back(*gid);
                    break;
                }
        }
    }
    return out;
}

namespace {

// Whether FD is an x86-64 executable (not a shared library).
bool isElfExecutable(int fd) {
    Elf64_Ehdr eh{};
    if (::pread(fd, &eh, sizeof eh, 0) != static_cast<ssize_t>(sizeof eh) ||
        std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
        eh.e_machine != EM_X86_64)
        return false;
    if (eh.e_type == ET_EXEC)
        return true;
    if (eh.e_type != ET_DYN || eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum > 512)
        return false;
    for (int i = 0; i < eh.e_phnum; ++i) {
        Elf64_Phdr ph{};
        const auto at = static_cast<off_t>(eh.e_phoff + static_cast<std::uint64_t>(i) * sizeof ph);
        if (::pread(fd, &ph, sizeof ph, at) != static_cast<ssize_t>(sizeof ph))
            return false;
        if (ph.p_type == PT_INTERP)
            return true; // a position-independent executable
    }
    return false;
}

} // namespace

std::vector<std::string> imageExecutables(const std::string& rootfs) {
    namespace fs = std::filesystem;
    std::vector<std::string> out;
    std::set<std::pair<dev_t, ino_t>> seen;
    std::error_code ec;
    fs::recursive_directory_iterator it(rootfs, fs::directory_options::skip_permission_denied, ec);
    if (ec)
        throw Error(rootfs + ": cannot list the image: " + ec.message());
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec)
            break;
        const fs::directory_entry& e = *it;
        if (e.is_symlink(ec) || !e.is_regular_file(ec))
            continue;
        struct stat st {};
        if (::lstat(e.path().c_str(), &st) != 0 || !(st.st_mode & 0111) || st.st_size < 64)
            continue;
        if (!seen.insert({st.st_dev, st.st_ino}).second)
            continue;
        const int fd = ::open(e.path().c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            continue;
        const bool exe = isElfExecutable(fd);
        ::close(fd);
        if (exe)
            out.push_back("/" + fs::relative(e.path(), rootfs).string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace swb
