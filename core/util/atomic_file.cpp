#include "util/atomic_file.h"

#include "util/error.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

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

std::string readWholeFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error(path + ": cannot open: " + errnoText());
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad())
        throw Error(path + ": read failed: " + errnoText());
    return std::move(ss).str();
}

} // namespace swb
