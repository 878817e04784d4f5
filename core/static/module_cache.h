#pragma once

#include "static/elf_image.h"
#include "static/module_facts.h"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace swb {

// Per-module analysis results, kept in memory for the run and on disk by build-id
// ($XDG_CACHE_HOME/swb/modules/BUILDID.facts, else ~/.cache/swb/...), so analyzing another
// program that shares libc skips libc. A file of another format version or for another file
// size is ignored and rewritten. Images without a build-id are never cached on disk.
class ModuleCache {
public:
    using Facts = ModuleFacts;
    ModuleCache(bool useDisk, std::string directory = {});

    // Thread-safe; `compute` runs outside the lock.
    std::shared_ptr<const Facts> get(const ElfImage& image, const std::function<Facts()>& compute);

    // Source locations of code addresses of one module (nullopt: no line table covers it), kept by
    // build-id in BUILDID.lines so that DWARF (libc's separate debug file is 5 MB) is read once
    // per library rather than once per analysis. Empty when nothing is cached for the image.
    using Locations = std::map<std::uint64_t, std::optional<ElfImage::SourceLocation>>;
    Locations locations(const ElfImage& image) const;
    // Replaces the image's entry with `all` (what locations() gave plus what was looked up since).
    void storeLocations(const ElfImage& image, const Locations& all) const;
    // Which version of the image's cached locations is on disk (size, time and inode of the file;
    // empty when there is none), for results that depend on them.
    std::string locationsVersion(const ElfImage& image) const;
    static std::string encodeLocations(const Locations& all);
    static bool decodeLocations(std::string_view bytes, Locations& out);

    // A small file of the caller's own (NAME in the cache directory); empty when absent or when the
    // disk cache is off. Written atomically; failures to write are ignored.
    std::string readRecord(const std::string& name) const;
    void writeRecord(const std::string& name, const std::string& bytes) const;

    const std::string& directory() const { return dir_; }
    std::size_t hits() const { return hits_; }
    std::size_t misses() const { return misses_; }

    // Binary encoding of the facts (exposed for tests).
    static std::string encode(const Facts& facts, std::uint64_t fileSize);
    // Returns false when the bytes are not a valid cache entry for a file of this size.
    static bool decode(std::string_view bytes, std::uint64_t fileSize, Facts& out);

private:
    // `storage` keeps `bytes` alive: the decoded facts point into them. Without it they are copied.
    static bool decode(std::string_view bytes, std::uint64_t fileSize, Facts& out,
                       std::shared_ptr<const void> storage);

    bool useDisk_;
    std::string dir_;
    std::mutex mutex_;                                           // guards memory_ and the counters
    std::map<std::string, std::shared_ptr<const Facts>> memory_; // by path
    std::size_t hits_ = 0;
    std::size_t misses_ = 0;
};

} // namespace swb
