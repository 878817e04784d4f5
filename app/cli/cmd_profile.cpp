#include "commands.h"
#include "inputs.h"

#include "profile/profile_builder.h"
#include "profile/profile_io.h"
#include "profile/runtime_groups.h"
#include "profile/seccomp_filter.h"
#include "util/atomic_file.h"
#include "util/error.h"
#include "util/file_kind.h"

#include <cerrno>
#include <filesystem>
#include <iostream>
#include <map>

namespace swb::cli {

namespace {

struct ProfileArgs {
    std::vector<std::string> inputs;
    InputOptions options;
    std::optional<std::string> phase;   // all|init|serving|both
    std::optional<std::string> format;  // docker|oci|k8s|bpf|pfc
    std::optional<std::string> runtime; // runc|crun|none
    std::optional<int> errnoRet;
    std::string name;
    std::string output;
    std::string evidence = "both"; // dynamic|static|both
};

// FILE.json -> FILE.serving.json
std::string servingPath(const std::string& path) {
    const std::filesystem::path p(path);
    return (p.parent_path() / (p.stem().string() + ".serving" + p.extension().string())).string();
}

void writeOne(const std::string& path, Profile profile, const std::string& format, const std::string& name) {
    if (format == "bpf" || format == "pfc") {
        // The same ENOSYS answer for clone3 as the JSON exporters give, so glibc falls back to clone.
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
    ExportOptions eo;
    if (!name.empty())
        eo.name = name;
    writeProfile(path, profile, *profileFormatFromName(format), eo);
}

std::string summary(const Profile& p) {
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

int run(const ProfileArgs& a) {
    // A profile given alone is converted to another format.
    if (a.inputs.size() == 1 && detectFileKind(a.inputs[0]) == FileKind::Profile) {
        Profile p = loadProfile(a.inputs[0]);
        printWarnings(p.warnings);
        const std::string format = a.format.value_or("docker");
        writeOne(a.output, p, format, a.name);
        std::cerr << "swb: wrote " << a.output << " (" << format << "): " << summary(p) << "\n";
        return 0;
    }
    Inputs in = loadInputs(a.inputs, a.options);
    // Which evidence the allowlist is built from; the other kind still explains (swb why, evidence).
    if (a.evidence == "dynamic") {
        in.graphs.clear();
        in.analysisPaths.clear();
    } else if (a.evidence == "static") {
        in.traces.clear();
        in.tracePaths.clear();
        in.splits.clear();
    }
    const Project::ExportSettings defaults =
        in.project ? in.project->exportSettings : Project::ExportSettings{};
    const std::string format = a.format.value_or(defaults.format);
    const std::string runtimeText = a.runtime.value_or(defaults.runtime);
    const auto runtime = runtimeFromName(runtimeText);
    if (!runtime)
        throw Error("unknown runtime '" + runtimeText + "' (runc, crun or none)");
    if (format != "bpf" && format != "pfc" && !profileFormatFromName(format))
        throw Error("unknown format '" + format + "' (docker, oci, k8s, bpf or pfc)");
    std::string phase = a.phase.value_or("");
    if (phase.empty())
        phase = defaults.phase == PhaseSelection::Init      ? "init"
                : defaults.phase == PhaseSelection::Serving ? "serving"
                                                            : "all";
    const std::string output = !a.output.empty() ? a.output : defaults.output;
    if (output.empty())
        throw Error("no output file: give -o FILE");
    if (in.traces.empty() && in.graphs.empty())
        throw Error("no evidence: give traces, analyses or a project that names them");

    const EvidenceSet ev = in.evidence();
    ProfileBuildOptions bo;
    bo.errnoRet = a.errnoRet.value_or(defaults.errnoRet);
    bo.decisions = in.decisions;
    for (std::size_t k = 0; k < in.traces.size(); ++k)
        std::cerr << "swb: " << in.tracePaths[k] << ": " << in.splits[k].reason << "\n";

    auto build = [&](PhaseSelection sel, bool withRuntime) {
        bo.phase = sel;
        Profile p = buildProfile(ev, bo);
        if (withRuntime) {
            addRuntimeGroup(p, *runtime);
            for (const auto& d : bo.decisions)
                if (d.verdict == ReviewDecision::Verdict::Deny)
                    for (const ProfileRule* r : p.rulesFor(d.syscall))
                        if (r->group == runtimeGroupName(*runtime))
                            p.warnings.push_back(d.syscall + " is denied by review but " + r->group +
                                                 " needs it after loading the filter: " + r->reason);
        }
        return p;
    };
    if (phase == "both") {
        // The filter the runtime loads at start must allow both phases; libswb-phase.so stacks the
        // serving filter on top of it once serving starts (the runtime is gone by then).
        Profile start = build(PhaseSelection::All, true);
        addPhaseSwitchGroup(start);
        const Profile serving = build(PhaseSelection::Serving, false);
        printWarnings(start.warnings);
        writeOne(output, start, format, a.name);
        const std::string second = servingPath(output);
        writeOne(second, serving, format, a.name.empty() ? "" : a.name + "-serving");
        std::cerr << "swb: wrote " << output << " (start filter, " << format << "): " << summary(start)
                  << "\n";
        std::cerr << "swb: wrote " << second << " (serving filter, " << format << "): " << summary(serving)
                  << "\n";
        return 0;
    }
    const auto sel = phaseSelectionFromName(phase);
    if (!sel)
        throw Error("unknown phase '" + phase + "' (all, init, serving or both)");
    const Profile p = build(*sel, true);
    printWarnings(p.warnings);
    writeOne(output, p, format, a.name);
    std::cerr << "swb: wrote " << output << " (" << phase << ", " << format << "): " << summary(p) << "\n";
    return 0;
}

} // namespace

void addProfileCommand(CLI::App& app, Context& ctx) {
    auto* cmd = app.add_subcommand(
        "profile", "Build a seccomp allowlist profile from traces, analyses or a project (with its review "
                   "decisions), for a phase, in Docker/OCI/Kubernetes JSON/YAML, libseccomp BPF or PFC text");
    auto a = std::make_shared<ProfileArgs>();
    cmd->add_option("INPUT", a->inputs,
                    "Traces, analyses, a project (.swbproj); or one profile to convert to another format")
        ->required();
    addPhaseOptions(cmd, a->options);
    cmd->add_option("--phase", a->phase,
                    "all (default: one filter for the whole life), init, serving, or both (writes the start "
                    "filter to FILE and the serving filter for libswb-phase.so to FILE's .serving variant)")
        ->check(CLI::IsMember({"all", "init", "serving", "both"}));
    cmd->add_option("--format", a->format, "docker (default), oci, k8s, bpf (raw filter) or pfc (text)")
        ->check(CLI::IsMember({"docker", "moby", "oci", "k8s", "kubernetes", "bpf", "pfc"}));
    cmd->add_option("--runtime", a->runtime,
                    "Container runtime whose own syscalls after filter load are added as a named group: "
                    "runc (default), crun or none")
        ->check(CLI::IsMember({"runc", "crun", "none"}));
    cmd->add_option("--errno", a->errnoRet, "errno returned for denied syscalls (default 1, EPERM)")
        ->check(CLI::Range(1, 4095));
    cmd->add_option("--name", a->name, "Profile name (Kubernetes metadata.name)");
    cmd->add_option("--evidence", a->evidence,
                    "Build from dynamic evidence (the traces: tight, as complete as the workload), static "
                    "(the analyses: every syscall the code can make) or both (default: the union)")
        ->check(CLI::IsMember({"dynamic", "static", "both"}));
    cmd->add_option("-o,--output", a->output, "Output file (written atomically)");
    cmd->final_callback([a, &ctx] { ctx.exitCode = run(*a); });
}

} // namespace swb::cli
