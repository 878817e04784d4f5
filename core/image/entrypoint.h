#pragma once

#include "image/image.h"

#include <string>
#include <vector>

namespace swb {

// The program a container of the image starts, as the runtime would find it, and where the
// analysis should start: for a shell-script entrypoint, the program the script execs where the
// script says so literally (`exec /usr/bin/redis-server "$@"`), else the script's interpreter.
struct ImageEntrypoint {
    std::vector<std::string> argv;  // Entrypoint + Cmd
    std::string program;            // the image path of argv[0] as PATH finds it ("/usr/bin/app")
    std::string analyze;            // the image path of the ELF program to analyze
    std::vector<std::string> chain; // how `analyze` was reached: "/entry.sh (script) -> exec /usr/bin/app"
    // The interpreters of the scripts on the way (image paths, "/bin/sh"): they run before the
    // exec, so their syscalls are the container's too and they need analyses of their own.
    std::vector<std::string> interpreters;
    std::vector<std::string> warnings;
};

// Resolves the entrypoint of IMAGE inside ROOTFS (its unpacked root). Paths and symlinks are
// resolved inside ROOTFS only. Throws swb::Error when the image names no command or it is not in
// the image.
ImageEntrypoint resolveEntrypoint(const ImageConfig& config, const std::string& rootfs);

// The process user of a container of the image, as runc/Docker resolve the config's User
// ("name", "uid", "name:group", "uid:gid", empty = root) against the image's own /etc/passwd and
// /etc/group (read inside ROOTFS). Throws swb::Error when a name is not in the image's files.
struct ImageUser {
    unsigned uid = 0;
    unsigned gid = 0;
    std::vector<unsigned> additionalGids; // the groups /etc/group lists the user in
};
ImageUser resolveImageUser(const std::string& user, const std::string& rootfs);

// Every ELF executable of the image at ROOTFS (x86-64, ET_EXEC, or ET_DYN with an interpreter:
// shared libraries are left out), as image paths, sorted; hard links to one file listed once.
// Symlinks are not followed. What Confine's container-wide mode analyzes.
std::vector<std::string> imageExecutables(const std::string& rootfs);

} // namespace swb
