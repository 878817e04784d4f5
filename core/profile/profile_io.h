#pragma once

#include "profile/profile.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace swb {

// The seccomp profile formats Seccomp Workbench writes and reads (docs/formats.md).
enum class ProfileFormat : std::uint8_t {
    Docker,     // Docker/Moby seccomp JSON (docker run --security-opt seccomp=FILE, podman, containerd)
    Oci,        // OCI runtime-spec `linux.seccomp` (config.json)
    Kubernetes, // security-profiles-operator SeccompProfile custom resource (YAML)
};

std::string_view profileFormatName(ProfileFormat format); // "docker", "oci", "k8s"
// Accepts "docker"/"moby", "oci", "k8s"/"kubernetes".
std::optional<ProfileFormat> profileFormatFromName(std::string_view name);

struct ExportOptions {
    // When the profile has no rule for clone3: add clone3 -> SCMP_ACT_ERRNO with ENOSYS (38), so that
    // glibc (2.34+) falls back to clone instead of failing with the default errno.
    bool clone3Enosys = true;
    // OCI: wrap the object as a config.json fragment {"linux":{"seccomp":{...}}}; false: the bare object.
    bool ociFragment = true;
    // Kubernetes: metadata.name (made a valid DNS-1123 name: lower case, [a-z0-9-]).
    std::string name = "swb-profile";
};

// The profile in a format: deterministic (stable order, 2-space indent, trailing newline). Rules of
// syscalls unknown on the profile's architecture are written too (Docker resolves them per
// sub-architecture). Rules are grouped into entries by (group, action, errno, arguments).
std::string exportProfile(const Profile& profile, ProfileFormat format, const ExportOptions& options = {});
// exportProfile written atomically to path.
void writeProfile(const std::string& path, const Profile& profile, ProfileFormat format,
                  const ExportOptions& options = {});

struct KernelVersion {
    int major = 0;
    int minor = 0;
    auto operator<=>(const KernelVersion&) const = default;
};
// The running kernel's version (uname), as moby compares it: major.minor.
KernelVersion runningKernelVersion();
// Docker's default capability set (moby oci/caps/defaults.go), the bounding set of a default container.
const std::vector<std::string>& dockerDefaultCapabilities();

// How the conditionals of a Docker profile (`includes`/`excludes`) are evaluated, as moby does when it
// turns the profile into the container's filter.
struct ImportOptions {
    Arch arch = Arch::X86_64;
    std::optional<KernelVersion> kernel;                  // nullopt: the running kernel
    std::optional<std::vector<std::string>> capabilities; // nullopt: dockerDefaultCapabilities()
};

// What a profile file is: nullopt when it is none of the formats (not JSON/YAML, or no seccomp
// profile inside). Throws swb::Error only when the file cannot be read.
std::optional<ProfileFormat> sniffProfileFormat(const std::string& path);
// Like sniffProfileFormat, but a file that is not a profile is an error naming it.
ProfileFormat detectProfileFormat(const std::string& path);

// Reads a profile in any of the formats (detected from the content). Conditionals are evaluated with
// `options`; syscalls unknown on the architecture stay as rules without a number and each one is
// named in Profile::warnings. Malformed input throws swb::Error naming the file, the line and column
// (or byte offset) and the problem.
Profile loadProfile(const std::string& path, const ImportOptions& options = {});
// The same from text; `source` names it in messages.
Profile parseProfile(std::string_view text, const std::string& source, const ImportOptions& options = {});

} // namespace swb
