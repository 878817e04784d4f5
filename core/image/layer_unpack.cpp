#include "image/layer_unpack.h"

#include "util/error.h"

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace swb {

namespace {

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";

// A file descriptor closed when it goes out of scope.
class Fd {
public:
    explicit Fd(int fd = -1)
        : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0)
            ::close(fd_);
    }
    Fd(Fd&& o) noexcept
        : fd_(std::exchange(o.fd_, -1)) {}
    Fd& operator=(Fd&& o) noexcept {
        if (this != &o) {
            if (fd_ >= 0)
                ::close(fd_);
            fd_ = std::exchange(o.fd_, -1);
        }
        return *this;
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }
    bool ok() const { return fd_ >= 0; }

private:
    int fd_;
};

std::string errnoText() {
    return std::strerror(errno);
}

Fd openInRoot(int root, const std::string& path, int flags) {
    return Fd(openInsideRoot(root, path, flags));
}

// Removes NAME in directory DIR and, for a directory, everything in it; symlinks are removed, not
// followed. Missing is fine.
void removeTree(int dir, const char* name) {
    struct stat st {};
    if (::fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        Fd sub(::openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (sub.ok()) {
            DIR* d = ::fdopendir(::dup(sub.get()));
            if (d) {
                std::vector<std::string> children;
                while (const dirent* e = ::readdir(d))
                    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
                        children.emplace_back(e->d_name);
                ::closedir(d);
                for (const auto& c : children)
                    removeTree(sub.get(), c.c_str());
            }
        }
        ::unlinkat(dir, name, AT_REMOVEDIR);
    } else {
        ::unlinkat(dir, name, 0);
    }
}

// An entry name made relative and checked: no absolute names, no "..", no empty components.
// Returns "" for the root itself.
std::string cleanName(const char* raw, const std::string& where) {
    if (!raw)
        throw Error(where + ": entry without a name");
    std::string name(raw);
    if (name.size() > 4096)
        throw Error(where + ": entry name longer than 4096 bytes");
    if (!name.empty() && name.front() == '/')
        throw Error(where + ": entry '" + name + "': absolute name (an image layer holds relative paths)");
    std::string out;
    std::size_t start = 0;
    while (start <= name.size()) {
        const std::size_t slash = name.find('/', start);
        const std::string part =
            name.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
        if (part == "..")
            throw Error(where + ": entry '" + name + "': '..' would leave the image root");
        if (!part.empty() && part != ".")
            out += (out.empty() ? "" : "/") + part;
        if (slash == std::string::npos)
            break;
        start = slash + 1;
    }
    return out;
}

std::pair<std::string, std::string> splitParent(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos)
        return {"", path};
    return {path.substr(0, slash), path.substr(slash + 1)};
}

struct ArchiveDeleter {
    void operator()(archive* a) const { archive_read_free(a); }
};

class LayerApplier {
public:
    LayerApplier(int root, std::string layerName, const UnpackLimits& limits, UnpackReport& report)
        : root_(root)
        , layer_(std::move(layerName))
        , limits_(limits)
        , report_(report) {}

    void apply(const std::string& layerPath) {
        std::unique_ptr<archive, ArchiveDeleter> a(archive_read_new());
        archive_read_support_filter_all(a.get());
        archive_read_support_format_tar(a.get());
        if (archive_read_open_filename(a.get(), layerPath.c_str(), 1 << 16) != ARCHIVE_OK)
            throw Error(layer_ + ": " + layerPath + ": " + archive_error_string(a.get()));
        archive_entry* entry = nullptr;
        for (;;) {
            const int r = archive_read_next_header(a.get(), &entry);
            if (r == ARCHIVE_EOF)
                break;
            if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
                throw Error(layer_ + ": " + layerPath + ": after " + std::to_string(entriesHere_) +
                            " entries: " + archive_error_string(a.get()));
            ++entriesHere_;
            if (++report_.entries > limits_.maxEntries)
                throw Error(layer_ + ": more than " + std::to_string(limits_.maxEntries) +
                            " entries in the image");
            applyEntry(a.get(), entry);
        }
    }

private:
    [[noreturn]] void fail(const std::string& name, const std::string& problem) const {
        throw Error(layer_ + ": entry '" + name + "': " + problem);
    }

