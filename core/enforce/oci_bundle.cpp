#include "enforce/oci_bundle.h"

#include "util/process.h"

#include "image/entrypoint.h"
#include "static/elf_image.h"
#include "util/atomic_file.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sstream>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace swb {

namespace fs = std::filesystem;

namespace {

std::string absolute(const std::string& path) {
    std::error_code ec;
    const fs::path p = fs::absolute(path, ec);
    if (ec)
        throw Error(path + ": " + ec.message());
    return p.lexically_normal().string();
}

void copyInto(const std::string& hostPath, const std::string& rootfsDir, const std::string& pathInRoot) {
    const fs::path target = fs::path(rootfsDir) / fs::path(pathInRoot).relative_path();
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    if (ec)
        throw Error(target.parent_path().string() + ": cannot create: " + ec.message());
    fs::copy_file(hostPath, target, fs::copy_options::overwrite_existing, ec);
    if (ec)
        throw Error(hostPath + ": cannot copy to " + target.string() + ": " + ec.message());
}

} // namespace

std::string ociConfigJson(const BundleOptions& o) {
    if (o.args.empty())
        throw Error("OCI bundle: no process arguments");
    if (o.rootfs.empty())
        throw Error("OCI bundle: no root filesystem");
    using json = nlohmann::ordered_json;
    json c;
    c["ociVersion"] = "1.0.2";
    json& p = c["process"];
    p["terminal"] = false;
    p["user"] = {{"uid", o.uid}, {"gid", o.gid}};
    if (!o.additionalGids.empty())
        p["user"]["additionalGids"] = o.additionalGids;
    p["args"] = o.args;
    p["env"] = o.env;
    p["cwd"] = o.cwd;
    p["capabilities"] = {
        {"bounding", o.capabilities}, {"effective", o.capabilities}, {"permitted", o.capabilities}};
    p["rlimits"] = json::array({{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}});
    p["noNewPrivileges"] = o.noNewPrivileges;
    c["root"] = {{"path", absolute(o.rootfs)}, {"readonly", o.readOnlyRoot}};
    c["hostname"] = o.hostname;
    c["mounts"] = json::array({
        {{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}},
        {{"destination", "/dev"},
         {"type", "tmpfs"},
         {"source", "tmpfs"},
         {"options", {"nosuid", "strictatime", "mode=755", "size=65536k"}}},
        {{"destination", "/dev/shm"},
         {"type", "tmpfs"},
         {"source", "shm"},
         {"options", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}}},
    });
    json& l = c["linux"];
    json ns = json::array();
    for (const char* t : {"pid", "ipc", "uts", "mount"})
        ns.push_back({{"type", t}});
    if (o.networkNamespace)
        ns.push_back({{"type", "network"}});
    l["namespaces"] = std::move(ns);
    l["maskedPaths"] = {"/proc/acpi",       "/proc/kcore",       "/proc/keys",        "/proc/latency_stats",
                        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi"};
    l["readonlyPaths"] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
    if (o.profile) {
        ExportOptions eo = o.seccomp;
        eo.ociFragment = false;
        l["seccomp"] = json::parse(exportProfile(*o.profile, ProfileFormat::Oci, eo));
    }
    return c.dump(2) + "\n";
}

BundleOptions imageBundle(const ImageRoot& root, const std::vector<std::string>& args) {
    const ImageConfig& c = root.image.config;
    BundleOptions b;
    b.rootfs = root.rootfs;
    b.readOnlyRoot = !root.scratch;
    if (!args.empty()) {
        b.args = c.entrypoint;
        b.args.insert(b.args.end(), args.begin(), args.end());
    } else {
        b.args = resolveEntrypoint(c, root.rootfs).argv;
    }
    if (b.args.empty())
        throw Error(root.image.source + ": the image names no command (no Entrypoint or Cmd)");
    b.env = c.env;
    const bool hasPath =
        std::any_of(b.env.begin(), b.env.end(), [](const std::string& e) { return e.starts_with("PATH="); });
    if (!hasPath)
        b.env.insert(b.env.begin(), "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    b.cwd = c.workingDir.empty() ? "/" : c.workingDir;
    const ImageUser user = resolveImageUser(c.user, root.rootfs);
    b.uid = user.uid;
    b.gid = user.gid;
    b.additionalGids = user.additionalGids;
    b.capabilities = dockerDefaultCapabilities();
    return b;
}

void writeOciBundle(const std::string& bundleDir, const BundleOptions& options) {
    const std::string text = ociConfigJson(options);
    std::error_code ec;
    fs::create_directories(bundleDir, ec);
    if (ec)
        throw Error(bundleDir + ": cannot create: " + ec.message());
    writeFileAtomically((fs::path(bundleDir) / "config.json").string(), text);
}

// The messages of runc's JSON log at level error, one per line.
std::string runtimeErrors(const std::string& logText) {
    std::string out;
    std::istringstream in(logText);
    std::string line;
    while (std::getline(in, line)) {
        const auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_discarded() || !j.is_object())
            continue;
        if (j.value("level", "") == "error" || j.value("level", "") == "fatal")
            out += j.value("msg", line) + "\n";
    }
    return out;
}

