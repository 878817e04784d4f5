#include "profile/profile_export.h"

#include "profile/profile_io.h"
#include "profile/seccomp_filter.h"
#include "util/atomic_file.h"
#include "util/error.h"

#include <cerrno>
#include <filesystem>
#include <map>

namespace swb {

bool isExportFormat(std::string_view format) {
    return format == "bpf" || format == "pfc" || profileFormatFromName(format).has_value();
}

Profile buildExportProfile(const EvidenceSet& evidence, const ProfileBuildOptions& options, Runtime runtime,
                           bool phaseSwitch) {
    Profile p = buildProfile(evidence, options);
    addKernelGroup(p, options.decisions, options.phase);
    if (options.phase == PhaseSelection::Serving)
        addAllocatorGroup(p, evidence, options.decisions);
    addRuntimeGroup(p, runtime);
    for (const auto& d : options.decisions)
        if (d.verdict == ReviewDecision::Verdict::Deny)
            for (const ProfileRule* r : p.rulesFor(d.syscall))
                if (runtime != Runtime::None && r->group == runtimeGroupName(runtime))
                    p.warnings.push_back(d.syscall + " is denied by review but " + r->group +
                                         " needs it after loading the filter: " + r->reason);
    if (phaseSwitch)
        addPhaseSwitchGroup(p);
    return p;
}

void writeProfileFile(const std::string& path, Profile profile, const std::string& format,
                      const std::string& name) {
    if (format == "bpf" || format == "pfc") {
        if (profile.rulesFor("clone3").empty()) {
            ProfileRule r;
            r.name = "clone3";
            r.nr = SyscallTable::forArch(profile.arch).number("clone3");
            r.action = SeccompAction::Errno;
            r.errnoRet = ENOSYS;
            r.group = "compat";
            r.reason = "glibc falls back to clone when clone3 fails with ENOSYS";
            profile.rules.push_back(r);
        }
        if (format == "bpf") {
            const auto bytes = compileSeccompBpf(profile);
            writeFileAtomically(path,
                                std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
        } else {
            writeFileAtomically(path, exportSeccompPfc(profile));
        }
        return;
    }
    const auto f = profileFormatFromName(format);
    if (!f)
        throw Error("unknown format '" + format + "' (docker, oci, k8s, bpf or pfc)");
    ExportOptions eo;
    if (!name.empty())
        eo.name = name;
    writeProfile(path, profile, *f, eo);
}

std::string profileSummary(const Profile& p) {
    std::map<std::string, std::size_t> groups;
    for (const auto& r : p.rules)
        if (r.action == SeccompAction::Allow)
            ++groups[r.group];
    std::string out = std::to_string(p.allowedNumbers().size()) + " syscalls allowed (";
    bool first = true;
    for (const auto& [g, n] : groups) {
        out += (first ? "" : ", ") + g + " " + std::to_string(n);
        first = false;
    }
    return out + ")";
}

std::string servingProfilePath(const std::string& path) {
    const std::filesystem::path p(path);
    return (p.parent_path() / (p.stem().string() + ".serving" + p.extension().string())).string();
}

} // namespace swb
