#include "image/image.h"

#include "util/error.h"
#include "util/process.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include <stdlib.h>

namespace swb {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr std::uintmax_t kMaxJsonBytes = 16u << 20;

json readJson(const fs::path& path, const std::string& what) {
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec)
        throw Error(path.string() + ": cannot read the " + what + ": " + ec.message());
    if (size > kMaxJsonBytes)
        throw Error(path.string() + ": the " + what + " is larger than 16 MiB");
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    try {
        return json::parse(text.str(), nullptr, true, false);
    } catch (const json::exception& e) {
        throw Error(path.string() + ": the " + what + " is not valid JSON: " + e.what());
    }
}

std::vector<std::string> strings(const json& j, const std::string& where) {
    std::vector<std::string> out;
    if (j.is_null())
        return out;
    if (!j.is_array())
        throw Error(where + ": not a list of strings");
    for (const auto& s : j) {
        if (!s.is_string())
            throw Error(where + ": not a list of strings");
        out.push_back(s.get<std::string>());
    }
    return out;
}

ImageConfig parseConfig(const json& j, const std::string& where) {
    if (!j.is_object())
        throw Error(where + ": the image config is not a JSON object");
    ImageConfig c;
    c.architecture = j.value("architecture", "");
    c.os = j.value("os", "");
    const json cfg = j.contains("config") ? j["config"] : json::object();
    if (!cfg.is_object() && !cfg.is_null())
        throw Error(where + ": \"config\" is not an object");
    if (cfg.is_object()) {
        c.entrypoint = strings(cfg.value("Entrypoint", json()), where + ": config.Entrypoint");
        c.cmd = strings(cfg.value("Cmd", json()), where + ": config.Cmd");
        c.env = strings(cfg.value("Env", json()), where + ": config.Env");
        if (cfg.contains("WorkingDir") && cfg["WorkingDir"].is_string())
            c.workingDir = cfg["WorkingDir"].get<std::string>();
        if (cfg.contains("User") && cfg["User"].is_string())
            c.user = cfg["User"].get<std::string>();
        if (cfg.contains("ExposedPorts") && cfg["ExposedPorts"].is_object())
            for (const auto& [port, v] : cfg["ExposedPorts"].items())
                c.exposedPorts.push_back(port);
        if (cfg.contains("Labels") && cfg["Labels"].is_object())
            for (const auto& [k, v] : cfg["Labels"].items())
                if (v.is_string())
                    c.labels[k] = v.get<std::string>();
    }
    return c;
}

// "sha256:<hex>" -> blobs/sha256/<hex>, refusing anything that is not a plain digest.
fs::path blobPath(const fs::path& layout, const std::string& digest, const std::string& where) {
    const auto colon = digest.find(':');
    const std::string algorithm = digest.substr(0, colon);
    const std::string hex = colon == std::string::npos ? std::string() : digest.substr(colon + 1);
    if (algorithm != "sha256" || hex.size() != 64 ||
        hex.find_first_not_of("0123456789abcdef") != std::string::npos)
        throw Error(where + ": digest '" + digest + "' is not sha256:<64 hex digits>");
    return layout / "blobs" / "sha256" / hex;
}

void checkDigest(const fs::path& blob, const std::string& digest, const std::string& what) {
    if (!fs::is_regular_file(blob))
        throw Error(what + ": blob " + blob.string() + " is missing");
    const std::string actual = sha256OfFile(blob.string());
    if (actual != digest)
        throw Error(what + ": digest mismatch: the manifest says " + digest + ", the blob is " + actual);
}

json descriptorOf(const json& j, const std::string& where) {
    if (!j.is_object() || !j.contains("digest") || !j["digest"].is_string())
        throw Error(where + ": descriptor without a digest");
    return j;
}