std::optional<std::string> findRunc() {
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        if (dir.empty())
            continue;
        const std::string candidate = dir + "/runc";
        if (::access(candidate.c_str(), X_OK) == 0)
            return candidate;
    }
    return std::nullopt;
}

RuncResult runInRunc(const std::string& bundleDir, const std::string& id, const RuncOptions& options) {
    std::string runc = options.runc;
    if (runc.empty()) {
        const auto found = findRunc();
        if (!found)
            throw Error("runc: not found in PATH (Debian package runc)");
        runc = *found;
    }
    std::vector<std::string> global = {runc};
    if (!options.stateRoot.empty()) {
        global.push_back("--root");
        global.push_back(options.stateRoot);
    }
    // runc's own messages go to a JSON log so that they are told apart from the container's output.
    // The log descriptor is inherited: runc opens it as /proc/self/fd/N.
    const int logFd = memoryFile("swb-runc-log", false);
    struct Cleanup {
        std::vector<std::string> del;
        std::vector<int> fds;
        ~Cleanup() {
            try {
                (void)runProcess(del, fds[0], fds[0]);
            } catch (const Error&) {
            }
            for (int fd : fds)
                if (fd >= 0)
                    ::close(fd);
        }
    } cleanup;
    cleanup.fds.push_back(logFd);
    cleanup.del = global;
    cleanup.del.insert(cleanup.del.end(), {"delete", "--force", id});
    const int outFd = options.captureOutput ? memoryFile("swb-runc-out", true) : -1;
    const int errFd = options.captureOutput ? memoryFile("swb-runc-err", true) : -1;
    cleanup.fds.push_back(outFd);
    cleanup.fds.push_back(errFd);

    std::vector<std::string> argv = global;
    argv.insert(argv.end(), {"--log", "/proc/self/fd/" + std::to_string(logFd), "--log-format", "json", "run",
                             "--bundle", absolute(bundleDir), id});
    RuncResult r;
    r.exitStatus = runProcess(argv, outFd, errFd);
    if (options.captureOutput) {
        r.stdOut = readBack(outFd);
        r.stdErr = readBack(errFd);
    }
    r.runtimeLog = readBack(logFd);
    r.runtimeErrors = runtimeErrors(r.runtimeLog);
    return r;
}

std::string buildProgramRootfs(const std::string& rootfsDir, const std::string& program) {
    const LibraryResolver resolver;
    const LoadedProgram loaded = loadProgram(absolute(program), resolver);
    if (!loaded.missing.empty()) {
        std::string list;
        for (const auto& m : loaded.missing)
            list += (list.empty() ? "" : ", ") + m;
        throw Error(program + ": libraries not found: " + list);
    }
    for (const auto& m : loaded.modules)
        copyInto(m.hostPath, rootfsDir, m.path);
    // The kernel loads PT_INTERP by that exact path, which may differ from where libc's DT_NEEDED
    // found the loader (/lib64/ld-linux-x86-64.so.2 vs /lib/x86_64-linux-gnu/...).
    const std::string& interp = loaded.modules.front().image->interpreter();
    if (!interp.empty()) {
        const std::string host = resolver.hostPath(interp);
        copyInto(host, rootfsDir, interp);
    }
    for (const char* dir : {"proc", "dev"}) {
        std::error_code ec;
        fs::create_directories(fs::path(rootfsDir) / dir, ec);
        if (ec)
            throw Error(rootfsDir + "/" + dir + ": cannot create: " + ec.message());
    }
    return loaded.modules.front().path;
}

} // namespace swb