    // The directory that will hold PATH, created (as 0755 directories) where missing, resolved in
    // the root.
    Fd parentOf(const std::string& path, const std::string& name) {
        const auto [parent, base] = splitParent(path);
        Fd dir = openInRoot(root_, parent, O_PATH | O_DIRECTORY);
        if (dir.ok())
            return dir;
        if (errno != ENOENT)
            fail(name, "cannot open its directory '" + parent + "': " + errnoText());
        // Create the missing parents one by one, each resolved in the root.
        std::string built;
        std::size_t start = 0;
        while (start < parent.size()) {
            const auto slash = parent.find('/', start);
            const std::string part =
                parent.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
            Fd at = openInRoot(root_, built, O_PATH | O_DIRECTORY);
            if (!at.ok())
                fail(name, "cannot open '" + built + "': " + errnoText());
            if (::mkdirat(at.get(), part.c_str(), 0755) != 0 && errno != EEXIST)
                fail(name, "cannot create the directory '" + built + (built.empty() ? "" : "/") + part +
                               "': " + errnoText());
            built += (built.empty() ? "" : "/") + part;
            if (slash == std::string::npos)
                break;
            start = slash + 1;
        }
        dir = openInRoot(root_, parent, O_PATH | O_DIRECTORY);
        if (!dir.ok())
            fail(name, "cannot open its directory '" + parent + "': " + errnoText());
        return dir;
    }