void openOciLayout(Image& image, const fs::path& layout) {
    const fs::path indexPath = layout / "index.json";
    json index = readJson(indexPath, "image index");
    // Nested indexes (multi-platform images): take linux/amd64, else the only manifest.
    for (int depth = 0;; ++depth) {
        if (depth > 4)
            throw Error(indexPath.string() + ": image indexes nested deeper than 4");
        if (!index.is_object() || !index.contains("manifests") || !index["manifests"].is_array() ||
            index["manifests"].empty())
            throw Error(indexPath.string() + ": no manifests in the image index");
        const json* chosen = nullptr;
        for (const auto& m : index["manifests"]) {
            const json platform = m.value("platform", json::object());
            if (platform.is_object() && platform.value("architecture", "") == "amd64" &&
                platform.value("os", "") == "linux")
                chosen = &m;
        }
        if (!chosen) {
            if (index["manifests"].size() > 1)
                throw Error(indexPath.string() + ": " + std::to_string(index["manifests"].size()) +
                            " manifests and none for linux/amd64");
            chosen = &index["manifests"][0];
        }
        const json d = descriptorOf(*chosen, indexPath.string());
        const std::string digest = d["digest"].get<std::string>();
        const fs::path blob = blobPath(layout, digest, indexPath.string());
        checkDigest(blob, digest, "manifest " + digest);
        const json next = readJson(blob, "manifest " + digest);
        const std::string mediaType = next.value("mediaType", d.value("mediaType", ""));
        if (mediaType.find("index") != std::string::npos ||
            mediaType.find("manifest.list") != std::string::npos ||
            (next.contains("manifests") && !next.contains("layers"))) {
            index = next;
            continue;
        }
        image.manifestDigest = digest;
        const std::string where = "manifest " + digest;
        if (!next.is_object() || !next.contains("config") || !next.contains("layers") ||
            !next["layers"].is_array())
            throw Error(where + ": no config or layers");
        const json config = descriptorOf(next["config"], where + ": config");
        image.configDigest = config["digest"].get<std::string>();
        const fs::path configBlob = blobPath(layout, image.configDigest, where);
        checkDigest(configBlob, image.configDigest, "config " + image.configDigest);
        image.config = parseConfig(readJson(configBlob, "image config"), "config " + image.configDigest);
        for (const auto& l : next["layers"]) {
            const json layer = descriptorOf(l, where + ": layer");
            ImageLayer out;
            out.digest = layer["digest"].get<std::string>();
            out.mediaType = layer.value("mediaType", "");
            out.size = layer.value("size", std::uint64_t{0});
            out.blobPath = blobPath(layout, out.digest, where).string();
            if (out.mediaType.find("nondistributable") == std::string::npos &&
                !fs::is_regular_file(out.blobPath))
                throw Error(where + ": layer " + out.digest + ": blob " + out.blobPath + " is missing");
            image.layers.push_back(std::move(out));
        }
        return;
    }
}

// `docker save` / `podman save` (docker-archive): manifest.json names the config and the layer
// tars; the config's rootfs.diff_ids are the layers' digests (uncompressed, as docker save writes).
void openDockerArchive(Image& image, const fs::path& staged) {
    const fs::path manifestPath = staged / "manifest.json";
    const json manifest = readJson(manifestPath, "archive manifest");
    const std::string where = image.source + ": manifest.json";
    if (!manifest.is_array() || manifest.empty() || !manifest[0].is_object())
        throw Error(where + ": not a list of images");
    if (manifest.size() > 1)
        throw Error(where + ": " + std::to_string(manifest.size()) + " images in one archive (save one)");
    const json& m = manifest[0];
    if (!m.contains("Config") || !m["Config"].is_string() || !m.contains("Layers") || !m["Layers"].is_array())
        throw Error(where + ": no Config or Layers");
    auto inside = [&](const std::string& name) {
        if (name.empty() || name.front() == '/' || name.find("..") != std::string::npos)
            throw Error(where + ": '" + name + "' is not a file of the archive");
        return staged / name;
    };
    const fs::path configPath = inside(m["Config"].get<std::string>());
    image.configDigest = sha256OfFile(configPath.string());
    const json config = readJson(configPath, "image config");
    image.config = parseConfig(config, image.source + ": " + m["Config"].get<std::string>());
    std::vector<std::string> diffIds;
    if (config.contains("rootfs") && config["rootfs"].is_object())
        diffIds = strings(config["rootfs"].value("diff_ids", json()), where + ": rootfs.diff_ids");
    const auto& layers = m["Layers"];
    if (!diffIds.empty() && diffIds.size() != layers.size())
        throw Error(where + ": " + std::to_string(layers.size()) + " layers but " +
                    std::to_string(diffIds.size()) + " diff_ids in the config");
    for (std::size_t i = 0; i < layers.size(); ++i) {
        if (!layers[i].is_string())
            throw Error(where + ": layer " + std::to_string(i + 1) + " is not a file name");
        ImageLayer out;
        out.blobPath = inside(layers[i].get<std::string>()).string();
        out.digest = diffIds.empty() ? std::string() : diffIds[i];
        out.mediaType = "application/vnd.docker.image.rootfs.diff.tar";
        std::error_code ec;
        out.size = fs::file_size(out.blobPath, ec);
        if (ec)
            throw Error(where + ": layer " + layers[i].get<std::string>() + " is missing from the archive");
        image.layers.push_back(std::move(out));
    }
}

