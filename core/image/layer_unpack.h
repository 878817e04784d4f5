#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace swb {

// Bounds on what one image may make the unpacker write: an image is untrusted input.
struct UnpackLimits {
    std::uint64_t maxEntryBytes = std::uint64_t{4} << 30;  // one file
    std::uint64_t maxTotalBytes = std::uint64_t{32} << 30; // all layers together
    std::uint64_t maxEntries = 4'000'000;
};

// What the layers put into the root, summed over the layers applied.
struct UnpackReport {
    std::uint64_t files = 0;
    std::uint64_t directories = 0;
    std::uint64_t symlinks = 0;
    std::uint64_t hardlinks = 0;
    std::uint64_t whiteouts = 0;
    std::uint64_t bytes = 0;
    std::uint64_t entries = 0;
    // Entries not created on purpose (device nodes, FIFOs, sockets) and bits dropped (setuid,
    // setgid), one line each with the layer and entry.
    std::vector<std::string> skipped;
};

// Applies one image layer (a tar archive, uncompressed or gzip/zstd/xz/bzip2 compressed, read with
// libarchive) onto ROOT, an existing directory, as the OCI image spec and Docker do: entries in
// order, `.wh.NAME` removes NAME from the lower layers, `.wh..wh..opq` empties its directory of
// what the lower layers put there, hard links and symlinks as recorded.
//
// Nothing is written outside ROOT: every path is resolved inside ROOT by the kernel (openat2 with
// RESOLVE_IN_ROOT), so `../`, absolute names, symlinked parents and hard links to outside stay in
// (`../` and absolute names are refused outright); a symlink is created as data and never followed
// when the entry is written. No device nodes, FIFOs or sockets are made, setuid/setgid bits are
// dropped, files are owned by whoever runs the unpacker. Sizes are bounded by LIMITS, counted in
// REPORT across calls. LAYERNAME names the layer in errors ("layer 2 (sha256:ab12…)").
// Throws swb::Error naming the layer, the entry and the problem.
void applyLayer(const std::string& layerPath, const std::string& layerName, const std::string& root,
                const UnpackLimits& limits, UnpackReport& report);

// RELATIVE opened inside the directory ROOTFD as the kernel resolves it with ROOTFD as "/"
// (openat2 RESOLVE_IN_ROOT, no magic links): symlinks and ".." never leave it. Returns the new
// descriptor, or -1 with errno set.
int openInsideRoot(int rootFd, const std::string& relative, int flags);

// "sha256:<64 hex digits>" of a file's bytes. Throws swb::Error when it cannot be read.
std::string sha256OfFile(const std::string& path);

} // namespace swb
