#pragma once

#include "image/image.h"
#include "profile/profile.h"
#include "profile/profile_io.h"

#include <optional>
#include <string>
#include <vector>

namespace swb {

// An OCI runtime bundle's config.json for running one program under a seccomp profile.
struct BundleOptions {
    std::vector<std::string> args; // process.args; args[0] is a path inside the rootfs
    std::vector<std::string> env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
    std::string cwd = "/";
    unsigned uid = 0; // process.user
    unsigned gid = 0;
    std::vector<unsigned> additionalGids;
    std::string rootfs; // host directory of the container's root filesystem (made absolute)
    bool readOnlyRoot = true;
    bool networkNamespace = true; // a new, empty network namespace (false: the host's network)
    // process.noNewPrivileges. runc loads the filter right before execve when true; when false
    // (Docker's default) it loads it before dropping privileges, so more of its own syscalls follow.
    bool noNewPrivileges = true;
    std::string hostname = "swb";
    // process.capabilities (bounding, effective, permitted); runc spec's defaults.
    std::vector<std::string> capabilities = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
    std::optional<Profile> profile; // linux.seccomp; nullopt: no filter
    ExportOptions seccomp;          // how the profile is exported (clone3 -> ENOSYS, ...)
};

// config.json: process (args, env, cwd, uid 0, no terminal), root (rootfs, readonly), namespaces
// pid/ipc/uts/mount (+network), mounts /proc (proc) and /dev (tmpfs; runc adds the default devices),
// linux.seccomp from the profile. Throws swb::Error when args or rootfs is missing.
std::string ociConfigJson(const BundleOptions& options);
// Creates the bundle directory when needed and writes DIR/config.json atomically.
void writeOciBundle(const std::string& bundleDir, const BundleOptions& options);

// The bundle a container of the image gets, as Docker would start it: args Entrypoint+Cmd (or
// ARGS when given, replacing Cmd), env from the config (PATH added when missing), cwd WorkingDir,
// user resolved in the image's /etc/passwd and /etc/group, Docker's default capabilities; the root
// is writable only when it is a scratch copy (ImageRoot::scratch). Throws swb::Error when the image
// names no command or its user is unknown.
BundleOptions imageBundle(const ImageRoot& root, const std::vector<std::string>& args = {});

struct RuncOptions {
    std::string runc;          // the runc binary; empty: "runc" from PATH
    bool captureOutput = true; // false: the container's stdout/stderr are swb's own
    std::string stateRoot;     // runc --root (empty: runc's default, /run/runc for root)
};

struct RuncResult {
    // runc's exit status: the container process's exit code (128+N when killed by signal N) or
    // runc's own failure status (1) when it could not start the container. When runc init fails
    // after it reported readiness (e.g. a syscall refused by the filter right before execve in
    // no_new_privs mode), runc sees it as the container exiting with 1: its message is then only on
    // the container's stderr, not in runtimeErrors.
    int exitStatus = -1;
    std::string stdOut, stdErr; // the container's output, when captured
    std::string runtimeErrors;  // the messages runc logged at level error (empty when none)
    std::string runtimeLog;     // runc's whole JSON log
};

// The messages of runc's JSON log (--log-format json) at level error or fatal, one per line.
std::string runtimeErrors(const std::string& logText);

// Finds runc in PATH; nullopt when it is not installed.
std::optional<std::string> findRunc();

// Runs `runc run --bundle DIR ID` (no terminal, stdin /dev/null) to the end and always removes the
// container afterwards (`runc delete --force ID`), also on failure. Throws swb::Error when runc
// cannot be started at all.
RuncResult runInRunc(const std::string& bundleDir, const std::string& id, const RuncOptions& options = {});

// A minimal root filesystem for a host program: the program, its shared libraries and the dynamic
// loader (found as ld.so would, see LibraryResolver), copied into `rootfsDir` at the paths the
// program sees, plus empty /proc and /dev mount points. Returns the program's path inside the rootfs.
// Throws swb::Error when the program or one of its libraries cannot be found or copied.
std::string buildProgramRootfs(const std::string& rootfsDir, const std::string& program);

} // namespace swb