std::shared_ptr<const std::string> makeStaging() {
    std::string dir = (fs::temp_directory_path() / "swb-image.XXXXXX").string();
    if (!::mkdtemp(dir.data()))
        throw Error("cannot create a temporary directory for the image: " +
                    std::string(std::strerror(errno)));
    return std::shared_ptr<const std::string>(new std::string(dir), [](const std::string* p) {
        std::error_code ec;
        fs::remove_all(*p, ec);
        delete p;
    });
}

// The engine's client: $SWB_DOCKER / $SWB_PODMAN when set, else docker / podman from PATH.
std::string engineClient(const std::string& engine) {
    const char* override = std::getenv(engine == "docker" ? "SWB_DOCKER" : "SWB_PODMAN");
    if (override && *override)
        return override;
    const char* pathEnv = std::getenv("PATH");
    std::istringstream dirs(pathEnv ? pathEnv : "/usr/local/bin:/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':'))
        if (!dir.empty() && ::access((dir + "/" + engine).c_str(), X_OK) == 0)
            return dir + "/" + engine;
    throw Error(engine + ": not found in PATH (install " + (engine == "docker" ? "docker.io" : "podman") +
                " or save the image to a file)");
}

// `docker save` / `podman save` of NAME into a tar file in a new temporary directory.
std::shared_ptr<const std::string> saveFromEngine(const std::string& engine, const std::string& name,
                                                  std::string& tarPath) {
    if (name.empty() || name.starts_with("-"))
        throw Error(engine + ":" + name + ": not an image name");
    const std::string client = engineClient(engine);
    auto dir = makeStaging();
    tarPath = *dir + "/image.tar";
    const int errFd = memoryFile("swb-engine-err", true);
    const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    int status = -1;
    try {
        std::vector<std::string> argv = {client, "save", "-o", tarPath};
        if (engine == "podman")
            argv.insert(argv.begin() + 2, {"--format", "docker-archive"});
        argv.push_back(name);
        status = runProcess(argv, devnull, errFd);
    } catch (...) {
        ::close(errFd);
        if (devnull >= 0)
            ::close(devnull);
        throw;
    }
    std::string err = readBack(errFd);
    ::close(errFd);
    if (devnull >= 0)
        ::close(devnull);
    while (!err.empty() && (err.back() == '\n' || err.back() == '\r'))
        err.pop_back();
    if (status != 0)
        throw Error(engine + ":" + name + ": " + client + " save failed (status " + std::to_string(status) +
                    ")" + (err.empty() ? std::string() : ": " + err));
    return dir;
}

} // namespace

std::string Image::kindName() const {
    switch (kind) {
    case Kind::OciLayout:
        return "oci";
    case Kind::DockerArchive:
        return "docker-archive";
    case Kind::Directory:
        return "dir";
    }
    return "dir";
}

