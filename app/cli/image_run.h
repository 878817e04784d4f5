#pragma once

#include "enforce/container_run.h"
#include "enforce/oci_bundle.h"
#include "image/image.h"
#include "profile/profile.h"
#include "trace/trace_sink.h"

#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace swb::cli {

// The options `swb trace --image` and `swb validate --image` share: how the container runs.
struct ImageRunArgs {
    std::string image;
    double duration = 0;
    std::string network = "none";
    int waitPort = -1; // -1: the image's first exposed TCP port when a client is given
    std::string containerOutput;
    std::string clientOutput;
    std::string bundle;
    double stopTimeout = 10;
    std::vector<std::string> client; // after --
    std::string cmd;                 // replaces the image's Cmd (shell-like words)
};

void addImageRunOptions(CLI::App* cmd, ImageRunArgs& a);

// An image unpacked, its bundle written, ready to run under runc with the tracer.
struct PreparedImageRun {
    ImageRoot root;
    BundleOptions bundle;
    std::string bundleDir;
    std::shared_ptr<const std::string> tempBundle; // removed at the end unless --bundle was given
    ContainerRunOptions run;
};

// Opens and unpacks the image (telling the user what it found), writes the bundle with PROFILE in
// it (nullopt: none). Throws swb::Error.
PreparedImageRun prepareImageRun(const ImageRunArgs& a, const std::string& idPrefix,
                                 const std::optional<Profile>& profile);

// Runs it with SIGINT/SIGTERM/SIGHUP stopping the container (the trace is still delivered).
ContainerRunResult runPreparedImage(PreparedImageRun& p, TraceSink& sink);

// "client exit status 0; container stopped by swb after 5 s" and the like, on stderr.
void reportImageRun(const PreparedImageRun& p, const ContainerRunResult& r);

// The status `swb trace/validate --image` exits with: the client's when it failed, else the
// container's unless swb stopped it (then 0).
int imageRunStatus(const PreparedImageRun& p, const ContainerRunResult& r);

} // namespace swb::cli
