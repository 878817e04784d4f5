#include "commands.h"

#include "image/image.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>

#include <unistd.h>

namespace swb::cli {

namespace {

namespace fs = std::filesystem;

std::string joined(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words)
        out += (out.empty() ? "" : " ") + w;
    return out;
}

int inspect(const std::string& spec, bool asJson) {
    const Image image = openImage(spec);
    const ImageConfig& c = image.config;
    if (asJson) {
        nlohmann::json j;
        j["source"] = image.source;
        j["kind"] = image.kindName();
        j["manifestDigest"] = image.manifestDigest;
        j["configDigest"] = image.configDigest;
        j["config"] = {{"entrypoint", c.entrypoint}, {"cmd", c.cmd},   {"env", c.env},
                       {"workingDir", c.workingDir}, {"user", c.user}, {"exposedPorts", c.exposedPorts},
                       {"labels", c.labels},         {"os", c.os},     {"architecture", c.architecture}};
        j["layers"] = nlohmann::json::array();
        for (const auto& l : image.layers)
            j["layers"].push_back({{"digest", l.digest}, {"mediaType", l.mediaType}, {"size", l.size}});
        std::cout << j.dump(2) << "\n";
        return 0;
    }
    std::cout << "image:       " << image.source << " (" << image.kindName() << ")\n";
    if (image.kind == Image::Kind::Directory) {
        std::cout << "root:        " << image.rootfs << "\n";
        return 0;
    }
    if (!image.manifestDigest.empty())
        std::cout << "manifest:    " << image.manifestDigest << "\n";
    std::cout << "config:      " << image.configDigest << "\n";
    std::cout << "platform:    " << (c.os.empty() ? "?" : c.os) << "/"
              << (c.architecture.empty() ? "?" : c.architecture) << "\n";
    std::cout << "entrypoint:  " << joined(c.entrypoint) << "\n";
    std::cout << "cmd:         " << joined(c.cmd) << "\n";
    std::cout << "workingDir:  " << c.workingDir << "\n";
    std::cout << "user:        " << c.user << "\n";
    for (const auto& e : c.env)
        std::cout << "env:         " << e << "\n";
    for (const auto& p : c.exposedPorts)
        std::cout << "exposed:     " << p << "\n";
    for (const auto& [k, v] : c.labels)
        std::cout << "label:       " << k << "=" << v << "\n";
    for (std::size_t i = 0; i < image.layers.size(); ++i)
        std::cout << "layer " << (i + 1) << ":     "
                  << (image.layers[i].digest.empty() ? "(no digest)" : image.layers[i].digest) << "  "
                  << image.layers[i].size << " bytes  " << image.layers[i].mediaType << "\n";
    return 0;
}

int unpack(const std::string& spec, const std::string& output) {
    // The layers go into a directory beside OUTPUT, renamed to it only when every layer applied:
    // a failed unpack leaves nothing at OUTPUT and nothing half-written anywhere else.
    if (fs::exists(fs::symlink_status(output)))
        throw Error(output +
                    ": exists; swb image unpack writes a new directory and never into an existing one");
    const Image image = openImage(spec);
    const fs::path target = fs::absolute(output);
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    const fs::path partial = target.string() + ".partial-" + std::to_string(::getpid());
    if (!fs::create_directory(partial, ec))
        throw Error(partial.string() + ": cannot create: " + ec.message());
    try {
        const UnpackReport r = unpackImage(image, partial.string());
        fs::rename(partial, target);
        for (const auto& s : r.skipped)
            std::cerr << "swb: warning: " << s << "\n";
        std::cerr << "swb: unpacked " << image.layers.size() << " layers into " << output << ": " << r.files
                  << " files, " << r.directories << " directories, " << r.symlinks << " symlinks, "
                  << r.hardlinks << " hard links, " << r.whiteouts << " whiteouts, " << r.bytes << " bytes\n";
    } catch (...) {
        fs::remove_all(partial, ec);
        throw;
    }
    return 0;
}

} // namespace

void addImageCommands(CLI::App& app, Context& ctx) {
    auto* image = app.add_subcommand("image", "Container images: inspect one, unpack its layers");
    image->require_subcommand(1);
    auto spec = std::make_shared<std::string>();
    auto asJson = std::make_shared<bool>(false);
    auto* inspectCmd = image->add_subcommand(
        "inspect",
        "Print an image's manifest, config (entrypoint, cmd, env, user, ports, labels) and layers");
    inspectCmd
        ->add_option("IMAGE", *spec,
                     "oci:DIR, docker-archive:FILE, oci-archive:FILE, dir:ROOTFS, or a path (detected)")
        ->required();
    inspectCmd->add_flag("--json", *asJson, "As JSON");
    inspectCmd->final_callback([spec, asJson, &ctx] { ctx.exitCode = inspect(*spec, *asJson); });
    auto output = std::make_shared<std::string>();
    auto* unpackCmd = image->add_subcommand(
        "unpack", "Apply an image's layers (digests checked, whiteouts, links) into a new directory, safely");
    unpackCmd->add_option("IMAGE", *spec, "oci:DIR, docker-archive:FILE, oci-archive:FILE or a path")
        ->required();
    unpackCmd->add_option("-o,--output", *output, "The directory to create (must not exist)")->required();
    unpackCmd->final_callback([spec, output, &ctx] { ctx.exitCode = unpack(*spec, *output); });
}

} // namespace swb::cli