    void applyEntry(archive* a, archive_entry* entry) {
        const char* raw = archive_entry_pathname(entry);
        const std::string name = raw ? raw : "";
        const std::string path = cleanName(raw, layer_);
        if (path.empty())
            return; // the root directory itself
        const auto [parentPath, base] = splitParent(path);

        // Whiteouts remove what the lower layers put there; this layer's own entries stay.
        if (base == kOpaqueMarker) {
            Fd dir = parentOf(path, name);
            Fd list(::openat(dir.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
            DIR* d = list.ok() ? ::fdopendir(::dup(list.get())) : nullptr;
            std::vector<std::string> children;
            if (d) {
                while (const dirent* e = ::readdir(d))
                    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
                        children.emplace_back(e->d_name);
                ::closedir(d);
            }
            for (const auto& c : children)
                if (!createdHere_.count((parentPath.empty() ? "" : parentPath + "/") + c))
                    removeTree(list.get(), c.c_str());
            ++report_.whiteouts;
            return;
        }
        if (base.starts_with(kWhiteoutPrefix)) {
            const std::string victim = base.substr(kWhiteoutPrefix.size());
            if (victim.empty() || victim == "." || victim == "..")
                fail(name, "malformed whiteout");
            Fd dir = openInRoot(root_, parentPath, O_RDONLY | O_DIRECTORY);
            if (dir.ok())
                removeTree(dir.get(), victim.c_str());
            ++report_.whiteouts;
            return;
        }

        const mode_t type = archive_entry_filetype(entry);
        const bool hardlink = archive_entry_hardlink(entry) != nullptr;
        if (!hardlink && (type == AE_IFCHR || type == AE_IFBLK || type == AE_IFIFO || type == AE_IFSOCK)) {
            report_.skipped.push_back(layer_ + ": " + name + ": device node, FIFO or socket not created");
            return;
        }
        mode_t mode = archive_entry_perm(entry);
        if (mode & (S_ISUID | S_ISGID)) {
            report_.skipped.push_back(layer_ + ": " + name + ": setuid/setgid bits dropped");
            mode &= static_cast<mode_t>(~(S_ISUID | S_ISGID));
        }

        Fd dir = parentOf(path, name);
        struct stat existing {};
        const bool exists = ::fstatat(dir.get(), base.c_str(), &existing, AT_SYMLINK_NOFOLLOW) == 0;
        createdHere_.insert(path);

        if (!hardlink && type == AE_IFDIR) {
            if (exists && !S_ISDIR(existing.st_mode))
                removeTree(dir.get(), base.c_str());
            if (::mkdirat(dir.get(), base.c_str(), 0755) != 0 && errno != EEXIST)
                fail(name, "cannot create the directory: " + errnoText());
            Fd made(::openat(dir.get(), base.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (made.ok())
                ::fchmod(made.get(), (mode & 07777) | S_IRWXU); // the unpacker must be able to fill it
            ++report_.directories;
            return;
        }
        // Anything else replaces what is there (a directory only when this entry is not one).
        if (exists)
            removeTree(dir.get(), base.c_str());

        if (hardlink) {
            const std::string target =
                cleanName(archive_entry_hardlink(entry), layer_ + ": entry '" + name + "' (hard link)");
            if (target.empty())
                fail(name, "hard link to the image root");
            const auto [targetParent, targetBase] = splitParent(target);
            Fd targetDir = openInRoot(root_, targetParent, O_PATH | O_DIRECTORY);
            if (!targetDir.ok())
                fail(name, "hard link to '" + target + "', which is not in the image: " + errnoText());
            struct stat st {};
            if (::fstatat(targetDir.get(), targetBase.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
                fail(name, "hard link to '" + target + "', which is not in the image");
            if (S_ISDIR(st.st_mode))
                fail(name, "hard link to a directory");
            // linkat without AT_SYMLINK_FOLLOW links the name itself, never what a symlink points to.
            if (::linkat(targetDir.get(), targetBase.c_str(), dir.get(), base.c_str(), 0) != 0)
                fail(name, "cannot create the hard link to '" + target + "': " + errnoText());
            ++report_.hardlinks;
            return;
        }
        if (type == AE_IFLNK) {
            const char* target = archive_entry_symlink(entry);
            if (!target)
                fail(name, "symlink without a target");
            // The link is data: written as recorded, never followed by the unpacker.
            if (::symlinkat(target, dir.get(), base.c_str()) != 0)
                fail(name, std::string("cannot create the symlink: ") + errnoText());
            ++report_.symlinks;
            return;
        }
        if (type != AE_IFREG)
            fail(name, "unknown entry type");
        const la_int64_t size = archive_entry_size(entry);
        if (size < 0 || static_cast<std::uint64_t>(size) > limits_.maxEntryBytes)
            fail(name, "file of " + std::to_string(size) + " bytes is over the limit of " +
                           std::to_string(limits_.maxEntryBytes));
        if (report_.bytes + static_cast<std::uint64_t>(size) > limits_.maxTotalBytes)
            fail(name, "the image holds more than " + std::to_string(limits_.maxTotalBytes) + " bytes");
        Fd out(::openat(dir.get(), base.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!out.ok())
            fail(name, "cannot create the file: " + errnoText());
        std::uint64_t written = 0;
        const void* block = nullptr;
        size_t length = 0;
        la_int64_t offset = 0;
        for (;;) {
            const int r = archive_read_data_block(a, &block, &length, &offset);
            if (r == ARCHIVE_EOF)
                break;
            if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
                fail(name, std::string("cannot read its data: ") + archive_error_string(a));
            if (offset < 0 || static_cast<std::uint64_t>(offset) + length > static_cast<std::uint64_t>(size))
                fail(name, "data beyond the size its header gives");
            const auto* p = static_cast<const char*>(block);
            std::size_t left = length;
            off_t at = offset;
            while (left > 0) {
                const ssize_t n = ::pwrite(out.get(), p, left, at);
                if (n < 0)
                    fail(name, "cannot write the file: " + errnoText());
                p += n;
                left -= static_cast<std::size_t>(n);
                at += n;
            }
            written = std::max<std::uint64_t>(written, static_cast<std::uint64_t>(offset) + length);
        }
        if (::ftruncate(out.get(), size) != 0)
            fail(name, "cannot size the file: " + errnoText());
        ::fchmod(out.get(), mode & 07777);
        report_.bytes += static_cast<std::uint64_t>(size);
        ++report_.files;
    }

    int root_;
    std::string layer_;
    const UnpackLimits& limits_;
    UnpackReport& report_;
    std::uint64_t entriesHere_ = 0;
    std::set<std::string> createdHere_;
};

} // namespace

int openInsideRoot(int rootFd, const std::string& relative, int flags) {
    open_how how{};
    how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    const long fd =
        ::syscall(SYS_openat2, rootFd, relative.empty() ? "." : relative.c_str(), &how, sizeof how);
    return fd < 0 ? -1 : static_cast<int>(fd);
}

void applyLayer(const std::string& layerPath, const std::string& layerName, const std::string& root,
                const UnpackLimits& limits, UnpackReport& report) {
    Fd rootFd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!rootFd.ok())
        throw Error(root + ": cannot open the target directory: " + errnoText());
    LayerApplier(rootFd.get(), layerName, limits, report).apply(layerPath);
}

std::string sha256OfFile(const std::string& path) {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!f)
        throw Error(path + ": cannot open: " + errnoText());
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
        throw Error(path + ": cannot start a SHA-256 digest");
    std::vector<char> buffer(1 << 16);
    for (;;) {
        const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), f.get());
        if (n > 0 && EVP_DigestUpdate(ctx.get(), buffer.data(), n) != 1)
            throw Error(path + ": SHA-256 digest failed");
        if (n < buffer.size()) {
            if (std::ferror(f.get()))
                throw Error(path + ": read error");
            break;
        }
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(ctx.get(), digest, &length) != 1)
        throw Error(path + ": SHA-256 digest failed");
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "sha256:";
    for (unsigned int i = 0; i < length; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 15];
    }
    return out;
}

} // namespace swb
