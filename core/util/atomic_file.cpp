#include "util/atomic_file.h"

#include "util/error.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace swb {

namespace {
std::string errnoText() {
    return std::strerror(errno);
}
} // namespace

AtomicFile::AtomicFile(std::string path)
    : path_(std::move(path))
    , temp_(path_ + ".partial") {
    file_ = std::fopen(temp_.c_str(), "wb");
    if (!file_)
        throw Error(temp_ + ": cannot create: " + errnoText());
}

AtomicFile::~AtomicFile() {
    if (file_)
        std::fclose(file_);
    if (!done_ && !keep_)
        std::remove(temp_.c_str());
}

void AtomicFile::write(std::string_view bytes) {
    if (!file_)
        throw Error(temp_ + ": write after close");
    if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size())
        throw Error(temp_ + ": write failed: " + errnoText());
}

void AtomicFile::flush() {
    if (file_ && std::fflush(file_) != 0)
        throw Error(temp_ + ": write failed: " + errnoText());
}

void AtomicFile::commit() {
    if (!file_)
        throw Error(temp_ + ": commit after close");
    const bool ok = std::fflush(file_) == 0;
    const int closeRc = std::fclose(file_);
    file_ = nullptr;
    if (!ok || closeRc != 0)
        throw Error(temp_ + ": write failed: " + errnoText());
    if (std::rename(temp_.c_str(), path_.c_str()) != 0)
        throw Error(path_ + ": cannot replace with " + temp_ + ": " + errnoText());
    done_ = true;
}

void writeFileAtomically(const std::string& path, std::string_view bytes) {
    AtomicFile f(path);
    f.write(bytes);
    f.commit();
}

// One allocation of the file's size and read() into it (a stringstream copies the bytes twice).
std::string readWholeFile(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw Error(path + ": cannot open: " + errnoText());
    struct stat st {};
    std::string out;
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
        out.resize(static_cast<std::size_t>(st.st_size));
    std::size_t used = 0;
    char more[4096]; // past the size fstat gave (a growing file, or one without a size)
    for (;;) {
        const bool inside = used < out.size();
        const auto n =
            inside ? ::read(fd, out.data() + used, out.size() - used) : ::read(fd, more, sizeof more);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            const auto problem = errnoText();
            ::close(fd);
            throw Error(path + ": read failed: " + problem);
        }
        if (n == 0)
            break;
        if (!inside)
            out.append(more, static_cast<std::size_t>(n));
        used += static_cast<std::size_t>(n);
    }
    ::close(fd);
    out.resize(used);
    return out;
}

} // namespace swb
