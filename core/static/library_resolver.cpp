#include "static/elf_image.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <fstream>
#include <sstream>

namespace swb {

namespace {

constexpr int kMaxSymlinks = 40;     // as the kernel's ELOOP limit
constexpr int kMaxIncludeDepth = 16; // ld.so.conf include nesting

std::string dirName(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos)
        return ".";
    if (slash == 0)
        return "/";
    return path.substr(0, slash);
}

std::string joinPath(const std::string& dir, const std::string& name) {
    if (dir.empty())
        return name;
    if (dir.back() == '/')
        return dir + name;
    return dir + "/" + name;
}

std::string currentDirectory() {
    std::string buf(4096, '\0');
    while (!::getcwd(buf.data(), buf.size())) {
        if (errno != ERANGE)
            return "/";
        buf.resize(buf.size() * 2);
    }
    return buf.c_str();
}

std::string readLink(const std::string& path) {
    std::string buf(256, '\0');
    for (;;) {
        const auto n = ::readlink(path.c_str(), buf.data(), buf.size());
        if (n < 0)
            return {};
        if (static_cast<std::size_t>(n) < buf.size())
            return buf.substr(0, static_cast<std::size_t>(n));
        buf.resize(buf.size() * 2);
    }
}

// Pushes the components of `path` on a stack so that the first component is popped first.
void pushComponents(std::vector<std::string>& stack, const std::string& path) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= path.size()) {
        const auto slash = path.find('/', start);
        const auto end = slash == std::string::npos ? path.size() : slash;
        if (end > start)
            parts.push_back(path.substr(start, end - start));
        start = end + 1;
    }
    stack.insert(stack.end(), parts.rbegin(), parts.rend());
}

