#include "commands.h"

#include "image/image.h"
#include "profile/project.h"
#include "util/error.h"
#include "util/file_kind.h"

#include <filesystem>
#include <iostream>

namespace swb::cli {

namespace {

struct ProjectArgs {
    std::string output;
    std::string name;
    std::string boundary = "auto";
    std::string transition;
    std::string program;
    std::string image;
    bool containerWide = false;
    std::vector<std::string> inputs;
};

int createProject(const ProjectArgs& a) {
    Project p;
    p.name = a.name.empty() ? std::filesystem::path(a.output).stem().string() : a.name;
    p.boundary = Boundary::parse(a.boundary);
    p.transition = a.transition;
    p.program = a.program;
    if (!a.image.empty()) {
        // What the inputs were made from: its digests, so that a review names the exact image.
        const Image image = openImage(a.image);
        p.image.source = a.image;
        p.image.kind = image.kindName();
        p.image.manifestDigest = image.manifestDigest;
        p.image.configDigest = image.configDigest;
        p.image.entrypoint = image.config.entrypoint;
        p.image.entrypoint.insert(p.image.entrypoint.end(), image.config.cmd.begin(), image.config.cmd.end());
        p.image.mode = a.containerWide ? "container-wide" : "application";
    } else if (a.containerWide) {
        throw Error("--container-wide describes an --image");
    }
    for (const auto& in : a.inputs) {
        const std::string abs = std::filesystem::absolute(in).lexically_normal().string();
        switch (detectFileKind(in)) {
        case FileKind::Trace:
            p.traces.push_back(abs);
            break;
        case FileKind::Analysis:
            p.analyses.push_back(abs);
            break;
        default:
            throw Error(in + ": offset 0: a project holds traces and analyses only");
        }
    }
    if (std::filesystem::exists(a.output))
        throw Error(a.output + ": exists; a project is never overwritten by swb project create");
    writeProject(p, a.output);
    std::cerr << "swb: wrote " << a.output << ": " << p.traces.size() << " trace(s), " << p.analyses.size()
              << " analysis(es), boundary " << p.boundary.toString();
    if (!p.image.source.empty())
        std::cerr << ", image " << p.image.source
                  << (p.image.configDigest.empty() ? std::string()
                                                   : " (config " + p.image.configDigest + ")");
    std::cerr << "\n";
    return 0;
}

struct ReviewArgs {
    std::string project;
    std::string verdict; // allow|deny|clear|list
    std::vector<std::string> syscalls;
    std::string phase = "all";
    std::string note;
};

int review(const ReviewArgs& a) {
    Project p = readProject(a.project);
    if (a.verdict == "list") {
        for (const auto& d : p.decisions)
            std::cout << verdictName(d.verdict) << ' ' << d.syscall << ' ' << phaseSelectionName(d.phase)
                      << (d.note.empty() ? "" : "  # " + d.note) << '\n';
        return 0;
    }
    if (a.syscalls.empty())
        throw Error("name at least one syscall");
    const auto phase = phaseSelectionFromName(a.phase);
    const SyscallTable& table = SyscallTable::forArch(Arch::X86_64);
    for (const auto& name : a.syscalls) {
        if (!table.number(name))
            throw Error("unknown syscall name '" + name + "' for x86_64");
        if (a.verdict == "clear") {
            if (!p.removeDecision(name, *phase))
                std::cerr << "swb: warning: no decision for " << name << " in phase " << a.phase << "\n";
            continue;
        }
        ReviewDecision d;
        d.syscall = name;
        d.phase = *phase;
        d.verdict = a.verdict == "allow" ? ReviewDecision::Verdict::Allow : ReviewDecision::Verdict::Deny;
        d.note = a.note;
        p.setDecision(std::move(d));
    }
    writeProject(p, a.project);
    std::cerr << "swb: " << a.project << ": " << p.decisions.size() << " decision(s)\n";
    return 0;
}

} // namespace

void addProjectCommands(CLI::App& app, Context& ctx) {
    auto* project =
        app.add_subcommand("project", "Create a review project (.swbproj) from traces and analyses");
    auto* create = project->add_subcommand("create", "Create a project; never overwrites an existing file");
    project->require_subcommand(1);
    auto pa = std::make_shared<ProjectArgs>();
    create->add_option("-o,--output", pa->output, "The project file to create (.swbproj)")->required();
    create->add_option("--name", pa->name, "Project name (default: the file name)");
    create->add_option("--boundary", pa->boundary, "Phase boundary: auto (default), none, 12.5s, #4711");
    create->add_option("--transition", pa->transition, "Static transition function");
    create->add_option("--program", pa->program, "The program the evidence describes (informational)");
    create->add_option("--image", pa->image,
                       "The container image the inputs come from (recorded with its digests; oci:DIR, "
                       "docker-archive:FILE, docker:NAME, ...)");
    create->add_flag("--container-wide", pa->containerWide,
                     "With --image: the analyses are of every executable (swb analyze --container-wide)");
    create->add_option("INPUT", pa->inputs, "Trace and analysis files")->required();
    create->final_callback([pa, &ctx] { ctx.exitCode = createProject(*pa); });

    auto* rv = app.add_subcommand(
        "review", "Record review decisions in a project: allow or deny syscalls per phase with a note, clear "
                  "them, or list them; swb profile applies them on export");
    auto ra = std::make_shared<ReviewArgs>();
    rv->add_option("PROJECT", ra->project, "The project file (.swbproj)")->required();
    rv->add_option("ACTION", ra->verdict, "allow, deny, clear or list")
        ->required()
        ->check(CLI::IsMember({"allow", "deny", "clear", "list"}));
    rv->add_option("SYSCALL", ra->syscalls, "Syscall names");
    rv->add_option("--phase", ra->phase, "all (default), init or serving")
        ->check(CLI::IsMember({"all", "init", "serving"}));
    rv->add_option("--note", ra->note, "Why (shown in the profile's reasons and in swb why)");
    rv->final_callback([ra, &ctx] { ctx.exitCode = review(*ra); });
}

} // namespace swb::cli
