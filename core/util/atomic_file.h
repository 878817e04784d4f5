#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace swb {

// Writes a file so that a reader never sees a partial result: data goes to "PATH.partial" (kept
// after a crash so it can still be loaded), and commit() renames it over PATH.
class AtomicFile {
public:
    explicit AtomicFile(std::string path);
    ~AtomicFile(); // removes the temporary file unless committed or kept
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    void write(std::string_view bytes); // throws swb::Error on I/O failure
    void flush();
    void commit(); // fsync-free rename; throws swb::Error on failure
    // Leave the temporary file in place (a streaming writer that was interrupted).
    void keepPartial() { keep_ = true; }

    const std::string& path() const { return path_; }
    const std::string& tempPath() const { return temp_; }

private:
    std::string path_;
    std::string temp_;
    std::FILE* file_ = nullptr;
    bool done_ = false;
    bool keep_ = false;
};

// Writes a whole file atomically.
void writeFileAtomically(const std::string& path, std::string_view bytes);
// Reads a whole file; throws swb::Error naming the file on failure.
std::string readWholeFile(const std::string& path);

} // namespace swb