bool isDirectory(const std::string& hostPath) {
    struct stat st {};
    return ::stat(hostPath.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// What ld.so's open_verify accepts for this process: a regular ELF64 little-endian x86-64 file.
bool isCompatibleElf(const std::string& hostPath) {
    const int fd = ::open(hostPath.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat st {};
    std::array<unsigned char, 20> header{};
    const bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
                    ::read(fd, header.data(), header.size()) == static_cast<ssize_t>(header.size());
    ::close(fd);
    return ok && header[0] == 0x7f && header[1] == 'E' && header[2] == 'L' && header[3] == 'F' &&
           header[4] == 2 /* ELFCLASS64 */ && header[5] == 1 /* ELFDATA2LSB */ && header[18] == 62 &&
           header[19] == 0 /* EM_X86_64 */;
}

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos)
        return {};
    const auto e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

bool hasGlobChars(const std::string& s) {
    return s.find_first_of("*?[") != std::string::npos;
}

bool identifierChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

} // namespace

LibraryResolver::LibraryResolver(std::string rootfs, std::vector<std::string> ldLibraryPath)
    : rootfs_(std::move(rootfs))
    , ldLibraryPath_(std::move(ldLibraryPath)) {
    while (!rootfs_.empty() && rootfs_.back() == '/')
        rootfs_.pop_back();
    if (!rootfs_.empty() && rootfs_[0] != '/')
        rootfs_ = joinPath(currentDirectory(), rootfs_);

    // The layout decides $LIB and the default directories, as the distribution's glibc was built:
    // Debian-style multiarch, lib64 (Fedora, SUSE), or plain lib (Arch).
    if (isDirectory(hostPath("/lib/x86_64-linux-gnu")) ||
        isDirectory(hostPath("/usr/lib/x86_64-linux-gnu"))) {
        libToken_ = "lib/x86_64-linux-gnu";
        defaultDirs_ = {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib"};
    } else if (canonicalPath("/usr/lib64").ends_with("/lib64") && isDirectory(hostPath("/usr/lib64"))) {
        libToken_ = "lib64";
        defaultDirs_ = {"/lib64", "/usr/lib64"};
    } else {
        libToken_ = "lib";
        defaultDirs_ = {"/lib", "/usr/lib"};
    }

    readLdSoConf("/etc/ld.so.conf", 0);
    for (const auto& d : defaultDirs_)
        systemDirs_.push_back(d);
    std::vector<std::string> unique;
    for (const auto& d : systemDirs_) {
        if (std::find(unique.begin(), unique.end(), d) == unique.end())
            unique.push_back(d);
    }
    systemDirs_ = std::move(unique);

    std::ifstream preload(hostPath("/etc/ld.so.preload"));
    std::string word;
    for (std::string line; std::getline(preload, line);) {
        for (auto& c : line) {
            if (c == ':' || c == '\t')
                c = ' ';
        }
        std::istringstream words(line);
        while (words >> word)
            preload_.push_back(word);
    }
}

void LibraryResolver::readLdSoConf(const std::string& file, int depth) {
    if (depth > kMaxIncludeDepth)
        return;
    std::ifstream in(hostPath(file));
    for (std::string line; std::getline(in, line);) {
        if (const auto hash = line.find('#'); hash != std::string::npos)
            line.erase(hash);
        line = trim(line);
        if (line.empty())
            continue;
        if (line.size() > 7 && line.compare(0, 7, "include") == 0 && (line[7] == ' ' || line[7] == '\t')) {
            std::istringstream patterns(line.substr(8));
            std::string pattern;
            while (patterns >> pattern) {
                if (pattern[0] != '/')
                    pattern = joinPath(dirName(file), pattern);
                for (const auto& included : globInRoot(pattern))
                    readLdSoConf(included, depth + 1);
            }
            continue;
        }
        if (line.size() > 5 && strncasecmp(line.c_str(), "hwcap", 5) == 0 &&
            (line[5] == ' ' || line[5] == '\t'))
            continue;
        while (line.size() > 1 && line.back() == '/')
            line.pop_back();
        if (line[0] == '/') // ldconfig warns about relative directories; ld.so never sees them
            systemDirs_.push_back(line);
    }
}

std::vector<std::string> LibraryResolver::globInRoot(const std::string& pattern) const {
    std::vector<std::string> parts;
    pushComponents(parts, pattern);
    std::reverse(parts.begin(), parts.end());
    std::vector<std::string> candidates{"/"};
    for (const auto& part : parts) {
        std::vector<std::string> next;
        for (const auto& dir : candidates) {
            if (!hasGlobChars(part)) {
                next.push_back(joinPath(dir, part));
                continue;
            }
            DIR* d = ::opendir(hostPath(dir).c_str());
            if (!d)
                continue;
            while (const auto* entry = ::readdir(d)) {
                const std::string name = entry->d_name;
                if (name != "." && name != ".." && ::fnmatch(part.c_str(), name.c_str(), FNM_PERIOD) == 0)
                    next.push_back(joinPath(dir, name));
            }
            ::closedir(d);
        }
        candidates = std::move(next);
    }
    std::vector<std::string> existing;
    for (const auto& c : candidates) {
        struct stat st {};
        if (::stat(hostPath(c).c_str(), &st) == 0)
            existing.push_back(c);
    }
    std::sort(existing.begin(), existing.end());
    return existing;
}

std::string LibraryResolver::canonicalPath(const std::string& pathInRootfs) const {
    std::string start = pathInRootfs;
    if (start.empty() || start[0] != '/')
        start = joinPath(rootfs_.empty() ? currentDirectory() : std::string("/"), start);
    std::vector<std::string> pending;
    pushComponents(pending, start);
    std::vector<std::string> resolved;
    const auto joined = [&] {
        std::string s;
        for (const auto& c : resolved)
            s += "/" + c;
        return s.empty() ? std::string("/") : s;
    };
    int links = 0;
    bool exists = true; // once a component is missing, the rest is applied lexically
    while (!pending.empty()) {
        const auto component = std::move(pending.back());
        pending.pop_back();
        if (component == ".")
            continue;
        if (component == "..") {
            if (!resolved.empty())
                resolved.pop_back();
            continue;
        }
        resolved.push_back(component);
        if (!exists)
            continue;
        const auto host = rootfs_ + joined();
        struct stat st {};
        if (::lstat(host.c_str(), &st) != 0) {
            exists = false;
            continue;
        }
        if (!S_ISLNK(st.st_mode))
            continue;
        const auto target = readLink(host);
        if (++links > kMaxSymlinks || target.empty()) {
            exists = false;
            continue;
        }
        resolved.pop_back();
        if (target[0] == '/')
            resolved.clear(); // absolute targets are relative to the rootfs
        pushComponents(pending, target);
    }
    return joined();
}

std::string LibraryResolver::hostPath(const std::string& pathInRootfs) const {
    if (rootfs_.empty())
        return pathInRootfs;
    return rootfs_ + canonicalPath(pathInRootfs);
}

std::string LibraryResolver::expandTokens(const std::string& text, const std::string& origin) const {
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        if (text[i] != '$') {
            out.push_back(text[i++]);
            continue;
        }
        bool matched = false;
        for (const auto& [token, value] : {std::pair<std::string, const std::string*>{"ORIGIN", &origin},
                                           {"LIB", &libToken_},
                                           {"PLATFORM", nullptr}}) {
            const std::string braced = "{" + token + "}";
            std::size_t length = 0;
            if (text.compare(i + 1, braced.size(), braced) == 0)
                length = braced.size();
            else if (text.compare(i + 1, token.size(), token) == 0 &&
                     (i + 1 + token.size() == text.size() || !identifierChar(text[i + 1 + token.size()])))
                length = token.size();
            if (!length)
                continue;
            out += value ? *value : std::string("x86_64");
            i += 1 + length;
            matched = true;
            break;
        }
        if (!matched)
            out.push_back(text[i++]);
    }
    return out;
}

std::optional<LibraryResolver::Found> LibraryResolver::tryPath(const std::string& path) const {
    auto host = hostPath(path);
    if (!isCompatibleElf(host))
        return std::nullopt;
    return Found{path, std::move(host)};
}

std::optional<LibraryResolver::Found> LibraryResolver::resolve(const std::string& name,
                                                               const std::vector<Loader>& loaderChain) const {
    if (loaderChain.empty() || name.empty())
        return std::nullopt;
    const auto& loader = loaderChain.back();
    const auto origin = [](const Loader& l) {
        return dirName(l.path);
    };
    if (name.find('/') != std::string::npos)
        return tryPath(expandTokens(name, origin(loader)));

    std::vector<std::string> dirs;
    const auto add = [&](const std::vector<std::string>& list, const std::string& from) {
        for (const auto& d : list) {
            if (!d.empty())
                dirs.push_back(expandTokens(d, from));
        }
    };
    if (loader.image->runpath().empty()) {
        for (auto it = loaderChain.rbegin(); it != loaderChain.rend(); ++it) {
            if (it->image->runpath().empty()) // an object with DT_RUNPATH has its DT_RPATH ignored
                add(it->image->rpath(), origin(*it));
        }
    }
    add(ldLibraryPath_, origin(loaderChain.front()));
    add(loader.image->runpath(), origin(loader));
    // -z nodefaultlib: like ld.so, drop every directory at or below a default one (a cache entry
    // is rejected when its path starts with a default directory).
    const auto belowDefault = [&](const std::string& d) {
        return std::any_of(defaultDirs_.begin(), defaultDirs_.end(), [&](const std::string& def) {
            return d == def ||
                   (d.size() > def.size() && d.compare(0, def.size(), def) == 0 && d[def.size()] == '/');
        });
    };
    for (const auto& d : systemDirs_) {
        if (!loader.image->noDefaultLibraries() || !belowDefault(d))
            dirs.push_back(d);
    }
    for (const auto& d : dirs) {
        if (auto found = tryPath(joinPath(d, name)))
            return found;
    }
    return std::nullopt;
}

} // namespace swb