Image openImage(const std::string& spec, const UnpackLimits& limits) {
    Image image;
    image.source = spec;
    std::string path = spec;
    std::string kind;
    for (const char* prefix : {"oci:", "docker-archive:", "oci-archive:", "dir:"})
        if (spec.starts_with(prefix)) {
            kind = std::string(prefix, std::strlen(prefix) - 1);
            path = spec.substr(std::strlen(prefix));
        }
    // An image of the local engine: saved as a docker-archive into a temporary file first.
    std::shared_ptr<const std::string> saved;
    for (const char* engine : {"docker", "podman"})
        if (spec.starts_with(std::string(engine) + ":")) {
            saved = saveFromEngine(engine, spec.substr(std::strlen(engine) + 1), path);
            kind = "docker-archive";
        }
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec || !fs::exists(status))
        throw Error(path + ": no such image (a directory, an OCI layout or an archive)");
    if (kind.empty())
        kind = fs::is_directory(status) ? (fs::exists(fs::path(path) / "oci-layout") ? "oci" : "dir")
                                        : "archive";
    if (kind == "dir") {
        if (!fs::is_directory(status))
            throw Error(path + ": not a directory");
        image.kind = Image::Kind::Directory;
        image.rootfs = fs::absolute(path).string();
        return image;
    }
    if (kind == "oci") {
        if (!fs::exists(fs::path(path) / "oci-layout"))
            throw Error(path + ": not an OCI image layout (no oci-layout file)");
        image.kind = Image::Kind::OciLayout;
        openOciLayout(image, path);
        return image;
    }
    // An archive: its files staged with the same safe unpacker as layers, then read as a layout or
    // as a docker-archive.
    image.staging = makeStaging();
    UnpackReport staged;
    applyLayer(path, path, *image.staging, limits, staged);
    const fs::path root = *image.staging;
    if (fs::exists(root / "oci-layout") && kind != "docker-archive") {
        image.kind = Image::Kind::OciLayout;
        openOciLayout(image, root);
    } else if (fs::exists(root / "manifest.json")) {
        image.kind = Image::Kind::DockerArchive;
        openDockerArchive(image, root);
    } else {
        throw Error(path + ": neither an OCI image archive (oci-layout, index.json) nor a docker-archive "
                           "(manifest.json)");
    }
    return image;
}

UnpackReport unpackImage(const Image& image, const std::string& target, const UnpackLimits& limits) {
    if (image.kind == Image::Kind::Directory)
        throw Error(image.source + ": a root directory is already unpacked");
    UnpackReport report;
    const std::size_t n = image.layers.size();
    for (std::size_t i = 0; i < n; ++i) {
        const ImageLayer& layer = image.layers[i];
        const std::string name = "layer " + std::to_string(i + 1) + " of " + std::to_string(n) +
                                 (layer.digest.empty() ? std::string() : " (" + layer.digest + ")");
        if (!layer.digest.empty()) {
            const std::string actual = sha256OfFile(layer.blobPath);
            if (actual != layer.digest)
                throw Error(name + ": digest mismatch: the image says " + layer.digest + ", the layer is " +
                            actual);
        }
        applyLayer(layer.blobPath, name, target, limits, report);
    }
    return report;
}

ImageRoot unpackToScratch(const std::string& spec, const UnpackLimits& limits) {
    ImageRoot out;
    out.image = openImage(spec, limits);
    if (out.image.kind == Image::Kind::Directory) {
        out.rootfs = out.image.rootfs;
        return out;
    }
    std::string dir = (fs::temp_directory_path() / "swb-rootfs.XXXXXX").string();
    if (!::mkdtemp(dir.data()))
        throw Error("cannot create a scratch directory for the image's root: " +
                    std::string(std::strerror(errno)));
    out.scratchDir = std::shared_ptr<const std::string>(new std::string(dir), [](const std::string* p) {
        std::error_code ec;
        fs::remove_all(*p, ec);
        delete p;
    });
    // runc refuses a root that others can write (and Docker's roots are 0755).
    ::chmod(dir.c_str(), 0755);
    out.report = unpackImage(out.image, dir, limits);
    out.rootfs = dir;
    out.scratch = true;
    return out;
}

} // namespace swb
