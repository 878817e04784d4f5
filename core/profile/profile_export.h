#pragma once

#include "phase/evidence.h"
#include "profile/profile.h"
#include "profile/profile_builder.h"
#include "profile/runtime_groups.h"

#include <string>

namespace swb {

// The formats `swb profile` and the workbench write: "docker", "oci", "k8s" (profile_io.h), "bpf"
// (the raw filter) and "pfc" (libseccomp's text).
bool isExportFormat(std::string_view format);

// A reviewed profile ready to write: the evidence and decisions for a phase, then the runtime's own
// group (a review denial the runtime needs is named in a warning) and, for the start filter of a
// two-phase profile, what libswb-phase.so needs to stack the serving filter.
Profile buildExportProfile(const EvidenceSet& evidence, const ProfileBuildOptions& options, Runtime runtime,
                           bool phaseSwitch);

// Writes the profile in a format, atomically. bpf and pfc answer clone3 with ENOSYS like the JSON
// exporters. `name` is the Kubernetes resource name (empty: the default). Throws swb::Error.
void writeProfileFile(const std::string& path, Profile profile, const std::string& format,
                      const std::string& name);

// "62 syscalls allowed (phase-switch 4, program 47, runtime:runc 11)".
std::string profileSummary(const Profile& profile);

// FILE.json -> FILE.serving.json: where the serving filter of a two-phase export goes.
std::string servingProfilePath(const std::string& path);

} // namespace swb
