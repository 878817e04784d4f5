#pragma once

#include "image/layer_unpack.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace swb {

// What an image's config says about how its container starts (OCI image config / Docker's).
struct ImageConfig {
    std::vector<std::string> entrypoint;
    std::vector<std::string> cmd;
    std::vector<std::string> env; // "NAME=value"
    std::string workingDir;
    std::string user;
    std::vector<std::string> exposedPorts; // "6379/tcp"
    std::map<std::string, std::string> labels;
    std::string architecture;
    std::string os;
};

struct ImageLayer {
    std::string digest; // of the blob as stored ("sha256:..."), checked before it is applied
    std::string mediaType;
    std::uint64_t size = 0;
    std::string blobPath; // where the blob is on disk
};

// An image opened for reading: an OCI image layout directory, an OCI or `docker save` archive, or
// a plain root directory. Archives are staged (their top-level files unpacked, safely) into a
// temporary directory that lives as long as the Image.
struct Image {
    enum class Kind { OciLayout, DockerArchive, Directory };
    Kind kind = Kind::Directory;
    std::string source;         // as given
    std::string manifestDigest; // empty for a directory
    std::string configDigest;
    ImageConfig config;
    std::vector<ImageLayer> layers;             // bottom first
    std::string rootfs;                         // Kind::Directory: the root itself
    std::shared_ptr<const std::string> staging; // removed when the last copy goes

    std::string kindName() const; // "oci", "docker-archive", "dir"
};

// Opens SPEC: "oci:DIR", "docker-archive:FILE", "oci-archive:FILE", "dir:ROOTFS", or a path whose
// kind is detected (a directory with an `oci-layout` file, another directory, an archive file).
// Reads and checks the manifest and config (their digests where the format records them).
// Throws swb::Error naming the file and the problem.
Image openImage(const std::string& spec, const UnpackLimits& limits = {});

// Applies the image's layers in order onto TARGET (an existing, empty directory), each checked
// against its digest first; a directory image is refused (it is its own root). Throws swb::Error
// naming the layer ("layer 2 of 3 (sha256:ab12…)") and the problem.
UnpackReport unpackImage(const Image& image, const std::string& target, const UnpackLimits& limits = {});

// An image as a root directory: a directory image is its own root (and must not be written); the
// layers of the others are unpacked into a new temporary directory, removed with the last copy.
struct ImageRoot {
    Image image;
    std::string rootfs;
    bool scratch = false; // rootfs is a copy of ours (may be written by a container)
    UnpackReport report;
    std::shared_ptr<const std::string> scratchDir;
};
ImageRoot unpackToScratch(const std::string& spec, const UnpackLimits& limits = {});

} // namespace swb
