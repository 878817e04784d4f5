#include "commands.h"
#include "inputs.h"

#include "profile/profile_builder.h"
#include "profile/profile_export.h"
#include "profile/profile_io.h"
#include "profile/runtime_groups.h"
#include "util/error.h"
#include "util/file_kind.h"

#include <iostream>

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

int run(const ProfileArgs& a) {
    // A profile given alone is converted to another format.
    if (a.inputs.size() == 1 && detectFileKind(a.inputs[0]) == FileKind::Profile) {
        Profile p = loadProfile(a.inputs[0]);
        printWarnings(p.warnings);
        const std::string format = a.format.value_or("docker");
        writeProfileFile(a.output, p, format, a.name);
        std::cerr << "swb: wrote " << a.output << " (" << format << "): " << profileSummary(p) << "\n";
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
    if (!isExportFormat(format))
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

    auto build = [&](PhaseSelection sel, bool startFilter, bool phaseSwitch) {
        bo.phase = sel;
        return buildExportProfile(ev, bo, startFilter ? *runtime : Runtime::None, phaseSwitch);
    };
    if (phase == "both") {
        // The filter the runtime loads at start must allow both phases; libswb-phase.so stacks the
        // serving filter on top of it once serving starts (the runtime is gone by then).
        const Profile start = build(PhaseSelection::All, true, true);
        const Profile serving = build(PhaseSelection::Serving, false, false);
        printWarnings(start.warnings);
        writeProfileFile(output, start, format, a.name);
        const std::string second = servingProfilePath(output);
        writeProfileFile(second, serving, format, a.name.empty() ? "" : a.name + "-serving");
        std::cerr << "swb: wrote " << output << " (start filter, " << format << "): " << profileSummary(start)
                  << "\n";
        std::cerr << "swb: wrote " << second << " (serving filter, " << format
                  << "): " << profileSummary(serving) << "\n";
        return 0;
    }
    const auto sel = phaseSelectionFromName(phase);
    if (!sel)
        throw Error("unknown phase '" + phase + "' (all, init, serving or both)");
    const Profile p = build(*sel, true, false);
    printWarnings(p.warnings);
    writeProfileFile(output, p, format, a.name);
    std::cerr << "swb: wrote " << output << " (" << phase << ", " << format << "): " << profileSummary(p)
              << "\n";
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
